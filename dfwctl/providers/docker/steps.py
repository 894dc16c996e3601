"""The operations a Docker change is carried out with, each one engine call or a short sequence
of them, with the words plans and progress show. diff chooses them (pure); perform runs them.

Steps name containers by id when they exist and by name when the change creates them. What a
step sends to the engine (a spec with its secrets, labels) is never shown: only its text.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import List, Optional, Tuple

from dfwctl.plan import Guard, Step
from dfwctl.providers.docker.buildspec import BuildSpec
from dfwctl.providers.docker.model import (
    ContainerSpec,
    ContainerState,
    NetworkSpec,
    Pairs,
    VolumeSpec,
)
from dfwctl.providers.docker.secrets import COPY, SecretFile

DEFAULT_STOP_TIMEOUT = 10  # seconds, the engine's own default


@dataclass(frozen=True)
class Pull(Step):
    reference: str


@dataclass(frozen=True)
class Build(Step):
    """Build `reference` from its context (read again when it runs)."""

    reference: str
    spec: BuildSpec = field(repr=False)
    args_recorded: Pairs = field(repr=False)  # the args as the image's record holds them
    owner: str = ""  # the playbook, in the image's owner label
    fresh: bool = False  # without the engine's cache (--replace)


@dataclass(frozen=True)
class CreateNetwork(Step):
    spec: NetworkSpec = field(repr=False)
    labels: Pairs = field(repr=False)


@dataclass(frozen=True)
class DisconnectNetwork(Step):
    """Disconnect every container the engine has on the network (read when it runs)."""

    network_id: str
    name: str


@dataclass(frozen=True)
class RemoveNetwork(Step):
    network_id: str
    name: str


@dataclass(frozen=True)
class CreateVolume(Step):
    spec: VolumeSpec = field(repr=False)
    labels: Pairs = field(repr=False)


@dataclass(frozen=True)
class RemoveVolumeUsers(Step):
    """Remove every container that mounts the volume (read when it runs)."""

    name: str


@dataclass(frozen=True)
class RemoveVolume(Step):
    name: str


@dataclass(frozen=True)
class CreateContainer(Step):
    """Create `spec` under `name` (a temporary name while it replaces another one), with its
    secret files: bind-mounted, or copied in before it first starts."""

    spec: ContainerSpec = field(repr=False)
    name: str
    labels: Pairs = field(repr=False)
    secrets: Tuple[SecretFile, ...] = field(default=(), repr=False)


@dataclass(frozen=True)
class StopContainer(Step):
    container: str  # id or name
    name: str
    timeout: int
    was_running: bool  # at plan time: a replace that fails later starts it again


@dataclass(frozen=True)
class RemoveContainer(Step):
    """Remove a stopped container with its anonymous volumes. Already gone is fine (removed
    by hand, or with a volume it used)."""

    container: str
    name: str


@dataclass(frozen=True)
class RenameContainer(Step):
    container: str  # the temporary name
    to: str


@dataclass(frozen=True)
class StartContainer(Step):
    container: str
    name: str


@dataclass(frozen=True)
class RecordAdoption(Step):
    """Add an object made elsewhere to the playbook's adoption record (adoption.py)."""

    owner: str
    kind: str
    name: str
    identity: str  # container or network id, a volume's creation time
    record: str = field(repr=False)  # the spec record it is compared with from now on


@dataclass(frozen=True)
class WaitExit(Step):
    """Wait for a `state: exited` container's one run; it must end with code 0."""

    container: str
    name: str
    timeout: Optional[float] = None  # the container's own wait_timeout


@dataclass(frozen=True)
class WaitFor(Step):
    """Wait until a container is healthy, has completed successfully, or has started
    (conditions of depends_on). Its bound: the container's own wait_timeout (`timeout`), else
    the run's. A dependency that is not `required` only warns when it never gets there."""

    container: str  # id or name
    name: str
    condition: str
    timeout: Optional[float] = None
    required: bool = True


@dataclass(frozen=True)
class RestartContainer(Step):
    container: str
    name: str
    timeout: int  # seconds to stop it before it is killed


@dataclass(frozen=True)
class UnpauseContainer(Step):
    container: str
    name: str


@dataclass(frozen=True)
class UpdateContainer(Step):
    """`docker update`: the restart policy and limits, in the engine's terms."""

    container: str
    name: str
    restart: Optional[str]  # the playbook's restart text, when it changes
    memory: Optional[int]
    cpus: Optional[float]
    limits: bool  # memory and cpus change (both are sent)


@dataclass(frozen=True)
class IfImageChanged(Guard):
    """The tag was pulled again: replace the container only if the image is another one."""

    image: str = ""
    image_id: str = ""  # the image the container runs
    made: str = "pulled"  # how the new image comes: pulled | built


# Sequences ------------------------------------------------------------------------------------
def pull(reference: str) -> Tuple[Step, ...]:
    return (Pull(f"pull {reference}", reference),)


def build(reference: str, spec: BuildSpec, args_recorded: Pairs, owner: str,
          fresh: bool = False) -> Tuple[Step, ...]:
    where = spec.context + ("" if spec.dockerfile == "Dockerfile" else
                            f" with {spec.dockerfile}")
    return (Build(f"build image {reference} from {where}" +
                  (" without the build cache" if fresh else ""),
                  reference, spec, args_recorded, owner, fresh),)


def create_network(spec: NetworkSpec, labels: Pairs) -> Tuple[Step, ...]:
    return (CreateNetwork(f"create network {spec.name}", spec, labels),)


def remove_network(network_id: str, name: str) -> Tuple[Step, ...]:
    return (DisconnectNetwork(f"disconnect the containers on network {name}", network_id, name),
            RemoveNetwork(f"remove network {name}", network_id, name))


def create_volume(spec: VolumeSpec, labels: Pairs) -> Tuple[Step, ...]:
    return (CreateVolume(f"create volume {spec.name}", spec, labels),)


def remove_volume(name: str) -> Tuple[Step, ...]:
    return (RemoveVolume(f"remove volume {name}", name),)


def replace_volume(spec: VolumeSpec, labels: Pairs) -> Tuple[Step, ...]:
    return ((RemoveVolumeUsers(f"remove the containers that use volume {spec.name}", spec.name),)
            + remove_volume(spec.name) + create_volume(spec, labels))


def record_adoption(owner: str, kind: str, name: str, identity: str,
                    record: str) -> Tuple[Step, ...]:
    return (RecordAdoption(f"record that playbook {owner} owns {kind} {name}", owner, kind,
                           name, identity, record),)


def run(spec: ContainerSpec, container: str) -> Tuple[Step, ...]:
    """Start a container, and for `state: exited` wait for its one run."""
    found: List[Step] = [StartContainer(f"start container {spec.name}", container, spec.name)]
    if spec.state == "exited":
        found.append(WaitExit(f"wait for container {spec.name} to run to completion",
                              container, spec.name, spec.wait_timeout))
    return tuple(found)


def _created(spec: ContainerSpec, text: str, name: str, labels: Pairs,
             secrets: Tuple[SecretFile, ...]) -> CreateContainer:
    copied = sum(1 for f in secrets if f.how == COPY)
    if copied:
        text += f", with {copied} secret file{'s' if copied > 1 else ''} copied in"
    return CreateContainer(text, spec, name, labels, secrets)


def create_container(spec: ContainerSpec, labels: Pairs, secrets: Tuple[SecretFile, ...] = (),
                     temp: str = "") -> Tuple[Step, ...]:
    """A new container; with `temp`, made under that name and renamed once it is complete."""
    if not temp:
        return (_created(spec, f"create container {spec.name}", spec.name, labels, secrets),
                ) + run(spec, spec.name)
    return (_created(spec, f"create container {spec.name} as {temp}", temp, labels, secrets),
            RenameContainer(f"rename {temp} to {spec.name}", temp, spec.name)) \
        + run(spec, spec.name)


def remove_container(state: ContainerState) -> Tuple[Step, ...]:
    timeout = state.spec.stop_timeout if state.spec and state.spec.stop_timeout is not None \
        else DEFAULT_STOP_TIMEOUT
    return (StopContainer(f"stop container {state.name}", state.id, state.name, timeout,
                          state.status == "running"),
            RemoveContainer(f"remove container {state.name}", state.id, state.name))


def replace_container(spec: ContainerSpec, old: ContainerState, temp: str,
                      labels: Pairs, secrets: Tuple[SecretFile, ...] = ()) -> Tuple[Step, ...]:
    """The new container first, under a temporary name, then the old one goes and the new one
    takes its name: the old one keeps serving until the new one exists."""
    return ((_created(spec, f"create the new container as {temp}", temp, labels, secrets),)
            + remove_container(old)
            + (RenameContainer(f"rename {temp} to {spec.name}", temp, spec.name),)
            + run(spec, spec.name))


def update_container(spec: ContainerSpec, state: ContainerState,
                     fields: Tuple[str, ...]) -> Tuple[Step, ...]:
    """`docker update` for the restart policy and limits; a start (or unpause) when the
    container does not run as it should."""
    found: List[Step] = []
    limits = bool({"memory", "cpus"} & set(fields))
    if "restart" in fields or limits:
        what = ", ".join(f for f in fields if f in ("restart", "memory", "cpus"))
        found.append(UpdateContainer(
            f"update {what} of container {spec.name} (docker update)", state.id, spec.name,
            restart=spec.restart if "restart" in fields else None,
            memory=spec.memory, cpus=spec.cpus, limits=limits))
    if "state" in fields:
        if state.status == "paused":
            found.append(UnpauseContainer(f"unpause container {spec.name}", state.id,
                                          spec.name))
        else:
            found.extend(run(spec, state.id))
    return tuple(found)


def if_image_changed(spec: ContainerSpec, state: ContainerState, condition: str,
                     otherwise: Tuple[Step, ...], made: str = "pulled") -> IfImageChanged:
    return IfImageChanged(f"compare the {made} image: replace the container {condition}",
                          otherwise, spec.image, state.image_id, made)
