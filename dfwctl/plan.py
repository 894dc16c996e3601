"""Plans as data: ordered Changes with per-field diffs, reasons, dependencies and flags.

Rendering (report.py, planjson.py) and applying (apply.py) both read these values; nothing
here does I/O.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any, Optional, Tuple


class Action(enum.Enum):
    CREATE = "create"
    UPDATE = "update"
    REPLACE = "replace"
    DELETE = "delete"
    NOOP = "no-op"

    @property
    def symbol(self) -> str:
        return _SYMBOLS[self]


_SYMBOLS = {
    Action.CREATE: "+",
    Action.UPDATE: "~",
    Action.REPLACE: "-/+",
    Action.DELETE: "-",
    Action.NOOP: " ",
}


@dataclass(frozen=True)
class FieldDiff:
    name: str  # e.g. "env.TZ", "restart", "state"
    before: Any
    after: Any
    forces_replacement: bool = False


@dataclass(frozen=True)
class Change:
    address: str  # provider.kind.name, e.g. docker.container.shell
    kind: str  # container | network | volume | image | ...
    name: str
    action: Action
    diffs: Tuple[FieldDiff, ...] = ()
    reasons: Tuple[str, ...] = ()
    depends_on: Tuple[str, ...] = ()  # addresses of changes that must finish first
    destructive: bool = False  # data or uptime at risk: needs confirmation
    requires_restart: bool = False
    restart: str = ""  # what restarts, shown instead of "restart required" (e.g. "VM restart")
    steps: Tuple[str, ...] = ()  # the operations in the order they run, when that matters
    # A replace that only apply can decide: it happens if this holds then; otherwise the
    # change's diffs (if any) are made in place.
    condition: str = ""
    # What the provider needs to carry the change out; never rendered or saved.
    desired: Any = field(default=None, compare=False, repr=False)
    actual: Any = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class Plan:
    playbook: str
    endpoint: str
    changes: Tuple[Change, ...]
    orphans: Tuple[str, ...] = ()  # addresses owned but no longer in the playbook (not pruned)
    warnings: Tuple[str, ...] = ()
    fingerprint: str = ""  # of the actual state the plan was made from
    desired_digest: str = ""  # of the desired state (secrets hashed)

    @property
    def has_changes(self) -> bool:
        return any(c.action is not Action.NOOP for c in self.changes)

    @property
    def destructive(self) -> Tuple[Change, ...]:
        return tuple(c for c in self.changes if c.destructive)

    def count(self, action: Action) -> int:
        return sum(1 for c in self.changes if c.action is action)

    def find(self, address: str) -> Optional[Change]:
        return next((c for c in self.changes if c.address == address), None)
