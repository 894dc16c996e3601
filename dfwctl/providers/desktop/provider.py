"""The Docker Desktop provider: gather, diff, perform (layer 1: after Hyper-V, before the
Docker engine's networks, volumes and containers)."""
from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any, Callable, Optional

from dfwctl.desired import Desired
from dfwctl.errors import DfwctlError
from dfwctl.plan import Failure, Guard, PlanOptions, PlanPart, Step
from dfwctl.providers.base import Progress, RunSettings
from dfwctl.providers.desktop import locate
from dfwctl.providers.desktop.model import DesktopOptions
from dfwctl.providers.desktop.system import LocalSystem, System
from dfwctl.providers.docker.secrets import bound
from dfwctl.status import StatusPart, status_part
from dfwctl.values.mounts import BIND, is_windows_path, parse_mount

if TYPE_CHECKING:  # imported when the first step runs, not when a plan is made
    from dfwctl.providers.desktop.perform import DesktopPerformer

# Docker Desktop's own spellings of a Windows drive that cannot be a Linux host's paths.
_DESKTOP_PREFIXES = ("/host_mnt/", "/run/desktop/mnt/host/")


def wanted(desired: Desired, system: Optional[System] = None) -> bool:
    """Whether a playbook needs this provider: it has a docker_desktop section; or it
    bind-mounts Windows paths into containers of this machine's engine, and this machine has
    Docker Desktop's settings file (then only the unshared-drive check runs, changing
    nothing). Without either there is nothing to do, e.g. on Linux CI."""
    if desired.desktop is not None:
        return True
    system = system or LocalSystem()
    if not locate.is_local_engine(system.environ):
        return False
    docker = desired.docker
    windows = any(
        is_windows_path(m.source) or m.source.startswith(_DESKTOP_PREFIXES)
        for spec in docker.containers.values()
        for m in map(parse_mount, spec.mounts) if m.type == BIND)
    windows = windows or any(is_windows_path(path)
                             for _, _, path in bound(docker.containers, docker.secrets))
    return windows and locate.locate(None, None, system).path is not None


class DesktopProvider:
    name = "desktop"
    layer = 1

    def __init__(self, desired: Desired, settings: RunSettings,
                 system: Optional[System] = None, connect: Optional[Callable[[], Any]] = None,
                 machine: str = ""):
        self.settings = settings
        self.machine = machine
        self.system: System = system or LocalSystem()
        self.connect = connect  # makes an Engine for the machine's Docker Engine
        spec = desired.desktop
        if isinstance(self.system, LocalSystem):
            self.endpoint = locate.endpoint(spec.settings_file if spec else None,
                                            desired.directory, self.system)
        else:  # reading the remote environment is I/O: constructing a provider does none
            self.endpoint = f"desktop:{self.system.where}"
        self._performer: Optional[DesktopPerformer] = None
        self._lock = threading.Lock()

    def plan(self, desired: Desired, options: PlanOptions) -> PlanPart:
        from dfwctl.providers.desktop import diff, gather

        return diff.plan(desired, gather.gather(desired, self.system), self._options(options))

    def status(self, desired: Desired) -> StatusPart:
        from dfwctl.providers.desktop import diff, gather, status

        state = gather.gather(desired, self.system)
        return status_part(self.name, state.endpoint, status.items(desired, state),
                           lambda: diff.plan(desired, state, self._options(PlanOptions())))

    def _options(self, options: PlanOptions) -> DesktopOptions:
        from dfwctl.providers.desktop import restart

        return DesktopOptions(restart_command=restart.restart_command(self.system),
                              no_restart=self.settings.no_restart, destroy=options.destroy,
                              secret_binds=isinstance(self.system, LocalSystem))

    @property
    def performer(self) -> DesktopPerformer:
        with self._lock:
            if self._performer is None:
                from dfwctl.providers.desktop.perform import DesktopPerformer

                self._performer = DesktopPerformer(self.system, self.connect)
            return self._performer

    def run(self, step: Step, progress: Progress) -> None:
        self.performer.run(step, progress)

    def holds(self, guard: Guard, progress: Progress) -> bool:
        return self.performer.holds(guard, progress)

    def recover(self, failure: Failure) -> DfwctlError:
        return self.performer.recover(failure)
