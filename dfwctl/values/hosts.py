"""Name resolution settings of a container, as docker compose writes them: extra_hosts
("host:ip", "host=ip", a mapping host: ip, `host-gateway` for the engine's host), dns servers
and dns_search domains. Pure: values in, the engine's text out, ValueError with a message for
the user otherwise."""
from __future__ import annotations

import ipaddress
import re
from typing import Any, List, Tuple

HOST_GATEWAY = "host-gateway"  # the engine puts the address of its host here (Engine 20.10+)
_HOSTNAME = re.compile(r"[A-Za-z0-9_]([A-Za-z0-9_.-]*[A-Za-z0-9_])?")
_DOMAIN = re.compile(r"[A-Za-z0-9_]([A-Za-z0-9_.-]*[A-Za-z0-9_])?\.?")
EXTRA_HOST_USAGE = "write HOST:IP or HOST=IP, like db.local:10.0.0.5 or host.docker.internal=host-gateway"


def is_ip(text: Any) -> bool:
    try:
        ipaddress.ip_address(str(text))
    except ValueError:
        return False
    return True


def _address(address: Any, entry: str) -> str:
    text = "" if address is None else str(address).strip()
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]  # compose's bracketed IPv6: host=[::1]
    if text == HOST_GATEWAY or is_ip(text):
        return text
    raise ValueError(f'"{entry}": "{text}" is not an IP address: write an IPv4 or IPv6 address, '
                     f"or {HOST_GATEWAY} for the address of the engine's host")


def _host(host: str, entry: str) -> str:
    host = host.strip()
    if not host:
        raise ValueError(f'"{entry}" has no host name: {EXTRA_HOST_USAGE}')
    if not _HOSTNAME.fullmatch(host):
        raise ValueError(f'"{entry}": "{host}" is not a host name: use letters, digits, '
                         "'.', '-' and '_'")
    return host


def extra_host(entry: Any) -> str:
    """One entry of the list form -> "host:ip", as the engine takes it."""
    text = str(entry)
    if "=" in text:
        host, _, address = text.partition("=")
    elif ":" in text:
        host, _, address = text.partition(":")  # an IPv6 address keeps its colons
    else:
        raise ValueError(f'"{text}" has no address: {EXTRA_HOST_USAGE}')
    return f"{_host(host, text)}:{_address(address, text)}"


def extra_host_pairs(host: Any, addresses: Any) -> List[str]:
    """One entry of the mapping form (host: ip, or host: [ip, ...]) -> "host:ip" entries."""
    values = addresses if isinstance(addresses, list) else [addresses]
    entry = f"{host}: {addresses}"
    return [f"{_host(str(host), entry)}:{_address(a, entry)}" for a in values]


def extra_hosts(value: Any) -> Tuple[str, ...]:
    """The list or mapping form -> "host:ip" entries, in the order written."""
    if isinstance(value, dict):
        return tuple(e for host, addresses in value.items()
                     for e in extra_host_pairs(host, addresses))
    return tuple(extra_host(e) for e in (value or ()))


def dns_server(value: Any) -> str:
    text = str(value).strip()
    if not is_ip(text):
        raise ValueError(f'"{text}" is not an IP address: dns takes the addresses of DNS '
                         "servers, like 1.1.1.1")
    return text


def dns_domain(value: Any) -> str:
    text = str(value).strip()
    if text == ".":  # "no search domain", as resolv.conf has it
        return text
    if len(text) > 255 or not _DOMAIN.fullmatch(text):
        raise ValueError(f'"{text}" is not a DNS domain: write one like example.com')
    return text


def one_or_many(value: Any) -> List[Any]:
    """Compose's "a string or a list of strings"."""
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]
