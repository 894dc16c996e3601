"""Read Docker Desktop's part of a machine once: its settings file, .wslconfig when the
playbook sets the WSL 2 engine's resources, and what the drives of bind mounts are there."""
from __future__ import annotations

from dfwctl.desired import Desired
from dfwctl.providers.desktop import locate, mountcheck, settings, wslconfig
from dfwctl.providers.desktop.model import WINDOWS, DesktopState
from dfwctl.providers.desktop.system import System


def gather(desired: Desired, system: System) -> DesktopState:
    spec = desired.desktop
    where = locate.locate(spec.settings_file if spec else None, desired.directory, system)
    current = settings.read(system, where.path) if where.path else None
    wsl = None
    if spec and where.host == WINDOWS and any(
            getattr(spec, f) is not None for f in wslconfig.KEYS):
        path = locate.wslconfig_path(system)
        wsl = wslconfig.read(system, path) if path else None
    return DesktopState(
        host=where.host,
        settings=current,
        searched=tuple(str(p) for p in where.searched),
        explicit=where.explicit,
        wslconfig=wsl,
        drives=system.drives(mountcheck.drive_letters(desired.docker.containers,
                                                      desired.docker.secrets)),
        host_cpus=system.cpu_count(),
    )
