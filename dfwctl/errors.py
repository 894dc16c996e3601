"""One error base for everything a user can act on, and the exit codes of the CLI."""
from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Iterable, List, Optional, Sequence

from dfwctl.printable import printable


class ExitStatus(enum.IntEnum):
    OK = 0
    ERROR = 1
    CHANGES = 2  # plan --detailed-exitcode: the plan has changes (terraform's convention)
    INTERNAL = 3  # a bug: a traceback was written to the log file
    USAGE = 64  # bad command line (BSD's EX_USAGE), distinct from CHANGES
    INTERRUPTED = 130


class DfwctlError(Exception):
    """An expected failure. Its text is the message shown to the user, `hint` says what to do."""

    exit_status = ExitStatus.ERROR

    def __init__(self, message: str, hint: Optional[str] = None):
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        if self.hint:
            return f"{self.message}\n  hint: {self.hint}"
        return self.message


@dataclass(frozen=True)
class Diagnostic:
    """One problem in a playbook, at a position (1-based line and column)."""

    file: str
    line: int
    col: int
    path: str
    message: str
    severity: str = "error"  # error | warning

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}:{self.col}"
        label = f"{self.path}: " if self.path else ""
        if self.severity == "warning":
            return printable(f"{where}: warning: {label}{self.message}", keep="")
        return printable(f"{where}: {label}{self.message}", keep="")

    @property
    def is_error(self) -> bool:
        return self.severity == "error"


def sort_diagnostics(diagnostics: Iterable[Diagnostic]) -> List[Diagnostic]:
    return sorted(set(diagnostics), key=lambda d: (d.file, d.line, d.col, d.path, d.message))


class PlaybookError(DfwctlError):
    """The playbook has errors; every one is listed with its position."""

    def __init__(self, diagnostics: Sequence[Diagnostic]):
        self.diagnostics = sort_diagnostics(diagnostics)
        errors = [d for d in self.diagnostics if d.is_error]
        count = len(errors)
        summary = f"{count} error{'s' if count != 1 else ''} in the playbook"
        super().__init__("\n".join(str(d) for d in self.diagnostics) + f"\n{summary}")


class EngineError(DfwctlError):
    """The Docker Engine refused or failed an operation."""


class NotFoundError(EngineError):
    """The Docker Engine has no such object (it answered 404)."""


class UnreachableError(DfwctlError):
    """A machine, or its Docker Engine, does not answer now: a VM that is off or still
    starting, an engine that is not up yet. apply waits on these between rounds."""


class EngineUnreachableError(EngineError, UnreachableError):
    """The Docker Engine does not answer."""


class PlanError(DfwctlError):
    """The plan cannot be made (for example an object the playbook needs is missing)."""


class LockError(DfwctlError):
    """Another apply holds the lock."""
