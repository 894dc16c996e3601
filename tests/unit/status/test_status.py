"""Status from snapshots, with no engine: what each provider lists (items) and their states,
drift marked from the plan of the same snapshot, orphans, problems, text and JSON."""
from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import pytest

from dfwctl.colour import COLOUR
from dfwctl.combine import combine
from dfwctl.desired import addresses
from dfwctl.plan import Action, PlanOptions
from dfwctl.providers.desktop import diff as desktop_diff
from dfwctl.providers.desktop import settings
from dfwctl.providers.desktop import status as desktop_status
from dfwctl.providers.desktop.model import DesktopState
from dfwctl.providers.docker import diff as docker_diff
from dfwctl.providers.docker import status as docker_status
from dfwctl.providers.docker.gather import gather
from dfwctl.providers.docker.model import Actual
from dfwctl.providers.hyperv import diff as hyperv_diff
from dfwctl.providers.hyperv import status as hyperv_status
from dfwctl.providers.hyperv.gather import gather as hyperv_gather
from dfwctl.providers.hyperv.simulator.seed import VmSeed
from dfwctl.status import (
    Status,
    combine_status,
    dumps,
    only,
    render_status,
    status_part,
)
from tests import paths
from tests.builders import (
    converged,
    playbook,
    with_container,
    without,
)
from tests.fakes.hyperv import desired as hyperv_desired
from tests.fakes.hyperv import seeded, use_fake_pwsh
from tests.unit.docker.fakeapi import FakeAPI, FakeEngine

ANSI = re.compile(r"\x1b\[[0-9;]*m")
SITE = {
    "name": "site",
    "networks": {"backend": {}, "shared": {"external": True}},
    "volumes": {"data": {}},
    "containers": {
        "init": {"image": "busybox", "state": "exited", "mounts": ["data:/d"]},
        "web": {"image": "busybox", "networks": ["backend", "shared"], "depends_on": ["init"]},
        "shell": {"image": "alpine:3.20", "command": "sleep 1d"},
    },
}


def docker_status_of(desired, actual: Actual) -> Status:
    """The status `dfwctl status` makes of one engine snapshot."""
    part = status_part("docker", actual.engine.endpoint,
                       docker_status.items(desired, actual),
                       lambda: docker_diff.diff(desired, actual, PlanOptions()))
    return combine_status(desired, [part], combine(desired, [part.plan]))


def at_rest(desired) -> Actual:
    actual = converged(desired)
    return with_container(actual, "init", status="exited", exit_code=0)


def by_address(status: Status):
    return {i.address: i for p in status.parts for i in p.items}


def test_a_converged_engine_lists_everything_as_the_playbook_says():
    desired = playbook(SITE)
    status = docker_status_of(desired, at_rest(desired))
    items = by_address(status)
    assert [i.address for i in status.parts[0].items] == [
        "docker.image.busybox:latest", "docker.image.alpine:3.20", "docker.network.backend",
        "docker.network.shared", "docker.volume.data", "docker.container.init",
        "docker.container.web", "docker.container.shell"]
    assert items["docker.container.init"].state == "exited (0)"
    assert items["docker.container.web"].state == "running"
    assert items["docker.network.shared"].state == "present (external)"
    assert dict(items["docker.container.web"].facts)["image"] == "busybox:latest"
    assert status.in_sync and all(status.drift(i) is None for i in items.values())
    text = render_status(status)
    assert text.startswith("Playbook site: 8 in the playbook, 8 as it says.\n")
    assert text.endswith("\nIn sync: a plan would change nothing.\n")


def test_a_container_stopped_behind_dfwctls_back_is_marked_as_drift():
    desired = playbook(SITE)
    actual = with_container(at_rest(desired), "shell", status="exited", exit_code=137)
    status = docker_status_of(desired, actual)
    shell = by_address(status)["docker.container.shell"]
    assert shell.state == "exited (137)"
    drift = status.drift(shell)
    assert drift is not None and drift.action is Action.UPDATE
    assert not status.in_sync
    text = render_status(status)
    assert re.search(r"\n  docker\.container\.shell +exited \(137\) +image alpine:3\.20, id ", text)
    assert ("      ~ drift: the container is exited (stopped outside dfwctl)\n"
            "        apply: start container shell\n") in text
    assert "Playbook site: 8 in the playbook, 7 as it says, 1 to change." in text
    assert text.endswith("Out of sync: apply would make 1 change (`dfwctl plan` says more).\n")


def test_missing_things_orphans_and_a_failed_run_once():
    desired = playbook(SITE)
    old = playbook({**SITE, "containers": {**SITE["containers"], "old": {"image": "busybox"}},
                    "volumes": {"data": {}, "scratch": {}}})
    actual = with_container(converged(old), "init", status="exited", exit_code=3)
    actual = without(actual, containers=["web"])
    status = docker_status_of(desired, actual)
    items = by_address(status)
    assert items["docker.container.web"].state == "missing"
    assert status.drift(items["docker.container.web"]).action is Action.CREATE
    init = items["docker.container.init"]
    assert init.state == "exited (3)" and not init.ok
    assert status.drift(init).action is Action.REPLACE
    assert items["docker.container.old"].orphan and items["docker.volume.scratch"].orphan
    text = render_status(status)
    assert "      + missing: apply creates it\n" in text
    assert "      orphan: no longer in the playbook (apply --prune removes it)\n" in text
    assert "; 2 orphans." in text.splitlines()[0]


def test_health_is_shown_and_an_unhealthy_container_is_in_trouble():
    desired = playbook(SITE)
    actual = with_container(at_rest(desired), "web", health="unhealthy")
    actual = with_container(actual, "shell", health="healthy")
    status = docker_status_of(desired, actual)
    items = by_address(status)
    assert items["docker.container.web"].state == "running (unhealthy)"
    assert not items["docker.container.web"].ok
    assert items["docker.container.shell"].state == "running (healthy)"
    text = render_status(status)
    assert text.startswith("Playbook site: 8 in the playbook, 7 as it says, 1 in trouble.")
    assert text.endswith("In sync: a plan would change nothing; 1 in trouble (see above).\n")


def test_health_never_moves_a_plans_fingerprint():
    desired = playbook(SITE)
    actual = at_rest(desired)
    assert with_container(actual, "web", health="starting").fingerprint() == \
        with_container(actual, "web", health="healthy").fingerprint() == actual.fingerprint()
    assert with_container(actual, "web", status="exited").fingerprint() != actual.fingerprint()


@pytest.mark.parametrize("text, health", [
    ("Up 3 minutes (healthy)", "healthy"), ("Up 3 seconds (health: starting)", "starting"),
    ("Up 2 hours (unhealthy)", "unhealthy"), ("Up 2 hours", None),
    ("Exited (0) 5 seconds ago", None)])
def test_gather_reads_health_from_the_engines_list(text, health):
    fake = FakeAPI("converged")
    for summary in fake._containers:
        summary["Status"] = text
    desired = playbook(fake.corpus.playbook)
    actual = gather(FakeEngine(fake), desired)
    assert {c.health for c in actual.containers.values()} == {health}
    assert [c.method for c in fake.calls if c.method != "version"] == [
        "containers", "networks", "volumes", "images"]


def test_a_plan_that_cannot_be_made_does_not_hide_what_was_found():
    desired = playbook(SITE)
    actual = without(at_rest(desired), networks=["shared"])  # the external network is gone
    status = docker_status_of(desired, actual)
    part = status.parts[0]
    assert "network shared is declared external but the engine has none" in part.problem
    assert by_address(status)["docker.network.shared"].state == "missing"
    assert not status.in_sync
    text = render_status(status)
    assert "  no plan can be made of it:\n    the plan cannot be made:\n" in text


def test_only_some_addresses():
    desired = playbook(SITE)
    status = only(docker_status_of(desired, at_rest(desired)), ["docker.container.web"])
    assert [i.address for p in status.parts for i in p.items] == ["docker.container.web"]


def test_json_has_every_item_with_its_drift():
    desired = playbook(SITE)
    actual = with_container(at_rest(desired), "shell", status="exited", exit_code=137)
    doc = json.loads(dumps(docker_status_of(desired, actual)))
    assert doc["format_version"] == "1.0" and doc["playbook"] == "site" and not doc["in_sync"]
    items = {i["address"]: i for i in doc["parts"][0]["items"]}
    shell = items["docker.container.shell"]
    assert shell["state"] == "exited (137)" and shell["drift"]["action"] == "update"
    assert shell["drift"]["fields"] == [{"name": "state", "before": "exited", "after": "running",
                                         "forces_replacement": False, "sensitive": False}]
    assert items["docker.container.web"]["drift"] is None


def test_colour_marks_states_and_drift_and_only_adds_codes():
    desired = playbook(SITE)
    actual = with_container(at_rest(desired), "shell", status="exited", exit_code=137)
    status = docker_status_of(desired, actual)
    coloured = render_status(status, COLOUR)
    assert "\x1b[32mrunning\x1b[0m" in coloured  # as the playbook says
    assert "\x1b[33mexited (137)\x1b[0m" in coloured  # drift, updated in place
    assert "\x1b[33m~\x1b[0m drift:" in coloured
    assert ANSI.sub("", coloured) == render_status(status)


# Hyper-V and Docker Desktop ---------------------------------------------------------------
def test_a_vm_shows_its_state_and_what_dfwctl_manages(tmp_path, monkeypatch):
    state = seeded(tmp_path / "hv.json", VmSeed(name="WIN10", state="Off", processors=2,
                                                dynamic_memory=(512 << 20, 8 << 30)))
    transport = use_fake_pwsh(monkeypatch, state)
    desired = hyperv_desired({"WIN10": {"processors": 4}, "GHOST": {}})
    actual = hyperv_gather(transport, desired.hyperv.vms)
    found = {i.name: i for i in hyperv_status.items(desired, actual)}
    assert found["WIN10"].state == "Off"
    assert dict(found["WIN10"].facts) == {
        "processors": "2", "memory": "2GiB", "dynamic memory": "512MiB-8GiB",
        "nested virtualization": "off", "switch": "Default Switch"}
    assert found["GHOST"].state == "not found" and not found["GHOST"].ok
    part = status_part("hyperv", actual.endpoint, hyperv_status.items(desired, actual),
                       lambda: hyperv_diff.diff(desired, actual))
    assert "VM GHOST does not exist" in part.problem  # the plan's refusal, items still shown
    assert [i.address for i in part.items] == ["hyperv.vm.WIN10", "hyperv.vm.GHOST"]


def test_docker_desktop_shows_the_settings_in_force_that_the_playbook_names():
    path = "/profile/settings-store.json"
    current = settings.parse(Path(path), (paths.FIXTURES / "desktop" /
                                          "store-4.35-settings-store.json").read_text(), "d")
    found = DesktopState(host="windows", settings=current, searched=(path,), explicit=True)
    desired = playbook({"name": "dd", "docker_desktop": {"engine": "hyperv", "cpus": 6,
                                                         "memory": "4GiB"}})
    (item,) = desktop_status.items(desired, found)
    assert (item.address, item.state) == ("desktop.settings", "found")
    assert dict(item.facts) == {"engine": "hyperv", "cpus": "4", "memory": "4GiB",
                                "file sharing": "C:\\, D:\\Projects"}
    part = status_part("desktop", found.endpoint, [item],
                       lambda: desktop_diff.plan(desired, found))
    status = combine_status(desired, [part], combine(desired, [part.plan]))
    drift = status.drift(status.parts[0].items[0])
    assert drift is not None and [d.name for d in drift.diffs] == ["cpus"]
    missing = DesktopState(host="windows", settings=None, searched=(path,), explicit=False)
    assert [(i.state, i.ok) for i in desktop_status.items(desired, missing)] == [
        ("not found", False)]


def test_items_on_named_machines_carry_their_machine():
    desired = playbook({"name": "lab", "machines": {"box": {"connect": "local",
                                                            "docker": "tcp://box:2375"}},
                        "engine": {"machine": "box"},
                        "containers": {"web": {"image": "busybox"}}})
    actual = converged(desired)
    part = dataclasses.replace(status_part(
        "docker", "tcp://box:2375", docker_status.items(desired, actual),
        lambda: docker_diff.diff(desired, actual)), machine="box")
    plan_part = dataclasses.replace(part.plan, machine="box")
    status = combine_status(desired, [part], combine(desired, [plan_part]))
    assert [i.address for i in status.parts[0].items] == ["box:docker.image.busybox:latest",
                                                          "box:docker.container.web"]
    assert render_status(status).splitlines()[2] == "docker on box (tcp://box:2375):"
    assert addresses(desired) == ("box:docker.image.busybox:latest", "box:docker.container.web")


def test_every_status_item_is_addressed_as_its_plan_change():
    """Drift is found by address: what a plan creates on an empty engine is listed under the
    same addresses, and so are the addresses the playbook declares."""
    desired = playbook(SITE)
    bare = without(converged(desired), containers=list(SITE["containers"]), images=[
        "busybox:latest", "alpine:3.20"], networks=["backend"], volumes=["data"])
    planned = {c.address for c in combine(desired, [docker_diff.diff(desired, bare)]).changes}
    listed = {i.address for i in docker_status.items(desired, bare)}
    assert planned and planned <= listed
    assert listed == set(addresses(desired)) | {"docker.network.shared"}
