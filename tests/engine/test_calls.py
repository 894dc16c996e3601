"""A plan of an unchanged environment costs a constant number of engine API calls."""
from __future__ import annotations

import pytest

from dfwctl.pipeline import load_playbook, make_plan
from dfwctl.plan import PlanOptions
from dfwctl.providers.base import RunSettings
from dfwctl.providers.docker.engine import Engine
from dfwctl.providers.docker.provider import DockerProvider
from tests.engine.calls import counted_calls
from tests.engine.project import many_containers

pytestmark = pytest.mark.engine


def _counted_plan(path, monkeypatch):
    desired = load_playbook(path).desired
    with counted_calls(monkeypatch) as calls:
        plan = make_plan(desired, [DockerProvider(RunSettings(), Engine())], PlanOptions())
    return plan, calls


@pytest.mark.parametrize("count", [5, 50])
def test_noop_plan_calls_are_constant(project, monkeypatch, count):
    many_containers(project, count)
    assert project.run("apply", "--parallelism", "16", project.path).code == 0
    plan, calls = _counted_plan(project.path, monkeypatch)
    assert not plan.has_changes
    assert sorted(calls) == ["GET /containers/json", "GET /images/json", "GET /networks",
                             "GET /version", "GET /volumes"], calls
