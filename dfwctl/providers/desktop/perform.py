"""Carry out a Docker Desktop change: write its file (refusing one that changed since the
plan), then, on the last change, restart Docker Desktop and check the result."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Callable, List, Mapping, Optional

from dfwctl.errors import DfwctlError
from dfwctl.logs import get_logger
from dfwctl.plan import Change
from dfwctl.providers.desktop import jsonedit, restart, settings, textfile, wslconfig
from dfwctl.providers.desktop.model import (
    Finish,
    SettingsWrite,
    Size,
    Work,
    WslWrite,
    command_text,
    size,
)
from dfwctl.values.sizes import format_size

log = get_logger(__name__)
Progress = Callable[[str], None]


def _engine():
    from dfwctl.providers.docker.engine import Engine

    return Engine()


class DesktopPerformer:
    def __init__(self, connect: Callable[[], Any] = _engine,
                 environ: Optional[Mapping[str, str]] = None):
        self.connect = connect
        self.environ = os.environ if environ is None else environ

    def __call__(self, change: Change, progress: Progress) -> None:
        work: Work = change.desired
        if isinstance(work.write, SettingsWrite):
            self.write_settings(work.write, progress)
        elif isinstance(work.write, WslWrite):
            self.write_wslconfig(work.write, progress)
        if work.finish is not None:
            self.finish(work.finish, progress)

    # writes ----------------------------------------------------------------------------
    def write_settings(self, write: SettingsWrite, progress: Progress) -> None:
        path = Path(write.path)
        textfile.check_unchanged(path, write.digest)
        found = textfile.read(path)
        try:
            text = jsonedit.edit(found.text, write.updates)
        except jsonedit.JsonEditError as exc:
            raise DfwctlError(f"{path}: cannot edit it safely: {exc}; nothing was written") from None
        backup = textfile.write(path, text, found.encoding, write.digest)
        log.info("desktop_settings_written", path=str(path), backup=str(backup),
                 keys=[k for k, _ in write.updates])
        progress(f"wrote {path} (the previous version is in {backup})")

    def write_wslconfig(self, write: WslWrite, progress: Progress) -> None:
        path = Path(write.path)
        textfile.check_unchanged(path, write.digest)
        found = textfile.read(path, missing_ok=True)
        text = wslconfig.edit(found.text, dict(write.updates))
        backup = textfile.write(path, text, found.encoding, write.digest)
        log.info("wslconfig_written", path=str(path), backup=str(backup))
        progress(f"wrote {path}" + (f" (the previous version is in {backup})" if backup else ""))

    # the restart ---------------------------------------------------------------------------
    def finish(self, finish: Finish, progress: Progress) -> None:
        if finish.restart is None:
            progress(f"restart Docker Desktop for the new settings to take effect "
                     f"({finish.why_not})")
            if finish.blocking:
                raise DfwctlError(finish.blocking)
            return
        wait = restart.wait_seconds(self.environ)
        progress(f"restarting Docker Desktop: {command_text(finish.restart)}")
        log.info("desktop_restart", command=list(finish.restart))
        restart.run(finish.restart, wait)
        progress("waiting for the Docker Engine")
        info = restart.wait_for_engine(self.connect, wait)
        problems = self.dropped(finish) + restart.mismatches(info, finish.cpus, finish.memory)
        if problems:
            raise DfwctlError("Docker Desktop restarted, but " + "; ".join(problems),
                              self.hint(finish, problems))
        shown = [f"{info.get('NCPU')} CPUs"] if finish.cpus is not None else []
        if finish.memory is not None:
            shown.append(f"{restart.about(info.get('MemTotal'))} of memory (asked: "
                         f"{format_size(finish.memory)})")
        progress("the engine is back" + (": " + ", ".join(shown) if shown else ""))
        if finish.after_switch:
            raise DfwctlError(finish.after_switch)

    @staticmethod
    def dropped(finish: Finish) -> List[str]:
        """Settings Docker Desktop wrote back over ours while restarting (it keeps its
        settings in memory while it runs)."""
        if not finish.settings_path or not finish.settings_expect:
            return []
        now = settings.read(Path(finish.settings_path))
        dropped = []
        for field, value in finish.settings_expect:
            found = getattr(now, field)
            if found != value:
                shown = size(found) if isinstance(value, Size) else found
                dropped.append(f"its settings file no longer has {field} = {value} (now {shown})")
        return dropped

    @staticmethod
    def hint(finish: Finish, problems: List[str]) -> str:
        if any("settings file no longer" in p for p in problems):
            return ("Docker Desktop wrote its own settings back when it quit: quit Docker "
                    "Desktop, run dfwctl apply, then start Docker Desktop")
        if finish.wsl:
            return ("WSL reads .wslconfig only when its VM starts: run `wsl --shutdown` (it "
                    "stops every WSL distribution), start Docker Desktop, then run dfwctl plan")
        return ("Docker Desktop may have held the VM to what this machine allows: see "
                "Settings > Resources, then run dfwctl plan")
