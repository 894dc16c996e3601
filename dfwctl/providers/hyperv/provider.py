"""The Hyper-V provider: gather the VMs a playbook names, diff, perform."""
from __future__ import annotations

from typing import Optional

from dfwctl.plan import Change, Plan
from dfwctl.providers.base import Progress, RunSettings
from dfwctl.providers.docker.diff import DiffOptions
from dfwctl.providers.docker.model import Desired
from dfwctl.providers.hyperv.connect import transport_for
from dfwctl.providers.hyperv.model import HyperVActual, host_of, vm_specs
from dfwctl.providers.hyperv.transport import Transport


class HyperVProvider:
    name = "hyperv"
    layer = 0

    def __init__(self, desired: Desired, settings: RunSettings,
                 transport: Optional[Transport] = None):
        self.section = desired.sections.get("hyperv") or {}
        self.settings = settings
        self.transport = transport or transport_for(host_of(self.section))
        self.endpoint = self.transport.endpoint

    def plan(self, desired: Desired, options: DiffOptions) -> Plan:
        from dfwctl.providers.hyperv.diff import diff
        from dfwctl.providers.hyperv.gather import gather

        if options.destroy:  # VMs are never removed: nothing to read
            return diff(desired, HyperVActual(self.endpoint), options)
        return diff(desired, gather(self.transport, vm_specs(self.section)), options)

    def perform(self, change: Change, progress: Progress) -> None:
        from dfwctl.providers.hyperv.perform import perform

        perform(self.transport, change, progress)
