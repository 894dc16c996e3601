"""The Docker provider: gather the engine, diff, perform."""
from __future__ import annotations

import threading
from typing import Optional

from dfwctl.plan import Change, Plan
from dfwctl.providers.base import Progress, RunSettings
from dfwctl.providers.docker.diff import DiffOptions, diff
from dfwctl.providers.docker.engine import Engine
from dfwctl.providers.docker.model import Desired


class DockerProvider:
    name = "docker"
    layer = 2

    def __init__(self, desired: Desired, settings: RunSettings, engine: Optional[Engine] = None):
        self.desired = desired
        self.settings = settings
        self.engine = engine or Engine()
        self.endpoint = self.engine.endpoint
        self._performer = None
        self._lock = threading.Lock()

    def plan(self, desired: Desired, options: DiffOptions) -> Plan:
        from dfwctl.providers.docker.gather import gather

        return diff(desired, gather(self.engine, desired), options)

    def perform(self, change: Change, progress: Progress) -> None:
        with self._lock:
            if self._performer is None:
                from dfwctl.providers.docker.perform import DockerPerformer

                self._performer = DockerPerformer(self.engine, self.desired,
                                                  self.settings.exit_wait)
        self._performer(change, progress)
