"""The apply lock between processes: a second apply fails naming the holder, waits with a
timeout, and gets the lock when the holder releases it or dies."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading
import time

import pytest

from dfwctl.errors import LockError
from dfwctl.lock import ApplyLock
from tests import paths

ENDPOINT = "unix:///var/run/docker.sock"
PLAYBOOK = "lock-dev"
ROOT = paths.ROOT

HOLDER = textwrap.dedent("""
    import sys, time
    from dfwctl.lock import ApplyLock
    with ApplyLock(sys.argv[1], sys.argv[2], sys.argv[3]):
        print("locked", flush=True)
        sys.stdin.readline()  # hold until the test says so
    print("released", flush=True)
    time.sleep(60)
""")


@pytest.fixture
def lock_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("DFWCTL_LOCK_DIR", str(tmp_path))
    return tmp_path


@pytest.fixture
def holder(lock_dir):
    """Start a process holding the lock; yields it once it does."""
    started = []

    def start(operation="apply", playbook=PLAYBOOK):
        env = {**os.environ, "DFWCTL_LOCK_DIR": str(lock_dir), "PYTHONPATH": str(ROOT)}
        proc = subprocess.Popen(
            [sys.executable, "-c", HOLDER, ENDPOINT, playbook, operation],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env, cwd=ROOT)
        started.append(proc)
        line = proc.stdout.readline()
        assert line.strip() == "locked", line
        return proc

    yield start
    for proc in started:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=10)
        for stream in (proc.stdin, proc.stdout):
            try:
                stream.close()
            except OSError:
                pass


def test_lock_is_taken_and_released_in_one_process(lock_dir):
    with ApplyLock(ENDPOINT, PLAYBOOK, "apply") as lock:
        assert lock.path.parent == lock_dir
        assert lock.holder()["pid"] == os.getpid()
        assert lock.holder()["operation"] == "apply"
    assert lock.holder() is None
    with ApplyLock(ENDPOINT, PLAYBOOK, "apply"):
        pass


def test_second_apply_fails_naming_the_holder(holder):
    proc = holder(operation="destroy")
    started = time.monotonic()
    with pytest.raises(LockError,
                       match=r"playbook lock-dev on unix:///var/run/docker\.sock is locked:") as caught:
        with ApplyLock(ENDPOINT, PLAYBOOK, "apply"):
            pytest.fail("the lock was taken twice")
    assert time.monotonic() - started < 2  # no timeout: fails at once
    message = str(caught.value)
    assert f"pid {proc.pid}" in message
    assert "destroy by" in message
    assert f"playbook {PLAYBOOK} on {ENDPOINT} is locked" in message
    assert "--lock-timeout" in message


def test_another_playbook_or_engine_is_not_locked(holder):
    holder()
    with ApplyLock(ENDPOINT, "other-dev", "apply"):
        pass
    with ApplyLock("npipe:////./pipe/docker_engine", PLAYBOOK, "apply"):
        pass


def test_with_a_timeout_it_waits_for_the_holder_to_release(holder):
    proc = holder()

    def release():
        time.sleep(0.6)
        proc.stdin.write("go\n")
        proc.stdin.flush()

    threading.Thread(target=release, daemon=True).start()
    started = time.monotonic()
    with ApplyLock(ENDPOINT, PLAYBOOK, "apply", timeout=20) as lock:
        waited = time.monotonic() - started
        assert lock.holder()["pid"] == os.getpid()
    assert waited >= 0.5
    assert proc.stdout.readline().strip() == "released"
    assert proc.poll() is None  # released by the holder, not by its exit


def test_a_timeout_that_runs_out_says_how_long_it_waited(holder):
    proc = holder()
    started = time.monotonic()
    with pytest.raises(LockError,
                       match=r"playbook lock-dev on unix:///var/run/docker\.sock is locked") as caught:
        with ApplyLock(ENDPOINT, PLAYBOOK, "apply", timeout=0.5):
            pytest.fail("the lock was taken twice")
    assert time.monotonic() - started >= 0.5
    assert "after waiting 0.5s" in str(caught.value)
    assert f"pid {proc.pid}" in str(caught.value)


def test_the_os_releases_the_lock_of_a_killed_holder(holder):
    proc = holder()
    with pytest.raises(LockError, match=r"is locked: apply by .* \(pid \d+, since "):
        with ApplyLock(ENDPOINT, PLAYBOOK, "apply"):
            pass
    proc.kill()
    proc.wait(timeout=10)
    with ApplyLock(ENDPOINT, PLAYBOOK, "apply") as lock:
        assert lock.holder()["pid"] == os.getpid()


def test_a_holder_that_has_not_yet_said_who_it_is_is_still_named(lock_dir):
    """The holder writes who it is just after taking the lock; a second apply that fails in
    that moment waits for it instead of saying "another dfwctl process"."""
    import fcntl

    probe = ApplyLock(ENDPOINT, PLAYBOOK, "apply")
    lock_dir.mkdir(exist_ok=True)
    with open(probe.path, "a+b") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        late = threading.Timer(0.3, probe.info_path.write_text, args=(
            '{"pid": 4242, "host": "pc", "user": "ann", "operation": "apply", '
            '"since": "now"}',))
        late.start()
        try:
            with pytest.raises(LockError, match=r"apply by ann on pc \(pid 4242"):
                with ApplyLock(ENDPOINT, PLAYBOOK, "apply"):
                    pass
        finally:
            late.join()


@pytest.mark.parametrize("text", ["[1, 2]", '"me"', "null", "{not json"])
def test_a_holder_file_that_is_not_an_object_reads_as_unknown(lock_dir, text):
    lock = ApplyLock(ENDPOINT, PLAYBOOK, "apply")
    lock_dir.mkdir(exist_ok=True)
    lock.info_path.write_text(text, encoding="utf-8")
    assert lock.holder() is None


def test_a_lock_folder_that_cannot_be_written_is_a_clear_error(tmp_path, monkeypatch):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the lock folder should be")
    monkeypatch.setenv("DFWCTL_LOCK_DIR", str(blocker / "locks"))
    with pytest.raises(LockError, match="cannot write the lock") as raised:
        with ApplyLock(ENDPOINT, PLAYBOOK, "apply"):
            pass
    assert "DFWCTL_LOCK_DIR" in raised.value.hint


def test_the_cli_says_so_too_and_exits_1(tmp_path):
    from tests.run import run_dfwctl

    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    playbook = tmp_path / "p.yml"
    playbook.write_text("version: 1\nname: lock-cli\nhyperv:\n  host: simulator:"
                        f"{tmp_path / 'pc.json'}\n  vms: {{}}\n")
    result = run_dfwctl("apply", "-y", playbook,
                        env={**os.environ, "DFWCTL_LOCK_DIR": str(blocker / "locks")})
    assert result.code == 1, result
    assert "cannot write the lock" in result.err and "Traceback" not in result.err
