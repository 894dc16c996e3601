"""What every provider is: the interface the pipeline and apply use, and the run settings.

A provider owns one part of the machine and the first part of its addresses: `hyperv`
(Hyper-V VMs), `desktop` (Docker Desktop's settings), `docker` (the engine's networks,
volumes, images and containers). It reads its part live and diffs it against the playbook
(`plan`, whose diff is a pure function of its own module; `status` describes the same
snapshot), and runs the steps of its own
changes (`run`, `holds` for a Guard, `recover` after a failed step). Layers order them:
hyperv, then desktop, then docker.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Optional, Protocol, runtime_checkable

from dfwctl.desired import Desired
from dfwctl.errors import DfwctlError
from dfwctl.lock import Locks
from dfwctl.plan import Failure, Guard, PlanOptions, PlanPart, Step
from dfwctl.status import StatusPart
from dfwctl.waits import WaitBounds

Progress = Callable[[str], None]


@dataclass(frozen=True)
class RunSettings:
    """Options of a run that providers need (the CLI fills them)."""

    exit_wait: Optional[float] = None  # seconds to wait for a `state: exited` container
    no_restart: bool = False  # Docker Desktop: write settings but leave the restart to the user
    waits: WaitBounds = field(default_factory=WaitBounds)  # health and completion waits
    # Hyper-V: the command line's choices over the playbook's (None: the playbook's)
    checkpoint: Optional[bool] = None  # a checkpoint around changes made while a VM is off
    allow_turn_off: bool = False  # turn a VM off when its guest does not shut down in time
    stop_timeout: Optional[int] = None  # seconds a guest gets to shut down
    # apply and destroy: the locks the run holds; a provider adds the lock of what it manages
    # (the Docker engine's) when it first reads it. None: a plan or status, which lock nothing.
    locks: Optional[Locks] = field(default=None, compare=False)


class Provider(Protocol):
    name: str  # the first part of its addresses
    layer: int  # lower layers are applied first
    endpoint: str  # what it talks to, for messages and the apply lock
    machine: str  # the machine it is on ("": the one dfwctl runs on, unnamed)

    def plan(self, desired: Desired, options: PlanOptions) -> PlanPart: ...

    def status(self, desired: Desired) -> StatusPart:
        """What it finds of the playbook's part (gathered as for a plan, no more), with the
        plan part of that same snapshot: the drift."""

    def run(self, step: Step, progress: Progress) -> None:
        """Carry out one step of one of its changes."""

    def holds(self, guard: Guard, progress: Progress) -> bool:
        """Whether a Guard's condition holds now (the change goes on as planned)."""

    def recover(self, failure: Failure) -> DfwctlError:
        """Undo or repair what a failed change left (best effort); the error to report."""


@runtime_checkable
class Settles(Protocol):
    """A provider that can wait, after an apply, until what it made is ready (`apply --wait`):
    Docker waits for every container to be healthy, or running when it has no check."""

    def settle(self, desired: Desired, say: Progress) -> None:
        """Return once everything is ready; raise DfwctlError saying what is not."""
