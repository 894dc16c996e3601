"""healthcheck and depends_on conditions on the real engine: the healthcheck read back from the
engine is the playbook's (so no perpetual diff), and apply waits for what dependants need."""
from __future__ import annotations

import pytest

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
