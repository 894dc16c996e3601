"""Numbers the engine can take: finite, and within the range of the field that takes them.

YAML can spell numbers no engine field holds (`.nan`, `.inf`, `1e999`, a whole number of a
thousand digits); the engine's API is Go, whose fields are 64-bit. `number_problems` finds every
such number in a playbook tree (validate refuses them where they are written, whatever the
field), and a `Bound` says what one field accepts, with a message that names the range.
Providers keep the bounds of their own fields beside their rules. Pure."""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Iterator, List, Optional, Tuple, Union

INT64_MAX = 2**63 - 1
INT64_MIN = -(2**63)
# The longest time a Go time.Duration holds: 2^63-1 nanoseconds, about 292 years.
MAX_DURATION_SECONDS = INT64_MAX // 10**9

Number = Union[int, float]
TreePath = Tuple[Any, ...]


def is_number(value: Any) -> bool:
    """An int or float that is not a bool (YAML's true is not 1 here)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def finite_problem(value: Any) -> Optional[str]:
    """Why a number cannot be used anywhere: not finite, or a whole number beyond 64 bits."""
    if isinstance(value, float) and not math.isfinite(value):
        shown = "NaN" if math.isnan(value) else ("-" if value < 0 else "") + "infinity"
        return f"{shown} is not a number dfwctl can use: write a finite number"
    if isinstance(value, int) and not isinstance(value, bool) and \
            not INT64_MIN <= value <= INT64_MAX:
        return (f"the number {_short(value)} is too large: whole numbers go up to "
                f"{INT64_MAX} (64 bits)")
    return None


def number_problems(tree: Any) -> Iterator[Tuple[TreePath, str]]:
    """(path, message) for every number in a playbook tree that no field can take. Walks
    without recursion; a value shared by several places (a YAML alias) is reported once."""
    seen = set()
    stack: List[Tuple[TreePath, Any]] = [((), tree)]
    while stack:
        path, node = stack.pop()
        if isinstance(node, (dict, list)):
            if id(node) in seen:
                continue
            seen.add(id(node))
            items = node.items() if isinstance(node, dict) else enumerate(node)
            stack.extend(reversed([(path + (key,), value) for key, value in items]))
            continue
        problem = finite_problem(node) if is_number(node) else None
        if problem:
            yield path, problem


@dataclass(frozen=True)
class Bound:
    """The range one field accepts: `low` <= value <= `high`, in `unit` (for messages), whole
    numbers only when `integer`. `why` says where a limit comes from (the engine's rule)."""

    low: Number
    high: Number
    unit: str = ""
    integer: bool = False
    why: str = ""

    def problem(self, value: Any, written: Optional[str] = None) -> Optional[str]:
        """None when `value` is within the bound, else a message that names the range.
        `written`: the value as the playbook spells it (a size), for the message."""
        if not is_number(value):
            return None  # the schema reports the type
        if isinstance(value, float) and not math.isfinite(value):
            return finite_problem(value)
        if self.integer and isinstance(value, float):
            if not value.is_integer():
                return f"{_shown(value)} is not a whole number"
            value = int(value)
        if self.low <= value <= self.high:
            return None
        side = f"at least {self._text(self.low)}" if value < self.low \
            else f"at most {self._text(self.high)}"
        why = f" ({self.why})" if self.why else ""
        return f"{written or _shown(value)} is out of range: it must be {side}{why}"

    def _text(self, limit: Number) -> str:
        return f"{_shown(limit)} {self.unit}".rstrip()


def _shown(value: Number) -> str:
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e16:
        return str(int(value))
    return _short(value) if isinstance(value, int) else repr(value)


def _short(value: int) -> str:
    """A whole number for a message: in full up to 30 digits, else its first digits and length
    (Python refuses to print one of more than 4300 digits)."""
    digits = len(str(abs(value))) if abs(value) < 10**1000 else None
    if digits is not None and digits <= 30:
        return str(value)
    head = str(value)[:12] if digits is not None else "a number"
    return f"{head}... ({digits or 'over 1000'} digits)"
