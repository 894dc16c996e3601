"""The transport for a playbook's `hyperv.host`: local PowerShell, WinRM, or the simulator.
Each is imported only when chosen; constructing one does no I/O."""
from __future__ import annotations

from dfwctl.errors import DfwctlError
from dfwctl.providers.hyperv.transport import Transport


def transport_for(host: str) -> Transport:
    """The transport for a playbook's `hyperv.host` (constructed without I/O)."""
    if host == "local":
        from dfwctl.providers.hyperv.local import LocalTransport

        return LocalTransport()
    if host.startswith("winrm://"):
        from dfwctl.providers.hyperv.winrm import WinRMTransport

        return WinRMTransport(host)
    if host.startswith("simulator:"):
        from dfwctl.providers.hyperv.simulator.transport import SimulatorTransport

        return SimulatorTransport(host[len("simulator:"):])
    raise DfwctlError(f"hyperv.host {host!r} is not a Hyper-V host",
                      "use local, winrm://user@host[:port] or simulator:PATH")
