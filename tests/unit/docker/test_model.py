"""The Docker model: a playbook's containers, networks, volumes and images as the values diff
compares (docker_desired), for the spellings real playbooks use."""
from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from dfwctl.providers.docker.buildspec import Inputs
from dfwctl.providers.docker.model import (
    BuildState,
    ContainerSpec,
    ContainerState,
    ImageSpec,
    NetworkSpec,
    NetworkState,
    VolumeSpec,
    docker_desired,
    image_reference,
    secret_grants,
    volume_sources,
)
from tests.builders import KEY, converged, image_state, network_state, playbook, volume_state

BASE = Path("/book")


def _container(**raw):
    return docker_desired({"containers": {"app": {"image": "busybox", **raw}}}, BASE
                          ).containers["app"]


@pytest.mark.parametrize("written, engine", [
    ("busybox", "busybox:latest"),
    ("busybox:1.36", "busybox:1.36"),
    ("library/busybox", "library/busybox:latest"),
    ("localhost:5000/app", "localhost:5000/app:latest"),  # the port is not a tag
    ("127.0.0.1:5555/team/app:v2", "127.0.0.1:5555/team/app:v2"),
    ("busybox@sha256:" + "a" * 64, "busybox@sha256:" + "a" * 64),  # a digest takes no tag
])
def test_image_names_are_normalised_the_way_the_engine_tags_them(written, engine):
    assert image_reference(written) == engine
    assert _container(image=written).image == engine


def test_env_values_are_the_text_the_container_sees():
    spec = _container(env={"DEBUG": True, "QUIET": False, "X": None, "PORT": 8080,
                           "NAME": "web"})
    assert spec.env == (("DEBUG", "true"), ("NAME", "web"), ("PORT", "8080"),
                        ("QUIET", "false"), ("X", ""))


def test_env_as_a_list_splits_at_the_first_equals_sign():
    spec = _container(env=["B=x=y", "A=1", "EMPTY=", "BARE"])
    assert spec.env == (("A", "1"), ("B", "x=y"), ("BARE", ""), ("EMPTY", ""))


def test_labels_with_boolean_and_null_values():
    assert _container(labels={"on": True, "off": None}).labels == (("off", ""), ("on", "true"))


def test_a_relative_bind_is_resolved_against_the_playbooks_folder():
    spec = _container(mounts=["./data:/data", "../shared:/shared:ro", "/abs:/abs",
                              "cache:/cache"])
    assert spec.mounts == ("/book/data:/data", "/shared:/shared:ro", "/abs:/abs",
                           "cache:/cache")
    assert volume_sources(spec) == ["cache"]


def test_a_relative_bind_in_the_long_syntax_is_resolved_too():
    spec = _container(mounts=[{"type": "bind", "source": "./conf", "target": "/etc/app"}])
    assert spec.mounts == ("/book/conf:/etc/app",)


@pytest.mark.parametrize("first, second, wins", [
    ("never", "missing", "missing"),
    ("missing", "never", "missing"),
    ("missing", "always", "always"),
    ("always", "never", "always"),
    ("never", "never", "never"),
])
def test_an_image_shared_by_two_containers_takes_the_most_eager_pull(first, second, wins):
    """A container that may pull (missing, always) must not be held back by one that says
    never: the image is pulled once for both, whichever is written first."""
    desired = docker_desired({"containers": {
        "a": {"image": "app:1", "pull": first},
        "b": {"image": "app:1", "pull": second},
    }}, BASE)
    assert desired.images == {"app:1": ImageSpec("app:1", wins)}


def test_images_are_one_per_normalised_reference():
    desired = docker_desired({"containers": {
        "a": {"image": "busybox"}, "b": {"image": "busybox:latest"}, "c": {"image": "redis:7"},
    }}, BASE)
    assert desired.images == {"busybox:latest": ImageSpec("busybox:latest", "missing"),
                              "redis:7": ImageSpec("redis:7", "missing")}


def test_commands_as_text_are_split_like_a_shell_and_lists_are_kept():
    assert _container(command="sh -c 'echo hi there'").command == ("sh", "-c", "echo hi there")
    assert _container(command=["ls", "-l", 3, True]).command == ("ls", "-l", "3", "true")
    assert _container(entrypoint=["/bin/sh"]).entrypoint == ("/bin/sh",)
    assert _container().command is None and _container().entrypoint is None


def test_container_values_as_the_engine_takes_them():
    spec = _container(user=1000, memory="256MiB", cpus=1, stop_signal=15, isolation="default",
                      wait_timeout="1m30s", restart="always", state="stopped")
    assert (spec.user, spec.memory, spec.cpus, spec.stop_signal) == ("1000", 268435456, 1.0,
                                                                     "15")
    assert isinstance(spec.cpus, float)
    assert spec.isolation is None  # the engine's default, not a difference
    assert _container(isolation="hyperv").isolation == "hyperv"
    assert (spec.wait_timeout, spec.restart, spec.state) == (90.0, "always", "stopped")


def test_a_container_with_only_an_image_has_every_default():
    spec = _container()
    assert spec == ContainerSpec(name="app", image="busybox:latest")
    assert (spec.restart, spec.state, spec.pull, spec.user, spec.memory, spec.cpus,
            spec.stop_signal, spec.wait_timeout) == ("no", "running", "missing", None, None,
                                                      None, None, None)


def test_depends_on_as_a_list_or_a_mapping():
    listed = _container(depends_on=["db", "cache"]).depends_on
    assert [(d.name, d.condition, d.required, d.restart) for d in listed] == [
        ("db", "started", True, False), ("cache", "started", True, False)]
    mapped = _container(depends_on={"db": {"condition": "service_healthy", "required": False,
                                           "restart": True}, "cache": None}).depends_on
    assert [(d.name, d.condition, d.required, d.restart) for d in mapped] == [
        ("db", "healthy", False, True), ("cache", "started", True, False)]
    assert _container(depends_on=["db"]).needs == ("db",)


def test_networks_and_volumes_with_their_defaults_and_settings():
    desired = docker_desired({
        "networks": {"plain": None, "front": {
            "driver": "overlay", "internal": True, "attachable": True, "labels": {"a": 1},
            "options": {"mtu": 1400}, "subnet": "172.28.0.0/16", "gateway": "172.28.0.254"},
            "outside": {"external": True}},
        "volumes": {"data": None, "cache": {"driver": "tmpfs-ish", "options": {"o": "x"},
                                            "labels": {"k": "v"}}, "ext": {"external": True}},
    }, BASE)
    assert desired.networks["plain"] == NetworkSpec("plain")
    assert (desired.networks["plain"].driver, desired.networks["plain"].internal,
            desired.networks["plain"].attachable) == ("bridge", False, False)
    assert desired.networks["front"] == NetworkSpec(
        "front", "overlay", True, True, (("a", "1"),), (("mtu", "1400"),), "172.28.0.0/16",
        "172.28.0.254")
    assert desired.networks["outside"].external and not desired.networks["front"].external
    assert desired.volumes["data"] == VolumeSpec("data")
    assert desired.volumes["data"].driver == "local"
    assert desired.volumes["cache"] == VolumeSpec("cache", "tmpfs-ish", (("o", "x"),),
                                                  (("k", "v"),))
    assert desired.volumes["ext"].external and not desired.volumes["data"].external
    assert desired.present and desired.containers == {} and desired.images == {}


def test_an_image_one_container_builds_is_built_for_all_its_users():
    """The first container that builds an image decides it: a later one that only names it (or
    would pull it always) neither pulls it nor hides the images of the containers after it."""
    desired = docker_desired({"containers": {
        "maker": {"image": "app:1", "build": "app"},
        "user": {"image": "app:1", "pull": "always"},
        "cache": {"image": "redis:7"},
    }}, BASE)
    assert set(desired.images) == {"app:1", "redis:7"}
    built = desired.images["app:1"]
    assert built.build == desired.containers["maker"].build
    assert built.build is not None and built.build.context == str(BASE / "app")
    assert built.pull != "always"  # gather asks no registry for it
    assert desired.images["redis:7"] == ImageSpec("redis:7", "missing")


def test_env_files_of_every_container_add_their_secrets_and_the_variables_they_use(tmp_path):
    """Values of a secret env file, and values of the playbook's secret variables that any env
    file uses, are masked; the values of plain variables are not. Every variable an env file
    uses counts as used. Each container adds to what the ones before it gave."""
    (tmp_path / "api.env").write_text("TOKEN=tok-41c9\nREGION=${REGION}\n", encoding="utf-8")
    (tmp_path / "db.env").write_text("PASSWORD=${DB_PASSWORD}\nMODE=${MODE}\n"
                                     "EMPTY=${UNSET_SECRET}\n", encoding="utf-8")
    desired = docker_desired({
        "secrets": ["DB_PASSWORD", "UNSET_SECRET"],
        "containers": {
            "api": {"image": "busybox", "env_file": [{"path": "api.env", "secret": True}]},
            "db": {"image": "busybox", "env_file": "db.env"},
        }}, tmp_path, {"REGION": "eu-west", "DB_PASSWORD": "pw-7d21", "MODE": "dev",
                       "UNSET_SECRET": ""})
    assert dict(desired.containers["db"].env) == {"PASSWORD": "pw-7d21", "MODE": "dev",
                                                  "EMPTY": ""}
    assert desired.file_secrets == {"tok-41c9", "eu-west", "pw-7d21"}
    assert desired.file_variables == {"REGION", "DB_PASSWORD", "MODE", "UNSET_SECRET"}


@pytest.mark.parametrize("section", ["networks", "volumes", "containers"])
def test_any_docker_section_makes_the_docker_part_present(section):
    assert docker_desired({section: {}}, BASE).present
    assert not docker_desired({"hyperv": {}}, BASE).present


# the fingerprint of what a plan depends on ----------------------------------------------------
def _fingerprint_cases():
    desired = playbook({"name": "shop", "networks": {"front": {}, "outer": {"external": True}},
                        "volumes": {"data": {}, "cache": {"external": True}},
                        "containers": {"web": {"image": "nginx:1.27",
                                               "networks": ["front"]}}})
    base = converged(desired)
    other = ContainerState("o" * 64, "x", "running", "sha256:" + "1" * 64)
    dup = NetworkState("d" * 64, "front", "shop")
    moved = {
        "a container": dict(containers={**base.containers, "web": dataclasses.replace(
            base.containers["web"], status="exited")}),
        "a network it names": dict(networks={"front": dataclasses.replace(
            base.networks["front"], id="n" * 64)}),
        "a network it owns": dict(networks={**base.networks, "old": network_state(
            NetworkSpec("old"), None, "shop")}),
        "a volume it names": dict(volumes={"data": dataclasses.replace(
            base.volumes["data"], created="2025")}),
        "a volume it owns": dict(volumes={**base.volumes, "old": volume_state(
            VolumeSpec("old"), None, "shop")}),
        "an image it uses": dict(images={"nginx:1.27": dataclasses.replace(
            image_state("nginx:1.27"), id="sha256:" + "2" * 64)}),
        "an image's build record": dict(images={"nginx:1.27": dataclasses.replace(
            image_state("nginx:1.27"), built="{}")}),
        "a build context": dict(builds={"app:1": BuildState(Inputs("sha256:x", "Dockerfile", "sha256:y"))}),
        "a registry digest": dict(remote_digests={"nginx:1.27": "sha256:" + "3" * 64}),
        "a name used by others": dict(foreign_containers=("web",)),
        "a container made elsewhere": dict(foreign={"web": other}),
        "a name claimed": dict(claimed={"web": "other"}),
        "a leftover": dict(leftovers=(other,)),
        "a duplicate network": dict(duplicate_networks=((dup, ("web",)),)),
        "the secrets key": dict(secrets_key=KEY),
        "a network it names that is made elsewhere": dict(networks={**base.networks,
                                                                  "outer": network_state(
            NetworkSpec("outer", driver="macvlan"), None)}),
        "a volume it names that is made elsewhere": dict(volumes={**base.volumes,
                                                                "cache": volume_state(
            VolumeSpec("cache", driver="nfs"), None)}),
        "a duplicate of a network it names": dict(duplicate_networks=((
            NetworkState("d" * 64, "outer", None), ()),)),
    }
    unmoved = {
        "another playbook's network": dict(networks={**base.networks, "x": network_state(
            NetworkSpec("x"), None, "other")}),
        "a network made elsewhere": dict(networks={**base.networks, "x": network_state(
            NetworkSpec("x"), None)}),
        "another playbook's volume": dict(volumes={**base.volumes, "x": volume_state(
            VolumeSpec("x"), None, "other")}),
        "an image it does not use": dict(images={**base.images, "redis:7": image_state(
            "redis:7")}),
        "another playbook's duplicate network": dict(duplicate_networks=((
            NetworkState("d" * 64, "x", "other"), ()),)),
        "a container's health": dict(containers={"web": dataclasses.replace(
            base.containers["web"], health="healthy")}),
    }
    return desired, base, moved, unmoved


def test_the_fingerprint_moves_with_each_thing_a_plan_depends_on():
    desired, base, moved, unmoved = _fingerprint_cases()
    before = base.fingerprint("shop", desired.docker)
    for what, change in moved.items():
        assert dataclasses.replace(base, **change).fingerprint("shop", desired.docker) \
            != before, what
    for what, change in unmoved.items():
        assert dataclasses.replace(base, **change).fingerprint("shop", desired.docker) \
            == before, what


def test_the_fingerprint_does_not_depend_on_the_order_things_are_read_in():
    desired, base, _, _ = _fingerprint_cases()
    digests = {"b:1": "sha256:a", "a:1": None, "c:1": "sha256:b"}  # None: not read
    one = dataclasses.replace(base, remote_digests=digests, foreign_containers=("b", "a"))
    two = dataclasses.replace(base, remote_digests=dict(reversed(list(digests.items()))),
                              foreign_containers=("a", "b"))
    assert one.fingerprint("shop", desired.docker) == two.fingerprint("shop", desired.docker)


def test_a_secret_the_playbook_has_no_value_for_is_shown_by_its_name():
    grants, texts = secret_grants({"secrets": ["db-password", {"source": "tok", "target": "t",
                                                               "mode": 0o400}]}, {})
    assert [g.source for g in grants] == ["db-password", "tok"]
    assert texts == (("/run/secrets/db-password", "db-password"),
                     ("/run/secrets/t", "tok, mode 0400"))
