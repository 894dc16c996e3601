"""Live values of the fields `docker update` changes, read from an inspect document."""
from __future__ import annotations

import dataclasses
from typing import Any, Mapping, Optional

from dfwctl.providers.docker.model import ContainerState


def restart_text(policy: Optional[Mapping[str, Any]]) -> str:
    name = (policy or {}).get("Name") or "no"
    retries = (policy or {}).get("MaximumRetryCount") or 0
    if name == "on-failure" and retries:
        return f"on-failure:{retries}"
    return name


def cpus_of(host: Mapping[str, Any]) -> Optional[float]:
    if host.get("NanoCpus"):
        nano_cpus: int = host["NanoCpus"]
        return nano_cpus / 1e9
    quota, period = host.get("CpuQuota") or 0, host.get("CpuPeriod") or 0
    if quota > 0 and period > 0:
        return round(quota / period, 3)
    return None


def live_updatable(state: ContainerState, inspect: Mapping[str, Any]) -> ContainerState:
    host = inspect.get("HostConfig") or {}
    assert state.spec is not None, "called only for containers with a readable record"
    spec = dataclasses.replace(
        state.spec,
        restart=restart_text(host.get("RestartPolicy")),
        memory=host.get("Memory") or None,
        cpus=cpus_of(host),
    )
    return dataclasses.replace(state, spec=spec)
