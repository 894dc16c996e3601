"""Golden plan cases: a playbook and an actual snapshot -> the exact plan text and JSON.
Rewrite the files in tests/golden/ with UPDATE_GOLDEN=1 after a deliberate change."""
from __future__ import annotations

import json
import re

import pytest

from dfwctl import planjson
from dfwctl.apply import APPLIED, FAILED, SKIPPED, ApplyResult, Outcome
from dfwctl.colour import COLOUR
from dfwctl.plan import Action, PlanOptions
from dfwctl.report import render_plan, render_result
from tests.builders import (
    ENDPOINT,
    assert_golden,
    converged,
    diff,
    empty,
    image_id,
    merged,
    playbook,
    with_container,
)

NAME = "golden-dev"

SITE = {
    "name": NAME,
    "networks": {"backend": {}},
    "volumes": {"site-data": {}},
    "containers": {
        "init-site": {
            "image": "busybox",
            "state": "exited",
            "command": ["sh", "-c", "echo hello > /site/index.html"],
            "mounts": ["site-data:/site"],
        },
        "web": {
            "image": "busybox",
            "command": ["httpd", "-f", "-p", "80", "-h", "/site"],
            "mounts": ["site-data:/site:ro"],
            "ports": ["127.0.0.1:8080:80"],
            "networks": ["backend"],
            "restart": "unless-stopped",
            "env": {"TZ": "UTC", "PASSWORD": "hunter2"},
            "labels": {"org.example.role": "web"},
            "depends_on": ["init-site"],
        },
        "shell": {
            "image": "alpine:3.20",
            "command": "sleep 86400",
            "networks": ["backend"],
            "memory": "64MiB",
            "cpus": 0.5,
            "stop_signal": "SIGKILL",
        },
    },
}
SECRETS = {"hunter2"}


def site(**containers):
    """SITE with containers replaced (None drops one)."""
    merged_containers = {**SITE["containers"], **containers}
    return playbook({**SITE, "containers": {k: v for k, v in merged_containers.items()
                                            if v is not None}}, secrets=SECRETS)


def all_creates():
    return diff(site(), empty())


def mixed():
    """Every kind of change at once: a new container, an in-place update, a replace forced by
    a field and by drift, pruned orphans, an orphan volume kept and a volume warning."""
    before = playbook({
        **SITE,
        "networks": {**SITE["networks"], "legacy": {}},
        "volumes": {**SITE["volumes"], "scratch": {}},
        "containers": {**SITE["containers"],
                       "old": {"image": "busybox", "networks": ["legacy"]}},
    }, secrets={"old-pass"} | SECRETS)
    actual = converged(before)
    actual = with_container(actual, "shell", image_id=image_id("alpine:3.19"))
    after = playbook({
        **SITE,
        "volumes": {"site-data": {"labels": {"backup": "daily"}}},
        "containers": {
            **SITE["containers"],
            "web": {**SITE["containers"]["web"], "restart": "always", "memory": "128MiB"},
            "init-site": {**SITE["containers"]["init-site"],
                          "env": {"PASSWORD": "s3cret-2"}},
            "cache": {"image": "redis:7", "ports": ["6379:6379"], "networks": ["backend"]},
        },
    }, secrets={"s3cret-2"} | SECRETS)
    actual = merged(actual, images={"redis:7": converged(playbook({
        "name": NAME, "containers": {"r": {"image": "redis:7"}}})).images["redis:7"]})
    return diff(after, actual, PlanOptions(prune=True))


def no_changes():
    desired = site()
    return diff(desired, converged(desired))


SCENARIOS = {"all_creates": all_creates, "mixed": mixed, "no_changes": no_changes}


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_plan_text(name):
    assert_golden(f"{name}.txt", render_plan(SCENARIOS[name]()))


@pytest.mark.parametrize("name", ["mixed", "no_changes"])
def test_plan_text_in_colour(name):
    assert_golden(f"{name}.color.txt", render_plan(SCENARIOS[name](), COLOUR))


ANSI = re.compile(r"\x1b\[[0-9;]*m")


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_colour_adds_only_colour_codes(name):
    plan = SCENARIOS[name]()
    coloured = render_plan(plan, COLOUR)
    assert ANSI.search(coloured)
    assert ANSI.sub("", coloured) == render_plan(plan)


def test_colours_follow_the_conventions():
    text = render_plan(mixed(), COLOUR)
    green, yellow, red, bold = "\x1b[32m", "\x1b[33m", "\x1b[31m", "\x1b[1m"
    assert f"  {green}+\x1b[0m container \"cache\"" in text
    assert f"  {yellow}~\x1b[0m container \"web\"" in text
    assert f"{red}-/+\x1b[0m container \"shell\"" in text
    assert f"  {red}-\x1b[0m container \"old\"" in text
    assert f"  {bold}# docker.container.old\x1b[0m {red}will be destroyed" in text
    assert f"{red}# forces replacement" in text
    assert "[\x1b[1;31mdestructive\x1b[0m]" in text
    assert f"{bold}Plan:\x1b[0m" in text


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_plan_json(name):
    text = planjson.dumps(SCENARIOS[name]())
    assert_golden(f"{name}.json", text)
    doc = json.loads(text)
    assert doc["endpoint"] == ENDPOINT and doc["playbook"] == NAME


def test_golden_scenarios_are_what_they_claim():
    creates = all_creates()
    assert {c.action for c in creates.changes} == {Action.CREATE}
    mix = mixed()
    assert {c.action for c in mix.changes} == {Action.CREATE, Action.UPDATE, Action.REPLACE,
                                              Action.DELETE}
    assert mix.orphans and mix.warnings
    assert not no_changes().has_changes


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_golden_plans_hold_no_secret(name):
    plan = SCENARIOS[name]()
    for text in (render_plan(plan), planjson.dumps(plan)):
        assert "hunter2" not in text and "s3cret-2" not in text and "old-pass" not in text


def test_no_changes_text():
    assert render_plan(no_changes()) == "No changes. Playbook golden-dev matches the machine.\n"


def test_plans_are_stable_between_runs():
    for make in SCENARIOS.values():
        assert render_plan(make()) == render_plan(make())
        assert planjson.dumps(make()) == planjson.dumps(make())


RESULT = ApplyResult((
    Outcome("docker.image.busybox:latest", Action.CREATE, APPLIED, "", 1.5),
    Outcome("docker.network.backend", Action.CREATE, APPLIED, "", 0.1),
    Outcome("docker.container.init-site", Action.CREATE, FAILED,
            "container init-site exited with code 1 (state: exited expects 0)", 2.0),
    Outcome("docker.container.web", Action.CREATE, SKIPPED,
            "docker.container.init-site failed"),
    Outcome("docker.container.shell", Action.REPLACE, APPLIED, "", 0.7),
))


def test_result_text():
    assert_golden("result_failed.txt", render_result(RESULT))
    coloured = render_result(RESULT, p=COLOUR)
    assert_golden("result_failed.color.txt", coloured)
    assert ANSI.sub("", coloured) == render_result(RESULT)


def test_result_text_when_everything_applied():
    ok = ApplyResult(tuple(o for o in RESULT.outcomes if o.status == APPLIED))
    assert render_result(ok) == "Apply complete: 2 created, 1 replaced.\n"


def test_a_plan_over_machines_groups_them_and_lists_what_waits():
    from dfwctl.plan import Change, Deferred, Plan

    vm = Change("hyperv", "pc:hyperv.vm.WIN10", "vm", "WIN10", Action.UPDATE, machine="pc")
    box = Change("docker", "lab:docker.container.web", "container", "web", Action.CREATE,
                 machine="lab")
    waits = Deferred("desktop", "win10", "VM WIN10 on pc is off", ("pc:hyperv.vm.WIN10",))
    text = render_plan(Plan("seed", "e", (vm, box), deferred=(waits,)))
    assert "On pc:\n  # pc:hyperv.vm.WIN10 will be updated in place\n" in text
    assert "On lab:\n  # lab:docker.container.web will be created\n" in text
    assert ("Planned after these changes (apply plans them once their machine can be read):\n"
            "  desktop on win10: VM WIN10 on pc is off\n") in text
    assert ("Plan: 1 to create, 1 to update, 0 to replace, 0 to destroy; 1 part planned after "
            "them.\n  pc: 0 to create, 1 to update, 0 to replace, 0 to destroy\n"
            "  lab: 1 to create, 0 to update, 0 to replace, 0 to destroy\n") in text
    only_waiting = render_plan(Plan("seed", "e", (), deferred=(waits,)))
    assert only_waiting.startswith("Nothing to change now for playbook seed.")
    doc = planjson.plan_json(Plan("seed", "e", (vm,), deferred=(waits,)))
    assert doc["pending"] and doc["deferred"] == [{
        "provider": "desktop", "machine": "win10", "reason": "VM WIN10 on pc is off",
        "waits_for": ["pc:hyperv.vm.WIN10"]}]
    assert doc["changes"][0]["machine"] == "pc"


def test_an_apply_over_machines_counts_each():
    result = ApplyResult((Outcome("pc:hyperv.vm.WIN10", Action.UPDATE, APPLIED, machine="pc"),
                          Outcome("win10:desktop.settings", Action.UPDATE, FAILED, "x",
                                  machine="win10"),
                          Outcome("win10:docker.container.web", Action.CREATE, SKIPPED, "y",
                                  machine="win10")))
    assert render_result(result).splitlines()[-3:] == [
        "Apply failed: 1 updated; 1 failed, 1 skipped.",
        "  pc: 1 updated",
        "  win10: nothing changed; 1 failed, 1 skipped"]


def test_a_plan_of_which_nothing_could_be_read_says_so():
    from dfwctl.plan import Plan, Unreadable

    text = render_plan(Plan("seed", "e", (), unreadable=(
        Unreadable("hyperv", "pc", "PowerShell is not on PATH\n  hint: install it"),)))
    assert text == ("No plan for playbook seed: what it needs could not be read.\n\n"
                    "Could not be read (left out of this plan, with what comes after them on "
                    "their machine):\n  hyperv on pc: PowerShell is not on PATH\n"
                    "    hint: install it\n")


def test_a_destroy_says_destroyed_and_counts_each_action():
    gone = ApplyResult(tuple(Outcome(f"docker.container.c{i}", Action.DELETE, APPLIED)
                             for i in range(12)))
    assert render_result(gone, "Destroy") == "Destroy complete: 12 destroyed.\n"
    mixed = ApplyResult(
        tuple(Outcome(f"docker.container.n{i}", Action.CREATE, APPLIED) for i in range(3))
        + (Outcome("docker.container.u", Action.UPDATE, APPLIED),
           Outcome("docker.container.r", Action.REPLACE, APPLIED)))
    assert render_result(mixed) == "Apply complete: 3 created, 1 updated, 1 replaced.\n"
    nothing = ApplyResult((Outcome("docker.container.x", Action.CREATE, FAILED, "boom"),))
    assert render_result(nothing).splitlines()[-1] == "Apply failed: nothing changed; 1 failed."
