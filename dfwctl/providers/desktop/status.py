"""What Docker Desktop has of a playbook, as status items: its settings file with the
settings in force that the playbook names (file sharing always: bind mounts depend on it),
and `.wslconfig` when the playbook sets the WSL 2 engine's resources. Pure: from the snapshot
gather read."""
from __future__ import annotations

from typing import List, Optional, Tuple

from dfwctl.desired import Desired
from dfwctl.providers.desktop.model import SETTINGS, WSLCONFIG, DesktopState, SettingsState
from dfwctl.status import Item
from dfwctl.values.sizes import format_size

DEFAULT = "default"  # not in the file: Docker Desktop's (or WSL's) own default
_FIELDS = ("engine", "cpus", "memory", "swap", "disk")
_SIZES = ("memory", "swap", "disk")


def _value(field: str, value: object) -> str:
    if value is None:
        return DEFAULT
    if field in _SIZES and isinstance(value, int):
        return format_size(value)
    return str(value)


def _settings_facts(desired: Desired, settings: SettingsState) -> Tuple[Tuple[str, str], ...]:
    spec = desired.desktop
    named = [f for f in _FIELDS if spec is not None and getattr(spec, f) is not None]
    facts = [(f, _value(f, getattr(settings, f))) for f in named]
    sharing = settings.sharing
    facts.append(("file sharing", ", ".join(sharing) if sharing else
                  ("(nothing)" if sharing is not None else DEFAULT)))
    return tuple(facts)


def items(desired: Desired, state: DesktopState) -> Tuple[Item, ...]:
    found: List[Item] = []
    settings: Optional[SettingsState] = state.settings
    if settings is None:
        found.append(Item(SETTINGS, "settings", state.searched[0] if state.searched else "",
                          "not found", ok=False))
    else:
        problems = "; ".join(settings.problems.values())
        found.append(Item(SETTINGS, "settings", settings.path,
                          f"unreadable in part: {problems}" if problems else "found",
                          _settings_facts(desired, settings), ok=not problems))
    wsl = state.wslconfig
    if wsl is not None:
        facts = tuple((key, _value(key, getattr(wsl, key))) for key in ("cpus", "memory", "swap"))
        found.append(Item(WSLCONFIG, "wslconfig", wsl.path,
                          "found" if wsl.exists else "none yet", facts))
    return tuple(found)
