"""Compose secrets imported as the playbook's file secrets: definitions from a file (relative
to the playbook) or a variable, grants in the short and the long syntax, and a warning at the
file, line and key for each part that has no playbook equivalent."""
from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from ruamel.yaml.scalarint import OctalInt

from dfwctl.compose.importer import import_compose
from dfwctl.compose.origins import ComposeError
from dfwctl.compose.read import ReadOptions, read_project
from dfwctl.compose.translate import translate
from dfwctl.load import load
from dfwctl.pipeline import load_playbook


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def imported(folder: Path, out_dir: Path, environ=None):
    project = read_project(ReadOptions(files=(folder / "compose.yaml",), project_name="p",
                                       environ=environ or {}, cwd=folder))
    tree, _ = translate(project, out_dir)
    shown = [str(w).replace(str(folder) + "/", "") for w in project.origins.warnings]
    return tree, shown


def test_definitions_and_grants_become_the_playbooks(tmp_path):
    project = tmp_path / "project"
    write(project, "secrets/db.txt", "pw\n")
    write(project, "compose.yaml", """\
        services:
          app:
            image: busybox
            secrets:
              - db
              - source: db
                target: /etc/app/db.txt
              - source: token
                target: token.txt
                uid: "1000"
                gid: "1001"
                mode: 0440
        secrets:
          db:
            file: ./secrets/db.txt
          token:
            environment: API_TOKEN
        """)
    out = tmp_path / "playbooks"
    out.mkdir()
    tree, warnings = imported(project, out)
    assert warnings == []
    assert tree["secrets"] == {"db": {"file": "../project/secrets/db.txt"},
                               "token": {"environment": "API_TOKEN"}}
    assert tree["containers"]["p-app"]["secrets"] == [
        "db", {"source": "db", "target": "/etc/app/db.txt"},
        {"source": "token", "target": "token.txt", "uid": "1000", "gid": "1001", "mode": 0o440}]
    assert list(tree) == ["version", "name", "secrets", "networks", "containers"]


def test_the_written_playbook_validates_and_says_where_a_file_moved(tmp_path, monkeypatch):
    project = tmp_path / "project"
    write(project, "db.txt", "pw\n")
    write(project, "compose.yaml", """\
        services:
          app:
            image: busybox
            secrets: [db, {source: token, mode: "0400"}]
        secrets:
          db: {file: ./db.txt}
          token: {environment: API_TOKEN}
        """)
    out = tmp_path / "playbooks"
    out.mkdir()
    result = import_compose(ReadOptions(files=(project / "compose.yaml",), project_name="p",
                                        cwd=project), out)
    assert "    file: ../project/db.txt  # compose: ./db.txt\n" in result.text
    assert "\nsecrets:\n  db:\n" in result.text
    (out / "p.yml").write_text(result.text, encoding="utf-8")
    written = load(out / "p.yml").data
    assert written["containers"]["p-app"]["secrets"][1] == {"source": "token", "mode": 0o400}
    monkeypatch.setenv("API_TOKEN", "value")
    loaded = load_playbook(out / "p.yml", selected=("*",))
    assert sorted(loaded.desired.docker.secrets) == ["db", "token"]


@pytest.mark.parametrize("written, mode", [("0440", 0o440), ('"0440"', 0o440),
                                           ("0o440", 0o440), ("288", 0o440), ("440", 0o450)])
def test_a_mode_is_read_as_compose_reads_it(tmp_path, written, mode):
    """440 is decimal (0o670) to compose too; write bits are dropped, with a warning."""
    write(tmp_path, "compose.yaml", f"""\
        services:
          app:
            image: busybox
            secrets: [{{source: token, mode: {written}}}]
        secrets:
          token: {{environment: API_TOKEN}}
        """)
    tree, warnings = imported(tmp_path, tmp_path)
    grant = tree["containers"]["p-app"]["secrets"][0]
    assert grant["mode"] == mode and isinstance(grant["mode"], OctalInt)
    assert warnings == ([] if mode == 0o440 else [
        "compose.yaml:4:31: warning: services.app.secrets[0].mode: mode 0670 has write bits, "
        "and the playbook's secrets are read-only: written as 0450"])


def test_what_the_playbook_cannot_express_is_a_warning_at_its_key(tmp_path):
    write(tmp_path, "db.txt", "pw\n")
    write(tmp_path, "compose.yaml", """\
        services:
          app:
            image: busybox
            secrets:
              - source: db
                uid: "1000"
                mode: 0400
              - vault
              - source: db
                target: ../..
              - source: token
                uid: www-data
              - _hidden
        secrets:
          db:
            file: ./db.txt
            name: project-db
            labels: {team: a}
          vault:
            external: true
          token:
            environment: TOKEN
            template_driver: golang
          _hidden:
            environment: HIDDEN
        """)
    tree, warnings = imported(tmp_path, tmp_path)
    assert tree["secrets"] == {"db": {"file": "./db.txt"}, "token": {"environment": "TOKEN"}}
    assert tree["containers"]["p-app"]["secrets"] == ["db", "token"]
    assert warnings == [
        "compose.yaml:6:9: warning: services.app.secrets[0].uid: uid is left out: docker "
        "compose bind-mounts a secret from a file and ignores its uid, gid and mode (written "
        "in the playbook, uid makes dfwctl copy the file into the container instead)",
        "compose.yaml:7:9: warning: services.app.secrets[0].mode: mode is left out: docker "
        "compose bind-mounts a secret from a file and ignores its uid, gid and mode (written "
        "in the playbook, mode makes dfwctl copy the file into the container instead)",
        "compose.yaml:8:9: warning: services.app.secrets[1]: secret 'vault' is left out (it "
        "is external): so is this grant",
        "compose.yaml:10:9: warning: services.app.secrets[2].target: target '../..' is the "
        "folder /, not a file (docker compose up fails on it): the grant of db is left out",
        "compose.yaml:12:9: warning: services.app.secrets[3].uid: uid 'www-data' is not a "
        "numeric user id: write the number, like \"1000\" (names are not looked up in the "
        "image): left out",
        "compose.yaml:13:9: warning: services.app.secrets[4]: secret '_hidden' is left out "
        "(its name is not one the playbook takes): so is this grant",
        "compose.yaml:17:5: warning: secrets.db.name: name has no playbook equivalent (it is "
        "for secrets of a swarm; without one, docker compose does not use it): left out",
        "compose.yaml:18:5: warning: secrets.db.labels: labels has no playbook equivalent (it "
        "is for secrets of a swarm; without one, docker compose does not use it): left out",
        "compose.yaml:20:5: warning: secrets.vault.external: external secrets are made in a "
        "swarm (docker compose up refuses them without one): left out, with its grants; give "
        "it a file or an environment variable",
        "compose.yaml:23:5: warning: secrets.token.template_driver: template_driver has no "
        "playbook equivalent (it is for secrets of a swarm; without one, docker compose does "
        "not use it): left out",
        "compose.yaml:24:3: warning: secrets._hidden: secret name '_hidden' has no playbook "
        "equivalent (letters, digits, '_', '.' and '-', starting with a letter or digit): left "
        "out, with its grants",
    ]


def test_a_target_that_climbs_out_of_run_secrets_is_written_where_it_lands(tmp_path):
    write(tmp_path, "compose.yaml", """\
        services:
          app:
            image: busybox
            secrets: [{source: token, target: ../token}]
        secrets:
          token: {environment: TOKEN}
        """)
    result = import_compose(ReadOptions(files=(tmp_path / "compose.yaml",), project_name="p",
                                        cwd=tmp_path), tmp_path)
    assert "target: /run/token  # compose: ../token\n" in result.text
    assert result.warnings == ()


def test_a_grant_of_an_undefined_secret_is_an_error_at_it(tmp_path):
    write(tmp_path, "compose.yaml", """\
        services:
          app:
            image: busybox
            secrets: [token, dbpass]
        secrets:
          token: {environment: TOKEN}
        """)
    with pytest.raises(ComposeError, match=r"compose.yaml:4:22: services.app.secrets\[1\]: "
                                           r"service refers to undefined secret 'dbpass'"):
        imported(tmp_path, tmp_path)
