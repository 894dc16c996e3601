"""Mounts in docker -v syntax, "source:target[:options]", with Windows host paths, and in
compose's long syntax (a mapping of type, source, target, read_only, bind, volume, tmpfs).

A colon right after a single letter at the start of the source or target belongs to a drive
(`C:\\Users\\x:/data`), as the docker CLI reads it. Sources are kept as written: relative
paths are resolved later against the playbook's directory. A mount is written back (`spec()`)
in -v syntax whenever -v means the same, so the short and the long spelling of one mount are
the same text; the others (a bind that must not create its source, a tmpfs) in the docker
CLI's --mount syntax, "type=tmpfs,target=/cache,tmpfs-size=67108864". Pure: text or mapping
in, Mount out."""
from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from typing import Any, Dict, List, Mapping, Optional, Set, Tuple

from dfwctl.values.bounds import INT64_MAX
from dfwctl.values.sizes import parse_size

BIND = "bind"
VOLUME = "volume"
TMPFS = "tmpfs"
NPIPE = "npipe"  # a Windows named pipe (\\.\pipe\NAME), bound like a path
PROPAGATIONS = ("shared", "slave", "private", "rshared", "rslave", "rprivate")
CONSISTENCIES = ("consistent", "cached", "delegated")

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

    type: str  # BIND | VOLUME | TMPFS
    source: str  # bind: the host path as written; volume: its name, or "" when anonymous
    target: str  # absolute path in the container (POSIX, or a drive path for Windows containers)
    read_only: bool = False
    options: Tuple[str, ...] = ()  # the other options, in the order written
    create_host_path: bool = True  # bind: the engine makes a missing source (as -v does)
    tmpfs_size: Optional[int] = None  # bytes
    tmpfs_mode: Optional[int] = None  # e.g. 0o1777

    @property
    def short(self) -> bool:
        """Whether docker -v syntax (the engine's Binds) says the same."""
        return self.type == VOLUME or (self.type == BIND and self.create_host_path)

    def spec(self) -> str:
        """Back to docker -v text, "source:target[:options]" with ro first and rw (the
        default) left out; an anonymous volume is just its target. A mount -v cannot say is
        written in --mount syntax."""
        if not self.short:
            return self._flags()
        options = (("ro",) if self.read_only else ()) + tuple(self.options)
        if self.type == VOLUME and not self.source:
            head = self.target
        else:
            head = f"{self.source}:{self.target}"
        return f"{head}:{','.join(options)}" if options else head


    def _flags(self) -> str:
        parts = [f"type={self.type}"]
        if self.source:
            parts.append(f"source={self.source}")
        parts.append(f"target={self.target}")
        if self.read_only:
            parts.append("readonly")
        for option in self.options:
            key = "bind-propagation" if option in PROPAGATIONS else "consistency"
            parts.append(f"{key}={option}")
        if self.tmpfs_size is not None:
            parts.append(f"tmpfs-size={self.tmpfs_size}")
        if self.tmpfs_mode is not None:
            parts.append(f"tmpfs-mode={self.tmpfs_mode:o}")
        return ",".join(parts)

    def engine_mount(self) -> Dict[str, Any]:
        """The engine's Mounts entry (HostConfig.Mounts) of a mount -v cannot say."""
        found: Dict[str, Any] = {"Type": self.type, "Target": self.target,
                                 "ReadOnly": self.read_only}
        if self.source:
            found["Source"] = self.source
        for option in self.options:
            if option in PROPAGATIONS:
                found["BindOptions"] = {"Propagation": option}
            else:
                found["Consistency"] = option
        tmpfs = {"SizeBytes": self.tmpfs_size, "Mode": self.tmpfs_mode}
        if any(v is not None for v in tmpfs.values()):
            found["TmpfsOptions"] = {k: v for k, v in tmpfs.items() if v is not None}
        return found


class MountError(ValueError):
    """A problem of a long-syntax mount, with the key it is about (("tmpfs", "size"))."""

    def __init__(self, message: str, key: Tuple[str, ...] = ()):
        super().__init__(message)
        self.key = key


def is_windows_path(source: str) -> bool:
    """True for an absolute Windows path: a drive (C:\\x, c:/x, D:\\) or UNC (\\\\server\\share,
    //server/share). Docker Desktop's POSIX spellings (/c/x, //c/x, /host_mnt/c/x) are not."""
    return bool(
        _DRIVE_PATH.match(source) or _UNC_BACKSLASH.match(source) or _UNC_SLASH.match(source)
    )


def mount_of(value: Any) -> Mount:
    """A Mount from either syntax: docker -v text or compose's long mapping (or the --mount
    text dfwctl writes for what -v cannot say). Raises ValueError (MountError for a mapping,
    with the key) with a message for the user."""
    if isinstance(value, dict):
        return long_mount(value)
    return parse_mount(value)


def parse_mount(text: str) -> Mount:
    """A Mount from docker -v text. Raises ValueError with a message for the user."""
    if isinstance(text, str) and text.startswith("type="):
        return _from_flags(text)
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


# compose's long syntax --------------------------------------------------------------------
_BLOCKS = {BIND: "bind", NPIPE: "bind", VOLUME: "volume", TMPFS: "tmpfs"}


def long_mount(value: Mapping[str, Any]) -> Mount:
    """A Mount from compose's long syntax (its shape already checked by the schema)."""
    kind = str(value.get("type"))
    target = str(value.get("target"))
    try:
        _check_target(target)
    except ValueError as exc:
        raise MountError(str(exc), ("target",)) from None
    for block in ("bind", "volume", "tmpfs"):
        if block in value and _BLOCKS.get(kind) != block:
            raise MountError(f"{block} settings are for {block} mounts, and this one is a "
                             f"{kind} mount: remove them, or change its type", (block,))
    options = tuple(str(value[k]) for k in ("consistency",) if value.get(k))
    read_only = bool(value.get("read_only"))
    if kind == TMPFS:
        return _long_tmpfs(value, target, read_only)
    source = value.get("source")
    if kind == VOLUME:
        return _long_volume(value, source, target, read_only, options)
    if not source:
        raise MountError(f"a {kind} mount needs the source: the host path to mount",
                         ("source",))
    source = str(source)
    try:
        is_path = _source_type(source) == BIND
    except ValueError as exc:
        raise MountError(str(exc), ("source",)) from None
    if not is_path:
        raise MountError(f'source "{source}" is not a path: a {kind} mount\'s source is an '
                         "absolute path or ./relative path", ("source",))
    bind = value.get("bind") or {}
    propagation = (str(bind["propagation"]),) if bind.get("propagation") else ()
    return Mount(BIND, source, target, read_only, propagation + options,
                 create_host_path=bool(bind.get("create_host_path", True)))


def _long_volume(value: Mapping[str, Any], source: Any, target: str, read_only: bool,
                 options: Tuple[str, ...]) -> Mount:
    name = "" if source is None else str(source)
    if name and not _VOLUME_NAME.fullmatch(name):
        raise MountError(f'source "{name}" is not a volume name: {SOURCES}', ("source",))
    nocopy = ("nocopy",) if (value.get("volume") or {}).get("nocopy") else ()
    if not name and (read_only or nocopy or options):
        raise MountError("an anonymous volume takes no options: name the volume in source",
                         ("source",))
    return Mount(VOLUME, name, target, read_only, nocopy + options)


def _long_tmpfs(value: Mapping[str, Any], target: str, read_only: bool) -> Mount:
    if value.get("source"):
        raise MountError("a tmpfs mount has no source (the engine refuses one): remove it",
                         ("source",))
    tmpfs = value.get("tmpfs") or {}
    size = mode = None
    if tmpfs.get("size") is not None:
        try:
            size = parse_size(tmpfs["size"])
        except ValueError as exc:
            raise MountError(str(exc), ("tmpfs", "size")) from None
        if size > INT64_MAX:
            raise MountError(f'size "{tmpfs["size"]}" is too large: the engine holds sizes in '
                             "64 bits", ("tmpfs", "size"))
    if tmpfs.get("mode") is not None:
        text = str(tmpfs["mode"]).lower().removeprefix("0o")
        if not re.fullmatch(r"[0-7]{1,4}", text):
            raise MountError(f'mode "{tmpfs["mode"]}" is not an octal file mode: write it in '
                             'quotes, like "1777"', ("tmpfs", "mode"))
        mode = int(text, 8)
    return Mount(TMPFS, "", target, read_only, tmpfs_size=size, tmpfs_mode=mode)


# The docker CLI's --mount fields, and where each goes in the long syntax's mapping.
_FLAG_FIELDS: Dict[str, Tuple[str, ...]] = {
    "type": ("type",), "source": ("source",), "src": ("source",), "target": ("target",),
    "dst": ("target",), "destination": ("target",), "consistency": ("consistency",),
    "bind-propagation": ("bind", "propagation"), "tmpfs-size": ("tmpfs", "size"),
    "tmpfs-mode": ("tmpfs", "mode"),
}
_FLAG_TYPES = (BIND, VOLUME, TMPFS, NPIPE)
_FLAG_SWITCHES = {"readonly": "read_only", "ro": "read_only", "volume-nocopy": "nocopy"}
_TRUTH = {"": True, "true": True, "1": True, "false": False, "0": False}
FLAGS_USAGE = ("write it like type=tmpfs,target=/cache,tmpfs-size=64m, or as a mapping "
               "(type:, source:, target:)")


def _from_flags(text: str) -> Mount:
    """A Mount from the docker CLI's --mount text (what spec() writes for a mount -v cannot
    say, and what an exported playbook holds), checked as the long syntax is. A bind made
    this way never creates its source (--mount does not)."""
    value: Dict[str, Any] = {}
    seen: Set[Tuple[str, ...]] = set()
    for part in text.split(","):
        key, equals, setting = part.partition("=")
        switch = _FLAG_SWITCHES.get(key)
        if switch is not None:
            on = _TRUTH.get(setting.lower())
            if on is None:
                raise ValueError(f'"{text}": {key} is true or false, not "{setting}"')
            if switch == "nocopy":
                value.setdefault("volume", {})["nocopy"] = on
            else:
                value["read_only"] = on
            continue
        where = _FLAG_FIELDS.get(key)
        if where is None or not equals or not setting:
            raise ValueError(f'"{text}": "{part}" is not a --mount field '
                             f"({', '.join([*_FLAG_FIELDS, *_FLAG_SWITCHES])}): {FLAGS_USAGE}")
        if where in seen:
            raise ValueError(f'"{text}" gives {".".join(where)} twice: keep one')
        seen.add(where)
        if len(where) == 2:
            value.setdefault(where[0], {})[where[1]] = setting
        else:
            value[where[0]] = setting
    if value["type"] not in _FLAG_TYPES:  # the text starts with type= (parse_mount)
        raise ValueError(f'"{text}" has type "{value["type"]}": a --mount type is one of '
                         f"{', '.join(_FLAG_TYPES)}")
    if "target" not in value:
        raise ValueError(f'"{text}" has no target: add target=, the container path, like '
                         "target=/data")
    for given, known in ((value.get("bind", {}).get("propagation"), PROPAGATIONS),
                         (value.get("consistency"), CONSISTENCIES)):
        if given is not None and given not in known:
            raise ValueError(f'"{text}": "{given}" is not one of {", ".join(known)}')
    if value["type"] == BIND:
        value.setdefault("bind", {})["create_host_path"] = False
    try:
        return long_mount(value)
    except MountError as exc:
        raise ValueError(f'"{text}": {exc}') from None
