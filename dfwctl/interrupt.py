"""Ctrl-C and SIGTERM while dfwctl works.

Outside an apply, the first signal ends the command at once (exit 130: nothing is half done).
During an apply (`graceful()`), the first Ctrl-C or SIGTERM asks apply to stop: no new change
starts, the ones in flight finish (their waits stop early and say so; each engine call is
bounded by --call-timeout), the summary is printed, and dfwctl exits 130. A second signal stops
at once: the hooks registered with `on_abort` get a moment (releasing locks), then the process
exits 130; what was in flight may be half done, and the next apply repairs it."""
from __future__ import annotations

import os
import signal
import sys
import threading
from contextlib import contextmanager
from typing import Any, Callable, Iterator, List, Optional

from dfwctl.errors import DfwctlError, ExitStatus

SIGNALS = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGBREAK")
                if hasattr(signal, name))
ABORT_GRACE = 3.0  # seconds the abort hooks get, together


class Interrupted(DfwctlError):
    """apply was asked to stop (Ctrl-C or SIGTERM): a wait ends early with this."""

    exit_status = ExitStatus.INTERRUPTED


_stop = threading.Event()
_graceful = 0


def _to_stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


_announce: Callable[[str], None] = _to_stderr
_abort_hooks: List[Callable[[], None]] = []
_lock = threading.Lock()


def install(announce: Optional[Callable[[str], None]] = None) -> None:
    """Handle Ctrl-C, SIGTERM (and Ctrl-Break on Windows) for this process; from the main
    thread, once, by the CLI."""
    global _announce
    if announce is not None:
        _announce = announce
    if threading.current_thread() is not threading.main_thread():
        return
    for number in SIGNALS:
        try:
            signal.signal(number, _handle)
        except (OSError, ValueError):  # a signal this platform does not let us handle
            pass


def _handle(number: int, _frame: Any) -> None:
    name = signal.Signals(number).name
    if not _graceful:
        raise KeyboardInterrupt(name)
    if not _stop.is_set():
        _stop.set()
        _announce(f"\n{name}: stopping. No new change starts; the ones in flight finish "
                  "(a wait stops now). Press Ctrl-C again to stop at once.")
        return
    _announce(f"\n{name} again: stopping at once; what was in flight may be half done: "
              "run apply again to finish it.")
    _abort()


def _abort() -> None:
    hooks = list(_abort_hooks)
    def run_hooks() -> None:
        for hook in hooks:
            _quietly(hook)

    runner = threading.Thread(target=run_hooks, daemon=True)
    runner.start()
    runner.join(ABORT_GRACE)
    sys.stderr.flush()
    os._exit(ExitStatus.INTERRUPTED)


def _quietly(hook: Callable[[], None]) -> None:
    try:
        hook()
    except Exception:  # noqa: BLE001 -- the process is going away; nothing to report to
        pass


@contextmanager
def graceful() -> Iterator[None]:
    """While inside, a first signal asks to stop instead of ending the process."""
    global _graceful
    with _lock:
        _graceful += 1
    try:
        yield
    finally:
        with _lock:
            _graceful -= 1


def requested() -> bool:
    """Whether a stop was asked for."""
    return _stop.is_set()


def check(what: str) -> None:
    """Raise Interrupted when a stop was asked for; `what` says what stops."""
    if _stop.is_set():
        raise Interrupted(f"interrupted: stopped {what}",
                          "run apply again to finish it")


def sleep(seconds: float) -> None:
    """time.sleep that ends early, with Interrupted, when a stop is asked for."""
    if _stop.wait(max(0.0, seconds)):
        raise Interrupted("interrupted while waiting", "run apply again to finish")


def on_abort(hook: Callable[[], None]) -> Callable[[], None]:
    """Run `hook` (briefly) if the process is stopped at once; returns a function that
    unregisters it."""
    with _lock:
        _abort_hooks.append(hook)

    def forget() -> None:
        with _lock:
            if hook in _abort_hooks:
                _abort_hooks.remove(hook)

    return forget


def reset() -> None:
    """Forget a stop request (tests; a process that goes on after a stopped apply)."""
    _stop.clear()
