"""Each kind of Docker change as the plan carries it to apply, compared whole: its action,
reasons, diffs, steps (with the ids and labels they act on), whether it is destructive and
whether the text plan folds its obvious steps; and each refusal's message in full."""
from __future__ import annotations

import dataclasses

import pytest

from dfwctl.errors import PlanError
from dfwctl.plan import Action, Change, FieldDiff, PlanOptions
from dfwctl.providers.docker import labels as L
from dfwctl.providers.docker import steps as S
from dfwctl.providers.docker.diff import diff as docker_diff
from dfwctl.providers.docker.diff import temporary_name
from dfwctl.providers.docker.model import (
    ContainerSpec,
    ContainerState,
    ImageState,
    NetworkSpec,
    NetworkState,
    VolumeSpec,
)
from tests.builders import (
    NEW_KEY,
    converged,
    diff,
    empty,
    image_id,
    inputs_now,
    merged,
    network_state,
    playbook,
    repo_digest,
    volume_state,
    without,
)

NAME = "shop"
WHY_REPLACE = "its replacement was requested (--replace)"


def _part(desired, actual, options=None):
    return docker_diff(desired, actual, options, True, lambda: NEW_KEY)


def _only(desired, actual, address, options=None) -> Change:
    (change,) = [c for c in _part(desired, actual, options).changes if c.address == address]
    return change


def _labels(desired, spec):
    return tuple(sorted(L.owned_labels(NAME, spec, desired.mask).items()))


def _refused(desired, actual, options=None) -> str:
    with pytest.raises(PlanError, match="the plan cannot be made:") as caught:
        _part(desired, actual, options)
    return str(caught.value)


# images -------------------------------------------------------------------------------------
IMAGE = playbook({"name": NAME, "containers": {"web": {"image": "nginx:1.27"}}})
ALWAYS = playbook({"name": NAME, "containers": {"web": {"image": "nginx:1.27",
                                                        "pull": "always"}}})


def test_an_image_to_pull_in_full():
    assert _only(IMAGE, empty(), "docker.image.nginx:1.27") == Change(
        "docker", "docker.image.nginx:1.27", "image", "nginx:1.27", Action.CREATE,
        reasons=("not in the engine: pull it",), steps=S.pull("nginx:1.27"), fold_steps=True)


def test_an_image_pulled_again_on_request_in_full():
    assert _only(IMAGE, converged(IMAGE), "docker.image.nginx:1.27",
                 PlanOptions(replace=("docker.image.nginx:1.27",))) == Change(
        "docker", "docker.image.nginx:1.27", "image", "nginx:1.27", Action.UPDATE,
        reasons=(WHY_REPLACE,), steps=S.pull("nginx:1.27"), fold_steps=True)


def test_a_newer_image_on_the_registry_in_full():
    remote = "sha256:" + "f" * 64
    local = repo_digest("nginx:1.27").rsplit("@", 1)[1]
    actual = merged(converged(ALWAYS), remote_digests={"nginx:1.27": remote})
    assert _only(ALWAYS, actual, "docker.image.nginx:1.27") == Change(
        "docker", "docker.image.nginx:1.27", "image", "nginx:1.27", Action.UPDATE,
        diffs=(FieldDiff("digest", local[:19], "sha256:ffffffffffff"),),
        reasons=("the registry has a newer image (pull: always)",),
        steps=S.pull("nginx:1.27"), fold_steps=True)


def test_a_local_image_without_a_registry_digest_shows_none_before():
    actual = merged(converged(ALWAYS), remote_digests={"nginx:1.27": "sha256:" + "f" * 64},
                    images={"nginx:1.27": ImageState("nginx:1.27", image_id("nginx:1.27"))})
    change = _only(ALWAYS, actual, "docker.image.nginx:1.27")
    assert change.diffs == (FieldDiff("digest", None, "sha256:ffffffffffff"),)


def test_the_digest_the_registry_has_is_no_change():
    remote = repo_digest("nginx:1.27").rsplit("@", 1)[1]
    actual = merged(converged(ALWAYS), remote_digests={"nginx:1.27": remote})
    assert _part(ALWAYS, actual).changes == ()


# built images ---------------------------------------------------------------------------------
REF = "shop-app:latest"
BUILT = playbook({"name": NAME, "containers": {"app": {"build": {
    "context": "app", "args": {"GREETING": "hi"}}}}})


def _build_steps(desired, fresh=False):
    spec = desired.docker.images[REF].build
    return S.build(REF, spec, inputs_now(spec, desired).args, NAME, fresh=fresh)


def test_an_image_to_build_in_full():
    actual = without(converged(BUILT), images=[REF], containers=["app"])
    assert _only(BUILT, actual, f"docker.image.{REF}") == Change(
        "docker", f"docker.image.{REF}", "image", REF, Action.CREATE,
        diffs=(FieldDiff("build.context", None, "/playbooks/app"),
               FieldDiff("build.args.GREETING", None, "hi")),
        reasons=("not in the engine: build it",), steps=_build_steps(BUILT), fold_steps=True)


def test_an_image_built_again_on_request_skips_the_build_cache_in_full():
    assert _only(BUILT, converged(BUILT), f"docker.image.{REF}",
                 PlanOptions(replace=(f"docker.image.{REF}",))) == Change(
        "docker", f"docker.image.{REF}", "image", REF, Action.UPDATE,
        reasons=(WHY_REPLACE,), steps=_build_steps(BUILT, fresh=True), fold_steps=False)


def test_an_image_dfwctl_did_not_build_in_full():
    actual = merged(converged(BUILT), images={REF: ImageState(REF, image_id(REF))})
    assert _only(BUILT, actual, f"docker.image.{REF}") == Change(
        "docker", f"docker.image.{REF}", "image", REF, Action.UPDATE,
        reasons=("it was not built by dfwctl from this build (it has no record of its "
                 "inputs): build it",), steps=_build_steps(BUILT), fold_steps=True)


def test_an_image_whose_inputs_changed_uses_the_build_cache_and_names_each_input():
    changed = playbook({"name": NAME, "containers": {"app": {"build": {
        "context": "app", "args": {"GREETING": "hello"}, "target": "dev"}}}})
    actual = merged(converged(BUILT), builds={REF: dataclasses.replace(
        converged(BUILT).builds[REF], inputs=inputs_now(changed.docker.images[REF].build,
                                                        changed))})
    change = _only(changed, actual, f"docker.image.{REF}")
    assert change.reasons == ("build.args.GREETING, build.target changed",)
    assert change.steps == _build_steps(changed) and change.fold_steps


# networks and volumes -------------------------------------------------------------------------
def test_a_network_replaced_in_full():
    before = playbook({"name": NAME, "networks": {"front": {}}})
    after = playbook({"name": NAME, "networks": {"front": {"internal": True}}})
    actual = converged(before)
    front = after.docker.networks["front"]
    expected = Change(
        "docker", "docker.network.front", "network", "front", Action.REPLACE,
        diffs=(FieldDiff("internal", False, True, True),),
        reasons=("network settings cannot change in place",), destructive=True,
        steps=S.remove_network(actual.networks["front"].id, "front")
        + S.create_network(front, _labels(after, front)))
    assert _only(after, actual, "docker.network.front") == expected
    requested = _only(before, actual, "docker.network.front",
                      PlanOptions(replace=("docker.network.front",)))
    assert (requested.action, requested.reasons, requested.diffs, requested.destructive) == (
        Action.REPLACE, (WHY_REPLACE,), (), True)
    assert requested.steps == expected.steps[:2] + S.create_network(
        before.docker.networks["front"], _labels(before, before.docker.networks["front"]))


def test_a_network_and_a_volume_created_in_full():
    desired = playbook({"name": NAME, "networks": {"front": {"internal": True}},
                        "volumes": {"data": {"driver": "nfs"}}})
    part = _part(desired, empty())
    front, data = desired.docker.networks["front"], desired.docker.volumes["data"]
    assert part.changes == (
        Change("docker", "docker.network.front", "network", "front", Action.CREATE,
               diffs=(FieldDiff("internal", False, True, True),), reasons=("not in the engine",),
               steps=S.create_network(front, _labels(desired, front)), fold_steps=True),
        Change("docker", "docker.volume.data", "volume", "data", Action.CREATE,
               diffs=(FieldDiff("driver", "local", "nfs", True),), reasons=("not in the engine",),
               steps=S.create_volume(data, _labels(desired, data)), fold_steps=True))


def test_a_volume_replaced_with_prune_volumes_in_full():
    before = playbook({"name": NAME, "volumes": {"data": {}}})
    after = playbook({"name": NAME, "volumes": {"data": {"driver": "nfs"}}})
    data = after.docker.volumes["data"]
    assert _only(after, converged(before), "docker.volume.data",
                 PlanOptions(prune_volumes=True)) == Change(
        "docker", "docker.volume.data", "volume", "data", Action.REPLACE,
        diffs=(FieldDiff("driver", "local", "nfs", True),),
        reasons=("its settings changed; its data will be lost",), destructive=True,
        steps=S.replace_volume(data, _labels(after, data)))


def test_a_volume_asked_to_be_made_again_keeps_its_data_with_a_warning():
    desired = playbook({"name": NAME, "volumes": {"data": {}}})
    part = _part(desired, converged(desired), PlanOptions(replace=("docker.volume.data",)))
    assert part.changes == ()
    assert part.warnings == (
        "volume data: its recorded settings changed, but replacing a volume deletes its data; "
        "dfwctl keeps it (run apply --prune-volumes to replace it)",)


def test_a_volume_whose_settings_changed_names_each_with_a_warning():
    before = playbook({"name": NAME, "volumes": {"data": {}}})
    after = playbook({"name": NAME, "volumes": {"data": {"driver": "nfs",
                                                         "labels": {"a": "1"}}}})
    assert _part(after, converged(before)).warnings == (
        "volume data: driver, labels.a changed, but replacing a volume deletes its data; "
        "dfwctl keeps it (run apply --prune-volumes to replace it)",)


@pytest.mark.parametrize("kind", ["network", "volume"])
def test_an_object_of_another_playbook_in_full(kind):
    desired = playbook({"name": NAME, f"{kind}s": {"x": {}}})
    state = (network_state(NetworkSpec("x"), None, owner="other") if kind == "network"
             else volume_state(VolumeSpec("x"), None, owner="other"))
    assert _refused(desired, merged(empty(), **{f"{kind}s": {"x": state}})) == (
        f"the plan cannot be made:\n  - {kind} x already exists and belongs to playbook "
        "other; dfwctl never changes what it does not own: declare it with `external: true`, "
        "or remove it")


# orphans ----------------------------------------------------------------------------------------
def test_what_the_playbook_no_longer_names_is_removed_in_full():
    before = playbook({"name": NAME, "networks": {"front": {}}, "volumes": {"data": {}}})
    actual = converged(before)
    part = _part(playbook({"name": NAME, "containers": {}}), actual,
                 PlanOptions(prune=True, prune_volumes=True))
    assert part.changes == (
        Change("docker", "docker.network.front", "network", "front", Action.DELETE,
               reasons=("no longer in the playbook",), destructive=True,
               steps=S.remove_network(actual.networks["front"].id, "front"), fold_steps=True),
        Change("docker", "docker.volume.data", "volume", "data", Action.DELETE,
               reasons=("no longer in the playbook; its data will be lost",), destructive=True,
               steps=S.remove_volume("data"), fold_steps=True))


# containers --------------------------------------------------------------------------------------
def test_isolation_on_a_linux_engine_in_full():
    desired = playbook({"name": NAME, "containers": {"web": {"image": "nginx:1.27",
                                                             "isolation": "process"}}})
    assert _refused(desired, empty()) == (
        "the plan cannot be made:\n  - container web: isolation process needs a Windows "
        f"engine, and {empty().engine.endpoint} runs linux containers; remove `isolation` "
        "(Linux containers only have the default)")


EXTERNAL = {"name": NAME, "networks": {"inner": {"subnet": "10.1.0.0/24"},
                                       "outer": {"external": True}},
            "containers": {"web": {"image": "nginx:1.27", "networks": {
                "inner": {"ipv4_address": "10.1.0.5"}, "outer": {"ipv4_address": "10.9.9.9"}}}}}


@pytest.mark.parametrize("subnets, pools", [(("10.2.0.0/16", "10.3.0.1/24"),
                                             "10.2.0.0/16, 10.3.0.1/24"), ((), "none")])
def test_an_address_outside_an_external_network_in_full(subnets, pools):
    desired = playbook(EXTERNAL)
    outer = NetworkState("o" * 64, "outer", None, subnets=subnets, seen=NetworkSpec("outer"))
    actual = merged(empty(), networks={"outer": outer})
    assert _refused(desired, actual) == (
        "the plan cannot be made:\n  - container web: ipv4_address 10.9.9.9 is not in the "
        f"subnets of external network outer ({pools}); pick an address inside them")


def test_an_address_inside_an_external_networks_pool_written_with_host_bits_fits():
    desired = playbook(EXTERNAL)
    outer = NetworkState("o" * 64, "outer", None, subnets=("10.9.9.1/24",),
                         seen=NetworkSpec("outer"))
    change = _only(desired, merged(empty(), networks={"outer": outer}), "docker.container.web")
    assert change.action is Action.CREATE


# temporary names ---------------------------------------------------------------------------------
def test_a_temporary_name_is_the_same_in_every_process():
    """A plan saved by one dfwctl process is applied by another: the name must not depend on
    anything but the container (no salted hash())."""
    spec = ContainerSpec("web", "nginx:1.27")
    old = ContainerState("c" * 64, "web", "running", image_id("nginx:1.27"))
    assert temporary_name(spec, None, frozenset()) == "web-dfwctl-0e5cee"
    assert temporary_name(spec, old, frozenset()) == "web-dfwctl-8fda00"


def test_a_temporary_name_is_never_one_the_engine_has_and_gives_up_after_100_tries():
    spec = ContainerSpec("web", "nginx:1.27")
    taken: set = set()
    for _ in range(100):
        taken.add(temporary_name(spec, None, frozenset(taken)))
    assert len(taken) == 100
    with pytest.raises(PlanError, match="no free temporary name") as caught:
        temporary_name(spec, None, frozenset(taken))
    assert str(caught.value) == "container web: no free temporary name for its replacement"


def test_plan_through_combine_keeps_the_changes():
    """The builders' plan (combined, masked) holds the same changes as the part."""
    assert [c.address for c in diff(IMAGE, empty()).changes] == [
        "docker.image.nginx:1.27", "docker.container.web"]


# why an existing container is replaced or updated --------------------------------------------
def test_a_container_on_an_image_the_registry_updates_is_replaced_outright():
    remote = "sha256:" + "f" * 64
    actual = merged(converged(ALWAYS), remote_digests={"nginx:1.27": remote})
    change = _only(ALWAYS, actual, "docker.container.web")
    assert (change.action, change.reasons, change.condition) == (
        Action.REPLACE, ("image nginx:1.27 will be updated by the pull",), "")


def test_a_container_whose_image_tag_is_gone_is_replaced_only_if_the_pull_differs():
    actual = without(converged(IMAGE), images=["nginx:1.27"])
    state = actual.containers["web"]
    change = _only(IMAGE, actual, "docker.container.web")
    condition = ("only if the pulled image is not the one the container runs "
                 f"(sha256:{state.image_id[7:19]})")
    assert (change.action, change.reasons, change.condition) == (
        Action.REPLACE, ("image nginx:1.27 is not in the engine any more and will be pulled",),
        condition)
    assert change.steps[0] == S.if_image_changed(
        IMAGE.docker.containers["web"], state, condition,
        S.update_container(IMAGE.docker.containers["web"], state, ()), "pulled")


def test_a_container_that_now_builds_its_image_is_replaced_for_the_image_field_alone():
    before = playbook({"name": NAME, "containers": {"app": {"image": "nginx:1.27"}}})
    actual = merged(converged(before), builds=converged(BUILT).builds)
    change = _only(BUILT, actual, "docker.container.app")
    assert change.reasons == ("image changed (forces replacement)",)
    assert not change.condition


def test_a_container_never_started_keeps_its_other_diffs():
    before = playbook({"name": NAME, "containers": {"web": {"image": "nginx:1.27"}}})
    after = playbook({"name": NAME, "containers": {"web": {"image": "nginx:1.27",
                                                           "restart": "always"}}})
    actual = merged(converged(before), containers={"web": dataclasses.replace(
        converged(before).containers["web"], status="created")})
    change = _only(after, actual, "docker.container.web")
    assert change.action is Action.REPLACE
    assert change.diffs == (FieldDiff("restart", "no", "always"),
                            FieldDiff("state", "created", "running"))
