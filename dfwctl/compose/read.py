"""Which compose files make a project and how each one is read: the default files
(compose.yaml and its override) when none is named, every file parsed with positions, checked
for keys compose does not know, interpolated, its `extends` and `include` resolved, then all
merged in order. The project name comes from the options, the environment
(COMPOSE_PROJECT_NAME) or the files, as docker compose takes it; profiles selected at import
come from --profile only (without it, the playbook keeps every service's profiles)."""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Tuple

from dfwctl.compose import environment, extends, keys, merge, paths
from dfwctl.compose.origins import ComposeError, Origins, Where
from dfwctl.errors import DfwctlError, Diagnostic, PlaybookError

DEFAULT_FILES = ("compose.yaml", "compose.yml", "docker-compose.yaml", "docker-compose.yml")
OVERRIDES = ("compose.override.yaml", "compose.override.yml", "docker-compose.override.yaml",
             "docker-compose.override.yml")
MAX_INCLUDE_DEPTH = 20


@dataclass(frozen=True)
class ReadOptions:
    files: Tuple[Path, ...] = ()
    project_name: Optional[str] = None
    profiles: Tuple[str, ...] = ()
    env_files: Tuple[Path, ...] = ()
    project_directory: Optional[Path] = None
    environ: Mapping[str, str] = field(default_factory=dict)
    cwd: Path = Path(".")


@dataclass
class Project:
    """The merged model (plain Python values; `origins` knows where each key came from)."""

    name: str
    directory: Path
    files: Tuple[Path, ...]
    model: Dict[str, Any]
    profiles: Tuple[str, ...]
    environ: Dict[str, str]
    origins: Origins


def default_files(cwd: Path) -> List[Path]:
    for name in DEFAULT_FILES:
        if (cwd / name).is_file():
            found = [cwd / name]
            for override in OVERRIDES:
                if (cwd / override).is_file():
                    found.append(cwd / override)
                    break
            return found
    raise DfwctlError(f"no compose file in {cwd.resolve()}: looked for "
                      f"{', '.join(DEFAULT_FILES)}", hint="name the files: dfwctl import "
                      "compose compose.yaml compose.override.yaml")


def load_file(path: Path, origins: Origins) -> Any:
    """One compose file with positions; a YAML problem is a positioned error."""
    from dfwctl.load import load

    try:
        document = load(path, fast=False)
    except PlaybookError as exc:
        raise ComposeError(exc.diagnostics) from None
    data = document.data
    if not isinstance(data, dict):
        raise ComposeError([Diagnostic(str(path), 1, 1, "", "a compose file is a mapping of "
                                       "services, networks, volumes...")])
    origins.scan(data, str(path))
    return data


class Reader:
    """Reads files of one project: each file once per directory it is read for."""

    def __init__(self, origins: Origins, environ: Mapping[str, str]):
        self.origins = origins
        self.environ = dict(environ)
        self._extending: List[Path] = []  # files being read for an extends, innermost last

    def file(self, path: Path, base: Path, depth: int = 0) -> Dict[str, Any]:
        """A file, interpolated, checked, its extends and includes resolved, its relative paths
        made absolute from `base`."""
        data = load_file(path, self.origins)
        environment.interpolate(data, self.environ, self.origins)
        keys.check(data, self.origins)
        self.origins.check()
        model = merge.normalize(data, self.origins)
        extends.resolve(model, path, extends.Reader(self.origins, self.extended))
        paths.absolutize(model, base, self.origins)
        for included in self._includes(data, path, depth):
            merge.include(model, included, self.origins)
        return model

    def extended(self, path: Path) -> Dict[str, Any]:
        """A file that `extends.file` names, read for its services."""
        if path in self._extending:
            chain = " -> ".join(str(p) for p in self._extending + [path])
            raise ComposeError([Diagnostic(str(path), 1, 1, "", f"extends makes a cycle of "
                                           f"files: {chain}")])
        self._extending.append(path)
        try:
            return self.file(path, path.resolve().parent)
        finally:
            self._extending.pop()

    def _includes(self, data: Dict[str, Any], path: Path, depth: int) -> List[Dict[str, Any]]:
        entries = data.get("include") or []
        if not isinstance(entries, list):
            self.origins.error(data, "include", ("include",), "include is a list of files")
            self.origins.check()
            return []
        models = []
        for index in range(len(entries)):
            if depth >= MAX_INCLUDE_DEPTH:
                self.origins.error(entries, index, ("include", index),
                                   f"includes nest deeper than {MAX_INCLUDE_DEPTH} files: "
                                   "does a file include itself?")
                break
            models.append(self._include(entries, index, path, depth))
        self.origins.check()
        return models

    def _include(self, entries: List[Any], index: int, path: Path, depth: int
                 ) -> Dict[str, Any]:
        entry = entries[index]
        spec = {"path": entry} if isinstance(entry, str) else entry
        if not isinstance(spec, dict) or not spec.get("path"):
            self.origins.error(entries, index, ("include", index),
                               "an include is a path, or {path, project_directory, env_file}")
            self.origins.check()
        here = path.resolve().parent
        files = spec["path"] if isinstance(spec["path"], list) else [spec["path"]]
        first = (here / str(files[0])).resolve()
        directory = (here / str(spec["project_directory"])).resolve() \
            if spec.get("project_directory") else first.parent
        env_files = spec.get("env_file") or []
        env_files = [env_files] if isinstance(env_files, str) else env_files
        variables = environment.environment(
            directory, [(here / str(e)).resolve() for e in env_files],
            self.environ)
        child = Reader(self.origins, variables)
        model: Dict[str, Any] = {}
        for name in files:
            target = (here / str(name)).resolve()
            if not os.path.isfile(target):
                self.origins.error(entries, index, ("include", index),
                                   f"{target}: no such file to include")
                self.origins.check()
            merge.files(model, child.file(target, directory, depth + 1), self.origins)
        return model


_NAME_CHARS = re.compile(r"[^a-z0-9_-]")


def normalize_name(name: str) -> str:
    """A project name as docker compose makes one from a folder: lower case, only letters,
    digits, '-' and '_', starting with a letter or digit."""
    return _NAME_CHARS.sub("", name.lower()).lstrip("-_")


def read_project(options: ReadOptions) -> Project:
    files = [Path(f) for f in options.files] or default_files(options.cwd)
    for path in files:
        if not os.path.isfile(path):
            raise DfwctlError(f"{path}: no such compose file")
    directory = (options.project_directory or files[0].resolve().parent).resolve()
    origins = Origins()
    variables = environment.environment(directory, list(options.env_files), options.environ)
    reader = Reader(origins, variables)
    model: Dict[str, Any] = {}
    for path in files:
        merge.files(model, reader.file(path, directory), origins)
    name = _project_name(options, variables, model, directory, origins)
    profiles = options.profiles
    origins.check()
    return Project(name, directory, tuple(files), model, tuple(profiles), variables, origins)


def _project_name(options: ReadOptions, variables: Mapping[str, str], model: Dict[str, Any],
                  directory: Path, origins: Origins) -> str:
    written = options.project_name or variables.get("COMPOSE_PROJECT_NAME") or None
    if written is None and isinstance(model.get("name"), str) and model["name"]:
        name = str(model["name"])
        if normalize_name(name) != name:
            origins.error(model, "name", ("name",), f"project name {name!r} must be lower case "
                          "letters, digits, '-' and '_', starting with a letter or digit")
        return name
    if written is not None:
        if normalize_name(written) != written:
            raise DfwctlError(f"project name {written!r} must be lower case letters, digits, "
                              "'-' and '_', starting with a letter or digit")
        return written
    name = normalize_name(directory.name)
    if not name:
        origins.error({}, "name", (), f"no project name: the folder {directory.name!r} "
                      "gives none; pass --project-name", fallback=Where(str(directory), 1, 1))
    return name
