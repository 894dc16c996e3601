"""Specs back into playbook entries (export) and inspect documents into specs (export and
adoption): written back, every spec reads the same; what equals the image's or the engine's
defaults is left out."""
from __future__ import annotations

from pathlib import Path

import pytest

from dfwctl.pipeline import load_playbook
from dfwctl.providers.docker.entries import (
    container_entry,
    literal,
    playbook_tree,
    shared_entry,
)
from dfwctl.providers.docker.model import ContainerSpec, container_spec, network_spec, volume_spec
from dfwctl.providers.docker.readback import (
    EngineDefaults,
    compose_needs,
    container_readback,
    engine_mount_text,
    network_readback,
    own_labels,
    volume_readback,
)
from dfwctl.tree import plain
from tests import paths

PLAYBOOKS = [paths.EXAMPLES / "valid" / n for n in
             ("every-container-field.yml", "health-and-depends-on.yml", "playbook-format.yml")]


@pytest.mark.parametrize("path", PLAYBOOKS, ids=lambda p: p.name)
def test_every_spec_written_back_reads_the_same(path: Path, monkeypatch):
    monkeypatch.setenv("DB_PASSWORD", "pa$$word")
    monkeypatch.chdir(path.parent)
    desired = load_playbook(path).desired
    docker = desired.docker
    assert docker.containers
    for name, spec in docker.containers.items():
        entry = plain(container_entry(spec, [d.name for d in spec.depends_on]))
        again = container_spec(name, _interpolated(entry), path.parent, desired.name)
        assert again == spec, name
    for name, net in docker.networks.items():
        assert network_spec(name, _interpolated(shared_entry(net))) == \
            network_spec(name, {**shared_entry(net)}) == \
            type(net)(**{**net.__dict__, "external": False})
    for name, vol in docker.volumes.items():
        assert volume_spec(name, _interpolated(shared_entry(vol))) == \
            type(vol)(**{**vol.__dict__, "external": False})


def _interpolated(value):
    """What the playbook's interpolation makes of a written value ($$ -> $)."""
    if isinstance(value, str):
        return value.replace("$$", "$")
    if isinstance(value, dict):
        return {k: _interpolated(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_interpolated(v) for v in value]
    return value


def test_dollars_are_doubled_for_interpolation():
    assert literal({"env": {"A": "x$y", "B": ["$$"]}, "n": 3}) == \
        {"env": {"A": "x$$y", "B": ["$$$$"]}, "n": 3}


def test_a_playbook_tree_has_only_its_sections():
    assert playbook_tree("p", {"web": {"image": "x:1"}}, {}, {}) == \
        {"version": 1, "name": "p", "containers": {"web": {"image": "x:1"}}}


IMAGE = {"Id": "sha256:" + "1" * 64, "Config": {
    "Env": ["PATH=/usr/bin", "LANG=C"], "Cmd": ["nginx", "-g", "daemon off;"],
    "Entrypoint": ["/docker-entrypoint.sh"], "WorkingDir": "/srv", "User": "",
    "StopSignal": "SIGQUIT", "Labels": {"maintainer": "someone"},
    "Volumes": {"/var/cache/nginx": {}}, "ExposedPorts": {"80/tcp": {}},
    "Healthcheck": {"Test": ["CMD", "true"], "Interval": 30_000_000_000}}}


def _inspect(**changes):
    info = {
        "Id": "abcdef1234567890" * 4, "Name": "/shop-web-1",
        "State": {"Status": "running"},
        "Config": {"Image": "nginx", "Hostname": "abcdef123456",
                   "Env": ["PATH=/usr/bin", "LANG=C", "MODE=prod"],
                   "Cmd": ["nginx", "-g", "daemon off;"],
                   "Entrypoint": ["/docker-entrypoint.sh"], "WorkingDir": "/srv", "User": "",
                   "StopSignal": "SIGQUIT", "ExposedPorts": {"80/tcp": {}},
                   "Volumes": {"/var/cache/nginx": {}},
                   "Labels": {"maintainer": "someone", "tier": "front",
                              "com.docker.compose.project": "shop",
                              "com.docker.compose.service": "web",
                              "com.docker.compose.depends_on": "db:service_healthy:false"},
                   "Healthcheck": {"Test": ["CMD", "true"], "Interval": 30_000_000_000}},
        "HostConfig": {"NetworkMode": "shop_default", "RestartPolicy": {"Name": "always"},
                       "PortBindings": {"80/tcp": [{"HostIp": "127.0.0.1", "HostPort": "8080"}]},
                       "Binds": ["/srv/site:/usr/share/nginx/html:ro"],
                       "Mounts": [{"Type": "volume", "Source": "shop_data", "Target": "/data",
                                   "VolumeOptions": {}}],
                       "LogConfig": {"Type": "json-file", "Config": {}},
                       "ShmSize": 67108864, "Memory": 0, "NanoCpus": 0},
        "NetworkSettings": {"Networks": {"shop_default": {
            "Aliases": ["shop-web-1", "web", "abcdef123456"], "IPAMConfig": None}}},
    }
    for path, value in changes.items():
        node = info
        *parents, last = path.split("__")
        for part in parents:
            node = node[part]
        node[last] = value
    return info


def test_a_container_reads_back_without_its_images_and_the_engines_defaults():
    found = container_readback(_inspect(), IMAGE)
    assert found.spec == ContainerSpec(
        name="shop-web-1", image="nginx:latest", env=(("MODE", "prod"),),
        mounts=("/srv/site:/usr/share/nginx/html:ro", "shop_data:/data"),
        ports=("127.0.0.1:8080:80/tcp",), networks=("shop_default",),
        network_aliases=(("shop_default", ("web",)),), restart="always",
        labels=(("tier", "front"),))
    assert (found.project, found.service, found.depends_on) == \
        ("shop", "web", (("db", "healthy"),))
    assert found.unsaid == ()


def test_what_differs_from_the_image_reads_back():
    found = container_readback(_inspect(
        Config__Cmd=["nginx"], Config__User="www", Config__WorkingDir="/app",
        Config__Hostname="web", Config__StopSignal="SIGTERM",
        Config__Healthcheck={"Test": ["CMD", "curl", "-f", "localhost"],
                             "Interval": 30_000_000_000, "Retries": 5},
        HostConfig__ShmSize=128 * 2**20, HostConfig__Memory=2**30, HostConfig__NanoCpus=1_500_000_000,
        HostConfig__LogConfig={"Type": "local", "Config": {"max-size": "10m"}},
        Config__ExposedPorts={"80/tcp": {}, "9000/tcp": {}}), IMAGE)
    spec = found.spec
    assert (spec.command, spec.entrypoint) == (("nginx",), None)
    assert (spec.user, spec.working_dir, spec.hostname, spec.stop_signal) == \
        ("www", "/app", "web", "SIGTERM")
    assert dict(spec.healthcheck) == {"test": ("CMD", "curl", "-f", "localhost"), "retries": 5}
    assert (spec.shm_size, spec.memory, spec.cpus) == (128 * 2**20, 2**30, 1.5)
    assert (spec.log_driver, spec.log_options) == ("local", (("max-size", "10m"),))
    assert found.unsaid == ("expose: 9000/tcp (not published)",)
    assert container_readback(_inspect(), IMAGE, EngineDefaults(log_driver="local")) \
        .spec.log_driver == "json-file"


@pytest.mark.parametrize("cmd, entry, expected", [
    (["nginx", "-g", "daemon off;"], ["/docker-entrypoint.sh"], (None, None)),
    (["sh"], ["/docker-entrypoint.sh"], (("sh",), None)),
    (["sh"], ["tini", "--"], (("sh",), ("tini", "--"))),
    (None, ["tini", "--"], (None, ("tini", "--"))),
    # its own entrypoint and the image's command, written out (the engine drops the
    # image's command when the entrypoint is set)
    (["nginx", "-g", "daemon off;"], ["tini"], (("nginx", "-g", "daemon off;"), ("tini",))),
    # the image's entrypoint without the image's command: written out
    (None, ["/docker-entrypoint.sh"], (None, ("/docker-entrypoint.sh",))),
])
def test_command_and_entrypoint_read_back_as_the_engine_merges_them(cmd, entry, expected):
    spec = container_readback(_inspect(Config__Cmd=cmd, Config__Entrypoint=entry), IMAGE).spec
    assert (spec.command, spec.entrypoint) == expected


def test_compose_dependencies_read_back_with_their_conditions():
    assert compose_needs("db:service_healthy:false,cache:service_started:true,job") == \
        (("db", "healthy"), ("cache", "started"), ("job", "started"))
    assert compose_needs("") == ()


def test_engine_mounts_read_back_as_mount_text():
    assert engine_mount_text({"Type": "bind", "Source": "/srv", "Target": "/x",
                              "ReadOnly": True, "BindOptions": {"Propagation": "rshared"}}) == \
        "type=bind,source=/srv,target=/x,readonly,bind-propagation=rshared"
    assert engine_mount_text({"Type": "bind", "Source": "/srv", "Target": "/x",
                              "BindOptions": {"CreateMountpoint": True}}) == "/srv:/x"
    assert engine_mount_text({"Type": "tmpfs", "Target": "/t",
                              "TmpfsOptions": {"SizeBytes": 1024, "Mode": 0o1777}}) == \
        "type=tmpfs,target=/t,tmpfs-size=1024,tmpfs-mode=1777"
    assert engine_mount_text({"Type": "volume", "Source": "v", "Target": "/v",
                              "VolumeOptions": {"NoCopy": True}}) == "v:/v:nocopy"


def test_networks_and_volumes_read_back_without_tool_labels():
    net = network_readback({"Name": "shop_default", "Driver": "bridge", "Internal": False,
                            "Labels": {"com.docker.compose.network": "default", "team": "a"},
                            "Options": {}, "IPAM": {"Config": [{"Subnet": "10.5.0.0/24",
                                                                "Gateway": "10.5.0.1"}]}})
    assert shared_entry(net) == {"labels": {"team": "a"}, "subnet": "10.5.0.0/24",
                                  "gateway": "10.5.0.1"}
    vol = volume_readback({"Name": "shop_data", "Driver": "local", "Options": None,
                           "Labels": {"com.docker.compose.volume": "data"}})
    assert shared_entry(vol) == {}
    assert own_labels({"io.dfwctl.playbook": "x", "a": "1", "b": "2"}, {"b": "2"}) == \
        (("a", "1"),)
