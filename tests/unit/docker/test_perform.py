"""Applying Docker changes with no engine: plans made by the real provider (gather + diff +
combine) from recorded scenarios, run through apply's StepPerformer against the fake API
client, which answers and refuses as the recorded engine did.

Covered: the cleanup of an interrupted replace's leftover, the replace sequence and its
rollback when a step fails, the conditional replace after a re-pull, and the engine's errors
as dfwctl reports them. A step that fails half-way (a create whose second network
will not connect) undoes itself.
"""
from __future__ import annotations

import copy
import dataclasses
import inspect
import re
from typing import Any, List, Optional, Tuple
from urllib.parse import urlsplit

import docker
import docker.errors
import pytest

from dfwctl.apply import APPLIED, FAILED, SKIPPED, Executor, Outcome, StepPerformer
from dfwctl.combine import combine
from dfwctl.desired import Desired
from dfwctl.errors import EngineError, NotFoundError
from dfwctl.plan import Action, Change, Plan, PlanOptions
from dfwctl.providers.base import RunSettings
from dfwctl.providers.docker import labels as L
from dfwctl.providers.docker import steps as S
from dfwctl.providers.docker.provider import DockerProvider
from tests.builders import playbook, with_containers
from tests.paths import ROOT
from tests.unit.docker.fakeapi import Call, FakeAPI, FakeEngine, load

APP, ONCE, NET = "corpus-app", "corpus-once", "corpus-net"
LEFTOVER = "corpus-app-dfwctl-abc123"
DENIED = "cannot stop container: permission denied"


# Plumbing: the real provider and apply, on the fake ---------------------------------------------
def provider_of(fake: FakeAPI) -> DockerProvider:
    return DockerProvider(RunSettings(), engine=FakeEngine(fake))


def plan_of(provider: DockerProvider, desired: Desired,
            options: Optional[PlanOptions] = None) -> Plan:
    """The plan `dfwctl plan` makes: gather, diff, combine."""
    return combine(desired, [provider.plan(desired, options or PlanOptions())])


def apply(provider: DockerProvider, plan: Plan) -> List[str]:
    """Run each change of `plan`, in plan order, as apply does; the progress lines."""
    lines: List[str] = []
    perform = StepPerformer({("docker", ""): provider})
    for change in plan.changes:
        perform(change, lines.append)
    return lines


def trail(fake: FakeAPI) -> List[Tuple[str, Any]]:
    """The calls as (method, what they name): the first argument, or create's name."""
    return [(c.method, c.args[0] if c.args else c.kwargs.get("name")) for c in fake.calls]


def scenario(name: str = "converged") -> Tuple[FakeAPI, DockerProvider, Desired]:
    fake = FakeAPI(name)
    return fake, provider_of(fake), playbook(fake.corpus.playbook)


def changed(desired: Desired, name: str, **fields: Any) -> Desired:
    """`desired` with fields of one container changed."""
    spec = dataclasses.replace(desired.docker.containers[name], **fields)
    return with_containers(desired, spec)


def planned_replace(fake: FakeAPI, provider: DockerProvider,
                    desired: Desired) -> Tuple[Plan, str, str]:
    """Plan the app's env change (a replace); the plan, the old id, the temporary name. The
    call list starts after the plan."""
    want = changed(desired, APP, env=(("TZ", "Asia/Taipei"),))
    plan = plan_of(provider, want)
    (change,) = plan.changes
    assert change.action is Action.REPLACE
    fake.forget()
    return plan, fake.container(APP)["Id"], change.steps[0].name


# Leftover cleanup -----------------------------------------------------------------------------
def test_a_leftover_is_stopped_and_removed_and_the_next_plan_is_empty():
    fake, provider, desired = scenario("leftover")
    leftover_id = fake.container(LEFTOVER)["Id"]
    plan = plan_of(provider, desired)
    fake.forget()
    apply(provider, plan)
    # its own record's stop_timeout (3), and its anonymous volumes with it
    assert fake.calls == [Call("stop", (leftover_id,), {"timeout": 3}),
                          Call("remove_container", (leftover_id,), {"v": True})]
    assert fake.container(LEFTOVER) is None
    assert fake.container(APP) is not None
    assert plan_of(provider, desired).changes == ()


# Replace --------------------------------------------------------------------------------------
def test_a_replace_creates_then_stops_removes_renames_and_starts():
    fake, provider, desired = scenario()
    plan, old_id, temp = planned_replace(fake, provider, desired)
    apply(provider, plan)
    assert trail(fake) == [("create_container", temp), ("stop", old_id),
                           ("remove_container", old_id), ("rename", temp), ("start", APP)]
    assert fake.calls[1:] == [Call("stop", (old_id,), {"timeout": 3}),
                              Call("remove_container", (old_id,), {"v": True}),
                              Call("rename", (temp, APP), {}),
                              Call("start", (APP,), {})]


def test_the_replacement_is_created_with_the_new_spec_and_its_replacing_label():
    fake, provider, desired = scenario()
    plan, _, temp = planned_replace(fake, provider, desired)
    apply(provider, plan)
    created = fake.calls[0].kwargs
    assert re.fullmatch(r"corpus-app-dfwctl-[0-9a-f]{6}", temp)
    assert created["name"] == temp
    assert created["environment"] == ["TZ=Asia/Taipei"]
    assert created["labels"][L.REPLACING] == APP
    assert created["host_config"]["NetworkMode"] == NET
    assert created["host_config"]["Binds"] == ["corpus-data:/data"]


def test_after_a_replace_the_next_plan_is_empty():
    fake, provider, desired = scenario()
    plan, old_id, _ = planned_replace(fake, provider, desired)
    apply(provider, plan)
    new = fake.container(APP)
    assert new["Id"] != old_id and new["State"] == "running"
    assert plan_of(provider, changed(desired, APP, env=(("TZ", "Asia/Taipei"),))).changes == ()


@pytest.mark.parametrize("method, what, explanation", [
    ("stop", "stop container corpus-app", DENIED),
    ("remove_container", "remove container corpus-app",
     "unable to remove filesystem: device or resource busy"),
])
def test_a_failed_replace_step_removes_the_replacement_and_keeps_the_old(method, what,
                                                                         explanation):
    """The error reaches the caller naming the operation; the replacement, never renamed, is
    removed by force under its temporary name; the old container is still there."""
    fake, provider, desired = scenario()
    plan, old_id, temp = planned_replace(fake, provider, desired)
    fake.fail(method, explanation=explanation)
    with pytest.raises(EngineError, match="^(stop|remove) container corpus-app: ") as raised:
        apply(provider, plan)
    assert raised.value.message == f"{what}: {explanation}"
    assert f"its replacement {temp} was removed" in raised.value.hint
    assert fake.calls[-1] == Call("remove_container", (temp,), {"force": True})
    assert fake.container(temp) is None
    kept = fake.container(APP)
    assert kept is not None and kept["Id"] == old_id


def test_a_failed_rename_after_the_old_is_gone_keeps_the_replacement():
    """The replacement is all that is left then: it is kept, the error says so, and the next
    apply (which finds it as a leftover) converges."""
    fake, provider, desired = scenario()
    want = changed(desired, APP, env=(("TZ", "Asia/Taipei"),))
    plan, _, temp = planned_replace(fake, provider, desired)
    fake.fail("rename", explanation="Error when allocating new name: x")
    with pytest.raises(EngineError, match="rename container corpus-app: Error when allocating new") as raised:
        apply(provider, plan)
    assert "its replacement is kept as " + temp in raised.value.hint
    assert fake.container(temp) is not None
    assert not [c for c in fake.calls if c.method == "remove_container" and c.args == (temp,)]
    apply(provider, plan_of(provider, want))
    assert fake.container(APP)["State"] == "running" and fake.container(temp) is None
    assert plan_of(provider, want).changes == ()


def test_a_failed_stop_leaves_the_old_container_running():
    fake, provider, desired = scenario()
    plan, old_id, _ = planned_replace(fake, provider, desired)
    fake.fail("stop", explanation=DENIED)
    with pytest.raises(EngineError, match=r"^stop container corpus-app: cannot stop container: "
                       r"permission denied\n  hint: its replacement corpus-app-dfwctl-\w+ was "
                       "removed$"):
        apply(provider, plan)
    assert fake.container(APP)["State"] == "running"


def test_a_failed_remove_leaves_the_old_container_running_as_it_was():
    fake, provider, desired = scenario()
    plan, _, _ = planned_replace(fake, provider, desired)
    fake.fail("remove_container", explanation="removal of container is already in progress")
    with pytest.raises(EngineError, match="remove container corpus-app: removal of container is") as raised:
        apply(provider, plan)
    assert fake.container(APP)["State"] == "running"
    assert f"container {APP} was started again" in raised.value.hint


def test_a_failed_start_after_the_rename_keeps_the_new_container():
    """Once renamed, the replacement is the container: it stays, under its final name."""
    fake, provider, desired = scenario()
    plan, old_id, temp = planned_replace(fake, provider, desired)
    fake.fail("start", explanation="OCI runtime create failed: permission denied")
    with pytest.raises(EngineError, match="^start container corpus-app: OCI runtime"):
        apply(provider, plan)
    assert trail(fake)[-1] == ("start", APP)
    assert fake.calls_to("remove_container") == [Call("remove_container", (old_id,),
                                                      {"v": True})]  # the old one only
    kept = fake.container(APP)
    assert kept["Id"] != old_id and kept["Labels"][L.REPLACING] == APP
    assert kept["State"] == "created"
    assert fake.container(temp) is None


def test_an_old_container_removed_by_hand_after_the_plan_is_tolerated():
    """The engine's real 404s on stop and remove mean 'already gone': the replace goes on."""
    fake, provider, desired = scenario()
    plan, old_id, temp = planned_replace(fake, provider, desired)
    fake.drop(old_id)  # docker rm -f, behind dfwctl's back
    apply(provider, plan)
    assert trail(fake) == [("create_container", temp), ("stop", old_id),
                           ("remove_container", old_id), ("rename", temp), ("start", APP)]
    assert fake.container(APP)["State"] == "running"


def test_an_old_container_gone_between_stop_and_remove_is_tolerated():
    """Stopped, then gone before the remove (a `--rm` container, another client): the
    engine's 404 on remove alone."""
    fake, provider, desired = scenario()
    plan, old_id, _ = planned_replace(fake, provider, desired)
    fake.meanwhile("remove_container", lambda: fake.drop(old_id))
    apply(provider, plan)
    assert fake.methods() == ["create_container", "stop", "remove_container", "rename", "start"]
    assert fake.container(APP)["Id"] != old_id
    assert fake.container(APP)["State"] == "running"


def test_a_failed_connect_removes_the_replacement():
    fake, provider, _ = scenario()
    want = _with_second_network(fake, APP)
    plan = plan_of(provider, want)
    temp = plan.find("docker.container.corpus-app").steps[0].name
    fake.fail("connect_container_to_network", explanation="permission denied")
    with pytest.raises(EngineError, match="^connect container corpus-app to network corpus-net2: "
                                          "permission denied$"):
        apply(provider, plan)
    assert fake.container(temp) is None


def test_a_half_made_container_is_made_again_by_the_next_plan():
    fake, provider, _ = scenario()
    want = _with_second_network(fake, "corpus-new")
    plan = plan_of(provider, want)
    fake.fail("connect_container_to_network", explanation="permission denied")
    with pytest.raises(EngineError, match="^connect container corpus-new to network"):
        apply(provider, plan)
    change = plan_of(provider, want).find("docker.container.corpus-new")
    assert change.action in (Action.CREATE, Action.REPLACE)


def _with_second_network(fake: FakeAPI, name: str) -> Desired:
    """The scenario's playbook with a network corpus-net2, and container `name` (the app, or
    a new one like it) on both networks."""
    book = copy.deepcopy(fake.corpus.playbook)
    book["networks"]["corpus-net2"] = {}
    book["containers"].setdefault(name, copy.deepcopy(book["containers"][APP]))
    book["containers"][name]["networks"] = [NET, "corpus-net2"]
    return playbook(book)


# Conditional replace: the tag was gone and is pulled again -----------------------------------
def _repulled(image_id_of: str, **app_fields: Any) -> Tuple[FakeAPI, DockerProvider, Plan]:
    """busybox:latest removed by hand (`docker rmi`); the registry gives the image that
    `image_id_of` names; the app changed by `app_fields`. The call list starts after the plan."""
    fake, provider, desired = scenario()
    fake.registry["busybox:latest"] = fake.image_id(image_id_of)
    fake.untag("busybox:latest")
    want = changed(desired, APP, **app_fields) if app_fields else desired
    plan = plan_of(provider, want)
    fake.forget()
    return fake, provider, plan


def _replanned(fake: FakeAPI, provider: DockerProvider) -> Plan:
    """The next plan of the scenario's own playbook."""
    return plan_of(provider, playbook(fake.corpus.playbook))


def test_a_gone_tag_plans_a_pull_and_a_replace_that_waits_for_it():
    _, _, plan = _repulled("busybox:latest")
    pull, app = plan.changes
    assert (pull.address, pull.action) == ("docker.image.busybox:latest", Action.CREATE)
    assert (app.action, app.depends_on) == (Action.REPLACE, ("docker.image.busybox:latest",))
    assert app.condition.startswith("only if the pulled image is not the one")
    assert isinstance(app.steps[0], S.IfImageChanged)


def test_the_same_image_pulled_again_keeps_the_container():
    fake, provider, plan = _repulled("busybox:latest")
    lines = apply(provider, plan)
    assert fake.calls == [
        Call("pull", ("busybox",), {"tag": "latest", "stream": True, "decode": True}),
        Call("inspect_image", ("busybox:latest",), {})]
    assert "kept: the pulled image is the one it runs" in lines
    assert _replanned(fake, provider).changes == ()  # one apply converges


def test_the_same_image_pulled_again_runs_only_the_in_place_steps():
    fake, provider, plan = _repulled("busybox:latest", restart="always")
    app_id = fake.container(APP)["Id"]
    apply(provider, plan)
    assert fake.calls[2:] == [
        Call("update_container", (app_id,), {"restart_policy": {"Name": "always"}})]
    assert "create_container" not in fake.methods() and "rename" not in fake.methods()


def test_another_image_pulled_runs_the_full_replace():
    fake, provider, plan = _repulled("dfwctl-test/busybox:v2")
    old_id = fake.container(APP)["Id"]
    apply(provider, plan)
    assert fake.methods() == ["pull", "inspect_image", "create_container", "stop",
                              "remove_container", "rename", "start"]
    new = fake.container(APP)
    assert new["Id"] != old_id
    assert new["ImageID"] == fake.image_id("dfwctl-test/busybox:v2")
    assert _replanned(fake, provider).changes == ()  # one apply converges


def test_a_tag_the_registry_lacks_fails_the_pull_with_the_engines_text():
    fake, provider, plan = _repulled("busybox:latest")
    fake.registry.clear()
    with pytest.raises(EngineError,
                       match="pull image busybox:latest: manifest for busybox:latest not") as raised:
        apply(provider, plan)
    assert raised.value.message == ("pull image busybox:latest: manifest for busybox:latest not "
                                    "found: manifest unknown: manifest unknown")
    assert "check the image name and tag" in raised.value.hint


# More of apply on the fake --------------------------------------------------------------------
def test_the_second_stop_failing_fails_only_its_change_and_skips_what_waits():
    """destroy on the converged scenario, with the 2nd call to stop refused: the first
    container goes, the second fails, the network (which waits for both) is skipped."""
    fake, provider, desired = scenario()
    plan = plan_of(provider, desired, PlanOptions(destroy=True))
    fake.fail("stop", nth=2, explanation=DENIED)
    performer = StepPerformer({("docker", ""): provider})
    outcomes = Executor(performer, _Events(), parallelism=1).run(plan)
    status = {o.address: (o.status, o.message) for o in outcomes.outcomes}
    assert status == {
        "docker.container.corpus-app": (APPLIED, ""),
        "docker.container.corpus-once": (FAILED, f"stop container {ONCE}: {DENIED}"),
        "docker.network.corpus-net": (SKIPPED, "docker.container.corpus-once failed"),
    }
    assert fake.container(APP) is None and fake.container(ONCE) is not None


class _Events:
    """apply's event sink; these tests read the outcomes instead."""

    def started(self, change: Change) -> None: ...

    def progress(self, change: Change, line: str) -> None: ...

    def finished(self, change: Change, outcome: Outcome) -> None: ...


def test_a_name_taken_after_the_plan_fails_the_create_with_a_hint():
    fake, provider, desired = scenario()
    new = dataclasses.replace(desired.docker.containers[APP], name="corpus-new")
    plan = plan_of(provider, with_containers(desired, new))
    taken = fake.create_container("busybox:latest", name="corpus-new")["Id"]
    with pytest.raises(EngineError,
                       match=r"create container corpus-new: Conflict\. The container name") as raised:
        apply(provider, plan)
    assert raised.value.message == (
        f'create container corpus-new: Conflict. The container name "/corpus-new" is already in '
        f'use by container "{taken}". You have to remove (or rename) that container to be able '
        "to reuse that name.")
    assert raised.value.hint.startswith("a container with that name exists")


def test_a_run_once_container_that_fails_reports_its_exit_code_and_last_lines():
    """Replacing the record-less run-once container: its new run ends with code 3."""
    fake, provider, desired = scenario("norecord")
    fake.exit_codes[ONCE] = 3
    fake.logs_text[ONCE] = _recorded_logs().encode()  # what a failing run printed
    with pytest.raises(EngineError,
                       match=r"container corpus-once exited with code 3 \(state: exited") as raised:
        apply(provider, plan_of(provider, desired))
    assert raised.value.message == ("container corpus-once exited with code 3 (state: exited "
                                    "expects 0); its last log lines:\n    | failing")
    assert fake.calls_to("logs")[-1].kwargs == {"tail": 20}


def _recorded_logs() -> str:
    """The logs of the recorded run-once container that exited with code 3."""
    return next(c["bytes"] for c in load("responses").calls if c["method"] == "logs")


def test_a_network_with_a_subnet_is_created_with_its_ipam_pool():
    """The pool goes as the SDK's IPAMConfig (APIClient has no create_ipam_* helpers: calling
    them was an AttributeError, an internal error)."""
    fake, provider, _ = scenario()
    want = playbook({**fake.corpus.playbook,
                     "networks": {NET: {}, "corpus-sub": {"subnet": "172.30.9.0/24"}}})
    apply(provider, plan_of(provider, want))
    (created,) = fake.calls_to("create_network")
    assert created.kwargs["ipam"]["Config"][0]["Subnet"] == "172.30.9.0/24"


def test_container_options_reach_the_engine_in_the_host_config_and_plan_nothing_after():
    fake, provider, _ = scenario()
    book = copy.deepcopy(fake.corpus.playbook)
    book["containers"]["corpus-opts"] = {
        "image": "busybox:latest", "command": ["sleep", "3600"],
        "extra_hosts": {"db.local": "10.0.0.5"}, "dns": "1.1.1.1", "cap_add": ["net_admin"],
        "logging": {"driver": "local", "options": {"max-size": "10m"}}, "gpus": "all",
        "ulimits": {"nofile": {"soft": 1024, "hard": 4096}}, "init": False,
        "stop_grace_period": "1m", "security_opt": ["systempaths=unconfined"],
    }
    want = playbook(book)
    fake.forget()
    apply(provider, plan_of(provider, want))
    (created,) = fake.calls_to("create_container")
    host = created.kwargs["host_config"]
    assert host["ExtraHosts"] == ["db.local:10.0.0.5"] and host["Dns"] == ["1.1.1.1"]
    assert host["CapAdd"] == ["NET_ADMIN"] and host["Init"] is False
    assert host["LogConfig"] == {"Type": "local", "Config": {"max-size": "10m"}}
    assert host["Ulimits"] == [{"Name": "nofile", "Soft": 1024, "Hard": 4096}]
    assert host["DeviceRequests"] == [{"Driver": "", "Count": -1, "DeviceIDs": [],
                                       "Capabilities": [["gpu"]], "Options": {}}]
    # systempaths=unconfined is what the docker CLI sends instead: nothing masked
    assert host["MaskedPaths"] == [] and host["ReadonlyPaths"] == []
    assert "SecurityOpt" not in host
    assert created.kwargs["stop_timeout"] == 60
    assert plan_of(provider, want).changes == ()


def test_long_mounts_go_as_binds_where_v_says_the_same_and_as_mounts_otherwise():
    fake, provider, _ = scenario()
    book = copy.deepcopy(fake.corpus.playbook)
    book["containers"]["corpus-long"] = {
        "image": "busybox:latest", "command": ["sleep", "3600"],
        "mounts": [{"type": "volume", "source": "corpus-data", "target": "/data",
                    "volume": {"nocopy": True}},
                   {"type": "bind", "source": "/srv", "target": "/srv", "read_only": True,
                    "bind": {"create_host_path": False}},
                   {"type": "tmpfs", "target": "/cache", "tmpfs": {"size": "1m"}}]}
    want = playbook(book)
    apply(provider, plan_of(provider, want))
    (created,) = [c for c in fake.calls_to("create_container")
                  if c.kwargs["name"] == "corpus-long"]
    host = created.kwargs["host_config"]
    assert host["Binds"] == ["corpus-data:/data:nocopy"]
    assert host["Mounts"] == [
        {"Type": "bind", "Target": "/srv", "ReadOnly": True, "Source": "/srv"},
        {"Type": "tmpfs", "Target": "/cache", "ReadOnly": False,
         "TmpfsOptions": {"SizeBytes": 1048576}}]
    assert plan_of(provider, want).changes == ()


def test_aliases_and_fixed_addresses_go_with_each_network_and_plan_nothing_after():
    fake, provider, _ = scenario()
    book = copy.deepcopy(fake.corpus.playbook)
    book["networks"]["corpus-fixed"] = {"subnet": "172.30.7.0/24"}
    book["containers"]["corpus-web"] = {
        "image": "busybox:latest", "command": ["sleep", "3600"],
        "networks": {NET: {"aliases": ["web", "www"]},
                     "corpus-fixed": {"aliases": ["api"], "ipv4_address": "172.30.7.10"}}}
    want = playbook(book)
    apply(provider, plan_of(provider, want))
    (created,) = [c for c in fake.calls_to("create_container")
                  if c.kwargs["name"] == "corpus-web"]
    endpoints = created.kwargs["networking_config"]["EndpointsConfig"]  # the first by name
    assert endpoints == {"corpus-fixed": {"Aliases": ["corpus-web", "api"],
                                          "IPAMConfig": {"IPv4Address": "172.30.7.10"}}}
    (connect,) = fake.calls_to("connect_container_to_network")
    assert connect.args[1:] == (NET,)
    assert connect.kwargs == {"aliases": ["corpus-web", "web", "www"]}
    joined = fake.container("corpus-web")["NetworkSettings"]["Networks"]
    assert joined["corpus-fixed"]["IPAddress"] == "172.30.7.10"
    assert plan_of(provider, want).changes == ()


# The fake itself ------------------------------------------------------------------------------
def _engine_calls() -> List[str]:
    """Every `api.X` / `self.api.X` / `engine.api.X` in the Docker and Desktop providers."""
    found = set()
    for folder in ("docker", "desktop"):
        for path in (ROOT / "dfwctl" / "providers" / folder).glob("*.py"):
            found.update(re.findall(r"\bapi\.([a-z_]+)\b", path.read_text(encoding="utf-8")))
    return sorted(found)


@pytest.mark.parametrize("method", _engine_calls())
def test_the_fake_has_each_sdk_method_dfwctl_calls_with_its_signature(method):
    sdk = getattr(docker.APIClient, method)  # AttributeError: dfwctl calls what is not there
    assert inspect.signature(getattr(FakeAPI, method)) == inspect.signature(sdk)


def test_dfwctl_calls_the_methods_the_fake_was_written_for():
    """A new engine call in dfwctl must be added to the fake (and this list)."""
    assert _engine_calls() == [
        "build", "connect_container_to_network", "containers", "create_container",
        "create_endpoint_config", "create_host_config", "create_network",
        "create_networking_config", "create_volume", "disconnect_container_from_network",
        "images", "info", "inspect_container", "inspect_distribution", "inspect_image",
        "inspect_network", "inspect_volume", "logs", "networks", "pull", "put_archive",
        "remove_container", "remove_network",
        "remove_volume", "rename", "restart", "start", "stop", "unpause", "update_container",
        "volumes", "wait"]


_REFUSALS = {
    "no such container": lambda f: f.inspect_container("corpus-missing"),
    "start: no such container": lambda f: f.start("corpus-missing"),
    "stop: no such container": lambda f: f.stop("corpus-missing", timeout=3),
    "remove: no such container": lambda f: f.remove_container("corpus-missing", v=True),
    "rename: no such container": lambda f: f.rename("corpus-missing", "corpus-other"),
    "update: no such container":
        lambda f: f.update_container("corpus-missing", restart_policy={"Name": "always"}),
    "wait: no such container": lambda f: f.wait("corpus-missing"),
    "unpause: not paused": lambda f: f.unpause(APP),
    "no such image": lambda f: f.inspect_image("dfwctl-test/nope:missing"),
    "create: no such image":
        lambda f: f.create_container("dfwctl-test/nope:missing", name="corpus-spare"),
    "create: name in use": lambda f: f.create_container("busybox:latest", name=APP),
    "no such network": lambda f: f.inspect_network("corpus-missing-net"),
    "remove network: no such network": lambda f: f.remove_network("corpus-missing-net"),
    "remove network: in use": lambda f: f.remove_network(f.corpus.first("inspect_network")["Id"]),
    "connect: no such network":
        lambda f: f.connect_container_to_network(APP, "corpus-missing-net", aliases=[APP]),
    "remove volume: no such volume": lambda f: f.remove_volume("corpus-missing-data"),
    "pull: no such tag": lambda f: f.pull("127.0.0.1:5555/dfwctl-test/nope", tag="missing",
                                          stream=True, decode=True),
    "distribution: no such tag":
        lambda f: f.inspect_distribution("127.0.0.1:5555/dfwctl-test/nope:missing"),
}


@pytest.mark.parametrize("case", sorted(_REFUSALS))
def test_the_fake_refuses_as_the_engine_did(case):
    """The same call on the state it was recorded in: the SDK's exception class, status, text
    and path the engine gave."""
    recorded = load("responses").case(case)["error"]
    with pytest.raises(docker.errors.APIError,
                       match=r"^\d{3} (Client|Server) Error for http\+docker://localhost/v1\.41/") as raised:
        _REFUSALS[case](FakeAPI("norecord"))
    error = raised.value
    assert (type(error).__name__, error.status_code, error.explanation) == (
        recorded["class"], recorded["status"], recorded["explanation"])
    assert urlsplit(error.response.url).path == urlsplit(recorded["url"]).path


def test_the_fake_refuses_to_remove_a_volume_in_use_naming_its_users():
    fake = FakeAPI("norecord")
    with pytest.raises(docker.errors.APIError,
                       match=r"409 Client Error for http\+docker://localhost/v1\.41/volumes/c") as raised:
        fake.remove_volume("corpus-data")
    recorded = load("responses").case("remove volume: in use")["error"]
    users = {c["Id"] for c in fake.containers(all=True)}
    assert raised.value.status_code == recorded["status"] == 409
    assert raised.value.explanation.startswith("remove corpus-data: volume is in use - [")
    assert set(re.findall(r"[0-9a-f]{64}", raised.value.explanation)) == users
    assert set(re.findall(r"[0-9a-f]{64}", recorded["explanation"])) == users


def test_the_fake_refuses_to_remove_a_running_container_without_force():
    fake = FakeAPI("converged")
    app_id = fake.container(APP)["Id"]
    with pytest.raises(docker.errors.APIError,
                       match=r"409 Client Error for http\+docker://localhost/v1\.41/container") as raised:
        fake.remove_container(app_id, v=True)
    assert raised.value.status_code == 409
    assert raised.value.explanation == (
        f"You cannot remove a running container {app_id}. Stop the container before attempting "
        "removal or force remove")


def test_an_injected_failure_hits_only_the_nth_call_and_leaves_the_model():
    fake = FakeAPI("converged")
    fake.fail("stop", nth=2, status=500, explanation=DENIED)
    fake.stop(ONCE)  # the 1st: an exited container, nothing to do
    with pytest.raises(docker.errors.APIError,
                       match=r"500 Server Error for http\+docker://localhost/v1\.41/container") as raised:
        fake.stop(APP)
    assert (raised.value.status_code, raised.value.explanation) == (500, DENIED)
    assert not isinstance(raised.value, docker.errors.NotFound)
    assert fake.container(APP)["State"] == "running"
    fake.stop(APP)  # the 3rd goes through
    assert fake.container(APP)["Status"].startswith("Exited (137)")
    assert fake.methods() == ["stop", "stop", "stop"]


def test_an_injected_404_is_the_sdks_not_found_and_dfwctls_not_found_error():
    fake = FakeAPI("converged")
    engine = FakeEngine(fake)
    fake.fail("inspect_container", status=404, explanation="No such container: x")
    with pytest.raises(NotFoundError, match="^inspect it: No such container: x$"):
        engine.call("inspect it", engine.api.inspect_container, "x")


@pytest.mark.parametrize("method", ["create_container", "create_network", "create_volume",
                                    "update_container", "wait"])
def test_write_answers_have_the_engines_shape(method):
    """What a write returns has the keys the engine's answer had."""
    fake = FakeAPI("converged")
    calls = {
        "create_container": lambda: fake.create_container("busybox:latest", name="corpus-x"),
        "create_network": lambda: fake.create_network("corpus-x-net", driver="bridge"),
        "create_volume": lambda: fake.create_volume("corpus-x-data", driver="local"),
        "update_container": lambda: fake.update_container(APP, restart_policy={"Name": "no"}),
        "wait": lambda: fake.wait(ONCE),
    }
    answer = calls[method]()
    recorded = load("responses").answers(method)[0]
    assert sorted(answer) == sorted(recorded)


ALLOCATED = ("driver failed programming external connectivity on endpoint corpus-app (0a1b): "
             "Bind for 127.0.0.1:18605 failed: port is already allocated")


def test_a_port_the_engine_holds_for_no_container_says_to_restart_the_engine():
    """An engine killed while it started a container keeps that container's host ports (its
    allocator leaks them) until it restarts: the error says so instead of 'pick another'."""
    fake, provider, desired = scenario()
    plan, _, _ = planned_replace(fake, provider, desired)
    fake.fail("start", explanation=ALLOCATED)
    with pytest.raises(EngineError, match="port is already allocated") as raised:
        apply(provider, plan)
    assert "none of the engine's containers publishes host port 18605" in raised.value.hint
    assert "restart the Docker engine" in raised.value.hint
