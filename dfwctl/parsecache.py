"""A cache of parsed playbooks, so plan and apply of an unchanged playbook skip the YAML
parser (and importing it): for a 200-container playbook that is most of the load time.

Content-addressed: the key is a digest of the dfwctl version and the playbook's exact text,
and an entry is the plain tree the fast parser made of it, as JSON, after a line with the
digest of that JSON. Only trees that JSON keeps exactly are stored, and only once the playbook
passed validation. An entry is used only when its digest matches and it decodes to a mapping
(load also measures it against the bounds of loadlimits): a damaged or hostile cache costs a
parse, never a changed playbook or a failed run. DFWCTL_NO_CACHE=1 bypasses it (see
schemacache.cache_dir).
"""
from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any, Optional

from dfwctl import __version__
from dfwctl.schemacache import cache_dir

KEEP = 64  # entries kept; the oldest go when a new one is written


def _folder() -> Optional[Path]:
    base = cache_dir()
    return None if base is None else base / "parsed"


def _key(text: str) -> str:
    return hashlib.sha256(f"{__version__}\0{text}".encode()).hexdigest()


def _digest(payload: bytes) -> bytes:
    return hashlib.sha256(payload).hexdigest().encode()


def lookup(text: str) -> Optional[Any]:
    """The tree parsed from `text` before, or None."""
    folder = _folder()
    if folder is None:
        return None
    try:
        raw = (folder / _key(text)).read_bytes()
    except OSError:
        return None  # a miss, or an entry that cannot be read
    digest, _, payload = raw.partition(b"\n")
    if digest != _digest(payload):
        return None  # cut short, damaged or changed: parse again
    try:
        tree = json.loads(payload)
    except (ValueError, RecursionError):  # RecursionError: JSON nested too deep to decode
        return None
    return tree if isinstance(tree, dict) else None


def encode(data: Any) -> Optional[str]:
    """`data` as JSON when JSON gives back exactly the same tree (not for non-string keys,
    NaN or other types YAML may produce), else None."""
    try:
        encoded = json.dumps(data, ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError):
        return None
    return encoded if json.loads(encoded) == data else None


def remember(text: str, encoded: Optional[str]) -> None:
    folder = _folder()
    if folder is None or encoded is None:
        return
    entry = folder / _key(text)
    temp = entry.with_name(f"{entry.name}.{os.getpid()}.tmp")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        payload = encoded.encode("utf-8")
        temp.write_bytes(_digest(payload) + b"\n" + payload)
        os.replace(temp, entry)  # readers see the whole entry or none
        _prune(folder)
    except OSError:  # a read-only home or a full disk: no cache, same results
        try:
            temp.unlink(missing_ok=True)
        except OSError:
            pass


def _prune(folder: Path) -> None:
    entries = sorted(folder.iterdir(), key=_mtime)
    for old in entries[:-KEEP]:
        try:
            old.unlink()
        except OSError:
            pass


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0
