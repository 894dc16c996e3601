"""Validation rules for the Docker part of a playbook: what the engine would refuse that the
playbook alone shows (subnets, reserved labels, mounts, references, isolation, host ports,
dependency cycles, the container options in option_rules, and secrets in secret_rules)."""
from __future__ import annotations

import ipaddress
import os
from typing import Any, Dict, FrozenSet, Iterable, Iterator, List, Optional, Set, Tuple, Union

from dfwctl.checker import Checker, Path
from dfwctl.errors import Diagnostic
from dfwctl.load import format_path
from dfwctl.providers.docker import build_rules, health_rules, secret_rules
from dfwctl.providers.docker.model import BUILTIN_NETWORKS
from dfwctl.providers.docker.option_rules import STOP_TIMEOUT, option_rules
from dfwctl.schema_messages import quote
from dfwctl.tree import mapping, sequence
from dfwctl.values.bounds import INT64_MAX, Bound
from dfwctl.values.hosts import one_or_many
from dfwctl.values.images import reference_problem
from dfwctl.values.mounts import VOLUME, MountError, mount_of
from dfwctl.values.ports import Port, parse_ports

RESERVED_LABEL_PREFIX = "io.dfwctl."
ALL_INTERFACES = ("", "0.0.0.0", "::")
Network = Union[ipaddress.IPv4Network, ipaddress.IPv6Network]
Taken = Dict[Tuple[str, int], List[Tuple[str, Path]]]  # (protocol, host port) -> (host IP, where)

# What the engine accepts for the numbers of a container (moby's daemon checks, and Go's int64).
MEMORY = Bound(6 * 2**20, INT64_MAX // 2, "bytes", integer=True,
               why="the engine's smallest memory limit is 6 MiB")
MEMORY_HIGH = Bound(MEMORY.low, MEMORY.high, "bytes", integer=True,
                    why="the engine holds a limit and its swap in 64 bits")
CPUS = Bound(0.01, INT64_MAX // 100_000, why="the engine's smallest CPU quota is 1 ms in 100 ms")
NUL_MESSAGE = ("the value contains a NUL character (\\0), which the engine cannot pass to a "
               "process: remove it")


def rules(c: Checker) -> Iterator[Diagnostic]:
    """Every problem of the networks, volumes and containers sections."""
    yield from c.parse_sizes(("containers", name, key)
                             for name in mapping(c.data, "containers")
                             for key in ("memory", "shm_size"))
    for rule in (network_rule, label_rule, container_rule, port_rule, address_rule,
                 health_rules.rules, build_rules.rules, dependency_rule, number_rule, nul_rule,
                 secret_rules.rules):
        yield from rule(c)


def number_rule(c: Checker) -> Iterator[Diagnostic]:
    """The numbers of each container within what the engine takes."""
    for name, spec in mapping(c.data, "containers").items():
        if not isinstance(spec, dict):
            continue
        path = ("containers", name)
        memory = c.sizes.get(path + ("memory",))
        if memory is not None:
            bound = MEMORY if memory < MEMORY.low else MEMORY_HIGH  # each says why
            written = spec["memory"]
            problem = bound.problem(memory, f'"{written}"' if isinstance(written, str) else None)
            if problem:
                yield c.error(path + ("memory",), problem)
        for key, bound in (("cpus", CPUS), ("stop_timeout", STOP_TIMEOUT)):
            if key in spec and c.ok(path + (key,)):
                problem = bound.problem(spec[key])
                if problem:
                    yield c.error(path + (key,), problem)


def nul_rule(c: Checker) -> Iterator[Diagnostic]:
    """A NUL character in any text of a container (its environment, command, labels...)."""
    for name, spec in mapping(c.data, "containers").items():
        stack: List[Tuple[Path, Any]] = [(("containers", name), spec)]
        while stack:
            path, node = stack.pop()
            if isinstance(node, dict):
                stack.extend((path + (k,), v) for k, v in node.items())
            elif isinstance(node, list):
                stack.extend((path + (i,), v) for i, v in enumerate(node))
            elif isinstance(node, str) and "\0" in node:
                yield c.error(path, NUL_MESSAGE)


def network_rule(c: Checker) -> Iterator[Diagnostic]:
    for name, net in mapping(c.data, "networks").items():
        path = ("networks", name)
        if not isinstance(net, dict) or "subnet" not in net or not c.ok(path):
            continue
        subnet, problem = _subnet(net["subnet"])
        if problem:
            yield c.error(path + ("subnet",), problem)
            continue
        assert subnet is not None, "_subnet() gives a network or a problem"
        gateway = net.get("gateway")
        if gateway is not None and not _address_in(gateway, subnet):
            yield c.error(path + ("gateway",), f"gateway {quote(gateway)} is not an address "
                             f"in the subnet {subnet}: pick one inside it")


def label_rule(c: Checker) -> Iterator[Diagnostic]:
    for section in ("containers", "networks", "volumes"):
        for name in mapping(c.data, section):
            for key in mapping(c.data, section, name, "labels"):
                if str(key).startswith(RESERVED_LABEL_PREFIX):
                    yield c.error((section, name, "labels", key), (
                        f"label {quote(key)} uses the prefix {RESERVED_LABEL_PREFIX}, which "
                        "dfwctl reserves for its own labels: rename it"), key=True)

# containers -------------------------------------------------------------------------
def container_rule(c: Checker) -> Iterator[Diagnostic]:
    for name, spec in mapping(c.data, "containers").items():
        if isinstance(spec, dict):
            path = ("containers", name)
            yield from image_rule(c, path, spec)
            yield from mount_rule(c, path, spec)
            yield from reference_rule(c, path, spec)
            yield from isolation_rule(c, path, spec)
            yield from option_rules(c, path, spec)


def image_rule(c: Checker, path: Path, spec: Dict[Any, Any]) -> Iterator[Diagnostic]:
    """An image reference the engine can read (the schema makes it a string)."""
    item = path + ("image",)
    if "image" in spec and c.ok(item):
        problem = reference_problem(spec["image"])
        if problem is not None:
            yield c.error(item, problem)


def mount_rule(c: Checker, path: Path, spec: Dict[Any, Any]) -> Iterator[Diagnostic]:
    """Each mount in either syntax; a named volume must be defined; one target is mounted
    once (the engine: "Duplicate mount point"), counting the tmpfs option's targets too."""
    volumes = mapping(c.data, "volumes")
    targets: List[Tuple[Path, str]] = []
    for index, value in enumerate(sequence(spec, "mounts")):
        item = path + ("mounts", index)
        if not c.ok(item):
            continue
        try:
            mount = mount_of(value)
        except MountError as exc:  # at the key it is about, when it is written
            present = bool(exc.key) and isinstance(value, dict) and exc.key[0] in value
            yield c.error(item + exc.key if present else item, str(exc))
            continue
        except ValueError as exc:
            yield c.error(item, str(exc))
            continue
        where = item + ("source",) if isinstance(value, dict) else item
        if mount.type == VOLUME and mount.source and mount.source not in volumes:
            yield c.error(where, (
                f"volume {quote(mount.source)} is not defined: add it under volumes, or "
                "declare it there with external: true if it is made elsewhere"))
        climbed = _climbs_out(c, mount.source)  # only a bind's source starts with "."
        if climbed:
            yield c.warning(where, (
                f"the relative source {quote(mount.source)} leaves the playbook's folder: it "
                f"mounts {climbed}; write that absolute path if it is what you mean"))
        targets.append((item, mount.target))
    for index, entry in enumerate(one_or_many(spec.get("tmpfs"))):
        item = path + ("tmpfs",) + ((index,) if isinstance(spec.get("tmpfs"), list) else ())
        if c.ok(item):
            targets.append((item, str(entry).partition(":")[0]))
    yield from _each_target_once(c, targets)


def _each_target_once(c: Checker, targets: List[Tuple[Path, str]]) -> Iterator[Diagnostic]:
    """The second mount of a target, in the order of the document, is the error."""
    seen: Dict[str, Path] = {}
    for item, target in sorted(targets, key=lambda t: c.doc.position(t[0])):
        other = seen.setdefault(target.rstrip("/\\") or target, item)
        if other != item:
            yield c.error(item, (
                f"{target} is already mounted by {format_path(other)} (line "
                f"{c.doc.position(other)[0]}): the engine mounts each target once; pick "
                "another"))


def _climbs_out(c: Checker, source: str) -> Optional[str]:
    """Where a relative bind source (./ or ../) lands when it is outside the playbook's
    folder, else None. By its text, as the source is sent: never by reading the disk (a
    source may name what does not exist, loop, or hold characters no path can)."""
    if not source.startswith("."):
        return None
    base = os.path.abspath(c.doc.directory)
    landed = os.path.normpath(os.path.join(base, source))
    if landed == base or landed.startswith(base.rstrip(os.sep) + os.sep):
        return None
    return landed


def joined_networks(spec: Any) -> List[Tuple[Any, Any, Dict[Any, Any]]]:
    """(name, where it is written: its index or its key, its settings) of each network a
    container joins, in either form (a list of names, or a mapping)."""
    value = spec.get("networks") if isinstance(spec, dict) else None
    if isinstance(value, dict):
        return [(name, name, settings if isinstance(settings, dict) else {})
                for name, settings in value.items()]
    return [(name, index, {}) for index, name in enumerate(sequence(spec, "networks"))]


def reference_rule(c: Checker, path: Path, spec: Dict[Any, Any]) -> Iterator[Diagnostic]:
    networks = mapping(c.data, "networks")
    keyed = isinstance(spec.get("networks"), dict)
    for name, at, settings in joined_networks(spec):
        item = path + ("networks", at)
        if not c.ok(item):
            continue
        if name not in networks and name not in BUILTIN_NETWORKS:
            yield c.error(item, (
                f"network {quote(name)} is not defined: add it under networks, or declare it "
                "there with external: true if it is made elsewhere"), key=keyed)
        elif name in BUILTIN_NETWORKS:
            for key in ("aliases", "ipv4_address"):
                if settings.get(key):
                    yield c.error(item + (key,), (
                        f"the engine's own network {quote(name)} takes no {key}: only networks "
                        "the playbook defines do; define one under networks and join it"))


def isolation_rule(c: Checker, path: Path, spec: Dict[Any, Any]) -> Iterator[Diagnostic]:
    isolation, platform = spec.get("isolation"), spec.get("platform")
    # an isolation the schema refuses is never process or hyperv
    if c.ok(path + ("platform",)) and isolation in ("process", "hyperv") and \
            str(platform).startswith("linux"):
        yield c.error(path + ("isolation",), (
            f"isolation {quote(isolation)} is only for Windows containers, and the platform is "
            f"{quote(platform)}: remove isolation, or use a windows platform"))


def port_rule(c: Checker) -> Iterator[Diagnostic]:
    taken: Taken = {}
    for name, spec in mapping(c.data, "containers").items():
        for index, value in enumerate(sequence(spec, "ports")):
            item = ("containers", name, "ports", index)
            if not c.ok(item):
                continue
            try:
                ports = parse_ports(value)
            except ValueError as exc:
                yield c.error(item, str(exc))
                continue
            yield from port_clash(c, item, ports, taken)


def port_clash(c: Checker, item: Path, ports: Iterable[Port], taken: Taken) -> Iterator[Diagnostic]:
    for port in ports:
        if port.host_port is None:
            continue
        slot = (port.protocol, port.host_port)
        for ip, other in taken.get(slot, ()):
            if other != item and _same_interface(ip, port.host_ip):
                yield c.error(item, (
                    f"host port {port.host_port}/{port.protocol} is already published by "
                    f"{format_path(other)} (line {c.doc.position(other)[0]}): "
                    "give one of them another host port"))
                return
        taken.setdefault(slot, []).append((port.host_ip, item))


def address_rule(c: Checker) -> Iterator[Diagnostic]:
    """Fixed addresses (networks.NAME.ipv4_address): the engine refuses, when the container
    starts, an address on a network without a subnet of the playbook's, outside the subnet,
    the network's own (its first and last, the gateway), or one another container has."""
    networks = mapping(c.data, "networks")
    taken: Dict[Tuple[str, str], Path] = {}
    for cname, spec in mapping(c.data, "containers").items():
        for name, at, settings in joined_networks(spec):
            item = ("containers", cname, "networks", at, "ipv4_address")
            network = networks.get(name)
            if "ipv4_address" not in settings or not isinstance(network, dict) or \
                    network.get("external") or not c.ok(item):
                continue
            text = str(settings["ipv4_address"])
            problem = _address_problem(text, name, network)
            if problem is None and (str(name), text) in taken:
                other = taken[(str(name), text)]
                problem = (f"address {text} on network {quote(name)} is already "
                           f"{format_path(other[:2])}'s (line {c.doc.position(other)[0]}): "
                           "give each container its own")
            if problem:
                yield c.error(item, problem)
            else:
                taken[(str(name), text)] = item


def _address_problem(text: str, name: Any, network: Dict[Any, Any]) -> Optional[str]:
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return f"{quote(text)} is not an IPv4 address: write one like 172.28.0.10"
    if address.version != 4:
        return f"{quote(text)} is an IPv6 address: ipv4_address takes an IPv4 address"
    subnet, invalid = _subnet(network["subnet"]) if "subnet" in network else (None, None)
    if invalid:
        return None  # the subnet's own error says what to fix
    if subnet is None:
        return (f"network {quote(name)} has no subnet, and the engine gives fixed addresses "
                f"only on networks with one: add subnet: to networks.{name}")
    if address not in subnet:
        return f"{text} is not in the subnet {subnet} of network {quote(name)}: pick one inside it"
    gateway = network.get("gateway") or str(next(subnet.hosts()))
    if text in (str(subnet.network_address), str(subnet.broadcast_address), str(gateway)):
        what = "gateway" if text == str(gateway) else "network's own address"
        return (f"{text} is the {what} of network {quote(name)}, which the engine keeps: pick "
                "another address in the subnet")
    return None


def dependency_rule(c: Checker) -> Iterator[Diagnostic]:
    containers = mapping(c.data, "containers")
    entries = {name: health_rules.dependency_entries(spec, ("containers", name))
               for name, spec in containers.items()}
    graph = {name: [d for _, d, _ in found if d in containers and d != name]
             for name, found in entries.items()}
    for cycle in _cycles(graph):
        first, second = cycle[0], cycle[1]
        where = next(w for w, d, _ in entries[first] if d == second)
        yield c.error(where, (
            f"depends_on forms a cycle: {' -> '.join(cycle)}: remove one of these "
            "dependencies"), key=isinstance(where[-1], str))



def _subnet(text: str) -> Tuple[Optional[Network], Optional[str]]:
    """(network, None), or (None, a message saying what to write instead)."""
    try:
        return ipaddress.ip_network(text), None
    except ValueError:
        pass
    try:
        network = ipaddress.ip_network(text, strict=False)
    except ValueError:
        return None, f"{quote(text)} is not a subnet: write it in CIDR form, such as 172.28.0.0/16"
    return None, f"{quote(text)} has host bits set: write {network}"


def _address_in(address: Any, subnet: Network) -> bool:
    try:
        return ipaddress.ip_address(address) in subnet
    except ValueError:
        return False


def _same_interface(a: str, b: str) -> bool:
    return a == b or a in ALL_INTERFACES or b in ALL_INTERFACES


def _cycles(graph: Dict[str, List[str]]) -> List[List[str]]:
    """Each dependency cycle once, as a path a -> b -> a, found in document order."""
    done: Set[str] = set()
    cycles: Dict[FrozenSet[str], List[str]] = {}

    def visit(node: str, stack: List[str]) -> None:
        for nxt in graph[node]:  # the graph keeps only dependencies on containers: nodes
            if nxt in stack:
                cycle = stack[stack.index(nxt):]
                cycles.setdefault(frozenset(cycle), cycle + [nxt])
            elif nxt not in done:
                visit(nxt, stack + [nxt])
        done.add(node)

    for node in graph:
        if node not in done:
            visit(node, [node])
    return list(cycles.values())
