"""What translating one project knows: its name, the names given to its services, networks
and volumes, where the playbook is written, the variables it was read with, the container
keys the playbook format has, and the notes (comments) for translated values."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, FrozenSet, List, Mapping, Optional, Protocol, Tuple

from dfwctl.compose.origins import Origins, Where
from dfwctl.errors import Diagnostic

ENGINE_NETWORKS = ("bridge", "host", "none", "nat")


@lru_cache(maxsize=None)
def _schema() -> Dict[str, Any]:
    from dfwctl.schema_messages import load_schema

    return load_schema()


def playbook_keys(kind: str) -> FrozenSet[str]:
    """The keys the playbook schema has for a container (a network, a volume): a compose key
    maps to the playbook's key of the same name once the format has it."""
    return frozenset(_schema()["$defs"][kind]["properties"])


class Raw(str):
    """Text written into the playbook as it is: a ${VAR} reference the importer made."""


@dataclass
class Context:
    project: str
    origins: Origins
    out_dir: Path
    environ: Mapping[str, str]
    carry_profiles: bool = False  # write each service's profiles (none selected at import)
    containers: Dict[str, str] = field(default_factory=dict)  # service -> container key
    networks: Dict[str, str] = field(default_factory=dict)  # compose key -> playbook key
    volumes: Dict[str, str] = field(default_factory=dict)
    secrets: Dict[str, str] = field(default_factory=dict)  # written: name -> file, environment
    unwritten: Dict[str, str] = field(default_factory=dict)  # secret left out -> why
    # (mapping written, key, comment): comments on translated values
    notes: List[Tuple[Any, Any, str]] = field(default_factory=list)
    dropped: List[str] = field(default_factory=list)  # services no selected profile enables
    # where each written playbook key came from: (section, name, key) -> its compose key
    sources: Dict[Tuple[str, str, str], Where] = field(default_factory=dict)

    def source(self, written: Tuple[str, str, str], where: Optional[Where]) -> None:
        if where is not None:
            self.sources[written] = where

    def locate(self, diagnostic: Diagnostic) -> Diagnostic:
        """A problem of the written playbook at the compose key its value came from."""
        for (section, name, key), where in sorted(self.sources.items(),
                                                  key=lambda item: -len(item[0][1])):
            head = f"{section}.{name}"
            if diagnostic.path == head or diagnostic.path.startswith((head + ".", head + "[")):
                rest = diagnostic.path[len(head) + 1:]
                if key and not (rest == key or rest.startswith((key + ".", key + "["))):
                    continue
                return Diagnostic(where.file, where.line, where.col, diagnostic.path,
                                  diagnostic.message, diagnostic.severity)
        return diagnostic

    def note(self, mapping: Any, key: Any, text: str) -> None:
        self.notes.append((mapping, key, text))

    def relative(self, path: str) -> str:
        """A host path relative to the playbook's folder (./x, ../x) when it can be."""
        try:
            rel = os.path.relpath(path, self.out_dir)
            shared = os.path.commonpath([path, str(self.out_dir)])
        except ValueError:  # another drive on Windows
            return path
        if os.path.dirname(shared) == shared:  # only the root (or the drive) in common
            return path
        if rel == ".":
            return "." + os.sep
        return rel if rel.startswith("..") else "." + os.sep + rel


def build_keys() -> Optional[FrozenSet[str]]:
    """The keys of the playbook's build, when the format has one as a mapping."""
    data = _schema()
    build = data["$defs"]["container"]["properties"].get("build")
    if not isinstance(build, dict):
        return None
    for option in [build] + list(build.get("anyOf", [])) + list(build.get("oneOf", [])):
        target = option
        if "$ref" in option:
            target = data["$defs"].get(option["$ref"].rsplit("/", 1)[-1], {})
        if isinstance(target.get("properties"), dict):
            return frozenset(target["properties"])
    return None


Out = Dict[str, Any]  # a playbook container being written


class Translating(Protocol):
    """One service being translated, as a key's handler sees it (services.Service)."""

    name: str
    service: Dict[str, Any]
    ctx: Context
    keys: FrozenSet[str]

    def path(self, *more: Any) -> Tuple[Any, ...]: ...

    def warn(self, key: str, message: str, holder: Any = None, at: Any = None,
             inner: Tuple[Any, ...] = ()) -> None: ...

    def error(self, key: str, message: str, holder: Any, at: Any) -> None: ...
