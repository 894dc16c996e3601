"""Machines in a playbook: where each part applies, addresses that carry their machine, layer
order per machine, and the parts that wait for a VM change."""
from __future__ import annotations

import pytest

from dfwctl.combine import combine
from dfwctl.errors import DfwctlError
from dfwctl.machines.deferral import deferral
from dfwctl.machines.model import THIS, Machines, MachineSpec, prefix
from dfwctl.plan import Action, Change, Deferred, PlanPart
from dfwctl.providers.base import RunSettings
from dfwctl.providers.select import providers_for
from tests.builders import playbook

LAB = {
    "name": "lab",
    "machines": {
        "pc": {"connect": "simulator:/tmp/pc.json"},
        "win10": {"vm": "WIN10", "host": "pc", "user": "chicken"},
        "win11": {"vm": "WIN11", "host": "pc", "docker": "tcp://win11:2376"},
    },
    "hyperv": {"machine": "pc", "vms": {"WIN10": {}, "WIN11": {}}},
    "docker_desktop": {"machine": ["win10", "win11"], "shared_drives": ["C"]},
    "engine": {"machine": ["win10", "win11"]},
    "containers": {"web": {"image": "busybox"}},
}


def test_without_machines_everything_is_on_this_machine():
    machines = playbook({"name": "p", "containers": {"a": {"image": "busybox"}}}).machines
    assert (machines.named, machines.hyperv, machines.desktop, machines.engine) == (
        False, THIS, (THIS,), (THIS,))
    assert prefix(THIS, "docker.container.a") == "docker.container.a"
    assert machines.shown(THIS) == "this machine"


def test_the_model_reads_each_part_and_machine():
    machines = playbook(LAB).machines
    assert machines.hyperv == "pc"
    assert machines.desktop == ("win10", "win11") and machines.engine == ("win10", "win11")
    assert machines.guests_of("pc") == {"WIN10": "win10", "WIN11": "win11"}
    win10 = machines.spec("win10")
    assert (win10.is_guest, win10.user, win10.password_variable) == (
        True, "chicken", "DFWCTL_PASSWORD_WIN10")
    assert MachineSpec("lab-pc.2", password_env="MINE").password_variable == "MINE"
    assert MachineSpec("lab-pc.2").password_variable == "DFWCTL_PASSWORD_LAB_PC_2"
    assert machines.shown("win10") == "win10 (VM WIN10 on pc)" and machines.shown("pc") == "pc"


def test_one_provider_per_part_and_machine_and_machine_limits_them():
    desired = playbook(LAB)
    found = [(p.name, p.machine) for p in providers_for(desired, RunSettings())]
    assert found == [("hyperv", "pc"), ("desktop", "win10"), ("desktop", "win11"),
                     ("docker", "win10"), ("docker", "win11")]
    only = [(p.name, p.machine) for p in providers_for(desired, RunSettings(), only=["win11"])]
    assert only == [("desktop", "win11"), ("docker", "win11")]
    with pytest.raises(DfwctlError, match="--machine win12: the playbook has no such machine "
                                          r"\(its machines: pc, win10, win11\)"):
        providers_for(desired, RunSettings(), only=["win12"])


def _vm(name, downtime=True):
    return Change("hyperv", f"hyperv.vm.{name}", "vm", name, Action.UPDATE,
                  downtime=name if downtime else "")


def _box(name="web"):
    return Change("docker", f"docker.container.{name}", "container", name, Action.CREATE)


def test_addresses_carry_their_machine_and_layers_wait_per_machine():
    desired = playbook(LAB)
    parts = [PlanPart("hyperv", "h", (_vm("WIN10", False), _vm("WIN11", False)), machine="pc"),
             PlanPart("desktop", "d10", (Change("desktop", "desktop.settings", "settings", "s",
                                                Action.UPDATE),), machine="win10"),
             PlanPart("docker", "e10", (_box(),), machine="win10"),
             PlanPart("docker", "e11", (_box(),), machine="win11")]
    plan = combine(desired, parts)
    deps = {c.address: c.depends_on for c in plan.changes}
    assert list(deps) == ["pc:hyperv.vm.WIN10", "pc:hyperv.vm.WIN11", "win10:desktop.settings",
                          "win10:docker.container.web", "win11:docker.container.web"]
    # each machine waits for its own VM and its own lower layers only: a failure on one
    # machine stops only that machine's later layers
    assert deps["win10:desktop.settings"] == ("pc:hyperv.vm.WIN10",)
    assert deps["win10:docker.container.web"] == ("pc:hyperv.vm.WIN10", "win10:desktop.settings")
    assert deps["win11:docker.container.web"] == ("pc:hyperv.vm.WIN11",)
    assert {c.machine for c in plan.changes} == {"pc", "win10", "win11"}


def test_a_guest_waits_for_a_change_that_takes_its_vm_down():
    machines = playbook(LAB).machines
    hyperv = PlanPart("hyperv", "h", (_vm("WIN10"), _vm("WIN11", False)), machine="pc")
    waiting = deferral(machines, "desktop", "win10", [hyperv], [])
    assert waiting is not None and waiting.waits_for == ("pc:hyperv.vm.WIN10",)
    assert "VM WIN10 on pc is off, or this plan stops it" in waiting.reason
    assert deferral(machines, "desktop", "win11", [hyperv], []) is None  # only online changes
    later = deferral(machines, "docker", "win10", [hyperv], [waiting])
    assert later == Deferred("docker", "win10", "it comes after desktop on win10 (VM WIN10 on "
                             "pc), which waits too", ("pc:hyperv.vm.WIN10",))
    assert deferral(machines, "hyperv", "pc", [], []) is None
    assert deferral(Machines(), "docker", THIS, [hyperv], []) is None
