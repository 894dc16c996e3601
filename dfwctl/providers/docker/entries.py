"""Specs back into playbook entries: the mapping a playbook writes for a container, network
or volume, with only what differs from the defaults, in the playbook's own spelling, so that
reading the entry again (model.container_spec) gives the same spec. For `dfwctl export`.
Strings are written for the playbook's interpolation: a `$` becomes `$$`. Pure."""
from __future__ import annotations

from dataclasses import fields
from typing import Any, Dict, Mapping, Union

from dfwctl.providers.docker.model import ContainerSpec, NetworkSpec, VolumeSpec
from dfwctl.providers.docker.record import is_pairs
from dfwctl.values.devices import gpu_request_from_text
from dfwctl.values.limits import ulimit_values
from dfwctl.values.sizes import format_size

_DEFAULTS = {f.name: f.default for f in fields(ContainerSpec)}


def literal(value: Any) -> Any:
    """A value as playbook text: `$` doubled, so interpolation gives it back unchanged."""
    if isinstance(value, str):
        return value.replace("$", "$$")
    if isinstance(value, dict):
        return {k: literal(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [literal(v) for v in value]
    return value


def _written(entry: Dict[str, Any]) -> Dict[str, Any]:
    return {key: literal(value) for key, value in entry.items()}


def _set(spec: ContainerSpec, name: str) -> bool:
    return bool(getattr(spec, name) != _DEFAULTS[name])


def _networks(spec: ContainerSpec) -> Any:
    aliases, addresses = dict(spec.network_aliases), dict(spec.ipv4_address)
    if not aliases and not addresses:
        return list(spec.networks)
    out: Dict[str, Any] = {}
    for network in spec.networks:
        entry: Dict[str, Any] = {}
        if network in aliases:
            entry["aliases"] = list(aliases[network])
        if network in addresses:
            entry["ipv4_address"] = addresses[network]
        out[network] = entry or None
    return out


def _gpu(text: str) -> Dict[str, Any]:
    request = gpu_request_from_text(text)
    out: Dict[str, Any] = {}
    if request.driver:
        out["driver"] = request.driver
    if request.device_ids:
        out["device_ids"] = list(request.device_ids)
    elif request.count:
        out["count"] = "all" if request.count == -1 else request.count
    out["capabilities"] = list(request.capabilities)
    if request.options:
        out["options"] = dict(request.options)
    return out


def _healthcheck(spec: ContainerSpec) -> Dict[str, Any]:
    health = dict(spec.healthcheck)
    if health.get("test") == ("NONE",) and len(health) == 1:
        return {"disable": True}
    out: Dict[str, Any] = {}
    if "test" in health:
        out["test"] = list(health["test"])
    for key in ("interval", "timeout", "start_period", "retries"):
        if key in health:
            out[key] = health[key]
    return out


def container_entry(spec: ContainerSpec, depends_on: Any = ()) -> Dict[str, Any]:
    """The playbook mapping of one container (`depends_on`: as the playbook writes it, a
    list of names or a mapping of names to conditions)."""
    out: Dict[str, Any] = {"image": spec.image}
    if _set(spec, "state"):
        out["state"] = spec.state
    for name in ("command", "entrypoint"):
        if getattr(spec, name) is not None:
            out[name] = list(getattr(spec, name))
    if spec.env:
        out["env"] = dict(spec.env)
    for name in ("mounts", "ports"):
        if getattr(spec, name):
            out[name] = list(getattr(spec, name))
    if spec.networks:
        out["networks"] = _networks(spec)
    if _set(spec, "restart"):
        out["restart"] = spec.restart
    if spec.labels:
        out["labels"] = dict(spec.labels)
    for name in ("user", "working_dir", "hostname", "isolation", "platform", "memory", "cpus",
                 "stop_signal", "stop_timeout", "shm_size", "init", "pids_limit"):
        value = getattr(spec, name)
        if value is not None:
            out[name] = format_size(value) if name in ("memory", "shm_size") else value
    for name in ("extra_hosts", "dns", "dns_search", "cap_add", "cap_drop", "devices",
                 "security_opt"):
        if getattr(spec, name):
            out[name] = list(getattr(spec, name))
    if spec.gpus:
        out["gpus"] = [_gpu(text) for text in spec.gpus]
    for name in ("privileged", "read_only"):
        if getattr(spec, name):
            out[name] = True
    if spec.log_driver is not None or spec.log_options:
        out["logging"] = {k: v for k, v in (("driver", spec.log_driver),
                                            ("options", dict(spec.log_options))) if v}
    if spec.tmpfs:
        out["tmpfs"] = [f"{target}:{options}" if options else target
                        for target, options in spec.tmpfs]
    if spec.ulimits:
        out["ulimits"] = {name: dict(zip(("soft", "hard"), ulimit_values(text)))
                          for name, text in spec.ulimits}
    if spec.sysctls:
        out["sysctls"] = dict(spec.sysctls)
    if spec.healthcheck:
        out["healthcheck"] = _healthcheck(spec)
    if depends_on:
        out["depends_on"] = depends_on
    return _written(out)


def shared_entry(spec: Union[NetworkSpec, VolumeSpec]) -> Dict[str, Any]:
    """The playbook mapping of a network or a volume: each field that is not its default."""
    out: Dict[str, Any] = {}
    for f in fields(spec):
        value = getattr(spec, f.name)
        if f.compare and f.name != "name" and value != f.default:
            out[f.name] = dict(value) if is_pairs(value) else value
    return _written(out)


def playbook_tree(name: str, containers: Mapping[str, Dict[str, Any]],
                  networks: Mapping[str, Dict[str, Any]],
                  volumes: Mapping[str, Dict[str, Any]]) -> Dict[str, Any]:
    """A whole playbook: version, name, and the sections that have entries."""
    tree: Dict[str, Any] = {"version": 1, "name": name}
    for section, entries in (("networks", networks), ("volumes", volumes),
                             ("containers", containers)):
        if entries:
            tree[section] = dict(sorted(entries.items()))
    return tree

