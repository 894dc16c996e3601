"""Destructive changes ask on a terminal: 'yes' applies, anything else changes nothing."""
from __future__ import annotations

import os
import pty
import subprocess
import sys

import pytest

from tests.engine.project import app_playbook, container_ids
from tests.paths import ROOT

pytestmark = pytest.mark.engine


def _apply_on_terminal(project, answer: str):
    master, slave = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "dfwctl", "apply", str(project.path)],
                            cwd=ROOT, env=project.env, stdin=slave, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    os.close(slave)
    os.write(master, answer.encode() + b"\n")
    out, err = proc.communicate(timeout=120)
    os.close(master)
    return proc.returncode, out, err


@pytest.mark.parametrize("answer, applied", [("yes", True), ("no", False), ("y", False)])
def test_destructive_apply_asks_on_a_terminal(project, answer, applied):
    app_playbook(project)
    assert project.run("apply", "-y", project.path).code == 0
    before = container_ids(project)
    app_playbook(project, tz="Europe/Paris")
    code, out, err = _apply_on_terminal(project, answer)
    assert "Only 'yes' will be accepted to approve" in err
    assert f"docker.container.{project.cname('app')}" in err
    if applied:
        assert code == 0, (out, err)
        assert container_ids(project)[project.cname("app")] != before[project.cname("app")]
    else:
        assert code == 1
        assert "apply cancelled; nothing was changed" in err
        assert container_ids(project) == before
