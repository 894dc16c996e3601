"""Durations in playbooks, as docker compose writes them: a number with a unit, several in a
row ("1m30s", "1h", "500ms", "1.5s"; units us, ms, s, m, h), or a whole number of seconds.
Pure: text or int in, nanoseconds out, and back to the shortest text."""
from __future__ import annotations

import re
from typing import Tuple, Union

from dfwctl.values.bounds import INT64_MAX
from dfwctl.values.written import scaled, shown

NS_PER_SECOND = 1_000_000_000

ACCEPTED = "write a number with a unit (us, ms, s, m, h), like 30s, 1m30s or 500ms"

# Largest first: format_duration writes each unit that is not zero.
_UNITS: Tuple[Tuple[str, int], ...] = (
    ("h", 3600 * NS_PER_SECOND),
    ("m", 60 * NS_PER_SECOND),
    ("s", NS_PER_SECOND),
    ("ms", 1_000_000),
    ("us", 1_000),
    ("ns", 1),
)
_BY_NAME = {name: size for name, size in _UNITS} | {"µs": 1_000, "μs": 1_000}
_PART = re.compile(r"([0-9]{1,20}(?:\.[0-9]{1,30})?)(ns|us|µs|μs|ms|s|m|h)")


TOO_LONG = "is too long: the engine counts durations up to about 292 years (64-bit nanoseconds)"


def parse_duration(value: Union[int, str]) -> int:
    """Nanoseconds from a duration text ("1m30s") or a whole number of seconds (90), at most
    what a 64-bit count of nanoseconds holds. Raises ValueError with a message for the user."""
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise ValueError(f"{shown(value)} is not a duration: {ACCEPTED}")
    if isinstance(value, int):
        if value < 0:
            raise ValueError(f"{value} is not a duration: a duration cannot be negative")
        if value * NS_PER_SECOND > INT64_MAX:
            raise ValueError(f"{shown(value)} {TOO_LONG}")
        return value * NS_PER_SECOND
    text = value.strip()
    if text == "0":
        return 0
    if text.startswith("-"):
        raise ValueError(f"{shown(value)} is not a duration: a duration cannot be negative")
    if re.fullmatch(r"[0-9]+", text):
        raise ValueError(f"{shown(value)} has no unit: {ACCEPTED}")
    total, at = 0, 0
    for match in _PART.finditer(text):
        if match.start() != at:
            break
        number, unit = match.groups()
        part, rest = scaled(number, _BY_NAME[unit])
        if rest:
            raise ValueError(f"{shown(value)} is finer than a nanosecond: use a larger unit "
                             "or fewer decimals")
        total += part
        at = match.end()
    if at != len(text) or not text:
        raise ValueError(f"{shown(value)} is not a duration: {ACCEPTED}")
    if total > INT64_MAX:
        raise ValueError(f"{shown(value)} {TOO_LONG}")
    return total


def format_duration(ns: int) -> str:
    """The shortest text for a duration: 90 s -> "1m30s", 0.5 s -> "500ms", 0 -> "0s"."""
    if ns == 0:
        return "0s"
    parts = []
    for name, size in _UNITS:
        count, ns = divmod(ns, size)
        if count:
            parts.append(f"{count}{name}")
    return "".join(parts)


def whole_seconds(value: Union[int, str]) -> int:
    """A duration the engine counts in whole seconds (a stop timeout). Raises ValueError when
    it is not a whole number of seconds."""
    ns = parse_duration(value)
    seconds, rest = divmod(ns, NS_PER_SECOND)
    if rest:
        raise ValueError(f"{shown(value)} is not a whole number of seconds: the engine counts "
                         f"this in seconds; write {seconds}s or {seconds + 1}s")
    return seconds
