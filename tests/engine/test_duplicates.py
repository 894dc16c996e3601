"""Two networks of one name on the real engine (engines before API 1.44 allow it; two applies
at once used to make them): the plan reports the second one instead of "No changes", and one
apply removes it and moves the containers that were on it."""
from __future__ import annotations

import pytest

from tests.engine.project import OWNER_LABEL

pytestmark = pytest.mark.engine


def test_a_duplicate_network_is_planned_and_removed(project, docker_api):
    n = project.name
    project.write(f"""
        networks:
          {n}-net: {{}}
        containers:
          {n}-app:
            image: busybox:latest
            command: [sleep, '3600']
            stop_signal: SIGKILL
            networks: [{n}-net]
        """)
    assert project.run("apply", "-y", project.path).code == 0
    # what the second of two concurrent applies left: the same name, the same owner
    twin = docker_api.create_network(f"{n}-net", labels={OWNER_LABEL: n})["Id"]
    plan = project.run("plan", "--detailed-exitcode", project.path)
    assert plan.code == 2, plan
    assert f"docker.network.{n}-net~{twin[:12]}" in plan.out
    assert f"a second network named {n}-net" in plan.out
    applied = project.run("apply", "-y", project.path)
    assert applied.code == 0, applied
    assert [x["Id"] for x in docker_api.networks(names=[f"{n}-net"])
            if x["Name"] == f"{n}-net"] != [twin]
    assert len([x for x in docker_api.networks(names=[f"{n}-net"])
                if x["Name"] == f"{n}-net"]) == 1
    assert project.run("plan", "--detailed-exitcode", project.path).code == 0
