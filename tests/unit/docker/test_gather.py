"""gather(engine, desired) on recorded engine answers, with no engine: each scenario of the
corpus (tests/unit/docker/corpus, recorded from a real engine by corpus/record.py) is replayed
by the fake API client and read into the Actual that diff plans from.

The scenarios share one playbook, `corpus`: network corpus-net, volume corpus-data, a running
container corpus-app and a run-once container corpus-once (`state: exited`).
"""
from __future__ import annotations

import dataclasses
from typing import Any, Tuple

import pytest

from dfwctl.desired import Desired
from dfwctl.errors import PlanError
from dfwctl.plan import Action
from dfwctl.providers.docker import steps as S
from dfwctl.providers.docker.gather import _images, gather
from dfwctl.providers.docker.model import Actual, EngineInfo
from tests.builders import diff, playbook, with_containers
from tests.unit.docker.fakeapi import ENDPOINT, SCENARIOS, Call, FakeAPI, FakeEngine, load

APP, ONCE, NET, DATA = "corpus-app", "corpus-once", "corpus-net", "corpus-data"
TEMP = "corpus-app-dfwctl-abc123"  # the leftover's temporary name (corpus/record.py)
OWNED = {"label": "io.dfwctl.playbook=corpus"}


def desired_of(fake: FakeAPI) -> Desired:
    """The playbook the scenario was recorded with, as dfwctl builds it."""
    return playbook(fake.corpus.playbook)


def read(scenario: str, desired: Desired = None) -> Tuple[FakeAPI, Desired, Actual]:
    fake = FakeAPI(scenario)
    desired = desired or desired_of(fake)
    return fake, desired, gather(FakeEngine(fake), desired)


def recorded(fake: FakeAPI, method: str, ident: str) -> Any:
    """The scenario's recorded inspect document of `ident`."""
    return next(d for d in fake.corpus.answers(method) if d["Id"] == ident)


# The cost of a read ---------------------------------------------------------------------------
@pytest.mark.parametrize("scenario", SCENARIOS)
def test_a_noop_read_is_version_once_then_four_lists(scenario):
    """Connecting reads /version once; then one list each of owned containers, networks,
    volumes and images, whatever the scenario holds."""
    fake, _, _ = read(scenario)
    assert fake.calls == [
        Call("version", (), {"api_version": False}),
        Call("containers", (), {"all": True, "filters": OWNED}),
        Call("networks", (), {}),
        Call("volumes", (), {}),
        Call("images", (), {}),
    ]


def test_engine_info_comes_from_the_version_read():
    _, _, actual = read("converged")
    assert actual.engine == EngineInfo(ENDPOINT, "linux", "1.41", "20.10.24+dfsg1")


def test_a_changed_restart_policy_costs_one_inspect_and_reads_the_live_value():
    """`docker update` leaves the label behind, so a record that differs in an updatable field
    is checked against the live HostConfig: one inspect of that container, no other."""
    fake = FakeAPI("converged")
    base = desired_of(fake)
    app = base.docker.containers[APP]
    desired = with_containers(base, dataclasses.replace(app, restart="always"))
    actual = gather(FakeEngine(fake), desired)
    app_id = fake.container(APP)["Id"]
    assert fake.calls[5:] == [Call("inspect_container", (app_id,), {})]
    live = recorded(fake, "inspect_container", app_id)["HostConfig"]["RestartPolicy"]["Name"]
    assert actual.containers[APP].spec.restart == live == "unless-stopped"


def test_a_container_to_create_costs_one_name_query():
    """A container the engine lacks is looked up by exact name once (is the name taken?)."""
    fake = FakeAPI("converged")
    base = desired_of(fake)
    new = dataclasses.replace(base.docker.containers[APP], name="corpus-new")
    actual = gather(FakeEngine(fake), with_containers(base, new))
    assert fake.calls[5:] == [
        Call("containers", (), {"all": True, "filters": {"name": ["^/corpus\\-new$"]}})]
    assert actual.foreign_containers == ()


def test_a_name_taken_by_someone_else_is_foreign_and_stops_the_plan():
    fake = FakeAPI("converged")
    fake.create_container("busybox:latest", name="corpus-new")  # someone else's, no labels
    base = desired_of(fake)
    new = dataclasses.replace(base.docker.containers[APP], name="corpus-new")
    desired = with_containers(base, new)
    actual = gather(FakeEngine(fake), desired)
    assert actual.foreign_containers == ("corpus-new",)
    assert "corpus-new" not in actual.containers
    with pytest.raises(PlanError, match="container corpus-new already exists, made elsewhere, "
                                        r"and differs from the playbook \(command, "):
        diff(desired, actual)


# Converged ------------------------------------------------------------------------------------
def test_converged_containers_are_rebuilt_from_their_records():
    """Each container's spec, read back from its label, is the playbook's (compared fields)."""
    _, desired, actual = read("converged")
    assert sorted(actual.containers) == [APP, ONCE]
    for name, state in actual.containers.items():
        assert state.spec == desired.docker.containers[name]
        assert state.name == name


def test_converged_states_exit_codes_and_image_ids():
    fake, _, actual = read("converged")
    app, once = actual.containers[APP], actual.containers[ONCE]
    assert (app.status, app.exit_code) == ("running", None)
    assert (once.status, once.exit_code) == ("exited", 0)
    assert app.image_id == fake.image_id("busybox:latest")
    assert once.image_id == fake.image_id("dfwctl-test/busybox:latest")
    assert app.id == fake.container(APP)["Id"]


def test_networks_and_volumes_carry_their_owner_and_record():
    """All networks are read; the playbook's carry its name and spec, the engine's own none."""
    _, desired, actual = read("converged")
    assert sorted(actual.networks) == ["bridge", NET, "host", "none"]
    net = actual.networks[NET]
    assert (net.owner, net.spec) == ("corpus", desired.docker.networks[NET])
    assert [(n.owner, n.spec) for k, n in actual.networks.items() if k != NET] == [(None, None)] * 3
    volume = actual.volumes[DATA]
    assert (volume.owner, volume.spec) == ("corpus", desired.docker.volumes[DATA])


def test_networks_carry_their_subnets_as_the_engine_lists_them():
    """The pools an external network's fixed addresses are checked against (no extra call)."""
    _, _, actual = read("converged")
    assert actual.networks[NET].subnets == ("192.168.96.0/20",)
    assert actual.networks["bridge"].subnets == ("172.17.0.0/16",)
    assert actual.networks["host"].subnets == ()


def test_images_are_indexed_by_every_tag_and_repo_digest():
    fake, desired, actual = read("converged")
    expected = {}
    for image in fake.corpus.first("images"):
        for ref in image["RepoTags"] + image["RepoDigests"]:
            expected[ref] = (image["Id"], tuple(image["RepoDigests"]))
    every = _images(fake.corpus.first("images"))
    assert {r: (s.id, s.repo_digests) for r, s in every.items()} == expected
    assert every["dfwctl-test/busybox:v2"].id != every["busybox:latest"].id
    assert set(actual.images) == set(desired.docker.images)
    assert "dfwctl-test/busybox:v2" not in actual.images
    assert actual.images["busybox:latest"] == every["busybox:latest"]


def test_converged_plans_nothing():
    _, desired, actual = read("converged")
    plan = diff(desired, actual)
    assert plan.changes == ()
    assert plan.orphans == ()


# Drift and leftovers ----------------------------------------------------------------------------
def test_a_container_stopped_by_hand_is_exited_137_and_planned_to_start():
    _, desired, actual = read("stopped")
    assert (actual.containers[APP].status, actual.containers[APP].exit_code) == ("exited", 137)
    (change,) = diff(desired, actual).changes
    assert (change.address, change.action) == ("docker.container.corpus-app", Action.UPDATE)
    assert change.reasons == ("the container is exited (stopped outside dfwctl)",)
    assert [type(s) for s in change.steps] == [S.StartContainer]


def test_the_leftover_of_an_interrupted_replace_is_found_apart_from_the_containers():
    fake, _, actual = read("leftover")
    (leftover,) = actual.leftovers
    assert (leftover.name, leftover.status) == (TEMP, "created")
    assert leftover.id == fake.container(TEMP)["Id"]
    assert dict(leftover.spec.env) == {"TZ": "Asia/Taipei"}  # what the replace was for
    assert sorted(actual.containers) == [APP, ONCE]
    assert actual.containers[APP].id != leftover.id


def test_the_leftover_is_planned_for_deletion_only():
    _, desired, actual = read("leftover")
    (change,) = diff(desired, actual).changes
    assert (change.address, change.action) == (f"docker.container.{TEMP}", Action.DELETE)
    assert change.reasons == ("left over from an interrupted replace",)
    assert [type(s) for s in change.steps] == [S.StopContainer, S.RemoveContainer]


def test_a_replacement_that_took_its_name_is_no_leftover():
    """The replacing label stays on the container after the rename; only a name that differs
    from it marks a leftover."""
    fake = FakeAPI("leftover")
    fake.remove_container(APP, force=True)
    fake.rename(TEMP, APP)
    actual = gather(FakeEngine(fake), desired_of(fake))
    assert actual.leftovers == ()
    assert actual.containers[APP].id == fake.container(APP)["Id"]


def test_a_container_without_its_record_has_no_spec_and_is_replaced():
    _, desired, actual = read("norecord")
    once = actual.containers[ONCE]
    assert once.spec is None
    assert (once.status, once.exit_code) == ("exited", 0)
    assert actual.containers[APP].spec == desired.docker.containers[APP]
    (change,) = diff(desired, actual).changes
    assert (change.address, change.action) == ("docker.container.corpus-once", Action.REPLACE)
    assert change.reasons == ("its recorded spec is missing or unreadable",)


# The fake itself: its reads are the engine's ----------------------------------------------------
@pytest.mark.parametrize("scenario", SCENARIOS)
def test_the_fake_answers_each_recorded_read_as_the_engine_did(scenario):
    """An untouched model answers every recorded call exactly as recorded."""
    corpus = load(scenario)
    fake = FakeAPI(scenario)
    for call in corpus.calls:
        answer = getattr(fake, call["method"])(*call["args"], **call["kwargs"])
        assert answer == call["response"], (call["method"], call["args"])


@pytest.mark.parametrize("index", [0, 1, 2])
def test_the_fake_filters_containers_as_the_engine_did(index):
    """The filters dfwctl sends (name, volume, running only), recorded against the norecord
    state, select the same containers in the same order."""
    call = [c for c in load("responses").calls if c["method"] == "containers"][index]
    answer = FakeAPI("norecord").containers(*call["args"], **call["kwargs"])
    assert [c["Id"] for c in answer] == [c["Id"] for c in call["response"]]


def test_an_unrelated_image_changes_nothing_a_plan_depends_on():
    """A saved plan must not go stale because someone pulled or tagged another image."""
    fake, desired, before = read("converged")
    fake._point("unrelated/tool:1.0", "sha256:" + "e" * 64)
    after = gather(FakeEngine(fake), desired)
    assert "unrelated/tool:1.0" not in after.images
    assert after.fingerprint() == before.fingerprint()
