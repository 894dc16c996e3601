"""Carry out the steps of a planned Hyper-V change, one cmdlet call each, and answer for a VM a
failed change took down.

Whatever fails after dfwctl stopped a VM it was to keep running (a setting, the checkpoint,
Start-VM itself), the VM is not left off by surprise: its checkpoint is restored when the
playbook asked for that, the VM is started again, and the error reports both outcomes,
which settings were applied and which were not, the state the VM is in, and the one command
that restores it. When Start-VM itself failed it is tried once more (after the restore, when
there is one).
"""
from __future__ import annotations

from typing import Any, Callable, Dict, List, Optional, Tuple

from dfwctl.errors import DfwctlError
from dfwctl.plan import Change, Failure, Guard, Step
from dfwctl.providers.hyperv import steps
from dfwctl.providers.hyperv.enums import vm_state
from dfwctl.providers.hyperv.model import display
from dfwctl.providers.hyperv.steps import Op
from dfwctl.providers.hyperv.transport import (
    CheckpointRef,
    HyperVError,
    Transport,
    VmRef,
    invoke,
)

Progress = Callable[[str], None]

# The playbook field each offline parameter sets (to undo it with the field's old value).
FIELDS = {("Set-VMProcessor", "Count"): "processors",
          ("Set-VMProcessor", "ExposeVirtualizationExtensions"): "nested_virtualization",
          ("Set-VMMemory", "DynamicMemoryEnabled"): "dynamic_memory",
          ("Set-VMMemory", "StartupBytes"): "memory",
          ("Set-VMMemory", "MinimumBytes"): "dynamic_memory.minimum",
          ("Set-VMMemory", "MaximumBytes"): "dynamic_memory.maximum"}
STOP_TIMEOUT = "DfwctlStopTimeout"
NO_SHUTDOWN = "DfwctlNoShutdownService"


class RecoveryError(DfwctlError):
    """A change failed after dfwctl took its VM down: the failure, then what dfwctl did about
    it and the state the VM is left in."""

    def __init__(self, cause: DfwctlError, lines: List[str], state: str,
                 hint: Optional[str] = None):
        self.cause = cause
        self.state = state  # the VM's state once dfwctl is done ("" when it cannot be read)
        super().__init__("\n".join([cause.message, *lines]), hint)


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "$true" if value else "$false"
    return str(value)


def revert_command(change: Change, applied: List[Op], vm_id: str) -> str:
    """The PowerShell line that puts back the settings `applied` changed, then starts the VM."""
    before = {d.name: d.before for d in change.diffs}
    parts = [f"$vm = Hyper-V\\Get-VM -Id '{vm_id}'"]
    for op in reversed(applied):
        args = [f"-{name} {_value(before[FIELDS[(op.cmdlet, name)]])}"
                for name, _ in op.params if (op.cmdlet, name) in FIELDS
                and before.get(FIELDS[(op.cmdlet, name)]) is not None]
        if args:
            parts.append(f"Hyper-V\\{op.cmdlet} -VM $vm {' '.join(args)}")
    parts.append("Hyper-V\\Start-VM -VM $vm")
    return "; ".join(parts)


def _why(error: DfwctlError) -> str:
    """What a Start-VM refusal means, in a few words."""
    if not isinstance(error, HyperVError):
        return ""
    if error.error_id.startswith("OutOfMemory"):
        return " (the host has not enough free memory for its startup memory)"
    if "processor topology" in error.hyperv_message:
        return " (it has more processors than the host has logical processors)"
    return " (its configuration)"


class _Recovery:
    """What dfwctl does about one failed change whose VM it took down."""

    def __init__(self, transport: Transport, failure: Failure, vm: VmRef):
        self.transport, self.failure, self.vm = transport, failure, vm
        self.change = failure.change
        self.ops = [s for s in self.change.steps if isinstance(s, Op)]
        self.done = [s for s in failure.done if isinstance(s, Op)]
        self.lines: List[str] = []
        self.name = display(self.vm.name)

    def state(self) -> str:
        try:
            rows = invoke(self.transport, "Get-VM", {"Id": self.vm.id}, ("State",))
        except DfwctlError:
            return ""
        return vm_state(rows[0].get("State")) if rows else ""

    def call(self, cmdlet: str, params: Dict[str, Any]) -> Optional[HyperVError]:
        try:
            invoke(self.transport, cmdlet, params)
        except HyperVError as exc:
            return exc
        return None

    def applied(self) -> Tuple[List[Op], List[Op]]:
        """The settings made before the failure, and those not made."""
        sets = [op for op in self.ops if op.phase in (steps.ONLINE, steps.OFFLINE)]
        made = [op for op in sets if op in self.done]
        return made, [op for op in sets if op not in made]

    def checkpoint(self) -> Optional[Op]:
        return next((op for op in self.done if op.phase == steps.CHECKPOINT), None)

    def restore(self, taken: Op) -> bool:
        name = str(dict(taken.params)["SnapshotName"])
        failed = self.call("Restore-VMSnapshot",
                           {"VMSnapshot": CheckpointRef(self.vm.id, name)})
        if failed is None:
            self.lines.append(f'  checkpoint "{display(name)}" restored: the VM\'s settings are '
                              "as they were before this apply")
            return True
        self.lines.append(f'  restoring checkpoint "{display(name)}" failed too: '
                          f"{failed.hyperv_message.strip()}")
        return False

    def start(self) -> bool:
        failed = self.call("Start-VM", {"VM": self.vm})
        if failed is None:
            self.lines.append(f"  VM {self.name} was started again")
            return True
        self.lines.append(f"  starting VM {self.name} again failed too{_why(failed)}: "
                          f"{failed.hyperv_message.strip()}")
        return False

    def drop(self, taken: Op) -> None:
        """The temporary checkpoint goes once the VM runs as before (kept ones stay)."""
        name = str(dict(taken.params)["SnapshotName"])
        if not steps.is_temporary(name):
            return
        if self.call("Remove-VMSnapshot",
                     {"VMSnapshot": CheckpointRef(self.vm.id, name)}) is None:
            self.lines.append(f'  checkpoint "{display(name)}" removed')

    def stop_failed(self) -> DfwctlError:
        """The guest did not shut down: nothing after the stop ran."""
        error = self.failure.error
        state = self.state()
        wants_running = any(op.phase == steps.START for op in self.ops)
        if state == "Off" and wants_running:
            self.lines.append(f"  VM {self.name} turned off after the wait ended")
            self.start()
            state = self.state()
        self.lines.append(f"  VM {self.name} is {state or 'in an unknown state'}; no setting "
                          "that needs it off was changed")
        stop = next(op for op in self.ops if op.phase == steps.STOP)
        timeout = dict(stop.params).get("TimeoutSeconds")
        cause = error.error_id if isinstance(error, HyperVError) else ""
        if cause.startswith(NO_SHUTDOWN):
            hint = ("the guest has no shutdown integration service: shut it down from inside, "
                    "then apply again, or allow a turn-off, a power cut that loses what the "
                    "guest has not saved (--allow-turn-off, or shutdown.turn_off: true)")
        else:
            hint = (f"apply again to give the guest another {timeout} s (a guest installing "
                    "updates may need a longer --stop-timeout or shutdown.timeout), or allow a "
                    "turn-off, a power cut that loses what the guest has not saved "
                    "(--allow-turn-off, or shutdown.turn_off: true)")
        return RecoveryError(error, self.lines, state, hint)

    def run(self) -> DfwctlError:
        error, failed = self.failure.error, self.failure.failed
        if isinstance(failed, Op) and failed.phase == steps.STOP:
            return self.stop_failed()
        made, not_made = self.applied()
        if made:
            self.lines.append("  applied before the failure: "
                              + "; ".join(op.text for op in made))
        if not_made:
            self.lines.append("  not applied: " + "; ".join(op.text for op in not_made))
        # Started again only when dfwctl stopped it: a VM that was off stays off.
        wants_running = any(op.phase == steps.START for op in self.ops) and any(
            op.phase == steps.STOP for op in self.done)
        taken = self.checkpoint()
        state = self.state()
        restored = False
        if taken is not None and taken.restore and state == "Off":
            restored = self.restore(taken)
        start_failed = isinstance(failed, Op) and failed.phase == steps.START
        started = False
        if wants_running and state == "Off":  # once more, even when Start-VM is what failed
            started = self.start()
        if taken is not None and restored and started:
            self.drop(taken)
        state = self.state() or state
        self.lines.append(f"  VM {self.name} is now {state or 'in an unknown state'}")
        if state == "Running" or not wants_running:
            hint = error.hint
        elif taken is not None and not restored:
            name = str(dict(taken.params)["SnapshotName"])
            hint = ("to go back to the VM as it was before this apply: "
                    + steps.restore_command(self.vm.id, name))
        else:
            offline = [op for op in made if op.phase == steps.OFFLINE]
            hint = ("to put back the settings this apply changed and start the VM: "
                    + revert_command(self.change, offline, self.vm.id))
        if start_failed and not restored:
            self.lines.insert(0, f"  Start-VM failed{_why(error)}")
        return RecoveryError(error, self.lines, state, hint)


class HyperVPerformer:
    def __init__(self, transport: Transport):
        self.transport = transport

    def run(self, step: Step, progress: Progress) -> None:
        if not isinstance(step, Op):
            raise DfwctlError(f"the Hyper-V provider has no way to run the step {step.text!r}")
        try:
            invoke(self.transport, step.cmdlet, dict(step.params))
        except HyperVError as exc:
            raise exc.for_vm(step.vm) if step.vm else exc from None

    def holds(self, guard: Guard, progress: Progress) -> bool:
        raise DfwctlError(f"the Hyper-V provider cannot decide {guard.text!r}")

    def recover(self, failure: Failure) -> DfwctlError:
        """A change that stopped its VM, or took a checkpoint, is answered for (see the module
        docstring); any other failure is reported as it is."""
        anchor = next((s for s in failure.change.steps if isinstance(s, Op)
                       and s.phase in (steps.STOP, steps.CHECKPOINT)), None)
        reached = failure.done + (failure.failed,)
        if anchor is None or anchor not in reached:
            return failure.error
        vm = dict(anchor.params)["VM"]
        assert isinstance(vm, VmRef)
        return _Recovery(self.transport, failure, vm).run()
