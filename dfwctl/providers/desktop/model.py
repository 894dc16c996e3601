"""Docker Desktop as values: what the playbook asks for (DesktopSpec) and what the machine has
(DesktopState). No I/O."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping, Optional, Tuple

from dfwctl.values.sizes import format_size, parse_size

HYPERV, WSL2 = "hyperv", "wsl2"
WINDOWS = "windows"
BACKUP_SUFFIX = ".dfwctl.bak"  # the previous version of a file dfwctl wrote, beside it
# The addresses of Docker Desktop's two changes: its settings file, and WSL 2's .wslconfig.
SETTINGS = "desktop.settings"
WSLCONFIG = "desktop.wslconfig"

# The eras of the settings file, oldest first.
LEGACY = "legacy"  # Docker for Windows 1.12-18.x: settings.json, VmCpus/VmMemory/VmSwap
CLASSIC = "classic"  # Docker Desktop 2.x-4.34: settings.json, cpus/memoryMiB/...
STORE = "store"  # Docker Desktop 4.35 and later: settings-store.json
ERA_NAMES = {
    LEGACY: "Docker for Windows 1.12-18.x settings.json",
    CLASSIC: "Docker Desktop 2.x-4.34 settings.json",
    STORE: "Docker Desktop 4.35+ settings-store.json",
}


class Size(int):
    """A number of bytes that plans show as 2GiB; JSON and comparisons see the number."""

    def __str__(self) -> str:
        return format_size(int(self))


def size(value: Optional[int]) -> Optional[Size]:
    return None if value is None else Size(value)


@dataclass(frozen=True)
class DesktopSpec:
    """The playbook's docker_desktop section. None means "not named": left as it is."""

    engine: Optional[str] = None
    cpus: Optional[int] = None
    memory: Optional[int] = None  # bytes
    swap: Optional[int] = None
    disk: Optional[int] = None
    shared_drives: Optional[Tuple[str, ...]] = None  # upper-case letters, in playbook order
    file_sharing: Optional[Tuple[str, ...]] = None
    settings_file: Optional[str] = None

    @classmethod
    def from_section(cls, section: Optional[Mapping[str, Any]]) -> Optional["DesktopSpec"]:
        """From the validated section (plain dicts, sizes still text); None without one."""
        if section is None:
            return None

        def bytes_of(key: str) -> Optional[int]:
            return parse_size(section[key]) if section.get(key) is not None else None

        drives = section.get("shared_drives")
        folders = section.get("file_sharing")
        return cls(
            engine=section.get("engine"),
            cpus=section.get("cpus"),
            memory=bytes_of("memory"),
            swap=bytes_of("swap"),
            disk=bytes_of("disk"),
            shared_drives=None if drives is None else tuple(
                dict.fromkeys(str(d).upper() for d in drives)),
            file_sharing=None if folders is None else tuple(str(f) for f in folders),
            settings_file=section.get("settings_file"),
        )


@dataclass(frozen=True)
class SettingsState:
    """Docker Desktop's settings file as read. A field is None when the file does not have it
    (sparse files leave defaults out); `keys` names the keys each field was read from."""

    path: str
    era: str
    digest: str
    engine: Optional[str] = None
    cpus: Optional[int] = None
    memory: Optional[int] = None
    swap: Optional[int] = None
    disk: Optional[int] = None
    sharing: Optional[Tuple[str, ...]] = None  # the file-sharing list (drives are X:\ roots)
    windows_containers: bool = False
    keys: Mapping[str, Tuple[str, ...]] = field(default_factory=dict)
    pascal: bool = False  # new keys are written in PascalCase (else camelCase)
    problems: Mapping[str, str] = field(default_factory=dict)  # field -> why it is unreadable


@dataclass(frozen=True)
class WslState:
    """`.wslconfig`'s [wsl2] resources (None: not set, WSL's default)."""

    path: str
    exists: bool
    digest: str
    cpus: Optional[int] = None
    memory: Optional[int] = None
    swap: Optional[int] = None
    problems: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class DriveInfo:
    """What a drive letter is on this machine (probed on Windows only)."""

    letter: str
    kind: str  # fixed | removable | network | cdrom | ramdisk | missing | unknown
    target: Optional[str] = None  # network: the share it maps; subst: the folder it stands for
    subst: bool = False


@dataclass(frozen=True)
class DesktopState:
    host: str  # windows | darwin | linux: where Docker Desktop runs
    settings: Optional[SettingsState]  # None: no settings file found
    searched: Tuple[str, ...]  # where the settings file was looked for
    explicit: bool  # named by the playbook or DFWCTL_DESKTOP_SETTINGS
    wslconfig: Optional[WslState] = None  # None: no place for .wslconfig on this machine
    drives: Mapping[str, DriveInfo] = field(default_factory=dict)  # empty: not probed
    host_cpus: Optional[int] = None

    @property
    def endpoint(self) -> str:
        return "desktop:" + (self.settings.path if self.settings else self.searched[0])

    def fingerprint(self) -> str:
        """The digests of the files a plan was made from: a saved plan is stale when they
        change."""
        parts = [self.settings.digest if self.settings else "",
                 self.wslconfig.digest if self.wslconfig else ""]
        return hashlib.sha256("\0".join(parts).encode()).hexdigest()


@dataclass(frozen=True)
class DesktopOptions:
    """How apply will make settings take effect (the plan says so)."""

    restart_command: Optional[Tuple[str, ...]] = None  # None: this machine has none
    no_restart: bool = False
    destroy: bool = False
    # the engine runs on this computer: it bind-mounts secret files, which must be shared
    secret_binds: bool = False


def command_text(argv: Iterable[str]) -> str:
    """A command line as plans and messages show it."""
    return " ".join(f'"{a}"' if " " in a else a for a in argv)
