"""healthcheck and depends_on conditions on the real engine: the healthcheck read back from the
engine is the playbook's (so no perpetual diff), and apply waits for what dependants need."""
from __future__ import annotations

import pytest

from tests.engine.project import sleeper

pytestmark = pytest.mark.engine

SECOND = 1_000_000_000


def test_healthcheck_round_trip(project, docker_api):
    n = project.name
    project.write(f"""
        containers:
          {n}-db:
            image: busybox:latest
            command: [sleep, '3600']
            stop_signal: SIGKILL
            healthcheck:
              test: [CMD-SHELL, 'test -d /proc']
              interval: 1s
              timeout: 1500ms
              retries: 4
              start_period: 1m30s
          {n}-off:
            image: busybox:latest
            command: [sleep, '3600']
            stop_signal: SIGKILL
            healthcheck: {{disable: true}}
          {n}-shell:
            image: busybox:latest
            command: [sleep, '3600']
            stop_signal: SIGKILL
            healthcheck:
              test: 'true'
        """)
    assert project.run("apply", "-y", project.path).code == 0
    ids = {name: c["Id"] for name, c in project.containers().items()}
    config = docker_api.inspect_container(ids[f"{n}-db"])["Config"]["Healthcheck"]
    assert config == {"Test": ["CMD-SHELL", "test -d /proc"], "Interval": SECOND,
                      "Timeout": 1_500_000_000, "Retries": 4, "StartPeriod": 90 * SECOND}
    assert docker_api.inspect_container(ids[f"{n}-off"])["Config"]["Healthcheck"] == \
        {"Test": ["NONE"]}
    assert docker_api.inspect_container(ids[f"{n}-shell"])["Config"]["Healthcheck"] == \
        {"Test": ["CMD-SHELL", "true"]}
    assert project.run("plan", "--detailed-exitcode", project.path).code == 0

    text = project.path.read_text().replace("interval: 1s", "interval: 2s")
    project.path.write_text(text)
    plan = project.run("plan", "--detailed-exitcode", project.path)
    assert plan.code == 2, plan
    assert '~ healthcheck.interval = "1s" -> "2s"  # forces replacement' in plan.out
    assert f"docker.container.{n}-db must be replaced" in plan.out
    assert f"docker.container.{n}-shell" not in plan.out


def _state(docker_api, container_id):
    return docker_api.inspect_container(container_id)["State"]


def _ready_later(name, seconds=2, extra=""):
    """A container that becomes healthy `seconds` after it starts."""
    return f"""
          {name}:
            image: busybox:latest
            command: [sh, -c, 'sleep {seconds}; touch /tmp/ready; exec sleep 3600']
            stop_signal: SIGKILL
            healthcheck:
              test: [CMD, test, -f, /tmp/ready]
              interval: 500ms
              retries: 60{extra}"""


def test_apply_waits_for_a_healthy_dependency(project, docker_api):
    n = project.name
    project.write(f"""
        containers:{_ready_later(f"{n}-db")}
          {n}-app:
            image: busybox:latest
            command: [sleep, '3600']
            stop_signal: SIGKILL
            depends_on:
              {n}-db: {{condition: service_healthy}}
        """)
    plan = project.run("plan", project.path)
    assert f"wait for container {n}-db to be healthy" in plan.out, plan
    result = project.run("apply", "-y", project.path)
    assert result.code == 0, result
    ids = {name: c["Id"] for name, c in project.containers().items()}
    db, app = _state(docker_api, ids[f"{n}-db"]), _state(docker_api, ids[f"{n}-app"])
    passed = [c["End"] for c in db["Health"]["Log"] if c["ExitCode"] == 0]
    assert passed and min(passed) <= app["StartedAt"], (db["Health"], app["StartedAt"])
    assert f"waiting for {n}-db to be healthy" in result.err
    assert project.run("plan", "--detailed-exitcode", project.path).code == 0


def test_an_unhealthy_dependency_stops_only_its_dependants(project, docker_api):
    n = project.name
    rest = (sleeper(f"{n}-app", "depends_on:", f"  {n}-db: {{condition: healthy}}")
            + sleeper(f"{n}-web", f"depends_on: [{n}-app]") + sleeper(f"{n}-side"))
    project.write(f"""
        containers:
          {n}-db:
            image: busybox:latest
            command: [sleep, '3600']
            stop_signal: SIGKILL
            healthcheck:
              test: [CMD-SHELL, 'echo cannot reach the database on port 5432; exit 1']
              interval: 500ms
              retries: 2
{rest}
        """)
    result = project.run("apply", "-y", project.path)
    assert result.code == 1, result
    assert f"Error: docker.container.{n}-db: container {n}-db is not healthy: it is unhealthy\n" \
           "  its last health checks:\n" in result.out
    assert "    |   cannot reach the database on port 5432" in result.out
    assert f"Skipped: docker.container.{n}-app (docker.container.{n}-db failed)" in result.out
    assert f"Skipped: docker.container.{n}-web (docker.container.{n}-app skipped)" in result.out
    assert "Apply failed: 1 created; 1 failed, 2 skipped." in result.out
    made = project.containers()
    assert set(made) == {f"{n}-db", f"{n}-side"}
    assert made[f"{n}-side"]["State"] == "running"

    again = project.run("apply", "-y", project.path)  # db exists now: app's start checks it
    assert again.code == 1, again
    assert f"Error: docker.container.{n}-app: container {n}-db is not healthy: it is " \
           "unhealthy" in again.out


def test_a_dependency_that_is_not_required_only_warns(project):
    n = project.name
    project.write(f"""
        containers:
          {n}-db:
            image: busybox:latest
            command: [sleep, '3600']
            stop_signal: SIGKILL
            healthcheck: {{test: 'exit 1', interval: 500ms, retries: 1}}
          {n}-app:
            image: busybox:latest
            command: [sleep, '3600']
            stop_signal: SIGKILL
            depends_on:
              {n}-db: {{condition: healthy, required: false}}
        """)
    result = project.run("apply", "-y", project.path)
    assert result.code == 1, result  # db itself failed its wait
    assert project.containers()[f"{n}-app"]["State"] == "running"
    again = project.run("apply", "-y", project.path)
    assert again.code == 0, again  # nothing to change: app runs, db is unchanged


def test_wait_timeout_bounds_the_wait(project):
    n = project.name
    project.write(f"""
        containers:{_ready_later(f"{n}-db", seconds=3600, extra=chr(10) + "            wait_timeout: 2s")}
          {n}-app:
            image: busybox:latest
            command: [sleep, '3600']
            stop_signal: SIGKILL
            depends_on:
              {n}-db: {{condition: healthy}}
        """)
    result = project.run("apply", "-y", project.path)
    assert result.code == 1, result
    assert f"container {n}-db is not healthy: it is still health: starting after 2s (raise " \
           "its wait_timeout to wait longer)" in result.out


def test_completed_successfully_waits_for_the_run(project, docker_api):
    n = project.name
    project.write(f"""
        containers:
          {n}-migrate:
            image: busybox:latest
            command: [sh, -c, 'sleep 1; echo migrated']
            state: exited
          {n}-app:
            image: busybox:latest
            command: [sleep, '3600']
            stop_signal: SIGKILL
            depends_on:
              {n}-migrate: {{condition: service_completed_successfully}}
        """)
    assert project.run("apply", "-y", project.path).code == 0
    ids = {name: c["Id"] for name, c in project.containers().items()}
    migrate = _state(docker_api, ids[f"{n}-migrate"])
    assert migrate["ExitCode"] == 0
    assert migrate["FinishedAt"] <= _state(docker_api, ids[f"{n}-app"])["StartedAt"]
    assert project.run("plan", "--detailed-exitcode", project.path).code == 0


def test_restart_true_restarts_the_dependant(project, docker_api):
    n = project.name

    def write(tz):
        project.write(f"""
            containers:
              {n}-db:
                image: busybox:latest
                command: [sleep, '3600']
                stop_signal: SIGKILL
                env: {{TZ: {tz}}}
              {n}-app:
                image: busybox:latest
                command: [sleep, '3600']
                stop_signal: SIGKILL
                depends_on:
                  {n}-db: {{restart: true}}
            """)

    write("UTC")
    assert project.run("apply", "-y", project.path).code == 0
    app = project.containers()[f"{n}-app"]["Id"]
    before = _state(docker_api, app)["StartedAt"]
    write("Asia/Taipei")
    plan = project.run("plan", project.path)
    assert f"docker.container.{n}-app will be updated in place" in plan.out, plan
    assert f"{n}-db is replaced or restarted, and it depends on it with restart: true" in plan.out
    assert project.run("apply", "-y", project.path).code == 0
    assert project.containers()[f"{n}-app"]["Id"] == app  # restarted, not replaced
    assert _state(docker_api, app)["StartedAt"] > before
    assert project.run("plan", "--detailed-exitcode", project.path).code == 0


def test_apply_wait_returns_once_everything_is_healthy(project, docker_api):
    n = project.name
    project.write(f"""
        containers:{_ready_later(f"{n}-db")}
          {n}-plain:
            image: busybox:latest
            command: [sleep, '3600']
            stop_signal: SIGKILL
        """)
    result = project.run("apply", "-y", "--wait", project.path)
    assert result.code == 0, result
    ids = {name: c["Id"] for name, c in project.containers().items()}
    assert _state(docker_api, ids[f"{n}-db"])["Health"]["Status"] == "healthy"
    assert "all 2 containers are ready" in result.err


def test_apply_wait_fails_on_an_unhealthy_container(project):
    n = project.name
    project.write(f"""
        containers:
          {n}-db:
            image: busybox:latest
            command: [sleep, '3600']
            stop_signal: SIGKILL
            healthcheck: {{test: 'echo not yet; exit 1', interval: 500ms, retries: 1}}
        """)
    result = project.run("apply", "-y", "--wait", project.path)
    assert result.code == 1, result
    assert f"not every container is ready:\n  - {n}-db: it is unhealthy\n  its last health " \
           "checks:" in result.err
    assert "not yet" in result.err
