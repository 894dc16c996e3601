"""Applying Docker Desktop changes through the provider: writes with a backup, the refusal of a
file changed since the plan, the restart through a test executable, and the checks after it
(an engine stand-in here; tests/test_desktop_engine.py uses the real engine's /info)."""
from __future__ import annotations

import json
import shlex
import shutil
import sys
from pathlib import Path

import pytest

from dfwctl.apply import StepPerformer
from dfwctl.errors import DfwctlError
from dfwctl.plan import PlanOptions
from dfwctl.providers.base import RunSettings
from dfwctl.providers.desktop import restart
from dfwctl.providers.desktop.provider import DesktopProvider
from dfwctl.providers.desktop.system import LocalSystem
from dfwctl.values.sizes import GIB, MIB
from tests import paths
from tests.builders import playbook

FIXTURES = paths.FIXTURES / "desktop"
FAKE_DESKTOP = """\
import shutil, sys
log, mode, settings = sys.argv[1:4]
with open(log, "a") as handle:
    handle.write("restart\\n")
if mode == "fail":
    print("Docker Desktop is not running", file=sys.stderr)
    sys.exit(3)
if mode == "revert":  # quitting, Docker Desktop writes the settings it holds in memory
    shutil.copyfile(settings + ".dfwctl.bak", settings)
"""


class FakeEngine:
    def __init__(self, info):
        self._info = info
        self.api = self

    def info(self):
        return self._info

    def call(self, what, fn, *args, **kwargs):
        return fn(*args, **kwargs)


class Machine:
    """A settings file, a restart executable and an engine stand-in in a temp folder."""

    def __init__(self, tmp_path: Path, fixture="store-4.35-settings-store.json"):
        self.dir = tmp_path
        self.settings = tmp_path / "settings-store.json"
        shutil.copyfile(FIXTURES / fixture, self.settings)
        self.log = tmp_path / "restarts.log"
        self.script = tmp_path / "fake-docker-desktop.py"
        self.script.write_text(FAKE_DESKTOP)
        self.info = {"NCPU": 4, "MemTotal": 4 * GIB - 180 * MIB}
        self.progress = []

    def environ(self, mode="ok", **extra):
        command = shlex.join([sys.executable, str(self.script), str(self.log), mode,
                              str(self.settings)])
        return {"DFWCTL_DESKTOP_SETTINGS": str(self.settings), "HOME": str(self.dir),
                restart.ENV_COMMAND: command, restart.ENV_WAIT: "30", **extra}

    def provider(self, desktop: dict, mode="ok", docker=True, **extra):
        data = {"name": "p", "docker_desktop": desktop}
        if docker:
            data["containers"] = {"a": {"image": "busybox"}}
        desired = playbook(data)
        self.desired = desired
        return DesktopProvider(desired, RunSettings(no_restart=extra.pop("no_restart", False)),
                               LocalSystem(self.environ(mode, **extra), "linux"),
                               connect=lambda: FakeEngine(self.info))

    def plan(self, provider):
        return provider.plan(self.desired, PlanOptions())

    def perform(self, provider, change):
        StepPerformer({("desktop", ""): provider})(change, self.progress.append)

    def apply(self, provider):
        the_plan = self.plan(provider)
        for change in the_plan.changes:
            self.perform(provider, change)
        return the_plan

    @property
    def restarts(self) -> int:
        return self.log.read_text().count("restart") if self.log.exists() else 0

    def values(self):
        return json.loads(self.settings.read_text())


def test_apply_writes_restarts_and_checks(tmp_path):
    box = Machine(tmp_path)
    before = box.settings.read_text()
    box.info = {"NCPU": 2, "MemTotal": 2 * GIB - 90 * MIB}
    box.apply(box.provider({"engine": "hyperv", "cpus": 2, "memory": "2GiB",
                            "shared_drives": ["C", "E"]}))
    assert box.values()["Cpus"] == 2 and box.values()["MemoryMiB"] == 2048
    assert box.values()["FilesharingDirectories"] == ["C:\\", "D:\\Projects", "E:\\"]
    assert (tmp_path / "settings-store.json.dfwctl.bak").read_text() == before
    assert box.restarts == 1
    assert box.progress[-1] == "the engine is back: 2 CPUs, 1.91GiB of memory (asked: 2GiB)"
    again = box.provider({"engine": "hyperv", "cpus": 2, "memory": "2GiB"})
    assert box.plan(again).changes == ()


def test_a_mismatch_in_info_fails_the_change(tmp_path):
    box = Machine(tmp_path)
    box.info = {"NCPU": 4, "MemTotal": 4 * GIB - 180 * MIB}  # Docker Desktop kept the old VM
    with pytest.raises(DfwctlError,
                       match="Docker Desktop restarted, but the engine reports 4 CPUs,") as caught:
        box.apply(box.provider({"cpus": 2, "memory": "2GiB"}))
    assert caught.value.message == (
        "Docker Desktop restarted, but the engine reports 4 CPUs, and the playbook asks for 2; "
        "the engine reports 3.82GiB of memory (MemTotal), and the playbook asks for 2GiB")
    assert "Settings > Resources" in caught.value.hint
    assert box.values()["Cpus"] == 2  # the file was written; the mismatch is reported


def test_the_file_changed_between_plan_and_apply(tmp_path):
    box = Machine(tmp_path)
    provider = box.provider({"cpus": 2})
    the_plan = box.plan(provider)
    box.settings.write_text(box.settings.read_text().replace('"AutoStart": true',
                                                             '"AutoStart": false'))
    with pytest.raises(DfwctlError, match="changed since the plan was made"):
        box.perform(provider, the_plan.changes[0])
    assert box.values()["Cpus"] == 4 and box.restarts == 0


def test_docker_desktop_writing_its_settings_back_is_reported(tmp_path):
    box = Machine(tmp_path)
    with pytest.raises(DfwctlError,
                       match="Docker Desktop restarted, but its settings file no longer") as caught:
        box.apply(box.provider({"cpus": 2, "memory": "2GiB"}, mode="revert"))
    assert caught.value.message.startswith(
        "Docker Desktop restarted, but its settings file no longer has cpus = 2 (now 4); its "
        "settings file no longer has memory = 2GiB (now 4GiB)")
    assert caught.value.hint.startswith("Docker Desktop wrote its own settings back")


def test_a_failing_restart_command(tmp_path):
    box = Machine(tmp_path)
    with pytest.raises(DfwctlError, match=r"failed \(exit code 3\): Docker Desktop is not running") as caught:
        box.apply(box.provider({"cpus": 2}, mode="fail"))
    assert "failed (exit code 3): Docker Desktop is not running" in caught.value.message
    assert "restart Docker Desktop yourself" in caught.value.hint


def test_a_missing_restart_command(tmp_path):
    box = Machine(tmp_path)
    provider = box.provider({"cpus": 2}, **{restart.ENV_COMMAND: str(tmp_path / "nothing")})
    with pytest.raises(DfwctlError, match="cannot restart Docker Desktop: .*nothing` was not found"):
        box.apply(provider)


def test_without_restart_sharing_changes_stop_the_apply(tmp_path):
    box = Machine(tmp_path)
    with pytest.raises(DfwctlError, match="restart Docker Desktop, then run dfwctl apply again"):
        box.apply(box.provider({"shared_drives": ["E"]}, no_restart=True))
    assert box.values()["FilesharingDirectories"] == ["D:\\Projects", "E:\\"]
    assert box.restarts == 0
    box.apply(box.provider({"cpus": 1}, no_restart=True))  # resources only: nothing waits
    assert box.values()["Cpus"] == 1
    assert box.progress[-1] == ("restart Docker Desktop for the new settings to take effect "
                                "(--no-restart leaves it to you)")


def test_wslconfig_is_written_and_restart_happens_once(tmp_path):
    box = Machine(tmp_path, "store-camel-settings-store.json")
    wsl = tmp_path / ".wslconfig"
    wsl.write_text("[wsl2]\r\nmemory=4GB\r\nkernelCommandLine = quiet\r\n")
    box.info = {"NCPU": 2, "MemTotal": 6 * GIB - 300 * MIB}
    the_plan = box.apply(box.provider({"engine": "wsl2", "cpus": 2, "memory": "6GiB",
                                       "disk": "80GiB"}, DFWCTL_WSLCONFIG=str(wsl)))
    assert [c.address for c in the_plan.changes] == ["desktop.settings", "desktop.wslconfig"]
    assert wsl.read_bytes() == b"[wsl2]\r\nmemory=6GB\r\nkernelCommandLine = quiet\r\nprocessors = 2\r\n"
    assert box.values()["diskSizeMiB"] == 81920
    assert box.restarts == 1


def test_a_wsl_mismatch_explains_wsl_shutdown(tmp_path):
    box = Machine(tmp_path, "store-camel-settings-store.json")
    box.info = {"NCPU": 8, "MemTotal": 16 * GIB}
    with pytest.raises(DfwctlError,
                       match="Docker Desktop restarted, but the engine reports 8 CPUs,") as caught:
        box.apply(box.provider({"engine": "wsl2", "cpus": 2},
                               DFWCTL_WSLCONFIG=str(tmp_path / ".wslconfig")))
    assert "wsl --shutdown" in caught.value.hint


def test_the_engine_not_coming_back(tmp_path):
    def never():
        raise DfwctlError("cannot reach the Docker Engine at npipe:////./pipe/docker_engine")

    now = [0.0]
    with pytest.raises(DfwctlError,
                       match="the Docker Engine did not answer within 5s after Docker") as caught:
        restart.wait_for_engine(never, 5, clock=lambda: now[0],
                                sleep=lambda s: now.__setitem__(0, now[0] + s))
    assert caught.value.message == (
        "the Docker Engine did not answer within 5s after Docker Desktop restarted: cannot "
        "reach the Docker Engine at npipe:////./pipe/docker_engine")
    assert now[0] == 5.0


def test_the_engine_coming_back_after_a_while():
    calls = []

    def later():
        calls.append(1)
        if len(calls) < 3:
            raise DfwctlError("not yet")
        return FakeEngine({"NCPU": 2})

    assert restart.wait_for_engine(later, 60, sleep=lambda s: None) == {"NCPU": 2}


@pytest.mark.parametrize("desired,total,ok", [
    (2 * GIB, 2 * GIB - 100 * MIB, True),
    (2 * GIB, 2 * GIB - 256 * MIB, True),
    (2 * GIB, 2 * GIB - 257 * MIB, False),
    (16 * GIB, 15 * GIB, True),
    (16 * GIB, 14 * GIB, False),
    (2 * GIB, 2 * GIB, True),
    (2 * GIB, 4 * GIB, False),
])
def test_memory_tolerance(desired, total, ok):
    assert restart.memory_matches(desired, total) is ok


@pytest.mark.parametrize("value,message", [("soon", "is not a number of seconds"),
                                           ("0", "use a number of seconds above 0")])
def test_wait_setting(value, message):
    with pytest.raises(DfwctlError, match=message):
        restart.wait_seconds({restart.ENV_WAIT: value})
