"""Read the engine into an Actual snapshot with a constant number of API calls:
version, containers (by owner label), networks, volumes, images. Per-object calls happen
only where a change is possible: the registry digest of `pull: always` images, a name
clash check for containers to be created, and a live read of the limits of containers
whose record says they were updated in place."""
from __future__ import annotations

import re
from typing import Any, Dict, Iterable, List, Mapping, Optional

from dfwctl.desired import Desired
from dfwctl.logs import get_logger
from dfwctl.providers.docker import labels as L
from dfwctl.providers.docker.build import BUILT, read_state
from dfwctl.providers.docker.engine import Engine
from dfwctl.providers.docker.live import live_updatable
from dfwctl.providers.docker.model import (
    UPDATABLE_FIELDS,
    Actual,
    ContainerSpec,
    ContainerState,
    DockerDesired,
    ImageState,
    NetworkSpec,
    NetworkState,
    VolumeSpec,
    VolumeState,
)

log = get_logger(__name__)
_EXIT = re.compile(r"^Exited \((-?\d+)\)")
# The engine's list tells a healthcheck's verdict in the status text: "Up 3 minutes (healthy)",
# "(unhealthy)", "(health: starting)"; API 1.52 and later also have a Health field.
_HEALTH = re.compile(r"\((healthy|unhealthy|health: starting)\)\s*$")


def _health(raw: Mapping[str, Any]) -> Optional[str]:
    listed = (raw.get("Health") or {}).get("Status")
    if listed in ("healthy", "unhealthy", "starting"):
        return str(listed)
    match = _HEALTH.search(raw.get("Status") or "")
    return match.group(1).replace("health: ", "") if match else None


def _container(raw: Mapping[str, Any]) -> ContainerState:
    name = (raw.get("Names") or ["/?"])[0].lstrip("/")
    match = _EXIT.match(raw.get("Status") or "")
    return ContainerState(
        id=raw["Id"],
        name=name,
        status=raw.get("State") or "unknown",
        image_id=raw.get("ImageID") or "",
        exit_code=int(match.group(1)) if match else None,
        spec=L.recorded_spec(ContainerSpec, name, raw.get("Labels")),
        health=_health(raw),
    )


def _network(raw: Mapping[str, Any]) -> NetworkState:
    labels = raw.get("Labels") or {}
    name = raw["Name"]
    pools = (raw.get("IPAM") or {}).get("Config") or ()
    return NetworkState(raw["Id"], name, labels.get(L.OWNER),
                        L.recorded_spec(NetworkSpec, name, labels),
                        tuple(p["Subnet"] for p in pools if p.get("Subnet")))


def _volume(raw: Mapping[str, Any]) -> VolumeState:
    labels = raw.get("Labels") or {}
    name = raw["Name"]
    return VolumeState(name, labels.get(L.OWNER), L.recorded_spec(VolumeSpec, name, labels))


def _images(raw: Iterable[Mapping[str, Any]]) -> Dict[str, ImageState]:
    images: Dict[str, ImageState] = {}
    for image in raw:
        digests = tuple(image.get("RepoDigests") or ())
        built = (image.get("Labels") or {}).get(BUILT)
        for ref in (image.get("RepoTags") or []) + list(digests):
            if not ref.startswith("<none>"):
                images[ref] = ImageState(ref, image["Id"], digests, built)
    return images


def _remote_digest(engine: Engine, reference: str) -> Optional[str]:
    try:
        found = engine.call(f"ask the registry about {reference}",
                            engine.api.inspect_distribution, reference)
    except Exception as exc:  # noqa: BLE001 -- the plan says the pull will tell
        log.warning("registry_digest_unavailable", image=reference, error=str(exc))
        return None
    return (found.get("Descriptor") or {}).get("digest")


def _foreign(engine: Engine, names: List[str]) -> List[str]:
    if not names:
        return []
    raw = engine.call("list containers", engine.api.containers, all=True,
                      filters={"name": [f"^/{re.escape(n)}$" for n in names]})
    found = {n.lstrip("/") for c in raw for n in c.get("Names") or ()}
    return sorted(found & set(names))


def gather(engine: Engine, desired: Desired) -> Actual:
    api = engine.api
    info = engine.info
    raw = engine.call("list containers", api.containers, all=True,
                      filters=L.owner_filter(desired.name))
    leftovers = tuple(_container(c) for c in raw if _is_leftover(c))
    containers = {c.name: c for c in (_container(r) for r in raw if not _is_leftover(r))}
    networks = {n.name: n for n in map(_network, engine.call("list networks", api.networks))}
    listed = engine.call("list volumes", api.volumes) or {}
    volumes = {v.name: v for v in map(_volume, listed.get("Volumes") or ())}
    docker = desired.docker
    # Only the images the playbook uses: the plan needs no others, and a saved plan must not
    # go stale because someone pulled an unrelated image.
    images = {ref: image for ref, image in _images(engine.call("list images", api.images)).items()
              if ref in docker.images}
    remote = {ref: _remote_digest(engine, ref)
              for ref, spec in docker.images.items() if spec.pull == "always"}
    builds = {ref: read_state(spec.build, images.get(ref), desired.mask)
              for ref, spec in docker.images.items() if spec.build is not None}
    missing = [n for n in docker.containers if n not in containers]
    containers = _with_live_limits(engine, docker, containers)
    return Actual(
        engine=info,
        containers=containers,
        networks=networks,
        volumes=volumes,
        images=images,
        remote_digests=remote,
        foreign_containers=tuple(_foreign(engine, missing)),
        leftovers=leftovers,
        builds=builds,
    )


def _is_leftover(raw: Mapping[str, Any]) -> bool:
    """A replacement still under its temporary name: the apply that made it was interrupted
    before the rename (a finished replace has the name its label announces)."""
    replacing = (raw.get("Labels") or {}).get(L.REPLACING)
    return bool(replacing) and (raw.get("Names") or ["/"])[0].lstrip("/") != replacing


def _with_live_limits(engine: Engine, desired: DockerDesired,
                      containers: Dict[str, ContainerState]) -> Dict[str, ContainerState]:
    """`docker update` cannot rewrite labels, so a container updated in place has a record
    that lags behind. Where the record's restart policy or limits differ from the playbook,
    read the live values (one inspect for each such container, none when nothing changed)."""
    out = dict(containers)
    for name, state in containers.items():
        spec = desired.containers.get(name)
        if spec is None or state.spec is None:
            continue
        if all(getattr(spec, f) == getattr(state.spec, f) for f in UPDATABLE_FIELDS):
            continue
        raw = engine.call(f"inspect container {name}", engine.api.inspect_container, state.id)
        out[name] = live_updatable(state, raw)
    return out
