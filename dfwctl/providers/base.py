"""What every provider is: the interface the pipeline and apply use, and the run settings."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional, Protocol

from dfwctl.plan import Change, Plan
from dfwctl.providers.docker.diff import DiffOptions
from dfwctl.providers.docker.model import Desired

Progress = Callable[[str], None]


@dataclass(frozen=True)
class RunSettings:
    """Options of a run that providers need (the CLI fills them)."""

    exit_wait: Optional[float] = None  # seconds to wait for a `state: exited` container
    no_restart: bool = False  # Docker Desktop: write settings but leave the restart to the user


class Provider(Protocol):
    name: str  # the first part of its addresses
    layer: int  # lower layers are applied first
    endpoint: str  # what it talks to, for messages and the apply lock

    def plan(self, desired: Desired, options: DiffOptions) -> Plan: ...

    def perform(self, change: Change, progress: Progress) -> None: ...
