"""The Docker provider: gather the engine, diff, perform (layer 2: after Hyper-V and Docker
Desktop, which decide what engine there is)."""
from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Optional

from dfwctl.desired import Desired
from dfwctl.errors import DfwctlError
from dfwctl.plan import Failure, Guard, PlanOptions, PlanPart, Step
from dfwctl.providers.base import Progress, RunSettings
from dfwctl.providers.docker.create import SourceMap
from dfwctl.providers.docker.engine import Engine
from dfwctl.status import StatusPart, status_part

if TYPE_CHECKING:  # imported when the first step runs, not when a plan is made
    from dfwctl.providers.docker.perform import DockerPerformer


class DockerProvider:
    name = "docker"
    layer = 2

    def __init__(self, settings: RunSettings, engine: Optional[Engine] = None,
                 machine: str = "", bind_source: Optional[SourceMap] = None,
                 local_engine: bool = True):
        self.settings = settings
        self.machine = machine
        self.bind_source = bind_source
        self.local_engine = local_engine  # it runs on this computer: it sees its files
        self.engine = engine or Engine()
        self.endpoint = self.engine.endpoint
        self._performer: Optional[DockerPerformer] = None
        self._lock = threading.Lock()

    def plan(self, desired: Desired, options: PlanOptions) -> PlanPart:
        from dfwctl.providers.docker.diff import diff
        from dfwctl.providers.docker.gather import gather

        renames = {a.split(":")[-1].rpartition(".")[2]: name for a, name in options.adopt_names
                   if a.split(":")[-1].startswith("docker.container.")}
        self.lock(desired)
        return diff(desired, gather(self.engine, desired, renames), options,
                    self.local_engine)

    def lock(self, desired: Desired) -> None:
        """In an apply or destroy, take the engine's lock for the playbook before reading it
        (once; providers/docker/enginelock.py)."""
        locks = self.settings.locks
        if locks is None:
            return
        from dfwctl.providers.docker.enginelock import EngineLock, identity

        key = f"docker:{identity(self.engine)}"
        locks.hold(key, lambda: EngineLock(self.engine, desired.name, locks.operation,
                                           locks.timeout, locks.say))

    def status(self, desired: Desired) -> StatusPart:
        from dfwctl.providers.docker.diff import diff
        from dfwctl.providers.docker.gather import gather
        from dfwctl.providers.docker.status import items

        actual = gather(self.engine, desired)
        return status_part(self.name, actual.engine.endpoint, items(desired, actual),
                           lambda: diff(desired, actual, PlanOptions(), self.local_engine))

    @property
    def performer(self) -> DockerPerformer:
        with self._lock:
            if self._performer is None:
                from dfwctl.providers.docker.perform import DockerPerformer

                self._performer = DockerPerformer(self.engine, self.settings.exit_wait,
                                                  self.bind_source, self.settings.waits)
            return self._performer

    def run(self, step: Step, progress: Progress) -> None:
        self.performer.run(step, progress)

    def holds(self, guard: Guard, progress: Progress) -> bool:
        return self.performer.holds(guard, progress)

    def recover(self, failure: Failure) -> DfwctlError:
        return self.performer.recover(failure)

    def settle(self, desired: Desired, say: Progress) -> None:
        """apply --wait: every container ready (healthy, or running without a check; a
        run-once container completed)."""
        from dfwctl.providers.docker.settle import settle

        settle(self.engine, desired.docker, self.settings.waits, say)
