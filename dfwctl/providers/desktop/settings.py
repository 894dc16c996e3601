"""Docker Desktop's settings file: which keys hold what in each era and casing, reading them
into a SettingsState, and the key/value updates that write a field back.

| field   | 2016-2018 (settings.json) | 2.x-4.34 (settings.json) | 4.35+ (settings-store.json) |
|---------|---------------------------|--------------------------|-----------------------------|
| cpus    | VmCpus                    | cpus                     | Cpus                        |
| memory  | VmMemory (MB)             | memoryMiB                | MemoryMiB                   |
| swap    | VmSwap (MB)               | swapMiB                  | SwapMiB                     |
| disk    | -                         | diskSizeMiB              | DiskSizeMiB                 |
| sharing | - (drives shared over SMB)| filesharingDirectories   | FilesharingDirectories      |
| engine  | - (Hyper-V only)          | wslEngineEnabled         | WslEngineEnabled            |

Both casings are read in every era (files in the wild have both). A key the file already has
is written where it is; a new key takes the casing most of the file's keys have."""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any, Dict, List, Optional, Tuple, cast

from dfwctl.errors import DfwctlError
from dfwctl.providers.desktop import jsonedit, textfile
from dfwctl.providers.desktop.model import (
    CLASSIC,
    HYPERV,
    LEGACY,
    STORE,
    WSL2,
    SettingsState,
)
from dfwctl.providers.desktop.system import System
from dfwctl.values.sizes import MIB

STORE_NAME = "settings-store.json"


@dataclass(frozen=True)
class Key:
    field: str
    camel: str
    pascal: str
    legacy: Optional[str]
    kind: str  # count | mib | engine | paths

    @property
    def spellings(self) -> Tuple[str, ...]:
        return tuple(k for k in (self.camel, self.pascal, self.legacy) if k)


KEYS: Tuple[Key, ...] = (
    Key("engine", "wslEngineEnabled", "WslEngineEnabled", None, "engine"),
    Key("cpus", "cpus", "Cpus", "VmCpus", "count"),
    Key("memory", "memoryMiB", "MemoryMiB", "VmMemory", "mib"),
    Key("swap", "swapMiB", "SwapMiB", "VmSwap", "mib"),
    Key("disk", "diskSizeMiB", "DiskSizeMiB", None, "mib"),
    Key("sharing", "filesharingDirectories", "FilesharingDirectories", None, "paths"),
)
BY_FIELD = {k.field: k for k in KEYS}
WINDOWS_CONTAINERS = ("useWindowsContainers", "UseWindowsContainers")


def era_of(path: PurePath, data: Dict[str, Any]) -> str:
    if path.name.lower().endswith(STORE_NAME):
        return STORE
    modern = any(k in data for key in KEYS for k in (key.camel, key.pascal))
    legacy = any(key.legacy in data for key in KEYS if key.legacy)
    return LEGACY if legacy and not modern else CLASSIC


def _value(key: Key, raw: Any) -> Any:
    """The field's value from one key's raw JSON value; ValueError when it is not readable."""
    if key.kind == "engine":
        if not isinstance(raw, bool):
            raise ValueError("should be true or false")
        return WSL2 if raw else HYPERV
    if key.kind in ("count", "mib"):
        if isinstance(raw, bool) or not isinstance(raw, int) or raw < 0:
            raise ValueError("should be a whole number")
        return raw * MIB if key.kind == "mib" else raw
    if not isinstance(raw, list) or not all(isinstance(p, str) for p in raw):
        raise ValueError("should be a list of folder paths")
    return tuple(raw)


def parse(path: PurePath, text: str, digest: str) -> SettingsState:
    """A SettingsState from the file's text. Raises DfwctlError when it is not a JSON object."""
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise DfwctlError(f"{path}: not valid JSON ({exc})",
                          "Docker Desktop rewrites it on its next start; or fix it by hand") from None
    if not isinstance(data, dict):
        raise DfwctlError(f"{path}: not a JSON object", "is this Docker Desktop's settings file?")
    era = era_of(path, data)
    values: Dict[str, Any] = {}
    keys: Dict[str, Tuple[str, ...]] = {}
    problems: Dict[str, str] = {}
    for key in KEYS:
        present = tuple(k for k in key.spellings if k in data)
        if not present:
            continue
        keys[key.field] = present
        read = {}
        for name in present:
            try:
                read[name] = _value(key, data[name])
            except ValueError as exc:
                problems[key.field] = f"{name} is {json.dumps(data[name])}: it {exc}"
        if key.field not in problems:
            distinct = {json.dumps(v) for v in read.values()}
            if len(distinct) > 1:
                shown = " and ".join(f"{n}={json.dumps(data[n])}" for n in present)
                problems[key.field] = f"it has both {shown}: remove one of them"
            else:
                values[key.field] = next(iter(read.values()))
    if "engine" not in keys and era in (LEGACY, CLASSIC):
        values["engine"] = HYPERV  # before WSL 2 (Docker Desktop 2.3) there was only Hyper-V
    upper = sum(1 for k in data if k[:1].isupper())
    lower = sum(1 for k in data if k[:1].islower())
    return SettingsState(
        path=str(path), era=era, digest=digest,
        windows_containers=any(data.get(k) is True for k in WINDOWS_CONTAINERS),
        keys=keys, pascal=upper > lower or (upper == lower and era == STORE),
        problems=problems, **values)


def read(system: System, path: PurePath) -> SettingsState:
    found = textfile.read(system, path)
    try:
        jsonedit.layout(found.text)
    except jsonedit.JsonEditError as exc:
        raise DfwctlError(f"{path}: not a JSON object dfwctl can read: {exc}",
                          "Docker Desktop rewrites it on its next start; or fix it by hand") from None
    return parse(path, found.text, found.digest)


def writable(state: SettingsState, field: str) -> bool:
    """Whether dfwctl can write `field` to this file."""
    key = BY_FIELD[field]
    if state.era == LEGACY:
        return key.legacy is not None
    if field == "sharing" and state.era == CLASSIC and "sharing" not in state.keys:
        return False  # Docker Desktop 2.0-2.1: drives shared over SMB from its Settings window
    return True


def json_value(field: str, value: Any) -> Any:
    kind = BY_FIELD[field].kind
    if kind == "engine":
        return value == WSL2
    if kind == "mib":
        return value // MIB
    if kind == "paths":
        return list(value)
    return value


def updates(state: SettingsState, values: Dict[str, Any]) -> Tuple[Tuple[str, Any], ...]:
    """(key, JSON value) pairs that set each field of `values` in this file: every key the
    file has for the field, or one new key in the file's casing."""
    out: List[Tuple[str, Any]] = []
    for field, value in values.items():
        key = BY_FIELD[field]
        # key.legacy is None only for a field writable() refuses, and a plan that sets one is
        # refused (PlanError) before these pairs are used: the cast does not check it.
        names = state.keys.get(field) or (
            (cast(str, key.legacy),) if state.era == LEGACY
            else (key.pascal if state.pascal else key.camel,))
        out.extend((name, json_value(field, value)) for name in names)
    return tuple(out)
