"""Hyper-V VMs as plain values: what a playbook asks for and what a host has, in one shape.

A VmSpec field left None is not managed. The host's VMs are read into the same VmSpec (every
field set), beside what only the host knows (Id, power state, configuration version, adapter
Ids), so diff compares like with like. Pure: no I/O.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field, replace
from typing import Any, List, Mapping, Optional, Tuple

from dfwctl.providers.hyperv.identity import GuestIdentity
from dfwctl.providers.hyperv.session import Session
from dfwctl.values.sizes import parse_size

FEATURE = "Microsoft-Hyper-V"  # the Windows feature that brings Hyper-V and its cmdlets
DEFAULT_STOP_TIMEOUT = 300  # seconds a guest gets to shut down (Hyper-V Manager waits 5 min)


@dataclass(frozen=True)
class AdapterSpec:
    name: Optional[str] = None  # None: the VM's only adapter
    switch: Optional[str] = None
    mac_address_spoofing: Optional[bool] = None
    id: str = field(default="", compare=False)  # the host's adapter Id (actual state only)


@dataclass(frozen=True)
class Checkpoints:
    """A Hyper-V checkpoint around a change made while the VM is off: taken once it is off,
    removed after success (kept when `keep`), restored on failure when `restore_on_failure`."""

    enabled: bool = True
    restore_on_failure: bool = False
    keep: bool = False


@dataclass(frozen=True)
class Shutdown:
    """How a VM is stopped: its guest gets `timeout` seconds to shut down; then apply fails,
    or, with `turn_off`, turns the VM off (a power cut)."""

    timeout: int = DEFAULT_STOP_TIMEOUT
    turn_off: bool = False


@dataclass(frozen=True)
class Handling:
    """How dfwctl changes a VM (never a field of its own diff)."""

    checkpoint: Checkpoints = Checkpoints()
    shutdown: Shutdown = Shutdown()


@dataclass(frozen=True)
class VmSpec:
    """Field order is the order plans show them in."""

    name: str
    state: Optional[str] = None  # running | off
    processors: Optional[int] = None
    memory: Optional[int] = None  # startup memory, bytes
    dynamic_memory: Optional[bool] = None
    memory_minimum: Optional[int] = None  # dynamic memory only
    memory_maximum: Optional[int] = None
    nested_virtualization: Optional[bool] = None
    network_adapters: Tuple[AdapterSpec, ...] = ()
    handling: Handling = field(default=Handling(), compare=False)


@dataclass(frozen=True)
class VmState:
    """One VM as the host has it."""

    id: str
    power: str  # Hyper-V's VMState name: Running, Off, Saved, RunningCritical, ...
    version: str  # configuration version, e.g. "9.0"
    spec: VmSpec  # every field read from the host
    memory_assigned: int = field(default=0, compare=False)  # bytes it holds now (0: off)
    checkpoint_type: str = "Production"  # Disabled | Production | ProductionOnly | Standard
    checkpoints: Tuple[str, ...] = ()  # names of the checkpoints dfwctl took (see steps.py)

    @property
    def name(self) -> str:
        return self.spec.name


@dataclass(frozen=True)
class HostFacts:
    """What the host can run: 0 means not read (no check is made against it)."""

    build: int = 0  # Windows build, e.g. 19045
    logical_processors: int = 0
    memory_total: int = 0  # bytes of physical memory Windows sees
    memory_free: int = 0  # bytes free when the plan was made (changes all the time)


@dataclass(frozen=True)
class HyperVActual:
    """What one gather read: every VM on the host (duplicates included), the switches, and
    facts about the host that the plan depends on."""

    endpoint: str
    vms: Tuple[VmState, ...] = ()
    switches: Tuple[str, ...] = ()
    cpu_vendor: str = ""  # GenuineIntel | AuthenticAMD | "" (not read)
    feature_state: str = ""  # the Hyper-V feature when its cmdlets are missing: Disabled, ...
    host: HostFacts = field(default=HostFacts())
    session: Session = field(default=Session(), compare=False)
    # The VM dfwctl itself runs in (identity.py), or None: a plan never stops it.
    self_vm: Optional[GuestIdentity] = field(default=None, compare=False)

    def named(self, name: str) -> List[VmState]:
        """VMs of that name, compared as Hyper-V compares names (case ignored)."""
        return [vm for vm in self.vms if vm.name.casefold() == name.casefold()]

    def fingerprint(self, names: Tuple[str, ...]) -> str:
        """A digest of the state the plan depends on: the named VMs, switches, feature."""
        wanted = {n.casefold() for n in names}
        vms = []
        for vm in self.vms:
            if vm.name.casefold() in wanted:
                one = asdict(vm)
                one.pop("memory_assigned")  # moves with dynamic memory: not a change
                one["spec"].pop("handling")
                vms.append(one)
        doc = {
            "vms": sorted(vms, key=lambda d: d["id"]),
            "switches": sorted(self.switches),
            "cpu": self.cpu_vendor,
            "feature": self.feature_state,
            "host": [self.host.build, self.host.logical_processors, self.host.memory_total],
        }
        return hashlib.sha256(json.dumps(doc, sort_keys=True).encode()).hexdigest()


def _size(value: Any) -> Optional[int]:
    return None if value is None else parse_size(value)


def adapter_spec(raw: Mapping[str, Any]) -> AdapterSpec:
    return AdapterSpec(name=raw.get("name"), switch=raw.get("switch"),
                       mac_address_spoofing=raw.get("mac_address_spoofing"))


def vm_spec(name: str, raw: Optional[Mapping[str, Any]]) -> VmSpec:
    """A validated `hyperv.vms.<name>` entry -> VmSpec. `state` defaults to running."""
    raw = raw or {}
    dynamic = raw.get("dynamic_memory")
    return VmSpec(
        name=name,
        state=raw.get("state", "running"),
        processors=raw.get("processors"),
        memory=_size(raw.get("memory")),
        dynamic_memory=None if dynamic is None else isinstance(dynamic, dict),
        memory_minimum=_size(dynamic.get("minimum")) if isinstance(dynamic, dict) else None,
        memory_maximum=_size(dynamic.get("maximum")) if isinstance(dynamic, dict) else None,
        nested_virtualization=raw.get("nested_virtualization"),
        network_adapters=tuple(adapter_spec(a) for a in raw.get("network_adapters") or ()),
        handling=handling(raw),
    )


def handling(raw: Mapping[str, Any]) -> Handling:
    """`checkpoint: true | false | {restore_on_failure, keep}` and `shutdown: {timeout,
    turn_off}` of a validated VM entry."""
    checkpoint = raw.get("checkpoint", True)
    if isinstance(checkpoint, dict):
        points = Checkpoints(True, bool(checkpoint.get("restore_on_failure")),
                             bool(checkpoint.get("keep")))
    else:
        points = Checkpoints(enabled=bool(checkpoint))
    stop = raw.get("shutdown") or {}
    return Handling(points, Shutdown(int(stop.get("timeout", DEFAULT_STOP_TIMEOUT)),
                                     bool(stop.get("turn_off"))))


def overridden(spec: VmSpec, checkpoint: Optional[bool] = None, turn_off: bool = False,
               timeout: Optional[int] = None) -> VmSpec:
    """The VM with the command line's choices over the playbook's (None: the playbook's)."""
    now = spec.handling
    points = now.checkpoint if checkpoint is None else replace(now.checkpoint,
                                                               enabled=checkpoint)
    stop = Shutdown(now.shutdown.timeout if timeout is None else timeout,
                    bool(now.shutdown.turn_off or turn_off))
    return replace(spec, handling=Handling(points, stop))


@dataclass(frozen=True)
class HyperVDesired:
    """The playbook's hyperv section: the host and the VMs it names, in playbook order."""

    host: str = "local"
    vms: Tuple[VmSpec, ...] = ()


def hyperv_desired(section: Mapping[str, Any]) -> HyperVDesired:
    """From a validated hyperv section (plain dicts)."""
    vms = tuple(vm_spec(str(name), raw) for name, raw in (section.get("vms") or {}).items())
    return HyperVDesired(host=str(section.get("host") or "local"), vms=vms)


def display(name: str) -> str:
    """A name safe to print on one line: backslashes and control characters escaped."""
    out: List[str] = []
    for char in name:
        if char == "\\":
            out.append("\\\\")
        elif ord(char) < 32 or 127 <= ord(char) < 160:
            out.append({"\n": "\\n", "\r": "\\r", "\t": "\\t"}.get(char, f"\\x{ord(char):02x}"))
        else:
            out.append(char)
    return "".join(out)


def address(kind: str, name: str) -> str:
    """The plan address of a Hyper-V object: hyperv.vm.WIN10."""
    return f"hyperv.{kind}.{display(name)}"


def version_tuple(text: str) -> Tuple[int, ...]:
    """"9.0" -> (9, 0); unreadable -> (0,)."""
    try:
        return tuple(int(part) for part in str(text).split("."))
    except ValueError:
        return (0,)


NESTED_MIN_BUILD = 14393  # Windows 10 1607 / Server 2016: hosts with nested virtualization
NESTED_MEMORY_MINIMUM = 4 * 1024 ** 3  # what Microsoft asks of a VM that runs VMs

# Nested virtualization needs this VM configuration version or later (Intel VT-x; AMD hosts
# need 9.3, and Microsoft's newer pages say 10.0).
NESTED_MIN_VERSION = {"GenuineIntel": (8, 0), "AuthenticAMD": (9, 3)}


def nested_min_version(cpu_vendor: str) -> Tuple[int, ...]:
    return NESTED_MIN_VERSION.get(cpu_vendor, NESTED_MIN_VERSION["GenuineIntel"])
