"""Helpers of the value parsers: a value as the user wrote it (for messages), and a decimal
number times a unit in exact integer arithmetic. Pure."""
from __future__ import annotations

from typing import Tuple


def shown(value: object) -> str:
    """The value as the user wrote it: strings in double quotes, booleans as YAML spells them."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    if value is None:
        return "null"
    return str(value)


def scaled(number: str, unit: int) -> Tuple[int, int]:
    """(whole units, remainder) of a decimal text like "1.5" times `unit`: exact, no floats.
    A remainder means the product is not a whole number of the smallest unit."""
    whole, _, decimals = number.partition(".")
    scale: int = 10 ** len(decimals)  # number == int(whole + decimals) / scale, exactly
    return divmod(int(whole + decimals) * unit, scale)
