"""read_status over several machines, with stand-in providers (the pipeline's part, not the
providers'): every part read once, what waits for a VM change not read, a machine that does
not answer listed (a plan fails on it), and the drift found under each machine's addresses."""
from __future__ import annotations

from typing import List

import pytest

from dfwctl.errors import UnreachableError
from dfwctl.pipeline import make_plan, read_status
from dfwctl.plan import Action, Change, PlanOptions, PlanPart
from dfwctl.status import Item, StatusPart, render_status
from tests.builders import playbook

LAB = {
    "name": "lab",
    "machines": {"pc": {"connect": "local"},
                 "win10": {"vm": "WIN10", "host": "pc", "user": "u",
                           "docker": "tcp://win10:2375"},
                 "box": {"connect": "local", "docker": "tcp://box:2375"}},
    "hyperv": {"machine": "pc", "vms": {"WIN10": {"processors": 4}}},
    "engine": {"machine": ["win10", "box"]},
    "containers": {"web": {"image": "busybox"}},
}


class Standin:
    """A provider that finds one item and plans `changes` of it; `down` fails its read as a
    machine that does not answer."""

    def __init__(self, name: str, machine: str, layer: int, changes=(), down: bool = False):
        self.name, self.machine, self.layer = name, machine, layer
        self.endpoint = f"{name}@{machine}"
        self.changes = tuple(changes)
        self.down = down
        self.reads: List[str] = []

    def _part(self) -> PlanPart:
        self.reads.append("read")
        if self.down:
            raise UnreachableError(f"{self.machine} does not answer")
        return PlanPart(self.name, self.endpoint, self.changes, fingerprint=self.endpoint)

    def plan(self, desired, options):
        return self._part()

    def status(self, desired) -> StatusPart:
        part = self._part()
        item = Item(f"{self.name}.thing.one", "thing", "one", "fine")
        return StatusPart(self.name, self.endpoint, (item,), part)


def restart_vm() -> Change:
    return Change("hyperv", "hyperv.vm.WIN10", "vm", "WIN10", Action.UPDATE,
                  reasons=("processors changed",), downtime="WIN10")


def test_each_part_is_read_once_and_a_vm_change_defers_what_runs_inside():
    desired = playbook(LAB)
    providers = [Standin("hyperv", "pc", 0, [restart_vm()]), Standin("docker", "win10", 2),
                 Standin("docker", "box", 2)]
    status = read_status(desired, providers)
    assert [p.reads for p in providers] == [["read"], [], ["read"]]
    addressed = [i.address for part in status.parts for i in part.items]
    assert addressed == ["pc:hyperv.thing.one", "box:docker.thing.one"]
    assert [d.machine for d in status.plan.deferred] == ["win10"]
    text = render_status(status)
    assert "hyperv on pc (hyperv@pc):" in text and "docker on box (docker@box):" in text
    assert "Not read (a plan reads them once what they wait for is done):\n  docker on win10: " \
        "VM WIN10 on pc is off, or this plan stops it" in text


def test_a_machine_that_does_not_answer_is_listed_where_a_plan_fails():
    desired = playbook(LAB)

    def lab():
        return [Standin("hyperv", "pc", 0), Standin("docker", "win10", 2, down=True),
                Standin("docker", "box", 2)]

    with pytest.raises(UnreachableError, match="win10 does not answer"):
        make_plan(desired, lab(), PlanOptions())
    status = read_status(desired, lab())
    assert [(u.provider, u.machine) for u in status.plan.unreadable] == [("docker", "win10")]
    assert not status.in_sync
    text = render_status(status)
    assert "Could not be read:\n  docker on win10: win10 does not answer\n" in text
    assert text.endswith("Out of sync: what could not be read is unknown (`dfwctl plan` says "
                         "more).\n")


def test_drift_is_found_under_the_machines_address():
    desired = playbook(LAB)
    change = Change("docker", "docker.thing.one", "thing", "one", Action.REPLACE,
                    reasons=("it moved",), destructive=True)
    status = read_status(desired, [Standin("docker", "box", 2, [change])])
    (item,) = status.parts[0].items
    assert item.address == "box:docker.thing.one"
    assert status.drift(item).action is Action.REPLACE
    assert "      -/+ drift: it moved\n        apply replaces it [destructive]\n" in render_status(status)
