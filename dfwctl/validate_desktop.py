"""Validation rules for the docker_desktop section and the mounts it shares (mixed into
validate._Rules, which provides self.data, self.ok, self.error and self.warning)."""
from __future__ import annotations

from typing import Iterator, Optional

from dfwctl.errors import Diagnostic
from dfwctl.schema_messages import quote
from dfwctl.tree import _mapping, _sequence

Path = tuple


class DesktopRules:
    def desktop_rule(self) -> Iterator[Diagnostic]:
        seen = set()
        for index, letter in enumerate(_sequence(_mapping(self.data, "docker_desktop"),
                                                 "shared_drives")):
            if isinstance(letter, str) and letter.upper() in seen:
                yield self.warning(("docker_desktop", "shared_drives", index), (
                    f"drive {quote(letter)} is listed twice (drive letters ignore case): "
                    "remove one"))
            elif isinstance(letter, str):
                seen.add(letter.upper())

    def shared_with_engine(self, source: str) -> Optional[bool]:
        """Whether Docker Desktop shares a Windows path with its engine, or None when the
        playbook does not say (no sharing settings, or the WSL 2 engine, which shares all)."""
        desktop = _mapping(self.data, "docker_desktop")
        if desktop.get("engine") == "wsl2":
            return None
        if "shared_drives" not in desktop and "file_sharing" not in desktop:
            return None
        drives = {str(d).upper() for d in _sequence(desktop, "shared_drives")}
        if source[1:2] == ":" and source[0].upper() in drives:
            return True
        folder = source.replace("/", "\\").rstrip("\\").lower() + "\\"
        return any(folder.startswith(str(f).replace("/", "\\").rstrip("\\").lower() + "\\")
                   for f in _sequence(desktop, "file_sharing"))

    # networks, volumes, labels ----------------------------------------------------------
