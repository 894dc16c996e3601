"""The apply executor: a DAG of changes, run in parallel up to a bound, where a failure skips
only what depends on it. Plans are built directly from Change values."""
from __future__ import annotations

import threading
import time

import pytest

from dfwctl.apply import (
    APPLIED,
    FAILED,
    SKIPPED,
    ApplyResult,
    Executor,
    Outcome,
    StepPerformer,
    apply_plan,
)
from dfwctl.errors import DfwctlError, EngineError
from dfwctl.plan import Action, Change, Guard, Manual, Plan, Step


def change(name, *depends_on, action=Action.CREATE, kind="container"):
    return Change("docker", f"docker.{kind}.{name}", kind, name, action,
                  depends_on=tuple(f"docker.container.{d}" for d in depends_on))


def plan_of(*changes):
    return Plan(playbook="exec-dev", endpoint="unix:///var/run/docker.sock",
                changes=tuple(changes))


class Recorder:
    """A perform function and an events sink in one: records calls, checks that every
    change starts after its dependencies finished, and tracks concurrency."""

    def __init__(self, fail=(), delay=0.03, want_overlap=0):
        self.fail = {f"docker.container.{n}" for n in fail}
        self.delay = delay
        self.lock = threading.Lock()
        self.performed = []
        self.finished_perform = set()
        self.early = []  # changes started before a dependency finished
        self.active = 0
        self.max_active = 0
        self.overlap = threading.Event()
        self.want_overlap = want_overlap
        self.events = []

    # perform ----------------------------------------------------------------------------------
    def __call__(self, change, progress):
        with self.lock:
            self.performed.append(change.address)
            if not set(change.depends_on) <= self.finished_perform:
                self.early.append(change.address)
            self.active += 1
            self.max_active = max(self.max_active, self.active)
            if self.want_overlap and self.active >= self.want_overlap:
                self.overlap.set()
        try:
            progress(f"working on {change.name}")
            if self.want_overlap:
                self.overlap.wait(timeout=2)  # wait for a peer; never hang
            time.sleep(self.delay)
            if change.address in self.fail:
                raise EngineError(f"create container {change.name}: boom")
        finally:
            with self.lock:
                self.active -= 1
                self.finished_perform.add(change.address)

    # events -----------------------------------------------------------------------------------
    def started(self, change):
        with self.lock:
            self.events.append(("started", change.address))

    def progress(self, change, line):
        with self.lock:
            self.events.append(("progress", change.address, line))

    def finished(self, change, outcome):
        with self.lock:
            self.events.append(("finished", change.address, outcome.status))


def statuses(result):
    return {o.address.rsplit(".", 1)[-1]: o.status for o in result.outcomes}


DIAMOND = (
    change("base"),
    change("left", "base"),
    change("right", "base"),
    change("top", "left", "right"),
    change("alone"),
)


def test_every_change_runs_after_its_dependencies():
    rec = Recorder()
    result = Executor(rec, rec, parallelism=4).run(plan_of(*DIAMOND))
    assert result.ok
    assert rec.early == []
    assert sorted(rec.performed) == sorted(c.address for c in DIAMOND)
    assert rec.performed.index("docker.container.top") > rec.performed.index(
        "docker.container.left")


def test_a_chain_runs_in_order_even_with_many_workers():
    chain = [change("c0")] + [change(f"c{i}", f"c{i - 1}") for i in range(1, 6)]
    rec = Recorder(delay=0.005)
    result = Executor(rec, rec, parallelism=8).run(plan_of(*chain))
    assert result.ok
    assert rec.performed == [c.address for c in chain]
    assert rec.max_active == 1


def test_a_failure_skips_exactly_its_transitive_dependents():
    changes = (
        change("base"),
        change("broken", "base"),
        change("child", "broken"),
        change("grandchild", "child"),
        change("also", "grandchild", "base"),
        change("sibling", "base"),
        change("alone"),
    )
    rec = Recorder(fail={"broken"})
    result = Executor(rec, rec, parallelism=3).run(plan_of(*changes))
    assert statuses(result) == {
        "base": APPLIED, "broken": FAILED, "child": SKIPPED, "grandchild": SKIPPED,
        "also": SKIPPED, "sibling": APPLIED, "alone": APPLIED,
    }
    assert not result.ok
    assert (result.count(APPLIED), result.count(FAILED), result.count(SKIPPED)) == (3, 1, 3)
    skipped = {c.address for c in changes} - set(rec.performed)
    assert skipped == {"docker.container.child", "docker.container.grandchild",
                       "docker.container.also"}
    by_address = {o.address: o for o in result.outcomes}
    assert "boom" in by_address["docker.container.broken"].message
    assert by_address["docker.container.child"].message == "docker.container.broken failed"
    assert by_address["docker.container.grandchild"].message == "docker.container.child skipped"


def test_independent_failures_do_not_stop_each_other():
    changes = [change(f"c{i}") for i in range(6)]
    rec = Recorder(fail={"c1", "c4"})
    result = Executor(rec, rec, parallelism=2).run(plan_of(*changes))
    assert statuses(result) == {"c0": APPLIED, "c1": FAILED, "c2": APPLIED,
                                "c3": APPLIED, "c4": FAILED, "c5": APPLIED}


@pytest.mark.parametrize("parallelism", [1, 2, 3])
def test_parallelism_is_bounded_and_reached(parallelism):
    changes = [change(f"c{i}") for i in range(8)]
    rec = Recorder(delay=0.02, want_overlap=min(parallelism, 2) if parallelism > 1 else 0)
    result = Executor(rec, rec, parallelism=parallelism).run(plan_of(*changes))
    assert result.ok
    assert rec.max_active <= parallelism
    if parallelism == 1:
        assert rec.max_active == 1
    else:
        assert rec.max_active > 1


def test_outcomes_follow_the_plan_order_not_the_finish_order():
    slow_first = (change("slow"), change("fast"), change("after", "fast"))

    class Slow(Recorder):
        def __call__(self, c, progress):
            if c.name == "slow":
                time.sleep(0.15)
            super().__call__(c, progress)

    rec = Slow(delay=0.0)
    result = Executor(rec, rec, parallelism=2).run(plan_of(*slow_first))
    assert [o.address for o in result.outcomes] == [c.address for c in slow_first]
    finished = [e[1] for e in rec.events if e[0] == "finished"]
    assert finished[-1] == "docker.container.slow"


def test_events_are_sent_for_every_change():
    rec = Recorder(fail={"left"})
    Executor(rec, rec, parallelism=2).run(plan_of(*DIAMOND))
    by_change = {}
    for event in rec.events:
        by_change.setdefault(event[1], []).append(event[0] if event[0] != "finished"
                                                  else f"finished:{event[2]}")
    assert by_change["docker.container.base"] == ["started", "progress", "finished:applied"]
    assert by_change["docker.container.left"] == ["started", "progress", "finished:failed"]
    assert by_change["docker.container.top"] == ["finished:skipped"]
    progress = [e for e in rec.events if e[0] == "progress" and e[1].endswith(".right")]
    assert progress == [("progress", "docker.container.right", "working on right")]


def test_noop_changes_are_not_performed():
    rec = Recorder()
    result = Executor(rec, rec).run(plan_of(change("x", action=Action.NOOP), change("y")))
    assert rec.performed == ["docker.container.y"]
    assert [o.address for o in result.outcomes] == ["docker.container.y"]


def test_an_empty_plan_is_ok():
    rec = Recorder()
    result = apply_plan(plan_of(), rec, rec)
    assert result == ApplyResult(())
    assert result.ok


def test_a_dependency_outside_the_plan_is_an_error_not_a_hang():
    rec = Recorder()
    with pytest.raises(DfwctlError, match="not in the plan"):
        Executor(rec, rec).run(plan_of(change("x", "ghost")))


def test_parallelism_below_one_is_refused():
    rec = Recorder()
    with pytest.raises(DfwctlError, match="at least 1"):
        Executor(rec, rec, parallelism=0)


def test_outcomes_carry_action_and_duration():
    rec = Recorder(delay=0.02)
    (outcome,) = Executor(rec, rec).run(plan_of(change("x", action=Action.REPLACE))).outcomes
    assert isinstance(outcome, Outcome)
    assert outcome.action is Action.REPLACE and outcome.status == APPLIED
    assert outcome.seconds >= 0.02


# a change's steps -----------------------------------------------------------------------------
class Runner:
    """A provider's step runner that records what it is asked to do."""

    def __init__(self, fail_on=None, holds=True):
        self.ran = []
        self.fail_on = fail_on
        self.answer = holds
        self.failures = []

    def run(self, step, progress):
        if step.text == self.fail_on:
            raise EngineError(f"{step.text}: boom")
        self.ran.append(step.text)

    def holds(self, guard, progress):
        self.ran.append(f"? {guard.text}")
        return self.answer

    def recover(self, failure):
        self.failures.append(failure)
        return EngineError(f"recovered: {failure.error.message}")


def stepped(*steps, provider="docker"):
    return Change(provider, "docker.container.x", "container", "x", Action.REPLACE,
                  steps=tuple(steps))


def test_steps_run_in_order_each_announced_and_manual_steps_only_shown():
    runner, lines = Runner(), []
    StepPerformer({("docker", ""): runner})(
        stepped(Step("create"), Manual("reboot by hand"), Step("start")), lines.append)
    assert runner.ran == ["create", "start"]
    assert lines == ["create", "reboot by hand", "start"]


@pytest.mark.parametrize("holds, ran", [
    (True, ["? same image?", "create", "start"]),
    (False, ["? same image?", "update"]),
])
def test_a_guard_that_does_not_hold_swaps_the_rest_for_its_otherwise(holds, ran):
    runner = Runner(holds=holds)
    guard = Guard("same image?", otherwise=(Step("update"),))
    StepPerformer({("docker", ""): runner})(stepped(guard, Step("create"), Step("start")),
                                      lambda line: None)
    assert runner.ran == ran


def test_a_failed_step_is_handed_to_its_provider_with_what_ran_and_what_did_not():
    runner = Runner(fail_on="stop")
    steps = (Step("create"), Step("stop"), Step("rename"), Step("start"))
    with pytest.raises(EngineError, match="recovered: stop: boom"):
        StepPerformer({("docker", ""): runner})(stepped(*steps), lambda line: None)
    (failure,) = runner.failures
    assert failure.done == steps[:1] and failure.failed == steps[1]
    assert failure.pending == steps[2:]
    assert runner.ran == ["create"]


def test_a_change_of_a_provider_not_in_the_run_is_an_error():
    with pytest.raises(DfwctlError, match="no provider 'hyperv' in this run"):
        StepPerformer({("docker", ""): Runner()})(stepped(Step("x"), provider="hyperv"),
                                            lambda line: None)


def test_a_change_after_another_waits_for_it_but_not_for_its_success():
    """depends_on with required: false: ordered after the dependency, never skipped by it."""
    dependency = change("db")
    soft = Change("docker", "docker.container.app", "container", "app", Action.CREATE,
                  after=("docker.container.db",))
    rec = Recorder(fail={"db"})
    result = Executor(rec, rec, parallelism=4).run(plan_of(soft, dependency))
    assert statuses(result) == {"db": FAILED, "app": APPLIED}
    assert rec.performed == ["docker.container.db", "docker.container.app"]


def test_after_ignores_what_is_not_in_the_plan():
    soft = Change("docker", "docker.container.app", "container", "app", Action.CREATE,
                  after=("docker.container.gone",))
    rec = Recorder()
    assert Executor(rec, rec).run(plan_of(soft)).ok
