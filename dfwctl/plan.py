"""Plans as data: ordered Changes with per-field diffs, reasons, dependencies, flags, and the
steps that carry each one out.

Every provider plans a PlanPart; combine joins the parts into one Plan. Rendering (report,
planjson) and applying (apply) read these values; nothing here does I/O.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any, FrozenSet, Optional, Tuple

from dfwctl.errors import DfwctlError


class Action(enum.Enum):
    CREATE = "create"
    UPDATE = "update"
    REPLACE = "replace"
    DELETE = "delete"
    ADOPT = "adopt"  # take something made elsewhere under the playbook's ownership, as it is
    NOOP = "no-op"

    @property
    def symbol(self) -> str:
        return _SYMBOLS[self]


_SYMBOLS = {
    Action.CREATE: "+",
    Action.UPDATE: "~",
    Action.REPLACE: "-/+",
    Action.DELETE: "-",
    Action.ADOPT: "<=",
    Action.NOOP: " ",
}


@dataclass(frozen=True)
class PlanOptions:
    """What the user asked of a plan beyond the playbook."""

    prune: bool = False  # delete owned containers and networks no longer in the playbook
    prune_volumes: bool = False  # ... and owned volumes (their data is lost)
    destroy: bool = False  # delete everything the playbook owns
    targets: Tuple[str, ...] = ()  # --target: only these addresses and what they depend on
    replace: Tuple[str, ...] = ()  # --replace: make these again even without a diff
    # take what the playbook names and others made under its ownership, instead of stopping
    # on the name: everything (apply --adopt), or these addresses (dfwctl adopt)
    adopt_all: bool = False
    adopt: FrozenSet[str] = frozenset()
    # (address, the name the engine has it under) for a container to rename as it is adopted
    adopt_names: Tuple[Tuple[str, str], ...] = ()

    def adopts(self, address: str) -> bool:
        return self.adopt_all or address in self.adopt


@dataclass(frozen=True)
class FieldDiff:
    name: str  # e.g. "env.TZ", "restart", "state"
    before: Any
    after: Any
    forces_replacement: bool = False


@dataclass(frozen=True)
class Step:
    """One operation of a change, in the words plans and progress show for it. A provider
    subclasses it with what it needs to carry the operation out; only `text` is ever rendered
    or saved."""

    text: str


@dataclass(frozen=True)
class Manual(Step):
    """A step left to the user (a reboot, a restart dfwctl cannot make): shown, never run."""


@dataclass(frozen=True)
class Guard(Step):
    """A condition only apply can decide (the plan says what it is). When its provider finds
    that it does not hold, the change goes on with `otherwise` instead of the steps after it."""

    otherwise: Tuple[Step, ...] = ()


@dataclass(frozen=True)
class Change:
    provider: str  # the provider that planned it and carries it out: hyperv | desktop | docker
    address: str  # [machine:]provider.kind.name, e.g. docker.container.shell
    kind: str  # container | network | volume | image | vm | settings | ...
    name: str
    action: Action
    diffs: Tuple[FieldDiff, ...] = ()
    reasons: Tuple[str, ...] = ()
    depends_on: Tuple[str, ...] = ()  # addresses of changes that must finish first
    # Addresses of changes that must finish first, whether or not they succeed (a dependency
    # that is not required: it is waited for, but its failure does not skip this change).
    after: Tuple[str, ...] = ()
    destructive: bool = False  # data or uptime at risk: needs confirmation
    requires_restart: bool = False
    restart: str = ""  # what restarts, shown instead of "restart required" (e.g. "VM restart")
    steps: Tuple[Step, ...] = ()  # the operations, in the order they run
    # The steps are the obvious ones for the action (create, then start): the text plan leaves
    # them out; plan JSON always lists them.
    fold_steps: bool = False
    # A replace that only apply can decide: it happens if this holds then; otherwise the
    # change's diffs (if any) are made in place. The first step is the Guard that decides.
    condition: str = ""
    machine: str = ""  # the machine it is on ("": the playbook names no machines)
    # The Hyper-V VM this change takes down or brings up (stopped, restarted or started):
    # what runs inside that VM cannot be read until the change is made.
    downtime: str = ""


@dataclass(frozen=True)
class PlanPart:
    """What one provider plans: its changes in dependency order, and what they were read from."""

    provider: str
    endpoint: str
    changes: Tuple[Change, ...] = ()
    orphans: Tuple[str, ...] = ()  # addresses owned but no longer in the playbook (not pruned)
    warnings: Tuple[str, ...] = ()
    fingerprint: str = ""  # of the actual state the part was made from
    machine: str = ""  # the machine it was read from
    # of the values of secrets the part hands to containers, keyed (Docker): part of the
    # playbook's digest, which cannot hold them otherwise
    secrets_digest: str = ""

    @property
    def has_changes(self) -> bool:
        return any(c.action is not Action.NOOP for c in self.changes)


@dataclass(frozen=True)
class Deferred:
    """A part of the playbook that cannot be read before changes of this plan are made (its
    machine is a VM that is off, or that the plan stops or restarts). apply makes those
    changes, waits for the machine, then plans this part."""

    provider: str
    machine: str
    reason: str
    waits_for: Tuple[str, ...] = ()  # addresses of the changes it waits for


@dataclass(frozen=True)
class Unreadable:
    """A part that could not be read, on a playbook that names its machines: that machine's
    later parts are left out too, and the other machines are planned as usual."""

    provider: str
    machine: str
    error: str  # the error, with its hint


@dataclass(frozen=True)
class Plan:
    playbook: str
    endpoint: str
    changes: Tuple[Change, ...]
    orphans: Tuple[str, ...] = ()  # addresses owned but no longer in the playbook (not pruned)
    warnings: Tuple[str, ...] = ()
    fingerprint: str = ""  # of the actual state the plan was made from
    desired_digest: str = ""  # of the desired state (secrets hashed)
    deferred: Tuple[Deferred, ...] = ()  # parts planned once these changes are made
    unreadable: Tuple[Unreadable, ...] = ()  # parts (and their machines) that failed to read
    targets: Tuple[str, ...] = ()  # --target: the plan holds only these and their needs
    replace: Tuple[str, ...] = ()  # --replace: made again even without a diff

    @property
    def has_changes(self) -> bool:
        return any(c.action is not Action.NOOP for c in self.changes)

    @property
    def pending(self) -> bool:
        """Changes to make now, or parts to plan after them: the machine does not match."""
        return self.has_changes or bool(self.deferred)

    @property
    def destructive(self) -> Tuple[Change, ...]:
        return tuple(c for c in self.changes if c.destructive)

    def count(self, action: Action) -> int:
        return sum(1 for c in self.changes if c.action is action)

    def find(self, address: str) -> Optional[Change]:
        return next((c for c in self.changes if c.address == address), None)


@dataclass(frozen=True)
class Failure:
    """A step that failed, as apply hands it to the change's provider to recover from."""

    change: Change
    done: Tuple[Step, ...]  # the steps that ran, in order
    failed: Step
    pending: Tuple[Step, ...]  # the steps that were to run after it
    error: DfwctlError
