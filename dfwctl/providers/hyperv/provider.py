"""The Hyper-V provider: gather the VMs a playbook names, diff, perform (layer 0: the machines
come first)."""
from __future__ import annotations

import dataclasses
from typing import Optional

from dfwctl.desired import Desired
from dfwctl.errors import DfwctlError
from dfwctl.plan import Failure, Guard, PlanOptions, PlanPart, Step
from dfwctl.providers.base import Progress, RunSettings
from dfwctl.providers.hyperv.connect import transport_for
from dfwctl.providers.hyperv.model import HyperVActual, HyperVDesired, overridden
from dfwctl.providers.hyperv.perform import HyperVPerformer
from dfwctl.providers.hyperv.transport import Transport
from dfwctl.status import StatusPart, status_part


class HyperVProvider:
    name = "hyperv"
    layer = 0

    def __init__(self, desired: Desired, settings: RunSettings,
                 transport: Optional[Transport] = None, machine: str = ""):
        section = desired.hyperv or HyperVDesired()
        self.settings = settings
        self.machine = machine
        host = desired.machines.spec(machine).connect if machine else section.host
        self.transport = transport or transport_for(host)
        self.endpoint = self.transport.endpoint
        self.performer = HyperVPerformer(self.transport)

    def plan(self, desired: Desired, options: PlanOptions) -> PlanPart:
        from dfwctl.providers.hyperv.diff import diff

        if options.destroy:  # VMs are never removed: nothing to read
            return diff(desired, HyperVActual(self.endpoint), options)
        desired = self.with_settings(desired)
        return diff(desired, self._read(desired), options)

    def status(self, desired: Desired) -> StatusPart:
        from dfwctl.providers.hyperv.diff import diff
        from dfwctl.providers.hyperv.status import items

        desired = self.with_settings(desired)
        actual = self._read(desired)
        return status_part(self.name, actual.endpoint, items(desired, actual),
                           lambda: diff(desired, actual, PlanOptions()))

    def _read(self, desired: Desired) -> HyperVActual:
        from dfwctl.providers.hyperv.gather import gather
        from dfwctl.providers.hyperv.identity import this_machine

        section = desired.hyperv or HyperVDesired()
        return dataclasses.replace(gather(self.transport, section.vms), self_vm=this_machine())

    def with_settings(self, desired: Desired) -> Desired:
        """The playbook's VMs with the command line's checkpoint and shutdown choices."""
        run, section = self.settings, desired.hyperv or HyperVDesired()
        return dataclasses.replace(desired, hyperv=dataclasses.replace(section, vms=tuple(
            overridden(vm, run.checkpoint, run.allow_turn_off, run.stop_timeout)
            for vm in section.vms)))

    def run(self, step: Step, progress: Progress) -> None:
        self.performer.run(step, progress)

    def holds(self, guard: Guard, progress: Progress) -> bool:
        return self.performer.holds(guard, progress)

    def recover(self, failure: Failure) -> DfwctlError:
        return self.performer.recover(failure)
