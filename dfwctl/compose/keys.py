"""The keys of the compose specification: a key compose does not know is an error (docker
compose refuses the file), an `x-` key is an extension (for YAML anchors; compose and the
importer ignore it)."""
from __future__ import annotations

from typing import Any, Dict

from dfwctl.compose.origins import Origins
from dfwctl.suggest import did_you_mean

TOP_LEVEL = ("version", "name", "include", "services", "networks", "volumes", "secrets",
             "configs", "models")
SERVICE = (
    "annotations", "attach", "blkio_config", "build", "cap_add", "cap_drop", "cgroup",
    "cgroup_parent", "command", "configs", "container_name", "cpu_count", "cpu_percent",
    "cpu_shares", "cpu_quota", "cpu_period", "cpu_rt_period", "cpu_rt_runtime", "cpus", "cpuset",
    "credential_spec", "depends_on", "deploy", "develop", "device_cgroup_rules", "devices", "dns",
    "dns_opt", "dns_search", "domainname", "entrypoint", "env_file", "environment", "expose",
    "extends", "external_links", "extra_hosts", "gpus", "group_add", "healthcheck", "hostname",
    "image", "init", "ipc", "isolation", "label_file", "labels", "links", "logging",
    "mac_address", "mem_limit", "mem_reservation", "mem_swappiness", "memswap_limit", "models",
    "network_mode", "networks", "oom_kill_disable", "oom_score_adj", "pid", "pids_limit",
    "platform", "ports", "post_start", "pre_stop", "privileged", "profiles", "provider",
    "pull_policy", "pull_refresh_after", "read_only", "restart", "runtime", "scale", "secrets",
    "security_opt", "shm_size", "stdin_open", "stop_grace_period", "stop_signal", "storage_opt",
    "sysctls", "tmpfs", "tty", "ulimits", "use_api_socket", "user", "userns_mode", "uts",
    "volumes", "volumes_from", "working_dir",
)


def extension(key: Any) -> bool:
    return isinstance(key, str) and key.startswith("x-")


def check(data: Dict[str, Any], origins: Origins) -> None:
    """Unknown top-level and service keys, each an error at the key."""
    for key in data:
        if not extension(key) and key not in TOP_LEVEL:
            origins.error(data, key, (str(key),), f"compose has no top-level key {key!r}"
                          + did_you_mean(str(key), TOP_LEVEL))
    services = data.get("services")
    if services is not None and not isinstance(services, dict):
        origins.error(data, "services", ("services",), "services is a mapping of service "
                      "names to their settings")
        return
    for name, service in (services or {}).items():
        if service is None:
            continue
        if not isinstance(service, dict):
            origins.error(services, name, ("services", name), "a service is a mapping of its "
                          "settings")
            continue
        for key in service:
            if not extension(key) and key not in SERVICE:
                origins.error(service, key, ("services", name, str(key)),
                              f"compose has no service key {key!r}"
                              + did_you_mean(str(key), SERVICE))
