"""Stopping an apply on the real engine: Ctrl-C and SIGTERM stop it cleanly (no new change,
the one in flight finishes or its wait ends, a summary, exit 130); a second signal stops at
once; a run-once container's wait is bounded by default and shows progress; a failure is
reported once."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from tests.engine.project import slow_run_once
from tests.paths import ROOT

pytestmark = pytest.mark.engine


def _start(project, *args):
    env = dict(project.env, PYTHONUNBUFFERED="1")
    return subprocess.Popen([sys.executable, "-m", "dfwctl", *map(str, args)], cwd=ROOT, env=env,
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def _wait_for_line(proc, words, limit=120):
    """Read stderr until a line has `words`; the lines read so far."""
    seen = []
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        if not line:
            break
        seen.append(line)
        if words in line:
            return seen
    raise AssertionError(f"no line with {words!r} in:\n{''.join(seen)}")


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_one_signal_during_a_run_once_wait_stops_apply_cleanly(project, sig):
    slow_run_once(project, then=("after", "later"))
    proc = _start(project, "apply", "-y", "--parallelism", "1", project.path)
    try:
        _wait_for_line(proc, "to run to completion")
        proc.send_signal(sig)
        out, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == 130, (out, err)
    name = signal.Signals(sig).name
    assert f"{name}: stopping" in err
    assert "Interrupted: 2 change(s) not started" in err
    assert f"docker.container.{project.cname('after')}: skipped" in err
    assert f"interrupted: stopped waiting for container {project.cname('slow')} to finish" in out
    assert "Traceback" not in err
    # the next apply finishes what was left
    again = project.run("apply", "-y", project.path, timeout=240)
    assert again.code == 0, again
    assert {project.cname("after"), project.cname("later")} <= set(project.containers())


def test_a_second_signal_stops_at_once(project):
    slow_run_once(project, then=("after", "later"))
    proc = _start(project, "apply", "-y", "--parallelism", "1", project.path)
    try:
        _wait_for_line(proc, "to run to completion")
        proc.send_signal(signal.SIGINT)
        _wait_for_line(proc, "stopping")
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
    assert proc.returncode == 130, (out, err)
    assert "stopping at once" in err
    assert "Traceback" not in err


def test_a_run_once_wait_is_bounded_by_default_with_progress(project):
    slow_run_once(project, seconds=600, then=("after", "later"))
    result = project.run("apply", "-y", "--wait-timeout", "3", project.path, timeout=120)
    assert result.code == 1, result
    assert f"container {project.cname('slow')} did not finish within 3s" in result.out + result.err
    assert "--wait-timeout" in result.out + result.err


def test_a_failed_change_is_reported_once_on_stderr_and_once_in_the_summary(project):
    n = project.name
    project.write(f"""
        containers:
          {n}-fails:
            image: busybox:latest
            state: exited
            command: [sh, -c, 'echo broken; exit 3']
        """)
    result = project.run("apply", "-y", project.path)
    assert result.code == 1, result
    assert "change_failed" not in result.err
    failed = [line for line in result.err.splitlines() if "FAILED" in line]
    assert len(failed) == 1, result.err
    assert failed[0].startswith(f"docker.container.{n}-fails: FAILED after ")
    assert result.out.count("exited with code 3") == 1, result.out
    assert os.linesep  # lines are whole: each stderr line starts with its own subject
    for line in result.err.splitlines():
        assert line.count("docker.container.") <= 1, line
