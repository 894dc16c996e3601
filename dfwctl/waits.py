"""How long apply waits for things to come up: a VM it started to answer, a container to become
healthy or to complete before its dependants start, every container to be ready (`apply
--wait`). Every such wait takes its bound from here, so one option (`--wait-timeout`) and a
container's own `wait_timeout` set them all, and a bound on the whole run can cap them in one
place."""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable, Optional

from dfwctl import interrupt, timeouts

DEFAULT_WAIT = 600.0  # seconds: --wait-timeout's default
POLL = 0.5  # seconds between two looks (compose polls dependencies every 500 ms)
SAY_EVERY = 5.0  # seconds between two progress lines of one wait


@dataclass(frozen=True)
class WaitBounds:
    """The bounds of a run's waits, and how it passes the time (tests give their own clock)."""

    timeout: float = DEFAULT_WAIT  # any one wait, unless the thing waited for says otherwise
    interval: float = POLL
    clock: Callable[[], float] = field(default=time.monotonic, compare=False)
    # ends early (interrupt.Interrupted) when apply is asked to stop
    sleep: Callable[[float], None] = field(default=interrupt.sleep, compare=False)

    def bound(self, own: Optional[float] = None) -> float:
        """Seconds a wait may take: the container's own `wait_timeout` when it has one, else
        the run's; never past the command's --timeout."""
        seconds, _ = timeouts.cap(self.timeout if own is None else own)
        assert seconds is not None, "capping a number gives a number"
        return seconds

    def option(self, own: Optional[float] = None) -> str:
        """Which setting to raise when the bound is too short, for messages."""
        if timeouts.cap(self.timeout if own is None else own)[1]:
            return "--timeout"
        return "its wait_timeout" if own is not None else "--wait-timeout"
