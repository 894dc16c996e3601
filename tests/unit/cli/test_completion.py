"""Shell completion: the scripts `dfwctl completion SHELL` prints, the PowerShell one checked
with the PowerShell grammar; a real bash with the script sourced completes a command, an
address and a machine; PowerShell's requests are answered (click-pwsh's protocol)."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys

import pytest

from dfwctl.desired import addresses
from tests.builders import playbook
from tests.paths import ROOT
from tests.powershell import syntax_errors
from tests.run import run_dfwctl

PLAYBOOK = """\
version: 1
name: lab
machines:
  pc: {connect: local}
  win10: {vm: WIN10, host: pc, user: chicken, docker: 'tcp://win10:2375'}
hyperv:
  machine: pc
  vms: {WIN10: {processors: 4}}
engine: {machine: win10}
networks: {backend: {}}
containers:
  web: {image: busybox, networks: [backend]}
  worker: {image: busybox}
"""


@pytest.fixture
def lab(tmp_path):
    path = tmp_path / "lab.yml"
    path.write_text(PLAYBOOK, encoding="utf-8")
    return path


@pytest.fixture
def shim(tmp_path):
    """A `dfwctl` on PATH that runs this checkout, as the installed command does."""
    folder = tmp_path / "bin"
    folder.mkdir()
    command = folder / "dfwctl"
    command.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m dfwctl "$@"\n', encoding="utf-8")
    command.chmod(0o755)
    env = dict(os.environ, PATH=f"{folder}{os.pathsep}{os.environ['PATH']}",
               PYTHONPATH=str(ROOT))
    env.pop("_DFWCTL_COMPLETE", None)
    return env


def test_the_powershell_script_parses_with_the_powershell_grammar():
    result = run_dfwctl("completion", "powershell")
    assert result.code == 0, result
    script = result.out
    assert syntax_errors(script.encode("utf-8")) == []
    assert script.startswith("Register-ArgumentCompleter -Native -CommandName dfwctl ")
    assert '$env:_DFWCTL_COMPLETE = "pwsh_complete"' in script
    assert run_dfwctl("completion", "pwsh").out == script


def test_the_grammar_check_would_catch_a_broken_script():
    script = run_dfwctl("completion", "powershell").out
    assert syntax_errors(script.replace("ForEach-Object {", "ForEach-Object (", 1).encode())


def complete_pwsh(env, line: str):
    """What dfwctl answers the PowerShell script for the command line `line` (the script puts
    the line in COMP_WORDS and the index of the word being completed in COMP_CWORD)."""
    words = line.split(" ")
    request = dict(env, _DFWCTL_COMPLETE="pwsh_complete", COMP_WORDS=line,
                   COMP_CWORD=str(len(words) - 1))
    result = run_dfwctl(env=request)
    assert result.code == 0, result
    return [row.split(",", 2)[:2] for row in result.out.splitlines()]


def test_powershell_requests_are_answered(shim, lab):
    assert ["plain", "status"] in complete_pwsh(shim, "dfwctl sta")
    assert complete_pwsh(shim, f"dfwctl status {lab} win10:docker.container.w") == [
        ["plain", "win10:docker.container.web"], ["plain", "win10:docker.container.worker"]]
    assert complete_pwsh(shim, f"dfwctl plan {lab} --machine w") == [["plain", "win10"]]


def bash_tab(env, typed: str) -> str:
    """Type `typed` then TAB into an interactive bash (on a terminal, readline and all) that
    sourced the completion script; the command line as completion left it (as `echo` prints
    it: a trailing space, added after a whole word, is not seen)."""
    import pty
    import select
    import time

    leader, follower = pty.openpty()
    proc = subprocess.Popen([shutil.which("bash"), "--norc", "--noprofile", "-i"],
                            stdin=follower, stdout=follower, stderr=follower, cwd=ROOT,
                            env=dict(env, PS1="$ ", TERM="xterm", HISTFILE="/dev/null"),
                            start_new_session=True)
    os.close(follower)
    # Keys are buffered: readline takes them in order, TAB's completion runs before the rest.
    # C-a goes to the start of the line, to print the line as completion left it.
    os.write(leader, b"source <(dfwctl completion bash)\n")
    os.write(leader, typed.encode() + b"\t\x01echo RESULT:\n" + b"exit\n")
    out = b""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if select.select([leader], [], [], 0.5)[0]:
            try:
                chunk = os.read(leader, 65536)
            except OSError:
                break
            if not chunk:
                break
            out += chunk
        elif proc.poll() is not None:
            break
    os.close(leader)
    proc.wait(timeout=30)
    text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z@]", "", out.decode(errors="replace"))
    lines = [line for line in text.replace("\r", "").split("\n") if line.startswith("RESULT:")]
    assert lines, out.decode(errors="replace")
    return lines[-1][len("RESULT:"):]


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
@pytest.mark.parametrize("typed, completed", [
    ("dfwctl sta", "dfwctl status"),  # a command
    ("dfwctl status {lab} win10:docker.container.we", "dfwctl status {lab} win10:docker.container.web"),
    ("dfwctl status {lab} win10:docker.con", "dfwctl status {lab} win10:docker.container.w"),
    ("dfwctl status {lab} win10:", "dfwctl status {lab} win10:docker."),
    ("dfwctl status {lab} pc", "dfwctl status {lab} pc:hyperv.vm.WIN10"),
    ("dfwctl apply -y {lab} --machine wi", "dfwctl apply -y {lab} --machine win10"),
])
def test_bash_completes_a_command_an_address_and_a_machine(shim, lab, typed, completed):
    assert bash_tab(shim, typed.format(lab=lab)) == completed.format(lab=lab)


@pytest.mark.parametrize("shell, marker", [("bash", "_DFWCTL_COMPLETE=bash_complete"),
                                           ("zsh", "_DFWCTL_COMPLETE=zsh_complete"),
                                           ("fish", "_DFWCTL_COMPLETE=fish_complete")])
def test_each_shell_gets_its_script(shell, marker):
    result = run_dfwctl("completion", shell)
    assert result.code == 0 and marker in result.out, result


def test_an_unknown_shell_is_a_usage_error():
    result = run_dfwctl("completion", "cmd")
    assert result.code == 64 and "'cmd' is not one of" in result.err


def test_addresses_are_those_of_the_playbooks_plans():
    desired = playbook({"name": "x", "hyperv": {"host": "local", "vms": {"WIN10": {}}},
                        "docker_desktop": {"cpus": 2},
                        "networks": {"a": {}, "ext": {"external": True}},
                        "volumes": {"v": {}},
                        "containers": {"c": {"image": "alpine:3.20"}}})
    assert addresses(desired) == ("hyperv.vm.WIN10", "desktop.settings",
                                  "docker.image.alpine:3.20", "docker.network.a",
                                  "docker.volume.v", "docker.container.c")


def test_addresses_on_named_machines_carry_the_machine_of_each_part():
    """The seed's shape: Hyper-V on the PC, Docker Desktop and the engine in the guest."""
    desired = playbook({"name": "x",
                        "machines": {"pc": {"connect": "local"},
                                     "win10": {"vm": "WIN10", "host": "pc",
                                               "docker": "tcp://win10:2375"}},
                        "hyperv": {"machine": "pc", "vms": {"WIN10": {}}},
                        "docker_desktop": {"machine": "win10", "cpus": 2},
                        "engine": {"machine": "win10"},
                        "containers": {"c": {"image": "alpine:3.20"}}})
    assert addresses(desired) == ("pc:hyperv.vm.WIN10", "win10:desktop.settings",
                                  "win10:docker.image.alpine:3.20", "win10:docker.container.c")


@pytest.mark.parametrize("words, index, joined, where", [
    (["dfwctl", "status", "p.yml", "win10", ":", "docker.c"], 5,
     ["dfwctl", "status", "p.yml", "win10:docker.c"], 3),
    (["dfwctl", "status", "p.yml", "win10", ":"], 4, ["dfwctl", "status", "p.yml", "win10:"], 3),
    (["dfwctl", "status", "p.yml", "win10", ":"], 5, ["dfwctl", "status", "p.yml", "win10:"], 3),
    (["dfwctl", "status", "p.yml"], 3, ["dfwctl", "status", "p.yml"], 3),
    (["dfwctl", "st"], 1, ["dfwctl", "st"], 1),
])
def test_bash_words_split_at_a_colon_are_joined_back(words, index, joined, where):
    from dfwctl.cli.shells import rejoin_colons

    assert rejoin_colons(words, index) == (joined, where)


def test_address_and_machine_options_complete_by_their_flag_alone():
    import click

    from dfwctl.cli.addresses import ADDRESS, MACHINE
    from dfwctl.cli.command import Command
    from dfwctl.cli.main import cli

    @click.command(cls=Command)
    @click.argument("playbook")
    @click.option("--target", "targets", multiple=True)
    @click.option("--replace")
    @click.option("--other")
    def anything(playbook, targets, replace, other):
        """A command declared as any dfwctl command is."""

    types = {p.name: p.type for p in anything.params}
    assert types["targets"] is ADDRESS and types["replace"] is ADDRESS
    assert types["other"] is click.STRING and types["playbook"] is click.STRING
    for name in ("plan", "apply", "destroy", "status"):
        machine = next(p for p in cli.commands[name].params if p.name == "machines")
        assert machine.type is MACHINE, name


NEEDS_A_PROFILE = """\
version: 1
name: lab
containers:
  web: {image: nginx:1.27, depends_on: [db]}
  db: {image: postgres:16, profiles: [data]}
"""


def test_addresses_complete_with_the_profiles_on_the_command_line(shim, tmp_path):
    """A playbook whose always-on container needs one of a profile loads, for completion, as
    the command will load it: with the --profile (or DFWCTL_PROFILES) given."""
    path = tmp_path / "p.yml"
    path.write_text(NEEDS_A_PROFILE, encoding="utf-8")
    env = {k: v for k, v in shim.items() if k != "DFWCTL_PROFILES"}
    assert not [r for r in complete_pwsh(env, f"dfwctl status {path} docker.container.") if r[0]]
    both = [["plain", "docker.container.web"], ["plain", "docker.container.db"]]
    assert sorted(complete_pwsh(env, f"dfwctl status {path} --profile data docker.container.")) \
        == sorted(both)
    assert sorted(complete_pwsh(dict(env, DFWCTL_PROFILES="data"),
                                f"dfwctl plan {path} --target docker.container.")) == sorted(both)


def test_a_command_that_acts_on_no_container_completes_whatever_the_profiles(shim, tmp_path):
    path = tmp_path / "p.yml"
    path.write_text(PLAYBOOK + "  db: {image: postgres:16, profiles: [data]}\n"
                    "  api: {image: busybox, depends_on: [db]}\n", encoding="utf-8")
    env = {k: v for k, v in shim.items() if k != "DFWCTL_PROFILES"}
    assert complete_pwsh(env, f"dfwctl unlock {path} --machine w") == [["plain", "win10"]]
    refused = complete_pwsh(env, f"dfwctl plan {path} --machine w")  # plan refuses it
    assert not [r for r in refused if r[0]]
