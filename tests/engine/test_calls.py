"""A plan of an unchanged environment costs a constant number of engine API calls."""
from __future__ import annotations

import re

import pytest
import requests.adapters

from dfwctl.pipeline import load_playbook, make_plan
from dfwctl.plan import PlanOptions
from dfwctl.providers.base import RunSettings
from dfwctl.providers.docker.engine import Engine
from dfwctl.providers.docker.provider import DockerProvider
from tests.engine.project import many_containers

pytestmark = pytest.mark.engine


def _counted_plan(path, monkeypatch):
    calls = []
    send = requests.adapters.HTTPAdapter.send

    def counting(self, request, *args, **kwargs):
        calls.append(f"{request.method} {request.path_url.split('?')[0]}")
        return send(self, request, *args, **kwargs)

    monkeypatch.setattr(requests.adapters.HTTPAdapter, "send", counting)
    desired = load_playbook(path).desired
    plan = make_plan(desired, [DockerProvider(RunSettings(), Engine())], PlanOptions())
    monkeypatch.undo()
    return plan, calls


@pytest.mark.parametrize("count", [5, 50])
def test_noop_plan_calls_are_constant(project, monkeypatch, count):
    many_containers(project, count)
    assert project.run("apply", "--parallelism", "16", project.path).code == 0
    plan, calls = _counted_plan(project.path, monkeypatch)
    assert not plan.has_changes
    endpoints = sorted(re.sub(r"^GET /v[0-9.]+/", "GET /", c) for c in calls)
    assert endpoints == ["GET /containers/json", "GET /images/json", "GET /networks",
                         "GET /version", "GET /volumes"], calls
