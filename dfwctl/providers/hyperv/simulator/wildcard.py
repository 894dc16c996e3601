"""PowerShell's wildcard patterns (what -Name and -VMName take): * ? [set] [a-z], a backtick
escapes the next character, case is ignored."""
from __future__ import annotations

import re

from dfwctl.providers.hyperv.simulator.errors import invalid_wildcard


def has_wildcards(pattern: str) -> bool:
    escaped = False
    for char in pattern:
        if escaped:
            escaped = False
        elif char == "`":
            escaped = True
        elif char in "*?[":
            return True
    return False


def unescape(pattern: str) -> str:
    return re.sub(r"`(.)", r"\1", pattern, flags=re.S)


def to_regex(pattern: str) -> "re.Pattern[str]":
    out, i = [], 0
    while i < len(pattern):
        char = pattern[i]
        if char == "`" and i + 1 < len(pattern):
            out.append(re.escape(pattern[i + 1]))
            i += 2
            continue
        if char == "*":
            out.append(".*")
        elif char == "?":
            out.append(".")
        elif char == "[":
            end = pattern.find("]", i + 1)
            if end == -1:
                raise invalid_wildcard(pattern)
            body = pattern[i + 1:end]
            out.append("[" + "".join("-" if c == "-" and 0 < k < len(body) - 1 else re.escape(c)
                                     for k, c in enumerate(body)) + "]")
            i = end
        else:
            out.append(re.escape(char))
        i += 1
    return re.compile("".join(out), re.IGNORECASE | re.DOTALL)


def matches(pattern: str, name: str) -> bool:
    if not has_wildcards(pattern):
        return unescape(pattern).casefold() == name.casefold()
    return to_regex(pattern).fullmatch(name) is not None
