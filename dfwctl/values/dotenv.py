"""Environment files as docker compose reads them (the `.env` beside a playbook, a container's
`env_file`): NAME=VALUE statements. Pure: text in, entries out; the caller substitutes
variables where an entry allows it.

- Blank lines and lines starting with `#` are skipped; `export ` before a name is allowed.
- A name is letters, digits, `_` and `.`; spaces around `=` are dropped.
- An unquoted value runs to the end of its line, without surrounding spaces; ` #` (a space or
  tab, then `#`) starts a comment. Variables in it may be substituted.
- A double-quoted value may span lines; `\\n`, `\\r`, `\\t`, `\\\\` and `\\"` are escapes,
  other backslashes stay. Variables in it may be substituted.
- A single-quoted value may span lines and is taken literally, but for `\\'` (a quote).
- After a closing quote, only a `#` comment may follow on the line.
- A name alone on its line (no `=`) takes the variable's value from the environment, and is
  left out when the environment does not have it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import List, Optional, Tuple

NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.]*")
NAME_RULE = "names are letters, digits, '_' and '.', not starting with a digit"
_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "\\": "\\", '"': '"'}
_BLANK = " \t"


class DotenvError(ValueError):
    """A statement that is not NAME=VALUE; `line` is 1-based."""

    def __init__(self, line: int, message: str):
        super().__init__(message)
        self.line = line
        self.message = message


@dataclass(frozen=True)
class Entry:
    """One statement. `value` is None for a name alone (inherit it from the environment);
    `substitute`: whether variables in the value are to be substituted (unquoted and
    double-quoted values)."""

    name: str
    value: Optional[str]
    line: int
    substitute: bool = False


def parse(text: str) -> List[Entry]:
    """The statements of an environment file, in order. Raises DotenvError at the first line
    that is not one."""
    if text.startswith("\ufeff"):
        text = text[1:]
    text = text.replace("\r\n", "\n")
    entries: List[Entry] = []
    at, line = 0, 1
    while at < len(text):
        end = text.find("\n", at)
        end = len(text) if end < 0 else end
        stripped = text[at:end].strip()
        if not stripped or stripped.startswith("#"):
            at, line = end + 1, line + 1
            continue
        entry, at, lines = _statement(text, at, end, line)
        entries.append(entry)
        line += lines
    return entries


def _statement(text: str, at: int, end: int, line: int) -> Tuple[Entry, int, int]:
    """The statement starting on the line text[at:end]: the entry, where the next line starts,
    and how many lines it took."""
    raw = text[at:end]
    body = raw.strip(_BLANK)
    if "\0" in raw:
        raise DotenvError(line, "a NUL character: the engine cannot pass it to a process")
    if body.startswith("export") and body[6:7] in (" ", "\t"):
        body = body[6:].lstrip(_BLANK)
    name, equals, rest = body.partition("=")
    name = name.rstrip(_BLANK) if equals else _unquoted(name)  # NAME  # a comment
    if not NAME.fullmatch(name):
        if equals or " " in body or "\t" in body:
            raise DotenvError(line, f"expected NAME=VALUE, got {_short(raw)}; {NAME_RULE}; "
                                    "start a comment with #")
        raise DotenvError(line, f"{_short(name)} is not a variable name: {NAME_RULE}")
    if not equals:
        return Entry(name, None, line), end + 1, 1
    rest = rest.lstrip(_BLANK)
    if rest[:1] in ('"', "'"):
        start = at + raw.index(rest[0], raw.index("="))
        return _quoted(text, start, name, line)
    return Entry(name, _unquoted(rest), line, substitute=True), end + 1, 1


def _unquoted(value: str) -> str:
    """An unquoted value without its comment: `#` after a space or tab starts one."""
    for index, char in enumerate(value):
        if char == "#" and index > 0 and value[index - 1] in _BLANK:
            return value[:index].rstrip(_BLANK)
    return value.rstrip(_BLANK)


def _quoted(text: str, start: int, name: str, line: int) -> Tuple[Entry, int, int]:
    """The value quoted from text[start]; it may span lines."""
    quote = text[start]
    out: List[str] = []
    index = start + 1
    while index < len(text):
        char = text[index]
        if char == "\\" and index + 1 < len(text):
            follower = text[index + 1]
            if quote == '"' and follower in _ESCAPES:
                out.append(_ESCAPES[follower])
                index += 2
                continue
            if quote == "'" and follower == "'":
                out.append("'")
                index += 2
                continue
        if char == quote:
            break
        out.append(char)
        index += 1
    else:
        raise DotenvError(line, f"the value of {name} opens a {_quote_name(quote)} quote that "
                                "is never closed: close it, or escape it with \\")
    end = text.find("\n", index)
    end = len(text) if end < 0 else end
    after = text[index + 1:end].strip(_BLANK)
    lines = text.count("\n", start, index) + 1
    if after and not after.startswith("#"):
        raise DotenvError(line + lines - 1, f"text after the closing quote of {name}: "
                          f"{_short(after)}; put it inside the quotes, or start a comment with #")
    value = "".join(out)
    if "\0" in value:
        raise DotenvError(line, "a NUL character: the engine cannot pass it to a process")
    return Entry(name, value, line, substitute=quote == '"'), end + 1, lines


def _quote_name(quote: str) -> str:
    return "double" if quote == '"' else "single"


def _short(text: str) -> str:
    text = text.strip()
    return repr(text if len(text) <= 60 else text[:57] + "...")
