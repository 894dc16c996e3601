"""`dfwctl status` through the real command line on a simulated Hyper-V host (the fake pwsh on
PATH, no engine needed): the VM's state and settings, the drift, as golden text, plain in a
pipe and coloured on a terminal; JSON; and exit 1 when the plan cannot be made."""
from __future__ import annotations

import json
import re

import pytest

from tests.builders import assert_golden
from tests.fakes.hyperv import fake_env
from tests.paths import ROOT
from tests.run import run_dfwctl, run_dfwctl_tty

PLAYBOOK = ROOT / "playbooks" / "nested-hyperv.yml"
ANSI = re.compile(r"\x1b\[[0-9;]*m")


@pytest.fixture
def env(tmp_path):
    state = tmp_path / "hyperv.json"
    environ = fake_env(state, DFWCTL_LOCK_DIR=str(tmp_path / "locks"), TERM="xterm")
    for key in ("HYPERV_HOST", "NO_COLOR"):
        environ.pop(key, None)
    seeded = run_dfwctl("simulator", "seed", state, "--vm", "WIN10", "--processors", "2",
                        "--memory", "2GiB", "--dynamic-memory", "512MiB:8GiB", env=environ)
    assert seeded.code == 0, seeded
    return environ


def test_status_of_a_vm_as_text_in_a_pipe_and_on_a_terminal(env):
    piped = run_dfwctl("status", PLAYBOOK, env=env)
    assert piped.code == 0, piped
    assert_golden("status_nested_hyperv.txt", piped.out)
    assert "  hyperv.vm.WIN10  Running  processors 2, memory 2GiB, dynamic memory 512MiB-8GiB" \
        in piped.out
    shown = run_dfwctl_tty("status", PLAYBOOK, env=env)
    assert shown.code == 0, shown
    assert_golden("status_nested_hyperv.color.txt", shown.out)
    assert ANSI.sub("", shown.out) == piped.out


def test_status_as_json(env):
    result = run_dfwctl("status", "-o", "json", PLAYBOOK, env=env)
    assert result.code == 0, result
    doc = json.loads(result.out)
    (part,) = doc["parts"]
    assert part["provider"] == "hyperv" and part["endpoint"] == "hyperv:local"
    (vm,) = part["items"]
    assert vm["state"] == "Running" and vm["facts"]["processors"] == "2"
    assert vm["drift"]["action"] == "update" and vm["drift"]["destructive"]


def test_a_vm_that_is_not_there_is_shown_and_the_status_exits_1(env, tmp_path):
    playbook = tmp_path / "ghost.yml"
    playbook.write_text("version: 1\nname: ghost\nhyperv:\n  vms:\n    GHOST: {processors: 2}\n",
                        encoding="utf-8")
    result = run_dfwctl("status", playbook, env=env)
    assert result.code == 1, result
    assert "  hyperv.vm.GHOST  not found" in result.out
    assert "  no plan can be made of it:\n    the Hyper-V plan cannot be made:\n" \
        "      - VM GHOST does not exist" in result.out
