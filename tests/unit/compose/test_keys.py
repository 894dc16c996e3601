"""Every key of the compose specification is accounted for: the docs say what import does
with it, and import does something with it (maps it, translates it, or warns)."""
from __future__ import annotations

import re

import pytest

from dfwctl.compose import keys
from dfwctl.compose.read import ReadOptions, read_project
from dfwctl.compose.translate import translate
from tests.paths import ROOT

DOC = (ROOT / "docs" / "compose.md").read_text(encoding="utf-8")
IN_TABLES = set(re.findall(r"`([a-z_]+)`", DOC))


@pytest.mark.parametrize("key", keys.SERVICE + keys.TOP_LEVEL)
def test_the_docs_say_what_import_does_with_each_key(key):
    assert key in IN_TABLES


# A value of each service key that compose accepts; each must be mapped or warned about.
VALUES = {
    "annotations": "{a: b}", "attach": "false", "blkio_config": "{weight: 300}",
    "build": "./ctx", "cap_add": "[NET_ADMIN]", "cap_drop": "[MKNOD]", "cgroup": "host",
    "cgroup_parent": "x", "command": "[true]", "configs": "[c]", "container_name": "x-app",
    "cpu_count": "1", "cpu_percent": "50", "cpu_shares": "512", "cpu_quota": "50000",
    "cpu_period": "100000", "cpu_rt_period": "1", "cpu_rt_runtime": "1", "cpus": "0.5",
    "cpuset": "0-1", "credential_spec": "{file: x.json}", "depends_on": "[other]",
    "deploy": "{labels: {a: b}}", "develop": "{watch: []}", "device_cgroup_rules": "['c 1:3 mr']",
    "devices": "[/dev/null]", "dns": "1.1.1.1", "dns_opt": "[use-vc]", "dns_search": "x.org",
    "domainname": "x.org", "entrypoint": "[sh]", "env_file": "[app.env]", "environment": "{A: b}",
    "expose": "['80']", "extends": "other", "external_links": "[x]",
    "extra_hosts": "['h:1.2.3.4']", "gpus": "all", "group_add": "[audio]",
    "healthcheck": "{test: [CMD, 'true']}", "hostname": "h", "image": "busybox",
    "init": "true", "ipc": "host", "isolation": "default", "label_file": "[]",
    "labels": "{a: b}", "links": "[other]", "logging": "{driver: json-file}",
    "mac_address": "02:42:ac:11:00:02", "mem_limit": "64m", "mem_reservation": "32m",
    "mem_swappiness": "0", "memswap_limit": "128m", "models": "[m]",
    "network_mode": "host", "networks": "{default: {aliases: [x]}}", "oom_kill_disable": "true",
    "oom_score_adj": "1", "pid": "host", "pids_limit": "10", "platform": "linux/amd64",
    "ports": "['80']", "post_start": "[{command: 'true'}]", "pre_stop": "[{command: 'true'}]",
    "privileged": "true", "profiles": "[p]", "provider": "{type: x}", "pull_policy": "always",
    "pull_refresh_after": "1h", "read_only": "true", "restart": "always", "runtime": "runc",
    "scale": "2", "secrets": "[s]", "security_opt": "[no-new-privileges]", "shm_size": "64m",
    "stdin_open": "true", "stop_grace_period": "5s", "stop_signal": "SIGKILL",
    "storage_opt": "{size: 1G}", "sysctls": "{net.core.somaxconn: 1}", "tmpfs": "/run",
    "tty": "true", "ulimits": "{nofile: 1024}", "use_api_socket": "true", "user": "1000",
    "userns_mode": "host", "uts": "host", "volumes": "['/data']", "volumes_from": "[other]",
    "working_dir": "/w",
}


def test_every_service_key_has_a_value_here():
    assert sorted(VALUES) == sorted(keys.SERVICE)


@pytest.mark.parametrize("key", sorted(VALUES))
def test_each_service_key_is_mapped_or_warned(key, tmp_path):
    (tmp_path / "ctx").mkdir()
    (tmp_path / "ctx" / "Dockerfile").write_text("FROM busybox\n", encoding="utf-8")
    (tmp_path / "app.env").write_text("A=1\n", encoding="utf-8")
    image = "" if key == "image" else "    image: busybox\n"
    defined = "secrets: {s: {environment: S}}\n" if key == "secrets" else ""
    (tmp_path / "compose.yaml").write_text(
        f"services:\n  app:\n{image}    {key}: {VALUES[key]}\n  other: {{image: busybox}}\n"
        + defined, encoding="utf-8")
    project = read_project(ReadOptions(files=(tmp_path / "compose.yaml",), project_name="p",
                                       profiles=("p",), cwd=tmp_path))
    tree, ctx = translate(project, tmp_path)
    container = tree["containers"].get("x-app" if key == "container_name" else "p-app")
    warned = [w for w in project.origins.warnings if w.path.startswith(f"services.app.{key}")]
    baseline = {"image": "busybox", "networks": {"p_default": {"aliases": ["app"]}}}
    written = container != baseline or key in ("image", "extends", "profiles")
    if key == "container_name":
        written = "x-app" in tree["containers"]
    assert warned or written, f"{key}: neither written nor warned about"
