"""`dfwctl export`: a playbook from what runs on the engine (every container, one compose
project's, or named ones), with the networks and named volumes they use. Each is read back
(readback.py) and written with only what differs from its image's and the engine's defaults
(entries.py), so that a plan of the written playbook against the same engine has nothing to
do. What a playbook cannot say is returned as notes, never dropped silently."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Optional, Tuple

from dfwctl.errors import DfwctlError, NotFoundError
from dfwctl.providers.docker import labels as L
from dfwctl.providers.docker.engine import Engine
from dfwctl.providers.docker.entries import (
    container_entry,
    playbook_tree,
    shared_entry,
)
from dfwctl.providers.docker.health import STARTED
from dfwctl.providers.docker.model import BUILTIN_NETWORKS, volume_sources
from dfwctl.providers.docker.readback import (
    EngineDefaults,
    Readback,
    container_readback,
    network_readback,
    volume_readback,
)

PROJECT_LABEL = "com.docker.compose.project"
_NAME = re.compile(r"[a-z0-9][a-z0-9_.-]*")


@dataclass(frozen=True)
class Selection:
    """Which containers: named ones, one compose project's, or (neither) all of them."""

    names: Tuple[str, ...] = ()
    project: Optional[str] = None


@dataclass(frozen=True)
class Exported:
    tree: Dict[str, Any]
    notes: Tuple[str, ...] = ()
    containers: Tuple[str, ...] = field(default=())


def playbook_name(text: str) -> str:
    """A playbook name from a project's or the user's: lower case, other characters as -."""
    name = re.sub(r"[^a-z0-9_.-]+", "-", text.lower()).strip("-._")
    return name if _NAME.fullmatch(name or "") else "exported"


def _listed(engine: Engine, selection: Selection) -> List[Mapping[str, Any]]:
    api = engine.api
    if selection.names:
        found = engine.call("list containers", api.containers, all=True, filters={
            "name": [f"^/{re.escape(n)}$" for n in selection.names]})
        have = {n.lstrip("/") for c in found for n in c.get("Names") or ()}
        missing = [n for n in selection.names if n not in have]
        if missing:
            raise DfwctlError(f"no container named {', '.join(missing)} on {engine.endpoint}",
                              "list them with: docker ps -a")
        return list(found)
    filters = {"label": f"{PROJECT_LABEL}={selection.project}"} if selection.project else {}
    found = engine.call("list containers", api.containers, all=True, filters=filters)
    if selection.project and not found:
        raise DfwctlError(f"no container of compose project {selection.project} on "
                          f"{engine.endpoint}", "list the projects with: docker compose ls -a")
    return list(found)


def _dependencies(read: Readback, by_service: Mapping[Tuple[str, str], str],
                  notes: List[str]) -> Any:
    """depends_on as a playbook writes it: a list of names, or with conditions."""
    needs: Dict[str, str] = {}
    for service, condition in read.depends_on:
        name = by_service.get((read.project or "", service))
        if name is None:
            notes.append(f"{read.spec.name}: depends_on {service} left out: its container is "
                         "not exported")
        else:
            needs[name] = condition
    if all(c == STARTED for c in needs.values()):
        return list(needs)
    return {name: {"condition": condition} for name, condition in needs.items()}


def export(engine: Engine, selection: Selection, name: Optional[str] = None) -> Exported:
    """Read the selected containers and what they use; the playbook tree and the notes."""
    api = engine.api
    notes: List[str] = []
    listed = _listed(engine, selection)
    reads: List[Readback] = []
    defaults = EngineDefaults(
        log_driver=str(engine.call("read the engine's settings", api.info).get("LoggingDriver")
                       or "json-file"))
    for raw in sorted(listed, key=lambda c: (c.get("Names") or ["/"])[0]):
        cname = (raw.get("Names") or ["/?"])[0].lstrip("/")
        owner = (raw.get("Labels") or {}).get(L.OWNER)
        if owner and not selection.names:
            notes.append(f"{cname}: left out, playbook {owner} owns it")
            continue
        info = engine.call(f"inspect container {cname}", api.inspect_container, raw["Id"])
        image = _image(engine, info, cname, notes)
        read = container_readback(info, image, defaults)
        if owner:
            notes.append(f"{cname}: playbook {owner} owns it; the exported playbook would "
                         "clash with it")
        notes.extend(f"{cname}: {text}: a playbook has no such setting; left out"
                     for text in read.unsaid)
        reads.append(read)
    if not reads:
        raise DfwctlError("no container to export", "name containers, or --project NAME")
    by_service = {(r.project or "", r.service): r.spec.name for r in reads if r.service}
    containers = {r.spec.name: container_entry(r.spec, _dependencies(r, by_service, notes))
                  for r in reads}
    networks = {n: shared_entry(network_readback(engine.call(
        f"inspect network {n}", api.inspect_network, n)))
        for n in sorted({n for r in reads for n in r.spec.networks}) if n not in BUILTIN_NETWORKS}
    volumes = {v: shared_entry(volume_readback(engine.call(
        f"inspect volume {v}", api.inspect_volume, v)))
        for v in sorted({v for r in reads for v in volume_sources(r.spec)})}
    projects = sorted({r.project for r in reads if r.project})
    title = playbook_name(name or selection.project or (projects[0] if len(projects) == 1
                                                        else "exported"))
    return Exported(playbook_tree(title, containers, networks, volumes), tuple(notes),
                    tuple(containers))


def _image(engine: Engine, info: Mapping[str, Any], cname: str,
           notes: List[str]) -> Mapping[str, Any]:
    """The container's image's inspect document ({} when the engine no longer has it)."""
    try:
        image: Mapping[str, Any] = engine.call(f"inspect the image of {cname}",
                                               engine.api.inspect_image, info["Image"])
    except NotFoundError:
        notes.append(f"{cname}: its image {info['Image'][:19]} is gone: every setting is "
                     "written out")
        return {}
    if str((info.get("Config") or {}).get("Image") or "").startswith("sha256:"):
        notes.append(f"{cname}: made from an image ID; write its name in image:")
    return image
