"""Builders shared by the unit tests of the pure core: desired states from small playbook
dicts, and actual snapshots in which what the playbook wants already exists, recorded exactly
as the Docker provider records it (spec record with secrets masked, JSON label round trip)."""
from __future__ import annotations

import dataclasses
import hashlib
import os
from pathlib import Path
from typing import Any, Iterable, Mapping, Optional

from dfwctl import __version__
from dfwctl.combine import combine
from dfwctl.desired import Desired, build
from dfwctl.plan import Plan, PlanOptions
from dfwctl.providers.docker import diff as docker_diff
from dfwctl.providers.docker import record
from dfwctl.providers.docker.buildspec import BuildSpec, Inputs, inputs_record
from dfwctl.providers.docker.model import (
    Actual,
    BuildState,
    ContainerSpec,
    ContainerState,
    EngineInfo,
    ImageState,
    NetworkState,
    VolumeSpec,
    VolumeState,
    images_of,
)
from dfwctl.providers.docker.secrets import digests, key_volume
from dfwctl.values.secrets import SecretsKey
from tests import paths

ENDPOINT = "unix:///var/run/docker.sock"
ENGINE = EngineInfo(ENDPOINT, "linux", "1.45", "26.1.0")
BASE = Path("/playbooks")
GOLDEN = paths.GOLDEN
KEY = SecretsKey(bytes(range(32)))  # the engine's key of secret digests, in tests
NEW_KEY = SecretsKey(bytes(range(32, 64)))  # the key a plan makes when the engine has none


# desired ------------------------------------------------------------------------------------
def playbook(data: Mapping[str, Any], secrets: Iterable[str] = (),
             variables: Optional[Mapping[str, str]] = None) -> Desired:
    """A Desired from a playbook dict, as `dfwctl plan` builds it after validation;
    `variables` are the values of the variables secrets come from."""
    doc = {"version": 1, **data}
    return build(doc, BASE, frozenset(secrets), variables=variables)


def with_containers(desired: Desired, *specs: ContainerSpec) -> Desired:
    """`desired` with these container specs added or swapped in (images recomputed)."""
    containers = dict(desired.docker.containers)
    containers.update({s.name: s for s in specs})
    docker = dataclasses.replace(desired.docker, containers=containers,
                                 images=images_of(containers))
    return dataclasses.replace(desired, docker=docker)


def diff(desired: Desired, actual: Actual, options: Optional[PlanOptions] = None,
         local_engine: bool = True) -> Plan:
    """The Docker plan of `desired` against `actual`, finished as `dfwctl plan` finishes it
    (digest taken, secrets masked); a key the plan makes is NEW_KEY."""
    return combine(desired, [docker_diff.diff(desired, actual, options, local_engine,
                                              lambda: NEW_KEY)])


# identities -----------------------------------------------------------------------------------
def _hex(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def image_id(reference: str) -> str:
    return "sha256:" + _hex("image " + reference)


def repo_digest(reference: str, generation: int = 0) -> str:
    repository = reference.rsplit(":", 1)[0] if "@" not in reference else reference.split("@")[0]
    return f"{repository}@sha256:{_hex(f'digest {reference} {generation}')}"


def digest_of(repo_digest_text: str) -> str:
    return repo_digest_text.rsplit("@", 1)[-1]


# actual ---------------------------------------------------------------------------------------
def recorded(spec: Any, desired: Desired, key: SecretsKey = KEY) -> Any:
    """The spec as gather rebuilds it from the label the provider wrote on the object (a
    container's secrets digested with `key`)."""
    if isinstance(spec, ContainerSpec) and spec.grants:
        spec = dataclasses.replace(spec, secret_digests=digests(spec, desired.docker.secrets,
                                                                key))
    label = record.dumps(record.to_record(spec, desired.mask))
    return record.from_record(type(spec), spec.name, record.loads(label))


def container_state(spec: ContainerSpec, desired: Desired, status: str = "running",
                    exit_code: Optional[int] = None, image: Optional[str] = None) -> ContainerState:
    return ContainerState(
        id=_hex("container " + spec.name)[:64],
        name=spec.name,
        status=status,
        image_id=image or image_id(spec.image),
        exit_code=exit_code,
        spec=recorded(spec, desired),
    )


def image_state(reference: str, generation: int = 0) -> ImageState:
    return ImageState(reference, image_id(reference), (repo_digest(reference, generation),))


def network_state(spec: Any, desired: Optional[Desired],
                  owner: Optional[str] = None) -> NetworkState:
    """An owned network recorded from `desired`, or (desired None) one made elsewhere."""
    if desired is None:  # made elsewhere: it is what `spec` says
        return NetworkState(_hex("network " + spec.name)[:64], spec.name, owner, None,
                            seen=spec)
    return NetworkState(_hex("network " + spec.name)[:64], spec.name, desired.name,
                        recorded(spec, desired))


FIXED_CREATED = "2024-01-01T00:00:00Z"


def volume_state(spec: Any, desired: Optional[Desired], owner: Optional[str] = None) -> VolumeState:
    if desired is None:  # made elsewhere: it is what `spec` says
        return VolumeState(spec.name, owner, None, seen=spec, created=FIXED_CREATED)
    return VolumeState(spec.name, desired.name, recorded(spec, desired))


def converged(desired: Desired, status: str = "running",
              exit_code: Optional[int] = None) -> Actual:
    """The machine after a successful apply of `desired`: every object exists as recorded,
    every container runs the image its tag points to, external objects exist unowned."""
    docker = desired.docker
    containers = {
        name: container_state(spec, desired, status, exit_code)
        for name, spec in docker.containers.items()
    }
    networks = {
        name: network_state(spec, None if spec.external else desired)
        for name, spec in docker.networks.items()
    }
    volumes = {
        name: volume_state(spec, None if spec.external else desired)
        for name, spec in docker.volumes.items()
    }
    images = {ref: image_state(ref) for ref in docker.images}
    builds = {}
    for ref, spec in docker.images.items():
        if spec.build is not None:
            builds[ref] = BuildState(inputs_now(spec.build, desired))
            images[ref] = dataclasses.replace(images[ref], repo_digests=(),
                                              built=inputs_record(builds[ref].inputs))
    key = None
    if any(spec.grants for spec in docker.containers.values()):
        key = KEY
        volume = key_volume(desired.name)
        volumes[volume] = volume_state(VolumeSpec(volume), desired)
    return Actual(engine=ENGINE, containers=containers, networks=networks, volumes=volumes,
                  images=images, builds=builds, secrets_key=key)


def inputs_now(build: BuildSpec, desired: Desired, context: str = "",
               dockerfile: str = "") -> Inputs:
    """The inputs gather would read for `build`: a context and a Dockerfile named by the
    test (the same unless it says otherwise)."""
    return Inputs("sha256:" + _hex("context " + (context or build.context)), build.dockerfile,
                  "sha256:" + _hex("dockerfile " + dockerfile), tuple(
                      (k, desired.mask(v)) for k, v in build.args), build.target, build.labels)


def empty() -> Actual:
    return Actual(engine=ENGINE)


def merged(actual: Actual, **parts: Mapping[str, Any]) -> Actual:
    """`actual` with entries added to (or replaced in) its containers, networks, volumes,
    images or remote_digests maps."""
    changes = {}
    for key, extra in parts.items():
        current = dict(getattr(actual, key))
        current.update(extra)
        changes[key] = current
    return dataclasses.replace(actual, **changes)


def without(actual: Actual, **names: Iterable[str]) -> Actual:
    """`actual` with the named entries removed from its maps."""
    changes = {}
    for key, drop in names.items():
        changes[key] = {k: v for k, v in getattr(actual, key).items() if k not in set(drop)}
    return dataclasses.replace(actual, **changes)


def with_container(actual: Actual, name: str, **fields: Any) -> Actual:
    """`actual` with fields of one container state changed (status, exit_code, spec...)."""
    state = dataclasses.replace(actual.containers[name], **fields)
    return merged(actual, containers={name: state})


# golden files ---------------------------------------------------------------------------------
def stable(text: str) -> str:
    """Golden text must not change with the package version."""
    return text.replace(f'"dfwctl_version": "{__version__}"', '"dfwctl_version": "<version>"')


def assert_golden(name: str, text: str) -> None:
    """Compare `text` with tests/golden/NAME; UPDATE_GOLDEN=1 rewrites the file instead."""
    path = GOLDEN / name
    text = stable(text)
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="\n")
    assert path.exists(), f"{path} is missing; run with UPDATE_GOLDEN=1 to write it"
    assert text == path.read_text(encoding="utf-8")
