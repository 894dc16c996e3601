"""The Docker Desktop part of a plan: (playbook, DesktopState) -> PlanPart. Pure.

At most two changes: `desktop.settings` (Docker Desktop's settings file: engine, resources,
file sharing) and `desktop.wslconfig` (the WSL 2 engine's resources), each one file written
once, with a field diff per setting. The last of them carries the restart that makes the
settings take effect. Every bind mount is checked against what will be shared; all problems
are collected and raised together."""
from __future__ import annotations

import dataclasses
import re
from typing import Any, Dict, List, Optional, Set, Tuple

from dfwctl.desired import Desired
from dfwctl.errors import PlanError
from dfwctl.plan import Action, Change, FieldDiff, Manual, PlanPart, Step
from dfwctl.providers.desktop import mountcheck, settings, sharing, wslconfig
from dfwctl.providers.desktop import steps as S
from dfwctl.providers.desktop.model import (
    BACKUP_SUFFIX,
    ERA_NAMES,
    SETTINGS,
    WINDOWS,
    WSL2,
    WSLCONFIG,
    DesktopOptions,
    DesktopState,
    command_text,
    size,
)
from dfwctl.values.sizes import format_size

PROVIDER = "desktop"
RESOURCES = ("cpus", "memory", "swap", "disk")
SIZES = ("memory", "swap", "disk")
SHARING_FIELDS = ("engine", "shared_drives", "file_sharing")
DESKTOP_CLI = "this machine has no `docker desktop` command (Docker Desktop 4.37 and later have one)"


def shown(field: str, value: Any) -> Any:
    return size(value) if field in SIZES else value


class _Planner:
    def __init__(self, desired: Desired, state: DesktopState, options: DesktopOptions):
        self.desired = desired
        self.spec = desired.desktop
        self.state = state
        self.options = options
        self.errors: List[str] = []
        self.warnings: List[str] = []
        current = state.settings
        named_engine = self.spec.engine if self.spec else None
        self.engine = named_engine or (current.engine if current else None)
        self.windows = state.host == WINDOWS

    # the playbook against the machine --------------------------------------------------
    def check_spec(self) -> None:
        spec, state = self.spec, self.state
        assert spec is not None, "run() checks the spec only when the playbook has one"
        if state.settings is None and state.explicit:
            self.errors.append(
                f"the settings file {state.searched[0]} does not exist: check "
                "docker_desktop.settings_file (or the DFWCTL_DESKTOP_SETTINGS variable)")
        elif state.settings is None:
            where = " or ".join(state.searched)
            self.errors.append(
                f"Docker Desktop's settings file was not found (looked for {where}): "
                "start Docker Desktop once so that it writes it, or name the file with "
                "docker_desktop.settings_file (or the DFWCTL_DESKTOP_SETTINGS variable)")
        if not self.windows:
            if spec.engine:
                self.errors.append(f"docker_desktop.engine chooses between the engines of "
                                   f"Docker Desktop for Windows, and this is Docker Desktop on "
                                   f"{state.host}: remove it")
            if spec.shared_drives is not None:
                self.errors.append("docker_desktop.shared_drives is for Docker Desktop for "
                                   f"Windows, and this is Docker Desktop on {state.host}: list "
                                   "folders under docker_desktop.file_sharing instead")
        if spec.cpus and state.host_cpus and spec.cpus > state.host_cpus:
            self.errors.append(f"docker_desktop.cpus is {spec.cpus}, and this machine has "
                               f"{state.host_cpus} logical CPUs: use at most {state.host_cpus}")
        in_vm = [f for f in ("cpus", "memory", "swap") if getattr(spec, f) is not None]
        if in_vm and self.windows and self.engine is None and state.settings is not None:
            self.errors.append(
                f"the settings file does not say which engine Docker Desktop runs, and "
                f"{', '.join(in_vm)} live in different places for each (the settings file for "
                "Hyper-V, .wslconfig for WSL 2): add docker_desktop.engine: hyperv or wsl2")
        named_sharing = spec.shared_drives is not None or spec.file_sharing is not None
        if named_sharing and self.windows and self.engine == WSL2:
            self.warnings.append(
                "with the WSL 2 engine Docker Desktop shares every local drive, so "
                "docker_desktop.shared_drives and file_sharing do not apply: dfwctl leaves the "
                "settings file's list as it is")

    def settings_change(self) -> Optional[Change]:
        spec, current = self.spec, self.state.settings
        if spec is None or current is None:
            return None
        new: Dict[str, Any] = {}
        diffs: List[FieldDiff] = []
        if spec.engine and self.windows and spec.engine != current.engine:
            new["engine"] = spec.engine
            diffs.append(FieldDiff("engine", current.engine, spec.engine))
        for field in RESOURCES:
            want = getattr(spec, field)
            in_wsl = field != "disk" and self.windows and self.engine in (WSL2, None)
            if want is None or in_wsl or want == getattr(current, field):
                continue
            new[field] = want
            diffs.append(FieldDiff(field, shown(field, getattr(current, field)),
                                   shown(field, want)))
        if not (self.windows and self.engine == WSL2):
            update = sharing.update(spec, current.sharing, self.state.host)
            if update.entries is not None:
                new["sharing"] = update.entries
                diffs.extend(update.diffs)
        for field, problem in current.problems.items():
            self.warnings.append(f"{current.path}: {problem}"
                                 + ("; dfwctl sets it" if field in new else ""))
        self.refuse_unwritable(new)
        if not diffs:
            return None
        reasons: List[str] = []
        destructive = self.risks(diffs, reasons)
        write = S.WriteSettings(self.write_text(current.path, True), current.path,
                                current.digest, settings.updates(current, new))
        return Change(PROVIDER, SETTINGS, "settings", current.path, Action.UPDATE, tuple(diffs),
                      tuple(reasons), destructive=destructive, requires_restart=True,
                      steps=(write,))

    def refuse_unwritable(self, new: Dict[str, Any]) -> None:
        current = self.state.settings
        assert current is not None, "settings_change() calls this only when there is a file"
        era = ERA_NAMES[current.era]
        for field in new:
            if settings.writable(current, field):
                continue
            if field == "sharing":
                self.errors.append(
                    f"{current.path} is a {era}, from the Docker versions that share whole "
                    "drives over SMB from their Settings window, and dfwctl cannot change that "
                    "in the file: tick the drives under Settings > Shared Drives, and remove "
                    "shared_drives and file_sharing from the playbook (or upgrade Docker "
                    "Desktop)")
            elif field == "engine":
                self.errors.append(f"{current.path} is a {era}, whose Docker runs only the "
                                   "Hyper-V engine: remove docker_desktop.engine")
            else:
                self.errors.append(f"{current.path} is a {era}, which has no {field} setting: "
                                   f"remove docker_desktop.{field}")

    def risks(self, diffs: List[FieldDiff], reasons: List[str]) -> bool:
        destructive = False
        for d in diffs:
            if d.name == "engine" and d.before is not None:
                destructive = True
                reasons.append(
                    f"the engine switches from {d.before} to {d.after}: the images, containers "
                    f"and volumes of the {d.before} engine stay on disk but the {d.after} "
                    "engine does not see them")
                if self.desired.docker.present:
                    reasons.append("the Docker part of this plan was read from the current "
                                   "engine, so apply stops after the switch: run it again")
            if d.name == "disk" and d.before is not None and d.after < d.before:
                destructive = True
                reasons.append(
                    f"the disk shrinks from {format_size(d.before)} to {format_size(d.after)}: "
                    "Docker Desktop may recreate its disk image, deleting every image, "
                    "container and volume in it")
        return destructive

    def wsl_change(self) -> Optional[Change]:
        spec, state = self.spec, self.state
        if spec is None or not self.windows or self.engine != WSL2:
            return None
        named = {f: getattr(spec, f) for f in wslconfig.KEYS if getattr(spec, f) is not None}
        if not named:
            return None
        current = state.wslconfig
        if current is None:
            self.errors.append(
                f"with the WSL 2 engine, {', '.join(named)} live in .wslconfig in your Windows "
                "profile, and this machine is not Windows: set DFWCTL_WSLCONFIG to a file to "
                "try it here")
            return None
        for field, problem in current.problems.items():
            self.warnings.append(f"{current.path}: {problem}"
                                 + ("; dfwctl sets it" if field in named else ""))
        diffs = tuple(FieldDiff(f, shown(f, getattr(current, f)), shown(f, v))
                      for f, v in named.items() if getattr(current, f) != v)
        if not diffs:
            return None
        updates = tuple((wslconfig.KEYS[d.name], str(d.after) if d.name == "cpus"
                         else wslconfig.size_text(d.after)) for d in diffs)
        reason = ("with the WSL 2 engine, Docker Desktop takes its CPUs, memory and swap from "
                  ".wslconfig ([wsl2] processors, memory, swap), not from its settings file")
        action = Action.UPDATE if current.exists else Action.CREATE
        write = S.WriteWslconfig(self.write_text(current.path, current.exists), current.path,
                                 current.digest, updates)
        return Change(PROVIDER, WSLCONFIG, "wslconfig", current.path, action, diffs, (reason,),
                      requires_restart=True, steps=(write,))

    @staticmethod
    def write_text(path: str, exists: bool) -> str:
        name = re.split(r"[\\/]", path)[-1]
        kept = f" (the previous one kept as {name}{BACKUP_SUFFIX})"
        return f"write {name}" + (kept if exists else "")

    # the restart -------------------------------------------------------------------------
    def finish(self, changes: List[Change]) -> List[Change]:
        """The last change restarts Docker Desktop (once for both files) and checks it."""
        if not changes:
            return changes
        if len(changes) == 2:
            changes[1] = dataclasses.replace(changes[1], depends_on=(SETTINGS,))
        restart = None if self.options.no_restart else self.options.restart_command
        why_not = "--no-restart leaves it to you" if self.options.no_restart else DESKTOP_CLI
        changed = {d.name for c in changes for d in c.diffs}
        blocking = ""
        if restart is None and changed & set(SHARING_FIELDS) and self.desired.docker.present:
            blocking = ("the settings are written, but Docker Desktop uses them only after it "
                        f"restarts, and {why_not}; the Docker changes wait for that: restart "
                        "Docker Desktop, then run dfwctl apply again")
        if restart is not None:
            why = "Docker Desktop uses these settings only after it restarts"
        elif blocking:
            why = (f"Docker Desktop uses these settings only after it restarts, and {why_not}: "
                   "apply writes them and stops there, so the Docker changes of this plan wait; "
                   "restart Docker Desktop, then run apply again")
        else:
            why = (f"Docker Desktop uses these settings only after it restarts, and {why_not}: "
                   "restart Docker Desktop after apply")
        out = [dataclasses.replace(c, restart="Docker Desktop restart") for c in changes]
        last = out[-1]
        out[-1] = dataclasses.replace(
            last, reasons=last.reasons + (why,),
            steps=last.steps + self.restart_steps(changes, restart, changed, blocking,
                                                         why_not))
        return out

    def restart_steps(self, changes: List[Change], restart: Optional[Tuple[str, ...]],
                      changed: Set[str], blocking: str, why_not: str) -> Tuple[Step, ...]:
        if restart is None:
            if blocking:
                return (S.Stop("stop here: restart Docker Desktop, then run apply again",
                               blocking),)
            return (Manual("restart Docker Desktop for the new settings to take effect "
                           f"({why_not})"),)
        found: List[Step] = [S.RestartDesktop(f"run `{command_text(restart)}`", restart),
                             S.WaitForEngine("wait for the Docker Engine to answer")]
        first = changes[0]
        if first.address == SETTINGS:
            expect = tuple((d.name, d.after) for d in first.diffs
                           if d.name not in ("shared_drives", "file_sharing"))
            if expect:
                found.append(S.CheckSettingsKept("check that Docker Desktop kept the new settings",
                                                 first.name, expect))
        spec = self.spec
        assert spec is not None, "there are changes only when the playbook has a spec"
        if spec.cpus is not None or spec.memory is not None:
            found.append(S.CheckResources(
                "check the engine's CPUs and memory in /info (NCPU, MemTotal)",
                spec.cpus, spec.memory, self.engine == WSL2))
        if "engine" in changed and self.desired.docker.present:
            found.append(S.Stop(
                "stop: the Docker part is planned again against the new engine",
                "the engine switched; the Docker part of the plan was read from the previous "
                "engine: run dfwctl apply again to plan it against the new one"))
        return tuple(found)

    # the whole plan ------------------------------------------------------------------------
    def sharing_now(self) -> mountcheck.Sharing:
        current = self.state.settings
        # the playbook's sharing counts as apply writes it (settings_change); with the WSL 2
        # engine on Windows apply leaves the lists alone, and the check then reads none of them
        found = sharing.effective(self.spec, current.sharing if current else None,
                                  self.state.host)
        return mountcheck.Sharing(
            host=self.state.host, engine=self.engine, drives=found.drives,
            folders=found.folders,
            windows_containers=bool(current and current.windows_containers))

    def run(self) -> PlanPart:
        changes: List[Change] = []
        if not self.options.destroy:
            if self.spec is not None:
                self.check_spec()
            changes = [c for c in (self.settings_change(), self.wsl_change()) if c]
            docker = self.desired.docker
            findings = mountcheck.check(docker.containers, self.sharing_now(), self.state.drives,
                                        docker.secrets if self.options.secret_binds else None)
            self.errors.extend(findings.errors)
            self.warnings.extend(findings.warnings)
        if self.errors:
            raise PlanError("the plan cannot be made:\n"
                            + "\n".join(f"  - {e}" for e in dict.fromkeys(self.errors)))
        return PlanPart(
            provider=PROVIDER,
            endpoint=self.state.endpoint,
            changes=tuple(self.finish(changes)),
            warnings=tuple(dict.fromkeys(self.warnings)),
            fingerprint=self.state.fingerprint(),
        )


def plan(desired: Desired, state: DesktopState, options: Optional[DesktopOptions] = None
         ) -> PlanPart:
    """The changes that make Docker Desktop's settings match the playbook, after checking
    every bind mount against what it will share. Raises PlanError listing every problem."""
    return _Planner(desired, state, options or DesktopOptions()).run()
