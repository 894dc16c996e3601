"""A service's `extends`: the service it names (in the same file, or in `file`) is its base,
resolved first (a base may extend another), and the service's own keys merge over it by the
merge rules of several files. A base from another file brings its relative paths resolved
against that file's folder, as docker compose does."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple

from dfwctl.compose import merge
from dfwctl.compose.origins import Origins


class Reader:
    """What extends needs of the reader: positions, and another file's services."""

    def __init__(self, origins: Origins, extended: Callable[[Path], Dict[str, Any]]):
        self.origins = origins
        self.extended = extended


def resolve(model: Dict[str, Any], path: Path, reader: Reader) -> None:
    """Resolve every service's extends in a file's model, in place."""
    services = model.get("services")
    if not isinstance(services, dict):
        return
    done: Dict[str, Any] = {}
    for name in list(services):
        services[name] = _resolved(services, name, path, reader, done, [])
        reader.origins.check()


def _resolved(services: Dict[str, Any], name: str, path: Path, reader: Reader,
              done: Dict[str, Any], chain: List[Tuple[str, str]]) -> Any:
    origins = reader.origins
    key = (str(path.resolve()), name)
    if name in done:
        return done[name]
    service = services[name]
    if not isinstance(service, dict) or "extends" not in service:
        done[name] = service
        return service
    if key in chain:
        cycle = " -> ".join(n for _, n in chain + [key])
        origins.error(service, "extends", ("services", name, "extends"),
                      f"extends makes a cycle: {cycle}")
        return service
    spec = service["extends"]
    spec = {"service": spec} if isinstance(spec, str) else spec
    if not isinstance(spec, dict) or not isinstance(spec.get("service"), str):
        origins.error(service, "extends", ("services", name, "extends"),
                      "extends is a service name, or {service, file}")
        return service
    base = _base(services, spec, name, path, reader, done, chain + [key])
    if base is None:
        return service
    own = {k: v for k, v in service.items() if k != "extends"}
    for k in own:
        origins.copy(service, k, own, k)
    merged = merge.merge_value(merge.plain(base, origins), own, ("services", name), origins)
    done[name] = merged
    return merged


def _base(siblings: Dict[str, Any], spec: Dict[str, Any], name: str, path: Path,
          reader: Reader, done: Dict[str, Any], chain: List[Tuple[str, str]]
          ) -> Optional[Dict[str, Any]]:
    origins = reader.origins
    service = siblings[name]
    wanted = spec["service"]
    where = ("services", name, "extends")
    if spec.get("file"):
        other = (path.resolve().parent / str(spec["file"])).resolve()
        if not os.path.isfile(other):
            origins.error(service, "extends", where, f"{other}: no such file to extend")
            return None
        services = (reader.extended(other).get("services") or {})
        if wanted not in services:
            origins.error(service, "extends", where, f"{other} has no service {wanted!r}")
            return None
        found: Any = services[wanted]  # resolved when that file was read
        return found if isinstance(found, dict) else None
    if wanted not in siblings:
        origins.error(service, "extends", where, f"no service {wanted!r} to extend in this "
                      "file: name its file with extends.file")
        return None
    base = _resolved(siblings, wanted, path, reader, done, chain)
    return base if isinstance(base, dict) else None
