"""Colour through the real command line: a plan on a terminal is coloured (golden), and the
same plan in a pipe, with NO_COLOR, with --no-color or on TERM=dumb is the plain golden. The
plan is the nested-virtualization seed on a simulated Hyper-V host (no engine needed)."""
from __future__ import annotations

import re

import pytest

from tests import paths
from tests.builders import assert_golden
from tests.fakes.hyperv import fake_env
from tests.paths import ROOT
from tests.run import run_dfwctl, run_dfwctl_tty

PLAYBOOK = ROOT / "playbooks" / "nested-hyperv.yml"
PLAIN = (paths.GOLDEN / "nested_hyperv.txt").read_text(encoding="utf-8")
ANSI = re.compile(r"\x1b\[[0-9;]*m")


@pytest.fixture
def env(tmp_path):
    state = tmp_path / "hyperv.json"
    environ = fake_env(state, DFWCTL_LOCK_DIR=str(tmp_path / "locks"))
    for key in ("HYPERV_HOST", "NO_COLOR"):
        environ.pop(key, None)
    environ["TERM"] = "xterm-256color"
    seeded = run_dfwctl("simulator", "seed", state, "--vm", "WIN10", "--processors", "2",
                        "--memory", "2GiB", "--dynamic-memory", "512MiB:8GiB", env=environ)
    assert seeded.code == 0, seeded
    return environ


def test_a_plan_on_a_terminal_is_coloured(env):
    shown = run_dfwctl_tty("plan", PLAYBOOK, env=env)
    assert shown.code == 0, shown
    assert_golden("nested_hyperv.color.txt", shown.out)
    assert ANSI.sub("", shown.out) == PLAIN
    assert "\x1b[1;31mdestructive\x1b[0m" in shown.out and "\x1b[33m~\x1b[0m vm" in shown.out


def test_a_pipe_gets_plain_text(env):
    piped = run_dfwctl("plan", PLAYBOOK, env=env)
    assert piped.code == 0, piped
    assert piped.out == PLAIN


@pytest.mark.parametrize("how", ["NO_COLOR", "--no-color", "plan --no-color", "TERM=dumb"])
def test_a_terminal_gets_plain_text_when_asked(env, how):
    args = ["plan", PLAYBOOK]
    if how == "--no-color":
        args.insert(0, how)
    elif how == "plan --no-color":  # after the command, as terraform users type it
        args.insert(1, "--no-color")
    elif how == "NO_COLOR":
        env["NO_COLOR"] = "1"
    else:
        env["TERM"] = "dumb"
    shown = run_dfwctl_tty(*args, env=env)
    assert shown.code == 0, shown
    assert shown.out == PLAIN


def test_an_empty_no_color_does_not_turn_colour_off(env):
    env["NO_COLOR"] = ""  # https://no-color.org: only a non-empty value counts
    assert ANSI.search(run_dfwctl_tty("plan", PLAYBOOK, env=env).out)
