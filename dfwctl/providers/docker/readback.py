"""What a container, network or volume the engine has says, as the spec a playbook would
write for it: read from the engine's inspect documents, without dfwctl's record label. For
`dfwctl export` and for adopting what dfwctl did not create.

Only what differs from the defaults is kept: a container's values equal to its image's (Env
entries, Cmd, Entrypoint, WorkingDir, User, StopSignal, Healthcheck, Labels, Volumes) and the
engine's own (its hostname, the default shm size, the daemon's log driver) come back unset,
as a playbook that does not name them. Labels of other tools (docker compose's) and dfwctl's
own are left out. What a playbook cannot say is listed in `Readback.unsaid`. Pure."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Optional, Set, Tuple

from dfwctl.providers.docker.health import Health, condition_name
from dfwctl.providers.docker.live import cpus_of, restart_text
from dfwctl.providers.docker.model import (
    BUILTIN_NETWORKS,
    ContainerSpec,
    NetworkSpec,
    Pairs,
    VolumeSpec,
    image_reference,
)
from dfwctl.values import devices, hosts, limits, security
from dfwctl.values.durations import format_duration
from dfwctl.values.mounts import long_mount, parse_mount
from dfwctl.values.ports import parse_ports
from dfwctl.values.tmpfs import tmpfs_entry

# Labels other tools (and dfwctl) put on what they make: never part of a playbook.
TOOL_LABEL_PREFIXES = ("com.docker.compose.", "io.dfwctl.", "com.docker.desktop.")
DEFAULT_SHM_SIZE = 64 * 2**20
_HEALTH_DURATIONS = (("interval", "Interval"), ("timeout", "Timeout"),
                     ("start_period", "StartPeriod"))


@dataclass(frozen=True)
class EngineDefaults:
    """What the daemon does when a container does not say (docker info)."""

    log_driver: str = "json-file"


@dataclass(frozen=True)
class Readback:
    """A container read back: its spec, and what of its configuration a playbook cannot say
    (each a short text naming the setting)."""

    spec: ContainerSpec
    unsaid: Tuple[str, ...] = ()
    project: Optional[str] = None  # its compose project, from compose's label
    service: Optional[str] = None
    # compose services it depends on, with the condition: (service, started | healthy | ...)
    depends_on: Tuple[Tuple[str, str], ...] = field(default=())


def own_labels(labels: Optional[Mapping[str, str]],
               inherited: Optional[Mapping[str, str]] = None) -> Pairs:
    """Labels as a playbook writes them: without other tools' and the image's."""
    inherited = inherited or {}
    return tuple(sorted((k, v) for k, v in (labels or {}).items()
                        if not k.startswith(TOOL_LABEL_PREFIXES) and inherited.get(k) != v))


def _argv(value: Any) -> Optional[Tuple[str, ...]]:
    return None if value is None else tuple(str(v) for v in value)


def _command(config: Mapping[str, Any], image: Mapping[str, Any]
             ) -> Tuple[Optional[Tuple[str, ...]], Optional[Tuple[str, ...]]]:
    """(command, entrypoint) a playbook writes: unset where the image's apply. The engine
    takes the image's Cmd only when the container sets no Entrypoint, so a command equal to
    the image's is written when the entrypoint is not the image's."""
    cmd, entry = _argv(config.get("Cmd")) or (), _argv(config.get("Entrypoint")) or ()
    image_cmd, image_entry = _argv(image.get("Cmd")) or (), _argv(image.get("Entrypoint")) or ()
    if entry == image_entry and cmd == image_cmd:
        return None, None
    if entry == image_entry and cmd:
        return cmd, None
    # its own entrypoint (or the image's, written out, without the image's command)
    return (cmd or None), entry


def _env(config: Mapping[str, Any], image: Mapping[str, Any]) -> Pairs:
    inherited = set(image.get("Env") or ())
    found: Dict[str, str] = {}
    for entry in config.get("Env") or ():
        if entry in inherited:
            continue
        key, _, value = str(entry).partition("=")
        found[key] = value
    return tuple(sorted(found.items()))


def _unless(value: Any, default: Any) -> Any:
    return None if value in (None, "", default) else value


def engine_mount_text(raw: Mapping[str, Any]) -> str:
    """A HostConfig.Mounts entry as the playbook's mount text."""
    kind = str(raw.get("Type") or "volume")
    value: Dict[str, Any] = {"type": kind, "target": raw.get("Target"),
                             "read_only": bool(raw.get("ReadOnly"))}
    if raw.get("Source"):
        value["source"] = raw["Source"]
    if raw.get("Consistency") and raw["Consistency"] != "default":
        value["consistency"] = raw["Consistency"]
    bind = raw.get("BindOptions") or {}
    if kind == "bind":
        value["bind"] = {"create_host_path": bool(bind.get("CreateMountpoint", False))}
        if bind.get("Propagation"):
            value["bind"]["propagation"] = bind["Propagation"]
    if kind == "volume" and (raw.get("VolumeOptions") or {}).get("NoCopy"):
        value["volume"] = {"nocopy": True}
    tmpfs = raw.get("TmpfsOptions") or {}
    if kind == "tmpfs" and tmpfs:
        value["tmpfs"] = {k: v for k, v in (("size", tmpfs.get("SizeBytes")),
                                            ("mode", f"{tmpfs['Mode']:o}"
                                             if tmpfs.get("Mode") else None)) if v}
    return long_mount(value).spec()


def _mounts(config: Mapping[str, Any], host: Mapping[str, Any],
            image: Mapping[str, Any]) -> Tuple[str, ...]:
    found = [parse_mount(text).spec() for text in host.get("Binds") or ()]
    found += [engine_mount_text(m) for m in host.get("Mounts") or ()]
    declared = set(image.get("Volumes") or {})
    taken = {parse_mount(t).target for t in found}
    found += [target for target in config.get("Volumes") or {}
              if target not in declared and target not in taken]
    return tuple(found)


def _ports(host: Mapping[str, Any]) -> Tuple[str, ...]:
    texts: Set[str] = set()
    for key, bindings in (host.get("PortBindings") or {}).items():
        for binding in bindings or [{}]:
            ip = (binding or {}).get("HostIp") or ""
            port = (binding or {}).get("HostPort") or ""
            head = f"[{ip}]" if ":" in ip else ip
            text = f"{head}:{port}:{key}" if ip else (f"{port}:{key}" if port else key)
            texts.update(p.spec() for p in parse_ports(text))
    return tuple(sorted(texts, key=lambda t: parse_ports(t)[0]))


def _networks(info: Mapping[str, Any]) -> Dict[str, Any]:
    host = info.get("HostConfig") or {}
    attached = (info.get("NetworkSettings") or {}).get("Networks") or {}
    mode = host.get("NetworkMode") or "default"
    name = str(info.get("Name") or "").lstrip("/")
    short = str(info.get("Id") or "")[:12]
    networks = sorted(attached)
    if mode in ("default", "bridge") and networks in ([], ["bridge"]):
        networks = []  # the engine's default
    aliases, addresses = [], []
    for network in networks:
        if network in BUILTIN_NETWORKS:
            continue
        settings = attached[network] or {}
        own = sorted({str(a) for a in settings.get("Aliases") or ()} - {name, short})
        if own:
            aliases.append((network, tuple(own)))
        address = (settings.get("IPAMConfig") or {}).get("IPv4Address")
        if address:
            addresses.append((network, str(address)))
    return dict(networks=tuple(networks), network_aliases=tuple(aliases),
                ipv4_address=tuple(addresses))


def _health(config: Mapping[str, Any], image: Mapping[str, Any]) -> Health:
    """The container's healthcheck where it is not the image's (keys the engine took from
    the image left out)."""
    own, inherited = config.get("Healthcheck") or {}, image.get("Healthcheck") or {}
    if own == inherited or not own:
        return ()
    found: Dict[str, Any] = {}
    test = tuple(own.get("Test") or ())
    if test and test != tuple(inherited.get("Test") or ()):
        found["test"] = ("NONE",) if test[0] == "NONE" else test
    for key, engine in _HEALTH_DURATIONS:
        if own.get(engine) and own.get(engine) != inherited.get(engine):
            found[key] = format_duration(int(own[engine]))
    if own.get("Retries") and own.get("Retries") != inherited.get("Retries"):
        found["retries"] = int(own["Retries"])
    return tuple(sorted(found.items()))


def _log(host: Mapping[str, Any], defaults: EngineDefaults) -> Dict[str, Any]:
    log = host.get("LogConfig") or {}
    driver, options = log.get("Type") or None, log.get("Config") or {}
    if driver == defaults.log_driver and not options:
        driver = None
    return dict(log_driver=driver,
                log_options=tuple(sorted((str(k), str(v)) for k, v in options.items())))


def _options(host: Mapping[str, Any], unsaid: List[str]) -> Dict[str, Any]:
    """The ContainerSpec fields of the container's options, in their canonical form."""
    security_opt = []
    for option in host.get("SecurityOpt") or ():
        if option.startswith("seccomp=") and option[len("seccomp="):][:1] in ("{", "["):
            unsaid.append("security_opt: an inline seccomp profile (write it to a file and "
                          "name the file)")
            continue
        security_opt.append(security.security_option(option))
    if host.get("MaskedPaths") == [] and host.get("ReadonlyPaths") == []:
        security_opt.append("systempaths=unconfined")
    device_texts = [f"{d['PathOnHost']}:{d['PathInContainer']}:{d.get('CgroupPermissions') or 'rwm'}"
                    for d in host.get("Devices") or ()]
    shm = host.get("ShmSize")
    pids = host.get("PidsLimit")
    return dict(
        stop_timeout=None,
        extra_hosts=hosts.extra_hosts(list(host.get("ExtraHosts") or ())),
        dns=tuple(hosts.dns_server(v) for v in host.get("Dns") or ()),
        dns_search=tuple(hosts.dns_domain(v) for v in host.get("DnsSearch") or ()),
        cap_add=security.capabilities(host.get("CapAdd") or ()),
        cap_drop=security.capabilities(host.get("CapDrop") or ()),
        privileged=bool(host.get("Privileged")),
        devices=tuple(sorted({devices.device(t) for t in device_texts})),
        gpus=tuple(devices.GpuRequest(
            driver=r.get("Driver") or "", count=r.get("Count") or 0,
            device_ids=tuple(r.get("DeviceIDs") or ()),
            capabilities=tuple(sorted({c for group in r.get("Capabilities") or [["gpu"]]
                                       for c in group})),
            options=tuple(sorted((r.get("Options") or {}).items()))).text()
                   for r in host.get("DeviceRequests") or ()),
        tmpfs=tuple(sorted(dict(tmpfs_entry(f"{k}:{v}" if v else k)
                                for k, v in (host.get("Tmpfs") or {}).items()).items())),
        shm_size=shm if shm and shm > 0 and shm != DEFAULT_SHM_SIZE else None,
        ulimits=limits.ulimits({u["Name"]: {"soft": u["Soft"], "hard": u["Hard"]}
                                for u in host.get("Ulimits") or ()}),
        sysctls=tuple(sorted(limits.sysctls(host.get("Sysctls") or {}).items())),
        init=host.get("Init"),
        read_only=bool(host.get("ReadonlyRootfs")),
        pids_limit=pids if pids and pids > 0 else None,
        security_opt=tuple(security_opt),
    )


def container_readback(info: Mapping[str, Any], image: Mapping[str, Any],
                       defaults: EngineDefaults = EngineDefaults()) -> Readback:
    """A container's inspect document (and its image's) as the spec a playbook would
    write for it."""
    config, host = info.get("Config") or {}, info.get("HostConfig") or {}
    image_config = image.get("Config") or {}
    name = str(info.get("Name") or "").lstrip("/")
    unsaid: List[str] = []
    command, entrypoint = _command(config, image_config)
    state = info.get("State") or {}
    status = state.get("Status") or "running"
    if config.get("ExposedPorts"):
        exposed = set(config["ExposedPorts"]) - set(image_config.get("ExposedPorts") or {}) \
            - set(host.get("PortBindings") or {})
        if exposed:
            unsaid.append(f"expose: {', '.join(sorted(exposed))} (not published)")
    mode = host.get("NetworkMode") or "default"
    if mode.startswith("container:") or mode.startswith("service:"):
        unsaid.append(f"network_mode: {mode}")
    for key, what in (("PidMode", "pid"), ("IpcMode", "ipc"), ("VolumesFrom", "volumes_from"),
                      ("Links", "links"), ("GroupAdd", "group_add"), ("CgroupParent",
                                                                       "cgroup_parent")):
        value = host.get(key)
        if value and value not in ("private", "shareable"):
            unsaid.append(f"{what}: {value}")
    labels = config.get("Labels") or {}
    options = _options(host, unsaid)
    options.update(_networks(info))
    options.update(_log(host, defaults))
    options["stop_timeout"] = config.get("StopTimeout")
    spec = ContainerSpec(
        name=name,
        image=image_reference(str(config.get("Image") or image.get("Id") or "")),
        command=command,
        entrypoint=entrypoint,
        env=_env(config, image_config),
        mounts=_mounts(config, host, image_config),
        ports=_ports(host),
        restart=restart_text(host.get("RestartPolicy")),
        labels=own_labels(labels, image_config.get("Labels")),
        user=_unless(config.get("User"), image_config.get("User")),
        working_dir=_unless(config.get("WorkingDir"), image_config.get("WorkingDir")),
        hostname=_unless(config.get("Hostname"), str(info.get("Id") or "")[:12]),
        isolation=_unless(host.get("Isolation"), "default"),
        memory=host.get("Memory") or None,
        cpus=cpus_of(host),
        stop_signal=_unless(config.get("StopSignal"), image_config.get("StopSignal")),
        healthcheck=_health(config, image_config),
        state="running" if status in ("running", "restarting", "paused") else "exited",
        **options,
    )
    return Readback(
        spec, tuple(unsaid), labels.get("com.docker.compose.project"),
        labels.get("com.docker.compose.service"),
        compose_needs(labels.get("com.docker.compose.depends_on") or ""))


def compose_needs(text: str) -> Tuple[Tuple[str, str], ...]:
    """compose's depends_on label ("db:service_healthy:false,cache:service_started:false")
    as (service, condition) pairs."""
    found = []
    for part in text.split(","):
        service, _, rest = part.partition(":")
        if service:
            found.append((service, condition_name(rest.partition(":")[0] or "started")))
    return tuple(found)


def network_readback(raw: Mapping[str, Any]) -> NetworkSpec:
    """A network's inspect (or list) entry as the spec a playbook writes."""
    pools = (raw.get("IPAM") or {}).get("Config") or []
    pool = pools[0] if len(pools) == 1 else {}
    return NetworkSpec(
        name=str(raw.get("Name")),
        driver=str(raw.get("Driver") or "bridge"),
        internal=bool(raw.get("Internal")),
        attachable=bool(raw.get("Attachable")),
        labels=own_labels(raw.get("Labels")),
        options=tuple(sorted((str(k), str(v)) for k, v in (raw.get("Options") or {}).items())),
        subnet=pool.get("Subnet") or None,
        gateway=pool.get("Gateway") or None,
    )


def volume_readback(raw: Mapping[str, Any]) -> VolumeSpec:
    return VolumeSpec(
        name=str(raw.get("Name")),
        driver=str(raw.get("Driver") or "local"),
        options=tuple(sorted((str(k), str(v)) for k, v in (raw.get("Options") or {}).items())),
        labels=own_labels(raw.get("Labels")),
    )

