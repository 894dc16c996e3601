"""A container's env_file through the pipeline: files relative to the playbook, a later file
winning, `env` over them all, variables substituted, secret files never shown, a change to a
file's content planned as a diff of the env field, and validate's refusals at the entry that
names the file."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from dfwctl import planjson
from dfwctl.errors import PlaybookError
from dfwctl.pipeline import load_playbook
from dfwctl.plan import Action
from dfwctl.providers.docker import record
from dfwctl.report import render_plan
from tests.builders import converged, diff, empty

HEAD = "version: 1\nname: envs\n"


def write(folder: Path, containers: str, **files: str) -> Path:
    """The playbook, and files named by keyword: base_env is base.env, config__a_env
    config/a.env."""
    for name, text in files.items():
        path = folder / name.replace("__", "/").replace("_env", ".env")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    playbook = folder / "playbook.yml"
    playbook.write_text(HEAD + containers, encoding="utf-8")
    return playbook


def env_of(loaded, name="app"):
    return dict(loaded.desired.docker.containers[name].env)


APP = "containers:\n  app:\n    image: busybox\n"


def test_files_are_read_relative_to_the_playbook_later_wins_env_wins(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path.parent)  # not the playbook's folder
    path = write(tmp_path, APP + "    env_file: [config/base.env, local.env]\n"
                                 "    env: {C: from-env}\n",
                 config__base_env="A=base\nB=base\nC=base\n", local_env="B=local\nC=local\n")
    assert env_of(load_playbook(path, environ={})) == {"A": "base", "B": "local", "C": "from-env"}


def test_one_path_or_the_long_form(tmp_path):
    path = write(tmp_path, APP + "    env_file: app.env\n", app_env="A=1\n")
    assert env_of(load_playbook(path, environ={})) == {"A": "1"}
    path = write(tmp_path, APP + "    env_file:\n      - {path: app.env, required: true}\n"
                                 "      - {path: missing.env, required: false}\n")
    assert env_of(load_playbook(path, environ={})) == {"A": "1"}


def test_values_substitute_earlier_variables_then_the_environment(tmp_path):
    (tmp_path / ".env").write_text("FROM_DOTENV=dot\n", encoding="utf-8")
    path = write(tmp_path, APP + "    env_file: [first.env, second.env]\n",
                 first_env="HOST=db\nURL=pg://$HOST:${PORT:-5432}/${FROM_DOTENV}\n",
                 second_env="FULL=\"$URL?user=${USER}\"\nRAW='$HOST'\nUSER\nNOT_SET_ANYWHERE\n")
    env = env_of(load_playbook(path, environ={"USER": "me"}))
    assert env == {"HOST": "db", "URL": "pg://db:5432/dot", "FULL": "pg://db:5432/dot?user=me",
                   "RAW": "$HOST", "USER": "me"}


def _plan_text_and_json(loaded, actual=None):
    plan = diff(loaded.desired, actual if actual is not None else converged(loaded.desired))
    return plan, render_plan(plan) + planjson.dumps(plan)


def test_values_of_a_secret_file_are_never_shown(tmp_path):
    path = write(tmp_path, APP + "    env_file:\n      - plain.env\n"
                                 "      - {path: secret.env, secret: true}\n",
                 plain_env="MODE=dev\n", secret_env="TOKEN=tok-4f9a1c\nURL=https://u:tok-4f9a1c@x\n")
    loaded = load_playbook(path, environ={})
    assert env_of(loaded)["TOKEN"] == "tok-4f9a1c"
    # created: every value in the plan; a secret one hashed in text, JSON and the label
    plan, shown = _plan_text_and_json(loaded, empty())
    assert "dev" in shown and "tok-4f9a1c" not in shown
    assert "env.TOKEN = (sensitive value)" in render_plan(plan)
    label = record.dumps(record.to_record(loaded.desired.docker.containers["app"],
                                          loaded.desired.mask))
    assert "tok-4f9a1c" not in label and "MODE" in label
    # changed: the diff still names the field, without either value
    (tmp_path / "secret.env").write_text("TOKEN=tok-77e2b0\nURL=https://u:tok-4f9a1c@x\n",
                                         encoding="utf-8")
    plan, shown = _plan_text_and_json(load_playbook(path, environ={}), converged(loaded.desired))
    (change,) = plan.changes
    assert [d.name for d in change.diffs] == ["env.TOKEN"]
    assert "tok-77e2b0" not in shown and "tok-4f9a1c" not in shown


def test_a_secret_variable_used_only_in_an_env_file_is_hidden_and_counts_as_used(tmp_path):
    path = write(tmp_path, "secrets: [DB_PASSWORD]\n" + APP + "    env_file: db.env\n",
                 db_env="DATABASE_URL=postgres://app:${DB_PASSWORD}@db/app\n")
    loaded = load_playbook(path, environ={"DB_PASSWORD": "pw-31d8e0"})
    assert loaded.warnings == ()
    plan, shown = _plan_text_and_json(loaded, empty())
    assert "DATABASE_URL" in shown and "pw-31d8e0" not in shown


def test_a_changed_file_is_a_diff_of_the_env_field(tmp_path):
    path = write(tmp_path, APP + "    env_file: app.env\n", app_env="A=1\nB=2\n")
    before = load_playbook(path, environ={})
    (tmp_path / "app.env").write_text("A=1\nB=3\nC=4\n", encoding="utf-8")
    after = load_playbook(path, environ={})
    (change,) = diff(after.desired, converged(before.desired)).changes
    assert change.action is Action.REPLACE
    assert {(d.name, d.before, d.after) for d in change.diffs} == {
        ("env.B", "2", "3"), ("env.C", None, "4")}
    assert not diff(after.desired, converged(after.desired)).has_changes


def test_moving_a_value_between_env_and_a_file_plans_nothing(tmp_path):
    path = write(tmp_path, APP + "    env: {A: '1'}\n")
    before = load_playbook(path, environ={})
    path = write(tmp_path, APP + "    env_file: app.env\n", app_env="A=1\n")
    assert not diff(load_playbook(path, environ={}).desired, converged(before.desired)).has_changes


def messages(path: Path, environ=None):
    with pytest.raises(PlaybookError, match="env file") as caught:
        load_playbook(path, environ=environ or {})
    return [str(d) for d in caught.value.diagnostics if d.is_error]


def test_a_missing_file_is_refused_at_the_entry_naming_it(tmp_path):
    path = write(tmp_path, APP + "    env_file:\n      - ok.env\n      - gone.env\n"
                                 "      - {path: also-gone.env}\n"
                                 "  db:\n    image: busybox\n    env_file: nothere.env\n",
                 ok_env="A=1\n")
    assert messages(path) == [
        f"{path}:8:9: containers.app.env_file[1]: env file gone.env is not there "
        f"({tmp_path / 'gone.env'}): write its path relative to the playbook's folder, or add "
        "required: false to go on without it",
        f"{path}:9:16: containers.app.env_file[2].path: env file also-gone.env is not "
        f"there ({tmp_path / 'also-gone.env'}): write its path relative to the playbook's "
        "folder, or add required: false to go on without it",
        f"{path}:12:15: containers.db.env_file: env file nothere.env is not there "
        f"({tmp_path / 'nothere.env'}): write its path relative to the playbook's folder, or "
        "add required: false to go on without it",
    ]


def test_paths_too_long_for_the_file_system_are_refused_at_their_entries(tmp_path):
    """A name longer than the file system allows (ENAMETOOLONG) is a missing file, not an
    internal error: for an env file, a build context, a Dockerfile and a seccomp profile."""
    long = "x" * 300
    path = write(tmp_path, APP + f"    env_file: [{long}.env, {{path: {long}2.env, "
                                 "required: false}]\n"
                                 f"    security_opt: ['seccomp={long}.json']\n"
                                 f"  built:\n    build: ./{long}\n"
                                 f"  other:\n    build: {{context: ., dockerfile: {long}}}\n")
    found = messages(path)
    assert [line.split(": ", 2)[1] for line in found] == [
        "containers.app.env_file[0]", "containers.app.security_opt[0]",
        "containers.built.build", "containers.other.build.dockerfile"], found
    assert f"env file {long}.env is not there" in found[0]
    assert "is not a file" in found[1] and "is not a folder" in found[2]
    assert "there is no" in found[3]


def test_a_folder_even_if_not_required_is_refused(tmp_path):
    (tmp_path / "conf").mkdir()
    path = write(tmp_path, APP + "    env_file: [{path: conf, required: false}]\n")
    (line,) = messages(path)
    assert "containers.app.env_file[0].path: env file conf is a folder" in line


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0,
                    reason="needs a file its user cannot read (root reads every file)")
def test_an_unreadable_file_is_refused_at_its_entry(tmp_path):
    path = write(tmp_path, APP + "    env_file: locked.env\n", locked_env="A=1\n")
    (tmp_path / "locked.env").chmod(0)
    (line,) = messages(path)
    assert line.endswith("containers.app.env_file: env file locked.env cannot be read: "
                         "Permission denied: check that your account may read it")


@pytest.mark.parametrize("text, message", [
    (b"\xff\xfeA=1\n", "env file bad.env is not UTF-8 text: save it as UTF-8"),
    (b"A=1\nnot a pair\n", "env file bad.env, line 2: expected NAME=VALUE, got 'not a pair'"),
    (b"A=${UNSET}\n", "env file bad.env, line 1: variable ${UNSET} is not set"),
    (b"A=\"open\n", "env file bad.env, line 1: the value of A opens a double quote"),
])
def test_a_file_that_does_not_read_as_an_env_file_is_refused_at_its_entry(tmp_path, text,
                                                                          message):
    (tmp_path / "bad.env").write_bytes(text)
    path = write(tmp_path, APP + "    env_file: bad.env\n")
    (line,) = messages(path)
    assert line.startswith(f"{path}:6:15: containers.app.env_file: " + message), line


def test_short_values_in_a_secret_file_are_a_warning(tmp_path):
    path = write(tmp_path, APP + "    env_file: [{path: s.env, secret: true}]\n",
                 s_env="PORT=80\nTOKEN=long-enough-token\n")
    loaded = load_playbook(path, environ={})
    (warning,) = [str(w) for w in loaded.warnings]
    assert "the short values of PORT will hide much more" in warning
    assert json.dumps(env_of(loaded))  # still loads: a warning only
