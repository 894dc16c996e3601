"""Docker Desktop's file-sharing list and the playbook's two views of it. Pure.

Docker Desktop keeps one list of shared folders (filesharingDirectories); a shared drive is
its root folder in that list (`C:\\`). The playbook names drives (`shared_drives`) and
folders (`file_sharing`) apart, and each manages only its own part of the list: naming
`shared_drives` alone leaves the folders a user shared from the Settings window in place."""
from __future__ import annotations

from dataclasses import dataclass
from typing import FrozenSet, List, Optional, Tuple

from dfwctl.plan import FieldDiff
from dfwctl.providers.desktop.model import DesktopSpec
from dfwctl.values.winpath import DRIVE, WINDOWS, parse_source, same_folder


def is_root(entry: str, host: str = WINDOWS) -> bool:
    return host == WINDOWS and parse_source(entry, host).is_root


def drives_of(entries: Tuple[str, ...], host: str = WINDOWS) -> Tuple[str, ...]:
    """The drive letters whose roots are in the list, in list order."""
    return tuple(dict.fromkeys(parse_source(e, host).drive for e in entries if is_root(e, host)))


def folders_of(entries: Tuple[str, ...], host: str = WINDOWS) -> Tuple[str, ...]:
    return tuple(e for e in entries if not is_root(e, host))


def canonical(folder: str, host: str = WINDOWS) -> str:
    """How dfwctl writes a folder: C:\\Users\\me (drive upper case, backslashes, the
    folders' case as given)."""
    parsed = parse_source(folder, host)
    return parsed.windows if parsed.kind == DRIVE else folder


@dataclass(frozen=True)
class Update:
    entries: Optional[Tuple[str, ...]]  # the new list; None when nothing changes
    diffs: Tuple[FieldDiff, ...] = ()


def update(spec: DesktopSpec, current: Optional[Tuple[str, ...]], host: str = WINDOWS) -> Update:
    """The list after applying the playbook's named parts to `current` (None: the file has
    no list). Entries kept keep their place and spelling; new ones go last."""
    entries: List[str] = list(current or ())
    diffs: List[FieldDiff] = []
    if spec.shared_drives is not None:
        have = drives_of(tuple(entries), host)
        want = spec.shared_drives
        if set(have) != set(want):
            entries = [e for e in entries
                       if not is_root(e, host) or parse_source(e, host).drive in want]
            entries += [f"{letter}:\\" for letter in want if letter not in have]
            diffs.append(FieldDiff("shared_drives", have, tuple(want)))
    if spec.file_sharing is not None:
        folders = folders_of(tuple(entries), host)
        want = spec.file_sharing
        keep = [e for e in folders if any(same_folder(e, w, host) for w in want)]
        missing = [canonical(w, host) for w in want
                   if not any(same_folder(e, w, host) for e in folders)]
        missing = list(dict.fromkeys(missing))
        if len(keep) != len(folders) or missing:
            entries = [e for e in entries if is_root(e, host) or e in keep] + missing
            diffs.append(FieldDiff("file_sharing", folders, tuple(keep + missing)))
    if not diffs:
        return Update(None)
    return Update(tuple(entries), tuple(diffs))


@dataclass(frozen=True)
class Effective:
    drives: Optional[FrozenSet[str]]
    folders: Optional[Tuple[str, ...]]


def effective(spec: Optional[DesktopSpec], current: Optional[Tuple[str, ...]],
              host: str = WINDOWS) -> Effective:
    """What will be shared after apply: the playbook's named parts, the file's for the rest.
    Unknown (None) when neither says."""
    named = spec is not None and (spec.shared_drives is not None or spec.file_sharing is not None)
    if current is None and not named:
        return Effective(None, None)
    entries = current or ()
    # `named` implies a spec; `spec is not None` says so to the type checker.
    drives = (frozenset(spec.shared_drives)
              if named and spec is not None and spec.shared_drives is not None
              else frozenset(drives_of(entries, host)))
    folders = (tuple(spec.file_sharing)
               if named and spec is not None and spec.file_sharing is not None
               else folders_of(entries, host))
    return Effective(drives, folders)
