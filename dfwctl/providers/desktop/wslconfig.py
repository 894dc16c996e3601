"""WSL 2's `.wslconfig` (an INI file in the user's profile): the [wsl2] `processors`,
`memory` and `swap` that Docker Desktop's WSL 2 engine runs with.

Edits touch only the lines of the keys being set; comments, blank lines, other keys and
sections, the spacing around `=` and line endings stay as they were. A missing key is added
at the end of [wsl2]; a missing section at the end of the file."""
from __future__ import annotations

import re
from pathlib import PurePath
from typing import Dict, List, Mapping, Optional, Tuple

from dfwctl.providers.desktop import textfile
from dfwctl.providers.desktop.model import WslState
from dfwctl.providers.desktop.system import System
from dfwctl.values.sizes import GIB, KIB, MIB

SECTION = "wsl2"
KEYS = {"cpus": "processors", "memory": "memory", "swap": "swap"}  # field -> [wsl2] key

_HEADER = re.compile(r"^\s*\[\s*([^\]]*?)\s*\]\s*$")
_ENTRY = re.compile(r"^(?P<head>\s*(?P<key>[A-Za-z0-9_.]+)\s*=\s*)(?P<value>.*?)"
                    r"(?P<tail>\s*(?:[#;].*)?)$")
_SIZE = re.compile(r"^\s*([0-9]+)\s*([KMGT]?B?)\s*$", re.I)
_UNITS = {"": 1, "B": 1, "K": KIB, "KB": KIB, "M": MIB, "MB": MIB, "G": GIB, "GB": GIB,
          "T": GIB * 1024, "TB": GIB * 1024}


def size_text(n: int) -> str:
    """Bytes in WSL's spelling (its units are binary): 4GB, 1536MB, 512KB, or bytes."""
    n = int(n)
    for unit, name in ((GIB, "GB"), (MIB, "MB"), (KIB, "KB")):
        if n and n % unit == 0:
            return f"{n // unit}{name}"
    return str(n)


def parse_size(text: str) -> int:
    match = _SIZE.match(text)
    if not match:
        raise ValueError(f"{text!r} is not a size WSL reads (like 4GB or 512MB)")
    return int(match.group(1)) * _UNITS[match.group(2).upper()]


def _lines(text: str) -> List[str]:
    return text.splitlines(keepends=True)


def _body(line: str) -> Tuple[str, str]:
    stripped = line.rstrip("\r\n")
    return stripped, line[len(stripped):]


def _sections(lines: List[str]) -> List[Tuple[str, int, int]]:
    """(name, first line after its header, end) of each section; name "" before any header."""
    found: List[Tuple[str, int, int]] = []
    name, start = "", 0
    for index, line in enumerate(lines):
        match = _HEADER.match(_body(line)[0])
        if match:
            found.append((name, start, index))
            name, start = match.group(1).lower(), index + 1
    found.append((name, start, len(lines)))
    return found


def entries(text: str) -> Dict[str, str]:
    """[wsl2] key (lower case) -> value text; the last one wins, as in WSL."""
    lines = _lines(text)
    out: Dict[str, str] = {}
    for name, start, end in _sections(lines):
        if name != SECTION:
            continue
        for line in lines[start:end]:
            match = _ENTRY.match(_body(line)[0])
            if match and not match.group("key").startswith(("#", ";")):
                out[match.group("key").lower()] = match.group("value").strip().strip('"')
    return out


def values(text: str) -> Tuple[Dict[str, int], Dict[str, str]]:
    """(field -> value, field -> problem) for processors, memory and swap."""
    found, problems = {}, {}
    raw = entries(text)
    for field, key in KEYS.items():
        if key not in raw:
            continue
        try:
            found[field] = int(raw[key]) if field == "cpus" else parse_size(raw[key])
        except ValueError:
            problems[field] = f"{key}={raw[key]} is not readable"
    return found, problems


def edit(text: str, updates: Mapping[str, str]) -> str:
    """`text` with each [wsl2] key set to its value text."""
    lines = _lines(text)
    newline = "\r\n" if "\r\n" in text else "\n"
    todo = dict(updates)
    last_entry: Optional[int] = None
    first_section: Optional[int] = None
    spaced = False
    for name, start, end in _sections(lines):
        if name != SECTION:
            continue
        first_section = start if first_section is None else first_section
        for index in range(start, end):
            body, ending = _body(lines[index])
            match = _ENTRY.match(body)
            if not match:
                continue
            key = match.group("key").lower()
            if first_section == start:
                last_entry = index
                spaced = " =" in match.group("head")
            if key in updates:
                lines[index] = match.group("head") + updates[key] + match.group("tail") + ending
                todo.pop(key, None)
    if todo:
        sep = " = " if spaced else "="
        added = [f"{key}{sep}{value}{newline}" for key, value in todo.items()]
        if first_section is None:
            if lines and not lines[-1].endswith(("\n", "\r")):
                lines[-1] += newline
            if lines and lines[-1].strip():
                lines.append(newline)
            lines.extend([f"[{SECTION}]{newline}"] + added)
        else:
            at = (last_entry + 1) if last_entry is not None else first_section
            if at > 0 and not lines[at - 1].endswith(("\n", "\r")):
                lines[at - 1] += newline
            lines[at:at] = added
    return "".join(lines)


def read(system: System, path: PurePath) -> WslState:
    found = textfile.read(system, path, missing_ok=True)
    got, problems = values(found.text)
    return WslState(str(path), found.exists, found.digest, problems=problems, **got)
