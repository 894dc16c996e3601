"""Where Docker Desktop keeps its settings file, and where WSL keeps .wslconfig.

The file is, in order of precedence:
1. the environment variable DFWCTL_DESKTOP_SETTINGS (one run, e.g. a test or a try-out);
2. the playbook's `docker_desktop.settings_file` (relative to the playbook's folder);
3. where Docker Desktop keeps it for the version installed: `settings-store.json` (4.35 and
   later), else `settings.json` (4.34 and earlier, and Docker for Windows before it), in
   Windows: %APPDATA%\\Docker
   macOS:   ~/Library/Group Containers/group.com.docker
   Linux:   ~/.docker/desktop
`%NAME%` and `~` are expanded in named paths. A file named explicitly is read as Docker
Desktop for Windows' (the subject of playbooks); a file found in the default place of macOS
or Linux as that system's."""
from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path, PurePath, PureWindowsPath
from typing import Mapping, Optional, Tuple

from dfwctl.providers.desktop.system import System

ENV_SETTINGS = "DFWCTL_DESKTOP_SETTINGS"
ENV_WSLCONFIG = "DFWCTL_WSLCONFIG"
SETTINGS_NAMES = ("settings-store.json", "settings.json")  # newest first
WINDOWS, DARWIN, LINUX = "windows", "darwin", "linux"

_PERCENT = re.compile(r"%([A-Za-z_][A-Za-z0-9_()]*)%")


@dataclass(frozen=True)
class Location:
    path: Optional[PurePath]  # the settings file found; None when there is none
    searched: Tuple[PurePath, ...]  # every place looked at, in order
    explicit: bool  # named by the environment or the playbook
    host: str  # the OS Docker Desktop runs on, as far as dfwctl can tell
    source: str  # DFWCTL_DESKTOP_SETTINGS | docker_desktop.settings_file | default


def host_os(platform: str = sys.platform) -> str:
    if platform.startswith("win") or platform == "cygwin":
        return WINDOWS
    return DARWIN if platform == "darwin" else LINUX


def _home(system: System, host: str) -> PurePath:
    environ = system.environ
    if host == WINDOWS and environ.get("USERPROFILE"):
        return system.path(environ["USERPROFILE"])
    if environ.get("HOME"):
        return system.path(environ["HOME"])
    return system.path(str(Path.home()))


def expand(text: str, environ: Mapping[str, str]) -> str:
    """%NAME% (Windows style) and a leading ~ expanded; unknown names are kept as written."""
    text = _PERCENT.sub(lambda m: environ.get(m.group(1), m.group(0)), text)
    if text == "~" or text.startswith(("~/", "~\\")):
        home = environ.get("USERPROFILE") or environ.get("HOME") or str(Path.home())
        text = home + text[1:]
    return text


def resolve(text: str, base: Optional[PurePath], system: System) -> PurePath:
    """A named path: expanded, and relative to `base` (the playbook's folder) when relative."""
    expanded = expand(text, system.environ)
    path = system.path(expanded)
    if path.is_absolute() or PureWindowsPath(expanded).is_absolute():
        return path
    return (base if base is not None else system.path(str(Path.cwd()))) / path


def default_directory(host: str, system: System) -> PurePath:
    if host == WINDOWS:
        appdata = system.environ.get("APPDATA")
        root = system.path(appdata) if appdata else _home(system, host) / "AppData" / "Roaming"
        return root / "Docker"
    if host == DARWIN:
        return _home(system, host) / "Library" / "Group Containers" / "group.com.docker"
    return _home(system, host) / ".docker" / "desktop"


def named(settings_file: Optional[str], base: Optional[PurePath],
          system: System) -> Optional[Tuple[PurePath, str]]:
    """(path, source) of an explicitly named settings file, or None."""
    environ = system.environ
    if environ.get(ENV_SETTINGS):
        return resolve(environ[ENV_SETTINGS], None, system), ENV_SETTINGS
    if settings_file:
        return resolve(settings_file, base, system), "docker_desktop.settings_file"
    return None


def endpoint(settings_file: Optional[str], base: Optional[PurePath], system: System) -> str:
    """What the provider talks to, without touching the disk: the named file, or the folder
    Docker Desktop keeps its settings in."""
    explicit = named(settings_file, base, system)
    if explicit:
        return f"desktop:{explicit[0]}"
    return f"desktop:{default_directory(host_os(system.platform), system)}"


def locate(settings_file: Optional[str], base: Optional[PurePath], system: System) -> Location:
    explicit = named(settings_file, base, system)
    if explicit:
        path, source = explicit
        return Location(path if system.is_file(path) else None, (path,), True, WINDOWS, source)
    host = host_os(system.platform)
    folder = default_directory(host, system)
    searched = tuple(folder / name for name in SETTINGS_NAMES)
    found = next((p for p in searched if system.is_file(p)), None)
    return Location(found, searched, False, host, "default")


def wslconfig_path(system: System) -> Optional[PurePath]:
    """`.wslconfig` in the user's profile on Windows (DFWCTL_WSLCONFIG names another);
    None elsewhere."""
    if system.environ.get(ENV_WSLCONFIG):
        return resolve(system.environ[ENV_WSLCONFIG], None, system)
    if host_os(system.platform) == WINDOWS:
        return _home(system, WINDOWS) / ".wslconfig"
    return None


def is_local_engine(environ: Mapping[str, str]) -> bool:
    """Whether the Docker Engine in use is on this machine (DOCKER_HOST unset, or a socket or
    named pipe): only then do this machine's Docker Desktop settings say what it shares."""
    host = environ.get("DOCKER_HOST", "")
    return not host or host.startswith(("unix://", "npipe://"))
