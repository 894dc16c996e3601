"""`dfwctl status` on the quickstart playbook (made unique to this test): after an apply, each
container's state; after a `docker stop` behind dfwctl's back, the drift marked; and never
more engine API calls than a plan of the same playbook."""
from __future__ import annotations

import json
import re
import socket
import time

import pytest

from dfwctl.pipeline import load_playbook, make_plan, read_status
from dfwctl.plan import PlanOptions
from dfwctl.providers.base import RunSettings
from dfwctl.providers.docker.engine import Engine
from dfwctl.providers.docker.provider import DockerProvider
from tests.engine.calls import counted_calls
from tests.paths import PLAYBOOKS

pytestmark = pytest.mark.engine


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def quickstart(project):
    """playbooks/quickstart.yml with this project's name on everything it makes."""
    text = (PLAYBOOKS / "quickstart.yml").read_text(encoding="utf-8")
    n = project.name
    text = text.replace("name: quickstart", f"name: {n}").replace("8080", str(_free_port()))
    for old in ("init-site", "web", "shell", "backend", "site-data"):
        text = re.sub(rf"(?<![\w/-]){old}(?![\w-])", f"{n}-{old}", text)
    project.path.write_text(text, encoding="utf-8")
    return project.path


def rows(out: str):
    """ADDRESS -> STATE from the status table."""
    found = {}
    for line in out.splitlines():
        match = re.match(r"  (docker\.\S+)\s+(\S+(?: \S+)?)(?:\s{2,}|$)", line)
        if match:
            found[match.group(1)] = match.group(2)
    return found


def test_status_after_an_apply_then_a_stop_behind_dfwctls_back(project, docker_api):
    quickstart(project)
    n = project.name
    assert project.run("apply", "-y", project.path).code == 0
    shown = project.run("status", project.path)
    assert shown.code == 0, shown
    assert rows(shown.out) == {
        "docker.image.busybox:latest": "present",
        f"docker.network.{n}-backend": "present",
        f"docker.volume.{n}-site-data": "present",
        f"docker.container.{n}-init-site": "exited (0)",
        f"docker.container.{n}-web": "running",
        f"docker.container.{n}-shell": "running"}, shown.out
    assert "drift" not in shown.out
    assert shown.out.endswith("In sync: a plan would change nothing.\n")

    docker_api.stop(project.cname("shell"), timeout=1)  # SIGKILL: exit code 137
    drifted = project.run("status", project.path)
    assert drifted.code == 0, drifted
    assert rows(drifted.out)[f"docker.container.{n}-shell"] == "exited (137)"
    assert ("      ~ drift: the container is exited (stopped outside dfwctl)\n"
            f"        apply: start container {n}-shell\n") in drifted.out
    assert "Out of sync: apply would make 1 change" in drifted.out

    doc = json.loads(project.run("status", "-o", "json", project.path).out)
    items = {i["address"]: i for i in doc["parts"][0]["items"]}
    shell = items[f"docker.container.{n}-shell"]
    assert shell["state"] == "exited (137)" and shell["drift"]["action"] == "update"
    assert items[f"docker.container.{n}-web"]["drift"] is None and not doc["in_sync"]

    only = project.run("status", project.path, f"docker.container.{n}-web")
    assert list(rows(only.out)) == [f"docker.container.{n}-web"]
    unknown = project.run("status", project.path, "docker.container.nope")
    assert unknown.code == 64 and "docker.container.nope: not in playbook" in unknown.err


def test_status_reads_no_more_than_a_plan(project, docker_api, monkeypatch):
    quickstart(project)
    assert project.run("apply", "-y", project.path).code == 0
    docker_api.stop(project.cname("shell"), timeout=1)
    desired = load_playbook(project.path).desired
    with counted_calls(monkeypatch) as planned:
        plan = make_plan(desired, [DockerProvider(RunSettings(), Engine())], PlanOptions())
    with counted_calls(monkeypatch) as read:
        status = read_status(desired, [DockerProvider(RunSettings(), Engine())])
    assert plan.has_changes and status.plan.changes == plan.changes
    assert sorted(read) == sorted(planned), (read, planned)
    assert sorted(read) == ["GET /containers/json", "GET /images/json", "GET /networks",
                            "GET /version", "GET /volumes"]


def test_status_shows_health_from_the_engines_list(project):
    n = project.name
    project.write(f"""
        containers:
          {n}-fine:
            image: busybox:latest
            command: [sleep, '3600']
            stop_signal: SIGKILL
            healthcheck: {{test: [CMD, 'true'], interval: 1s, retries: 1}}
          {n}-sick:
            image: busybox:latest
            command: [sleep, '3600']
            stop_signal: SIGKILL
            healthcheck: {{test: [CMD, 'false'], interval: 1s, retries: 1}}
        """)
    assert project.run("apply", "-y", project.path).code == 0
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        shown = project.run("status", project.path)
        states = rows(shown.out)
        if "starting" not in " ".join(states.values()):
            break
        time.sleep(1)
    assert states[f"docker.container.{n}-fine"] == "running (healthy)", shown.out
    assert states[f"docker.container.{n}-sick"] == "running (unhealthy)", shown.out
    assert shown.code == 0, shown
    assert shown.out.splitlines()[0].endswith(": 3 in the playbook, 2 as it says, 1 in trouble.")
    assert shown.out.endswith("In sync: a plan would change nothing; 1 in trouble (see "
                              "above).\n")
