"""Mounts in docker -v syntax, "source:target[:options]", with Windows host paths.

A colon right after a single letter at the start of the source or target belongs to a drive
(`C:\\Users\\x:/data`), as the docker CLI reads it. Sources are kept as written: relative
paths are resolved later against the playbook's directory. Pure: text in, Mount out."""
from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple

BIND = "bind"
VOLUME = "volume"

USAGE = "write source:target[:options], like data:/cache:ro or C:\\Users\\me\\data:/data"
SOURCES = "use an absolute path, ./relative path, or a volume name made of letters, digits, _ . -"

# Every known option and its group: at most one option of a group may be given.
_OPTION_GROUPS: Dict[str, str] = {
    "ro": "access",
    "rw": "access",
    "z": "label",
    "Z": "label",
    "shared": "propagation",
    "slave": "propagation",
    "private": "propagation",
    "rshared": "propagation",
    "rslave": "propagation",
    "rprivate": "propagation",
    "nocopy": "copy",
    "consistent": "consistency",
    "cached": "consistency",
    "delegated": "consistency",
}
KNOWN_OPTIONS: Tuple[str, ...] = tuple(_OPTION_GROUPS)

_VOLUME_NAME = re.compile(r"[a-zA-Z0-9][a-zA-Z0-9_.-]*")
_DRIVE_PATH = re.compile(r"[A-Za-z]:[\\/]")
_DRIVE_ONLY = re.compile(r"[A-Za-z]:")
# \\server\share (any separators after the leading pair) or //server/share; "//c/x" is a
# Docker Desktop POSIX path to drive C, not a server named "c".
_UNC_BACKSLASH = re.compile(r"\\\\[^\\/]+[\\/][^\\/]+")
_UNC_SLASH = re.compile(r"//(?![A-Za-z](?:/|$))[^\\/]+/[^\\/]+")
_NAMED_PIPE = re.compile(r"\\\\\.\\pipe\\[^\\/]+")
_RELATIVE_PREFIXES = ("./", ".\\", "../", "..\\")


@dataclass(frozen=True)
class Mount:
    """One mount of a container: a bind of a host path or a volume (source "" = anonymous)."""

    type: str  # BIND | VOLUME
    source: str  # bind: the host path as written; volume: its name, or "" when anonymous
    target: str  # absolute path in the container (POSIX, or a drive path for Windows containers)
    read_only: bool = False
    options: Tuple[str, ...] = ()  # the other options, in the order written

    def spec(self) -> str:
        """Back to docker -v text, "source:target[:options]" with ro first and rw (the
        default) left out. An anonymous volume is just its target."""
        options = (("ro",) if self.read_only else ()) + tuple(self.options)
        if self.type == VOLUME and not self.source:
            head = self.target
        else:
            head = f"{self.source}:{self.target}"
        return f"{head}:{','.join(options)}" if options else head


def is_windows_path(source: str) -> bool:
    """True for an absolute Windows path: a drive (C:\\x, c:/x, D:\\) or UNC (\\\\server\\share,
    //server/share). Docker Desktop's POSIX spellings (/c/x, //c/x, /host_mnt/c/x) are not."""
    return bool(
        _DRIVE_PATH.match(source) or _UNC_BACKSLASH.match(source) or _UNC_SLASH.match(source)
    )


def parse_mount(text: str) -> Mount:
    """A Mount from docker -v text. Raises ValueError with a message for the user."""
    if not isinstance(text, str) or not text:
        shown = f'"{text}"' if isinstance(text, str) else "null" if text is None else repr(text)
        raise ValueError(f"{shown} is not a mount: {USAGE}")
    fields = _split(text)
    if len(fields) > 3:
        raise ValueError(f'"{text}" has too many colons: {USAGE}')
    if len(fields) == 1:
        if not _looks_absolute(text):
            raise ValueError(f'"{text}" has no target: {USAGE}')
        _check_target(text)
        return Mount(VOLUME, "", text)
    source, target = fields[0], fields[1]
    if not source:
        raise ValueError(f'"{text}" has an empty source: {USAGE}')
    if not target:
        raise ValueError(
            f'"{text}" has an empty target: write the container path after the source, '
            "like data:/data"
        )
    if len(fields) == 2 and _only_options(target):
        if _looks_absolute(source):
            raise ValueError(
                f'"{text}" has options but no source: an anonymous volume takes no options; '
                f"name the volume, like data:{source}:{target}"
            )
        raise ValueError(
            f'"{text}" has no target: write the container path before the options, '
            f"like {source}:/data:{target}"
        )
    if len(fields) == 3 and not fields[2]:
        raise ValueError(
            f'"{text}" ends with an empty list of options: remove the last colon, '
            "or add options like ro"
        )
    kind = _source_type(source)
    _check_target(target)
    if len(fields) == 2:
        return Mount(kind, source, target)
    read_only, options = _parse_options(fields[2], kind, source)
    return Mount(kind, source, target, read_only, options)


def _split(text: str) -> List[str]:
    """Split at colons, keeping a drive letter's colon in the source or the target."""
    fields: List[str] = []
    current = ""
    for char in text:
        drive = len(fields) < 2 and len(current) == 1 and current.isascii() and current.isalpha()
        if char == ":" and not drive:
            fields.append(current)
            current = ""
        else:
            current += char
    fields.append(current)
    return fields


def _looks_absolute(path: str) -> bool:
    return path.startswith("/") or is_windows_path(path)


def _only_options(text: str) -> bool:
    return all(item in _OPTION_GROUPS for item in text.split(","))


def _source_type(source: str) -> str:
    if is_windows_path(source) or source.startswith("/"):
        return BIND
    if _DRIVE_ONLY.match(source):
        raise ValueError(
            f'source "{source}" is not an absolute Windows path: write it like '
            f"{source[:2]}\\{source[2:]}"
        )
    if source in (".", "..") or source.startswith(_RELATIVE_PREFIXES):
        return BIND
    if _VOLUME_NAME.fullmatch(source):
        return VOLUME
    raise ValueError(f'source "{source}" is neither a path nor a volume name: {SOURCES}')


def _check_target(target: str) -> None:
    if target.startswith("/"):
        if posixpath.normpath("/" + target.lstrip("/")) == "/":
            raise ValueError(
                f'target "{target}" is the container\'s root: mount on a directory below it, '
                "like /data"
            )
        return
    if _DRIVE_PATH.match(target):
        if not target[3:].strip("\\/"):
            raise ValueError(
                f'target "{target}" is the root of a drive: mount on a folder on it, '
                f"like {target[:2]}\\data"
            )
        return
    if _NAMED_PIPE.fullmatch(target):
        return
    raise ValueError(
        f'target "{target}" is not an absolute path: container paths start with /, like /data '
        "(or a drive, like C:\\data, in Windows containers)"
    )


def _parse_options(text: str, kind: str, source: str) -> Tuple[bool, Tuple[str, ...]]:
    given: Dict[str, str] = {}  # group -> the option given for it
    for item in text.split(","):
        if not item:
            raise ValueError(
                f'options "{text}" have an empty entry: separate options with single commas, '
                "like ro,z"
            )
        group = _OPTION_GROUPS.get(item)
        if group is None:
            raise ValueError(
                f'unknown mount option "{item}": known options are {", ".join(KNOWN_OPTIONS)}'
            )
        earlier: Optional[str] = given.get(group)
        if earlier == item:
            raise ValueError(f'mount option "{item}" is given twice')
        if earlier is not None:
            raise ValueError(f'mount options "{earlier}" and "{item}" conflict: keep one')
        given[group] = item
    if kind == BIND and "copy" in given:
        raise ValueError(
            f'mount option "nocopy" is for volumes only, and "{source}" is a bind mount'
        )
    if kind == VOLUME and "propagation" in given:
        raise ValueError(
            f'mount option "{given["propagation"]}" is for bind mounts only, and "{source}" '
            "is a volume"
        )
    items = text.split(",")
    return given.get("access") == "ro", tuple(i for i in items if _OPTION_GROUPS[i] != "access")
