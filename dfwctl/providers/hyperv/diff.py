"""diff(desired, actual) -> Plan for the hyperv section: per VM, which fields change, whether
Hyper-V allows that while the VM runs, and the operations in order (stop -> set -> start when
it does not). Pure: no I/O. Every problem is collected; then PlanError lists them all."""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Dict, Iterable, List, Optional, Tuple

from dfwctl.desired import Desired
from dfwctl.errors import PlanError
from dfwctl.plan import Action, Change, FieldDiff, Manual, PlanOptions, PlanPart
from dfwctl.providers.hyperv import steps
from dfwctl.providers.hyperv.enums import is_critical
from dfwctl.providers.hyperv.model import (
    FEATURE,
    NESTED_MEMORY_MINIMUM,
    NESTED_MIN_BUILD,
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
from dfwctl.providers.hyperv.steps import CLEANUP, OFFLINE, ONLINE, Op
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

    def __init__(self, spec: VmSpec, vm: VmState, actual: HyperVActual, playbook: str):
        self.spec, self.vm, self.now, self.actual = spec, vm, vm.spec, actual
        self.playbook = playbook
        self.name = display(spec.name)
        self.ref = VmRef(vm.id, spec.name)
        self.running = vm.power == "Running"
        self.diffs: List[FieldDiff] = []
        self.offline: List[str] = []  # fields Hyper-V changes only while the VM is off
        self.online: List[str] = []
        self.problems: List[str] = []
        self.warnings: List[str] = []
        # MAC address spoofing of each adapter (by Id) as the plan leaves it
        self.spoofing_after: Dict[str, Optional[bool]] = {
            a.id: a.mac_address_spoofing for a in vm.spec.network_adapters}
        self.starts = False  # the change ends with Start-VM
        self.stops = False  # the change stops the VM (its memory goes back to the host)

    def field(self, name: str, before: Any, after: Any, offline: bool) -> None:
        self.diffs.append(FieldDiff(name, before, after))
        (self.offline if offline else self.online).append(name)

    def changed(self, attr: str) -> Any:
        want = getattr(self.spec, attr)
        return want if want is not None and want != getattr(self.now, attr) else None

    def after(self, attr: str) -> Any:
        """The field as it will be once the plan is made: the playbook's over the host's."""
        want = getattr(self.spec, attr)
        return getattr(self.now, attr) if want is None else want

    # memory and processors ---------------------------------------------------------------
    def memory(self) -> Optional[Op]:
        spec, now = self.spec, self.now
        dynamic = self.changed("dynamic_memory")
        startup = self.changed("memory")
        on_after = self.after("dynamic_memory")
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
        if on_after and spec.dynamic_memory is None and spec.memory is not None:
            low, high = now.memory_minimum or 0, now.memory_maximum or 0
            if not low <= spec.memory <= high:
                self.problems.append(
                    f"VM {self.name}: memory {format_size(spec.memory)} is outside its dynamic "
                    f"memory range ({format_size(low)} to {format_size(high)}): set "
                    "dynamic_memory in the playbook")
        offline = startup is not None or dynamic is not None or any(
            f in self.offline for f in ("dynamic_memory.minimum", "dynamic_memory.maximum"))
        return steps.set_memory(self.ref, OFFLINE if offline else ONLINE, dynamic, startup,
                                minimum, maximum)

    def processor(self) -> Optional[Op]:
        count = self.changed("processors")
        nested = self.changed("nested_virtualization")
        if count is not None:
            self.field("processors", self.now.processors, count, True)
        if nested is not None:
            self.field("nested_virtualization", self.now.nested_virtualization, nested, True)
        build = self.actual.host.build
        if nested and build and build < NESTED_MIN_BUILD:  # build 0: not read
            self.problems.append(
                f"VM {self.name}: nested virtualization needs Windows build {NESTED_MIN_BUILD} "
                f"or later on the Hyper-V host, and {self.actual.endpoint} runs build {build}: "
                "update the host's Windows (no VM setting can help)")
        elif nested:
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
            self.spoofing_after[found.id] = found.mac_address_spoofing if spoof is None else spoof
            ops.extend(steps.adapter_ops(self.vm.id, want, found, self.running))
        return ops

    def adapter(self, index: int, want: AdapterSpec,
                have: Tuple[AdapterSpec, ...]) -> Optional[AdapterSpec]:
        if not have:
            self.problems.append(
                f"VM {self.name} has no network adapter, so network_adapters[{index}] has none "
                "to set: add one to the VM (Add-VMNetworkAdapter), or remove the entry from the "
                "playbook")
            return None
        names = _names(a.name or "one without a name" for a in have)
        if want.name is None:
            if len(have) == 1:
                return have[0]
            self.problems.append(f"VM {self.name}: network_adapters[{index}] has no name, and "
                                 f"the VM has {len(have)} adapters ({names}): name it")
            return None
        found = [a for a in have
                 if a.name is not None and a.name.casefold() == want.name.casefold()]
        if len(found) == 1:
            return found[0]
        what = "no" if not found else f"{len(found)}"
        self.problems.append(f"VM {self.name} has {what} network adapters named "
                             f"{display(want.name)!r} (it has: {names}): rename the one you "
                             "mean (Rename-VMNetworkAdapter), or correct the playbook")
        return None

    # rules on the VM as the plan leaves it -------------------------------------------------
    def nested_rules(self) -> None:
        """Nested virtualization's needs, on the VM as it will be (playbook over host): what
        validate cannot see because the playbook does not name it."""
        if not self.after("nested_virtualization"):
            return
        spec = self.spec
        if self.after("dynamic_memory"):
            which = [f"{f} is on on the host" for f, named in (
                ("nested virtualization", spec.nested_virtualization),
                ("dynamic memory", spec.dynamic_memory)) if named is None]
            where = f" ({', '.join(which)}, not set in the playbook)" if which else ""
            text = (f"VM {self.name} would have nested virtualization and dynamic memory both "
                    f"on{where}: Microsoft's preview notes say such a VM does not start, its "
                    "current documentation that its memory stays at the startup amount while "
                    "Hyper-V runs in it; add dynamic_memory: false")
            (self.problems if self.starts else self.warnings).append(text)
        memory = self.after("memory") or 0
        if memory and memory < NESTED_MEMORY_MINIMUM and not (
                spec.nested_virtualization and spec.memory is not None):
            self.warnings.append(
                f"VM {self.name} has nested virtualization with {format_size(memory)} of "
                "memory: give it at least 4GiB so it can run its own VMs")
        spoofing = list(self.spoofing_after.values())
        if spoofing and not any(spoofing) and not spec.nested_virtualization:
            self.warnings.append(
                f"VM {self.name} has nested virtualization and no network adapter with MAC "
                "address spoofing on, so its own guests get no network: set "
                "mac_address_spoofing: true on the adapter they use")

    def host_rules(self) -> None:
        """What Start-VM would refuse on this host: Hyper-V accepts the settings and fails only
        when the VM starts [TOPOLOGY, OUT OF MEMORY], which would leave it off."""
        host, where = self.actual.host, self.actual.endpoint
        if not self.starts:
            return
        processors = self.after("processors") or 0
        if host.logical_processors and processors > host.logical_processors:
            self.problems.append(
                f"VM {self.name} would start with {processors} processors, and {where} has "
                f"{host.logical_processors} logical processors: Hyper-V accepts the setting, "
                "then Start-VM fails (\"The processor topology specified for the virtual "
                "machine cannot be supported by this host\"); give it at most "
                f"{host.logical_processors}")
        memory = self.after("memory") or 0
        if host.memory_total and memory > host.memory_total:
            self.problems.append(
                f"VM {self.name} would start with {format_size(memory)} of memory, and {where} "
                f"has {format_size(host.memory_total)} in all: Start-VM would fail (\"Not "
                "enough memory in the system to start the virtual machine\"); give it less")
        elif host.memory_total and memory > host.memory_free + self.gives_back:
            back = f" (+ {format_size(self.gives_back)} it gives back when it stops)" \
                if self.gives_back else ""
            self.problems.append(
                f"VM {self.name} would start with {format_size(memory)} of memory, and {where} "
                f"has {format_size(host.memory_free)} free{back}: Start-VM would fail (\"Not "
                "enough memory in the system to start the virtual machine\"); free memory on "
                "the host (stop other VMs or programs), or give the VM less")

    @property
    def gives_back(self) -> int:
        return self.vm.memory_assigned if self.stops else 0

    @property
    def need(self) -> int:
        """Memory the host must find for this VM when it starts (0 when it does not)."""
        return (self.after("memory") or 0) if self.starts else 0

    # checkpoints -------------------------------------------------------------------------
    def leftover(self) -> List[Op]:
        """The temporary checkpoint an earlier apply left (it stopped before removing it)."""
        name = steps.temporary_checkpoint(self.playbook)
        if name not in self.vm.checkpoints:
            return []
        self.diffs.append(FieldDiff("checkpoint", name, None))
        self.warnings.append(
            f"VM {self.name} has the checkpoint \"{display(name)}\" an earlier apply took and "
            "did not remove (it stopped or failed halfway): this plan removes it. To go back to "
            "it instead, restore it first: " + steps.restore_command(self.vm.id, name))
        return [steps.remove_checkpoint(self.ref, name, CLEANUP)]

    def checkpoint(self, fields: List[str]) -> Tuple[List[Op], List[Op]]:
        """The checkpoint around the offline settings: (take, remove or keep after)."""
        points = self.spec.handling.checkpoint
        if not points.enabled or not fields:
            return [], []
        if self.vm.checkpoint_type == "Disabled":
            self.problems.append(
                f"VM {self.name} has checkpoints disabled (CheckpointType Disabled), and dfwctl "
                "takes one before changing its settings: turn them off for this change "
                f"(checkpoint: false under hyperv.vms.{self.name}, or --no-checkpoint), or "
                "enable checkpoints (Set-VM -CheckpointType Production)")
        name = (steps.kept_checkpoint(self.playbook, _names(fields)) if points.keep
                else steps.temporary_checkpoint(self.playbook))
        take = [steps.take_checkpoint(self.ref, name, points.restore_on_failure, points.keep)]
        return take, [] if points.keep else [steps.remove_checkpoint(self.ref, name)]

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
        cleanup = self.leftover()
        reasons: List[str] = []
        if self.running:
            take, after = self.checkpoint(self.offline)
            ops = online + cleanup
            if online:
                reasons.append(f"{_names(self.online)} can change while the VM runs")
            if offline or not want_running:
                ops.append(steps.stop(self.ref, self.spec.handling.shutdown))
                ops += take + offline
                self.stops = True
            if offline:
                reasons.append(
                    f"{_names(self.offline)} can change only while the VM is off: it is shut "
                    + ("down and started again" if want_running else "down (state: off)"))
            elif not want_running:
                reasons.append("the playbook says state: off: the guest is shut down")
            if offline and want_running:
                ops.append(steps.start(self.ref))
            ops += after  # none without offline fields
        else:
            take, after = self.checkpoint(self.offline + self.online)
            ops = cleanup + take + offline + online
            if offline or online:
                reasons.append(f"{_names(self.offline + self.online)} change while the VM is off")
            if want_running:
                ops.append(steps.start(self.ref))
                reasons.append("the VM is off and the playbook says state: running")
            ops += after
        self.starts = any(op.phase == steps.START for op in ops)
        self.nested_rules()
        self.host_rules()
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
        restarts = stops and self.starts
        return Change(PROVIDER, address("vm", self.spec.name), "vm", display(self.spec.name),
                      Action.UPDATE, tuple(self.diffs), tuple(reasons),
                      destructive=stops, requires_restart=restarts,
                      restart="VM restart" if restarts else "",
                      steps=tuple(dataclasses.replace(op, vm=self.spec.name) for op in ops),
                      downtime=self.spec.name if stops or not self.running else "")


def _names(names: Iterable[object]) -> str:
    return ", ".join(display(str(n)) for n in names) or "none"


@dataclass(frozen=True)
class VmPlan:
    """One VM planned: its change (None: nothing to do, or problems), what stops the plan,
    what the plan warns of, and the memory the host must find when it starts the VM."""

    change: Optional[Change] = None
    problems: Tuple[str, ...] = ()
    warnings: Tuple[str, ...] = ()
    need: int = 0  # bytes of startup memory, when the plan starts the VM
    gives_back: int = 0  # bytes the VM frees when the plan stops it


def plan_vm(spec: VmSpec, actual: HyperVActual, playbook: str) -> VmPlan:
    name = display(spec.name)
    found = actual.named(spec.name)
    if not found:
        hint = did_you_mean(spec.name, [vm.name for vm in actual.vms])
        return VmPlan(problems=(
            f"VM {name} does not exist on {actual.endpoint}{hint}: dfwctl changes VMs but does "
            "not create them; create it (Hyper-V Manager or New-VM) or correct the name",))
    if len(found) > 1:
        return VmPlan(problems=(
            f"{len(found)} VMs are named {name} on {actual.endpoint} (Ids "
            f"{', '.join(vm.id for vm in found)}): dfwctl finds VMs by name and cannot tell "
            "which is meant; rename all but one (Rename-VM)",))
    problem = _power_problem(found[0], name)
    if problem:
        return VmPlan(problems=(problem,))
    one = _VmDiff(spec, found[0], actual, playbook)
    change = one.change()
    return VmPlan(change, tuple(one.problems), tuple(one.warnings), one.need, one.gives_back)


def _memory_for_all(plans: List[VmPlan], actual: HyperVActual) -> Optional[str]:
    """Several VMs started by one plan share the host's free memory."""
    host = actual.host
    starting = [p for p in plans if p.need and p.change is not None]
    if len(starting) < 2 or not host.memory_total:
        return None
    need = sum(p.need for p in starting)
    free = host.memory_free + sum(p.gives_back for p in plans)
    if need <= free:
        return None
    names = _names(p.change.name for p in starting if p.change is not None)
    return (f"VMs {names} would start with {format_size(need)} of memory in all, and "
            f"{actual.endpoint} has {format_size(free)} for them: the last to start would fail "
            "(\"Not enough memory in the system to start the virtual machine\"); free memory "
            "on the host, or give the VMs less")


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
        plans = [plan_vm(spec, actual, desired.name) for spec in specs]
        problems = [p for one in plans for p in one.problems]
        shared = _memory_for_all(plans, actual)
        if shared:
            problems.append(shared)
        changes = [one.change for one in plans if one.change is not None]
        warnings = [w for one in plans for w in one.warnings]
        if problems:
            raise PlanError("the Hyper-V plan cannot be made:\n"
                            + "\n".join(f"  - {p}" for p in problems))
    return PlanPart(provider=PROVIDER, endpoint=actual.endpoint, changes=tuple(changes),
                    warnings=tuple(warnings),
                    fingerprint=actual.fingerprint(tuple(s.name for s in specs)))
