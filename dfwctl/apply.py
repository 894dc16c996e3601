"""Apply a plan: run its changes as a DAG, independent ones in parallel (bounded), each only
after everything it depends on succeeded. A failure skips only what depends on it.

A change is carried out by running its steps in order with the runner of its provider
(`StepPerformer`); apply knows steps, not providers."""
from __future__ import annotations

import time
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Mapping, Optional, Protocol, Sequence, Set, Tuple

from dfwctl import interrupt, timeouts
from dfwctl.errors import DfwctlError, UnreachableError
from dfwctl.logs import get_logger
from dfwctl.plan import Action, Change, Failure, Guard, Manual, Plan, Step

log = get_logger(__name__)

APPLIED, FAILED, SKIPPED = "applied", "failed", "skipped"
DEFAULT_PARALLELISM = 8

Progress = Callable[[str], None]
Perform = Callable[[Change, Progress], None]


class StepRunner(Protocol):
    """What a provider offers apply (see providers/base.py)."""

    def run(self, step: Step, progress: Progress) -> None: ...

    def holds(self, guard: Guard, progress: Progress) -> bool: ...

    def recover(self, failure: Failure) -> DfwctlError: ...


class StepPerformer:
    """Performs a change: its steps in order, each announced, by the runner of the change's
    provider. A Guard that does not hold swaps the rest of the steps for its `otherwise`; a
    failed step is handed to the runner to recover from, and its error is raised."""

    def __init__(self, runners: Mapping[Tuple[str, str], StepRunner]):
        self.runners = runners  # by (provider, machine)

    @classmethod
    def of(cls, providers: Sequence[Any]) -> "StepPerformer":
        """For providers that have a name and a machine."""
        return cls({(p.name, p.machine): p for p in providers})

    def __call__(self, change: Change, progress: Progress) -> None:
        runner = self.runners.get((change.provider, change.machine))
        if runner is None:
            where = f" on {change.machine}" if change.machine else ""
            raise DfwctlError(f"{change.address}: no provider {change.provider!r}{where} in "
                              "this run")
        done: List[Step] = []
        pending = list(change.steps)
        while pending:
            step = pending.pop(0)
            progress(step.text)
            try:
                if isinstance(step, Guard):
                    if not runner.holds(step, progress):
                        pending = list(step.otherwise)
                elif not isinstance(step, Manual):
                    runner.run(step, progress)
            except DfwctlError as exc:
                raise runner.recover(Failure(change, tuple(done), step, tuple(pending), exc)
                                     ) from None
            done.append(step)


class Events(Protocol):
    def started(self, change: Change) -> None: ...
    def progress(self, change: Change, line: str) -> None: ...
    def finished(self, change: Change, outcome: "Outcome") -> None: ...


@dataclass(frozen=True)
class Outcome:
    address: str
    action: Action
    status: str  # applied | failed | skipped
    message: str = ""
    seconds: float = 0.0
    machine: str = ""


@dataclass(frozen=True)
class ApplyResult:
    outcomes: Tuple[Outcome, ...]

    def count(self, status: str) -> int:
        return sum(1 for o in self.outcomes if o.status == status)

    @property
    def ok(self) -> bool:
        return all(o.status == APPLIED for o in self.outcomes)


class Executor:
    def __init__(self, perform: Perform, events: Events, parallelism: int = DEFAULT_PARALLELISM):
        if parallelism < 1:
            raise DfwctlError("--parallelism must be at least 1")
        self.perform = perform
        self.events = events
        self.parallelism = parallelism
        # (provider, machine) -> why it stopped answering: its other changes do not start
        self.silent: Dict[Tuple[str, str], str] = {}

    def _one(self, change: Change) -> Outcome:
        started = time.monotonic()
        self.events.started(change)
        log.info("change_started", address=change.address, action=change.action.value)
        try:
            self.perform(change, lambda line: self.events.progress(change, line))
        except DfwctlError as exc:
            seconds = time.monotonic() - started
            # info: the user reads the failure once, in the progress line and the summary
            log.info("change_failed", address=change.address, error=exc.message)
            if isinstance(exc, UnreachableError):
                self.silent.setdefault((change.provider, change.machine), exc.message)
            return Outcome(change.address, change.action, FAILED, str(exc), seconds,
                           change.machine)
        seconds = time.monotonic() - started
        log.info("change_applied", address=change.address, seconds=round(seconds, 3))
        return Outcome(change.address, change.action, APPLIED, "", seconds, change.machine)

    def run(self, plan: Plan) -> ApplyResult:
        todo: List[Change] = [c for c in plan.changes if c.action is not Action.NOOP]
        planned = {c.address for c in todo}
        outcomes: Dict[str, Outcome] = {}
        running: Dict[Future[Outcome], Change] = {}
        with ThreadPoolExecutor(max_workers=self.parallelism, thread_name_prefix="apply") as pool:
            try:
                while todo or running:
                    todo = self._skip_blocked(todo, outcomes)
                    todo = self._skip_stopped(todo, outcomes)
                    for change in [c for c in todo if self._ready(c, outcomes, planned)]:
                        if len(running) >= self.parallelism:
                            break
                        running[pool.submit(self._one, change)] = change
                        todo.remove(change)
                    if not running:
                        if todo:  # unreachable for an ordered plan; never spin
                            raise DfwctlError("apply: changes wait on changes not in the plan")
                        continue
                    done, _ = wait(running, return_when=FIRST_COMPLETED)
                    for future in done:
                        change = running.pop(future)
                        outcome = future.result()
                        outcomes[change.address] = outcome
                        self.events.finished(change, outcome)
            except KeyboardInterrupt:
                for change in todo:
                    outcomes[change.address] = Outcome(change.address, change.action, SKIPPED,
                                                       "interrupted", machine=change.machine)
                for future, change in running.items():
                    outcomes[change.address] = future.result()
                raise
        order = [c.address for c in plan.changes if c.address in outcomes]
        return ApplyResult(tuple(outcomes[a] for a in order))

    @staticmethod
    def _ready(change: Change, outcomes: Dict[str, Outcome], planned: Set[str]) -> bool:
        return all(d in outcomes and outcomes[d].status == APPLIED for d in change.depends_on) \
            and all(a in outcomes for a in change.after if a in planned)

    def _skip_stopped(self, todo: List[Change], outcomes: Dict[str, Outcome]) -> List[Change]:
        """Skip what must not start: everything once apply is asked to stop or its --timeout
        ran out, and the changes of a provider whose machine stopped answering."""
        reason = None
        if interrupt.requested():
            reason = "apply was interrupted"
        elif (left := timeouts.remaining()) is not None and left <= 0:
            reason = f"the command's --timeout of {timeouts.waited_text('--timeout')} ran out"
        remaining = []
        for change in todo:
            why = reason
            silent = self.silent.get((change.provider, change.machine))
            if why is None and silent is not None:
                where = f"{change.provider} on {change.machine}" if change.machine \
                    else change.provider
                why = f"{where} stopped answering ({silent})"
            if why is None:
                remaining.append(change)
                continue
            outcome = Outcome(change.address, change.action, SKIPPED, f"not started: {why}",
                              machine=change.machine)
            outcomes[change.address] = outcome
            self.events.finished(change, outcome)
        return remaining

    def _skip_blocked(self, todo: List[Change], outcomes: Dict[str, Outcome]) -> List[Change]:
        """Skip changes whose dependencies failed or were skipped (transitively)."""
        remaining = list(todo)
        progress = True
        while progress:
            progress = False
            for change in list(remaining):
                blocked = [d for d in change.depends_on
                           if d in outcomes and outcomes[d].status != APPLIED]
                if blocked:
                    outcome = Outcome(change.address, change.action, SKIPPED,
                                      f"{blocked[0]} {outcomes[blocked[0]].status}",
                                      machine=change.machine)
                    outcomes[change.address] = outcome
                    self.events.finished(change, outcome)
                    remaining.remove(change)
                    progress = True
        return remaining


def apply_plan(plan: Plan, perform: Perform, events: Events,
               parallelism: Optional[int] = None) -> ApplyResult:
    return Executor(perform, events, parallelism or DEFAULT_PARALLELISM).run(plan)
