"""Validation rules for the docker_desktop section and the mounts it shares.

The full unshared-drive check needs Docker Desktop's settings file, so it runs at plan time
(mountcheck.py). Here only what the playbook alone decides is checked: the section's own
values, and bind mounts (and the secret files the engine bind-mounts) when the playbook names
the engine (hyperv) and both sharing lists, so that nothing in the settings file can change
the answer."""
from __future__ import annotations

from typing import Any, Dict, Iterator, List, Optional

from dfwctl import secretfiles
from dfwctl.checker import Checker
from dfwctl.errors import Diagnostic
from dfwctl.schema_messages import quote
from dfwctl.tree import mapping, sequence
from dfwctl.values.mounts import is_windows_path, mount_of
from dfwctl.values.sizes import MIB, format_size
from dfwctl.values.winpath import (
    DRIVE,
    RELATIVE,
    UNC,
    WSL,
    covering,
    parse_source,
    same_folder,
)

SECTION = "docker_desktop"


def rules(c: Checker) -> Iterator[Diagnostic]:
    """Every problem of the docker_desktop section, and binds it does not share."""
    yield from c.parse_sizes((SECTION, key) for key in ("memory", "swap", "disk"))
    yield from desktop_rule(c)
    yield from bind_rule(c)
    yield from secret_file_rule(c)


def bind_rule(c: Checker) -> Iterator[Diagnostic]:
    """A bind mount from a Windows folder the playbook itself leaves unshared."""
    for name, spec in mapping(c.data, "containers").items():
        for index, value in enumerate(sequence(spec, "mounts")):
            item = ("containers", name, "mounts", index)
            if not c.ok(item):
                continue
            try:
                source = mount_of(value).source
            except ValueError:
                continue  # the Docker rules say what is wrong with it
            if is_windows_path(source) and shared_with_engine(c, source) is False:
                yield c.error(item, (
                    f"{quote(source)} is not shared with Docker Desktop, so the engine would "
                    "mount an empty folder: add its drive to docker_desktop.shared_drives or "
                    "the folder to docker_desktop.file_sharing"))


def secret_file_rule(c: Checker) -> Iterator[Diagnostic]:
    """A secret's file on a Windows drive the playbook itself leaves unshared, granted to a
    container without uid, gid or mode: the engine bind-mounts it, as it would a folder."""
    bound = {entry if isinstance(entry, str) else entry.get("source")
             for spec in mapping(c.data, "containers").values()
             for entry in sequence(spec, "secrets")
             if isinstance(entry, str) or (isinstance(entry, dict) and
                                           not {"uid", "gid", "mode"} & set(entry))}
    for name, written, where in secretfiles.files(c.data):
        if name not in bound or not isinstance(written, str):
            continue
        path = written if is_windows_path(written) else \
            str(secretfiles.path_of(written, c.doc.directory))
        if is_windows_path(path) and shared_with_engine(c, path) is False:
            yield c.error(where, (
                f"secret file {path} is not shared with Docker Desktop, and containers get it "
                "bind-mounted, so the engine would mount an empty folder in its place: add "
                "its drive to docker_desktop.shared_drives or its folder to "
                "docker_desktop.file_sharing"))


def desktop_rule(c: Checker) -> Iterator[Diagnostic]:
    desktop = mapping(c.data, SECTION)
    yield from _drive_rule(c)
    yield from _mib_rule(c)
    yield from _folder_rule(c, desktop)


def _drive_rule(c: Checker) -> Iterator[Diagnostic]:
    seen = set()
    for index, letter in enumerate(sequence(mapping(c.data, SECTION), "shared_drives")):
        if isinstance(letter, str) and letter.upper() in seen:
            yield c.warning((SECTION, "shared_drives", index), (
                f"drive {quote(letter)} is listed twice (drive letters ignore case): "
                "remove one"))
        elif isinstance(letter, str):
            seen.add(letter.upper())


def _mib_rule(c: Checker) -> Iterator[Diagnostic]:
    for key in ("memory", "swap", "disk"):
        value = c.sizes.get((SECTION, key))
        if value is not None and value % MIB:
            raw = mapping(c.data, SECTION).get(key)
            shown = quote(raw) if isinstance(raw, str) else format_size(value)
            low, high = value // MIB, value // MIB + 1
            yield c.error((SECTION, key), (
                f"{shown} is not a whole number of MiB, and Docker Desktop keeps its sizes "
                f"in MiB: use {low}MiB or {high}MiB"))


def _folder_rule(c: Checker, desktop: Dict[Any, Any]) -> Iterator[Diagnostic]:
    seen: List[str] = []
    for index, folder in enumerate(sequence(desktop, "file_sharing")):
        path = (SECTION, "file_sharing", index)
        if not isinstance(folder, str) or not c.ok(path):
            continue
        parsed = parse_source(folder)
        if parsed.kind == RELATIVE:
            yield c.error(path, (
                f"{quote(folder)} is not an absolute path: write the whole folder path, "
                "like C:\\Users\\me\\projects"))
        elif parsed.is_root:
            yield c.error(path, (
                f"{quote(folder)} is a whole drive: list {parsed.drive} under "
                "docker_desktop.shared_drives instead"))
        elif parsed.kind in (UNC, WSL):
            yield c.error(path, (
                f"{quote(folder)} is a network share, which Docker Desktop cannot share "
                "with its engine: list a folder on a local drive"))
        elif any(same_folder(folder, other) for other in seen):
            yield c.warning(path, f"{quote(folder)} is listed twice: remove one")
        seen.append(folder)


def shared_with_engine(c: Checker, source: str) -> Optional[bool]:
    """Whether Docker Desktop shares a Windows path with its engine, when the playbook
    alone decides it (engine: hyperv, and both shared_drives and file_sharing named, so
    the settings file cannot add to them); None otherwise: the plan checks it then."""
    desktop = mapping(c.data, SECTION)
    if desktop.get("engine") != "hyperv":
        return None
    if "shared_drives" not in desktop or "file_sharing" not in desktop:
        return None
    parsed = parse_source(source)
    if parsed.kind != DRIVE:
        return None  # network shares and the like get their own message at plan time
    drives = [str(d) for d in sequence(desktop, "shared_drives")]
    folders = [str(f) for f in sequence(desktop, "file_sharing")]
    return covering(parsed, drives, folders) is not None
