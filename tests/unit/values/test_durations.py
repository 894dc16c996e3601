"""Compose durations: parse to nanoseconds, format back, whole seconds for the engine."""
from __future__ import annotations

import pytest

from dfwctl.values.durations import (
    NS_PER_SECOND,
    format_duration,
    parse_duration,
    whole_seconds,
)

S = NS_PER_SECOND


@pytest.mark.parametrize("text, ns", [
    ("30s", 30 * S), ("1m30s", 90 * S), ("1h", 3600 * S), ("2h32m", (2 * 3600 + 32 * 60) * S),
    ("500ms", S // 2), ("1.5s", 3 * S // 2), ("10us", 10_000), ("7ns", 7), ("0", 0),
    ("0s", 0), (" 45s ", 45 * S), ("1m0.5s", 60 * S + S // 2), (90, 90 * S), (0, 0),
])
def test_parse(text, ns):
    assert parse_duration(text) == ns


@pytest.mark.parametrize("value, message", [
    ("30", "has no unit"), ("abc", "is not a duration"), ("10x", "is not a duration"),
    ("1m 30s", "is not a duration"), ("-5s", "cannot be negative"), (-1, "cannot be negative"),
    ("", "is not a duration"), (True, "is not a duration"), (None, "is not a duration"),
    ("0.0000000001s", "finer than a nanosecond"), ("s", "is not a duration"),
])
def test_parse_refuses(value, message):
    with pytest.raises(ValueError, match=message):
        parse_duration(value)


@pytest.mark.parametrize("ns, text", [
    (0, "0s"), (90 * S, "1m30s"), (S // 2, "500ms"), (3600 * S + 1, "1h1ns"), (45 * S, "45s"),
])
def test_format(ns, text):
    assert format_duration(ns) == text
    assert parse_duration(text) == ns


def test_whole_seconds():
    assert whole_seconds("1m30s") == 90
    assert whole_seconds(10) == 10
    with pytest.raises(ValueError, match="not a whole number of seconds.*write 1s or 2s"):
        whole_seconds("1500ms")


@pytest.mark.parametrize("value", ["3000000h", 10**12, "99999999999999999999s"])
def test_a_duration_beyond_what_the_engine_counts_is_refused(value):
    with pytest.raises(ValueError, match="292 years"):
        parse_duration(value)
