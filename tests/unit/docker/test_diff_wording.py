"""What the Docker plan says, word for word: the reasons of deletes (adoption records, second
networks of one name, leftovers), warnings and errors, which changes keep their steps folded in
the plan text, and what the labels dfwctl writes on an object hold."""
from __future__ import annotations

import dataclasses

import pytest

from dfwctl.desired import build
from dfwctl.errors import PlanError
from dfwctl.plan import Action, PlanOptions
from dfwctl.providers.docker import diff as docker_diff
from dfwctl.providers.docker import labels as L
from dfwctl.report import render_plan
from tests.builders import (
    KEY,
    NEW_KEY,
    container_state,
    converged,
    diff,
    empty,
    playbook,
    without,
)

NAME = "wording-dev"
TWIN_ID = "0123456789abcdef" * 4  # its 12- and 13-character prefixes differ
WEB = {"image": "nginx:1.27", "networks": ["front"]}


def rendered(plan, address):
    """The lines of the plan text that show one change (up to the next change)."""
    lines = render_plan(plan).splitlines()
    start = next(i for i, line in enumerate(lines) if f"# {address} " in line)
    block = [lines[start]]
    for line in lines[start + 1:]:
        if line.startswith("  # docker.") or not line.startswith("  "):
            break
        block.append(line)
    return block


def assert_folded(plan, address):
    """A change whose steps say nothing its headline does not: the plan text lists none."""
    change = plan.find(address)
    assert change.steps, address
    block = rendered(plan, address)
    assert not any("steps:" in line for line in block), block


def twin(actual, name, owner, attached=()):
    network = dataclasses.replace(actual.networks[name], id=TWIN_ID, owner=owner)
    return network, tuple(attached)


# adoption records ------------------------------------------------------------------------------
def test_destroy_with_prune_volumes_removes_the_adoption_record_in_one_folded_step():
    desired = playbook({"name": NAME})
    actual = dataclasses.replace(empty(), adoption_records=("dfwctl-adopted-wording-1",))
    plan = diff(desired, actual, PlanOptions(destroy=True, prune_volumes=True))
    change = plan.find("docker.volume.dfwctl-adopted-wording-1")
    assert change.action is Action.DELETE
    assert change.reasons == ("the record of what the playbook adopted",)
    assert [s.text for s in change.steps] == ["remove volume dfwctl-adopted-wording-1"]
    assert change.steps[0].name == "dfwctl-adopted-wording-1"
    assert_folded(plan, change.address)


# a second network of one name --------------------------------------------------------------------
def test_a_second_network_the_playbook_owns_is_removed_and_says_which():
    desired = playbook({"name": NAME, "networks": {"front": {}}})
    actual = converged(desired)
    actual = dataclasses.replace(actual, duplicate_networks=(twin(actual, "front", NAME),))
    plan = diff(desired, actual)
    change = plan.find("docker.network.front~0123456789ab")
    assert change.action is Action.DELETE
    assert change.reasons == (
        "a second network named front (id 0123456789ab): two applies created it at once, or "
        "another tool did; it is removed",)
    assert [s.text for s in change.steps] == ["disconnect the containers on network front",
                                              "remove network front"]
    assert all(s.name == "front" for s in change.steps)
    assert_folded(plan, change.address)


def test_a_second_network_made_elsewhere_is_named_by_id_in_the_warning():
    desired = playbook({"name": NAME, "networks": {"front": {}}})
    actual = converged(desired)
    actual = dataclasses.replace(
        actual, duplicate_networks=(twin(actual, "front", "someone-else"),))
    plan = diff(desired, actual)
    assert not plan.has_changes
    assert plan.warnings == (
        "two networks are named front (the second, id 0123456789ab, is not this playbook's): "
        "the engine refuses every container that joins it by name as ambiguous; remove one of "
        "them (docker network rm 0123456789ab)",)


def test_a_second_network_made_elsewhere_does_not_hide_one_the_playbook_owns():
    desired = playbook({"name": NAME, "networks": {"front": {}, "back": {}}})
    actual = converged(desired)
    theirs = twin(actual, "front", "someone-else")
    ours = (dataclasses.replace(actual.networks["back"], id="fedcba9876543210" * 4), ())
    plan = diff(desired, dataclasses.replace(actual, duplicate_networks=(theirs, ours)))
    assert [(c.address, c.action) for c in plan.changes] == [
        ("docker.network.back~fedcba987654", Action.DELETE)]
    assert len(plan.warnings) == 1 and "two networks are named front" in plan.warnings[0]


def test_only_the_containers_on_a_second_network_wait_for_its_removal():
    # a volume that is created shares its name with a container on the second network: it
    # does not wait for the network, nor does any change of another kind
    desired = playbook({"name": NAME, "networks": {"front": {}}, "volumes": {"web": {}},
                        "containers": {"web": {**WEB, "mounts": ["web:/data"]}}})
    actual = without(converged(desired), volumes=["web"])
    actual = dataclasses.replace(
        actual, duplicate_networks=(twin(actual, "front", NAME, attached=("web",)),))
    plan = diff(desired, actual)
    gone = "docker.network.front~0123456789ab"
    assert plan.find("docker.volume.web").action is Action.CREATE
    assert gone not in plan.find("docker.volume.web").depends_on
    assert gone in plan.find("docker.container.web").depends_on


# leftovers ---------------------------------------------------------------------------------------
def test_a_leftover_replacement_is_removed_in_folded_steps():
    desired = playbook({"name": NAME, "networks": {"front": {}}, "containers": {"web": WEB}})
    leftover = dataclasses.replace(
        container_state(desired.docker.containers["web"], desired, status="created"),
        id="f" * 64, name="web-dfwctl-0a1b2c")
    plan = diff(desired, dataclasses.replace(converged(desired), leftovers=(leftover,)))
    assert_folded(plan, "docker.container.web-dfwctl-0a1b2c")


# errors and reasons --------------------------------------------------------------------------------
def test_every_error_of_a_plan_is_one_item_of_a_list():
    desired = playbook({"name": NAME, "networks": {"shared": {"external": True}},
                        "containers": {"web": {"image": "mine:dev", "pull": "never",
                                               "networks": ["shared"]}}})
    with pytest.raises(PlanError, match="the plan cannot be made:") as caught:
        diff(desired, empty())
    lines = str(caught.value).splitlines()
    assert lines[0] == "the plan cannot be made:"
    assert len(lines) == 3 and all(line.startswith("  - ") for line in lines[1:]), lines
    assert {line.split()[1] for line in lines[1:]} == {"image", "network"}


def test_two_fields_that_force_a_replacement_are_named_in_one_reason():
    before = playbook({"name": NAME, "containers": {"web": {"image": "nginx:1.27",
                                                            "command": ["nginx"]}}})
    after = playbook({"name": NAME, "containers": {"web": {"image": "nginx:1.28",
                                                           "command": ["nginx", "-g", "x"]}}})
    change = diff(after, converged(before)).find("docker.container.web")
    assert change.action is Action.REPLACE
    assert change.reasons[0] == "command, image changed (forces replacement)"


def test_a_container_made_elsewhere_lists_every_reason_it_differs():
    # no field differs, but its image moved and its network is replaced: both are said
    desired = playbook({"name": NAME, "networks": {"front": {}}, "containers": {"web": WEB}})
    base = converged(desired)
    state = dataclasses.replace(base.containers["web"], id="f" * 64, image_id="sha256:" + "a" * 64)
    actual = dataclasses.replace(base, containers={}, foreign_containers=("web",),
                                 foreign={"web": state})
    with pytest.raises(PlanError, match="made elsewhere") as caught:
        diff(desired, actual, PlanOptions(replace=("docker.network.front",)))
    assert ("differs from the playbook (image nginx:1.27 now points to "
            in str(caught.value))
    assert "(the container runs sha256:aaaaaaaaaaaa); network front is replaced); dfwctl " \
        "never changes" in str(caught.value)


# secrets -------------------------------------------------------------------------------------------
def test_a_playbook_that_grants_no_secret_has_no_digest_of_secrets():
    desired = playbook({"name": NAME, "secrets": {"token": {"environment": "TOKEN"}},
                        "containers": {"web": {"image": "nginx:1.27"}}},
                       variables={"TOKEN": "t0ken"})
    actual = dataclasses.replace(converged(desired), secrets_key=KEY)
    part = docker_diff.diff(desired, actual, None, True, lambda: NEW_KEY)
    assert part.secrets_digest == ""
    granted = playbook({"name": NAME, "secrets": {"token": {"environment": "TOKEN"}},
                        "containers": {"web": {"image": "nginx:1.27", "secrets": ["token"]}}},
                       variables={"TOKEN": "t0ken"})
    part = docker_diff.diff(granted, dataclasses.replace(converged(granted), secrets_key=KEY),
                            None, True, lambda: NEW_KEY)
    assert len(part.secrets_digest) == 64


def test_the_labels_written_on_a_new_volume_never_hold_its_secret():
    secret = "s3cret-of-the-share"
    desired = playbook({"name": NAME, "volumes": {"share": {"driver": "local", "options": {
        "type": "cifs", "device": "//nas/share", "o": f"username=me,password={secret}"}}}},
        secrets={secret})
    part = docker_diff.diff(desired, empty(), None, True, lambda: NEW_KEY)
    (change,) = part.changes
    (step,) = change.steps
    labels = dict(step.labels)
    assert labels[L.OWNER] == NAME
    assert '"o":"sensitive:sha256:' in labels[L.SPEC]
    assert secret not in labels[L.SPEC]


def test_an_engine_not_said_to_be_remote_is_given_secret_files_as_local_binds(tmp_path):
    # only an engine on another computer needs a file's secret copied in, under a temporary
    # name; one on this computer bind-mounts the file
    (tmp_path / "token.txt").write_text("t0ken\n", encoding="utf-8")
    desired = build({"version": 1, "name": NAME, "secrets": {"token": {"file": "./token.txt"}},
                     "containers": {"web": {"image": "nginx:1.27", "secrets": ["token"]}}},
                    tmp_path)
    actual = dataclasses.replace(empty(), secrets_key=KEY)

    def created(*local):
        part = docker_diff.diff(desired, actual, None, *local, new_key=lambda: NEW_KEY)
        return [s.text for c in part.changes if c.kind == "container" for s in c.steps]

    assert created() == created(True)
    assert created() != created(False)
