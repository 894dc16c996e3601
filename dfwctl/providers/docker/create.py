"""ContainerSpec -> the arguments of the engine's create call (the host config through the
SDK's own builder)."""
from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple

from dfwctl.errors import DfwctlError
from dfwctl.providers.docker.health import engine_healthcheck
from dfwctl.providers.docker.model import BUILTIN_NETWORKS, ContainerSpec
from dfwctl.providers.docker.secrets import BIND, SecretFile
from dfwctl.values.devices import gpu_request_from_text
from dfwctl.values.limits import ulimit_values
from dfwctl.values.mounts import parse_mount
from dfwctl.values.ports import parse_ports
from dfwctl.values.security import seccomp_profile

CPU_PERIOD = 100_000


def restart_policy(text: str) -> Dict[str, Any]:
    name, _, retries = text.partition(":")
    policy: Dict[str, Any] = {"Name": "" if name == "no" else name}
    if name == "on-failure":
        policy["MaximumRetryCount"] = int(retries or 0)
    return policy


def limits(memory: Optional[int], cpus: Optional[float]) -> Dict[str, Any]:
    """Memory and CPU limits in the form both create and update take."""
    out: Dict[str, Any] = {}
    if memory is not None:
        out["mem_limit"] = memory
        out["memswap_limit"] = memory * 2  # the engine's own default for swap
    if cpus is not None:
        out["cpu_period"] = CPU_PERIOD
        out["cpu_quota"] = int(round(cpus * CPU_PERIOD))
    return out


SourceMap = Callable[[str], str]


def _mounts(spec: ContainerSpec, bind_source: Optional[SourceMap]
            ) -> Tuple[List[str], List[str], List[Dict[str, Any]]]:
    """(binds in -v text, anonymous volumes' targets, Mounts entries): -v where it says the
    same, as compose does (it also creates a missing bind source on every engine version);
    the engine's Mounts for a bind that must not create its source, and for a tmpfs."""
    binds, anonymous, mounts = [], [], []
    for text in spec.mounts:
        mount = parse_mount(text)
        if mount.type == "volume" and not mount.source:
            anonymous.append(mount.target)
            continue
        if mount.type == "bind" and bind_source is not None:
            mount = dataclasses.replace(mount, source=bind_source(mount.source))
        if mount.short:
            binds.append(mount.spec())
        else:
            mounts.append(mount.engine_mount())
    return binds, anonymous, mounts


def _ports(spec: ContainerSpec) -> Tuple[List[Any], Dict[str, List[Dict[str, str]]]]:
    exposed: List[Any] = []
    bindings: Dict[str, List[Dict[str, str]]] = {}
    for text in spec.ports:
        for port in parse_ports(text):
            key = f"{port.container_port}/{port.protocol}"
            if key not in bindings:
                exposed.append((port.container_port, port.protocol))
                bindings[key] = []
            host_port = "" if port.host_port is None else str(port.host_port)
            bindings[key].append({"HostIp": port.host_ip, "HostPort": host_port})
    return exposed, bindings


def _seccomp(option: str) -> str:
    """The engine takes a seccomp profile's JSON text, not its file (as the docker CLI sends it)."""
    profile = seccomp_profile(option)
    if profile is None:
        return option
    try:
        text = Path(profile).read_text(encoding="utf-8")
    except OSError as exc:
        raise DfwctlError(f"cannot read the seccomp profile {profile}: {exc.strerror}",
                          "check the path in security_opt") from None
    return f"seccomp={text}"


def option_arguments(spec: ContainerSpec) -> Dict[str, Any]:
    """The host config arguments of the container's options (only those it sets)."""
    out: Dict[str, Any] = {}
    security = [o for o in spec.security_opt if o != "systempaths=unconfined"]
    values: Dict[str, Any] = {
        "extra_hosts": list(spec.extra_hosts),
        "dns": list(spec.dns),
        "dns_search": list(spec.dns_search),
        "cap_add": list(spec.cap_add),
        "cap_drop": list(spec.cap_drop),
        "privileged": spec.privileged or None,
        "devices": list(spec.devices),
        "device_requests": [gpu_request_from_text(g).request() for g in spec.gpus],
        "tmpfs": dict(spec.tmpfs),
        "shm_size": spec.shm_size,
        "ulimits": [{"name": name, "soft": soft, "hard": hard}
                    for name, (soft, hard) in ((n, ulimit_values(t)) for n, t in spec.ulimits)],
        "sysctls": dict(spec.sysctls),
        "init": spec.init,
        "read_only": spec.read_only or None,
        "pids_limit": spec.pids_limit,
        "security_opt": [_seccomp(o) for o in security],
    }
    if spec.log_driver is not None or spec.log_options:
        values["log_config"] = {"type": spec.log_driver or "", "config": dict(spec.log_options)}
    for name, value in values.items():
        if value is not None and value != [] and value != {}:
            out[name] = value
    return out


def endpoint(spec: ContainerSpec, network: str) -> Dict[str, Any]:
    """The container's settings on one network: its name and the playbook's aliases (other
    containers on the network find it by them), and its fixed address. The engine's own
    networks take neither."""
    if network in BUILTIN_NETWORKS:
        return {}
    aliases = [spec.name] + [a for a in dict(spec.network_aliases).get(network, ())
                             if a != spec.name]
    settings: Dict[str, Any] = {"aliases": aliases}
    address = dict(spec.ipv4_address).get(network)
    if address:
        settings["ipv4_address"] = address
    return settings


def secret_mounts(files: Tuple[SecretFile, ...], bind_source: Optional[SourceMap]
                  ) -> List[Dict[str, Any]]:
    """The bind-mounted secret files as the engine's Mounts: read-only, and never a folder
    made where the file is missing (which a -v bind would do)."""
    return [{"Type": "bind", "Source": bind_source(f.source) if bind_source else f.source,
             "Target": f.target, "ReadOnly": True} for f in files if f.how == BIND]


def create_arguments(api: Any, spec: ContainerSpec, name: str, labels: Dict[str, str],
                     bind_source: Optional[SourceMap] = None,
                     secrets: Tuple[SecretFile, ...] = ()) -> Dict[str, Any]:
    """The create call's arguments. `bind_source` maps a bind's source to where the engine
    finds it (the stand-in for Docker Desktop's path translation in a simulated guest);
    `secrets` are the container's secret files (the bind-mounted ones are mounts here)."""
    binds, anonymous, mounts = _mounts(spec, bind_source)
    exposed, bindings = _ports(spec)
    network: Optional[str] = spec.networks[0] if spec.networks else None
    host_config = api.create_host_config(
        binds=binds or None,
        mounts=(mounts + secret_mounts(secrets, bind_source)) or None,
        port_bindings=bindings or None,
        restart_policy=restart_policy(spec.restart),
        network_mode=network,
        isolation=spec.isolation,
        **limits(spec.memory, spec.cpus),
        **option_arguments(spec),
    )
    if "systempaths=unconfined" in spec.security_opt:
        # What the docker CLI sends for it: nothing masked, nothing read-only in /proc, /sys.
        host_config["MaskedPaths"] = []
        host_config["ReadonlyPaths"] = []
    args: Dict[str, Any] = dict(
        image=spec.image,
        name=name,
        command=list(spec.command) if spec.command is not None else None,
        entrypoint=list(spec.entrypoint) if spec.entrypoint is not None else None,
        environment=[f"{k}={v}" for k, v in spec.env] or None,
        labels=labels,
        user=spec.user,
        working_dir=spec.working_dir,
        hostname=spec.hostname,
        ports=exposed or None,
        volumes=anonymous or None,
        host_config=host_config,
        stop_signal=spec.stop_signal,
        stop_timeout=spec.stop_timeout,
        healthcheck=engine_healthcheck(spec.healthcheck),
        detach=True,
    )
    if spec.platform:
        args["platform"] = spec.platform
    if network:
        args["networking_config"] = api.create_networking_config(
            {network: api.create_endpoint_config(**endpoint(spec, network))}
        )
    return args
