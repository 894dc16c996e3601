"""Making new settings take effect: restart Docker Desktop, wait for its engine to answer,
and check in the engine's /info (NCPU, MemTotal) that its VM has the CPUs and memory asked
for. Docker Desktop reads its settings file only when it starts.

The restart command is `docker desktop restart` (Docker Desktop 4.37 and later have the
`docker desktop` CLI plugin). DFWCTL_DESKTOP_RESTART_COMMAND replaces it (a command line),
e.g. to use another tool, or a test executable. DFWCTL_DESKTOP_WAIT bounds, in seconds, both
the restart and the wait for the engine (default 300)."""
from __future__ import annotations

import shlex
import subprocess
import time
from pathlib import Path, PurePath
from typing import Any, Callable, List, Mapping, Optional, Sequence, Tuple

from dfwctl.errors import DfwctlError
from dfwctl.providers.desktop.locate import DARWIN, WINDOWS, host_os
from dfwctl.providers.desktop.model import command_text
from dfwctl.providers.desktop.system import System
from dfwctl.values.sizes import GIB, MIB, format_size

ENV_COMMAND = "DFWCTL_DESKTOP_RESTART_COMMAND"
ENV_WAIT = "DFWCTL_DESKTOP_WAIT"
DEFAULT_WAIT = 300.0
DOCKER_DESKTOP_RESTART = ("docker", "desktop", "restart")
# MemTotal is what the VM's kernel sees: less than the VM's memory by what the firmware and
# kernel reserve. It must be within this much below the setting (and never much above it).
MEMORY_SLACK_SHARE = 10  # percent
MEMORY_SLACK_MIN = 256 * MIB


def wait_seconds(environ: Mapping[str, str]) -> float:
    text = environ.get(ENV_WAIT)
    if not text:
        return DEFAULT_WAIT
    try:
        value = float(text)
    except ValueError:
        raise DfwctlError(f"{ENV_WAIT}={text!r} is not a number of seconds") from None
    if value <= 0:
        raise DfwctlError(f"{ENV_WAIT}={text!r}: use a number of seconds above 0")
    return value


def _plugin_dirs(system: System, host: str) -> List[PurePath]:
    environ = system.environ
    home = environ.get("USERPROFILE" if host == WINDOWS else "HOME") or str(Path.home())
    config = system.path(environ.get("DOCKER_CONFIG") or str(system.path(home) / ".docker"))
    dirs = [config / "cli-plugins"]
    if host == WINDOWS:
        dirs += [system.path(environ[v]) / "Docker" / "cli-plugins"
                 for v in ("ProgramData", "ProgramFiles") if environ.get(v)]
    else:
        if host == DARWIN:
            dirs.append(system.path("/Applications/Docker.app/Contents/Resources/cli-plugins"))
        dirs += [system.path(p) for p in ("/usr/local/lib/docker/cli-plugins",
                                          "/usr/local/libexec/docker/cli-plugins",
                                          "/usr/lib/docker/cli-plugins",
                                          "/usr/libexec/docker/cli-plugins")]
    return dirs


def restart_command(system: System) -> Optional[Tuple[str, ...]]:
    """The command that restarts Docker Desktop on `system`, or None when there is none."""
    text = system.environ.get(ENV_COMMAND, "").strip()
    host = host_os(system.platform)
    if text:
        return tuple(shlex.split(text, posix=host != WINDOWS))
    if not system.which("docker"):
        return None
    name = "docker-desktop.exe" if host == WINDOWS else "docker-desktop"
    if any(system.is_file(d / name) for d in _plugin_dirs(system, host)):
        return DOCKER_DESKTOP_RESTART
    return None


def run(system: System, argv: Sequence[str], timeout: float) -> None:
    """Run the restart command; it returns when Docker Desktop has restarted."""
    shown = command_text(argv)
    hint = ("restart Docker Desktop yourself (its menu: Restart), then run `dfwctl plan` to "
            "see what is left")
    try:
        done = system.run(argv, timeout)
    except FileNotFoundError:
        raise DfwctlError(f"cannot restart Docker Desktop: `{argv[0]}` was not found", hint) from None
    except PermissionError:
        raise DfwctlError(f"cannot restart Docker Desktop: `{argv[0]}` may not be run", hint) from None
    except subprocess.TimeoutExpired:
        raise DfwctlError(f"`{shown}` did not finish in {timeout:.0f}s",
                          f"wait for Docker Desktop, or set {ENV_WAIT}; " + hint) from None
    if done.code != 0:
        said = (done.stderr or done.stdout or "").strip().splitlines()[-3:]
        detail = (": " + " / ".join(said)) if said else ""
        raise DfwctlError(f"`{shown}` failed (exit code {done.code}){detail}", hint)


def wait_for_engine(connect: Callable[[], Any], timeout: float,
                    clock: Callable[[], float] = time.monotonic,
                    sleep: Callable[[float], None] = time.sleep) -> Mapping[str, Any]:
    """The engine's /info, as soon as a fresh connection gets it; DfwctlError after
    `timeout` seconds. `connect` makes an Engine."""
    deadline = clock() + timeout
    while True:
        try:
            engine = connect()
            info: Mapping[str, Any] = engine.call("read the Docker Engine's /info", engine.api.info)
            return info
        except DfwctlError as exc:
            if clock() >= deadline:
                raise DfwctlError(
                    f"the Docker Engine did not answer within {timeout:.0f}s after Docker "
                    f"Desktop restarted: {exc.message}",
                    f"check Docker Desktop, or give it longer with {ENV_WAIT}") from None
        sleep(1.0)


def memory_matches(desired: int, mem_total: int) -> bool:
    slack = max(desired * MEMORY_SLACK_SHARE // 100, MEMORY_SLACK_MIN)
    return desired - slack <= mem_total <= desired + desired // 100 + MIB


def about(n: Any) -> str:
    """Memory as /info reports it, rounded for people: 3.82GiB, 900MiB."""
    if not isinstance(n, int):
        return repr(n)
    return f"{n / GIB:.2f}GiB" if n >= GIB else f"{n / MIB:.0f}MiB"


def mismatches(info: Mapping[str, Any], cpus: Optional[int],
               memory: Optional[int]) -> List[str]:
    """What /info says that the playbook does not want (empty: all as asked)."""
    found: List[str] = []
    ncpu, total = info.get("NCPU"), info.get("MemTotal")
    if cpus is not None and ncpu != cpus:
        found.append(f"the engine reports {ncpu} CPUs, and the playbook asks for {cpus}")
    if memory is not None and (not isinstance(total, int) or not memory_matches(memory, total)):
        found.append(f"the engine reports {about(total)} of memory (MemTotal), and the playbook asks "
                     f"for {format_size(memory)}")
    return found
