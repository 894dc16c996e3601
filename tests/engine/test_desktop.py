"""Docker Desktop end to end, through the real command line and the real test engine: the
seed's shared-drive scenario (playbooks/shared-drive.yml), plan -> apply -> empty re-plan with
a docker_desktop section, and the /info check of the engine's CPUs and memory.

The test engine is Linux, where a Windows bind source cannot mount. So the example playbook is
planned as shipped (the mount check and the order of the changes), and convergence is shown
with the same scenario whose container binds a folder of the test machine: the settings file
is a temporary copy, and the restart command a test executable that records each restart."""
from __future__ import annotations

import json
import math
import shlex
import shutil
import sys
import time
from pathlib import Path

import pytest

from tests.paths import ROOT
from tests.run import run_dfwctl

pytestmark = pytest.mark.engine

EXAMPLE = ROOT / "playbooks" / "shared-drive.yml"
EXAMPLE_SETTINGS = ROOT / "playbooks" / "shared-drive.settings-store.json"
MIB = 1024 ** 2
RESTART = "import sys\nopen(sys.argv[1], 'a').write('restart\\n')\n"


@pytest.fixture
def info(docker_api):
    return docker_api.info()


@pytest.fixture
def desktop(tmp_path, project):
    """A settings file with drive C unshared, and a restart command that logs."""
    settings = tmp_path / "settings-store.json"
    data = json.loads(EXAMPLE_SETTINGS.read_text())
    data.update(Cpus=1, MemoryMiB=1024)
    settings.write_text(json.dumps(data, indent=2) + "\n")
    script = tmp_path / "restart-docker-desktop.py"
    script.write_text(RESTART)
    log = tmp_path / "restarts.log"
    project.env["DFWCTL_DESKTOP_RESTART_COMMAND"] = shlex.join([sys.executable, str(script),
                                                                str(log)])
    project.env.pop("DFWCTL_DESKTOP_SETTINGS", None)
    return settings, log


def _restarts(log: Path) -> int:
    return log.read_text().count("restart") if log.exists() else 0


def _write(project, settings: Path, cpus: int, memory_mib: int, data: Path) -> None:
    n = project.name
    project.write(f"""
        docker_desktop:
          engine: hyperv
          settings_file: '{settings}'
          cpus: {cpus}
          memory: {memory_mib}MiB
          shared_drives: [C]
        containers:
          {n}-alpine:
            image: busybox:latest
            command: [sh, -c, 'echo from-the-container > /data/hello; exec sleep 3600']
            stop_signal: SIGKILL
            mounts:
              - '{data}:/data'
        """)


# the example as shipped -------------------------------------------------------------------
def _example(tmp_path: Path, shared: bool) -> Path:
    shutil.copyfile(EXAMPLE_SETTINGS, tmp_path / EXAMPLE_SETTINGS.name)
    text = EXAMPLE.read_text()
    if not shared:
        text = text.replace("  shared_drives: [C]\n", "")
    book = tmp_path / EXAMPLE.name
    book.write_text(text)
    return book


def test_the_example_stops_at_plan_while_drive_c_is_unshared(tmp_path, project):
    book = _example(tmp_path, shared=False)
    result = run_dfwctl("plan", book.name, env=project.env, cwd=tmp_path)
    assert result.code == 1, result
    assert result.out == ""
    assert result.err == (
        "Error: the plan cannot be made:\n"
        "  - container alpine: mount C:\\Users\\chicken\\Docker\\apline-data:/data: drive C is "
        "not shared with Docker Desktop, so the container would see an empty folder at /data "
        "instead of C:\\Users\\chicken\\Docker\\apline-data, and nothing it writes there would "
        "reach Windows: add C to docker_desktop.shared_drives, or "
        "C:\\Users\\chicken\\Docker\\apline-data (or a folder above it) to "
        "docker_desktop.file_sharing\n")


def test_the_example_shares_drive_c_first_then_creates_the_container(tmp_path, project):
    book = _example(tmp_path, shared=True)
    text = run_dfwctl("plan", book.name, env=project.env, cwd=tmp_path)
    assert text.code == 0, text
    assert text.out.index("# desktop.settings will be updated in place") < \
        text.out.index("# docker.container.alpine will be created")
    assert '      ~ shared_drives = [] -> ["C"]' in text.out
    planned = run_dfwctl("plan", "-o", "json", book.name, env=project.env, cwd=tmp_path)
    changes = {c["address"]: c for c in json.loads(planned.out)["changes"]}
    assert "desktop.settings" in changes["docker.container.alpine"]["depends_on"]
    assert changes["desktop.settings"]["requires_restart"]
    assert json.loads((tmp_path / EXAMPLE_SETTINGS.name).read_text()) == json.loads(
        EXAMPLE_SETTINGS.read_text())  # plan wrote nothing


# convergence on the test engine ---------------------------------------------------------------
def test_plan_apply_replan_with_the_engine_check(tmp_path, project, desktop, info):
    settings, log = desktop
    data = tmp_path / "apline-data"
    data.mkdir()
    memory_mib = math.ceil(info["MemTotal"] / MIB)  # what this engine really has
    _write(project, settings, info["NCPU"], memory_mib, data)
    plan = project.run("plan", project.path)
    assert plan.code == 0, plan
    assert f"      ~ cpus = 1 -> {info['NCPU']}" in plan.out
    assert "      ~ shared_drives = [] -> [\"C\"]" in plan.out
    assert "check the engine's CPUs and memory in /info (NCPU, MemTotal)" in plan.out

    applied = project.run("apply", "-y", project.path)
    assert applied.code == 0, applied
    assert _restarts(log) == 1
    written = json.loads(settings.read_text())
    assert (written["Cpus"], written["MemoryMiB"], written["FilesharingDirectories"]) == (
        info["NCPU"], memory_mib, ["C:\\"])
    assert written["DataFolder"] == "C:\\ProgramData\\DockerDesktop\\vm-data"  # kept
    assert (tmp_path / "settings-store.json.dfwctl.bak").exists()
    assert project.containers()[f"{project.name}-alpine"]["State"] == "running"

    again = project.run("plan", "--detailed-exitcode", project.path)
    assert again.code == 0, again
    assert "No changes." in again.out and _restarts(log) == 1
    for _ in range(50):  # the container wrote into the shared folder
        if (data / "hello").exists():
            break
        time.sleep(0.1)
    assert (data / "hello").read_text() == "from-the-container\n"


def test_an_engine_that_does_not_match_is_reported(tmp_path, project, desktop, info):
    if info["NCPU"] < 2:
        pytest.skip("needs an engine with 2 CPUs or more")
    settings, log = desktop
    data = tmp_path / "data"
    data.mkdir()
    asked = info["MemTotal"] // 2 // MIB
    _write(project, settings, info["NCPU"] - 1, asked, data)
    applied = project.run("apply", "-y", project.path)
    assert applied.code == 1, applied
    assert _restarts(log) == 1
    assert (f"Error: desktop.settings: Docker Desktop restarted, but the engine reports "
            f"{info['NCPU']} CPUs, and the playbook asks for {info['NCPU'] - 1}; the engine "
            f"reports ") in applied.out
    assert f"and the playbook asks for {asked}MiB" in applied.out
    assert f"Skipped: docker.container.{project.name}-alpine (desktop.settings failed)" in applied.out
    assert f"{project.name}-alpine" not in project.containers()


def test_a_saved_plan_is_refused_when_the_settings_file_changed(tmp_path, project, desktop, info):
    settings, log = desktop
    data = tmp_path / "data"
    data.mkdir()
    _write(project, settings, info["NCPU"], math.ceil(info["MemTotal"] / MIB), data)
    saved = tmp_path / "plan.json"
    assert project.run("plan", "--out", saved, project.path).code == 0
    settings.write_text(settings.read_text().replace('"AutoStart": true', '"AutoStart": false'))
    applied = project.run("apply", saved)
    assert applied.code == 1, applied
    assert "is stale: the machine changed since the plan was made" in applied.err
    assert _restarts(log) == 0


def test_no_restart_writes_then_waits_for_the_user(tmp_path, project, desktop, info):
    settings, log = desktop
    data = tmp_path / "data"
    data.mkdir()
    _write(project, settings, info["NCPU"], math.ceil(info["MemTotal"] / MIB), data)
    first = project.run("apply", "-y", "--no-restart", project.path)
    assert first.code == 1, first
    assert "--no-restart leaves it to you; the Docker changes wait for that" in first.out
    assert _restarts(log) == 0 and json.loads(settings.read_text())["FilesharingDirectories"] == [
        "C:\\"]
    assert f"{project.name}-alpine" not in project.containers()
    second = project.run("apply", "-y", "--no-restart", project.path)  # "after the restart"
    assert second.code == 0, second
    assert f"{project.name}-alpine" in project.containers()


def test_desktop_show(tmp_path, project, desktop):
    settings, _ = desktop
    shown = run_dfwctl("desktop", "show", "--settings-file", settings, "-o", "json",
                       env=project.env)
    assert shown.code == 0, shown
    found = json.loads(shown.out)
    assert (found["format"], found["cpus"], found["file_sharing"]) == (
        "Docker Desktop 4.35+ settings-store.json", 1, [])
    assert "restart-docker-desktop.py" in found["restart_command"]
