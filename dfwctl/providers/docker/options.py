"""The container options docker compose users write (extra_hosts, dns, capabilities, devices,
GPUs, logging, tmpfs, limits, security options, ...) from a validated playbook tree into the
canonical values a ContainerSpec holds: written one way, so that two spellings of the same
setting never differ in a plan, and a record read back equals the playbook. No I/O."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, Mapping, Optional, Tuple

from dfwctl.values import devices, hosts, limits, security
from dfwctl.values.durations import whole_seconds
from dfwctl.values.logdrivers import option_text
from dfwctl.values.sizes import parse_size
from dfwctl.values.tmpfs import tmpfs_entry


def _stop_timeout(raw: Mapping[str, Any]) -> Optional[int]:
    if raw.get("stop_grace_period") is not None:
        return whole_seconds(raw["stop_grace_period"])
    value: Optional[int] = raw.get("stop_timeout")
    return value


def _positive(value: Optional[int]) -> Optional[int]:
    """0 and -1 mean "the engine's default" (no limit, 64MiB of shm): the same as unset."""
    return value if value is not None and value > 0 else None


def _bool(value: Any) -> Optional[bool]:
    return None if value is None else bool(value)


def _security(raw: Mapping[str, Any], base: Path) -> Tuple[str, ...]:
    """Security options; a seccomp profile file is found relative to the playbook."""
    found = []
    for option in security.security_options(raw.get("security_opt")):
        profile = security.seccomp_profile(option)
        if profile is not None:
            option = f"seccomp={(base / profile).resolve()}"
        found.append(option)
    return tuple(found)


def network_fields(value: Any) -> Dict[str, Any]:
    """networks as a list of names or a mapping name -> {aliases, ipv4_address} (or null)."""
    settings = value if isinstance(value, dict) else {name: None for name in value or ()}
    aliases, addresses = [], []
    for name, options in settings.items():
        options = options or {}
        if options.get("aliases"):
            aliases.append((str(name), tuple(sorted({str(a) for a in options["aliases"]}))))
        if options.get("ipv4_address"):
            addresses.append((str(name), str(options["ipv4_address"])))
    return dict(networks=tuple(sorted({str(n) for n in settings})),
                network_aliases=tuple(sorted(aliases)), ipv4_address=tuple(sorted(addresses)))


def option_fields(raw: Mapping[str, Any], base: Path) -> Dict[str, Any]:
    """The ContainerSpec fields of a container's options (a valid playbook's)."""
    logging = raw.get("logging") or {}
    shm_size = raw.get("shm_size")
    return dict(
        **network_fields(raw.get("networks")),
        stop_timeout=_stop_timeout(raw),
        extra_hosts=hosts.extra_hosts(raw.get("extra_hosts")),
        dns=tuple(hosts.dns_server(v) for v in hosts.one_or_many(raw.get("dns"))),
        dns_search=tuple(hosts.dns_domain(v) for v in hosts.one_or_many(raw.get("dns_search"))),
        cap_add=security.capabilities(raw.get("cap_add")),
        cap_drop=security.capabilities(raw.get("cap_drop")),
        privileged=bool(raw.get("privileged", False)),
        devices=tuple(sorted({devices.device(v) for v in raw.get("devices") or ()})),
        gpus=devices.gpus(raw.get("gpus")),
        log_driver=logging.get("driver"),
        log_options=tuple(sorted((str(k), option_text(v))
                                 for k, v in (logging.get("options") or {}).items())),
        tmpfs=tuple(sorted(dict(tmpfs_entry(v)
                                for v in hosts.one_or_many(raw.get("tmpfs"))).items())),
        shm_size=_positive(parse_size(shm_size)) if shm_size is not None else None,
        ulimits=limits.ulimits(raw.get("ulimits")),
        sysctls=tuple(sorted(limits.sysctls(raw.get("sysctls")).items())),
        init=_bool(raw.get("init")),
        read_only=bool(raw.get("read_only", False)),
        pids_limit=_positive(raw.get("pids_limit")),
        security_opt=_security(raw, base),
    )
