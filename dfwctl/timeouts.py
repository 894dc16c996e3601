"""How long dfwctl waits for what it talks to, from one place: opening a connection to an
engine (`--connect-timeout`, DFWCTL_CONNECT_TIMEOUT), one call to answer (`--call-timeout`,
DFWCTL_CALL_TIMEOUT), and the whole command (`--timeout`, DFWCTL_TIMEOUT). The CLI configures
them once; every engine call and every wait (waits.py) takes its bound from here, so a frozen
engine fails within the bound with a message that names what it waited for.

Values are seconds, or durations such as 90s or 1m30s."""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Optional, Tuple

from dfwctl.errors import DfwctlError

DEFAULT_CONNECT = 10.0  # seconds to open a connection
DEFAULT_CALL = 60.0  # seconds one call may take to answer (the SDK's was a fixed 120)
ENVIRONMENT = {"connect": "DFWCTL_CONNECT_TIMEOUT", "call": "DFWCTL_CALL_TIMEOUT",
               "total": "DFWCTL_TIMEOUT"}
OPTIONS = {"connect": "--connect-timeout", "call": "--call-timeout", "total": "--timeout"}


@dataclass(frozen=True)
class Timeouts:
    connect: float = DEFAULT_CONNECT
    call: float = DEFAULT_CALL
    total: Optional[float] = None  # the whole command; None: bounded by its parts only


class DeadlineError(DfwctlError):
    """The command's --timeout ran out."""


_current = Timeouts()
_deadline: Optional[float] = None  # time.monotonic() when the command's --timeout runs out


def configure(timeouts: Timeouts) -> None:
    """Set the bounds of this command; its --timeout starts counting now."""
    global _current, _deadline
    _current = timeouts
    _deadline = None if timeouts.total is None else time.monotonic() + timeouts.total


def current() -> Timeouts:
    return _current


def remaining() -> Optional[float]:
    """Seconds left of the command's --timeout (None: it has none)."""
    return None if _deadline is None else _deadline - time.monotonic()


def cap(seconds: Optional[float]) -> Tuple[Optional[float], bool]:
    """(`seconds` capped by what is left of --timeout, whether --timeout is what binds)."""
    left = remaining()
    if left is None or (seconds is not None and seconds <= left):
        return seconds, False
    return max(0.0, left), True


def call_bound() -> Tuple[float, str]:
    """(seconds one engine call may wait for its answer now, the option that sets it)."""
    seconds, capped = cap(_current.call)
    assert seconds is not None, "the call bound is always set"
    return seconds, OPTIONS["total"] if capped else OPTIONS["call"]


def check(what: str) -> None:
    """Raise DeadlineError when --timeout has run out, naming what was about to start."""
    left = remaining()
    if left is not None and left <= 0:
        raise DeadlineError(f"the command's --timeout of {_shown(_current.total)} ran out before "
                            f"{what}", "run it again, or give it longer with --timeout")


def waited_text(which: str) -> str:
    """The bound an option sets, for messages: "1s" for --call-timeout 1."""
    if which == OPTIONS["total"]:
        return _shown(_current.total)
    return _shown(_current.connect if which == OPTIONS["connect"] else _current.call)


def _shown(seconds: Optional[float]) -> str:
    return "none" if seconds is None else f"{seconds:g}s"


def parse_seconds(text: str) -> float:
    """Seconds from "90", "1.5" or a duration such as "90s" or "1m30s"; ValueError if not."""
    from dfwctl.values.durations import NS_PER_SECOND, parse_duration

    text = text.strip()
    try:
        seconds = float(text)
    except ValueError:
        return parse_duration(text) / NS_PER_SECOND
    if not seconds >= 0 or seconds == float("inf"):
        raise ValueError(f"{text!r} is not a number of seconds: write one such as 30 or 1m30s")
    return seconds
