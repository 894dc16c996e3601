"""Validate a loaded playbook: the JSON schema first, then the rules a schema cannot say
(sizes, mounts, ports, references, dependency cycles, Hyper-V and Docker Desktop facts).

Every problem is collected and returned at once, each with its position. Rules only look at
parts that passed the schema, so one mistake gives one message."""
from __future__ import annotations

import ipaddress
from typing import Any, Dict, Iterable, Iterator, List, Sequence, Tuple

from dfwctl.errors import Diagnostic, PlaybookError, sort_diagnostics
from dfwctl.load import Document, format_path
from dfwctl.providers.desktop.rules import DesktopRules
from dfwctl.providers.hyperv.rules import HyperVRules
from dfwctl.schema_messages import problems, quote
from dfwctl.suggest import closest
from dfwctl.tree import mapping, sequence
from dfwctl.values.mounts import VOLUME, is_windows_path, parse_mount
from dfwctl.values.ports import parse_ports
from dfwctl.values.sizes import parse_size

Path = Tuple[Any, ...]

BUILTIN_NETWORKS = ("bridge", "host", "none", "nat")
RESERVED_LABEL_PREFIX = "io.dfwctl."
ALL_INTERFACES = ("", "0.0.0.0", "::")


def validate(doc: Document, schema_known_valid: bool = False) -> List[Diagnostic]:
    """Every error and warning of a playbook, sorted by position. Never raises for content.
    `schema_known_valid` skips the schema pass for a tree it already accepted."""
    found = [] if schema_known_valid else problems(doc.data)
    diagnostics = [doc.diagnostic(p.path, p.message, key=p.key) for p in found]
    version = doc.data.get("version") if isinstance(doc.data, dict) else None
    if isinstance(version, int) and not isinstance(version, bool) and version > 1:
        # another format: its other keys may mean other things, so say only this
        return [d for d in diagnostics if d.path == "version"]
    if not isinstance(doc.data, dict):
        return sort_diagnostics(diagnostics)
    rules = _Rules(doc, [p.path for p in found])
    diagnostics.extend(rules.run())
    return sort_diagnostics(diagnostics)


def check(doc: Document, prior: Iterable[Diagnostic] = ()) -> List[Diagnostic]:
    """Validate, adding `prior` diagnostics (e.g. from interpolation). Raises PlaybookError
    when there is any error; otherwise returns the warnings. A place that already has a prior
    error gets no second message."""
    diagnostics = merge(prior, validate(doc))
    if any(d.is_error for d in diagnostics):
        raise PlaybookError(diagnostics)
    return diagnostics


def merge(prior: Iterable[Diagnostic], found: Iterable[Diagnostic]) -> List[Diagnostic]:
    """Prior diagnostics plus found ones, except found ones at a place a prior error covers."""
    prior = list(prior)
    taken = {(d.file, d.line, d.col) for d in prior if d.is_error}
    return sort_diagnostics(prior + [d for d in found if (d.file, d.line, d.col) not in taken])


class _Rules(HyperVRules, DesktopRules):
    """The domain rules of one document; each rule method yields diagnostics."""

    def __init__(self, doc: Document, bad: Sequence[Path]):
        self.doc = doc
        self.data = doc.data
        self.bad = [tuple(path) for path in bad]
        self.sizes: Dict[Path, int] = {}

    def run(self) -> List[Diagnostic]:
        out: List[Diagnostic] = []
        for rule in (self.size_rule, self.hyperv_rule, self.desktop_rule, self.network_rule,
                     self.label_rule, self.container_rule, self.port_rule, self.dependency_rule):
            out.extend(rule())
        return out

    def ok(self, path: Path) -> bool:
        """True when the schema found nothing wrong at `path` or below it."""
        return not any(bad[: len(path)] == path for bad in self.bad)

    def error(self, path: Path, message: str, key: bool = False) -> Diagnostic:
        return self.doc.diagnostic(path, message, key=key)

    def warning(self, path: Path, message: str) -> Diagnostic:
        return self.doc.diagnostic(path, message, severity="warning")

    # sizes ------------------------------------------------------------------------------
    def size_paths(self) -> Iterator[Path]:
        for name, vm in mapping(self.data, "hyperv", "vms").items():
            yield ("hyperv", "vms", name, "memory")
            if isinstance(vm, dict) and isinstance(vm.get("dynamic_memory"), dict):
                yield ("hyperv", "vms", name, "dynamic_memory", "minimum")
                yield ("hyperv", "vms", name, "dynamic_memory", "maximum")
        for key in ("memory", "swap", "disk"):
            yield ("docker_desktop", key)
        for name in mapping(self.data, "containers"):
            yield ("containers", name, "memory")

    def size_rule(self) -> Iterator[Diagnostic]:
        for path in self.size_paths():
            parent = mapping(self.data, *path[:-1])
            if path[-1] not in parent or not self.ok(path):
                continue
            try:
                self.sizes[path] = parse_size(parent[path[-1]])
            except ValueError as exc:
                yield self.error(path, str(exc))

    # Hyper-V ----------------------------------------------------------------------------
    def network_rule(self) -> Iterator[Diagnostic]:
        for name, net in mapping(self.data, "networks").items():
            path = ("networks", name)
            if not isinstance(net, dict) or "subnet" not in net or not self.ok(path):
                continue
            subnet, problem = _subnet(net["subnet"])
            if problem:
                yield self.error(path + ("subnet",), problem)
                continue
            gateway = net.get("gateway")
            if gateway is not None and not _address_in(gateway, subnet):
                yield self.error(path + ("gateway",), f"gateway {quote(gateway)} is not an address "
                                 f"in the subnet {subnet}: pick one inside it")

    def label_rule(self) -> Iterator[Diagnostic]:
        for section in ("containers", "networks", "volumes"):
            for name in mapping(self.data, section):
                for key in mapping(self.data, section, name, "labels"):
                    if str(key).startswith(RESERVED_LABEL_PREFIX):
                        yield self.error((section, name, "labels", key), (
                            f"label {quote(key)} uses the prefix {RESERVED_LABEL_PREFIX}, which "
                            "dfwctl reserves for its own labels: rename it"), key=True)

    # containers -------------------------------------------------------------------------
    def container_rule(self) -> Iterator[Diagnostic]:
        for name, spec in mapping(self.data, "containers").items():
            if isinstance(spec, dict):
                path = ("containers", name)
                yield from self.mount_rule(path, spec)
                yield from self.reference_rule(path, spec)
                yield from self.isolation_rule(path, spec)

    def mount_rule(self, path: Path, spec: dict) -> Iterator[Diagnostic]:
        volumes = mapping(self.data, "volumes")
        for index, text in enumerate(sequence(spec, "mounts")):
            item = path + ("mounts", index)
            if not self.ok(item):
                continue
            try:
                mount = parse_mount(text)
            except ValueError as exc:
                yield self.error(item, str(exc))
                continue
            if mount.type == VOLUME and mount.source and mount.source not in volumes:
                yield self.error(item, (
                    f"volume {quote(mount.source)} is not defined: add it under volumes, or "
                    "declare it there with external: true if it is made elsewhere"))
            elif is_windows_path(mount.source) and self.shared_with_engine(mount.source) is False:
                yield self.error(item, (
                    f"{quote(mount.source)} is not shared with Docker Desktop, so the engine would "
                    "mount an empty folder: add its drive to docker_desktop.shared_drives or "
                    "the folder to docker_desktop.file_sharing"))

    def reference_rule(self, path: Path, spec: dict) -> Iterator[Diagnostic]:
        networks = mapping(self.data, "networks")
        for index, name in enumerate(sequence(spec, "networks")):
            item = path + ("networks", index)
            if self.ok(item) and name not in networks and name not in BUILTIN_NETWORKS:
                yield self.error(item, (
                    f"network {quote(name)} is not defined: add it under networks, or declare it "
                    "there with external: true if it is made elsewhere"))
        containers = mapping(self.data, "containers")
        for index, name in enumerate(sequence(spec, "depends_on")):
            item = path + ("depends_on", index)
            if not self.ok(item):
                continue
            if name == path[-1]:
                yield self.error(item, "a container cannot depend on itself: remove this entry")
            elif name not in containers:
                match = closest(name, [str(c) for c in containers])
                hint = f"; did you mean {quote(match)}?" if match else (
                    ": define it under containers, or remove this entry")
                yield self.error(item, f"container {quote(name)} is not defined in this "
                                 f"playbook{hint}")

    def isolation_rule(self, path: Path, spec: dict) -> Iterator[Diagnostic]:
        isolation, platform = spec.get("isolation"), spec.get("platform")
        checked = self.ok(path + ("isolation",)) and self.ok(path + ("platform",))
        if checked and isolation in ("process", "hyperv") and str(platform).startswith("linux"):
            yield self.error(path + ("isolation",), (
                f"isolation {quote(isolation)} is only for Windows containers, and the platform is "
                f"{quote(platform)}: remove isolation, or use a windows platform"))

    def port_rule(self) -> Iterator[Diagnostic]:
        taken: Dict[Tuple[str, int], List[Tuple[str, Path]]] = {}
        for name, spec in mapping(self.data, "containers").items():
            for index, value in enumerate(sequence(spec, "ports")):
                item = ("containers", name, "ports", index)
                if not self.ok(item):
                    continue
                try:
                    ports = parse_ports(value)
                except ValueError as exc:
                    yield self.error(item, str(exc))
                    continue
                yield from self.port_clash(item, ports, taken)

    def port_clash(self, item: Path, ports, taken) -> Iterator[Diagnostic]:
        for port in ports:
            if port.host_port is None:
                continue
            slot = (port.protocol, port.host_port)
            for ip, other in taken.get(slot, ()):
                if other != item and _same_interface(ip, port.host_ip):
                    yield self.error(item, (
                        f"host port {port.host_port}/{port.protocol} is already published by "
                        f"{format_path(other)} (line {self.doc.position(other)[0]}): "
                        "give one of them another host port"))
                    return
            taken.setdefault(slot, []).append((port.host_ip, item))

    def dependency_rule(self) -> Iterator[Diagnostic]:
        containers = mapping(self.data, "containers")
        graph = {
            name: [d for d in sequence(spec, "depends_on")
                   if isinstance(d, str) and d in containers and d != name]
            for name, spec in containers.items()
        }
        for cycle in _cycles(graph):
            first, second = cycle[0], cycle[1]
            index = list(sequence(containers[first], "depends_on")).index(second)
            yield self.error(("containers", first, "depends_on", index), (
                f"depends_on forms a cycle: {' -> '.join(cycle)}: remove one of these "
                "dependencies"))


def _subnet(text: str):
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


def _address_in(address: Any, subnet) -> bool:
    try:
        return ipaddress.ip_address(address) in subnet
    except ValueError:
        return False


def _same_interface(a: str, b: str) -> bool:
    return a == b or a in ALL_INTERFACES or b in ALL_INTERFACES


def _cycles(graph: Dict[str, List[str]]) -> List[List[str]]:
    """Each dependency cycle once, as a path a -> b -> a, found in document order."""
    done: set = set()
    cycles: Dict[frozenset, List[str]] = {}

    def visit(node: str, stack: List[str]) -> None:
        for nxt in graph.get(node, ()):
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
