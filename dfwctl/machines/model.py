"""Machines as values: how each is reached, and where each part of a playbook applies.

Without a `machines:` section there is one machine, this one, and its name is "" (addresses
carry no machine prefix, as before). A machine is reached directly (`connect`: local, WinRM,
a simulated host), or is a Hyper-V VM of another machine (`vm` + `host`), reached with
PowerShell Direct from that host. Pure: no I/O.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Dict, Mapping, Optional, Tuple, Union

THIS = ""  # the machine dfwctl runs on, when the playbook names no machines
LOCAL = "local"
SIMULATOR = "simulator:"


@dataclass(frozen=True)
class MachineSpec:
    name: str
    connect: str = LOCAL  # local | winrm://user@host[:port] | simulator:PATH (not for a VM)
    vm: Optional[str] = None  # a VM of `host`, reached with PowerShell Direct
    host: Optional[str] = None
    user: Optional[str] = None  # the VM's account for PowerShell Direct
    password_env: Optional[str] = None  # the variable that holds its password
    docker: Optional[str] = None  # its Docker Engine: a DOCKER_HOST form or context:NAME

    @property
    def is_guest(self) -> bool:
        return self.vm is not None

    @property
    def password_variable(self) -> str:
        """Where the VM account's password comes from (never from the playbook)."""
        if self.password_env:
            return self.password_env
        return "DFWCTL_PASSWORD_" + re.sub(r"[^A-Za-z0-9]", "_", self.name).upper()


@dataclass(frozen=True)
class Machines:
    """The playbook's machines and the placement of its parts."""

    specs: Mapping[str, MachineSpec] = field(default_factory=dict)
    hyperv: str = THIS  # the machine the hyperv section runs on
    desktop: Tuple[str, ...] = (THIS,)  # the machines whose Docker Desktop it sets
    engine: Tuple[str, ...] = (THIS,)  # the machines whose engine gets networks, containers...

    @property
    def named(self) -> bool:
        """Whether the playbook names its machines (addresses then carry the machine)."""
        return bool(self.specs)

    def spec(self, name: str) -> MachineSpec:
        """The machine `name`; THIS is the machine dfwctl runs on."""
        if name == THIS:
            return MachineSpec(THIS)
        return self.specs[name]

    def guests_of(self, host: str) -> Dict[str, str]:
        """VM name -> machine, for the VMs of `host` that the playbook names as machines."""
        return {s.vm: s.name for s in self.specs.values() if s.host == host and s.vm}

    def shown(self, name: str) -> str:
        """A machine as messages name it."""
        if name == THIS:
            return "this machine"
        spec = self.specs[name]
        return f"{name} (VM {spec.vm} on {spec.host})" if spec.is_guest else name


def prefix(machine: str, address: str) -> str:
    """An address on a named machine: win10:docker.container.web."""
    return f"{machine}:{address}" if machine else address


def _names(value: Union[None, str, Any]) -> Tuple[str, ...]:
    if value is None:
        return (THIS,)
    if isinstance(value, str):
        return (value,)
    return tuple(str(v) for v in value)


def machine_spec(name: str, raw: Mapping[str, Any]) -> MachineSpec:
    return MachineSpec(
        name=name,
        connect=str(raw.get("connect") or LOCAL),
        vm=raw.get("vm"),
        host=raw.get("host"),
        user=raw.get("user"),
        password_env=raw.get("password_env"),
        docker=raw.get("docker"),
    )


def machines_of(raw: Mapping[str, Any]) -> Machines:
    """From a validated playbook tree (plain dicts)."""
    specs = {str(n): machine_spec(str(n), m or {}) for n, m in (raw.get("machines") or {}).items()}
    hyperv = raw.get("hyperv") or {}
    desktop = raw.get("docker_desktop") or {}
    engine = raw.get("engine") or {}
    return Machines(
        specs=specs,
        hyperv=str(hyperv.get("machine") or THIS),
        desktop=_names(desktop.get("machine")),
        engine=_names(engine.get("machine")),
    )
