"""The chaos suite's fast subset: one engine kill on a private Docker Engine (`make chaos` runs
many, at several moments of a cold apply and of a replace). dockerd is killed (-9) while apply
starts containers, then started again: containers whose start was in flight are left "created"
(with a task containerd may still hold), and one more apply must converge, keep the named
volume's data and leave nothing temporary behind."""
from __future__ import annotations

import fcntl
import os
import shutil
from pathlib import Path

import pytest

from chaos.engine import PrivateEngine
from chaos.harness import Project
from chaos.scenarios import counting

STATE = Path("/tmp/dfwctl-chaos-test")  # short: a unix socket path has 107 bytes at most


def _missing() -> str:
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        return "a private dockerd needs root"
    lacking = [p for p in ("dockerd", "containerd", "ip", "docker") if not shutil.which(p)]
    return f"needs {', '.join(lacking)}" if lacking else ""


@pytest.fixture
def engine():
    reason = _missing()
    if reason:
        if os.environ.get("DFWCTL_REQUIRE_ENGINE"):
            pytest.fail(f"the private engine cannot run here: {reason}")
        pytest.skip(reason)
    STATE.parent.mkdir(parents=True, exist_ok=True)
    with open(f"{STATE}.lock", "w") as held:  # one private test engine per machine at a time
        fcntl.flock(held, fcntl.LOCK_EX)
        private = PrivateEngine(STATE, bridge=("dfwchaost0", "10.216.0.1/24"),
                                pool="base=10.215.0.0/16,size=24")
        private.stop(remove=True)
        try:
            private.start()
            private.prepare()
            yield private
        finally:
            private.stop(remove=True)


@pytest.mark.engine
def test_an_engine_killed_while_apply_starts_containers_converges_in_one_more_apply(
        engine, tmp_path):
    project = Project(engine, tmp_path / "work", "chaos-kill", count=5, ports=False)
    project.write()
    first = project.apply(trigger=counting(": start container", 2),
                          fault=lambda _process: engine.kill())
    engine.start()
    assert first.fired and first.code != 0, first
    assert not first.traceback, first
    again = project.apply()
    assert again.code == 0, again
    assert not again.traceback, again
    assert project.converged()
    assert project.data() == project.marker  # the volume's data is kept
    assert project.leftovers() == []
