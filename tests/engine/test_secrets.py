"""Secrets as files on the real engine: a container reads its secret at /run/secrets/<name>, a
changed value replaces exactly the containers granted it, and the value is nowhere dfwctl
writes or the engine shows."""
from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.engine

FIRST = "db-pa55-first-8c41"
SECOND = "db-pa55-second-27d9"
TOKEN = "api-t0ken-5e02"


def _read(docker_api, container_id: str, path: str) -> str:
    """The file at `path` inside the running container, as it reads it."""
    run = docker_api.exec_create(container_id, ["cat", path])
    out = docker_api.exec_start(run).decode()
    assert docker_api.exec_inspect(run["Id"])["ExitCode"] == 0, out
    return out


def _stat(docker_api, container_id: str, path: str) -> str:
    run = docker_api.exec_create(container_id, ["stat", "-c", "%u %g %a", path])
    return docker_api.exec_start(run).decode().strip()


def _write(project):
    n = project.name
    (project.dir / "db").mkdir(exist_ok=True)
    return project.write(f"""
        secrets:
          db-password:
            file: ./db/password.txt
          api-token:
            environment: API_TOKEN
        containers:
          {n}-db:
            image: busybox:latest
            command: [sleep, '3600']
            env: {{DB_PASSWORD_FILE: /run/secrets/db-password}}
            stop_signal: SIGKILL
            secrets: [db-password]
          {n}-app:
            image: busybox:latest
            command: [sleep, '3600']
            stop_signal: SIGKILL
            secrets:
              - source: db-password
                target: /etc/app/db.txt
                uid: "1000"
                gid: "1000"
                mode: 0o440
              - api-token
          {n}-side:
            image: busybox:latest
            command: [sleep, '3600']
            stop_signal: SIGKILL
        """)


def _inspected(docker_api, project) -> str:
    """`docker inspect` of everything the playbook owns, as text."""
    owned = {"label": f"io.dfwctl.playbook={project.name}"}
    found = [docker_api.inspect_container(c["Id"]) for c in project.containers().values()]
    found += [docker_api.inspect_volume(v["Name"])
              for v in (docker_api.volumes(filters=owned) or {}).get("Volumes") or []]
    return json.dumps(found)


def test_a_container_reads_its_secret_and_a_change_replaces_exactly_its_holders(
        project, docker_api):
    n = project.name
    _write(project)
    password = project.dir / "db" / "password.txt"
    password.write_text(FIRST + "\n", encoding="utf-8")
    env = dict(project.env, API_TOKEN=TOKEN)

    applied = project.run("apply", "-y", project.path, env=env)
    assert applied.code == 0, applied
    before = {name: c["Id"] for name, c in project.containers().items()}
    assert _read(docker_api, before[f"{n}-db"], "/run/secrets/db-password") == FIRST + "\n"
    assert _read(docker_api, before[f"{n}-app"], "/etc/app/db.txt") == FIRST + "\n"
    assert _read(docker_api, before[f"{n}-app"], "/run/secrets/api-token") == TOKEN
    assert _stat(docker_api, before[f"{n}-app"], "/etc/app/db.txt") == "1000 1000 440"
    assert _stat(docker_api, before[f"{n}-app"], "/run/secrets/api-token") == "0 0 444"
    assert project.run("plan", "--detailed-exitcode", project.path, env=env).code == 0

    password.write_text(SECOND + "\n", encoding="utf-8")
    plan = project.run("plan", "--no-color", project.path, env=env)
    assert plan.code == 0, plan
    assert f"docker.container.{n}-db must be replaced" in plan.out, plan.out
    assert f"docker.container.{n}-app must be replaced" in plan.out, plan.out
    assert plan.out.count("because secret db-password changed") == 2, plan.out
    assert f"{n}-side" not in plan.out
    assert "api-token changed" not in plan.out
    assert "Plan: 0 to create, 0 to update, 2 to replace, 0 to destroy." in plan.out

    applied = project.run("apply", "-y", project.path, env=env)
    assert applied.code == 0, applied
    after = {name: c["Id"] for name, c in project.containers().items()}
    assert after[f"{n}-side"] == before[f"{n}-side"]
    assert after[f"{n}-db"] != before[f"{n}-db"]
    assert after[f"{n}-app"] != before[f"{n}-app"]
    assert _read(docker_api, after[f"{n}-app"], "/etc/app/db.txt") == SECOND + "\n"
    assert project.run("plan", "--detailed-exitcode", project.path, env=env).code == 0

    # a changed variable replaces only the container granted it
    env["API_TOKEN"] = TOKEN + "-2"
    plan = project.run("plan", "--no-color", project.path, env=env)
    assert "because secret api-token changed" in plan.out, plan.out
    assert "Plan: 0 to create, 0 to update, 1 to replace, 0 to destroy." in plan.out, plan.out
    assert f"docker.container.{n}-app must be replaced" in plan.out


def test_the_value_is_in_no_plan_saved_plan_log_or_inspect(project, docker_api, tmp_path):
    _write(project)
    password = project.dir / "db" / "password.txt"
    password.write_text(FIRST + "\n", encoding="utf-8")
    env = dict(project.env, API_TOKEN=TOKEN)
    outputs = []
    for args in (("plan", "--no-color"), ("plan", "-o", "json"),
                 ("--log-format", "json", "apply", "-y")):
        result = project.run(*args, project.path, env=env)
        assert result.code == 0, result
        outputs += [result.out, result.err]
    password.write_text(SECOND + "\n", encoding="utf-8")
    saved = tmp_path / "saved.json"
    for args in (("plan", "--no-color", project.path), ("plan", "-o", "json", project.path),
                 ("plan", "--out", saved, project.path),
                 ("--log-format", "json", "--debug", "apply", "-y", saved)):
        result = project.run(*args, env=env)
        assert result.code == 0, result
        outputs += [result.out, result.err]
    assert "secret db-password changed" in outputs[6]  # the plan did see the change
    assert '"event"' in outputs[-1]  # the log was JSON events
    outputs += [saved.read_text(encoding="utf-8"), _inspected(docker_api, project)]
    for value in (FIRST, SECOND, TOKEN):
        for text in outputs:
            assert value not in text
    # the containers do have it, from their files
    app = project.containers()[project.cname("app")]["Id"]
    assert _read(docker_api, app, "/etc/app/db.txt") == SECOND + "\n"


def test_a_missing_secret_file_is_a_positioned_error_naming_it(project):
    _write(project)
    result = project.run("validate", project.path, env=dict(project.env, API_TOKEN=TOKEN))
    assert result.code == 1, result
    assert (f"{project.path}:6:11: secrets.db-password.file: secret file ./db/password.txt "
            f"({project.dir / 'db' / 'password.txt'}) does not exist") in result.err, result.err
    assert "Traceback" not in result.err
