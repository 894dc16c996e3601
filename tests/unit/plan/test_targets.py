"""--target and --replace: which addresses a target names, what a targeted plan keeps (the
changes named and what they depend on), what can be replaced, and how Docker plans a replace
nobody's diff asks for."""
from __future__ import annotations

import dataclasses

import pytest

from dfwctl import planjson
from dfwctl.desired import addresses
from dfwctl.errors import ExitStatus
from dfwctl.plan import Action, Change, Deferred, Plan, PlanOptions
from dfwctl.targets import (
    AddressError,
    check_replace,
    check_targets,
    for_machine,
    matches,
    restrict,
    split,
)
from tests.builders import converged, diff, empty, image_state, merged, playbook


@pytest.mark.parametrize("address, parts", [
    ("docker.container.web", ("", "docker.container.web")),
    ("win10:docker.container.web", ("win10", "docker.container.web")),
    ("docker.image.busybox:1.36", ("", "docker.image.busybox:1.36")),
    ("lab-2.local:docker.image.busybox:1.36", ("lab-2.local", "docker.image.busybox:1.36")),
    ("win10:", ("win10", "")),
])
def test_split(address, parts):
    assert split(address) == parts


@pytest.mark.parametrize("target, address, hit", [
    ("docker.container.web", "docker.container.web", True),
    ("docker.container.web", "docker.container.web2", False),
    ("docker.container", "docker.container.web", True),
    ("docker", "docker.network.front", True),
    ("docker.container.web", "win10:docker.container.web", True),
    ("win10:docker.container.web", "lab:docker.container.web", False),
    ("win10:", "win10:hyperv.vm.WIN10", True),
    ("docker.image.busybox", "docker.image.busybox:1.36", False),
    ("docker.image.busybox:1.36", "docker.image.busybox:1.36", True),
])
def test_matches(target, address, hit):
    assert matches(target, address) is hit


def change(name, *needs, after=(), kind="container"):
    return Change("docker", f"docker.{kind}.{name}", kind, name, Action.CREATE,
                  depends_on=tuple(needs), after=tuple(after))


PLAN = Plan("p", "e", (
    change("front", kind="network"),
    change("db", "docker.network.front"),
    change("cache"),
    change("app", "docker.container.db", after=("docker.container.cache",)),
    change("web", "docker.container.app"),
    change("side"),
), orphans=("docker.container.old",))


def test_restrict_keeps_the_targets_and_what_they_depend_on():
    kept = restrict(PLAN, ["docker.container.app"])
    assert [c.name for c in kept.changes] == ["front", "db", "cache", "app"]
    assert kept.targets == ("docker.container.app",)
    assert kept.orphans == ()
    assert any("--target docker.container.app" in w for w in kept.warnings)


def test_restrict_by_group_and_orphans():
    kept = restrict(PLAN, ["docker.network", "docker.container.old"])
    assert [c.name for c in kept.changes] == ["front"]
    assert kept.orphans == ("docker.container.old",)


def test_no_target_is_the_whole_plan():
    assert restrict(PLAN, []) is PLAN


def test_a_deferred_part_is_kept_with_the_changes_it_waits_for():
    vm = Change("hyperv", "pc:hyperv.vm.WIN10", "vm", "WIN10", Action.UPDATE)
    other = Change("hyperv", "pc:hyperv.vm.OTHER", "vm", "OTHER", Action.UPDATE)
    waits = Deferred("docker", "win10", "VM WIN10 is off", ("pc:hyperv.vm.WIN10",))
    desktop = Deferred("desktop", "win10", "VM WIN10 is off", ("pc:hyperv.vm.WIN10",))
    plan = Plan("p", "e", (vm, other), deferred=(waits, desktop))
    kept = restrict(plan, ["win10:docker.container.web"])
    assert [c.address for c in kept.changes] == ["pc:hyperv.vm.WIN10"]
    assert kept.deferred == (waits,)
    assert restrict(plan, ["lab:docker.container.web"]).deferred == ()


KNOWN = ("docker.image.busybox:1.36", "docker.network.front", "docker.volume.data",
         "docker.container.web", "hyperv.vm.WIN10")


def test_a_target_that_names_nothing_is_a_usage_error():
    with pytest.raises(AddressError, match="--target docker.container.wbe: the playbook has "
                                           "nothing at that address") as caught:
        check_targets(["docker.container.wbe"], KNOWN)
    assert caught.value.hint == "did you mean docker.container.web?"
    assert caught.value.exit_status is ExitStatus.USAGE
    check_targets(["docker.container", "docker.container.web", "hyperv"], KNOWN)


@pytest.mark.parametrize("address, message", [
    ("docker.volume.data", "only containers, images and networks are made again"),
    ("hyperv.vm.WIN10", "only containers, images and networks are made again"),
    ("docker.container", "the playbook has nothing at that address"),
    ("docker.container.nope", "the playbook has nothing at that address"),
])
def test_what_cannot_be_replaced(address, message):
    with pytest.raises(AddressError, match=message):
        check_replace([address], KNOWN)


def test_replace_without_the_machine_names_it_on_every_machine():
    check_replace(["docker.container.web"], ("win10:docker.container.web",))
    assert for_machine(["docker.container.web", "win10:docker.network.front",
                        "lab:docker.container.db"], "win10") == \
        {"docker.container.web", "docker.network.front"}


# Docker's plan of a replace --------------------------------------------------------------------
BOOK = playbook({"name": "rep", "networks": {"front": {}}, "containers": {
    "web": {"image": "busybox:1.36", "networks": ["front"]},
    "side": {"image": "busybox:1.36"}}})


def replaced(*addresses):
    return diff(BOOK, converged(BOOK), PlanOptions(replace=tuple(addresses)))


def test_replace_a_container_without_a_diff():
    plan = replaced("docker.container.web")
    (web,) = plan.changes
    assert (web.address, web.action, web.diffs) == ("docker.container.web", Action.REPLACE, ())
    assert web.reasons == ("its replacement was requested (--replace)",)
    assert web.destructive


def test_replace_an_image_pulls_it_again_and_may_replace_its_containers():
    plan = replaced("docker.image.busybox:1.36")
    image = plan.find("docker.image.busybox:1.36")
    assert image.action is Action.UPDATE and [s.text for s in image.steps] == [
        "pull busybox:1.36"]
    for name in ("web", "side"):
        container = plan.find(f"docker.container.{name}")
        assert container.condition.startswith("only if the pulled image is not the one")
        assert "docker.image.busybox:1.36" in container.depends_on


def test_replace_a_network_replaces_its_containers():
    plan = replaced("docker.network.front")
    assert plan.find("docker.network.front").action is Action.REPLACE
    assert plan.find("docker.container.web").action is Action.REPLACE
    assert plan.find("docker.container.side") is None


def test_replace_of_what_does_not_exist_yet_creates_it():
    plan = diff(BOOK, merged(empty(), images={"busybox:1.36": image_state("busybox:1.36")}),
                PlanOptions(replace=("docker.container.web",)))
    assert plan.find("docker.container.web").action is Action.CREATE


def test_the_plan_json_names_targets_and_replace():
    plan = dataclasses.replace(restrict(PLAN, ["docker.container.db"]),
                               replace=("docker.container.db",))
    doc = planjson.plan_json(plan)
    assert doc["format_version"] == "1.3"
    assert (doc["targets"], doc["replace"]) == (["docker.container.db"], ["docker.container.db"])
    app = planjson.plan_json(PLAN)["changes"][3]
    assert app["after"] == ["docker.container.cache"]


def test_every_address_of_a_playbook_can_be_targeted():
    known = addresses(BOOK)
    check_targets(known, known)
    assert "docker.container.web" in known
