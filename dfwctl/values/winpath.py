"""Bind-mount sources as Docker Desktop on Windows reads them. Pure: text in, HostPath out.

Users write one Windows folder in many forms, and Docker Desktop accepts them all:
`C:\\x`, `c:/x`, `/c/x`, `//c/x`, `/host_mnt/c/x` (Hyper-V engine) and
`/run/desktop/mnt/host/c/x` (WSL 2 engine). Each becomes one canonical drive path, so a
source can be compared with the shared drives and file-sharing folders whatever its spelling.
Other sources get a kind of their own: UNC paths (network shares), paths inside a WSL
distribution (\\\\wsl$\\...), named pipes, POSIX paths (inside Docker Desktop's VM, or on a
macOS/Linux host) and relative paths (which Docker would turn into named volumes).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, List, Optional, Tuple

DRIVE = "drive"  # C:\x in any spelling
UNC = "unc"  # \\server\share\x
WSL = "wsl"  # \\wsl$\Distro\x, \\wsl.localhost\Distro\x
PIPE = "pipe"  # \\.\pipe\name
POSIX = "posix"  # /home/x: inside Docker Desktop's VM (Windows), or a host path (macOS, Linux)
RELATIVE = "relative"  # data, data\x, \x (no drive), C:x (relative to drive C's current folder)

WINDOWS = "windows"

_DRIVE_PATH = re.compile(r"([A-Za-z]):[\\/](.*)$", re.S)
_DRIVE_RELATIVE = re.compile(r"([A-Za-z]):(.*)$", re.S)
# Docker Desktop's POSIX spellings of a drive path; the letter is group 1, the rest group 2.
_DESKTOP_FORMS = (
    re.compile(r"/host_mnt/([A-Za-z])(?:/(.*))?$", re.S),
    re.compile(r"/run/desktop/mnt/host/([A-Za-z])(?:/(.*))?$", re.S),
    re.compile(r"//?([A-Za-z])(?:/(.*))?$", re.S),
)
_WSL_HOSTS = ("wsl$", "wsl.localhost")


@dataclass(frozen=True)
class HostPath:
    """One source. For DRIVE, `drive` is the upper-case letter and `parts` the folders below
    the drive's root; for UNC and WSL, `server`/`share` (share = the distribution for WSL)
    and the folders below; for POSIX, the folders below /."""

    text: str  # as written
    kind: str
    drive: str = ""
    server: str = ""
    share: str = ""
    parts: Tuple[str, ...] = ()

    @property
    def windows(self) -> str:
        """The canonical Windows spelling: C:\\Users\\me, \\\\server\\share\\x, or the POSIX
        path for POSIX sources, the text as written for the others."""
        if self.kind == DRIVE:
            return f"{self.drive}:\\" + "\\".join(self.parts)
        if self.kind in (UNC, WSL):
            return "\\\\" + "\\".join((self.server, self.share) + self.parts)
        if self.kind == POSIX:
            return "/" + "/".join(self.parts)
        return self.text

    @property
    def is_root(self) -> bool:
        return self.kind == DRIVE and not self.parts


def parse_source(text: str, host: str = WINDOWS) -> HostPath:
    """Classify and normalise a bind source. `host` is the OS Docker Desktop runs on: on
    Windows the POSIX spellings of drives (/c/x ...) are drive paths; elsewhere an absolute
    POSIX path is a path of that host."""
    if text.startswith(("\\\\?\\", "//?/")):  # the long-path prefix: \\?\C:\x, \\?\UNC\s\x
        rest = text[4:]
        if rest[:4].upper() in ("UNC\\", "UNC/"):
            return _network(text, rest[4:])
        return parse_source(rest) if _DRIVE_PATH.match(rest) else HostPath(text, RELATIVE)
    if text.startswith(("\\\\.\\", "//./")):
        return HostPath(text, PIPE)
    match = _DRIVE_PATH.match(text)
    if match:
        return HostPath(text, DRIVE, drive=match.group(1).upper(), parts=_parts(match.group(2)))
    if _DRIVE_RELATIVE.match(text):
        return HostPath(text, RELATIVE, drive=text[0].upper())
    if text.startswith("\\\\") or (text.startswith("//") and not _desktop_form(text)):
        return _network(text, text[2:])
    if text.startswith("/"):
        found = _desktop_form(text) if host == WINDOWS else None
        if found:
            letter, rest = found
            return HostPath(text, DRIVE, drive=letter.upper(), parts=_parts(rest))
        return HostPath(text, POSIX, parts=_parts(text))
    return HostPath(text, RELATIVE)


def _desktop_form(text: str) -> Optional[Tuple[str, str]]:
    for form in _DESKTOP_FORMS:
        match = form.match(text)
        if match:
            return match.group(1), match.group(2) or ""
    return None


def _network(text: str, rest: str) -> HostPath:
    parts = _parts(rest)
    server = parts[0] if parts else ""
    share = parts[1] if len(parts) > 1 else ""
    kind = WSL if server.lower() in _WSL_HOSTS else UNC
    return HostPath(text, kind, server=server, share=share, parts=parts[2:])


def _parts(path: Optional[str]) -> Tuple[str, ...]:
    """Folders of a path, with `.` dropped and `..` applied (never above the root)."""
    out: List[str] = []
    for part in re.split(r"[\\/]+", path or ""):
        if part in ("", "."):
            continue
        if part == "..":
            if out:
                out.pop()
            continue
        out.append(part)
    return tuple(out)


@dataclass(frozen=True)
class Cover:
    """What shares a source: a whole drive (`entry` is its letter) or a folder (`entry` is the
    folder as listed). `same_case` is False when only a case-insensitive match was found."""

    entry: str
    same_case: bool = True


def covering(source: HostPath, drives: Iterable[str], folders: Iterable[str],
             host: str = WINDOWS) -> Optional[Cover]:
    """The shared drive or file-sharing folder that covers `source`, or None.

    Drive letters ignore case. Folders are compared by their parts, case-insensitively on
    Windows and macOS (their file systems are), exactly on Linux."""
    if source.kind == DRIVE and source.drive in {d.upper() for d in drives}:
        return Cover(source.drive)
    fold = host != "linux"
    found: Optional[Cover] = None
    for folder in folders:
        shared = parse_source(folder, host)
        if shared.kind != source.kind or shared.drive != source.drive or shared.kind not in (
                DRIVE, POSIX):
            continue
        if len(shared.parts) > len(source.parts):
            continue
        head = source.parts[: len(shared.parts)]
        if head == shared.parts:
            return Cover(folder)
        if fold and [p.lower() for p in head] == [p.lower() for p in shared.parts]:
            found = found or Cover(folder, same_case=False)
    return found


def same_folder(a: str, b: str, host: str = WINDOWS) -> bool:
    """Whether two folder texts name the same folder (any spelling, any case on Windows)."""
    pa, pb = parse_source(a, host), parse_source(b, host)
    if pa.kind != pb.kind or pa.kind == RELATIVE:
        return a == b
    if host == "linux":
        return pa == pb or pa.windows == pb.windows
    return pa.windows.lower() == pb.windows.lower()
