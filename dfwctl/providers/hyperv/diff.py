"""diff(desired, actual) -> Plan for the hyperv section: per VM, which fields change, whether
Hyper-V allows that while the VM runs, and the operations in order (stop -> set -> start when
it does not). Pure: no I/O. Every problem is collected; then PlanError lists them all."""
from __future__ import annotations

import dataclasses
from typing import Any, Iterable, List, Optional, Tuple

from dfwctl.desired import Desired
from dfwctl.errors import PlanError
from dfwctl.plan import Action, Change, FieldDiff, Manual, PlanOptions, PlanPart
from dfwctl.providers.hyperv import steps
from dfwctl.providers.hyperv.enums import is_critical
from dfwctl.providers.hyperv.model import (
    FEATURE,
    AdapterSpec,
    HyperVActual,
    HyperVDesired,
    VmSpec,
    VmState,
    address,
    display,
    nested_min_version,
    version_tuple,
)
from dfwctl.providers.hyperv.steps import OFFLINE, ONLINE, Op
from dfwctl.providers.hyperv.transport import VmRef
from dfwctl.suggest import did_you_mean
from dfwctl.values.sizes import format_size

SAVED_STATES = ("Saved", "FastSaved", "Hibernated")
PROVIDER = "hyperv"


def _power_problem(vm: VmState, name: str) -> Optional[str]:
    power = vm.power
    if power in ("Running", "Off"):
        return None
    if power in SAVED_STATES:
        return (f"VM {name} is {power} (its memory is kept on disk): dfwctl does not discard it; "
                "start the VM (Start-VM) or remove the saved state (Remove-VMSavedState), then "
                "plan again")
    if power == "Paused":
        return f"VM {name} is Paused: resume it (Resume-VM) or turn it off, then plan again"
    if is_critical(power) or power.startswith("Unknown") or power == "Other":
        return (f"VM {name} is in the state {power}: Hyper-V cannot manage it normally (its "
                "configuration or storage is unreachable); recover it in Hyper-V Manager, "
                "then plan again")
    return f"VM {name} is {power}: wait until it is running or off, then plan again"


class _VmDiff:
    """One VM: the field diffs, the operations, and what stops the plan."""

    def __init__(self, spec: VmSpec, vm: VmState, actual: HyperVActual):
        self.spec, self.vm, self.now, self.actual = spec, vm, vm.spec, actual
        self.name = display(spec.name)
        self.ref = VmRef(vm.id, spec.name)
        self.running = vm.power == "Running"
        self.diffs: List[FieldDiff] = []
        self.offline: List[str] = []  # fields Hyper-V changes only while the VM is off
        self.online: List[str] = []
        self.problems: List[str] = []

    def field(self, name: str, before: Any, after: Any, offline: bool) -> None:
        self.diffs.append(FieldDiff(name, before, after))
        (self.offline if offline else self.online).append(name)

    def changed(self, attr: str) -> Any:
        want = getattr(self.spec, attr)
        return want if want is not None and want != getattr(self.now, attr) else None

    # memory and processors ---------------------------------------------------------------
    def memory(self) -> Optional[Op]:
        spec, now = self.spec, self.now
        dynamic = self.changed("dynamic_memory")
        startup = self.changed("memory")
        on_after = now.dynamic_memory if spec.dynamic_memory is None else spec.dynamic_memory
        minimum = self.changed("memory_minimum") if spec.dynamic_memory else None
        maximum = self.changed("memory_maximum") if spec.dynamic_memory else None
        if startup is not None:
            self.field("memory", now.memory, startup, True)
        if dynamic is not None:
            self.field("dynamic_memory", now.dynamic_memory, dynamic, True)
        stays_on = bool(now.dynamic_memory) and dynamic is None
        if minimum is not None:
            self.field("dynamic_memory.minimum", now.memory_minimum, minimum,
                       not (stays_on and minimum < (now.memory_minimum or 0)))
        if maximum is not None:
            self.field("dynamic_memory.maximum", now.memory_maximum, maximum,
                       not (stays_on and maximum > (now.memory_maximum or 0)))
        self.memory_rules(on_after)
        offline = startup is not None or dynamic is not None or any(
            f in self.offline for f in ("dynamic_memory.minimum", "dynamic_memory.maximum"))
        return steps.set_memory(self.ref, OFFLINE if offline else ONLINE, dynamic, startup,
                                minimum, maximum)

    def memory_rules(self, on_after: Optional[bool]) -> None:
        """What Hyper-V would refuse given the fields the playbook leaves alone."""
        spec, now = self.spec, self.now
        nested = now.nested_virtualization if spec.nested_virtualization is None \
            else spec.nested_virtualization
        if nested and on_after and spec.dynamic_memory is None:
            self.problems.append(f"VM {self.name} has dynamic memory on, which nested "
                                 "virtualization cannot run with: add dynamic_memory: false")
        if on_after and spec.dynamic_memory is None and spec.memory is not None:
            low, high = now.memory_minimum or 0, now.memory_maximum or 0
            if not low <= spec.memory <= high:
                self.problems.append(
                    f"VM {self.name}: memory {format_size(spec.memory)} is outside its dynamic "
                    f"memory range ({format_size(low)} to {format_size(high)}): set "
                    "dynamic_memory in the playbook")

    def processor(self) -> Optional[Op]:
        count = self.changed("processors")
        nested = self.changed("nested_virtualization")
        if count is not None:
            self.field("processors", self.now.processors, count, True)
        if nested is not None:
            self.field("nested_virtualization", self.now.nested_virtualization, nested, True)
        if nested:
            need = nested_min_version(self.actual.cpu_vendor)
            if version_tuple(self.vm.version) < need:
                wanted = ".".join(map(str, need))
                self.problems.append(
                    f"VM {self.name} has configuration version {self.vm.version}, and nested "
                    f"virtualization needs {wanted} or later: upgrade it with Update-VMVersion "
                    "while it is off (this cannot be undone), then plan again")
        return steps.set_processor(self.ref, count, nested)

    # network adapters --------------------------------------------------------------------
    def adapters(self) -> List[Op]:
        ops: List[Op] = []
        have = self.now.network_adapters
        for index, want in enumerate(self.spec.network_adapters):
            found = self.adapter(index, want, have)
            if found is None:
                continue
            label = f'network_adapters["{display(found.name or "")}"]'
            if want.switch is not None and want.switch != found.switch:
                if want.switch.casefold() not in {s.casefold() for s in self.actual.switches}:
                    self.problems.append(
                        f"VM {self.name}: switch {display(want.switch)!r} does not exist on "
                        f"{self.actual.endpoint} (switches: {_names(self.actual.switches)})")
                self.field(f"{label}.switch", found.switch, want.switch, False)
            spoof = want.mac_address_spoofing
            if spoof is not None and spoof != found.mac_address_spoofing:
                self.field(f"{label}.mac_address_spoofing", found.mac_address_spoofing, spoof,
                           False)
            ops.extend(steps.adapter_ops(self.vm.id, want, found, self.running))
        return ops

    def adapter(self, index: int, want: AdapterSpec,
                have: Tuple[AdapterSpec, ...]) -> Optional[AdapterSpec]:
        names = _names(a.name or "" for a in have)
        if want.name is None:
            if len(have) == 1:
                return have[0]
            self.problems.append(f"VM {self.name}: network_adapters[{index}] has no name, and "
                                 f"the VM has {len(have)} adapters ({names}): name it")
            return None
        found = [a for a in have if (a.name or "").casefold() == want.name.casefold()]
        if len(found) == 1:
            return found[0]
        what = "no" if not found else f"{len(found)}"
        self.problems.append(f"VM {self.name} has {what} network adapters named "
                             f"{display(want.name)!r} (it has: {names})")
        return None

    # the whole change --------------------------------------------------------------------
    def change(self) -> Optional[Change]:
        processor = self.processor()  # diffs in the playbook's field order
        memory = self.memory()
        sets = [op for op in (memory, processor) if op is not None]  # memory (DM off) first
        online = self.adapters() + [op for op in sets if op.phase == ONLINE]
        offline = [op for op in sets if op.phase == OFFLINE]
        want_running = (self.spec.state or "running") == "running"
        if self.spec.state is not None and self.spec.state != self.now.state:
            self.diffs.insert(0, FieldDiff("state", self.now.state, self.spec.state))
        ops: List[Op] = []
        reasons: List[str] = []
        if self.running:
            ops += online
            if online:
                reasons.append(f"{_names(self.online)} can change while the VM runs")
            if offline or not want_running:
                ops.append(steps.stop(self.ref))
                ops += offline
            if offline:
                reasons.append(
                    f"{_names(self.offline)} can change only while the VM is off: it is shut "
                    + ("down and started again" if want_running else "down (state: off)"))
            elif not want_running:
                reasons.append("the playbook says state: off: the guest is shut down")
            if offline and want_running:
                ops.append(steps.start(self.ref))
        else:
            ops += offline + online
            if ops:
                reasons.append(f"{_names(self.offline + self.online)} change while the VM is off")
            if want_running:
                ops.append(steps.start(self.ref))
                reasons.append("the VM is off and the playbook says state: running")
        if self.problems or not ops:
            return None
        stops = any(op.phase == steps.STOP for op in ops)
        self_vm = self.actual.self_vm
        if stops and self_vm is not None and self_vm.is_vm(self.vm.id, self.spec.name):
            host = f" ({self_vm.host})" if self_vm.host else ""
            self.problems.append(
                f"this plan stops VM {self.name} to change it, and dfwctl runs inside that VM: "
                "it would stop itself halfway and leave the VM off. Run dfwctl on the Hyper-V "
                f"host{host}, the machine {self.actual.endpoint} reaches, with the same playbook")
            return None
        restarts = stops and ops[-1].phase == steps.START
        return Change(PROVIDER, address("vm", self.spec.name), "vm", display(self.spec.name),
                      Action.UPDATE, tuple(self.diffs), tuple(reasons),
                      destructive=stops, requires_restart=restarts,
                      restart="VM restart" if restarts else "",
                      steps=tuple(dataclasses.replace(op, vm=self.spec.name) for op in ops),
                      downtime=self.spec.name if stops or not self.running else "")


def _names(names: Iterable[object]) -> str:
    return ", ".join(display(str(n)) for n in names) or "none"


def vm_change(spec: VmSpec, actual: HyperVActual, problems: List[str]) -> Optional[Change]:
    name = display(spec.name)
    found = actual.named(spec.name)
    if not found:
        hint = did_you_mean(spec.name, [vm.name for vm in actual.vms])
        problems.append(f"VM {name} does not exist on {actual.endpoint}{hint}: dfwctl changes "
                        "VMs but does not create them; create it (Hyper-V Manager or New-VM) or "
                        "correct the name")
        return None
    if len(found) > 1:
        problems.append(f"{len(found)} VMs are named {name} on {actual.endpoint} (Ids "
                        f"{', '.join(vm.id for vm in found)}): dfwctl finds VMs by name and "
                        "cannot tell which is meant; rename all but one (Rename-VM)")
        return None
    problem = _power_problem(found[0], name)
    if problem:
        problems.append(problem)
        return None
    one = _VmDiff(spec, found[0], actual)
    change = one.change()
    problems.extend(one.problems)
    return change


def _host_changes(host: str, actual: HyperVActual) -> List[Change]:
    state = actual.feature_state
    if state == "EnablePending":
        raise PlanError(f"Hyper-V is enabled on {actual.endpoint} but takes effect only after a "
                        "reboot: reboot the host, then plan again")
    if state not in ("Disabled", "DisabledWithPayloadRemoved"):
        raise PlanError(f"the Hyper-V cmdlets are missing on {actual.endpoint} although the "
                        f"{FEATURE} feature is {state}: enable its PowerShell module "
                        "(Microsoft-Hyper-V-Management-PowerShell), then plan again")
    return [Change(PROVIDER, address("host", host), "host", display(host), Action.UPDATE,
                   (FieldDiff("hyperv_feature", state, "Enabled"),),
                   (f"the Hyper-V cmdlets are missing: the {FEATURE} feature is {state}",),
                   requires_restart=True, restart="host reboot required",
                   steps=(steps.enable_hyperv(FEATURE),
                          Manual("reboot the host; then plan again to change the VMs")))]


def diff(desired: Desired, actual: HyperVActual, options: Optional[PlanOptions] = None
         ) -> PlanPart:
    options = options or PlanOptions()
    section = desired.hyperv or HyperVDesired()
    specs = section.vms
    changes: List[Change] = []
    warnings: List[str] = []
    if options.destroy:
        if specs:
            warnings.append("destroy leaves Hyper-V VMs as they are: dfwctl never creates or "
                            "removes VMs")
    elif actual.feature_state:
        changes = _host_changes(section.host, actual)
        if specs:
            warnings.append(f"VMs {_names(s.name for s in specs)} are planned once Hyper-V is "
                            "enabled and the host has rebooted")
    else:
        problems: List[str] = []
        for spec in specs:
            change = vm_change(spec, actual, problems)
            if change is not None:
                changes.append(change)
        if problems:
            raise PlanError("the Hyper-V plan cannot be made:\n"
                            + "\n".join(f"  - {p}" for p in problems))
    return PlanPart(provider=PROVIDER, endpoint=actual.endpoint, changes=tuple(changes),
                    warnings=tuple(warnings),
                    fingerprint=actual.fingerprint(tuple(s.name for s in specs)))
