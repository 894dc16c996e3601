"""One apply per playbook on an engine, really: the lock is held on the engine, keyed on its
identity, so two applies that spell DOCKER_HOST differently and keep their locks in different
folders are still serialized; a stale lock of a process that is gone is recovered; `dfwctl
unlock` removes one whose holder is elsewhere."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys

import pytest

from tests.engine.project import slow_run_once
from tests.paths import ROOT

pytestmark = pytest.mark.engine


def _lock_volume(project):
    return f"dfwctl-lock-{project.name}"


def _other_spelling(env):
    host = env["DOCKER_HOST"]
    assert host.startswith("unix://")
    folder, _, name = host[len("unix://"):].rpartition("/")
    return f"unix://{folder}/./{name}"


def test_two_applies_on_two_spellings_and_two_lock_folders_are_serialized(project, tmp_path,
                                                                            docker_api):
    slow_run_once(project)
    env = dict(project.env, PYTHONUNBUFFERED="1")
    holder = subprocess.Popen([sys.executable, "-m", "dfwctl", "apply", "-y", str(project.path)],
                              cwd=ROOT, env=env, stdin=subprocess.DEVNULL,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        for line in holder.stderr:
            if "to run to completion" in line:
                break
        other = dict(project.env, DOCKER_HOST=_other_spelling(project.env),
                     DFWCTL_LOCK_DIR=str(tmp_path / "other-locks"), TMPDIR=str(tmp_path))
        second = project.run("apply", "-y", project.path, env=other)
        assert second.code == 1, second
        assert "is locked on the Docker Engine" in second.err
        assert f"apply by {os.environ.get('USER') or ''}".rstrip() in second.err
        assert f"on {socket.gethostname()} (pid {holder.pid}" in second.err
    finally:
        holder.send_signal(signal.SIGINT)
        holder.communicate(timeout=60)
    assert not docker_api.volumes(filters={"name": _lock_volume(project)}).get("Volumes")


def test_a_stale_lock_of_a_process_that_is_gone_is_removed(project, docker_api):
    n = project.name
    project.write(f"containers:\n  {n}-app: {{image: busybox:latest, command: [sleep, '60'],"
                  " stop_signal: SIGKILL}\n")
    gone = subprocess.Popen(["true"])
    gone.wait()
    boot = open("/proc/sys/kernel/random/boot_id").read().strip()
    docker_api.create_volume(_lock_volume(project), labels={
        "io.dfwctl.lock": "f" * 32, "io.dfwctl.lock.host": socket.gethostname(),
        "io.dfwctl.lock.boot": boot, "io.dfwctl.lock.pid": str(gone.pid),
        "io.dfwctl.lock.user": "someone", "io.dfwctl.lock.since": "2026-01-01T00:00:00"})
    result = project.run("apply", "-y", project.path)
    assert result.code == 0, result
    assert f"removed a stale lock of playbook {n}" in result.err
    assert f"(pid {gone.pid}" in result.err
    assert not docker_api.volumes(filters={"name": _lock_volume(project)}).get("Volumes")


def test_unlock_removes_a_lock_held_elsewhere(project, docker_api):
    n = project.name
    project.write(f"containers:\n  {n}-app: {{image: busybox:latest, command: [sleep, '60'],"
                  " stop_signal: SIGKILL}\n")
    docker_api.create_volume(_lock_volume(project), labels={
        "io.dfwctl.lock": "e" * 32, "io.dfwctl.lock.host": "ci-runner-7",
        "io.dfwctl.lock.pid": "4242", "io.dfwctl.lock.user": "ci",
        "io.dfwctl.lock.operation": "apply", "io.dfwctl.lock.since": "2026-01-01T00:00:00"})
    try:
        locked = project.run("apply", "-y", project.path)
        assert locked.code == 1, locked
        assert "apply by ci on ci-runner-7 (pid 4242" in locked.err
        assert f"dfwctl unlock {n}" in locked.err
        removed = project.run("unlock", project.path)
        assert removed.code == 0, removed
        assert "removed the lock of apply by ci on ci-runner-7" in removed.out
        assert project.run("apply", "-y", project.path).code == 0
    finally:
        for volume in docker_api.volumes(filters={"name": _lock_volume(project)}).get(
                "Volumes") or []:
            docker_api.remove_volume(volume["Name"], force=True)


def test_unlock_reads_a_playbook_that_needs_a_profile_to_apply(project, docker_api):
    """unlock acts on no container: a playbook that apply refuses without --profile (an
    always-on container needs one of a profile) has its lock removed all the same."""
    n = project.name
    project.write(f"containers:\n  {n}-web: {{image: busybox:latest, depends_on: [{n}-db]}}\n"
                  f"  {n}-db: {{image: busybox:latest, profiles: [data]}}\n")
    docker_api.create_volume(_lock_volume(project), labels={
        "io.dfwctl.lock": "f" * 32, "io.dfwctl.lock.host": "ci-runner-7",
        "io.dfwctl.lock.pid": "4242", "io.dfwctl.lock.user": "ci",
        "io.dfwctl.lock.operation": "apply", "io.dfwctl.lock.since": "2026-01-01T00:00:00"})
    try:
        assert "no selected profile" in project.run("apply", "-y", project.path).err
        removed = project.run("unlock", project.path)
        assert removed.code == 0, removed
        assert "removed the lock of apply by ci on ci-runner-7" in removed.out
        assert not docker_api.volumes(filters={"name": _lock_volume(project)}).get("Volumes")
    finally:
        for volume in docker_api.volumes(filters={"name": _lock_volume(project)}).get(
                "Volumes") or []:
            docker_api.remove_volume(volume["Name"], force=True)
