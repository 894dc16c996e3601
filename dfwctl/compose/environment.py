"""The variables a compose project is read with, and ${VAR} in its files, as docker compose
does it: the `.env` file of the project directory (or the --env-file files, in order), then
the process environment over them. An unset variable without a default is an empty string and
a warning; ${VAR:?message} is an error; $$ is a literal $. Values are interpolated, keys never."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Dict, Iterator, List, Mapping, Optional, Sequence, Set, Tuple

from dfwctl.compose.origins import Origins
from dfwctl.errors import DfwctlError
from dfwctl.interpolate import env_file_values, expand, read_env_entries
from dfwctl.values.dotenv import DotenvError


def environment(project_dir: Path, env_files: Sequence[Path],
                environ: Mapping[str, str]) -> Dict[str, str]:
    """The variables: env files (default: .env in the project directory), the process
    environment over them. A named env file must exist, as docker compose requires."""
    values: Dict[str, str] = {}
    if env_files:
        for path in env_files:
            if not os.path.isfile(path):
                raise DfwctlError(f"{path}: no such env file", hint="pass an existing file to "
                                  "--env-file, or leave it out to read .env")
            values.update(env_file(path, {**values, **environ}))
    else:
        values.update(env_file(project_dir / ".env", environ))
    values.update(environ)
    return values


def env_file(path: Path, environ: Mapping[str, str]) -> Dict[str, str]:
    """An env file's variables as docker compose reads them (interpolate.env_file_values):
    ${VAR} in a value that is not in single quotes is substituted from the variables above
    it, then `environ`; an unset one is an empty string."""
    try:
        return env_file_values(read_env_entries(path), environ, unset_blank=True).values
    except DotenvError as exc:
        raise DfwctlError(f"{path}:{exc.line}: {exc.message}") from None


def interpolate(data: Any, environ: Mapping[str, str], origins: Origins) -> None:
    """Substitute variables in every string value of a parsed file, in place."""
    blank: Set[str] = set()
    for path, parent, key, value in _strings(data, ()):
        expansion = expand(value, environ, unset_blank=True)
        for message in expansion.errors:
            origins.error(parent, key, path, message.replace(" beside the playbook", ""))
        for name in expansion.blank:
            if name not in blank:
                blank.add(name)
                origins.warn(parent, key, path, f"variable ${{{name}}} is not set: an empty "
                             "string is used, as docker compose does")
        if expansion.text != value:
            parent[key] = expansion.text


def _strings(node: Any, path: Tuple[Any, ...], seen: Optional[Set[int]] = None
             ) -> Iterator[Tuple[Tuple[Any, ...], Any, Any, str]]:
    """(path, parent, key, value) of every string value; a node shared by YAML aliases once."""
    seen = set() if seen is None else seen
    if id(node) in seen or not isinstance(node, (dict, list)):
        return
    seen.add(id(node))
    items: List[Tuple[Any, Any]] = list(node.items() if isinstance(node, dict)
                                        else enumerate(node))
    for key, value in items:
        if isinstance(value, str) and type(value).__name__ != "TaggedScalar":
            yield path + (key,), node, key, value
        else:
            yield from _strings(value, path + (key,), seen)
