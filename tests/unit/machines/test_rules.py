"""What validate says about `machines:` and the `machine:` of each section: every message in
full, at the key it is about, and the spellings it must accept."""
from __future__ import annotations

from pathlib import Path

from dfwctl.load import parse
from dfwctl.validate import validate

HEAD = "version: 1\nname: lab\n"
ENGINE_HINT = ("set docker: to ssh://USER@HOST or tcp://HOST:2376 (TLS), or a Docker context "
               "(context:NAME)")


def _messages(body: str):
    doc = parse(HEAD + body, Path("p.yml"), display_name="p.yml")
    return [str(d) for d in validate(doc)]


def test_an_engine_on_a_remote_machine_needs_docker():
    assert _messages(
        "machines:\n"
        "  box:\n    connect: winrm://admin@box.lab:5986\n"           # key on line 4
        "  near:\n    connect: local\n"                               # line 6
        "  set:\n    connect: winrm://admin@set.lab:5986\n    docker: tcp://set.lab:2376\n"
        "engine:\n  machine: [box, near, set]\n") == [
        f"p.yml:5:5: machines.box: the engine of machine 'box' answers on that machine, "
        f"which dfwctl reaches only over PowerShell: {ENGINE_HINT}"]


def test_a_remote_machine_whose_engine_is_not_used_needs_no_docker():
    assert _messages(
        "machines:\n  box:\n    connect: winrm://admin@box.lab:5986\n"
        "hyperv:\n  machine: box\n") == []


def test_an_engine_inside_a_vm_needs_docker_unless_its_host_is_simulated():
    assert _messages(
        "machines:\n"
        "  pc:\n    connect: winrm://admin@pc.lab:5986\n"           # key on line 4
        "  sim:\n    connect: simulator:/tmp/pc.json\n"              # line 6
        "  vm1:\n    vm: VM1\n    host: pc\n"                        # line 8
        "  vm2:\n    vm: VM2\n    host: sim\n"                       # line 11
        "  vm3:\n    vm: VM3\n    host: pc\n    docker: ssh://me@vm3\n"
        "engine:\n  machine: [vm1, vm2, vm3]\n") == [
        f"p.yml:9:5: machines.vm1: the engine of machine 'vm1' (a VM) answers inside the VM, "
        f"which dfwctl on the host cannot reach by default: {ENGINE_HINT}"]


def test_a_vm_needs_both_vm_and_host():
    assert _messages(
        "machines:\n  pc: {}\n  half:\n    host: pc\n  other:\n    vm: X\n"
        "engine:\n  machine: [half, other]\n") == [
        "p.yml:6:5: machines.half: machine 'half' names host but not vm: a VM needs both (vm: "
        "its name in Hyper-V, host: the machine that runs it)",
        "p.yml:8:5: machines.other: machine 'other' names vm but not host: a VM needs both (vm: "
        "its name in Hyper-V, host: the machine that runs it)"]


def test_a_host_that_is_not_defined_with_and_without_a_near_name():
    assert _messages(
        "machines:\n  pc: {}\n"
        "  vm1:\n    vm: A\n    host: pcx\n    docker: ssh://me@a\n"
        "  vm2:\n    vm: B\n    host: zzzzzz\n    docker: ssh://me@b\n"
        "engine:\n  machine: [vm1, vm2]\nhyperv:\n  machine: pc\n") == [
        "p.yml:7:11: machines.vm1.host: machine 'pcx' is not defined; did you mean 'pc'?",
        "p.yml:11:11: machines.vm2.host: machine 'zzzzzz' is not defined: add it under "
        "machines"]


def test_a_vm_is_never_offered_as_its_own_host():
    assert _messages(
        "machines:\n  vm1:\n    vm: A\n    host: vm2\n    docker: ssh://me@a\n"
        "engine:\n  machine: vm1\n") == [
        "p.yml:6:11: machines.vm1.host: machine 'vm2' is not defined: add it under machines"]


def test_desktop_in_a_vm_needs_a_user_and_names_the_password_variable():
    assert _messages(
        "machines:\n  pc: {}\n"
        "  vm1:\n    vm: A\n    host: pc\n"                                   # line 6
        "  vm2:\n    vm: B\n    host: pc\n    password_env: LAB_SECRET\n"      # line 9
        "  vm3:\n    vm: C\n    host: pc\n    user: me\n"
        "docker_desktop:\n  machine: [vm1, vm2, vm3]\n") == [
        "p.yml:6:5: machines.vm1: machine 'vm1' is a VM whose Docker Desktop dfwctl sets "
        "through PowerShell Direct, which signs in to the VM: add user: (the password comes "
        "from the environment variable DFWCTL_PASSWORD_VM1)",
        "p.yml:9:5: machines.vm2: machine 'vm2' is a VM whose Docker Desktop dfwctl sets "
        "through PowerShell Direct, which signs in to the VM: add user: (the password comes "
        "from the environment variable LAB_SECRET)"]


def test_a_section_naming_an_undefined_machine():
    assert _messages(
        "machines:\n  pc: {}\n"
        "hyperv:\n  machine: pcc\n"
        "engine:\n  machine: [pc, qqqqqq]\n") == [
        "p.yml:6:12: hyperv.machine: machine 'pcc' is not defined; did you mean 'pc'?",
        "p.yml:8:17: engine.machine[1]: machine 'qqqqqq' is not defined: add it under "
        "machines, with how dfwctl reaches it"]


def test_hyperv_host_and_machine_together_and_each_alone():
    assert _messages(
        "machines:\n  pc: {}\nhyperv:\n  machine: pc\n  host: local\n") == [
        "p.yml:7:3: hyperv.host: hyperv.host and hyperv.machine both say where the VMs run: "
        "keep machine, and write the host's address as machines.<name>.connect"]
    assert _messages("machines:\n  pc: {}\nhyperv:\n  machine: pc\n") == []
    assert _messages("hyperv:\n  host: local\n") == []


def test_rules_leave_alone_what_the_schema_refused():
    """vm1 would need docker:, and Bad_Name is not defined; the schema's errors come first."""
    assert _messages(
        "machines:\n  pc: {}\n  vm1:\n    vm: A\n    host: pc\n    colour: red\n"
        "engine:\n  machine: [vm1, Bad_Name]\n") == [
        "p.yml:8:5: machines.vm1.colour: unknown key 'colour'; expected one of: connect, vm, "
        "host, user, password_env, docker",
        "p.yml:10:18: engine.machine[1]: 'Bad_Name' is not a valid name: use lowercase "
        "letters, digits, '_', '.', '-'"]


def test_every_machine_a_section_or_a_vm_uses_is_used_and_others_are_warned_about():
    assert _messages(
        "machines:\n  pc: {}\n  vm1:\n    vm: A\n    host: pc\n    user: me\n  spare: {}\n"
        "docker_desktop:\n  machine: vm1\n") == [
        "p.yml:9:10: warning: machines.spare: machine 'spare' is not used: no section names "
        "it as its machine (hyperv.machine, docker_desktop.machine or engine.machine)"]
