"""A layered playbook on the real engine: a team base included, a personal override file, a
profile turned on and off; saved plans cover the included files."""
from __future__ import annotations

import textwrap

import pytest

pytestmark = pytest.mark.engine


def _layers(project):
    n = project.name
    (project.dir / "team").mkdir()
    (project.dir / "team" / "base.yml").write_text(textwrap.dedent(f"""\
        version: 1
        name: team-base
        x-common: &common
          restart: unless-stopped
          labels: {{team: 'yes'}}
          stop_signal: SIGKILL
        networks:
          {n}-net: {{}}
        containers:
          {n}-db:
            <<: *common
            image: busybox:latest
            command: [sleep, '3600']
            env: {{DB: app, USER: team}}
            networks: [{n}-net]
          {n}-tools:
            image: busybox:latest
            command: [sleep, '3600']
            stop_signal: SIGKILL
            profiles: [debug]
            depends_on: [{n}-db]
        """), encoding="utf-8")
    project.write(f"""
        include: [team/base.yml]
        containers:
          {n}-db:
            env: {{USER: me}}
            labels: !override {{mine: '1'}}
          {n}-web:
            image: busybox:latest
            command: [sleep, '3600']
            stop_signal: SIGKILL
            ports: ['127.0.0.1::80']
            networks: [{n}-net]
        """)
    (project.dir / "playbook.override.yml").write_text(textwrap.dedent(f"""\
        containers:
          {n}-web:
            ports: !reset []
            env: {{MINE: '1'}}
        """), encoding="utf-8")


def test_base_override_and_profile_converge(project, docker_api):
    n = project.name
    _layers(project)
    result = project.run("apply", "-y", project.path)
    assert result.code == 0, result
    assert set(project.containers()) == {f"{n}-db", f"{n}-web"}
    db = docker_api.inspect_container(f"{n}-db")
    assert {"DB=app", "USER=me"} <= set(db["Config"]["Env"])
    assert db["Config"]["Labels"]["mine"] == "1" and "team" not in db["Config"]["Labels"]
    assert db["HostConfig"]["RestartPolicy"]["Name"] == "unless-stopped"
    web = docker_api.inspect_container(f"{n}-web")
    assert not web["HostConfig"]["PortBindings"] and "MINE=1" in web["Config"]["Env"]
    assert project.run("plan", "--detailed-exitcode", project.path).code == 0

    result = project.run("apply", "-y", "--profile", "debug", project.path)
    assert result.code == 0, result
    assert f"{n}-tools" in project.containers()
    for args in (("--profile", "debug"), ()):  # unselected, it is left as it is
        again = project.run("plan", "--detailed-exitcode", *args, project.path)
        assert again.code == 0, again
        assert "orphan" not in again.out + again.err
    result = project.run("destroy", "-y", project.path)
    assert result.code == 0, result
    assert project.containers() == {}


def test_a_saved_plan_is_stale_when_an_included_file_changes(project):
    _layers(project)
    saved = project.dir / "plan.json"
    assert project.run("plan", "--profile", "debug", "--out", saved, project.path).code == 0
    base = project.dir / "team" / "base.yml"
    base.write_text(base.read_text().replace("USER: team", "USER: other"))
    (project.dir / "playbook.override.yml").write_text(
        (project.dir / "playbook.override.yml").read_text().replace("env: {MINE: '1'}\n", ""))
    result = project.run("apply", saved)
    assert result.code == 1 and "saved plan" in result.err and "is stale" in result.err, result
    base.write_text(base.read_text().replace("USER: other", "USER: team"))
    (project.dir / "playbook.override.yml").unlink()
    result = project.run("apply", saved)
    assert result.code == 1 and "read from other files now" in result.err, result
    assert project.containers() == {}


def test_an_error_in_the_base_is_reported_in_the_base(project):
    _layers(project)
    base = project.dir / "team" / "base.yml"
    base.write_text(base.read_text().replace("command: [sleep, '3600']\n    env",
                                             "command: [sleep, '3600']\n    memory: lots\n    env"))
    result = project.run("plan", "playbook.yml", cwd=project.dir)
    assert result.code == 1, result
    assert "Error: team/base.yml:14:13: containers." in result.err, result
    assert ".memory:" in result.err, result
