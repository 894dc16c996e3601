"""Kernel limits of a container, as docker compose writes them: ulimits (a number, or soft and
hard) and namespaced sysctls. Pure: values in, the engine's terms out, ValueError with a
message for the user otherwise."""
from __future__ import annotations

from typing import Any, Dict, Tuple

from dfwctl.suggest import did_you_mean

# The resource limits the engine knows by name (setrlimit(2): RLIMIT_<NAME>).
ULIMITS = ("core", "cpu", "data", "fsize", "locks", "memlock", "msgqueue", "nice", "nofile",
           "nproc", "rss", "rtprio", "rttime", "sigpending", "stack")
UNLIMITED = -1

# Sysctls a container has its own copy of (the IPC and network namespaces): the engine passes
# any other to the runtime, which refuses it when the container starts.
IPC_SYSCTLS = ("kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem", "kernel.shmall",
               "kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced")
NAMESPACED_PREFIXES = ("fs.mqueue.", "net.")


def ulimit_name(name: Any) -> str:
    text = str(name)
    if text in ULIMITS:
        return text
    hint = did_you_mean(text, ULIMITS)
    raise ValueError(f'"{text}" is not a ulimit{hint or ": known are " + ", ".join(ULIMITS)}')


def _limit(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < UNLIMITED:
        raise ValueError(f"the {what} limit must be a whole number, or -1 for unlimited")
    return value


def ulimit(name: Any, value: Any) -> Tuple[int, int]:
    """(soft, hard) from `nofile: 1024` or `nofile: {soft: 1024, hard: 4096}`."""
    ulimit_name(name)
    if isinstance(value, dict):
        soft, hard = _limit(value.get("soft"), "soft"), _limit(value.get("hard"), "hard")
    else:
        soft = hard = _limit(value, "ulimit's")
    if hard != UNLIMITED and (soft == UNLIMITED or soft > hard):
        raise ValueError(f"the soft limit ({soft}) is above the hard limit ({hard}): "
                         "the soft limit must be at most the hard one")
    return soft, hard


def ulimit_text(soft: int, hard: int) -> str:
    """How a ulimit is recorded and shown: soft:hard, as `docker run --ulimit` writes it."""
    return f"{soft}:{hard}"


def ulimit_values(text: str) -> Tuple[int, int]:
    soft, _, hard = text.partition(":")
    return int(soft), int(hard)


def ulimits(value: Any) -> Tuple[Tuple[str, str], ...]:
    """The mapping -> sorted (name, "soft:hard") pairs."""
    return tuple(sorted((str(name), ulimit_text(*ulimit(name, limit)))
                        for name, limit in (value or {}).items()))


def sysctl_name(name: Any) -> str:
    text = str(name).strip()
    if text in IPC_SYSCTLS or text.startswith(NAMESPACED_PREFIXES):
        return text
    raise ValueError(
        f'sysctl "{text}" is not namespaced, so a container cannot have its own value: only '
        f"{', '.join(IPC_SYSCTLS)}, fs.mqueue.* and net.* are")


def sysctls(value: Any) -> Dict[str, str]:
    """The mapping or the NAME=VALUE list -> name: value text."""
    found: Dict[str, str] = {}
    items = value.items() if isinstance(value, dict) else (
        str(entry).partition("=")[::2] for entry in value or ())
    for name, setting in items:
        found[sysctl_name(name)] = _text(setting)
    return found


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    return "" if value is None else str(value)
