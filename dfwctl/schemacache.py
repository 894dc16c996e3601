"""A cache of playbook trees the schema already accepted, so plan and apply of an unchanged
playbook skip the schema pass (the slowest part of start-up for large playbooks).

Content-addressed: the key is a digest of the schema, the dfwctl version and the tree after
interpolation, and an entry only says "the schema found no problem in this tree". The rules
a schema cannot express always run. Losing the cache costs time, never correctness; set
DFWCTL_NO_CACHE=1 to bypass it.
"""
from __future__ import annotations

import hashlib
import json
import os
import sys
from pathlib import Path
from typing import Any, Optional

from dfwctl import __version__


def cache_dir() -> Optional[Path]:
    if os.environ.get("DFWCTL_NO_CACHE"):
        return None
    if os.environ.get("DFWCTL_CACHE_DIR"):
        return Path(os.environ["DFWCTL_CACHE_DIR"])
    if sys.platform == "win32" and os.environ.get("LOCALAPPDATA"):
        return Path(os.environ["LOCALAPPDATA"]) / "dfwctl" / "cache"
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "dfwctl"


def _entry(data: Any) -> Optional[Path]:
    folder = cache_dir()
    if folder is None:
        return None
    from dfwctl.schema_messages import schema_text

    digest = hashlib.sha256()
    digest.update(__version__.encode())
    digest.update(schema_text().encode())
    try:
        digest.update(json.dumps(data, sort_keys=True, default=repr).encode())
    except (TypeError, ValueError):  # keys that do not sort together (null, tagged): no cache
        return None
    return folder / "schema-ok" / digest.hexdigest()


def known_valid(data: Any) -> bool:
    entry = _entry(data)
    return entry is not None and entry.exists()


def remember_valid(data: Any) -> None:
    entry = _entry(data)
    if entry is None:
        return
    try:
        entry.parent.mkdir(parents=True, exist_ok=True)
        entry.touch()
    except OSError:
        pass  # a read-only home: no cache, same results
