"""Carry out a planned Hyper-V change: run its operations in order, one call each. When a
setting fails after the VM was stopped for it, the VM is started again before the error is
reported, so a failed apply does not leave a VM down that was running."""
from __future__ import annotations

from typing import Callable

from dfwctl.plan import Change
from dfwctl.providers.hyperv import steps
from dfwctl.providers.hyperv.steps import Work
from dfwctl.providers.hyperv.transport import HyperVError, Transport, VmRef, invoke

Progress = Callable[[str], None]


def _run(transport: Transport, op: steps.Op, work: Work) -> None:
    try:
        invoke(transport, op.cmdlet, dict(op.params))
    except HyperVError as exc:
        raise exc.for_vm(work.vm) if work.vm else exc


def perform(transport: Transport, change: Change, progress: Progress) -> None:
    work: Work = change.desired
    ops = list(work.ops)
    stopped = False
    for index, op in enumerate(ops):
        progress(op.text)
        try:
            _run(transport, op, work)
        except HyperVError as exc:
            if stopped and any(later.phase == steps.START for later in ops[index + 1:]):
                raise _restarted(transport, work, exc) from None
            raise
        stopped = stopped or op.phase == steps.STOP


def _restarted(transport: Transport, work: Work, error: HyperVError) -> HyperVError:
    """Start the VM again after a failed setting; say whether that worked."""
    try:
        invoke(transport, "Start-VM", {"VM": VmRef(work.vm_id, work.vm)})
        note = "the VM was started again with its other settings unchanged"
    except HyperVError as exc:
        note = f"the VM is off: starting it again failed too ({exc.hyperv_message.strip()})"
    return HyperVError(error.cmdlet, error.hyperv_message, error.category, error.error_id,
                       hint=note, vm=error.vm)
