"""Containers, networks and volumes made elsewhere under the names a playbook gives: left
alone when they match (a warning), an error when they differ, and with adoption (apply
--adopt, dfwctl adopt) taken under the playbook's ownership: as they are, updated, or
replaced, always shown in the plan; ownership kept in adoption records (adoption.py)."""
from __future__ import annotations

import dataclasses
import json

import pytest

from dfwctl.errors import PlanError
from dfwctl.plan import Action, Change, FieldDiff, PlanOptions
from dfwctl.providers.docker import adoption, record, steps
from dfwctl.providers.docker import labels as L
from dfwctl.providers.docker import status as docker_status
from dfwctl.providers.docker.gather import gather
from dfwctl.providers.docker.model import ContainerState, NetworkSpec, VolumeSpec
from dfwctl.report import render_plan
from tests.builders import (
    FIXED_CREATED,
    converged,
    diff,
    empty,
    merged,
    network_state,
    playbook,
    volume_state,
)
from tests.unit.docker.fakeapi import FakeAPI, FakeEngine

NAME = "shop"
ADOPT_ALL = PlanOptions(adopt_all=True)


def _elsewhere(desired, name, **changes):
    """Actual with container `name` made elsewhere: what it is read back as `changes` say."""
    spec = dataclasses.replace(desired.docker.containers[name], **changes)
    base = converged(desired)
    state = dataclasses.replace(base.containers[name], spec=spec, id="f" * 64)
    containers = {k: v for k, v in base.containers.items() if k != name}
    return dataclasses.replace(base, containers=containers, foreign_containers=(name,),
                               foreign={name: state})


WEB = {"name": NAME, "containers": {"web": {"image": "nginx:1.27", "restart": "always",
                                            "env": {"MODE": "prod"}}}}


def test_a_container_made_elsewhere_that_matches_is_left_alone_with_a_warning():
    desired = playbook(WEB)
    plan = diff(desired, _elsewhere(desired, "web"))
    assert not plan.has_changes
    assert plan.warnings == (
        "container web was made elsewhere and matches the playbook: nothing is planned for it "
        "and the playbook does not own it; `dfwctl adopt PLAYBOOK docker.container.web` (or "
        "apply --adopt) puts it under the playbook's ownership",)


def test_a_container_made_elsewhere_that_differs_stops_the_plan_and_says_how():
    desired = playbook(WEB)
    with pytest.raises(PlanError, match=r"container web already exists, made elsewhere, and "
                                        r"differs from the playbook \(env\.MODE differ\); .*"
                                        r"apply --adopt"):
        diff(desired, _elsewhere(desired, "web", env=(("MODE", "dev"),)))


def test_adopting_a_matching_container_records_it_and_changes_nothing_else():
    desired = playbook(WEB)
    plan = diff(desired, _elsewhere(desired, "web"), ADOPT_ALL)
    (change,) = plan.changes
    assert (change.address, change.action, change.destructive) == \
        ("docker.container.web", Action.ADOPT, False)
    (step,) = change.steps
    assert isinstance(step, steps.RecordAdoption)
    assert (step.owner, step.kind, step.name, step.identity) == (NAME, "container", "web", "f" * 64)
    assert json.loads(step.record) == {"env": {"MODE": "prod"}, "image": "nginx:1.27",
                                       "restart": "always"}
    text = render_plan(plan)
    assert "docker.container.web will be adopted" in text
    assert "<= container \"web\"" in text
    assert "Plan: 1 to adopt, 0 to create, 0 to update, 0 to replace, 0 to destroy." in text


def test_adopting_a_container_with_other_settings_replaces_it_with_the_playbooks():
    desired = playbook(WEB)
    plan = diff(desired, _elsewhere(desired, "web", env=(("MODE", "dev"),)),
                PlanOptions(adopt=frozenset({"docker.container.web"})))
    (change,) = plan.changes
    assert change.action is Action.REPLACE and change.destructive
    assert change.reasons[0] == ("made elsewhere: adopted by replacing it with the playbook's "
                                 "container")
    assert [d.name for d in change.diffs] == ["env.MODE"]
    assert not any(isinstance(s, steps.RecordAdoption) for s in change.steps)


def test_adopting_a_container_updated_in_place_records_it_too():
    desired = playbook(WEB)
    plan = diff(desired, _elsewhere(desired, "web", restart="no"), ADOPT_ALL)
    (change,) = plan.changes
    assert change.action is Action.UPDATE
    assert isinstance(change.steps[0], steps.RecordAdoption)
    assert any(isinstance(s, steps.UpdateContainer) for s in change.steps)


def test_adopting_a_container_under_another_name_renames_it():
    desired = playbook(WEB)
    actual = _elsewhere(desired, "web")
    actual = dataclasses.replace(actual, foreign={"web": dataclasses.replace(
        actual.foreign["web"], name="shop-web-1")})
    (change,) = diff(desired, actual, ADOPT_ALL).changes
    assert [type(s) for s in change.steps] == [steps.RenameContainer, steps.RecordAdoption]
    assert change.steps[0].text == "rename container shop-web-1 to web"


def test_networks_and_volumes_made_elsewhere():
    desired = playbook({"name": NAME, "networks": {"front": {"subnet": "10.9.0.0/24"}},
                        "volumes": {"data": {}}})
    same = merged(empty(), networks={"front": network_state(
        NetworkSpec("front", subnet="10.9.0.0/24", gateway="10.9.0.1"), None)},
        volumes={"data": volume_state(VolumeSpec("data"), None)})
    plan = diff(desired, same)
    assert not plan.has_changes and len(plan.warnings) == 2
    plan = diff(desired, same, ADOPT_ALL)
    assert [(c.address, c.action) for c in plan.changes] == \
        [("docker.network.front", Action.ADOPT), ("docker.volume.data", Action.ADOPT)]
    assert [c.steps[0].identity for c in plan.changes] == \
        [same.networks["front"].id, FIXED_CREATED]
    other = merged(same, networks={"front": network_state(
        NetworkSpec("front", driver="macvlan", subnet="10.9.0.0/24"), None)},
        volumes={"data": volume_state(VolumeSpec("data", driver="nfs"), None)})
    with pytest.raises(PlanError, match="the plan cannot be made:") as caught:
        diff(desired, other)
    assert "network front already exists, made elsewhere, and differs from the playbook " \
           "(driver differ)" in str(caught.value)
    assert "volume data already exists, made elsewhere, and differs from the playbook " \
           "(driver differ)" in str(caught.value)
    plan = diff(desired, other, ADOPT_ALL)
    assert sorted((c.address, c.action.value) for c in plan.changes) == \
        [("docker.network.front", "replace"), ("docker.volume.data", "adopt")]
    assert any("adopted as it is" in w for w in plan.warnings)


def test_a_subnet_the_playbook_leaves_to_the_engine_is_not_compared():
    desired = playbook({"name": NAME, "networks": {"front": {}}})
    actual = merged(empty(), networks={"front": network_state(
        NetworkSpec("front", subnet="172.18.0.0/16", gateway="172.18.0.1"), None)})
    assert not diff(desired, actual).has_changes


def test_adoption_records_round_trip_and_newer_entries_win():
    first = adoption.Adopted("container", "web", "a" * 64, '{"image":"x:1"}')
    second = adoption.Adopted("container", "web", "b" * 64, '{"image":"x:2"}')
    older = {"Name": "r1", "CreatedAt": "2024-01-01", "Labels": adoption.labels_of(NAME, [first])}
    newer = {"Name": "r2", "CreatedAt": "2024-01-02", "Labels": adoption.labels_of(NAME, [second])}
    other = {"Name": "r3", "CreatedAt": "2024-01-03", "Labels": adoption.labels_of("x", [first])}
    records = adoption.read([newer, other, older], NAME)
    assert records.volumes == ("r1", "r2")
    assert records.find("container", "web", "b" * 64) == second
    assert records.find("container", "web", "a" * 64) is None
    damaged = {"Name": "r4", "Labels": {adoption.ADOPTIONS: NAME,
                                        adoption.ADOPTED + "network.n": "{not json"}}
    assert adoption.read([damaged], NAME).entries == {}
    assert adoption.is_record(older) and not adoption.is_record({"Labels": {}})


def test_a_record_is_written_as_a_new_volume_before_the_old_one_goes():
    fake = FakeAPI("converged")
    engine = FakeEngine(fake)
    first = adoption.write(engine, NAME, adoption.Adopted("network", "n", "1" * 64, "{}"))
    second = adoption.write(engine, NAME, adoption.Adopted("volume", "v", "t", "{}"))
    assert first != second
    calls = [c.method for c in fake.calls]
    assert calls[-3:] == ["volumes", "create_volume", "remove_volume"]
    names = [v["Name"] for v in fake.volumes()["Volumes"] if adoption.is_record(v)]
    assert names == [second]
    records = adoption.read(fake.volumes()["Volumes"], NAME)
    assert set(records.entries) == {("network", "n"), ("volume", "v")}


def test_gather_reads_adopted_objects_as_owned_and_hides_the_records():
    fake = FakeAPI("converged")
    engine = FakeEngine(fake)
    desired = playbook({"name": NAME, "volumes": {"made-elsewhere": {}}})
    fake.create_volume("made-elsewhere", driver="local")
    actual = gather(engine, desired)
    assert actual.volumes["made-elsewhere"].owner is None
    created = actual.volumes["made-elsewhere"].created
    record = adoption.write(engine, NAME, adoption.Adopted("volume", "made-elsewhere", created,
                                                           '{"driver":"local"}'))
    actual = gather(engine, desired)
    adopted = actual.volumes["made-elsewhere"]
    assert adopted.owner == NAME and adopted.spec == VolumeSpec("made-elsewhere")
    assert record not in actual.volumes and actual.adoption_records == (record,)
    assert not diff(desired, actual).has_changes


def test_gather_reads_a_container_made_elsewhere_back():
    fake = FakeAPI("converged")
    fake.create_container("busybox:latest", name="shop-web-1", command=["sleep", "9"],
                          labels={"com.docker.compose.project": "shop"})
    fake.start("shop-web-1")
    desired = playbook({"name": NAME, "containers": {"web": {"image": "busybox:latest",
                                                             "command": ["sleep", "9"]}}})
    actual = gather(FakeEngine(fake), desired, renames={"web": "shop-web-1"})
    found = actual.foreign["web"]
    assert isinstance(found, ContainerState) and found.name == "shop-web-1"
    assert found.spec is not None and found.spec.command == ("sleep", "9")
    assert found.spec.labels == ()  # compose's own labels are not the container's settings
    plan = diff(desired, actual, ADOPT_ALL)
    assert [c.action for c in plan.changes] == [Action.ADOPT]


def test_destroy_with_volumes_removes_the_records():
    desired = playbook({"name": NAME})
    actual = dataclasses.replace(empty(), adoption_records=("dfwctl-adopted-shop-1",))
    assert not diff(desired, actual, PlanOptions(destroy=True)).has_changes
    plan = diff(desired, actual, PlanOptions(destroy=True, prune=True, prune_volumes=True))
    assert [(c.address, c.action) for c in plan.changes] == \
        [("docker.volume.dfwctl-adopted-shop-1", Action.DELETE)]


def test_an_owned_record_label_is_what_adoption_writes():
    assert L.OWNER not in adoption.labels_of(NAME, [])


def test_status_shows_what_is_made_elsewhere_or_another_playbooks():
    desired = playbook(WEB)
    actual = _elsewhere(desired, "web")
    (item,) = [i for i in docker_status.items(desired, actual) if i.kind == "container"]
    assert (item.state, item.ok) == ("running, made outside dfwctl", False)
    claimed = dataclasses.replace(actual, foreign={}, claimed={"web": "other"})
    (item,) = [i for i in docker_status.items(desired, claimed) if i.kind == "container"]
    assert (item.state, item.ok) == ("present, owned by playbook other", False)
    with pytest.raises(PlanError, match="taken by a container of playbook other"):
        diff(desired, claimed)


# adoption in full: each change as the plan carries it -------------------------------------
ADOPTED = "made elsewhere: adopted, the playbook owns it from now on"


def _part(desired, actual, options=ADOPT_ALL):
    from dfwctl.providers.docker.diff import diff as docker_diff
    return docker_diff(desired, actual, options)


def _owns(desired, kind, spec, identity):
    return steps.record_adoption(NAME, kind, spec.name, identity,
                                 record.dumps(record.to_record(spec, desired.mask)))


def test_networks_and_volumes_adopted_as_they_are_in_full():
    desired = playbook({"name": NAME, "networks": {"front": {"subnet": "10.9.0.0/24"}},
                        "volumes": {"data": {}}})
    same = merged(empty(), networks={"front": network_state(
        NetworkSpec("front", subnet="10.9.0.0/24", gateway="10.9.0.1"), None)},
        volumes={"data": volume_state(VolumeSpec("data"), None)})
    network_id = same.networks["front"].id
    assert _part(desired, same).changes == (
        Change("docker", "docker.network.front", "network", "front", Action.ADOPT,
               reasons=(ADOPTED,), fold_steps=True,
               steps=_owns(desired, "network", desired.docker.networks["front"], network_id)),
        Change("docker", "docker.volume.data", "volume", "data", Action.ADOPT,
               reasons=(ADOPTED,), fold_steps=True,
               steps=_owns(desired, "volume", desired.docker.volumes["data"], FIXED_CREATED)))


def test_a_differing_network_is_replaced_and_a_volume_adopted_as_it_is_in_full():
    desired = playbook({"name": NAME, "networks": {"front": {"subnet": "10.9.0.0/24"}},
                        "volumes": {"data": {}}})
    theirs = VolumeSpec("data", driver="nfs", labels=(("a", "1"),))
    other = merged(empty(), networks={"front": network_state(
        NetworkSpec("front", driver="macvlan", subnet="10.9.0.0/24"), None)},
        volumes={"data": volume_state(theirs, None)})
    network_id = other.networks["front"].id
    front = desired.docker.networks["front"]
    part = _part(desired, other)
    assert part.changes == (
        Change("docker", "docker.network.front", "network", "front", Action.REPLACE,
               diffs=(FieldDiff("driver", "macvlan", "bridge", True),),
               reasons=(ADOPTED + "; network settings cannot change in place",),
               destructive=True,
               steps=steps.remove_network(network_id, "front") + steps.create_network(
                   front, tuple(sorted(L.owned_labels(NAME, front, desired.mask).items())))),
        Change("docker", "docker.volume.data", "volume", "data", Action.ADOPT,
               reasons=(ADOPTED,), fold_steps=True,
               steps=_owns(desired, "volume", theirs, FIXED_CREATED)))
    assert part.warnings == (
        "volume data: driver, labels.a differ from the playbook, but replacing a volume "
        "deletes its data; it is adopted as it is (apply --prune-volumes replaces it once "
        "adopted)",)


def test_a_network_made_elsewhere_that_could_not_be_read_back_is_compared_with_defaults():
    desired = playbook({"name": NAME, "networks": {"front": {}}})
    unread = merged(empty(), networks={"front": network_state(NetworkSpec("front"), None)})
    unread = merged(unread, networks={"front": dataclasses.replace(unread.networks["front"],
                                                                   seen=None)})
    plan = diff(desired, unread)
    assert not plan.has_changes
    assert plan.warnings[0].startswith("network front was made elsewhere and matches")


def test_only_the_named_objects_are_adopted():
    desired = playbook({"name": NAME, "networks": {"front": {}, "back": {}}})
    made = merged(empty(), networks={n: network_state(NetworkSpec(n), None)
                                     for n in ("front", "back")})
    plan = diff(desired, made, PlanOptions(adopt=frozenset({"docker.network.back"})))
    assert [(c.address, c.action) for c in plan.changes] == [("docker.network.back",
                                                              Action.ADOPT)]
    assert [w.split(":")[0] for w in plan.warnings] == [
        "network front was made elsewhere and matches the playbook"]


def test_a_container_made_elsewhere_that_is_dead_in_full():
    """No field differs: the reason it is not as the playbook wants is given instead."""
    desired = playbook(WEB)
    actual = _elsewhere(desired, "web")
    actual = dataclasses.replace(actual, foreign={"web": dataclasses.replace(
        actual.foreign["web"], status="dead")})
    with pytest.raises(PlanError, match="made elsewhere") as caught:
        diff(desired, actual)
    assert str(caught.value) == (
        "the plan cannot be made:\n  - container web already exists, made elsewhere, and "
        "differs from the playbook (the container is dead); dfwctl "
        "never changes what it does not own: `dfwctl adopt PLAYBOOK docker.container.web` (or "
        "apply --adopt) puts it under the playbook's ownership and makes it match, or remove "
        "it, or rename one of them")


def test_a_container_name_another_playbook_owns_in_full():
    desired = playbook(WEB)
    actual = dataclasses.replace(_elsewhere(desired, "web"), claimed={"web": "other"})
    with pytest.raises(PlanError, match="another playbook") as caught:
        diff(desired, actual, ADOPT_ALL)
    assert str(caught.value) == (
        "the plan cannot be made:\n  - container name 'web' is taken by a container of "
        "playbook other; dfwctl never changes what another playbook owns: rename one of them")


def test_adopting_a_matching_container_in_full():
    desired = playbook(WEB)
    (change,) = _part(desired, _elsewhere(desired, "web")).changes
    assert change == Change("docker", "docker.container.web", "container", "web", Action.ADOPT,
                            reasons=(ADOPTED,), fold_steps=True,
                            steps=_owns(desired, "container", desired.docker.containers["web"],
                                        "f" * 64))


def test_adopting_a_container_under_another_name_in_full():
    desired = playbook(WEB)
    actual = _elsewhere(desired, "web")
    actual = dataclasses.replace(actual, foreign={"web": dataclasses.replace(
        actual.foreign["web"], name="shop-web-1")})
    (change,) = _part(desired, actual).changes
    assert change.reasons == (ADOPTED + " (it is named shop-web-1 now)",)
    assert change.steps[0] == steps.RenameContainer("rename container shop-web-1 to web",
                                                    "f" * 64, "web")
    assert change.fold_steps


def test_adopting_a_stopped_container_starts_it_and_says_both():
    desired = playbook(WEB)
    actual = _elsewhere(desired, "web")
    actual = dataclasses.replace(actual, foreign={"web": dataclasses.replace(
        actual.foreign["web"], status="exited", exit_code=0)})
    (change,) = _part(desired, actual).changes
    assert change.action is Action.UPDATE
    assert change.reasons == (ADOPTED, "the container is exited (stopped outside dfwctl)")
    assert change.diffs == (FieldDiff("state", "exited", "running"),)


def test_an_adoption_record_holds_secrets_masked():
    desired = playbook({"name": NAME, "containers": {"web": {
        "image": "nginx:1.27", "env": {"TOKEN": "s3cret"}}}}, secrets=["s3cret"])
    (change,) = _part(desired, _elsewhere(desired, "web")).changes
    assert "s3cret" not in change.steps[0].record
    assert json.loads(change.steps[0].record)["env"]["TOKEN"] == desired.mask("s3cret")


def test_a_container_made_elsewhere_that_ran_once_as_the_playbook_says_matches():
    once = {"name": NAME, "containers": {"job": {"image": "busybox:1.36", "state": "exited"}}}
    desired = playbook(once)
    actual = _elsewhere(desired, "job", state="running")  # read back: the engine's own state
    actual = dataclasses.replace(actual, foreign={"job": dataclasses.replace(
        actual.foreign["job"], status="exited", exit_code=0)})
    plan = diff(desired, actual)
    assert not plan.has_changes
    assert plan.warnings[0].startswith("container job was made elsewhere and matches")


def test_a_volume_made_elsewhere_that_could_not_be_read_back_is_adopted_by_its_name():
    desired = playbook({"name": NAME, "volumes": {"data": {"driver": "nfs"}}})
    unread = merged(empty(), volumes={"data": dataclasses.replace(
        volume_state(VolumeSpec("data"), None), seen=None)})
    (change,) = _part(desired, unread).changes
    assert change == Change("docker", "docker.volume.data", "volume", "data", Action.ADOPT,
                            reasons=(ADOPTED,), fold_steps=True,
                            steps=_owns(desired, "volume", VolumeSpec("data"), FIXED_CREATED))
