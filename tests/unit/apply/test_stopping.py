"""apply stops cleanly: asked to stop (Ctrl-C, SIGTERM), past the command's --timeout, or when
an engine stops answering, no new change starts, what is in flight finishes, and the rest is
reported as not started with the reason."""
from __future__ import annotations

import os
import signal
import threading
import time

import pytest

from dfwctl import interrupt, timeouts
from dfwctl.apply import APPLIED, FAILED, SKIPPED, Executor
from dfwctl.errors import EngineUnreachableError
from dfwctl.plan import Action, Change, Plan


def change(name, machine=""):
    return Change("docker", f"docker.container.{name}", "container", name, Action.CREATE,
                  machine=machine)


def plan_of(*changes):
    return Plan(playbook="stop-dev", endpoint="unix:///x", changes=tuple(changes))


class Sink:
    def __init__(self):
        self.outcomes = []

    def started(self, change):
        pass

    def progress(self, change, line):
        pass

    def finished(self, change, outcome):
        self.outcomes.append(outcome)


@pytest.fixture(autouse=True)
def _fresh():
    interrupt.reset()
    yield
    interrupt.reset()
    timeouts.configure(timeouts.Timeouts())


def test_a_stop_request_lets_the_running_change_finish_and_starts_no_other():
    started = []
    release = threading.Event()

    def perform(c, progress):
        started.append(c.name)
        if c.name == "first":
            interrupt._stop.set()  # as the signal handler does, while this change runs
            release.wait(2)

    result = Executor(perform, Sink(), parallelism=1).run(
        plan_of(change("first"), change("second"), change("third")))
    assert started == ["first"]
    by = {o.address: o for o in result.outcomes}
    assert by["docker.container.first"].status == APPLIED
    for name in ("second", "third"):
        assert by[f"docker.container.{name}"].status == SKIPPED
        assert by[f"docker.container.{name}"].message == "not started: apply was interrupted"


def test_the_first_signal_during_apply_asks_to_stop_and_the_second_ends_the_process():
    said = []
    interrupt.install(said.append)
    with interrupt.graceful():
        os.kill(os.getpid(), signal.SIGTERM)
        deadline = time.monotonic() + 5
        while not interrupt.requested() and time.monotonic() < deadline:
            time.sleep(0.01)
    assert interrupt.requested()
    assert said and said[0].strip().startswith("SIGTERM: stopping")
    # outside apply a signal ends the command at once
    with pytest.raises(KeyboardInterrupt, match="^SIGTERM$"):
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(1)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)


def test_a_wait_ends_early_when_a_stop_is_asked():
    interrupt._stop.set()
    with pytest.raises(interrupt.Interrupted, match="interrupted while waiting"):
        interrupt.sleep(30)


def test_past_the_timeout_no_change_starts_and_each_says_why():
    timeouts.configure(timeouts.Timeouts(total=0))
    result = Executor(lambda c, p: None, Sink()).run(plan_of(change("a"), change("b")))
    assert {o.status for o in result.outcomes} == {SKIPPED}
    assert result.outcomes[0].message == "not started: the command's --timeout of 0s ran out"


def test_an_engine_that_stops_answering_stops_the_changes_on_it_not_on_others():
    def perform(c, progress):
        if c.name == "first":
            raise EngineUnreachableError("cannot reach the Docker Engine at unix:///x: refused")

    result = Executor(perform, Sink(), parallelism=1).run(plan_of(
        change("first", "win10"), change("second", "win10"), change("other", "win11")))
    by = {o.address: o for o in result.outcomes}
    assert by["docker.container.first"].status == FAILED
    assert by["docker.container.second"].status == SKIPPED
    assert by["docker.container.second"].message == (
        "not started: docker on win10 stopped answering (cannot reach the Docker Engine at "
        "unix:///x: refused)")
    assert by["docker.container.other"].status == APPLIED
