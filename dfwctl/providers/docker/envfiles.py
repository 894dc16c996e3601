"""A container's env_file: compose's environment files, read relative to the playbook's
folder. Several files: a later one wins over an earlier one, and the container's own `env`
over them all. A file marked `secret: true` has its values treated as the values of the
playbook's secret variables: hidden wherever dfwctl prints or saves them (plans, JSON, labels,
logs), inside any text.

The files are read when the playbook's Desired is built (and by validate, which reports a
missing, unreadable or malformed one at the entry that names it). Their syntax is compose's
(values/dotenv.py): unquoted and double-quoted values have `${VAR}` substituted, from the
variables of the container's env files read before (earlier lines, earlier files), then the
playbook's environment (the process environment and the .env beside the playbook); a variable
that is set nowhere and has no default is an error, as in the playbook."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, FrozenSet, List, Mapping, Set

from dfwctl.errors import DfwctlError
from dfwctl.interpolate import env_file_values
from dfwctl.values import dotenv

# A secret value shorter than this hides common text (a port, a user name) wherever it occurs.
SHORT_SECRET = 6
# The same bound as a playbook's: an env file is text a person writes.
MAX_BYTES = 4 * 2**20


@dataclass(frozen=True)
class EnvFile:
    """One entry of env_file: a path, or compose's long form {path, required} (and secret)."""

    path: str
    required: bool = True
    secret: bool = False


@dataclass(frozen=True)
class Resolved:
    """The variables of a container's env files (a later file wins), the values that are
    secret (those of files marked secret), and each variable of the environment that a value
    substituted (name -> value), so that a secret variable used only there is still hidden."""

    values: Dict[str, str] = field(default_factory=dict)
    secrets: FrozenSet[str] = frozenset()
    substituted: Dict[str, str] = field(default_factory=dict)


def entries(value: Any) -> List[EnvFile]:
    """env_file as written: one path, a list of paths, or a list of {path, required, secret}."""
    if value is None:
        return []
    items = value if isinstance(value, list) else [value]
    found = []
    for item in items:
        if isinstance(item, dict):
            found.append(EnvFile(str(item["path"]), bool(item.get("required", True)),
                                 bool(item.get("secret", False))))
        else:
            found.append(EnvFile(str(item)))
    return found


def _text(entry: EnvFile, base: Path) -> str:
    """The file's text; "" for a missing one that is not required."""
    path = base / entry.path
    if not os.path.isfile(path):
        if not entry.required and not os.path.exists(path):
            return ""
        what = "is a folder" if os.path.isdir(path) else "is not there"
        raise DfwctlError(f"env file {entry.path} {what} ({path})",
                          "write its path relative to the playbook's folder, or add "
                          "required: false to go on without it")
    try:
        if path.stat().st_size > MAX_BYTES:
            raise DfwctlError(f"env file {entry.path} is larger than {MAX_BYTES // 2**20} MiB",
                              "check that this is the right file")
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise DfwctlError(f"env file {entry.path} is not UTF-8 text", "save it as UTF-8") \
            from None
    except OSError as exc:
        raise DfwctlError(f"env file {entry.path} cannot be read: {exc.strerror}",
                          "check that your account may read it") from None


def read_entry(entry: EnvFile, base: Path, environ: Mapping[str, str],
               earlier: Mapping[str, str], substituted: Dict[str, str]) -> Dict[str, str]:
    """The variables of one env file. `earlier`: those of the container's files read before,
    which its values may use; the environment variables used go into `substituted`. Raises
    DfwctlError saying where in the file and what to do."""
    try:
        statements = dotenv.parse(_text(entry, base))
    except dotenv.DotenvError as exc:
        raise DfwctlError(f"env file {entry.path}, line {exc.line}: {exc.message}") from None
    try:
        found = env_file_values(statements, environ, earlier)
    except dotenv.DotenvError as exc:
        raise DfwctlError(f"env file {entry.path}, line {exc.line}: {exc.message}",
                          "or quote the value in single quotes to keep a $ as it is") from None
    substituted.update(found.substituted)
    return found.values


def resolve(value: Any, base: Path, environ: Mapping[str, str]) -> Resolved:
    """Read every env file of one container, in order."""
    merged: Dict[str, str] = {}
    secrets: Set[str] = set()
    substituted: Dict[str, str] = {}
    for entry in entries(value):
        values = read_entry(entry, base, environ, merged, substituted)
        merged.update(values)
        if entry.secret:
            secrets.update(v for v in values.values() if v)
    return Resolved(merged, frozenset(secrets), substituted)
