"""Edit top-level members of a JSON object in place, in its text. Pure.

Only the values of the keys being set change; every other byte stays as it was: the other
keys and their order, indentation, spacing, line endings, escapes. New keys go after the last
member, written in the file's own style (its indentation, its `": "` or `":"`, its line
ending). Lists are written as the file writes them: one item a line in an indented file (as
Go's encoder and Docker Desktop do), on one line in a one-line file."""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Sequence, Tuple

_WS = " \t\r\n"
_DECODER = json.JSONDecoder()


class JsonEditError(ValueError):
    """The text is not a JSON object this module can edit; the message says where."""


@dataclass(frozen=True)
class Member:
    key: str
    start: int  # of the key's opening quote
    key_end: int
    value_start: int
    value_end: int


@dataclass(frozen=True)
class Layout:
    open: int  # index of "{"
    close: int  # index of "}"
    members: Tuple[Member, ...]


@dataclass(frozen=True)
class Style:
    newline: str
    indent: Optional[str]  # of top-level members; None: the object is on one line
    colon: str  # between a key and its value, e.g. ": "
    comma: str  # after a comma between members on one line, e.g. " "
    ascii: bool  # the file escapes non-ASCII characters


def _where(text: str, index: int) -> str:
    line = text.count("\n", 0, index) + 1
    col = index - (text.rfind("\n", 0, index) + 1) + 1
    return f"line {line} column {col}"


def _skip(text: str, i: int) -> int:
    while i < len(text) and text[i] in _WS:
        i += 1
    return i


def _decode(text: str, i: int) -> Tuple[Any, int]:
    try:
        return _DECODER.raw_decode(text, i)
    except json.JSONDecodeError as exc:
        raise JsonEditError(f"not valid JSON at {_where(text, exc.pos)}: {exc.msg}") from None


def layout(text: str) -> Layout:
    """Where the top-level object and each of its members are."""
    i = _skip(text, 0)
    if text[i:i + 1] != "{":
        raise JsonEditError("not a JSON object (it should start with {)")
    start = i
    i = _skip(text, i + 1)
    members: List[Member] = []
    if text[i:i + 1] == "}":
        return _finish(text, Layout(start, i, ()))
    while True:
        if text[i:i + 1] != '"':
            raise JsonEditError(f"expected a key in quotes at {_where(text, i)}")
        key, key_end = _decode(text, i)
        colon = _skip(text, key_end)
        if text[colon:colon + 1] != ":":
            raise JsonEditError(f"expected : after the key at {_where(text, colon)}")
        value_start = _skip(text, colon + 1)
        _, value_end = _decode(text, value_start)
        members.append(Member(key, i, key_end, value_start, value_end))
        i = _skip(text, value_end)
        if text[i:i + 1] == ",":
            i = _skip(text, i + 1)
            continue
        if text[i:i + 1] == "}":
            return _finish(text, Layout(start, i, tuple(members)))
        raise JsonEditError(f"expected , or }} at {_where(text, i)}")


def _finish(text: str, found: Layout) -> Layout:
    after = _skip(text, found.close + 1)
    if after != len(text):
        raise JsonEditError(f"unexpected text after the object at {_where(text, after)}")
    return found


def style(text: str, found: Layout) -> Style:
    """The file's own way of writing members (an empty object gets two-space indentation)."""
    newline = "\r\n" if "\r\n" in text else "\n"
    indent: Optional[str] = "  "
    colon, comma = ": ", " "
    if found.members:
        first = found.members[0]
        before = text[found.open + 1:first.start]
        indent = before.rsplit("\n", 1)[1] if "\n" in before else None
        colon = text[first.key_end:first.value_start]
        if indent is None and len(found.members) > 1:
            comma = text[first.value_end:found.members[1].start].split(",", 1)[1]
    return Style(newline, indent, colon, comma, "\\u" in text)


def render(value: Any, fmt: Style, old: Optional[str] = None) -> str:
    """A value in the file's style. `old` is the text of the value it replaces: a list the
    file wrote on one line stays on one line."""
    if not isinstance(value, list) or not value:
        return json.dumps(value, ensure_ascii=fmt.ascii)
    items = [json.dumps(v, ensure_ascii=fmt.ascii) for v in value]
    old_text = old or ""  # None: no old value, never a list
    old_list = old_text.startswith("[") and old_text.replace(" ", "") != "[]"
    if fmt.indent is None or (old_list and "\n" not in old_text):
        spaced = ", " in old_text if old_list else fmt.comma == " "
        return "[" + ("," + (" " if spaced else "")).join(items) + "]"
    inner = fmt.indent * 2
    nl = fmt.newline
    return "[" + nl + ("," + nl).join(inner + i for i in items) + nl + fmt.indent + "]"


def edit(text: str, updates: Sequence[Tuple[str, Any]]) -> str:
    """`text` with each (key, value) set: replaced where the key is (every time it appears),
    added after the last member where it is not. Checks that the result parses to exactly
    the original object with these values set."""
    found = layout(text)
    fmt = style(text, found)
    edits: List[Tuple[int, int, str]] = []
    added: List[str] = []
    for key, value in updates:
        present = [m for m in found.members if m.key == key]
        for m in present:
            old = text[m.value_start:m.value_end]
            edits.append((m.value_start, m.value_end, render(value, fmt, old)))
        if not present:
            added.append(json.dumps(key, ensure_ascii=fmt.ascii) + fmt.colon + render(value, fmt))
    if added:
        edits.append(_insertion(found, fmt, added))
    out = text
    for start, end, new in sorted(edits, reverse=True):
        out = out[:start] + new + out[end:]
    _verify(text, out, updates)
    return out


def _insertion(found: Layout, fmt: Style, added: List[str]) -> Tuple[int, int, str]:
    if found.members:
        at = found.members[-1].value_end
        if fmt.indent is None:
            return at, at, "".join("," + fmt.comma + m for m in added)
        return at, at, "".join("," + fmt.newline + fmt.indent + m for m in added)
    indent = fmt.indent or "  "
    inside = fmt.newline + ("," + fmt.newline).join(indent + m for m in added) + fmt.newline
    return found.open + 1, found.close, inside


def _verify(before: str, after: str, updates: Sequence[Tuple[str, Any]]) -> None:
    expected: Dict[str, Any] = json.loads(before)
    for key, value in updates:
        expected[key] = value
    if json.loads(after) != expected:  # a bug here must never reach the file
        raise JsonEditError("the edited text does not hold the intended values")
