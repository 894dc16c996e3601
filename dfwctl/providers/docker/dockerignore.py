"""`.dockerignore` as the Docker CLI applies it when it sends a build context (moby's
patternmatcher and ignore-file reader): which paths of the context are left out. Pure.

The rules, in short:
- The file is read line by line: a UTF-8 BOM is dropped, a line that starts with `#` is a
  comment, blank lines are skipped, each pattern is trimmed and cleaned like a path (`.` and
  `..` resolved, a leading `/` dropped), and `!` makes it an exception.
- `*` matches within one path part, `?` one character of it, `[...]` a set, `**` any number
  of parts (none too); on Windows a backslash is a path separator, elsewhere it escapes the
  character after it.
- A pattern that matches a directory matches everything below it; the last pattern that
  matches a path decides (an exception brings it back).
- The walk does not go into an excluded directory unless an exception pattern starts with
  that directory's path; the Dockerfile and `.dockerignore` are always sent.
"""
from __future__ import annotations

import os
import posixpath
import re
from dataclasses import dataclass
from typing import List, Optional, Sequence, Tuple

EXACT, PREFIX, SUFFIX, REGEXP = "exact", "prefix", "suffix", "regexp"
_ESCAPED = set(".+()|{}$")  # regexp characters that mean nothing in a path pattern
WINDOWS = os.name == "nt"

Info = Tuple[bool, ...]  # for each pattern: whether it matched the parent directory


class PatternError(ValueError):
    """A pattern the Docker CLI refuses (`syntax error in pattern`)."""


def clean(path: str) -> str:
    """A path cleaned as Go's filepath.Clean does with `/`: one slash between parts, `.` parts
    dropped, `a/..` resolved, no slash at the end; "" is "."."""
    if not path:
        return "."
    cleaned = posixpath.normpath(path)
    return "/" + cleaned.lstrip("/") if cleaned.startswith("//") else cleaned


def read_patterns(text: str, windows: bool = WINDOWS) -> List[str]:
    """The patterns of a .dockerignore file's text, `!` kept as their first character."""
    found: List[str] = []
    for number, raw in enumerate(text.splitlines()):
        line = raw[1:] if number == 0 and raw.startswith("\ufeff") else raw
        if line.startswith("#"):
            continue
        pattern = line.strip()
        if not pattern:
            continue
        invert = pattern.startswith("!")
        if invert:
            pattern = pattern[1:].strip()
        if pattern:
            if windows:
                pattern = pattern.replace("\\", "/")
            pattern = clean(pattern)
            if len(pattern) > 1 and pattern.startswith("/"):
                pattern = pattern[1:]
        found.append("!" + pattern if invert else pattern)
    return found


@dataclass(frozen=True)
class Pattern:
    text: str  # cleaned, without its `!`
    exclusion: bool
    kind: str
    regex: Optional["re.Pattern[str]"] = None

    def match(self, path: str) -> bool:
        if self.kind == EXACT:
            return path == self.text
        if self.kind == PREFIX:
            return path.startswith(self.text[:-2])
        if self.kind == SUFFIX:
            suffix = self.text[2:]
            return path.endswith(suffix) or (suffix.startswith("/") and path == suffix[1:])
        assert self.regex is not None, "a regexp pattern is compiled"
        return self.regex.fullmatch(path) is not None


def compile_pattern(text: str, windows: bool = WINDOWS) -> Pattern:
    """One pattern (trimmed and cleaned again, as the matcher does), or PatternError."""
    pattern = text.strip()
    exclusion = pattern.startswith("!")
    if exclusion:
        pattern = pattern[1:]
        if not pattern:
            raise PatternError('illegal exclusion pattern: "!"')
    if windows:
        pattern = pattern.replace("\\", "/")
    pattern = clean(pattern)
    _check_syntax(pattern, windows)
    regex, kind = _translate(pattern, windows)
    if kind != REGEXP:
        return Pattern(pattern, exclusion, kind)
    try:
        return Pattern(pattern, exclusion, kind, re.compile(regex))
    except re.error as exc:
        raise PatternError(f"{text!r}: {exc}") from None


def _translate(pattern: str, windows: bool) -> Tuple[str, str]:
    """The pattern as a regular expression, and which of the cheaper matches it needs."""
    out, kind, at, step = "", EXACT, 0, 0
    while at < len(pattern):
        char = pattern[at]
        at += 1
        if char == "*" and pattern.startswith("*", at):
            at += 1
            if pattern.startswith("/", at):
                at += 1
            if at >= len(pattern):  # a trailing ** matches everything below
                if kind == EXACT:
                    kind = PREFIX
                else:
                    out, kind = out + ".*", REGEXP
            else:
                out, kind = out + "(.*/)?", REGEXP
            if step == 0:
                kind = SUFFIX
        elif char == "*":
            out, kind = out + "[^/]*", REGEXP
        elif char == "?":
            out, kind = out + "[^/]", REGEXP
        elif char in _ESCAPED:
            out += "\\" + char
        elif char == "\\" and not windows:
            if at < len(pattern):
                out, kind = out + "\\" + pattern[at], REGEXP
                at += 1
            else:
                out += "\\\\"
        elif char in "[]":
            out, kind = out + char, REGEXP
        else:
            out += char
        step += 1
    return out, kind


def _check_syntax(pattern: str, windows: bool) -> None:
    """What Go's filepath.Match refuses: a set left open, a set that starts with `]` or `-`
    or holds a range without an end, a backslash at the very end."""
    at = 0
    while at < len(pattern):
        char = pattern[at]
        if char == "\\" and not windows:
            if at + 1 >= len(pattern):
                raise PatternError(f"{pattern!r}: a backslash at the end escapes nothing")
            at += 2
            continue
        if char == "[":
            at = _set_end(pattern, at + 1, windows)
            continue
        at += 1


def _set_end(pattern: str, at: int, windows: bool) -> int:
    """The index after the `]` that closes the set starting at `at`."""
    bad = PatternError(f"{pattern!r}: a malformed set [...]")
    if at < len(pattern) and pattern[at] == "^":
        at += 1
    count = 0
    while True:
        if at >= len(pattern):
            raise bad
        if pattern[at] == "]" and count > 0:
            return at + 1
        at = _set_char(pattern, at, windows, bad)
        if at < len(pattern) and pattern[at] == "-":
            at = _set_char(pattern, at + 1, windows, bad)
        count += 1


def _set_char(pattern: str, at: int, windows: bool, bad: PatternError) -> int:
    if at >= len(pattern) or pattern[at] in "-]":
        raise bad
    if pattern[at] == "\\" and not windows:
        at += 1
        if at >= len(pattern):
            raise bad
    return at + 1


class Matcher:
    """The patterns of one context, matched as the CLI's walk matches them."""

    def __init__(self, patterns: Sequence[str], windows: bool = WINDOWS):
        self.patterns = [compile_pattern(p, windows) for p in patterns if p.strip()]
        self.exclusions = any(p.exclusion for p in self.patterns)

    def matches(self, path: str, parent: Optional[Info] = None) -> Tuple[bool, Info]:
        """Whether `path` (slash-separated, relative to the context) is excluded, given what
        matched its directory (None: nothing known, its parent directories are tried), and
        what matched it, for its children."""
        matched = False
        info: List[bool] = []
        for index, pattern in enumerate(self.patterns):
            hit = bool(parent[index]) if parent else False
            if not hit:
                if pattern.exclusion != matched:
                    info.append(False)
                    continue
                hit = pattern.match(path)
                if not hit and parent is None:
                    parts = path.split("/")[:-1]
                    hit = any(pattern.match("/".join(parts[:n])) for n in range(1, len(parts) + 1))
            info.append(hit)
            if hit:
                matched = not pattern.exclusion
        return matched, tuple(info)

    def excluded(self, path: str) -> bool:
        """Whether `path` or a directory above it is excluded (the patterns alone)."""
        return self.matches(path)[0]

    def enters(self, directory: str) -> bool:
        """Whether the walk goes into an excluded directory: only when an exception pattern
        starts with its path, so that what it names may be sent."""
        if not self.exclusions:
            return False
        prefix = directory + "/"
        return any(p.exclusion and (p.text + "/").startswith(prefix) for p in self.patterns)


def with_build_files(patterns: Sequence[str], dockerfile: str) -> List[str]:
    """The patterns with exceptions added so that `.dockerignore` and the Dockerfile are
    always sent (the daemon removes them again when they were excluded)."""
    out = list(patterns)
    for name in (".dockerignore", dockerfile):
        if Matcher(out).excluded(name):
            out.append("!" + name)
    return out
