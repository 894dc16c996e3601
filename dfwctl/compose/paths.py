"""Relative host paths made absolute, against the folder docker compose reads them from: the
project directory for the named files, the file's own folder for a base read by `extends` or
a file read by `include`. `~` is the user's home. Written back relative to the playbook."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Dict, Optional

from dfwctl.compose.origins import Origins

_REMOTE = ("http://", "https://", "git://", "git@", "ssh://", "github.com/")


def host_path(text: str, base: Path) -> str:
    """An absolute host path for a relative one (./x, ../x, ~/x, x/y); others as written."""
    if text.startswith("~"):
        return str(Path(os.path.expanduser(text)))
    if os.path.isabs(text) or _windows_absolute(text):
        return text
    return os.path.normpath(str(base / text))


def _windows_absolute(text: str) -> bool:
    return len(text) > 2 and text[1] == ":" and text[2] in "\\/" or text.startswith("\\\\")


def is_relative_source(source: str) -> bool:
    """Whether a short volume's source is a host path (not a volume name)."""
    return source.startswith((".", "~", "/", "\\")) or _windows_absolute(source)


def absolutize(model: Dict[str, Any], base: Path, origins: Origins) -> None:
    for service in (model.get("services") or {}).values():
        if isinstance(service, dict):
            _service(service, base, origins)
    for section in ("secrets", "configs"):
        for item in (model.get(section) or {}).values():
            if isinstance(item, dict) and isinstance(item.get("file"), str):
                written = item["file"]
                item["file"] = host_path(written, base)
                if item["file"] != written:
                    origins.written.setdefault(item["file"], written)


def _service(service: Dict[str, Any], base: Path, origins: Origins) -> None:
    build = service.get("build")
    if isinstance(build, dict) and isinstance(build.get("context"), str) \
            and not build["context"].startswith(_REMOTE):
        build["context"] = host_path(build["context"], base)
    volumes = service.get("volumes")
    if isinstance(volumes, list):
        for index, entry in enumerate(volumes):
            volumes[index] = _volume(entry, base)
            if isinstance(entry, str) and volumes[index] != entry:
                origins.written.setdefault(volumes[index], entry)
    for key in ("env_file", "label_file"):
        entries = service.get(key)
        if isinstance(entries, list):
            for index, entry in enumerate(entries):
                if isinstance(entry, str):
                    entries[index] = host_path(entry, base)
                elif isinstance(entry, dict) and isinstance(entry.get("path"), str):
                    entry["path"] = host_path(entry["path"], base)


def _volume(entry: Any, base: Path) -> Any:
    if isinstance(entry, dict):
        if entry.get("type") == "bind" and isinstance(entry.get("source"), str):
            entry["source"] = host_path(entry["source"], base)
        return entry
    if not isinstance(entry, str):
        return entry
    source, rest = split_source(entry)
    if rest is None or not is_relative_source(source):
        return entry
    return host_path(source, base) + rest


def split_source(entry: str) -> "tuple[str, Optional[str]]":
    """(source, ':target[:options]') of short volume text, a drive letter's colon kept."""
    start = 2 if _windows_absolute(entry) else 0
    colon = entry.find(":", start)
    if colon < 0:
        return entry, None
    return entry[:colon], entry[colon:]
