"""Secrets handed to containers as files, in the Docker part of a plan: how each one reaches
its container, the keyed digests records keep, the replace a changed value plans (for exactly
the containers granted it), the key the engine keeps, and a value that never shows."""
from __future__ import annotations

import dataclasses
import io
import json
import tarfile

import pytest

from dfwctl import planjson
from dfwctl.combine import combine
from dfwctl.desired import build
from dfwctl.errors import PlanError
from dfwctl.plan import Action, Change, PlanOptions
from dfwctl.providers.docker import diff as docker_diff
from dfwctl.providers.docker import labels as L
from dfwctl.providers.docker import steps as S
from dfwctl.providers.docker.create import create_arguments
from dfwctl.providers.docker.model import VolumeSpec
from dfwctl.providers.docker.perform import DockerPerformer
from dfwctl.providers.docker.secrets import BIND, COPY, KEY_LABEL, archive, key_volume
from dfwctl.report import render_plan
from dfwctl.values.secrets import SecretsKey
from tests.builders import KEY, NEW_KEY, converged, diff, empty, merged, volume_state, without
from tests.unit.docker.fakeapi import FakeAPI, FakeEngine

NAME = "vault-dev"
PASSWORD = "correct-horse-battery-staple"
TOKEN = "tok-3141592653"


def world(folder, password=PASSWORD, token=TOKEN, **containers):
    """A playbook with a database password in a file beside it and an API token from a
    variable; `db` gets the password, `app` both (the token owned by uid 1000, mode 0400),
    `web` none; keyword arguments replace containers."""
    (folder / "db").mkdir(exist_ok=True)
    (folder / "db" / "password.txt").write_text(password + "\n", encoding="utf-8")
    found = {
        "db": {"image": "busybox:latest", "env": {"POSTGRES_PASSWORD_FILE":
                                                "/run/secrets/db-password"},
               "secrets": ["db-password"]},
        "app": {"image": "busybox:latest", "secrets": [
            "db-password", {"source": "api-token", "target": "token", "uid": "1000",
                            "mode": 0o400}]},
        "web": {"image": "busybox:latest"},
    }
    found.update(containers)
    data = {"version": 1, "name": NAME,
            "secrets": {"db-password": {"file": "./db/password.txt"},
                        "api-token": {"environment": "API_TOKEN"}},
            "containers": {k: v for k, v in found.items() if v is not None}}
    return build(data, folder, variables={"API_TOKEN": token})


def created(plan, name):
    (step,) = [s for s in plan.find(f"docker.container.{name}").steps
               if isinstance(s, S.CreateContainer)]
    return step


def shown(plan, tmp_path):
    """Every text a plan becomes: its repr, text, JSON, saved file, and step labels."""
    saved = tmp_path / "saved.json"
    planjson.save(plan, saved, tmp_path / "playbook.yml", {})
    labels = [json.dumps(dict(s.labels)) for c in plan.changes for s in c.steps
              if hasattr(s, "labels")]
    return [repr(plan), render_plan(plan), planjson.dumps(plan), saved.read_text()] + labels


def test_a_new_container_gets_its_secrets_and_nothing_shows_them(tmp_path):
    desired = world(tmp_path)
    plan = diff(desired, empty())
    text = render_plan(plan)
    assert '+ secrets./run/secrets/db-password = "db-password from file ' \
        f'{tmp_path}/db/password.txt"' in text
    assert '+ secrets./run/secrets/token = "api-token from variable API_TOKEN, uid 1000, ' \
        'mode 0400"' in text
    assert "+ secret.db-password = (sensitive value)" in text
    assert "+ secret.api-token = (sensitive value)" in text
    for output in shown(plan, tmp_path):
        assert PASSWORD not in output and TOKEN not in output


def test_a_file_without_owner_or_mode_is_bind_mounted_the_others_copied_in(tmp_path):
    plan = diff(world(tmp_path), empty())
    files = {f.target: f for f in created(plan, "app").secrets}
    password, token = files["/run/secrets/db-password"], files["/run/secrets/token"]
    assert (password.how, password.source) == (BIND, f"{tmp_path}/db/password.txt")
    assert (token.how, token.value.data, token.uid, token.gid, token.mode) == \
        (COPY, TOKEN.encode(), 1000, 0, 0o400)
    temp = created(plan, "app").name
    assert temp.startswith("app-dfwctl-")
    assert created(plan, "app").text == \
        f"create container app as {temp}, with 1 secret file copied in"
    assert created(plan, "db").text == "create container db"  # nothing to copy: its own name
    assert [f.how for f in created(plan, "db").secrets] == [BIND]


def test_an_engine_on_another_computer_gets_every_secret_copied_in(tmp_path):
    plan = diff(world(tmp_path), empty(), local_engine=False)
    (password,) = created(plan, "db").secrets
    assert (password.how, password.value.data, password.mode) == \
        (COPY, (PASSWORD + "\n").encode(), 0o444)


def test_the_key_is_made_first_when_the_engine_keeps_none(tmp_path):
    plan = diff(world(tmp_path), empty())
    key = plan.find(f"docker.volume.{key_volume(NAME)}")
    assert key.action is Action.CREATE
    (step,) = key.steps
    assert dict(step.labels)[KEY_LABEL] == NEW_KEY.label()
    assert dict(step.labels)[L.OWNER] == NAME
    for name in ("db", "app"):
        assert key.address in plan.find(f"docker.container.{name}").depends_on
    assert key.address not in plan.find("docker.container.web").depends_on
    spec = created(plan, "db").spec
    assert dict(spec.secret_digests)["db-password"].split(":")[2] == NEW_KEY.id


def test_records_keep_keyed_digests_only(tmp_path):
    plan = diff(world(tmp_path), empty())
    record = json.loads(dict(created(plan, "app").labels)[L.SPEC])
    digests = record["secret_digests"]
    assert set(digests) == {"db-password", "api-token"}
    assert all(d.startswith(f"sensitive:hmac-sha256:{NEW_KEY.id}:") for d in digests.values())
    assert PASSWORD not in json.dumps(record) and TOKEN not in json.dumps(record)


def test_a_converged_playbook_with_secrets_has_no_changes(tmp_path):
    desired = world(tmp_path)
    plan = diff(desired, converged(desired))
    assert not plan.has_changes and plan.orphans == ()


def test_a_changed_file_replaces_exactly_the_containers_granted_it(tmp_path):
    actual = converged(world(tmp_path))
    plan = diff(world(tmp_path, password="another-password"), actual)
    assert sorted(c.address for c in plan.changes) == ["docker.container.app",
                                                       "docker.container.db"]
    for name in ("db", "app"):
        change = plan.find(f"docker.container.{name}")
        assert change.action is Action.REPLACE
        assert change.reasons == ("secret db-password changed",)
        assert [(d.name, d.forces_replacement) for d in change.diffs] == \
            [("secret.db-password", True)]
    assert "~ secret.db-password = (sensitive value) -> (sensitive value)" in render_plan(plan)
    for output in shown(plan, tmp_path):
        assert "another-password" not in output and PASSWORD not in output


def test_a_changed_variable_replaces_only_the_container_granted_it(tmp_path):
    plan = diff(world(tmp_path, token="tok-new"), converged(world(tmp_path)))
    change = plan.find("docker.container.app")
    assert [c.address for c in plan.changes] == ["docker.container.app"]
    assert change.reasons == ("secret api-token changed",)


def test_a_changed_owner_or_mode_replaces_the_container(tmp_path):
    before = world(tmp_path)
    after = world(tmp_path, app={"image": "busybox:latest", "secrets": [
        "db-password", {"source": "api-token", "target": "token", "uid": "1000",
                        "mode": "0440"}]})
    change = diff(after, converged(before)).find("docker.container.app")
    assert change.action is Action.REPLACE
    assert [d.name for d in change.diffs] == ["secrets./run/secrets/token"]
    assert change.reasons == ("secrets changed (forces replacement)",)


def test_a_secret_granted_anew_or_taken_away_replaces_the_container(tmp_path):
    before = world(tmp_path)
    after = world(tmp_path, web={"image": "busybox:latest", "secrets": ["api-token"]},
                  db={"image": "busybox:latest", "env": {"POSTGRES_PASSWORD_FILE":
                                                      "/run/secrets/db-password"}})
    plan = diff(after, converged(before))
    web, db = plan.find("docker.container.web"), plan.find("docker.container.db")
    assert {d.name for d in web.diffs} == {"secrets./run/secrets/api-token", "secret.api-token"}
    assert {d.name for d in db.diffs} == {"secrets./run/secrets/db-password",
                                          "secret.db-password"}
    assert web.action is db.action is Action.REPLACE


def test_records_made_with_a_key_that_is_gone_are_given_their_secrets_again(tmp_path):
    desired = world(tmp_path)
    actual = without(dataclasses.replace(converged(desired), secrets_key=None),
                     volumes=[key_volume(NAME)])
    plan = diff(desired, actual)
    assert plan.find(f"docker.volume.{key_volume(NAME)}").action is Action.CREATE
    db = plan.find("docker.container.db")
    assert db.action is Action.REPLACE
    assert db.reasons == ("secret db-password was recorded with a key the engine no longer "
                          "keeps, so whether it changed cannot be told: it is given again",)
    assert plan.find("docker.container.web") is None


def test_a_key_volume_with_an_unreadable_key_is_made_again(tmp_path):
    desired = world(tmp_path)
    actual = dataclasses.replace(converged(desired), secrets_key=None)
    change = diff(desired, actual).find(f"docker.volume.{key_volume(NAME)}")
    assert change.action is Action.REPLACE
    assert [type(s).__name__ for s in change.steps] == ["RemoveVolume", "CreateVolume"]


def test_a_key_volume_made_by_someone_else_is_a_plan_error(tmp_path):
    desired = world(tmp_path)
    actual = merged(empty(), volumes={key_volume(NAME): volume_state(
        VolumeSpec(key_volume(NAME)), None, owner="other")})
    with pytest.raises(PlanError, match=f"volume {key_volume(NAME)}, where dfwctl keeps the "
                       "key of the playbook's secrets, already exists and belongs to "
                       "playbook other"):
        diff(desired, actual)


def test_the_key_volume_goes_with_the_last_secret_and_with_destroy(tmp_path):
    before = world(tmp_path)
    after = world(tmp_path, db=None, app=None)
    listed = diff(after, converged(before))
    assert f"docker.volume.{key_volume(NAME)}" in listed.orphans
    pruned = diff(after, converged(before), PlanOptions(prune=True))
    key = pruned.find(f"docker.volume.{key_volume(NAME)}")
    assert key.action is Action.DELETE
    assert set(key.depends_on) == {"docker.container.app", "docker.container.db"}
    destroyed = diff(before, converged(before), PlanOptions(destroy=True))
    assert destroyed.find(f"docker.volume.{key_volume(NAME)}").action is Action.DELETE


def test_secrets_on_a_windows_engine_are_a_plan_error(tmp_path):
    actual = dataclasses.replace(empty(), engine=dataclasses.replace(empty().engine,
                                                                     os_type="windows"))
    with pytest.raises(PlanError, match="container app: secrets as files are for Linux"):
        diff(world(tmp_path), actual)


def test_a_saved_plan_goes_stale_when_a_value_changes(tmp_path):
    desired = world(tmp_path)
    actual = converged(desired)
    same = diff(world(tmp_path), actual).desired_digest
    assert diff(desired, actual).desired_digest == same
    assert diff(world(tmp_path, password="changed"), actual).desired_digest != same
    assert diff(world(tmp_path, token="changed"), actual).desired_digest != same
    # with a key made by the plan (every container is made again, with the values as they
    # are then) the digest does not depend on the key, which changes each time
    fresh = empty()
    first = combine(desired, [docker_diff.diff(desired, fresh, new_key=SecretsKey.generate)])
    again = combine(desired, [docker_diff.diff(desired, fresh, new_key=SecretsKey.generate)])
    assert first.desired_digest == again.desired_digest


def test_the_archive_holds_each_copied_file_with_its_owner_and_mode(tmp_path):
    plan = diff(world(tmp_path), empty(), local_engine=False)
    data = archive(created(plan, "app").secrets)
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        members = {m.name: m for m in tar.getmembers()}
        assert set(members) == {"run/secrets/db-password", "run/secrets/token"}
        token = members["run/secrets/token"]
        assert (token.uid, token.gid, token.mode, token.isfile()) == (1000, 0, 0o400, True)
        assert tar.extractfile(token).read() == TOKEN.encode()
        assert members["run/secrets/db-password"].mode == 0o444


def test_a_bind_mounted_secret_is_a_read_only_mount_where_the_engine_finds_it(tmp_path):
    plan = diff(world(tmp_path), empty())
    step = created(plan, "db")
    api = FakeAPI()
    args = create_arguments(api, step.spec, "db", {}, lambda path: "/guest" + path,
                            step.secrets)
    (mount,) = args["host_config"]["Mounts"]
    assert mount == {"Target": "/run/secrets/db-password",
                     "Source": f"/guest{tmp_path}/db/password.txt", "Type": "bind",
                     "ReadOnly": True}
    assert PASSWORD not in json.dumps(args)


def test_secrets_are_given_with_the_container_and_never_in_its_config(tmp_path):
    plan = diff(world(tmp_path), empty())
    api = FakeAPI()
    performer = DockerPerformer(FakeEngine(api))
    for step in plan.find("docker.container.app").steps:
        performer.run(step, lambda line: None)
    inspected = api.inspect_container("app")
    assert PASSWORD not in json.dumps(inspected) and TOKEN not in json.dumps(inspected)
    ((path, data),) = api.archives[inspected["Id"]]
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        assert path == "/" and tar.getnames() == ["run/secrets/token"]


def test_the_key_is_reused_when_the_engine_keeps_one(tmp_path):
    desired = world(tmp_path)
    actual = converged(desired)
    plan = diff(world(tmp_path, password="x"), actual)
    assert plan.find(f"docker.volume.{key_volume(NAME)}") is None
    digest = dict(created(plan, "db").spec.secret_digests)["db-password"]
    assert digest.split(":")[2] == KEY.id


def test_a_new_container_takes_its_name_only_once_its_secrets_are_in(tmp_path):
    plan = diff(world(tmp_path), empty())
    steps = plan.find("docker.container.app").steps
    temp = created(plan, "app").name
    assert [type(s).__name__ for s in steps[:2]] == ["CreateContainer", "RenameContainer"]
    assert (steps[1].container, steps[1].to) == (temp, "app")
    # an apply stopped between the two leaves a leftover: the next plan removes it and makes
    # the container again (under another temporary name)
    api = FakeAPI()
    DockerPerformer(FakeEngine(api)).run(steps[0], lambda line: None)
    raw = api.containers(all=True, filters={"label": f"{L.OWNER}={NAME}"})
    assert [(c["Names"][0], c["Labels"][L.REPLACING]) for c in raw] == [(f"/{temp}", "app")]
    from dfwctl.providers.docker.gather import gather

    actual = gather(FakeEngine(api), world(tmp_path))
    assert [c.name for c in actual.leftovers] == [temp]
    again = diff(world(tmp_path), actual)
    assert again.find(f"docker.container.{temp}").action is Action.DELETE
    assert again.find("docker.container.app").action is Action.CREATE
    assert created(again, "app").name not in (temp, "app")


# the key volume's changes in full -------------------------------------------------------
def _part(desired, actual, options=None):
    return docker_diff.diff(desired, actual, options, True, lambda: NEW_KEY)


def _key_labels(desired):
    spec = VolumeSpec(key_volume(NAME))
    return tuple(sorted(tuple(L.owned_labels(NAME, spec, desired.mask).items())
                        + ((KEY_LABEL, NEW_KEY.label()),)))


def test_the_key_volume_made_in_full(tmp_path):
    desired = world(tmp_path)
    key = f"docker.volume.{key_volume(NAME)}"
    (change,) = [c for c in _part(desired, empty()).changes if c.address == key]
    assert change == Change("docker", key, "volume", key_volume(NAME), Action.CREATE,
                            reasons=("it keeps the key of the digests of secrets that "
                                     "containers record (none on this engine yet)",),
                            steps=S.create_volume(VolumeSpec(key_volume(NAME)),
                                                  _key_labels(desired)), fold_steps=True)


def test_the_key_volume_made_again_in_full(tmp_path):
    desired = world(tmp_path)
    key = f"docker.volume.{key_volume(NAME)}"
    actual = dataclasses.replace(converged(desired), secrets_key=None)
    (change,) = [c for c in _part(desired, actual).changes if c.address == key]
    assert change == Change("docker", key, "volume", key_volume(NAME), Action.REPLACE,
                            reasons=("its label holds no key dfwctl can read",),
                            steps=S.remove_volume(key_volume(NAME)) + S.create_volume(
                                VolumeSpec(key_volume(NAME)), _key_labels(desired)))


@pytest.mark.parametrize("owner, who", [("other", "playbook other"),
                                        (None, "no playbook (made elsewhere)")])
def test_a_key_volume_that_is_not_the_playbooks_in_full(tmp_path, owner, who):
    """Said once, though two containers are granted secrets."""
    actual = merged(empty(), volumes={key_volume(NAME): volume_state(
        VolumeSpec(key_volume(NAME)), None, owner=owner)})
    with pytest.raises(PlanError, match="where dfwctl keeps the key") as caught:
        diff(world(tmp_path), actual)
    assert str(caught.value) == (
        f"the plan cannot be made:\n  - volume {key_volume(NAME)}, where dfwctl keeps the key "
        f"of the playbook's secrets, already exists and belongs to {who}: remove it, or rename "
        "the playbook")


def test_secrets_on_a_windows_engine_in_full(tmp_path):
    actual = dataclasses.replace(empty(), engine=dataclasses.replace(empty().engine,
                                                                     os_type="windows"))
    with pytest.raises(PlanError, match="secrets as files") as caught:
        diff(world(tmp_path, db=None), actual)
    assert str(caught.value) == (
        "the plan cannot be made:\n  - container app: secrets as files are for Linux "
        "containers, and the engine runs Windows containers; remove its secrets")


def test_the_key_volume_pruned_in_full(tmp_path):
    before = world(tmp_path)
    after = world(tmp_path, db=None, app=None)
    key = f"docker.volume.{key_volume(NAME)}"
    (change,) = [c for c in _part(after, converged(before), PlanOptions(prune=True)).changes
                 if c.address == key]
    assert change == Change("docker", key, "volume", key_volume(NAME), Action.DELETE,
                            reasons=("no longer in the playbook; it kept only the key of the "
                                     "digests of secrets",),
                            depends_on=("docker.container.app", "docker.container.db"),
                            steps=S.remove_volume(key_volume(NAME)), fold_steps=True)


def test_the_labels_a_new_container_gets_hold_no_secret(tmp_path):
    desired = world(tmp_path, web={"image": "busybox:latest", "env": {"TOKEN": "${API_TOKEN}"}})
    labels = dict(created(diff(desired, empty()), "web").labels)
    assert TOKEN not in json.dumps(labels)


def test_a_secret_granted_anew_gives_the_secrets_field_as_the_reason(tmp_path):
    before = world(tmp_path)
    after = world(tmp_path, web={"image": "busybox:latest", "secrets": ["api-token"]})
    web = diff(after, converged(before)).find("docker.container.web")
    assert web.reasons == ("secrets changed (forces replacement)",)


def test_a_replacement_gets_its_secret_files(tmp_path):
    before = world(tmp_path)
    after = world(tmp_path, password="another-password")
    step = created(diff(after, converged(before)), "db")
    assert [f.target for f in step.secrets] == ["/run/secrets/db-password"]
