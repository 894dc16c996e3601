"""apply in rounds: a round's deferred parts are planned once the machine they wait for
answers (bounded), and apply stops at the first round that fails."""
from __future__ import annotations

import pytest

from dfwctl.apply import APPLIED, FAILED, ApplyResult, Outcome
from dfwctl.errors import DfwctlError, UnreachableError
from dfwctl.plan import Action, Change, Deferred, Plan
from dfwctl.stages import MAX_ROUNDS, Waiting, converge

WAITS = Deferred("desktop", "win10", "VM WIN10 is off", ("pc:hyperv.vm.WIN10",))


def plan(*addresses, deferred=()):
    changes = tuple(Change("x", a, "vm", a, Action.UPDATE) for a in addresses)
    return Plan("p", "e", changes, deferred=tuple(deferred))


class Clock:
    """Time that passes only when slept."""

    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds


class Rounds:
    def __init__(self, plans, fail_round=None, unreachable=0):
        self.plans = list(plans)
        self.ran = []
        self.said = []
        self.fail_round = fail_round
        self.unreachable = unreachable  # replans that find the machine not answering yet

    def replan(self):
        if self.unreachable:
            self.unreachable -= 1
            raise UnreachableError("A remote session might have ended.")
        return self.plans.pop(0)

    def run(self, the_plan, number):
        self.ran.append((number, [c.address for c in the_plan.changes]))
        status = FAILED if number == self.fail_round else APPLIED
        return ApplyResult(tuple(Outcome(c.address, c.action, status)
                                 for c in the_plan.changes))


def test_a_plan_without_deferred_parts_is_one_round():
    rounds = Rounds([])
    result = converge(plan("a"), rounds.replan, rounds.run, rounds.said.append)
    assert rounds.ran == [(1, ["a"])] and result.ok


def test_deferred_parts_are_planned_and_applied_once_their_machine_answers():
    clock = Clock()
    rounds = Rounds([plan("win10:desktop.settings", "win10:docker.container.web")],
                    unreachable=3)
    result = converge(plan("pc:hyperv.vm.WIN10", deferred=[WAITS]), rounds.replan, rounds.run,
                      rounds.said.append, Waiting(timeout=60, interval=2, clock=clock,
                                                  sleep=clock.sleep))
    assert rounds.ran == [(1, ["pc:hyperv.vm.WIN10"]),
                          (2, ["win10:desktop.settings", "win10:docker.container.web"])]
    assert [o.address for o in result.outcomes] == [
        "pc:hyperv.vm.WIN10", "win10:desktop.settings", "win10:docker.container.web"]
    assert clock.now == 6  # three polls while the guest booted
    assert any(line.startswith("waiting for win10 to answer (0s): A remote session")
               for line in rounds.said)


def test_a_machine_that_never_answers_fails_within_the_bound():
    clock = Clock()
    rounds = Rounds([], unreachable=10**6)
    with pytest.raises(DfwctlError, match="win10 did not answer within 30s after the changes "
                                          "they wait for: A remote session might have ended"):
        converge(plan("pc:hyperv.vm.WIN10", deferred=[WAITS]), rounds.replan, rounds.run,
                 rounds.said.append, Waiting(timeout=30, interval=5, clock=clock,
                                             sleep=clock.sleep))
    assert clock.now == 30


def test_a_failed_round_stops_before_the_parts_that_waited_for_it():
    rounds = Rounds([plan("never")], fail_round=1)
    result = converge(plan("pc:hyperv.vm.WIN10", deferred=[WAITS]), rounds.replan, rounds.run,
                      rounds.said.append)
    assert not result.ok and rounds.ran == [(1, ["pc:hyperv.vm.WIN10"])]
    assert rounds.plans  # never planned


def test_parts_still_waiting_with_nothing_to_change_are_an_error_not_a_loop():
    rounds = Rounds([plan(deferred=[WAITS])])
    with pytest.raises(DfwctlError, match="still cannot be read: they wait for "
                                          "pc:hyperv.vm.WIN10, which the plan no longer changes"):
        converge(plan("pc:hyperv.vm.WIN10", deferred=[WAITS]), rounds.replan, rounds.run,
                 rounds.said.append)


def test_rounds_are_bounded():
    endless = [plan(f"r{n}", deferred=[WAITS]) for n in range(MAX_ROUNDS + 2)]
    rounds = Rounds(endless[1:])
    with pytest.raises(DfwctlError, match=f"apply stopped after {MAX_ROUNDS} rounds"):
        converge(endless[0], rounds.replan, rounds.run, rounds.said.append)
    assert len(rounds.ran) == MAX_ROUNDS
