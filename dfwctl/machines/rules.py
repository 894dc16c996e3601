"""Validation rules for `machines:` and where each section applies: every machine named is
defined, a VM is reached through a host dfwctl reaches directly, and an engine on a VM of a
real host says where it answers."""
from __future__ import annotations

from typing import Any, Dict, Iterator, Tuple

from dfwctl.checker import Checker, Path
from dfwctl.errors import Diagnostic
from dfwctl.machines.model import MachineSpec
from dfwctl.schema_messages import quote
from dfwctl.suggest import did_you_mean
from dfwctl.tree import mapping

SECTIONS = ("hyperv", "docker_desktop", "engine")


def rules(c: Checker) -> Iterator[Diagnostic]:
    machines = mapping(c.data, "machines")
    yield from _references(c, machines)
    for name, spec in machines.items():
        if isinstance(spec, dict) and c.ok(("machines", name)):
            yield from _machine(c, str(name), spec, machines)
    if "host" in mapping(c.data, "hyperv") and "machine" in mapping(c.data, "hyperv"):
        yield c.error(("hyperv", "host"), (
            "hyperv.host and hyperv.machine both say where the VMs run: keep machine, and "
            "write the host's address as machines.<name>.connect"), key=True)
    yield from _unused(c, machines)


def _placed(c: Checker) -> Iterator[Tuple[Path, str]]:
    """(path, machine name) of every `machine:` a section names."""
    for section in SECTIONS:
        value = mapping(c.data, section).get("machine")
        if isinstance(value, str):
            yield (section, "machine"), value
        elif isinstance(value, list):
            for index, item in enumerate(value):
                if isinstance(item, str):
                    yield (section, "machine", index), item


def _references(c: Checker, machines: Dict[Any, Any]) -> Iterator[Diagnostic]:
    for path, name in _placed(c):
        if c.ok(path) and name not in machines:
            hint = did_you_mean(name, [str(m) for m in machines])
            yield c.error(path, f"machine {quote(name)} is not defined" + (
                hint or ": add it under machines, with how dfwctl reaches it"))


def _machine(c: Checker, name: str, spec: Dict[str, Any],
             machines: Dict[Any, Any]) -> Iterator[Diagnostic]:
    path = ("machines", name)
    vm, host = spec.get("vm"), spec.get("host")
    if vm is not None and "connect" in spec:
        yield c.error(path + ("connect",), (
            f"machine {quote(name)} is a VM, which dfwctl reaches with PowerShell Direct from "
            "its host: remove connect (the host's connect says how to reach the host)"), key=True)
    if vm is None and _used_by(c, name, "engine") and "docker" not in spec and \
            str(spec.get("connect", "local")) != "local":
        yield c.error(path, (
            f"the engine of machine {quote(name)} answers on that machine, which dfwctl reaches "
            "only over PowerShell: set docker: to ssh://USER@HOST or tcp://HOST:2376 (TLS), "
            "or a Docker context (context:NAME)"))
    if vm is not None and _used_by(c, name, "docker_desktop") and "user" not in spec:
        yield c.error(path, (
            f"machine {quote(name)} is a VM whose Docker Desktop dfwctl sets through PowerShell "
            "Direct, which signs in to the VM: add user: (the password comes from the "
            f"environment variable {_password_variable(name, spec)})"))
    if (vm is None) != (host is None):
        missing = "host" if host is None else "vm"
        yield c.error(path, f"machine {quote(name)} names {'vm' if vm else 'host'} but not "
                            f"{missing}: a VM needs both (vm: its name in Hyper-V, host: the "
                            "machine that runs it)")
        return
    if host is None:
        return
    if host == name:
        yield c.error(path + ("host",), f"machine {quote(name)} cannot be its own host")
    elif host not in machines:
        hint = did_you_mean(str(host), [str(m) for m in machines if m != name])
        yield c.error(path + ("host",), f"machine {quote(host)} is not defined"
                      + (hint or ": add it under machines"))
    elif isinstance(machines[host], dict) and "vm" in machines[host]:
        yield c.error(path + ("host",), (
            f"{quote(host)} is itself a VM: PowerShell Direct reaches the VMs of a machine dfwctl "
            "reaches directly; name the physical host instead"))
    elif _used_by(c, name, "engine") and "docker" not in spec and \
            not _simulated(machines.get(host)):
        yield c.error(path, (
            f"the engine of machine {quote(name)} (a VM) answers inside the VM, which dfwctl on "
            "the host cannot reach by default: set docker: to ssh://USER@HOST or "
            "tcp://HOST:2376 (TLS), or a Docker context (context:NAME)"))


def _used_by(c: Checker, name: str, section: str) -> bool:
    return any(value == name for path, value in _placed(c) if path[0] == section)


def _password_variable(name: str, spec: Dict[str, Any]) -> str:
    return str(spec.get("password_env") or MachineSpec(name).password_variable)


def _simulated(host: Any) -> bool:
    return isinstance(host, dict) and str(host.get("connect", "")).startswith("simulator:")


def _unused(c: Checker, machines: Dict[Any, Any]) -> Iterator[Diagnostic]:
    used = {value for _, value in _placed(c)}
    used |= {str(m["host"]) for m in machines.values() if isinstance(m, dict) and "host" in m}
    for name in machines:
        if name not in used:
            yield c.warning(("machines", name), (
                f"machine {quote(name)} is not used: no section names it as its machine "
                "(hyperv.machine, docker_desktop.machine or engine.machine)"))
