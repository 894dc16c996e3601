"""Read Docker Desktop's part of the machine once: its settings file, .wslconfig when the
playbook sets the WSL 2 engine's resources, and what the drives of bind mounts are."""
from __future__ import annotations

import os
import sys
from typing import Mapping, Optional

from dfwctl.desired import Desired
from dfwctl.providers.desktop import drives, locate, mountcheck, settings, wslconfig
from dfwctl.providers.desktop.model import WINDOWS, DesktopState


def gather(desired: Desired, environ: Optional[Mapping[str, str]] = None,
           platform: str = sys.platform) -> DesktopState:
    environ = os.environ if environ is None else environ
    spec = desired.desktop
    where = locate.locate(spec.settings_file if spec else None, desired.directory,
                          environ, platform)
    current = settings.read(where.path) if where.path else None
    wsl = None
    if spec and where.host == WINDOWS and any(
            getattr(spec, f) is not None for f in wslconfig.KEYS):
        path = locate.wslconfig_path(environ, platform)
        wsl = wslconfig.read(path) if path else None
    return DesktopState(
        host=where.host,
        settings=current,
        searched=tuple(str(p) for p in where.searched),
        explicit=where.explicit,
        wslconfig=wsl,
        drives=drives.probe(mountcheck.drive_letters(desired.docker.containers)),  # this machine
        host_cpus=os.cpu_count(),
    )
