"""Read the engine into an Actual snapshot with a constant number of API calls:
version, containers (by owner label), networks, volumes, images. Per-object calls happen
only where a change is possible: the registry digest of `pull: always` images, a name
clash check for containers to be created (and, when a name is taken by a container made
elsewhere, its inspect, to read it back), a live read of the limits of containers whose
record says they were updated in place, and one list of the containers the playbook
adopted, when it has any (their records come with the volume list: adoption.py)."""
from __future__ import annotations

import re
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Callable, Dict, Iterable, List, Mapping, Optional, Tuple

from dfwctl.desired import Desired
from dfwctl.errors import NotFoundError
from dfwctl.logs import get_logger
from dfwctl.providers.docker import adoption
from dfwctl.providers.docker import labels as L
from dfwctl.providers.docker.build import BUILT, read_context_of, read_state
from dfwctl.providers.docker.context import Context
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
from dfwctl.providers.docker.readback import (
    EngineDefaults,
    container_readback,
    network_readback,
    volume_readback,
)
from dfwctl.providers.docker.secrets import KEY_LABEL, key_volume
from dfwctl.values.secrets import SecretsKey

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


def _adopted(kind: str, name: str, identity: str, labels: Mapping[str, str],
             records: adoption.Records, owner: str) -> Optional[Dict[str, str]]:
    """The labels an object made elsewhere would carry if dfwctl had made it for `owner`,
    when the playbook adopted it (None otherwise)."""
    if labels.get(L.OWNER):
        return None
    entry = records.find(kind, name, identity)
    return None if entry is None else {L.OWNER: owner, L.SPEC: entry.record}


def _network(raw: Mapping[str, Any], records: adoption.Records, owner: str) -> NetworkState:
    name = raw["Name"]
    labels = raw.get("Labels") or {}
    labels = _adopted("network", name, raw["Id"], labels, records, owner) or labels
    pools = (raw.get("IPAM") or {}).get("Config") or ()
    return NetworkState(raw["Id"], name, labels.get(L.OWNER),
                        L.recorded_spec(NetworkSpec, name, labels),
                        tuple(p["Subnet"] for p in pools if p.get("Subnet")),
                        seen=network_readback(raw))


def _volume(raw: Mapping[str, Any], records: adoption.Records, owner: str) -> VolumeState:
    name = raw["Name"]
    created = str(raw.get("CreatedAt") or "")
    labels = raw.get("Labels") or {}
    labels = _adopted("volume", name, created, labels, records, owner) or labels
    return VolumeState(name, labels.get(L.OWNER), L.recorded_spec(VolumeSpec, name, labels),
                       seen=volume_readback(raw), created=created)


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


def _adopted_containers(engine: Engine, records: adoption.Records, owner: str
                        ) -> Dict[str, ContainerState]:
    """The containers the playbook adopted that are still the ones it adopted (one list
    call, only when there are any)."""
    ids = sorted(e.identity for e in records.entries.values() if e.kind == "container")
    if not ids:
        return {}
    found = {}
    for raw in engine.call("list adopted containers", engine.api.containers, all=True,
                           filters={"id": ids}):
        name = (raw.get("Names") or ["/?"])[0].lstrip("/")
        labels = _adopted("container", name, raw["Id"], raw.get("Labels") or {}, records, owner)
        if labels is not None and not _is_leftover(raw):
            found[name] = _container({**raw, "Labels": labels})
    return found


def _read_back(engine: Engine, names: Mapping[str, str]
               ) -> Tuple[Dict[str, ContainerState], Dict[str, str]]:
    """Containers under names the playbook wants that it does not own (`names`: the
    playbook's name -> the engine's): those made elsewhere as what they are, and the owners
    of those other playbooks own (inspect calls only for such a clash)."""
    api = engine.api
    defaults = EngineDefaults(log_driver=str(
        engine.call("read the engine's settings", api.info).get("LoggingDriver") or "json-file"))
    found: Dict[str, ContainerState] = {}
    claimed: Dict[str, str] = {}
    for wanted, name in names.items():
        try:
            info = engine.call(f"inspect container {name}", api.inspect_container, name)
            owner = ((info.get("Config") or {}).get("Labels") or {}).get(L.OWNER)
            if owner:
                claimed[wanted] = owner
                continue
            image = engine.call(f"inspect the image of {name}", api.inspect_image, info["Image"])
        except NotFoundError:
            continue  # gone meanwhile, or its image is: the plan says the name is taken
        state = info.get("State") or {}
        found[wanted] = ContainerState(
            id=info["Id"], name=name, status=state.get("Status") or "unknown",
            image_id=info.get("Image") or "",
            exit_code=state.get("ExitCode") if state.get("Status") == "exited" else None,
            spec=container_readback(info, image, defaults).spec)
    return found, claimed


def gather(engine: Engine, desired: Desired, renames: Optional[Mapping[str, str]] = None
           ) -> Actual:
    """What the engine has of the playbook. `renames`: containers being adopted under
    another name (the playbook's name -> the name they have).

    The build contexts of the playbook's images are fingerprinted meanwhile, in one thread of
    their own: walking a large context costs about what the list calls wait for the engine.
    A context's error is raised as it would be without the thread, once the calls are done;
    an engine error wins (raised once the walk has ended)."""
    built = {ref: spec.build for ref, spec in desired.docker.images.items()
             if spec.build is not None}
    if not built:
        return _gather(engine, desired, renames or {}, {})
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="dfwctl-context") as pool:
        return _gather(engine, desired, renames or {},
                       {ref: pool.submit(read_context_of, spec) for ref, spec in built.items()})


def _gather(engine: Engine, desired: Desired, renames: Mapping[str, str],
            contexts: Mapping[str, "Future[Context]"]) -> Actual:
    api = engine.api
    info = engine.info
    raw = engine.call("list containers", api.containers, all=True,
                      filters=L.owner_filter(desired.name))
    leftovers = tuple(_container(c) for c in raw if _is_leftover(c))
    containers = {c.name: c for c in (_container(r) for r in raw if not _is_leftover(r))}
    raw_networks = engine.call("list networks", api.networks)
    listed = engine.call("list volumes", api.volumes) or {}
    raw_volumes = listed.get("Volumes") or ()
    records = adoption.read(raw_volumes, desired.name)
    networks, duplicates = _networks(
        engine, raw_networks, lambda raw: _network(raw, records, desired.name))
    volumes = {v.name: v for v in (_volume(r, records, desired.name) for r in raw_volumes
                                   if not adoption.is_record(r))}
    key = _secrets_key(raw_volumes, desired.name)
    docker = desired.docker
    # Only the images the playbook uses: the plan needs no others, and a saved plan must not
    # go stale because someone pulled an unrelated image.
    images = {ref: image for ref, image in _images(engine.call("list images", api.images)).items()
              if ref in docker.images}
    remote = {ref: _remote_digest(engine, ref)
              for ref, spec in docker.images.items() if spec.pull == "always"}
    builds = {ref: read_state(spec.build, images.get(ref), desired.mask,
                              contexts[ref].result())
              for ref, spec in docker.images.items() if spec.build is not None}
    containers = {**_adopted_containers(engine, records, desired.name), **containers}
    missing = [n for n in docker.containers if n not in containers]
    containers = _with_live_limits(engine, docker, containers)
    foreign = _foreign(engine, [n for n in missing if n not in renames])
    found = _foreign(engine, [renames[n] for n in missing if n in renames])
    read = {**{n: n for n in foreign}, **{n: renames[n] for n in missing if renames.get(n) in found}}
    others, claimed = _read_back(engine, read) if read else ({}, {})
    return Actual(
        engine=info,
        containers=containers,
        networks=networks,
        volumes=volumes,
        images=images,
        remote_digests=remote,
        foreign_containers=tuple(sorted(read)),
        foreign=others,
        claimed=claimed,
        leftovers=leftovers,
        adoption_records=records.volumes,
        builds=builds,
        duplicate_networks=duplicates,
        secrets_key=key,
    )


def _networks(engine: Engine, raw: List[Mapping[str, Any]],
              make: Callable[[Mapping[str, Any]], NetworkState]
              ) -> Tuple[Dict[str, NetworkState], Tuple[Tuple[NetworkState, Tuple[str, ...]], ...]]:
    """The engine's networks by name, and those whose name another has too. An engine older
    than API 1.44 lets two clients create one name at once; then each of them is inspected
    (the only case with more calls) and the one with the most containers is kept (the
    oldest, when they have as many); the others, with the containers on them, are duplicates."""
    by_name: Dict[str, List[Mapping[str, Any]]] = {}
    for network in raw:
        by_name.setdefault(network["Name"], []).append(network)
    kept: Dict[str, NetworkState] = {}
    duplicates: List[Tuple[NetworkState, Tuple[str, ...]]] = []
    for name, found in by_name.items():
        if len(found) == 1:
            kept[name] = make(found[0])
            continue
        attached = {n["Id"]: _attached(engine, n["Id"], name) for n in found}
        order = sorted(found, key=lambda n: (-len(attached[n["Id"]]), n.get("Created") or "",
                                             n["Id"]))
        kept[name] = make(order[0])
        duplicates += [(make(n), attached[n["Id"]]) for n in order[1:]]
    return kept, tuple(duplicates)


def _attached(engine: Engine, network_id: str, name: str) -> Tuple[str, ...]:
    info = engine.call(f"inspect network {name}", engine.api.inspect_network, network_id)
    return tuple(sorted(str(c.get("Name", "")) for c in (info.get("Containers") or {}).values()))


def _secrets_key(volumes: Iterable[Mapping[str, Any]], owner: str) -> Optional[SecretsKey]:
    """The playbook's key, from the label of its key volume (the volume list has it)."""
    name = key_volume(owner)
    for raw in volumes:
        labels = raw.get("Labels") or {}
        if raw.get("Name") == name and labels.get(L.OWNER) == owner:
            return SecretsKey.from_label(labels.get(KEY_LABEL))
    return None


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
