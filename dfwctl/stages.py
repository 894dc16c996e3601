"""apply across a VM restart: converge in rounds. Each round shows its plan, asks before
destructive changes, and applies it; when parts of the playbook were deferred (their machine is
a VM that the round started or restarted), apply waits for those machines to answer (bounded,
with progress), plans again, and goes on. One apply takes an environment from a bare VM to
running containers.

The steps a round takes are given as functions, so this module knows rounds, not providers or
the terminal."""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable, List, Optional, Sequence

from dfwctl import timeouts
from dfwctl.apply import ApplyResult, Outcome
from dfwctl.errors import DfwctlError, UnreachableError
from dfwctl.plan import Deferred, Plan
from dfwctl.waits import DEFAULT_WAIT

MAX_ROUNDS = 6  # a VM that restarts, then Docker Desktop, then the engine: three at most

Replan = Callable[[], Plan]
RunRound = Callable[[Plan, int], ApplyResult]  # show, ask, apply; the round's number from 1
Say = Callable[[str], None]


@dataclass(frozen=True)
class Waiting:
    """How long to wait for deferred machines, and how to pass the time."""

    timeout: float = DEFAULT_WAIT
    interval: float = 2.0
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep


def _machines(deferred: Sequence[Deferred]) -> str:
    names = sorted({d.machine or "this machine" for d in deferred})
    return ", ".join(names)


def replan_when_ready(replan: Replan, deferred: Sequence[Deferred], waiting: Waiting,
                      say: Say) -> Plan:
    """Plan again once the deferred machines answer: until then a plan fails with
    UnreachableError (a VM still booting, an engine still starting)."""
    started = waiting.clock()
    last: Optional[UnreachableError] = None
    shown = -1.0
    while True:
        try:
            return replan()
        except UnreachableError as exc:
            last = exc
        waited = waiting.clock() - started
        timeouts.check(f"{_machines(deferred)} answered"
                       + (f" (the last answer: {last.message})" if last else ""))
        if waited >= waiting.timeout:
            raise DfwctlError(
                f"{_machines(deferred)} did not answer within {waiting.timeout:.0f}s after the "
                f"changes they wait for: {last.message if last else 'no answer'}",
                "check the VM in Hyper-V Manager (has it booted? is Docker Desktop running?), "
                "then run apply again; --wait-timeout gives it longer")
        if waited - shown >= 10 or shown < 0:
            say(f"waiting for {_machines(deferred)} to answer ({waited:.0f}s): "
                f"{last.message if last else ''}".rstrip(": "))
            shown = waited
        waiting.sleep(waiting.interval)


def converge(first: Plan, replan: Replan, run_round: RunRound, say: Say,
             waiting: Waiting = Waiting()) -> ApplyResult:
    """Apply `first`, then the rounds its deferred parts need; every round's outcomes, in
    order. Stops at the first round that does not fully succeed."""
    plan = first
    outcomes: List[Outcome] = []
    for number in range(1, MAX_ROUNDS + 1):
        result = run_round(plan, number)
        outcomes.extend(result.outcomes)
        if not result.ok or not plan.deferred:
            return ApplyResult(tuple(outcomes))
        say(f"round {number} done; planning what waited for it: "
            + "; ".join(f"{d.provider} on {d.machine or 'this machine'}" for d in plan.deferred))
        previous = plan.deferred
        plan = replan_when_ready(replan, previous, waiting, say)
        if plan.deferred and not plan.has_changes:
            waits = ", ".join(sorted({a for d in plan.deferred for a in d.waits_for}))
            raise DfwctlError(f"{_machines(plan.deferred)} still cannot be read: they wait for "
                              f"{waits}, which the plan no longer changes",
                              "run `dfwctl plan` to see why")
    raise DfwctlError(f"apply stopped after {MAX_ROUNDS} rounds with parts still waiting: "
                      f"{_machines(plan.deferred)}", "run `dfwctl plan` to see what is left")
