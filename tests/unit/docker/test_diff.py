"""diff(desired, actual) -> Plan: a change on every field, drift, orphans, errors, images and
secrets. Actual snapshots are built as the Docker provider records them (tests/builders.py)."""
from __future__ import annotations

import dataclasses

import pytest

from dfwctl import planjson
from dfwctl.errors import PlanError
from dfwctl.mask import is_sensitive
from dfwctl.plan import Action, PlanOptions
from dfwctl.providers.docker import steps
from dfwctl.providers.docker.model import (
    CONTAINER_FIELDS,
    NETWORK_FIELDS,
    UPDATABLE_FIELDS,
    VOLUME_FIELDS,
    ContainerSpec,
    NetworkSpec,
    VolumeSpec,
)
from dfwctl.report import render_plan
from tests.builders import (
    ENDPOINT,
    container_state,
    converged,
    diff,
    digest_of,
    empty,
    image_id,
    image_state,
    merged,
    network_state,
    playbook,
    recorded,
    repo_digest,
    volume_state,
    with_container,
    with_containers,
    without,
)

NAME = "chicken-dev"

SHELL = {
    "image": "busybox:1.36",
    "command": ["sleep", "infinity"],
    "entrypoint": ["/bin/sh", "-c"],
    "env": {"TZ": "UTC"},
    "mounts": ["data:/data"],
    "ports": ["8080:80"],
    "networks": {"front": {"aliases": ["sh"], "ipv4_address": "172.30.0.10"}},
    "restart": "unless-stopped",
    "labels": {"team": "core"},
    "user": "1000",
    "working_dir": "/srv",
    "hostname": "shell",
    "platform": "linux/amd64",
    "memory": "256MiB",
    "cpus": 1,
    "stop_signal": "SIGTERM",
    "stop_timeout": 10,
    "extra_hosts": ["db.local:10.0.0.5", "host.docker.internal:host-gateway"],
    "dns": ["1.1.1.1"],
    "dns_search": ["example.com"],
    "cap_add": ["NET_ADMIN"],
    "cap_drop": ["MKNOD"],
    "privileged": True,
    "devices": ["/dev/null:/dev/null0:rw"],
    "gpus": "all",
    "logging": {"driver": "json-file", "options": {"max-size": "10m", "max-file": 3}},
    "tmpfs": ["/run:size=64m"],
    "shm_size": "128MiB",
    "ulimits": {"nofile": {"soft": 1024, "hard": 4096}},
    "sysctls": {"net.core.somaxconn": 1024},
    "init": True,
    "read_only": True,
    "pids_limit": 100,
    "security_opt": ["no-new-privileges:true"],
    "healthcheck": {"test": ["CMD", "true"], "interval": "10s", "retries": 3},
}


TOKEN = {"TOKEN": "t0ken-of-the-baseline"}


def baseline(variables=None, **shell_overrides):
    """A playbook whose `shell` container sets every field, with the networks, volumes and
    secret it may use; overrides replace keys of `shell` as a playbook would write them;
    `variables` are the values of the variables secrets come from."""
    shell = {**SHELL, "secrets": ["token"], **shell_overrides}
    return playbook({
        "name": NAME,
        "secrets": {"token": {"environment": "TOKEN"}},
        "networks": {"front": {}, "back": {}},
        "volumes": {"data": {}, "cache": {}},
        "containers": {"shell": shell},
    }, variables=TOKEN if variables is None else variables)


def only_change(plan):
    assert len(plan.changes) == 1, [c.address for c in plan.changes]
    return plan.changes[0]


def names(change):
    return {d.name for d in change.diffs}


# every container field --------------------------------------------------------------------------
# field -> (override as a playbook writes it, expected diff name)
CONTAINER_VARIANTS = {
    "image": ({"image": "alpine:3.20"}, "image"),
    "command": ({"command": ["sleep", "3600"]}, "command"),
    "entrypoint": ({"entrypoint": ["/bin/ash", "-c"]}, "entrypoint"),
    "env": ({"env": {"TZ": "Asia/Taipei"}}, "env.TZ"),
    "mounts": ({"mounts": ["data:/data:ro"]}, "mounts"),
    "secrets": ({"secrets": [{"source": "token", "mode": "0400"}]},
                "secrets./run/secrets/token"),
    "secret_digests": ({}, "secret.token"),  # the variable's value changes (see below)
    "ports": ({"ports": ["8081:80"]}, "ports"),
    "networks": ({"networks": {"front": {"aliases": ["sh"], "ipv4_address": "172.30.0.10"},
                               "back": None}}, "networks"),
    "network_aliases": ({"networks": {"front": {"aliases": ["sh", "shell2"],
                                                "ipv4_address": "172.30.0.10"}}},
                        "networks.front.aliases"),
    "ipv4_address": ({"networks": {"front": {"aliases": ["sh"],
                                             "ipv4_address": "172.30.0.11"}}},
                     "networks.front.ipv4_address"),
    "restart": ({"restart": "always"}, "restart"),
    "labels": ({"labels": {"team": "web"}}, "labels.team"),
    "user": ({"user": "root"}, "user"),
    "working_dir": ({"working_dir": "/tmp"}, "working_dir"),
    "hostname": ({"hostname": "shell2"}, "hostname"),
    "isolation": ({"isolation": "process"}, "isolation"),
    "platform": ({"platform": "linux/arm64"}, "platform"),
    "memory": ({"memory": "512MiB"}, "memory"),
    "cpus": ({"cpus": 2}, "cpus"),
    "stop_signal": ({"stop_signal": "SIGINT"}, "stop_signal"),
    "stop_timeout": ({"stop_timeout": 30}, "stop_timeout"),
    "extra_hosts": ({"extra_hosts": ["db.local:10.0.0.6", "host.docker.internal:host-gateway"]},
                    "extra_hosts"),
    "dns": ({"dns": ["1.1.1.1", "8.8.8.8"]}, "dns"),
    "dns_search": ({"dns_search": "corp.example.com"}, "dns_search"),
    "cap_add": ({"cap_add": ["NET_ADMIN", "SYS_PTRACE"]}, "cap_add"),
    "cap_drop": ({"cap_drop": ["ALL"]}, "cap_drop"),
    "privileged": ({"privileged": False}, "privileged"),
    "devices": ({"devices": ["/dev/null:/dev/null0:rwm"]}, "devices"),
    "gpus": ({"gpus": [{"count": 1, "capabilities": ["gpu", "utility"]}]}, "gpus"),
    "log_driver": ({"logging": {"driver": "local", "options": {"max-size": "10m",
                                                               "max-file": "3"}}},
                   "logging.driver"),
    "log_options": ({"logging": {"driver": "json-file", "options": {"max-size": "20m",
                                                                    "max-file": "3"}}},
                    "logging.options.max-size"),
    "tmpfs": ({"tmpfs": ["/run:size=128m"]}, "tmpfs./run"),
    "shm_size": ({"shm_size": "256m"}, "shm_size"),
    "ulimits": ({"ulimits": {"nofile": 2048}}, "ulimits.nofile"),
    "sysctls": ({"sysctls": {"net.core.somaxconn": 4096}}, "sysctls.net.core.somaxconn"),
    "init": ({"init": False}, "init"),
    "read_only": ({"read_only": False}, "read_only"),
    "pids_limit": ({"pids_limit": 200}, "pids_limit"),
    "security_opt": ({"security_opt": ["no-new-privileges:true", "seccomp:unconfined"]},
                     "security_opt"),
    "healthcheck": ({"healthcheck": {"test": ["CMD", "true"], "interval": "5s", "retries": 3}},
                    "healthcheck.interval"),
    "state": ({"state": "exited"}, "state"),
}


def test_container_variants_cover_every_compared_field():
    assert set(CONTAINER_VARIANTS) == set(CONTAINER_FIELDS)


def test_baseline_is_converged():
    desired = baseline()
    plan = diff(desired, converged(desired))
    assert not plan.has_changes
    assert plan.changes == () and plan.orphans == () and plan.warnings == ()


@pytest.mark.parametrize("field", CONTAINER_FIELDS)
def test_changing_one_container_field(field):
    override, diff_name = CONTAINER_VARIANTS[field]
    windows = {"secrets": []} if field == "isolation" else {}  # no secret files there
    before = baseline(**windows)
    after = baseline({"TOKEN": "another-t0ken"} if field == "secret_digests" else None,
                     **{**windows, **override})
    new, old = after.docker.containers["shell"], before.docker.containers["shell"]
    if field == "secret_digests":  # digests are made by the plan, with the engine's key
        assert after.docker.secrets != before.docker.secrets or \
            after.docker.secrets["token"].value != before.docker.secrets["token"].value
    else:
        assert getattr(new, field) != getattr(old, field)
    actual = converged(before)
    if field == "image":  # the new image is already in the engine: no pull in the plan
        actual = merged(actual, images={"alpine:3.20": image_state("alpine:3.20")})
    if field == "isolation":  # isolation modes exist only on a Windows engine
        actual = dataclasses.replace(actual, engine=dataclasses.replace(actual.engine,
                                                                        os_type="windows"))

    change = only_change(diff(after, actual))

    assert change.address == "docker.container.shell"
    assert names(change) == {diff_name}
    if field in UPDATABLE_FIELDS:
        assert change.action is Action.UPDATE
        assert not any(d.forces_replacement for d in change.diffs)
        assert not change.destructive
    else:
        assert change.action is Action.REPLACE
        assert all(d.forces_replacement for d in change.diffs)
        assert change.destructive
    assert change.reasons


# Two ways of writing the same setting: neither plans a change against the other.
SAME_SETTINGS = {
    "capabilities with prefix and case": ({"cap_add": ["net_admin"], "cap_drop": ["CAP_MKNOD"]},
                                          {"cap_add": ["CAP_NET_ADMIN"], "cap_drop": ["mknod"]}),
    "security options with : or =": ({"security_opt": ["no-new-privileges:true"]},
                                     {"security_opt": ["no-new-privileges=true"]}),
    "extra_hosts as a list or a mapping": (
        {"extra_hosts": ["db.local=10.0.0.5", "host.docker.internal:host-gateway"]},
        {"extra_hosts": {"db.local": "10.0.0.5", "host.docker.internal": "host-gateway"}}),
    "one dns server or a list": ({"dns": "1.1.1.1"}, {"dns": ["1.1.1.1"]}),
    "a mount in short or long syntax": (
        {"mounts": ["data:/data:ro,nocopy", "/srv/site:/site"]},
        {"mounts": [{"type": "volume", "source": "data", "target": "/data", "read_only": True,
                     "volume": {"nocopy": True}},
                    {"type": "bind", "source": "/srv/site", "target": "/site",
                     "bind": {"create_host_path": True}}]}),
    "networks as a list or a mapping": ({"networks": ["front", "back"]},
                                        {"networks": {"front": None, "back": {}}}),
    "aliases in any order, each once": (
        {"networks": {"front": {"aliases": ["b", "a", "b"]}}},
        {"networks": {"front": {"aliases": ["a", "b"]}}}),
    "sysctls as a list or a mapping": ({"sysctls": ["net.core.somaxconn=1024"]},
                                       {"sysctls": {"net.core.somaxconn": "1024"}}),
    "one ulimit number or soft and hard": ({"ulimits": {"nofile": {"soft": 7, "hard": 7}}},
                                           {"ulimits": {"nofile": 7}}),
    "a device with its defaults written": ({"devices": ["/dev/null"]},
                                           {"devices": ["/dev/null:/dev/null:rwm"]}),
    "gpus: all or its request": ({"gpus": "all"},
                                 {"gpus": [{"count": "all", "capabilities": ["gpu"]}]}),
    "log options as numbers or strings": (
        {"logging": {"driver": "json-file", "options": {"max-size": "10m", "max-file": 3}}},
        {"logging": {"driver": "json-file", "options": {"max-size": "10m", "max-file": "3"}}}),
    "stop_grace_period or stop_timeout": ({"stop_grace_period": "1m30s", "stop_timeout": None},
                                          {"stop_timeout": 90}),
    "no pids limit: -1, 0 or unset": ({"pids_limit": -1}, {"pids_limit": None}),
    "shm_size 0 is the engine's default": ({"shm_size": 0}, {"shm_size": None}),
}


def _written(**overrides):
    """baseline() where None removes a key."""
    shell = {k: v for k, v in {**SHELL, "secrets": ["token"], **overrides}.items()
             if v is not None}
    return playbook({"name": NAME, "secrets": {"token": {"environment": "TOKEN"}},
                     "networks": {"front": {}, "back": {}},
                     "volumes": {"data": {}, "cache": {}}, "containers": {"shell": shell}},
                    variables=TOKEN)


@pytest.mark.parametrize("case", SAME_SETTINGS)
def test_two_spellings_of_one_setting_plan_nothing(case):
    first, second = SAME_SETTINGS[case]
    assert not diff(_written(**second), converged(_written(**first))).has_changes
    assert not diff(_written(**first), converged(_written(**second))).has_changes


def test_a_bind_that_must_not_create_its_source_is_another_mount():
    long = {"type": "bind", "source": "/srv/site", "target": "/site"}
    before = _written(mounts=[long])
    after = _written(mounts=[{**long, "bind": {"create_host_path": False}}])
    change = only_change(diff(after, converged(before)))
    assert [(d.name, d.before, d.after) for d in change.diffs] == [
        ("mounts", ("/srv/site:/site",), ("type=bind,source=/srv/site,target=/site",))]
    assert change.action is Action.REPLACE


def test_stop_grace_period_changes_show_as_stop_timeout_seconds():
    change = only_change(diff(_written(stop_timeout=None, stop_grace_period="1m"),
                              converged(baseline())))
    assert [(d.name, d.before, d.after) for d in change.diffs] == [("stop_timeout", 10, 60)]
    assert change.action is Action.REPLACE


def test_log_options_are_diffed_per_option_under_logging():
    before = baseline(logging={"driver": "json-file", "options": {"max-size": "10m"}})
    after = baseline(logging={"driver": "json-file", "options": {"max-file": "5"}})
    change = only_change(diff(after, converged(before)))
    got = {d.name: (d.before, d.after) for d in change.diffs}
    assert got == {"logging.options.max-size": ("10m", None),
                   "logging.options.max-file": (None, "5")}
    assert change.action is Action.REPLACE


def test_env_changes_are_diffed_per_key():
    before = baseline(env={"TZ": "UTC", "LANG": "C", "OLD": "1"})
    after = baseline(env={"TZ": "UTC", "LANG": "C.UTF-8", "NEW": "2"})
    change = only_change(diff(after, converged(before)))
    got = {d.name: (d.before, d.after) for d in change.diffs}
    assert got == {"env.LANG": ("C", "C.UTF-8"), "env.NEW": (None, "2"), "env.OLD": ("1", None)}


def test_updated_field_keeps_before_and_after():
    change = only_change(diff(baseline(memory="512MiB"), converged(baseline())))
    (memory,) = change.diffs
    assert (memory.before, memory.after) == (256 * 2**20, 512 * 2**20)


# networks and volumes -----------------------------------------------------------------------
NETWORK = {
    "driver": "bridge",
    "labels": {"team": "core"},
    "options": {"com.docker.network.bridge.name": "br-front"},
    "subnet": "172.30.0.0/16",
    "gateway": "172.30.0.1",
}
NETWORK_VARIANTS = {
    "driver": ({"driver": "macvlan"}, "driver"),
    "internal": ({"internal": True}, "internal"),
    "attachable": ({"attachable": True}, "attachable"),
    "labels": ({"labels": {"team": "web"}}, "labels.team"),
    "options": ({"options": {"com.docker.network.bridge.name": "br-web"}},
                "options.com.docker.network.bridge.name"),
    "subnet": ({"subnet": "172.31.0.0/16"}, "subnet"),
    "gateway": ({"gateway": "172.30.0.254"}, "gateway"),
}
VOLUME = {"driver": "local", "options": {"type": "tmpfs", "device": "tmpfs"},
          "labels": {"team": "core"}}
VOLUME_VARIANTS = {
    "driver": ({"driver": "vieux/sshfs"}, "driver"),
    "options": ({"options": {"type": "tmpfs", "device": "tmpfs", "o": "size=64m"}}, "options.o"),
    "labels": ({"labels": {"team": "web"}}, "labels.team"),
}


def shared(network=None, volume=None):
    return playbook({
        "name": NAME,
        "networks": {"front": {**NETWORK, **(network or {})}},
        "volumes": {"data": {**VOLUME, **(volume or {})}},
    })


def test_network_and_volume_variants_cover_every_compared_field():
    assert set(NETWORK_VARIANTS) == set(NETWORK_FIELDS)
    assert set(VOLUME_VARIANTS) == set(VOLUME_FIELDS)


@pytest.mark.parametrize("field", NETWORK_FIELDS)
def test_changing_one_network_field_replaces_it(field):
    override, diff_name = NETWORK_VARIANTS[field]
    change = only_change(diff(shared(network=override), converged(shared())))
    assert change.address == "docker.network.front"
    assert change.action is Action.REPLACE
    assert names(change) == {diff_name}
    assert all(d.forces_replacement for d in change.diffs)
    assert change.destructive


@pytest.mark.parametrize("field", VOLUME_FIELDS)
def test_changing_one_volume_field_only_warns(field):
    override, diff_name = VOLUME_VARIANTS[field]
    plan = diff(shared(volume=override), converged(shared()))
    assert not plan.has_changes
    (warning,) = plan.warnings
    assert warning.startswith("volume data:") and diff_name in warning
    assert "--prune-volumes" in warning


@pytest.mark.parametrize("field", VOLUME_FIELDS)
def test_changing_one_volume_field_with_prune_volumes_replaces_it(field):
    override, diff_name = VOLUME_VARIANTS[field]
    plan = diff(shared(volume=override), converged(shared()), PlanOptions(prune_volumes=True))
    change = only_change(plan)
    assert change.address == "docker.volume.data"
    assert change.action is Action.REPLACE
    assert names(change) == {diff_name}
    assert change.destructive
    assert plan.warnings == ()


def test_containers_on_a_replaced_network_are_replaced_after_it():
    desired = baseline(secrets=[])
    changed = playbook({"name": NAME, "networks": {"front": {"internal": True}, "back": {}},
                        "volumes": {"data": {}, "cache": {}},
                        "containers": {"shell": SHELL}})
    plan = diff(changed, converged(desired))
    assert [c.address for c in plan.changes] == ["docker.network.front", "docker.container.shell"]
    shell = plan.find("docker.container.shell")
    assert shell.action is Action.REPLACE
    assert shell.diffs == ()
    assert "network front is replaced" in shell.reasons
    assert shell.depends_on == ("docker.network.front",)


def test_containers_on_a_replaced_volume_are_replaced():
    desired = baseline()
    changed = playbook({"name": NAME, "networks": {"front": {}, "back": {}},
                        "volumes": {"data": {"labels": {"x": "1"}}, "cache": {}},
                        "containers": {"shell": SHELL}})
    plan = diff(changed, converged(desired), PlanOptions(prune_volumes=True))
    shell = plan.find("docker.container.shell")
    assert shell.action is Action.REPLACE
    assert "volume data is replaced" in shell.reasons
    assert "docker.volume.data" in shell.depends_on


# no change ------------------------------------------------------------------------------------
def test_pull_and_depends_on_changes_do_not_change_anything():
    before = playbook({"name": NAME, "containers": {
        "db": {"image": "postgres:16"},
        "app": {"image": "busybox:1.36", "pull": "missing"},
    }})
    after = playbook({"name": NAME, "containers": {
        "db": {"image": "postgres:16"},
        "app": {"image": "busybox:1.36", "pull": "never", "depends_on": ["db"]},
    }})
    assert after.docker.containers["app"].needs == ("db",)
    assert after.docker.containers["app"] == before.docker.containers["app"]  # neither field is compared
    plan = diff(after, converged(before))
    assert not plan.has_changes
    assert plan.changes == ()


def test_pull_always_with_the_same_digest_changes_nothing():
    desired = playbook({"name": NAME, "containers": {"app": {"image": "busybox:1.36",
                                                             "pull": "always"}}})
    actual = converged(desired)
    local = actual.images["busybox:1.36"].repo_digests[0]
    actual = merged(actual, remote_digests={"busybox:1.36": digest_of(local)})
    assert not diff(desired, actual).has_changes


# drift ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("status", ["exited", "paused"])
def test_a_stopped_container_is_started_again(status):
    desired = baseline()
    actual = with_container(converged(desired), "shell", status=status, exit_code=0)
    change = only_change(diff(desired, actual))
    assert change.action is Action.UPDATE
    state = [d for d in change.diffs if d.name == "state"]
    assert [(d.before, d.after) for d in state] == [(status, "running")]
    assert change.reasons and status in " ".join(change.reasons)


def test_a_stopped_container_with_an_updatable_change_is_updated_and_started():
    actual = with_container(converged(baseline()), "shell", status="exited", exit_code=137)
    change = only_change(diff(baseline(restart="always"), actual))
    assert change.action is Action.UPDATE
    assert names(change) == {"restart", "state"}


@pytest.mark.parametrize("status", ["running", "restarting"])
def test_a_running_container_has_no_drift(status):
    desired = baseline()
    actual = with_container(converged(desired), "shell", status=status)
    assert not diff(desired, actual).has_changes


def test_a_dead_container_is_replaced():
    desired = baseline()
    change = only_change(diff(desired, with_container(converged(desired), "shell",
                                                      status="dead")))
    assert change.action is Action.REPLACE
    assert change.reasons == ("the container is dead",)


def test_a_container_whose_image_moved_is_replaced():
    desired = baseline()
    actual = with_container(converged(desired), "shell", image_id=image_id("an older build"))
    change = only_change(diff(desired, actual))
    assert change.action is Action.REPLACE
    assert change.diffs == ()
    assert any("image busybox:1.36" in r for r in change.reasons)


def test_a_container_without_a_readable_record_is_replaced():
    desired = baseline()
    change = only_change(diff(desired, with_container(converged(desired), "shell", spec=None)))
    assert change.action is Action.REPLACE
    assert any("recorded spec" in r for r in change.reasons)


def run_once(exit_code=0, status="exited"):
    desired = playbook({"name": NAME, "containers": {
        "init": {"image": "busybox:1.36", "state": "exited", "command": ["true"]}}})
    return desired, converged(desired, status=status, exit_code=exit_code)


def test_run_once_container_that_succeeded_is_left_alone():
    desired, actual = run_once(exit_code=0)
    assert not diff(desired, actual).has_changes


def test_run_once_container_that_failed_is_run_again():
    desired, actual = run_once(exit_code=1)
    change = only_change(diff(desired, actual))
    assert change.action is Action.REPLACE
    assert "exit code 1" in change.reasons[0]


@pytest.mark.parametrize("status", ["running", "paused"])
def test_run_once_container_still_running_is_left_alone(status):
    desired, actual = run_once(exit_code=None, status=status)
    assert not diff(desired, actual).has_changes


def test_run_once_container_never_started_is_created_again():
    desired, actual = run_once(exit_code=None, status="created")
    change = only_change(diff(desired, actual))
    assert change.action is Action.REPLACE
    assert [(d.name, d.before, d.after) for d in change.diffs] == [("state", "created", "exited")]
    assert "never started" in change.reasons[0]


def test_a_container_that_never_started_is_created_again_not_started():
    # An engine that died while it started the container left it "created", and may have
    # left a task (`task ...: already exists`) or a host port behind: a start would fail.
    desired = baseline()
    actual = with_container(converged(desired), "shell", status="created")
    change = only_change(diff(desired, actual))
    assert change.action is Action.REPLACE
    assert change.reasons == ("the container was created but never started (an apply or the "
                              "engine stopped while it started): it is created again",)
    kinds = [type(s).__name__ for s in change.steps]
    assert kinds[0] == "CreateContainer" and "RemoveContainer" in kinds
    assert kinds.index("RemoveContainer") < kinds.index("StartContainer")  # its port is free


# limits ---------------------------------------------------------------------------------------
def test_removing_a_memory_limit_forces_replacement():
    before = baseline()
    after = _written(memory=None)
    change = only_change(diff(after, converged(before)))
    assert change.action is Action.REPLACE
    (memory,) = change.diffs
    assert (memory.name, memory.before, memory.after) == ("memory", 256 * 2**20, None)
    assert memory.forces_replacement


def test_adding_a_memory_limit_updates_in_place():
    before = _written(memory=None)
    change = only_change(diff(baseline(), converged(before)))
    assert change.action is Action.UPDATE
    assert names(change) == {"memory"}


def test_removing_a_cpu_limit_forces_replacement():
    before = baseline()
    after = _written(cpus=None)
    change = only_change(diff(after, converged(before)))
    assert change.action is Action.REPLACE
    assert names(change) == {"cpus"}


# orphans --------------------------------------------------------------------------------------
def orphaned():
    """The playbook dropped container `old`, network `legacy` and volume `scratch`."""
    before = playbook({"name": NAME,
                       "networks": {"legacy": {}},
                       "volumes": {"scratch": {}},
                       "containers": {"web": {"image": "busybox:1.36"},
                                      "old": {"image": "busybox:1.36",
                                              "networks": ["legacy"],
                                              "mounts": ["scratch:/scratch"]}}})
    after = playbook({"name": NAME, "containers": {"web": {"image": "busybox:1.36"}}})
    return after, converged(before)


def test_orphans_are_listed_and_kept():
    after, actual = orphaned()
    plan = diff(after, actual)
    assert not plan.has_changes
    assert plan.orphans == ("docker.container.old", "docker.network.legacy",
                            "docker.volume.scratch")


def test_prune_deletes_orphan_containers_and_networks_but_keeps_volumes():
    after, actual = orphaned()
    plan = diff(after, actual, PlanOptions(prune=True))
    assert {c.address: c.action for c in plan.changes} == {
        "docker.container.old": Action.DELETE,
        "docker.network.legacy": Action.DELETE,
    }
    assert all(c.destructive for c in plan.changes)
    assert plan.orphans == ("docker.volume.scratch",)


def test_prune_volumes_deletes_orphan_volumes():
    after, actual = orphaned()
    plan = diff(after, actual, PlanOptions(prune=True, prune_volumes=True))
    volume = plan.find("docker.volume.scratch")
    assert volume is not None and volume.action is Action.DELETE
    assert "data will be lost" in volume.reasons[0]
    assert plan.orphans == ()


def test_networks_and_volumes_of_others_are_never_orphans():
    after, actual = orphaned()
    actual = merged(actual,
                    networks={"bridge": network_state(NetworkSpec("bridge"), None),
                              "theirs": network_state(NetworkSpec("theirs"), None, "other")},
                    volumes={"theirs": volume_state(VolumeSpec("theirs"), None, "other")})
    plan = diff(after, actual, PlanOptions(prune=True, prune_volumes=True, destroy=True))
    touched = {c.address for c in plan.changes} | set(plan.orphans)
    assert not touched & {"docker.network.bridge", "docker.network.theirs",
                          "docker.volume.theirs"}


def test_destroy_deletes_containers_and_networks_and_keeps_volumes():
    desired = playbook({"name": NAME, "networks": {"net": {}}, "volumes": {"vol": {}},
                        "containers": {"app": {"image": "busybox:1.36", "networks": ["net"],
                                               "mounts": ["vol:/vol"]}}})
    plan = diff(desired, converged(desired), PlanOptions(destroy=True))
    assert [(c.address, c.action) for c in plan.changes] == [
        ("docker.container.app", Action.DELETE),
        ("docker.network.net", Action.DELETE),
    ]
    assert "docker.volume.vol" not in {c.address for c in plan.changes}
    assert plan.find("docker.network.net").depends_on == ("docker.container.app",)


def test_destroy_with_prune_volumes_deletes_volumes_too():
    desired = playbook({"name": NAME, "volumes": {"vol": {}},
                        "containers": {"app": {"image": "busybox:1.36",
                                               "mounts": ["vol:/vol"]}}})
    plan = diff(desired, converged(desired), PlanOptions(destroy=True, prune_volumes=True))
    assert {c.address: c.action for c in plan.changes} == {
        "docker.container.app": Action.DELETE,
        "docker.volume.vol": Action.DELETE,
    }
    assert plan.find("docker.volume.vol").depends_on == ("docker.container.app",)


def test_destroy_of_nothing_is_no_change():
    desired = playbook({"name": NAME, "containers": {"app": {"image": "busybox:1.36"}}})
    assert not diff(desired, empty(), PlanOptions(destroy=True)).has_changes


# errors ---------------------------------------------------------------------------------------
def test_missing_external_network_is_an_error():
    desired = playbook({"name": NAME, "networks": {"shared": {"external": True}},
                        "containers": {"app": {"image": "busybox:1.36",
                                               "networks": ["shared"]}}})
    with pytest.raises(PlanError, match=r"network shared is declared external"):
        diff(desired, without(converged(desired), networks=["shared"]))


def test_present_external_network_is_neither_created_nor_changed():
    desired = playbook({"name": NAME, "networks": {"shared": {"external": True}},
                        "containers": {"app": {"image": "busybox:1.36",
                                               "networks": ["shared"]}}})
    assert not diff(desired, converged(desired)).has_changes


def _on_external(address, subnets):
    desired = playbook({"name": NAME, "networks": {"shared": {"external": True}},
                        "containers": {"app": {"image": "busybox:1.36", "networks": {
                            "shared": {"ipv4_address": address}}}}})
    actual = converged(desired)
    state = dataclasses.replace(actual.networks["shared"], subnets=subnets)
    return desired, merged(actual, networks={"shared": state})


def test_a_fixed_address_outside_an_external_networks_subnets_stops_the_plan():
    with pytest.raises(PlanError, match=r"container app: ipv4_address 10\.1\.0\.5 is not in "
                                        r"the subnets of external network shared "
                                        r"\(172\.20\.0\.0/16\)"):
        diff(*_on_external("10.1.0.5", ("172.20.0.0/16",)))


def test_a_fixed_address_inside_an_external_networks_subnets_is_planned():
    assert not diff(*_on_external("172.20.0.5", ("10.0.0.0/8", "172.20.0.0/16"))).has_changes


def test_network_owned_by_another_playbook_is_an_error():
    desired = playbook({"name": NAME, "networks": {"front": {}}})
    actual = merged(empty(), networks={"front": network_state(NetworkSpec("front"), None,
                                                              "other-dev")})
    with pytest.raises(PlanError, match="the plan cannot be made:") as caught:
        diff(desired, actual)
    assert "belongs to playbook other-dev" in str(caught.value)
    assert "external: true" in str(caught.value)


def test_volume_owned_by_someone_else_is_an_error():
    desired = playbook({"name": NAME, "volumes": {"data": {}}})
    actual = merged(empty(), volumes={"data": volume_state(VolumeSpec("data"), None, "other")})
    with pytest.raises(PlanError, match="volume data already exists and belongs to playbook other"):
        diff(desired, actual)


def test_container_name_taken_by_a_container_that_cannot_be_read_is_an_error():
    desired = playbook({"name": NAME, "containers": {"web": {"image": "busybox:1.36"}}})
    actual = dataclasses.replace(converged(desired), containers={}, foreign_containers=("web",))
    with pytest.raises(PlanError, match=r"container name 'web' is taken by a container that "
                                        r"playbook chicken-dev does not own and that could not be read"):
        diff(desired, actual)


def test_missing_image_with_pull_never_is_an_error():
    desired = playbook({"name": NAME, "containers": {"web": {"image": "mine:dev",
                                                             "pull": "never"}}})
    with pytest.raises(PlanError, match=r"image mine:dev is not in the engine"):
        diff(desired, empty())


def test_every_error_is_reported_at_once():
    desired = playbook({"name": NAME, "networks": {"shared": {"external": True}},
                        "containers": {"web": {"image": "mine:dev", "pull": "never",
                                               "networks": ["shared"]}}})
    with pytest.raises(PlanError, match="the plan cannot be made:") as caught:
        diff(desired, empty())
    text = str(caught.value)
    assert "image mine:dev" in text and "network shared" in text


# images ---------------------------------------------------------------------------------------
def test_missing_image_is_pulled_before_its_containers():
    desired = playbook({"name": NAME, "containers": {"web": {"image": "busybox"}}})
    plan = diff(desired, empty())
    image = plan.find("docker.image.busybox:latest")
    assert image is not None and image.action is Action.CREATE
    web = plan.find("docker.container.web")
    assert web.action is Action.CREATE
    assert web.depends_on == ("docker.image.busybox:latest",)


def test_missing_image_for_a_converged_container_is_pulled_and_its_user_may_be_replaced():
    desired = baseline()
    actual = without(converged(desired), images=["busybox:1.36"])
    plan = diff(desired, actual)
    image = plan.find("docker.image.busybox:1.36")
    assert image.action is Action.CREATE
    users = [c for c in plan.changes if c.kind == "container"]
    assert users, plan
    for change in users:
        # which image the tag gives is only known after the pull: apply decides
        assert change.action is Action.REPLACE and change.destructive
        assert change.condition.startswith("only if the pulled image is not the one")
        assert actual.containers[change.name].image_id[len("sha256:"):][:12] in change.condition
        assert change.diffs == ()
        assert change.depends_on == ("docker.image.busybox:1.36",)
        assert any("is not in the engine any more" in r for r in change.reasons)


def test_a_conditional_replace_carries_the_in_place_diffs_for_when_the_image_is_the_same():
    desired = baseline()
    name = sorted(desired.docker.containers)[0]
    actual = with_container(without(converged(desired), images=["busybox:1.36"]), name,
                            status="exited", exit_code=137)
    change = diff(desired, actual).find(f"docker.container.{name}")
    assert change.action is Action.REPLACE and change.condition
    assert [(d.name, d.before, d.after) for d in change.diffs] == [("state", "exited", "running")]
    guard = change.steps[0]
    assert isinstance(guard, steps.IfImageChanged)
    assert guard.image_id == actual.containers[name].image_id
    # when the pulled image is the one it runs, the container is only started again
    assert [type(s) for s in guard.otherwise] == [steps.StartContainer]


def test_a_replace_for_another_reason_is_not_conditional():
    desired = baseline()
    name = sorted(desired.docker.containers)[0]
    edited = with_containers(desired, dataclasses.replace(desired.docker.containers[name],
                                                          command=("sleep", "7")))
    plan = diff(edited, without(converged(desired), images=["busybox:1.36"]))
    change = plan.find(f"docker.container.{name}")
    assert change.action is Action.REPLACE and change.condition == ""


def test_a_present_image_never_makes_a_conditional_replace():
    desired = baseline()
    assert all(c.condition == "" for c in diff(desired, converged(desired)).changes)


def test_pull_always_with_a_newer_remote_digest_updates_image_and_replaces_users():
    desired = playbook({"name": NAME, "containers": {
        "a": {"image": "busybox:1.36", "pull": "always"},
        "b": {"image": "busybox:1.36"},
        "c": {"image": "alpine:3.20"},
    }})
    actual = converged(desired)
    newer = digest_of(repo_digest("busybox:1.36", generation=1))
    actual = merged(actual, remote_digests={"busybox:1.36": newer})
    plan = diff(desired, actual)
    got = {c.address: c.action for c in plan.changes}
    assert got == {
        "docker.image.busybox:1.36": Action.UPDATE,
        "docker.container.a": Action.REPLACE,
        "docker.container.b": Action.REPLACE,
    }
    (digest,) = plan.find("docker.image.busybox:1.36").diffs
    assert digest.name == "digest" and digest.after == newer[:len("sha256:") + 12]
    assert digest.before != digest.after
    a = plan.find("docker.container.a")
    assert any("busybox:1.36" in r for r in a.reasons)
    assert a.depends_on == ("docker.image.busybox:1.36",)


def test_pull_always_without_a_known_remote_digest_changes_nothing():
    desired = playbook({"name": NAME, "containers": {"a": {"image": "busybox:1.36",
                                                           "pull": "always"}}})
    actual = merged(converged(desired), remote_digests={"busybox:1.36": None})
    assert not diff(desired, actual).has_changes


# creates -------------------------------------------------------------------------------------
def test_a_new_container_shows_its_non_default_fields():
    desired = playbook({"name": NAME, "containers": {"web": {
        "image": "busybox:1.36", "env": {"TZ": "UTC"}, "restart": "always"}}})
    actual = converged(playbook({"name": NAME, "containers": {}}))
    actual = merged(actual, images={"busybox:1.36": image_state("busybox:1.36")})
    change = only_change(diff(desired, actual))
    assert change.action is Action.CREATE
    assert [(d.name, d.before, d.after) for d in change.diffs] == [
        ("image", None, "busybox:1.36"), ("env.TZ", None, "UTC"), ("restart", "no", "always")]


# secrets --------------------------------------------------------------------------------------
SECRET = "s3cret"


def vault(password, secrets):
    return playbook({"name": "vault-dev", "containers": {"db": {
        "image": "postgres:16",
        "env": {"PASSWORD": password, "TZ": "UTC"},
        "command": ["postgres", "-c", f"password={password}"],
    }}}, secrets=secrets)


def assert_no_secret(plan, *secrets):
    texts = [repr(plan.changes), repr(plan.warnings), render_plan(plan), planjson.dumps(plan)]
    for secret in secrets:
        for text in texts:
            assert secret not in text


def test_a_new_container_never_shows_its_secret(tmp_path):
    desired = vault(SECRET, {SECRET})
    plan = diff(desired, empty())
    assert_no_secret(plan, SECRET)
    db = plan.find("docker.container.db")
    password = [d for d in db.diffs if d.name == "env.PASSWORD"]
    assert len(password) == 1 and is_sensitive(password[0].after)
    assert "env.PASSWORD = (sensitive value)" in render_plan(plan)
    planjson.save(plan, tmp_path / "plan.json", tmp_path / "playbook.yml", {})
    assert SECRET not in (tmp_path / "plan.json").read_text(encoding="utf-8")


def test_a_converged_container_with_a_secret_has_no_changes():
    desired = vault(SECRET, {SECRET})
    assert not diff(desired, converged(desired)).has_changes


def test_a_changed_secret_is_a_change_that_does_not_show_either_value():
    old = vault("old-pass", {"old-pass"})
    new = vault(SECRET, {SECRET})
    plan = diff(new, converged(old))
    change = only_change(plan)
    assert change.action is Action.REPLACE
    assert names(change) == {"env.PASSWORD", "command"}
    (password,) = [d for d in change.diffs if d.name == "env.PASSWORD"]
    assert is_sensitive(password.before) and is_sensitive(password.after)
    assert password.before != password.after
    assert_no_secret(plan, SECRET, "old-pass")
    assert "~ env.PASSWORD = (sensitive value) -> (sensitive value)" in render_plan(plan)


def test_a_newly_declared_secret_is_not_shown_from_the_old_record():
    before = vault(SECRET, set())  # created before `secrets: [PASSWORD]` was added
    after = vault(SECRET, {SECRET})
    plan = diff(after, converged(before))
    assert_no_secret(plan, SECRET)


def test_a_new_volume_never_shows_its_secret():
    desired = playbook({"name": NAME, "volumes": {"share": {"driver": "local", "options": {
        "type": "cifs", "device": "//nas/share", "o": f"username=me,password={SECRET}"}}}},
        secrets={SECRET})
    assert_no_secret(diff(desired, empty()), SECRET)


def test_a_converged_volume_with_a_secret_has_no_changes():
    desired = playbook({"name": NAME, "volumes": {"share": {"driver": "local", "options": {
        "type": "cifs", "device": "//nas/share", "o": f"username=me,password={SECRET}"}}}},
        secrets={SECRET})
    plan = diff(desired, converged(desired), PlanOptions(prune_volumes=True))
    assert not plan.has_changes
    assert plan.warnings == ()


def test_recorded_helper_masks_like_the_provider():
    desired = vault(SECRET, {SECRET})
    spec = recorded(desired.docker.containers["db"], desired)
    assert is_sensitive(dict(spec.env)["PASSWORD"])
    assert dict(spec.env)["TZ"] == "UTC"
    assert SECRET not in repr(container_state(desired.docker.containers["db"], desired))


def test_plan_carries_the_engine_endpoint_and_digests():
    desired = baseline()
    plan = diff(desired, empty())
    assert plan.endpoint == ENDPOINT
    assert plan.playbook == NAME
    assert plan.fingerprint == empty().fingerprint()
    assert len(plan.desired_digest) == 64
    assert diff(desired, converged(desired)).fingerprint != plan.fingerprint


def test_what_other_playbooks_do_does_not_move_the_fingerprint():
    """A saved plan is stale when what it depends on moves, not when another playbook on the
    same engine makes or removes its own networks, volumes and images."""
    desired = baseline()
    actual = converged(desired)
    others = merged(actual, networks={"x-net": network_state(NetworkSpec("x-net"), None,
                                                            "other-dev")},
                    volumes={"x-data": volume_state(VolumeSpec("x-data"), None, "other-dev")},
                    images={"x/other:1": image_state("x/other:1")})
    assert diff(desired, others).fingerprint == diff(desired, actual).fingerprint
    mine = merged(actual, networks={"old": network_state(NetworkSpec("old"), None, NAME)})
    assert diff(desired, mine).fingerprint != diff(desired, actual).fingerprint
    gone = without(actual, networks=["front"])
    assert diff(desired, gone).fingerprint != diff(desired, actual).fingerprint
    retagged = dataclasses.replace(image_state("busybox:1.36"), id="sha256:" + "0" * 64)
    moved = merged(actual, images={"busybox:1.36": retagged})
    assert diff(desired, moved).fingerprint != diff(desired, actual).fingerprint


def test_container_spec_sample_is_complete():
    spec = baseline().docker.containers["shell"]
    defaults = ContainerSpec(name="shell", image="x")
    # every field but state and isolation differs from its default in the baseline; the
    # digests of secrets are made by the plan, with the engine's key
    differing = {f for f in CONTAINER_FIELDS if getattr(spec, f) != getattr(defaults, f)}
    assert differing == set(CONTAINER_FIELDS) - {"state", "isolation", "secret_digests"}
    resolved = diff(baseline(), empty()).find("docker.container.shell").steps[0].spec
    assert resolved.secret_digests != defaults.secret_digests


def test_isolation_on_a_linux_engine_is_a_plan_error():
    with pytest.raises(PlanError, match="isolation process needs a Windows engine"):
        diff(baseline(isolation="process"), empty())


def test_leftover_replacements_are_deleted_even_without_prune():
    desired = baseline()
    leftover = dataclasses.replace(
        container_state(desired.docker.containers["shell"], desired, status="created"),
        id="f" * 64, name="shell-dfwctl-0a1b2c")
    actual = dataclasses.replace(converged(desired), leftovers=(leftover,))
    change = only_change(diff(desired, actual))
    assert (change.address, change.action) == ("docker.container.shell-dfwctl-0a1b2c", Action.DELETE)
    assert change.reasons == ("left over from an interrupted replace",)
    assert [(type(s).__name__, s.container) for s in change.steps] == [
        ("StopContainer", leftover.id), ("RemoveContainer", leftover.id)]


def test_a_conditional_replace_reads_as_one_in_text_and_json():
    desired = baseline()
    plan = diff(desired, without(converged(desired), images=["busybox:1.36"]))
    text = render_plan(plan)
    assert "  # docker.container.shell may be replaced\n" in text
    assert "  #   because image busybox:1.36 is not in the engine any more and will be pulled\n" \
        in text
    assert "  #   only if the pulled image is not the one the container runs (sha256:" in text
    doc = planjson.plan_json(plan)
    shell = next(c for c in doc["changes"] if c["address"] == "docker.container.shell")
    assert shell["action"] == "replace" and shell["condition"].startswith("only if")


# two networks of one name -----------------------------------------------------------------------
def with_duplicate(actual, name, attached=()):
    kept = actual.networks[name]
    twin = dataclasses.replace(kept, id="d" * 64)
    return dataclasses.replace(actual, duplicate_networks=((twin, tuple(attached)),))


def test_a_second_network_of_one_name_is_planned_away_not_no_changes():
    # two applies that created the network at once left two; every later create by name
    # fails (`network front is ambiguous`), so the plan must not say "No changes"
    desired = baseline()
    plan = diff(desired, with_duplicate(converged(desired), "front"))
    change = only_change(plan)
    assert (change.address, change.action) == ("docker.network.front~dddddddddddd", Action.DELETE)
    assert "a second network named front" in change.reasons[0]
    assert [type(s).__name__ for s in change.steps] == ["DisconnectNetwork", "RemoveNetwork"]
    assert change.steps[-1].network_id == "d" * 64


def test_a_second_network_made_elsewhere_is_a_warning_and_is_left_alone():
    desired = baseline()
    actual = converged(desired)
    foreign = dataclasses.replace(actual.networks["front"], id="e" * 64, owner="someone-else")
    plan = diff(desired, dataclasses.replace(actual, duplicate_networks=((foreign, ()),)))
    assert not plan.has_changes
    assert any("two networks are named front" in w and "docker network rm eeeeeeeeeeee" in w
               for w in plan.warnings)
    other = dataclasses.replace(foreign, name="not-ours")  # a name the playbook does not use
    assert diff(desired, dataclasses.replace(actual, duplicate_networks=((other, ()),))
                ).warnings == ()


def test_containers_on_the_second_network_are_replaced_after_it_goes():
    desired = baseline()
    plan = diff(desired, with_duplicate(converged(desired), "front", attached=("shell",)))
    shell = plan.find("docker.container.shell")
    assert shell.action is Action.REPLACE
    assert "it is on a second network named front, which is removed" in shell.reasons
    assert "docker.network.front~dddddddddddd" in shell.depends_on


def test_networks_are_created_refusing_a_duplicate():
    spec = baseline().docker.networks["front"]
    (step,) = steps.create_network(spec, ())
    assert step.text == "create network front"
