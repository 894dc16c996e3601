"""Sizes in playbooks: bytes, or a number with a binary unit (GB means GiB, as Docker and
Hyper-V use it). Pure: text or int in, bytes out, and back to the shortest exact text."""
from __future__ import annotations

import re
from typing import Dict, Tuple, Union

from dfwctl.values.written import scaled, shown

KIB = 1024
MIB = 1024**2
GIB = 1024**3
TIB = 1024**4

ACCEPTED = "use bytes or a number with a unit, like 512MiB or 4GiB"

# Every spelling is 1024-based: in playbooks K, KB and KiB all mean 1024 bytes.
_UNITS: Dict[str, int] = {
    "b": 1,
    **{
        letter + suffix: unit
        for letter, unit in (("k", KIB), ("m", MIB), ("g", GIB), ("t", TIB))
        for suffix in ("", "b", "ib")
    },
}

# Largest first: format_size picks the largest unit that divides exactly.
_FORMAT_UNITS: Tuple[Tuple[str, int], ...] = (
    ("TiB", TIB),
    ("GiB", GIB),
    ("MiB", MIB),
    ("KiB", KIB),
)

_SIZE = re.compile(r"(?P<number>[0-9]{1,30}(?:\.[0-9]{1,30})?)(?: ?(?P<unit>[A-Za-z]+))?")


def parse_size(value: Union[int, str]) -> int:
    """Bytes from an int (bytes) or a string such as "4096", "512MiB", "4 GB" or "1.5GiB".

    Units are case-insensitive; B, K/KB/KiB, M/MB/MiB, G/GB/GiB and T/TB/TiB are all binary.
    Raises ValueError with a message for the user."""
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise ValueError(f"{shown(value)} is not a size: {ACCEPTED}")
    if isinstance(value, int):
        if value < 0:
            raise ValueError(f"{value} is not a size: a size cannot be negative")
        return value
    match = _SIZE.fullmatch(value)
    if match is None:
        raise ValueError(f"{shown(value)} is not a size: {ACCEPTED}")
    number, unit = match.group("number"), match.group("unit")
    if unit is None:
        if "." in number:
            raise ValueError(f"{shown(value)} is not a size: {ACCEPTED}")
        return int(number)
    multiplier = _UNITS.get(unit.lower())
    if multiplier is None:
        raise ValueError(f"{shown(value)} is not a size: {ACCEPTED}")
    size, rest = scaled(number, multiplier)
    if rest:
        raise ValueError(
            f"{shown(value)} is not a whole number of bytes: "
            "use a smaller unit or a whole number, like 1536MiB"
        )
    return size


def format_size(n: int) -> str:
    """The shortest exact text for n bytes, in the largest binary unit that divides it:
    4294967296 -> "4GiB", 1610612736 -> "1536MiB", 1000 -> "1000B"."""
    if isinstance(n, bool) or not isinstance(n, int):
        raise ValueError(f"{shown(n)} is not a number of bytes")
    if n < 0:
        raise ValueError(f"{n} is not a size: a size cannot be negative")
    for name, unit in _FORMAT_UNITS:
        if n and n % unit == 0:
            return f"{n // unit}{name}"
    return f"{n}B"
