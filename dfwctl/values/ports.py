"""Published ports in docker -p syntax: [host_ip:][host_port:]container_port[/protocol].

Ranges expand to one Port per port. Only exact mappings are accepted, so a plan never
depends on which port Docker happens to pick from a range. Pure: text in, Ports out."""
from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from functools import total_ordering
from typing import List, Optional, Tuple, Union

PROTOCOLS = ("tcp", "udp", "sctp")
USAGE = (
    "write [host_ip:][host_port:]container_port[/protocol], like 8080:80 or 127.0.0.1:5432:5432"
)

_RANGE = re.compile(r"(?P<start>[0-9]{1,10})(?:-(?P<end>[0-9]{1,10}))?")


@total_ordering
@dataclass(frozen=True)
class Port:
    """One published container port. Ordered by container port, protocol, host IP, then host
    port (an ephemeral host port sorts first)."""

    container_port: int
    protocol: str = "tcp"  # tcp | udp | sctp
    host_ip: str = ""  # "" = all interfaces; IPv6 without brackets, e.g. "::1"
    host_port: Optional[int] = None  # None = ephemeral: Docker picks one

    def spec(self) -> str:
        """Canonical docker -p text: "127.0.0.1:8080:80/tcp", "[::1]:8080:80/tcp",
        "127.0.0.1::80/tcp", "8080:80/tcp" or "80/tcp"."""
        tail = f"{self.container_port}/{self.protocol}"
        host_port = "" if self.host_port is None else str(self.host_port)
        if self.host_ip:
            ip = f"[{self.host_ip}]" if ":" in self.host_ip else self.host_ip
            return f"{ip}:{host_port}:{tail}"
        return f"{host_port}:{tail}" if host_port else tail

    # Ordering is by a key rather than generated (order=True): the generated methods would
    # compare a host port of None with an int and raise TypeError.
    def _key(self) -> Tuple[int, str, str, int]:
        return (
            self.container_port,
            self.protocol,
            self.host_ip,
            -1 if self.host_port is None else self.host_port,
        )

    def __lt__(self, other: object) -> bool:  # total_ordering derives <=, > and >=
        return self._key() < other._key() if isinstance(other, Port) else NotImplemented


def parse_ports(value: Union[int, str]) -> List[Port]:
    """The Ports one docker -p value publishes: 80, "80/udp", "8080:80", "127.0.0.1::80",
    "[::1]:8080:80/tcp", "8000-8002:80-82"... Raises ValueError with a message for the user."""
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise ValueError(f"{_shown(value)} is not a port: {USAGE}")
    if isinstance(value, int):
        if not 1 <= value <= 65535:
            hint = "; quote mappings in YAML, like '8080:80'" if value > 65535 else ""
            raise ValueError(f"port {value} is out of range: use 1 to 65535{hint}")
        return [Port(value)]
    if not value:
        raise ValueError(f'"" is not a port: {USAGE}')
    host_ip, host_part, container_part, protocol = _split(value)
    start, end = _range(container_part, "container port", lowest=1)
    ports = list(range(start, end + 1))
    if host_part == "":
        return [Port(port, protocol, host_ip) for port in ports]
    host_start, host_end = _range(host_part, "host port", lowest=0)
    if host_start == 0:
        address = f"[{host_ip}]" if ":" in host_ip else host_ip
        example = f"{address}::{container_part}" if host_ip else container_part
        if protocol != "tcp":
            example += f"/{protocol}"
        raise ValueError(
            f'host port 0 in "{value}" is not allowed: leave the host port out to let Docker '
            f"pick one, like {example}"
        )
    if host_end - host_start != end - start:
        raise ValueError(_range_mismatch(value, host_part, container_part, host_start, start, end))
    return [
        Port(port, protocol, host_ip, host_start + offset) for offset, port in enumerate(ports)
    ]


def _shown(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "null" if value is None else repr(value)


def _split(value: str) -> Tuple[str, str, str, str]:
    """(host_ip, host_part, container_part, protocol) of docker -p text."""
    text, slash, written = value.partition("/")
    protocol = written.lower() if slash else "tcp"
    if protocol not in PROTOCOLS:
        raise ValueError(f'protocol "{written}" in "{value}" is not known: use tcp, udp or sctp')
    suffix = f"/{protocol}" if slash else ""
    parts = _parts(text, value, suffix)
    if len(parts) == 1:
        return "", "", parts[0], protocol
    if len(parts) == 2:
        address, container = parts
        if address.startswith("[") or _is_ip(address):
            raise ValueError(
                f'"{value}" has a host IP but no host port: write {address}:{container}:'
                f"{container}{suffix}, or {address}::{container}{suffix} to let Docker pick "
                "the host port"
            )
        if not address:
            raise ValueError(
                f'"{value}" has an empty host port: write {container}{suffix} to let Docker '
                "pick the host port"
            )
        return "", address, container, protocol
    address, host, container = parts
    if address in ("", "[]"):
        example = f"{host}:{container}" if host else container
        raise ValueError(
            f'"{value}" has an empty host IP: leave it out with its colon, like {example}{suffix}'
        )
    host_ip = _ip(address[1:-1] if address.startswith("[") else address, value)
    return host_ip, host, container, protocol


def _parts(text: str, value: str, suffix: str) -> List[str]:
    """[container], [host, container] or [ip, host, container]; a bracketed IP keeps its
    brackets here."""
    if not text.startswith("["):
        parts = text.split(":")
        if len(parts) > 3:
            raise ValueError(_too_many_colons(value, parts, suffix))
        return parts
    address, bracket, rest = text[1:].partition("]")
    if not bracket or not rest.startswith(":"):
        raise ValueError(
            f'"{value}" is not a port mapping: write an IPv6 address in brackets followed '
            "by host and container ports, like [::1]:8080:80 or [::1]::80"
        )
    parts = [f"[{address}]"] + rest[1:].split(":")
    if len(parts) > 3:
        raise ValueError(f'"{value}" has too many colons: {USAGE}')
    return parts


def _too_many_colons(value: str, parts: List[str], suffix: str) -> str:
    address = ":".join(parts[:-2])
    if ":" in address and _is_ip(address):
        suggestion = f"[{address}]:{parts[-2]}:{parts[-1]}{suffix}"
        return f'"{value}" is ambiguous: put the IPv6 address in brackets, like {suggestion}'
    return (
        f'"{value}" has too many colons: {USAGE}; put an IPv6 address in brackets, '
        "like [::1]:8080:80"
    )


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def _ip(text: str, value: str) -> str:
    """The canonical text of a host IP, without brackets (_split refuses an empty one)."""
    if "%" in text:
        raise ValueError(f'host IP "{text}" in "{value}" has a zone (%): Docker takes none')
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:  # the ipaddress message names the class, not what the user wrote
        raise ValueError(f'host IP "{text}" in "{value}" is not an IP address') from None


def _range(text: str, what: str, lowest: int) -> Tuple[int, int]:
    """(first, last) of "80" or "80-82"; ports below `lowest` are out of range."""
    match = _RANGE.fullmatch(text)
    if match is None:
        raise ValueError(f'{what} "{text}" is not a port number or a range like 8000-8002')
    start = int(match.group("start"))
    end = int(match.group("end") or start)
    for port in (start, end):
        if not lowest <= port <= 65535:
            raise ValueError(f'{what} "{text}" is out of range: use 1 to 65535')
    if end < start:
        raise ValueError(f'{what} range "{text}" runs backwards: write {end}-{start}')
    return start, end


def _range_mismatch(
    value: str, host_part: str, container_part: str, host_start: int, start: int, end: int
) -> str:
    count = end - start + 1
    if count == 1:
        return (
            f'"{value}" maps the host port range {host_part} to one container port: Docker '
            f"would pick any free port of the range; give one host port, like "
            f"{host_start}:{container_part}"
        )
    return (
        f'"{value}" maps {count} container ports to a host range of another length: give '
        f"{count} host ports, like {host_start}-{host_start + count - 1}:{container_part}"
    )
