"""Docker as values: what a playbook asks for (ContainerSpec, NetworkSpec, VolumeSpec,
ImageSpec) and what the engine has (Actual). The same spec dataclasses describe both (the
engine's are rebuilt from the spec record dfwctl puts in a label on everything it creates), so
diff compares like with like, field by field. No I/O but one: the env files containers name
are read (envfiles) when the playbook's part is built.
"""
from __future__ import annotations

import dataclasses
import hashlib
import os
import shlex
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Dict, FrozenSet, List, Mapping, Optional, Tuple

from dfwctl import secretfiles
from dfwctl.providers.docker import envfiles
from dfwctl.providers.docker.buildspec import BuildSpec, Inputs, build_spec, image_of
from dfwctl.providers.docker.health import STARTED, Health, condition_name, healthcheck_of
from dfwctl.providers.docker.options import option_fields
from dfwctl.values.durations import NS_PER_SECOND, parse_duration
from dfwctl.values.mounts import mount_of, parse_mount
from dfwctl.values.ports import parse_ports
from dfwctl.values.secrets import Grant, SecretsKey, SecretSource, grant
from dfwctl.values.sizes import parse_size

Pairs = Tuple[Tuple[str, str], ...]
# The engine's own networks: a container may join them, but they take no aliases or addresses.
BUILTIN_NETWORKS = ("bridge", "host", "none", "nat")


def image_reference(image: str) -> str:
    """Normalise an image name the way the engine tags it: `busybox` -> `busybox:latest`. A tag
    or a digest (`@sha256:...`) is a colon in the last part of the path; a registry's port, in
    the first part, is not."""
    last = image.rpartition("/")[2]
    return image if ":" in last else f"{image}:latest"


@dataclass(frozen=True)
class Dependency:
    """One entry of depends_on: the container waited for, and what for (compose's meanings:
    `required: false` only warns when it is not there; `restart: true` restarts the dependant
    after the dependency is replaced or restarted)."""

    name: str
    condition: str = STARTED  # started | healthy | completed_successfully
    required: bool = True
    restart: bool = False


@dataclass(frozen=True)
class ContainerSpec:
    """A container as the playbook wants it. Field order is the order plans show them in."""

    name: str
    image: str
    command: Optional[Tuple[str, ...]] = None
    entrypoint: Optional[Tuple[str, ...]] = None
    env: Pairs = ()
    mounts: Tuple[str, ...] = ()
    # target -> "NAME from file PATH[, uid U, gid G, mode 0440]": the secret files it gets
    secrets: Pairs = ()
    # NAME -> the keyed digest of the secret's value (dfwctl.providers.docker.secrets): filled
    # in when the plan is made, with the key the engine keeps
    secret_digests: Pairs = field(default=(), metadata={"shown": "secret"})
    ports: Tuple[str, ...] = ()
    networks: Tuple[str, ...] = ()  # sorted
    # Per network, as compose's networks mapping gives them: network -> aliases, -> address.
    network_aliases: Tuple[Tuple[str, Tuple[str, ...]], ...] = field(
        default=(), metadata={"shown": "networks.{key}.aliases"})
    ipv4_address: Pairs = field(default=(), metadata={"shown": "networks.{key}.ipv4_address"})
    restart: str = "no"
    labels: Pairs = ()
    user: Optional[str] = None
    working_dir: Optional[str] = None
    hostname: Optional[str] = None
    isolation: Optional[str] = None
    platform: Optional[str] = None
    memory: Optional[int] = None
    cpus: Optional[float] = None
    stop_signal: Optional[str] = None
    stop_timeout: Optional[int] = None  # seconds; stop_grace_period is its compose spelling
    extra_hosts: Tuple[str, ...] = ()  # host:ip, in the order written
    dns: Tuple[str, ...] = ()
    dns_search: Tuple[str, ...] = ()
    cap_add: Tuple[str, ...] = ()  # NET_ADMIN, sorted
    cap_drop: Tuple[str, ...] = ()
    privileged: bool = False
    devices: Tuple[str, ...] = ()  # host:container:permissions, sorted
    gpus: Tuple[str, ...] = ()  # GpuRequest texts
    log_driver: Optional[str] = field(default=None, metadata={"shown": "logging.driver"})
    log_options: Pairs = field(default=(), metadata={"shown": "logging.options"})
    tmpfs: Pairs = ()  # target -> options
    shm_size: Optional[int] = None  # bytes
    ulimits: Pairs = ()  # name -> soft:hard
    sysctls: Pairs = ()
    init: Optional[bool] = None  # None: the engine's default
    read_only: bool = False
    pids_limit: Optional[int] = None  # None: unlimited
    security_opt: Tuple[str, ...] = ()  # key=value, in the order written
    healthcheck: Health = ()
    state: str = "running"
    # Not part of the container's identity: changing them never replaces it.
    pull: str = field(default="missing", compare=False)
    depends_on: Tuple[Dependency, ...] = field(default=(), compare=False)
    wait_timeout: Optional[float] = field(default=None, compare=False)  # seconds
    # The image is built from this (its inputs are compared on the image, not here).
    build: Optional[BuildSpec] = field(default=None, compare=False)
    grants: Tuple[Grant, ...] = field(default=(), compare=False)  # its `secrets:` entries

    @property
    def needs(self) -> Tuple[str, ...]:
        """The names of the containers it depends on."""
        return tuple(d.name for d in self.depends_on)


# Fields recorded on the container and compared by diff (all but name and those marked
# compare=False).
CONTAINER_FIELDS: Tuple[str, ...] = tuple(
    f.name for f in fields(ContainerSpec) if f.compare and f.name != "name"
)
# Fields the engine changes in place (`docker update`); every other field forces a replace.
UPDATABLE_FIELDS = frozenset({"restart", "memory", "cpus"})


@dataclass(frozen=True)
class NetworkSpec:
    name: str
    driver: str = "bridge"
    internal: bool = False
    attachable: bool = False
    labels: Pairs = ()
    options: Pairs = ()
    subnet: Optional[str] = None
    gateway: Optional[str] = None
    external: bool = field(default=False, compare=False)


NETWORK_FIELDS: Tuple[str, ...] = tuple(
    f.name for f in fields(NetworkSpec) if f.compare and f.name != "name"
)


@dataclass(frozen=True)
class VolumeSpec:
    name: str
    driver: str = "local"
    options: Pairs = ()
    labels: Pairs = ()
    external: bool = field(default=False, compare=False)


VOLUME_FIELDS: Tuple[str, ...] = tuple(
    f.name for f in fields(VolumeSpec) if f.compare and f.name != "name"
)


@dataclass(frozen=True)
class ImageSpec:
    reference: str  # normalised, e.g. busybox:latest
    pull: str = "missing"  # missing | always | never
    build: Optional[BuildSpec] = None  # built from a context: never pulled (pull stays missing)


@dataclass(frozen=True)
class DockerDesired:
    """The Docker part of a playbook: its containers, networks and volumes, and the images the
    containers use."""

    containers: Mapping[str, ContainerSpec] = field(default_factory=dict)
    networks: Mapping[str, NetworkSpec] = field(default_factory=dict)
    volumes: Mapping[str, VolumeSpec] = field(default_factory=dict)
    images: Mapping[str, ImageSpec] = field(default_factory=dict)
    present: bool = False  # the playbook has a networks, volumes or containers section
    # containers of profiles not selected: left as they are, never orphans
    inactive: FrozenSet[str] = frozenset()
    # Values of env files marked secret (and of secret variables their values use): masked
    # like the playbook's secret variables. Not part of the playbook's digest: the values
    # themselves are, in the containers' env.
    file_secrets: FrozenSet[str] = field(default=frozenset(), metadata={"digest": False})
    # The playbook's variables that env files use (a secret variable used there is used).
    file_variables: FrozenSet[str] = field(default=frozenset(), metadata={"digest": False})
    secrets: Mapping[str, SecretSource] = field(default_factory=dict)  # those with a value


def address(kind: str, name: str) -> str:
    """The plan address of a Docker object: docker.container.web."""
    return f"docker.{kind}.{name}"


def volume_sources(spec: ContainerSpec) -> List[str]:
    """The named volumes a container mounts."""
    sources = []
    for text in spec.mounts:
        mount = parse_mount(text)
        if mount.type == "volume" and mount.source:
            sources.append(mount.source)
    return sources


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _pairs(mapping: Optional[Mapping[str, Any]]) -> Pairs:
    return tuple(sorted((str(k), _text(v)) for k, v in (mapping or {}).items()))


def _env(value: Any) -> Pairs:
    if isinstance(value, list):
        items = {}
        for entry in value:
            key, _, val = str(entry).partition("=")
            items[key] = val
        return _pairs(items)
    return _pairs(value)


def _argv(value: Any) -> Optional[Tuple[str, ...]]:
    if value is None:
        return None
    if isinstance(value, str):
        return tuple(shlex.split(value))
    return tuple(_text(v) for v in value)


def _mount_text(item: Any, base: Path) -> str:
    """A mount in either syntax, as one text (the short and long spelling of a mount are the
    same text); a relative bind source resolved against the playbook's folder."""
    mount = mount_of(item)
    if mount.type == "bind" and mount.source.startswith("."):
        mount = dataclasses.replace(mount, source=_resolved(base / mount.source))
    return mount.spec()


def _resolved(path: Path) -> str:
    """The path with its symbolic links followed; as written (made absolute) when they loop:
    the engine then refuses the source itself, with its own words."""
    try:
        return str(path.resolve())
    except (RuntimeError, OSError):  # a symlink loop (RuntimeError up to Python 3.12)
        return os.path.normpath(os.path.abspath(path))


def dependencies(value: Any) -> Tuple[Dependency, ...]:
    """depends_on as a list of names, or a mapping of names to {condition, required, restart}."""
    if isinstance(value, Mapping):
        return tuple(Dependency(str(name), condition_name(str((entry or {}).get("condition",
                                                                                 STARTED))),
                                bool((entry or {}).get("required", True)),
                                bool((entry or {}).get("restart")))
                     for name, entry in value.items())
    return tuple(Dependency(str(name)) for name in value or ())


def secret_grants(raw: Mapping[str, Any], sources: Mapping[str, SecretSource]
                  ) -> Tuple[Tuple[Grant, ...], Pairs]:
    """A container's secrets: its grants, and what each target gets, in the words plans show
    (the secret's name and where it comes from; never its value)."""
    grants = tuple(sorted((grant(entry) for entry in raw.get("secrets") or ()),
                          key=lambda g: g.target))
    texts = []
    for found in grants:
        source = sources.get(found.source)
        text = found.source if source is None else f"{found.source} from {source.origin}"
        options = found.options()
        texts.append((found.target, f"{text}, {options}" if options else text))
    return grants, tuple(texts)


def container_spec(name: str, raw: Mapping[str, Any], base: Path,
                   owner: str, from_files: Optional[Mapping[str, str]] = None,
                   sources: Optional[Mapping[str, SecretSource]] = None) -> ContainerSpec:
    """A container of a valid playbook `owner`; `from_files`: the variables of its env files, which
    its own `env` overrides; `sources`: the playbook's secrets, read."""
    grants, secrets = secret_grants(raw, sources or {})
    ports = sorted({p.spec() for value in raw.get("ports", []) for p in parse_ports(value)})
    memory = raw.get("memory")
    cpus = raw.get("cpus")
    stop_signal = raw.get("stop_signal")
    isolation = raw.get("isolation")
    return ContainerSpec(
        name=name,
        image=image_reference(image_of(raw, owner, name)),
        command=_argv(raw.get("command")),
        entrypoint=_argv(raw.get("entrypoint")),
        env=tuple(sorted({**(from_files or {}), **dict(_env(raw.get("env")))}.items())),
        mounts=tuple(_mount_text(m, base) for m in raw.get("mounts", [])),
        secrets=secrets,
        grants=grants,
        ports=tuple(ports),
        restart=str(raw.get("restart", "no")),
        labels=_pairs(raw.get("labels")),
        user=_text(raw["user"]) if raw.get("user") is not None else None,
        working_dir=raw.get("working_dir"),
        hostname=raw.get("hostname"),
        isolation=None if isolation in (None, "default") else isolation,
        platform=raw.get("platform"),
        memory=parse_size(memory) if memory is not None else None,
        cpus=float(cpus) if cpus is not None else None,
        stop_signal=_text(stop_signal) if stop_signal is not None else None,
        healthcheck=healthcheck_of(raw.get("healthcheck")),
        state=raw.get("state", "running"),
        pull=raw.get("pull", "missing"),
        depends_on=dependencies(raw.get("depends_on")),
        wait_timeout=(parse_duration(raw["wait_timeout"]) / NS_PER_SECOND
                      if raw.get("wait_timeout") is not None else None),
        build=build_spec(raw.get("build"), base),
        **option_fields(raw, base),
    )


def network_spec(name: str, raw: Mapping[str, Any]) -> NetworkSpec:
    return NetworkSpec(
        name=name,
        driver=raw.get("driver", "bridge"),
        internal=bool(raw.get("internal")),
        attachable=bool(raw.get("attachable")),
        labels=_pairs(raw.get("labels")),
        options=_pairs(raw.get("options")),
        subnet=raw.get("subnet"),
        gateway=raw.get("gateway"),
        external=bool(raw.get("external")),
    )


def volume_spec(name: str, raw: Mapping[str, Any]) -> VolumeSpec:
    return VolumeSpec(
        name=name,
        driver=raw.get("driver", "local"),
        options=_pairs(raw.get("options")),
        labels=_pairs(raw.get("labels")),
        external=bool(raw.get("external")),
    )


_PULL_STRENGTH = {"never": 0, "missing": 1, "always": 2}


def images_of(containers: Mapping[str, ContainerSpec]) -> Dict[str, ImageSpec]:
    """One image resource per reference; the most eager pull policy of its users wins, and an
    image a container builds is built (validation makes sure its builds agree)."""
    images: Dict[str, ImageSpec] = {}
    for spec in containers.values():
        known = images.get(spec.image)
        if known is not None and known.build is not None:
            continue
        if spec.build is not None:
            images[spec.image] = ImageSpec(spec.image, build=spec.build)
        elif known is None or _PULL_STRENGTH[spec.pull] > _PULL_STRENGTH[known.pull]:
            images[spec.image] = ImageSpec(spec.image, spec.pull)
    return images


def docker_desired(raw: Mapping[str, Any], base: Path,
                   environ: Optional[Mapping[str, str]] = None,
                   sources: Optional[Mapping[str, SecretSource]] = None) -> DockerDesired:
    """The Docker part of a validated playbook tree (plain dicts). `base` resolves relative
    bind mounts and env files (read here: the one I/O of the model); `environ` (the playbook's
    environment) fills the variables their values use; `sources` are the playbook's secrets,
    read."""
    sources = sources or {}
    containers = {}
    secret_names = {v for _, v, _ in secretfiles.variables(raw)}  # the secret variables
    secrets: FrozenSet[str] = frozenset()
    variables: FrozenSet[str] = frozenset()
    for name, spec in (raw.get("containers") or {}).items():
        files = envfiles.resolve((spec or {}).get("env_file"), base, environ or {})
        containers[name] = container_spec(name, spec or {}, base, str(raw.get("name") or ""),
                                         files.values, sources)
        secrets |= files.secrets | {v for n, v in files.substituted.items()
                                    if n in secret_names and v}
        variables |= files.substituted.keys()
    return DockerDesired(
        containers=containers,
        networks={n: network_spec(n, s or {}) for n, s in (raw.get("networks") or {}).items()},
        volumes={n: volume_spec(n, s or {}) for n, s in (raw.get("volumes") or {}).items()},
        images=images_of(containers),
        present=any(k in raw for k in ("networks", "volumes", "containers")),
        file_secrets=secrets,
        file_variables=variables,
        secrets=dict(sources),
    )


# What the engine has now: a snapshot read live by gather ------------------------------------
@dataclass(frozen=True)
class EngineInfo:
    endpoint: str
    os_type: str = "linux"
    api_version: str = ""
    server_version: str = ""


@dataclass(frozen=True)
class ContainerState:
    id: str
    name: str
    status: str  # created | running | paused | restarting | removing | exited | dead
    image_id: str
    exit_code: Optional[int] = None
    spec: Optional[ContainerSpec] = None  # None: the record label is missing or unreadable
    # Its healthcheck's verdict while it runs: healthy | unhealthy | starting; None without
    # one. A moment's fact, shown by status; left out of the repr that a plan's fingerprint
    # digests, so a container turning healthy does not make a saved plan stale.
    health: Optional[str] = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class NetworkState:
    id: str
    name: str
    owner: Optional[str]  # the playbook that owns it, None when made elsewhere
    spec: Optional[NetworkSpec] = None
    subnets: Tuple[str, ...] = ()  # its address pools, as the engine lists them
    seen: Optional[NetworkSpec] = None  # what it is, read back (for one made elsewhere)


@dataclass(frozen=True)
class VolumeState:
    name: str
    owner: Optional[str]
    spec: Optional[VolumeSpec] = None
    seen: Optional[VolumeSpec] = None  # what it is, read back (for one made elsewhere)
    created: str = ""  # when the engine made it: who adopts it holds on to that


@dataclass(frozen=True)
class ImageState:
    reference: str
    id: str
    repo_digests: Tuple[str, ...] = ()
    built: Optional[str] = None  # the record of the inputs dfwctl built it from (its label)


@dataclass(frozen=True)
class BuildState:
    """A build context as it is now: the inputs a build would have, and the paths changed
    since the image was built (None when that is not known here)."""

    inputs: Inputs
    changed: Optional[Tuple[str, ...]] = None


@dataclass(frozen=True)
class Actual:
    engine: EngineInfo
    containers: Mapping[str, ContainerState] = field(default_factory=dict)  # owned, by name
    networks: Mapping[str, NetworkState] = field(default_factory=dict)  # all, by name
    volumes: Mapping[str, VolumeState] = field(default_factory=dict)  # all, by name
    images: Mapping[str, ImageState] = field(default_factory=dict)  # tagged, by reference
    remote_digests: Mapping[str, Optional[str]] = field(default_factory=dict)  # pull: always
    foreign_containers: Tuple[str, ...] = ()  # names the playbook wants, used by others
    # those of them made elsewhere, read back (their spec is what they are), by name
    foreign: Mapping[str, ContainerState] = field(default_factory=dict)
    claimed: Mapping[str, str] = field(default_factory=dict)  # of them, other playbooks' (owner)
    adoption_records: Tuple[str, ...] = ()  # the volumes that hold this playbook's adoptions
    leftovers: Tuple[ContainerState, ...] = ()  # replacements an interrupted apply left behind
    builds: Mapping[str, BuildState] = field(default_factory=dict)  # contexts, by image
    # networks whose name another network has too (the one kept is in `networks`), each with
    # the names of the containers on it
    duplicate_networks: Tuple[Tuple[NetworkState, Tuple[str, ...]], ...] = ()
    secrets_key: Optional[SecretsKey] = None  # the playbook's, kept by the engine

    def fingerprint(self, owner: str = "", wanted: Optional[DockerDesired] = None) -> str:
        """A digest of everything a plan of playbook `owner` (which wants `wanted`) depends
        on: its containers, the networks and volumes it owns or names, the images it uses...;
        a saved plan is stale when it moves. What other playbooks do on the same engine (their
        networks, volumes, images) does not move it."""
        wanted = wanted or DockerDesired()

        def mine(name: str, state: Any, named: Mapping[str, Any]) -> bool:
            return name in named or bool(state.owner and state.owner == owner)

        # The reprs of frozen dataclasses of strings, numbers and tuples are deterministic.
        relevant = (
            sorted(self.containers.items()),
            sorted((n, s) for n, s in self.networks.items() if mine(n, s, wanted.networks)),
            sorted((n, s) for n, s in self.volumes.items() if mine(n, s, wanted.volumes)),
            sorted((r, s.id, s.built) for r, s in self.images.items() if r in wanted.images),
            sorted((r, b.inputs) for r, b in self.builds.items()),
            sorted(self.remote_digests.items()),  # by reference: each is there once
            sorted(self.foreign_containers),
            sorted(self.foreign.items()),
            sorted(self.claimed.items()),
            sorted(c.id for c in self.leftovers),
            sorted(n.id for n, _ in self.duplicate_networks
                   if mine(n.name, n, wanted.networks)),
            self.secrets_key.id if self.secrets_key else None,
        )
        return hashlib.sha256(repr(relevant).encode()).hexdigest()
