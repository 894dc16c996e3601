"""Carry out the steps of a Docker Desktop change: write its file (refusing one that changed
since the plan), then, on the last change, restart Docker Desktop and check the result."""
from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any, Callable, Optional

from dfwctl.errors import DfwctlError
from dfwctl.logs import get_logger
from dfwctl.plan import Failure, Guard, Step
from dfwctl.providers.desktop import jsonedit, restart, settings, textfile, wslconfig
from dfwctl.providers.desktop import steps as S
from dfwctl.providers.desktop.model import Size, size
from dfwctl.providers.desktop.system import LocalSystem, System
from dfwctl.values.sizes import format_size

if TYPE_CHECKING:  # the Docker provider is imported when an engine is needed
    from dfwctl.providers.docker.engine import Engine

log = get_logger(__name__)
Progress = Callable[[str], None]


def _engine() -> Engine:
    from dfwctl.providers.docker.engine import Engine

    return Engine()


class DesktopPerformer:
    def __init__(self, system: System, connect: Optional[Callable[[], Any]] = None):
        self.system = system
        self.connect = connect or _engine
        self.environ = system.environ if isinstance(system, LocalSystem) else os.environ

    def run(self, step: Step, progress: Progress) -> None:
        if isinstance(step, S.WriteSettings):
            self.write_settings(step, progress)
        elif isinstance(step, S.WriteWslconfig):
            self.write_wslconfig(step, progress)
        elif isinstance(step, S.RestartDesktop):
            log.info("desktop_restart", command=list(step.command))
            restart.run(self.system, step.command, restart.wait_seconds(self.environ))
        elif isinstance(step, S.WaitForEngine):
            restart.wait_for_engine(self.connect, restart.wait_seconds(self.environ))
        elif isinstance(step, S.CheckSettingsKept):
            self.check_settings(step)
        elif isinstance(step, S.CheckResources):
            self.check_resources(step, progress)
        elif isinstance(step, S.Stop):
            raise DfwctlError(step.message)
        else:
            raise DfwctlError(f"the Docker Desktop provider has no way to run the step "
                              f"{step.text!r}")

    def holds(self, guard: Guard, progress: Progress) -> bool:
        raise DfwctlError(f"the Docker Desktop provider cannot decide {guard.text!r}")

    def recover(self, failure: Failure) -> DfwctlError:
        return failure.error  # a file is written whole or not at all: nothing to undo

    # writes ----------------------------------------------------------------------------
    def write_settings(self, write: S.WriteSettings, progress: Progress) -> None:
        path = self.system.path(write.path)
        textfile.check_unchanged(self.system, path, write.digest)
        found = textfile.read(self.system, path)
        try:
            text = jsonedit.edit(found.text, write.updates)
        except jsonedit.JsonEditError as exc:
            raise DfwctlError(f"{path}: cannot edit it safely: {exc}; nothing was written") from None
        backup = textfile.write(self.system, path, text, found.encoding, write.digest)
        log.info("desktop_settings_written", path=str(path), backup=str(backup),
                 keys=[k for k, _ in write.updates])
        progress(f"wrote {path} (the previous version is in {backup})")

    def write_wslconfig(self, write: S.WriteWslconfig, progress: Progress) -> None:
        path = self.system.path(write.path)
        textfile.check_unchanged(self.system, path, write.digest)
        found = textfile.read(self.system, path, missing_ok=True)
        text = wslconfig.edit(found.text, dict(write.updates))
        backup = textfile.write(self.system, path, text, found.encoding, write.digest)
        log.info("wslconfig_written", path=str(path), backup=str(backup))
        progress(f"wrote {path}" + (f" (the previous version is in {backup})" if backup else ""))

    # after the restart ---------------------------------------------------------------------
    def check_settings(self, step: S.CheckSettingsKept) -> None:
        """Settings Docker Desktop wrote back over ours while restarting (it keeps its
        settings in memory while it runs)."""
        now = settings.read(self.system, self.system.path(step.path))
        dropped = []
        for field, value in step.expect:
            found = getattr(now, field)
            if found != value:
                shown = size(found) if isinstance(value, Size) else found
                dropped.append(f"its settings file no longer has {field} = {value} (now {shown})")
        if dropped:
            raise DfwctlError("Docker Desktop restarted, but " + "; ".join(dropped),
                              "Docker Desktop wrote its own settings back when it quit: quit "
                              "Docker Desktop, run dfwctl apply, then start Docker Desktop")

    def check_resources(self, step: S.CheckResources, progress: Progress) -> None:
        info = restart.wait_for_engine(self.connect, restart.wait_seconds(self.environ))
        problems = restart.mismatches(info, step.cpus, step.memory)
        if problems:
            hint = ("WSL reads .wslconfig only when its VM starts: run `wsl --shutdown` (it "
                    "stops every WSL distribution), start Docker Desktop, then run dfwctl plan"
                    if step.wsl else
                    "Docker Desktop may have held the VM to what this machine allows: see "
                    "Settings > Resources, then run dfwctl plan")
            raise DfwctlError("Docker Desktop restarted, but " + "; ".join(problems), hint)
        shown = [f"{info.get('NCPU')} CPUs"] if step.cpus is not None else []
        if step.memory is not None:
            shown.append(f"{restart.about(info.get('MemTotal'))} of memory (asked: "
                         f"{format_size(step.memory)})")
        progress("the engine is back: " + ", ".join(shown))
