"""Dependency order of plans: what each change waits for, and a stable display order."""
from __future__ import annotations

import dataclasses
import random

import pytest

from dfwctl.errors import PlanError
from dfwctl.plan import Action, Change, PlanOptions
from dfwctl.providers.docker.model import ContainerSpec, Dependency
from dfwctl.providers.docker.order import order_changes
from tests.builders import converged, diff, empty, playbook

NAME = "order-dev"

STACK = {
    "name": NAME,
    "networks": {"front": {}, "back": {}},
    "volumes": {"data": {}},
    "containers": {
        "db": {"image": "postgres:16", "networks": ["back"], "mounts": ["data:/var/lib/pg"]},
        "app": {"image": "busybox:1.36", "networks": ["front", "back"], "depends_on": ["db"]},
        "proxy": {"image": "busybox:1.36", "networks": ["front"], "depends_on": ["app"],
                  "ports": ["8080:80"]},
        "tool": {"image": "alpine:3.20"},
    },
}


def addresses(plan):
    return [c.address for c in plan.changes]


def assert_dependencies_come_first(plan):
    seen = set()
    for change in plan.changes:
        assert set(change.depends_on) <= seen, change.address
        seen.add(change.address)


def test_a_new_stack_is_ordered_by_kind_then_dependencies():
    plan = diff(playbook(STACK), empty())
    assert addresses(plan) == [
        "docker.image.alpine:3.20",
        "docker.image.busybox:1.36",
        "docker.image.postgres:16",
        "docker.network.back",
        "docker.network.front",
        "docker.volume.data",
        "docker.container.db",
        "docker.container.tool",
        "docker.container.app",
        "docker.container.proxy",
    ]
    assert_dependencies_come_first(plan)


def test_containers_wait_for_their_image_networks_volumes_and_depends_on():
    plan = diff(playbook(STACK), empty())
    needs = {c.address: c.depends_on for c in plan.changes}
    assert needs["docker.container.db"] == (
        "docker.image.postgres:16", "docker.network.back", "docker.volume.data")
    assert needs["docker.container.app"] == (
        "docker.container.db", "docker.image.busybox:1.36",
        "docker.network.back", "docker.network.front")
    assert needs["docker.container.proxy"] == (
        "docker.container.app", "docker.image.busybox:1.36", "docker.network.front")
    assert needs["docker.container.tool"] == ("docker.image.alpine:3.20",)
    for kind in ("image", "network", "volume"):
        assert all(not n for a, n in needs.items() if a.startswith(f"docker.{kind}."))


def test_depends_on_names_only_changes_in_the_plan():
    desired = playbook(STACK)
    changed = playbook({**STACK, "containers": {
        **STACK["containers"],
        "app": {**STACK["containers"]["app"], "env": {"TZ": "UTC"}},
    }})
    plan = diff(changed, converged(desired))
    assert addresses(plan) == ["docker.container.app"]
    assert plan.changes[0].depends_on == ()


def test_a_replaced_dependency_is_waited_for():
    desired = playbook(STACK)
    changed = playbook({**STACK, "containers": {
        **STACK["containers"],
        "db": {**STACK["containers"]["db"], "env": {"PGDATA": "/var/lib/pg/data"}},
        "app": {**STACK["containers"]["app"], "restart": "always"},
    }})
    plan = diff(changed, converged(desired))
    assert addresses(plan) == ["docker.container.db", "docker.container.app"]
    assert plan.find("docker.container.app").depends_on == ("docker.container.db",)
    assert plan.find("docker.container.db").depends_on == ()


def test_network_and_volume_deletes_wait_for_container_deletes_and_replaces():
    before = playbook({
        "name": NAME,
        "networks": {"legacy": {}},
        "volumes": {"scratch": {}},
        "containers": {
            "old": {"image": "busybox:1.36", "networks": ["legacy"],
                    "mounts": ["scratch:/scratch"]},
            "web": {"image": "busybox:1.36", "networks": ["legacy"]},
            "keep": {"image": "busybox:1.36"},
        },
    })
    after = playbook({"name": NAME, "containers": {
        "web": {"image": "busybox:1.36"},  # leaves the network: replaced
        "keep": {"image": "busybox:1.36"},
    }})
    plan = diff(after, converged(before), PlanOptions(prune=True, prune_volumes=True))
    assert addresses(plan) == [
        "docker.container.web",
        "docker.container.old",
        "docker.network.legacy",
        "docker.volume.scratch",
    ]
    assert plan.find("docker.container.web").action is Action.REPLACE
    both = ("docker.container.old", "docker.container.web")
    assert plan.find("docker.network.legacy").depends_on == both
    assert plan.find("docker.volume.scratch").depends_on == both
    assert plan.find("docker.container.old").depends_on == ()
    assert_dependencies_come_first(plan)


def test_order_does_not_depend_on_the_input_order():
    desired = playbook(STACK)
    plan = diff(desired, empty())
    bare = [dataclasses.replace(c, depends_on=()) for c in plan.changes]
    specs = {f"docker.container.{n}": s for n, s in desired.docker.containers.items()}
    rng = random.Random(7)
    for _ in range(20):
        shuffled = list(bare)
        rng.shuffle(shuffled)
        assert order_changes(shuffled, specs) == list(plan.changes)


def test_two_plans_of_the_same_snapshot_are_equal():
    desired = playbook(STACK)
    assert diff(desired, empty()) == diff(playbook(STACK), empty())


def container_change(name, depends_on=(), action=Action.CREATE):
    spec = ContainerSpec(name=name, image="busybox:1.36",
                         depends_on=tuple(Dependency(d) for d in depends_on))
    change = Change("docker", f"docker.container.{name}", "container", name, action)
    return change, {change.address: spec}


def test_a_dependency_cycle_is_a_plan_error():
    made = [container_change("a", ["b"]), container_change("b", ["a"]),
            container_change("c")]
    specs = {k: v for _, s in made for k, v in s.items()}
    with pytest.raises(PlanError, match="dependency cycle between: docker.container.a, "
                                        "docker.container.b"):
        order_changes([c for c, _ in made], specs)


def test_container_deletes_wait_for_nothing():
    gone, specs = container_change("gone", ["x"], Action.DELETE)
    (ordered,) = order_changes([gone], specs)
    assert ordered.depends_on == ()


def test_a_new_container_waits_for_the_orphan_holding_its_host_port():
    before = playbook({"name": NAME, "containers": {
        "web": {"image": "busybox:1.36", "ports": ["8080:80"]}}})
    after = playbook({"name": NAME, "containers": {  # `web` renamed to `site`
        "site": {"image": "busybox:1.36", "ports": ["8080:80"]}}})
    plan = diff(after, converged(before), PlanOptions(prune=True))
    assert plan.find("docker.container.web").action is Action.DELETE
    assert "docker.container.web" in plan.find("docker.container.site").depends_on


def test_a_new_container_on_another_host_port_does_not_wait_for_the_orphan():
    before = playbook({"name": NAME, "containers": {
        "web": {"image": "busybox:1.36", "ports": ["8080:80"]}}})
    after = playbook({"name": NAME, "containers": {
        "site": {"image": "busybox:1.36", "ports": ["8081:80"]},
        "quiet": {"image": "busybox:1.36"}}})
    plan = diff(after, converged(before), PlanOptions(prune=True))
    assert plan.find("docker.container.web").action is Action.DELETE
    assert plan.find("docker.container.site").depends_on == ()
    assert plan.find("docker.container.quiet").depends_on == ()
