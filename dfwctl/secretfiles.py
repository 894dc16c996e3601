"""The playbook's secrets as the containers get them: top-level `secrets:`, read once.

Two spellings share the key. dfwctl's list, `secrets: [DB_PASSWORD]`, names variables whose
values are masked wherever dfwctl prints or saves them; each is also a secret of that name
whose value is the variable's. Compose's mapping, `secrets: {db-password: {file: ./pw.txt}}`
or `{environment: DB_PASSWORD}`, names secrets handed to containers as files; a secret from a
variable masks that variable too. Files are relative to the playbook's folder.

This module reads them (the files; the variables come from interpolation) and knows which
containers are granted which; the rules report what cannot be read, at its place."""
from __future__ import annotations

import os
import stat
import sys
from pathlib import Path
from typing import Any, Dict, Iterator, Mapping, Optional, Set, Tuple

from dfwctl.tree import mapping, sequence
from dfwctl.values.mounts import is_windows_path
from dfwctl.values.secrets import MAX_SIZE, SecretSource, SecretValue

SECTION = "secrets"
Where = Tuple[Any, ...]  # a place in the playbook


def is_list_form(data: Any) -> bool:
    return isinstance(data, dict) and isinstance(data.get(SECTION), list)


def variables(data: Any) -> Iterator[Tuple[str, str, Where]]:
    """(secret name, variable, where the variable is named) of every secret that comes from
    an environment variable, in either spelling."""
    listed = data.get(SECTION) if isinstance(data, dict) else None
    if isinstance(listed, list):
        for index, name in enumerate(listed):
            if isinstance(name, str):
                yield name, name, (SECTION, index)
    for name, spec in mapping(data, SECTION).items():
        variable = spec.get("environment") if isinstance(spec, dict) else None
        if isinstance(variable, str):
            yield str(name), variable, (SECTION, name, "environment")


def files(data: Any) -> Iterator[Tuple[str, Any, Where]]:
    """(secret name, file as written, where) of every secret that comes from a file."""
    for name, spec in mapping(data, SECTION).items():
        if isinstance(spec, dict) and "file" in spec:
            yield str(name), spec["file"], (SECTION, name, "file")


def granted(data: Any) -> Set[str]:
    """The names of the secrets some container is granted."""
    found: Set[str] = set()
    for spec in mapping(data, "containers").values():
        for entry in sequence(spec, SECTION):
            source = entry.get("source") if isinstance(entry, dict) else entry
            if isinstance(source, str):
                found.add(source)
    return found


def path_of(written: Any, base: Path) -> Path:
    """A secret file's path: relative ones start at the playbook's folder."""
    return (base / os.path.expanduser(str(written))).absolute()


def _named(path: Path, written: Optional[str]) -> str:
    """The file as messages name it: as written, with where that is when it is relative."""
    if written is None or Path(written).is_absolute() or os.path.isabs(written):
        return str(path)
    return f"{written} ({path})"


def read_file(path: Path, written: Optional[str] = None) -> bytes:
    """A secret file's bytes. Raises ValueError with a message that names the file (as
    `written` in the playbook, when given)."""
    if "\0" in str(path):
        raise ValueError("the secret file's path contains a NUL character: remove it")
    name = _named(path, written)
    if written is not None and os.name != "nt" and is_windows_path(written):
        raise ValueError(f"secret file {written} is a Windows path, and dfwctl runs on "
                         f"{sys.platform} here, where it cannot read it: run dfwctl on "
                         "Windows, or name the file as this machine sees it")
    try:
        info = path.stat()
    except FileNotFoundError:
        raise ValueError(f"secret file {name} does not exist: create it (and keep it out of "
                         "git), or fix the path; relative paths start at the playbook's "
                         "folder") from None
    except OSError as exc:
        raise ValueError(f"secret file {name} cannot be read: {exc.strerror}") from None
    if stat.S_ISDIR(info.st_mode):
        raise ValueError(f"secret file {name} is a folder: name the file that holds the secret")
    if not stat.S_ISREG(info.st_mode):
        raise ValueError(f"secret file {name} is not a regular file: name a file")
    if info.st_size > MAX_SIZE:
        raise ValueError(f"secret file {name} holds {info.st_size} bytes, more than a secret "
                         f"may ({MAX_SIZE}): mount large files with mounts: instead")
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_SIZE + 1)
    except OSError as exc:
        raise ValueError(f"secret file {name} cannot be read: {exc.strerror} (check its "
                         "permissions)") from None
    if len(data) > MAX_SIZE:
        raise ValueError(f"secret file {name} grew beyond {MAX_SIZE} bytes while it was read")
    return data


def sources(data: Any, base: Path, values: Mapping[str, str]) -> Dict[str, SecretSource]:
    """Every secret of a valid playbook that has a value: files are read now; `values` holds
    the variables of secrets from the environment that are set. Raises ValueError when a file
    cannot be read (it moved since it was validated)."""
    found: Dict[str, SecretSource] = {}
    for name, variable, _ in variables(data):
        value: Optional[str] = values.get(variable)
        if value is not None:
            found[name] = SecretSource(name, environment=variable,
                                       value=SecretValue(value.encode("utf-8")))
    for name, written, _ in files(data):
        path = path_of(written, base)
        found[name] = SecretSource(name, file=str(path),
                                   value=SecretValue(read_file(path, str(written))))
    return found
