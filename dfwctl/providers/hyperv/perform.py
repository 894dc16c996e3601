"""Carry out the steps of a planned Hyper-V change, one cmdlet call each. When a setting fails
after the VM was stopped for it, the VM is started again before the error is reported, so a
failed apply does not leave a VM down that was running."""
from __future__ import annotations

from typing import Callable

from dfwctl.errors import DfwctlError
from dfwctl.plan import Failure, Guard, Step
from dfwctl.providers.hyperv import steps
from dfwctl.providers.hyperv.steps import Op
from dfwctl.providers.hyperv.transport import HyperVError, Transport, VmRef, invoke

Progress = Callable[[str], None]


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
        """A VM stopped for a setting that failed is started again, when the change was to
        start it afterwards; the error says whether that worked."""
        error = failure.error
        stopped = next((s for s in failure.done if isinstance(s, Op) and s.phase == steps.STOP),
                       None)
        restarts = any(isinstance(s, Op) and s.phase == steps.START for s in failure.pending)
        if stopped is None or not restarts or not isinstance(error, HyperVError):
            return error
        vm = dict(stopped.params)["VM"]
        assert isinstance(vm, VmRef)
        try:
            invoke(self.transport, "Start-VM", {"VM": vm})
            note = "the VM was started again with its other settings unchanged"
        except HyperVError as exc:
            note = f"the VM is off: starting it again failed too ({exc.hyperv_message.strip()})"
        return HyperVError(error.cmdlet, error.hyperv_message, error.category, error.error_id,
                           hint=note, vm=error.vm)
