"""Apply progress for people: on a terminal a live status line under finished lines, in a pipe
one plain line per event. Written to stderr; stdout keeps only the plan and the result."""
from __future__ import annotations

import sys
import time
from typing import Dict, Optional, TextIO

from dfwctl.apply import APPLIED, FAILED, Outcome
from dfwctl.logs import STDERR_LOCK
from dfwctl.plan import Change
from dfwctl.redact import redact

_VERB = {"create": "creating", "update": "updating", "replace": "replacing", "delete": "destroying"}
_DONE = {APPLIED: "done", FAILED: "FAILED", "skipped": "skipped"}


class Progress:
    def __init__(self, total: int, stream: Optional[TextIO] = None, tty: Optional[bool] = None,
                 quiet: bool = False):
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty() if tty is None else tty
        self.total = total
        self.quiet = quiet
        self.finished_count = 0
        self.active: Dict[str, str] = {}
        self.started_at: Dict[str, float] = {}
        self._lock = STDERR_LOCK  # shared with logged events: lines are never glued

    def _write(self, line: str) -> None:
        if self.quiet:
            return
        line = redact(line)
        if self.tty:
            self.stream.write("\r\033[K" + line + "\n")
            self._status()
        else:
            self.stream.write(line + "\n")
        self.stream.flush()

    def _status(self) -> None:
        if not self.active:
            self.stream.write("\r\033[K")
            return
        names = ", ".join(f"{a.split('.', 2)[-1]} ({s})" for a, s in list(self.active.items())[:4])
        more = f" +{len(self.active) - 4}" if len(self.active) > 4 else ""
        line = f"[{self.finished_count}/{self.total}] {names}{more}"
        self.stream.write("\r\033[K" + line[:200])

    def started(self, change: Change) -> None:
        with self._lock:
            self.started_at[change.address] = time.monotonic()
            self.active[change.address] = _VERB.get(change.action.value, change.action.value)
            if self.tty and not self.quiet:
                self._status()
                self.stream.flush()
            elif not self.quiet:
                self._write(f"{change.address}: {self.active[change.address]}...")

    def progress(self, change: Change, line: str) -> None:
        with self._lock:
            self.active[change.address] = line
            if self.tty and not self.quiet:
                self._status()
                self.stream.flush()
            elif not self.quiet and not line.startswith("pulling "):
                self._write(f"{change.address}: {line}")

    def finished(self, change: Change, outcome: Outcome) -> None:
        with self._lock:
            self.finished_count += 1
            self.active.pop(change.address, None)
            started = self.started_at.pop(change.address, None)
            took = f" after {time.monotonic() - started:.1f}s" if started else ""
            self._write(f"{change.address}: {_DONE[outcome.status]}{took}"
                        + (f" ({outcome.message.splitlines()[0]})" if outcome.message else ""))

    def close(self) -> None:
        if self.tty and not self.quiet:
            self.stream.write("\r\033[K")
            self.stream.flush()
