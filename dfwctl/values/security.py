"""Privileges of a container: Linux capabilities (cap_add, cap_drop) and security options
(security_opt), checked as the engine checks them and written the way every engine version
takes them. Pure: values in, the engine's text out, ValueError with a message otherwise."""
from __future__ import annotations

from typing import Any, Optional, Tuple

from dfwctl.suggest import did_you_mean

# Every capability of linux/capability.h (capabilities(7)); an older engine may not know the
# newest (PERFMON, BPF, CHECKPOINT_RESTORE need Linux 5.8/5.9): the engine says so itself.
CAPABILITIES = (
    "CHOWN", "DAC_OVERRIDE", "DAC_READ_SEARCH", "FOWNER", "FSETID", "KILL", "SETGID", "SETUID",
    "SETPCAP", "LINUX_IMMUTABLE", "NET_BIND_SERVICE", "NET_BROADCAST", "NET_ADMIN", "NET_RAW",
    "IPC_LOCK", "IPC_OWNER", "SYS_MODULE", "SYS_RAWIO", "SYS_CHROOT", "SYS_PTRACE", "SYS_PACCT",
    "SYS_ADMIN", "SYS_BOOT", "SYS_NICE", "SYS_RESOURCE", "SYS_TIME", "SYS_TTY_CONFIG", "MKNOD",
    "LEASE", "AUDIT_WRITE", "AUDIT_CONTROL", "SETFCAP", "MAC_OVERRIDE", "MAC_ADMIN", "SYSLOG",
    "WAKE_ALARM", "BLOCK_SUSPEND", "AUDIT_READ", "PERFMON", "BPF", "CHECKPOINT_RESTORE",
)
ALL = "ALL"

# The engine's security options (its parseSecurityOpt), and systempaths, which the docker CLI
# turns into empty masked and read-only path lists before it sends the request.
SECURITY_OPTIONS = ("label", "apparmor", "seccomp", "no-new-privileges", "systempaths",
                    "writable-cgroups")
SECCOMP_KEYWORDS = ("unconfined", "builtin")
_BOOLEANS = ("1", "t", "T", "TRUE", "true", "True", "0", "f", "F", "FALSE", "false", "False")


def capability(value: Any) -> str:
    """NET_ADMIN, net_admin and CAP_NET_ADMIN -> NET_ADMIN; ALL stays ALL."""
    text = str(value).strip()
    name = text.upper()
    if name.startswith("CAP_"):
        name = name[4:]
    if name == ALL or name in CAPABILITIES:
        return name
    hint = did_you_mean(name, CAPABILITIES + (ALL,))
    raise ValueError(f'"{text}" is not a Linux capability{hint or ": see capabilities(7) for the names"}')


def capabilities(values: Any) -> Tuple[str, ...]:
    """A capability list as a set: sorted, each once."""
    return tuple(sorted({capability(v) for v in values or ()}))


def security_option(value: Any) -> str:
    """One security option, with `=` between key and value (compose often writes `:`, which
    the engine still reads but has deprecated since 17.04)."""
    text = str(value).strip()
    if text == "no-new-privileges":
        return text
    if "=" in text:
        key, _, setting = text.partition("=")
    elif ":" in text:
        key, _, setting = text.partition(":")
    else:
        key, setting = text, None
    problem = _problem(key, setting)
    if problem:
        raise ValueError(f'"{text}" {problem}')
    return f"{key}={setting}"


def _problem(key: str, setting: Optional[str]) -> Optional[str]:
    if key not in SECURITY_OPTIONS:
        hint = did_you_mean(key, SECURITY_OPTIONS)
        return f"is not a security option{hint or ': known are ' + ', '.join(SECURITY_OPTIONS)}"
    if not setting:
        return f"has no value: write {key}=VALUE"
    if key in ("no-new-privileges", "writable-cgroups") and setting not in _BOOLEANS:
        return f"takes true or false, not \"{setting}\""
    if key == "systempaths" and setting != "unconfined":
        return "takes only the value unconfined"
    return None


def seccomp_profile(option: str) -> Optional[str]:
    """The profile file a canonical `seccomp=FILE` option names (None for the keywords)."""
    key, _, setting = option.partition("=")
    if key != "seccomp" or setting in SECCOMP_KEYWORDS or setting.lstrip().startswith("{"):
        return None
    return setting


def security_options(values: Any) -> Tuple[str, ...]:
    """The options in the order written (a later one may override an earlier one)."""
    return tuple(security_option(v) for v in values or ())
