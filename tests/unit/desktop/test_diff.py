"""The pure Docker Desktop diff: a change per setting, where each lives per engine and era,
the restart the last change carries, risks, and the mount check as the plan will leave it."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import pytest

from dfwctl import report
from dfwctl.combine import combine
from dfwctl.errors import PlanError
from dfwctl.plan import Action, Manual
from dfwctl.providers.desktop import settings, sharing
from dfwctl.providers.desktop import steps as S
from dfwctl.providers.desktop.diff import SETTINGS, WSLCONFIG, plan
from dfwctl.providers.desktop.model import (
    DesktopOptions,
    DesktopSpec,
    DesktopState,
    WslState,
)
from dfwctl.values.sizes import GIB
from tests import paths
from tests.builders import playbook

FIXTURES = paths.FIXTURES / "desktop"
RESTART = ("docker", "desktop", "restart")
STORE = "store-4.35-settings-store.json"  # hyperv, 4 CPUs, 4GiB, 1GiB swap, 64GiB, C:\ D:\Projects


def state(fixture: str = STORE, wsl: Optional[WslState] = None, host_cpus: int = 16,
          **kw) -> DesktopState:
    name = "settings-store.json" if fixture.startswith("store") else "settings.json"
    path = f"/profile/{name}"
    current = settings.parse(Path(path), (FIXTURES / fixture).read_text(), f"digest-{fixture}")
    return DesktopState(host="windows", settings=current, searched=(path,), explicit=True,
                        wslconfig=wsl, host_cpus=host_cpus, **kw)


def book(desktop: Optional[dict] = None, *mounts: str, docker: bool = True):
    data = {"name": "p"}
    if desktop is not None:
        data["docker_desktop"] = desktop
    if docker:
        data["containers"] = {"shell": {"image": "alpine", "mounts": list(mounts)}}
    return playbook(data)


def only(result, address=SETTINGS):
    assert [c.address for c in result.changes] == [address], result.changes
    return result.changes[0]


def written(change):
    """What the change's first step writes: (path, digest, updates)."""
    write = change.steps[0]
    assert isinstance(write, (S.WriteSettings, S.WriteWslconfig)), change.steps
    return write.path, write.digest, write.updates


def step_of(change, kind):
    (found,) = [s for s in change.steps if isinstance(s, kind)]
    return found


def rendered(desired, *args):
    return report.render_plan(combine(desired, [plan(desired, *args)]))


# one diff per field ---------------------------------------------------------------------------
@pytest.mark.parametrize("field,value,shown_before,shown_after,key", [
    ("cpus", 2, "4", "2", ("Cpus", 2)),
    ("memory", "8GiB", "4GiB", "8GiB", ("MemoryMiB", 8192)),
    ("swap", "2GiB", "1GiB", "2GiB", ("SwapMiB", 2048)),
    ("disk", "128GiB", "64GiB", "128GiB", ("DiskSizeMiB", 131072)),
    ("engine", "wsl2", '"hyperv"', '"wsl2"', ("WslEngineEnabled", True)),
    ("shared_drives", ["C", "E"], '["C"]', '["C", "E"]',
     ("FilesharingDirectories", ["C:\\", "D:\\Projects", "E:\\"])),
    ("file_sharing", ["D:\\Projects", "C:\\Users\\me"], '["D:\\\\Projects"]',
     '["D:\\\\Projects", "C:\\\\Users\\\\me"]',
     ("FilesharingDirectories", ["C:\\", "D:\\Projects", "C:\\Users\\me"])),
])
def test_each_field_yields_its_own_diff(field, value, shown_before, shown_after, key):
    change = only(plan(book({field: value}), state(), DesktopOptions(RESTART)))
    assert [d.name for d in change.diffs] == [field]
    diff = change.diffs[0]
    assert report.value_text(field, diff.before) == shown_before
    assert report.value_text(field, diff.after) == shown_after
    assert change.action is Action.UPDATE and change.requires_restart
    assert written(change) == ("/profile/settings-store.json", f"digest-{STORE}", (key,))


def test_what_the_file_already_has_is_no_change():
    same = {"engine": "hyperv", "cpus": 4, "memory": "4GiB", "swap": "1GiB", "disk": "64GiB",
            "shared_drives": ["c"], "file_sharing": ["d:/projects"]}
    assert plan(book(same), state()).changes == ()


def test_sizes_are_written_in_mib_and_shown_as_sizes():
    change = only(plan(book({"memory": "1536MiB"}), state()))
    assert written(change)[2] == (("MemoryMiB", 1536),)
    assert report.value_text("memory", change.diffs[0].after) == "1536MiB"


def test_a_sparse_file_gets_the_keys_it_lacks():
    change = only(plan(book({"engine": "hyperv", "cpus": 2}), state(
        "store-sparse-settings-store.json")))
    assert [(d.name, d.before, d.after) for d in change.diffs] == [
        ("engine", None, "hyperv"), ("cpus", None, 2)]
    assert written(change)[2] == (("WslEngineEnabled", False), ("Cpus", 2))


def test_file_sharing_parts_are_managed_apart():
    entries = ("C:\\", "D:\\Projects", "e:/")
    drives_only = sharing.update(DesktopSpec(shared_drives=("C",)), entries)
    assert drives_only.entries == ("C:\\", "D:\\Projects")  # the folder is kept
    folders_only = sharing.update(DesktopSpec(file_sharing=()), entries)
    assert folders_only.entries == ("C:\\", "e:/")  # the drives are kept
    nothing = sharing.update(DesktopSpec(shared_drives=("E", "C")), entries)
    assert nothing.entries is None


# where each setting lives ---------------------------------------------------------------------
def test_wsl2_resources_go_to_wslconfig_and_disk_stays():
    wsl = WslState("/profile/.wslconfig", True, "wsl-digest", cpus=2, memory=4 * GIB)
    result = plan(book({"engine": "wsl2", "cpus": 2, "memory": "6GiB", "swap": "0",
                        "disk": "100GiB"}), state("store-camel-settings-store.json", wsl=wsl),
                  DesktopOptions(RESTART))
    settings_change, wsl_change = result.changes
    assert [d.name for d in settings_change.diffs] == ["disk"]
    assert wsl_change.address == WSLCONFIG and wsl_change.depends_on == (SETTINGS,)
    assert [(d.name, str(d.before), str(d.after)) for d in wsl_change.diffs] == [
        ("memory", "4GiB", "6GiB"), ("swap", "None", "0B")]
    assert written(wsl_change) == ("/profile/.wslconfig", "wsl-digest",
                                   (("memory", "6GB"), ("swap", "0")))
    assert "not from its settings file" in wsl_change.reasons[0]
    assert [type(s) for s in settings_change.steps] == [S.WriteSettings]  # the restart is last
    assert step_of(wsl_change, S.RestartDesktop).command == RESTART
    assert step_of(wsl_change, S.CheckResources).wsl


def test_a_missing_wslconfig_is_created():
    wsl = WslState("/profile/.wslconfig", False, "")
    change = only(plan(book({"engine": "wsl2", "cpus": 2}),
                       state("store-camel-settings-store.json", wsl=wsl)), WSLCONFIG)
    assert change.action is Action.CREATE
    assert "+ cpus = 3" in rendered(book({"engine": "wsl2", "cpus": 3}), state(
        "store-camel-settings-store.json", wsl=wsl))


def test_file_sharing_does_not_apply_to_wsl2():
    result = plan(book({"shared_drives": ["E"]}, r"Q:\x:/x"),
                  state("store-camel-settings-store.json"))
    assert result.changes == ()
    assert result.warnings == (
        "with the WSL 2 engine Docker Desktop shares every local drive, so "
        "docker_desktop.shared_drives and file_sharing do not apply: dfwctl leaves the settings "
        "file's list as it is",)


# refusals, all at once ------------------------------------------------------------------------
@pytest.mark.parametrize("fixture,desktop,message", [
    ("legacy-2016-settings.json", {"disk": "64GiB"},
     "is a Docker for Windows 1.12-18.x settings.json, which has no disk setting: remove "
     "docker_desktop.disk"),
    ("legacy-2018-settings.json", {"engine": "wsl2"}, "whose Docker runs only the Hyper-V engine"),
    ("legacy-2018-settings.json", {"shared_drives": ["C"]}, "tick the drives under Settings > "
                                                            "Shared Drives"),
    ("classic-2.1-settings.json", {"file_sharing": ["C:\\src"]}, "share whole drives over SMB"),
    ("store-sparse-settings-store.json", {"cpus": 2},
     "the settings file does not say which engine Docker Desktop runs, and cpus live in "
     "different places for each"),
    (STORE, {"cpus": 64}, "docker_desktop.cpus is 64, and this machine has 16 logical CPUs"),
])
def test_refusals(fixture, desktop, message):
    with pytest.raises(PlanError, match="the plan cannot be made") as caught:
        plan(book(desktop), state(fixture))
    assert message in str(caught.value)


def test_a_missing_settings_file_and_every_other_problem_in_one_error():
    missing = DesktopState("windows", None, ("/profile/settings-store.json",
                                             "/profile/settings.json"), False)
    with pytest.raises(PlanError, match="the plan cannot be made:") as caught:
        plan(book({"engine": "hyperv"}, r"C:\a:/a", r"\\srv\share:/b"), missing)
    lines = str(caught.value).splitlines()
    assert lines[0] == "the plan cannot be made:"
    assert lines[1] == ("  - Docker Desktop's settings file was not found (looked for "
                        "/profile/settings-store.json or /profile/settings.json): start Docker "
                        "Desktop once so that it writes it, or name the file with "
                        "docker_desktop.settings_file (or the DFWCTL_DESKTOP_SETTINGS variable)")
    assert "network share" in lines[2] and len(lines) == 3  # C:\a: sharing unknown, a warning
    named = DesktopState("windows", None, ("/book/mine.json",), True)
    with pytest.raises(PlanError, match="the settings file /book/mine.json does not exist"):
        plan(book({"cpus": 1}), named)


def test_macos_has_no_engine_choice_nor_drives():
    mac = DesktopState("darwin", state().settings, ("/x",), False, host_cpus=8)
    with pytest.raises(PlanError, match="the plan cannot be made:") as caught:
        plan(book({"engine": "hyperv", "shared_drives": ["C"]}), mac)
    assert "Docker Desktop on darwin: remove it" in str(caught.value)
    assert "list folders under docker_desktop.file_sharing instead" in str(caught.value)
    assert [d.name for d in only(plan(book({"cpus": 2}), mac)).diffs] == ["cpus"]


def test_unreadable_values_are_warned_about_and_overwritten():
    current = settings.parse(Path("/p/settings-store.json"), '{"Cpus": 2, "cpus": 3}', "d")
    result = plan(book({"engine": "hyperv", "cpus": 4}),
                  DesktopState("windows", current, ("/p",), True))
    assert result.warnings == ("/p/settings-store.json: it has both cpus=3 and Cpus=2: remove "
                               "one of them; dfwctl sets it",)
    assert written(result.changes[0])[2][-2:] == (("cpus", 4), ("Cpus", 4))


# the restart -------------------------------------------------------------------------------
def test_restart_and_check_after_writing():
    change = only(plan(book({"cpus": 2, "memory": "2GiB"}), state(), DesktopOptions(RESTART)))
    assert step_of(change, S.RestartDesktop).command == RESTART
    check = step_of(change, S.CheckResources)
    assert (check.cpus, check.memory) == (2, 2 * GIB)
    assert step_of(change, S.CheckSettingsKept).expect == (("cpus", 2), ("memory", 2 * GIB))
    assert not [s for s in change.steps if isinstance(s, S.Stop)]
    assert change.restart == "Docker Desktop restart"
    assert tuple(s.text for s in change.steps) == (
        "write settings-store.json (the previous one kept as settings-store.json.dfwctl.bak)",
        "run `docker desktop restart`", "wait for the Docker Engine to answer",
        "check that Docker Desktop kept the new settings",
        "check the engine's CPUs and memory in /info (NCPU, MemTotal)")


@pytest.mark.parametrize("options,desktop,blocking,why", [
    (DesktopOptions(), {"shared_drives": ["C", "E"]}, True, "has no `docker desktop` command"),
    (DesktopOptions(RESTART, no_restart=True), {"shared_drives": ["E"]}, True,
     "--no-restart leaves it to you"),
    (DesktopOptions(), {"cpus": 2}, False, "restart Docker Desktop after apply"),
])
def test_without_a_restart(options, desktop, blocking, why):
    change = only(plan(book(desktop), state(), options))
    assert not [s for s in change.steps if isinstance(s, S.RestartDesktop)]
    last = change.steps[-1]
    assert isinstance(last, S.Stop if blocking else Manual)
    assert why in change.reasons[-1]
    assert last.text == ("stop here: restart Docker Desktop, then run apply again"
                         if blocking else "restart Docker Desktop for the new settings to take "
                         "effect (this machine has no `docker desktop` command (Docker Desktop "
                         "4.37 and later have one))")


def test_nothing_waits_when_the_playbook_has_no_docker_part():
    change = only(plan(book({"shared_drives": ["E"]}, docker=False), state()))
    assert isinstance(change.steps[-1], Manual)


def test_switching_the_engine_is_destructive_and_stops_the_apply():
    change = only(plan(book({"engine": "wsl2", "disk": "64GiB"}), state(), DesktopOptions(RESTART)))
    assert change.destructive
    assert "the engine switches from hyperv to wsl2" in change.reasons[0]
    assert step_of(change, S.Stop).message.startswith("the engine switched")


def test_a_smaller_disk_is_destructive():
    change = only(plan(book({"disk": "32GiB"}), state()))
    assert change.destructive and "the disk shrinks from 64GiB to 32GiB" in change.reasons[0]
    assert not only(plan(book({"disk": "128GiB"}), state())).destructive


# the mount check, as the plan will leave sharing ---------------------------------------------
@pytest.mark.parametrize("desktop,fixture,outcome", [
    ({"shared_drives": ["E"]}, STORE, "error"),  # the playbook unshares C
    ({"cpus": 4}, STORE, "ok"),  # the file shares C
    ({"shared_drives": ["C"]}, "classic-3.5-settings.json", "ok"),  # the playbook shares C
    ({"cpus": 3}, "classic-3.5-settings.json", "error"),  # only D:\Projects is shared
    ({"file_sharing": [r"C:\Users"]}, "classic-3.5-settings.json", "ok"),
    (None, "classic-3.5-settings.json", "error"),  # no section: the file decides
    (None, "store-camel-settings-store.json", "ok"),  # the file says WSL 2
    # switching to Hyper-V, with no list in the file: Docker Desktop's default, unknown
    ({"engine": "hyperv"}, "store-camel-settings-store.json", "unchecked"),
    ({"engine": "hyperv", "file_sharing": []}, "store-camel-settings-store.json", "error"),
])
def test_binds_are_checked_against_sharing_after_the_plan(desktop, fixture, outcome):
    desired = book(desktop, r"C:\Users\me\src:/src")
    if outcome == "error":
        with pytest.raises(PlanError, match="drive C is not shared with Docker Desktop"):
            plan(desired, state(fixture))
        return
    warnings = plan(desired, state(fixture)).warnings
    assert bool(warnings) is (outcome == "unchecked"), warnings


def test_secret_files_an_engine_here_mounts_are_checked_like_binds():
    import dataclasses

    from dfwctl.values.secrets import SecretSource

    desired = playbook({"name": "p", "docker_desktop": {"shared_drives": ["E"]},
                        "containers": {"db": {"image": "alpine", "secrets": ["pw"]}}})
    source = SecretSource("pw", file=r"C:\Users\me\pw.txt")
    desired = dataclasses.replace(desired, docker=dataclasses.replace(
        desired.docker, secrets={"pw": source}))
    with pytest.raises(PlanError, match=r"container db: secret pw \(C:\\Users\\me\\pw.txt\): "
                       "drive C is not shared with Docker Desktop"):
        plan(desired, state(), DesktopOptions(secret_binds=True))
    # an engine elsewhere (a VM's) gets the file's bytes copied in: nothing to share
    assert plan(desired, state(), DesktopOptions(secret_binds=False)).warnings == ()


def test_destroy_plans_nothing():
    assert plan(book({"cpus": 1}, r"Q:\x:/x"), state(), DesktopOptions(destroy=True)).changes == ()


def test_fingerprint_and_digests():
    desired = book({"cpus": 2})
    one = plan(desired, state())
    other = plan(desired, state("classic-3.5-settings.json"))
    assert one.fingerprint != other.fingerprint
    assert combine(desired, [one]).desired_digest == desired.digest()
    assert one.endpoint == "desktop:/profile/settings-store.json"


def test_the_seed_scenario_renders():
    seed = book({"engine": "hyperv", "shared_drives": ["C"]},
                r"C:\Users\chicken\Docker\apline-data:/data")
    text = rendered(seed, state("classic-3.5-settings.json"), DesktopOptions(RESTART))
    assert text == """\
dfwctl will make these changes for playbook p on desktop:/profile/settings.json:

  # desktop.settings will be updated in place
  #   because Docker Desktop uses these settings only after it restarts
  ~ settings "/profile/settings.json"  [Docker Desktop restart]
      ~ shared_drives = [] -> ["C"]
      steps:
        1. write settings.json (the previous one kept as settings.json.dfwctl.bak)
        2. run `docker desktop restart`
        3. wait for the Docker Engine to answer

Plan: 0 to create, 1 to update, 0 to replace, 0 to destroy.
"""


# plans and refusals in full: what the user reads --------------------------------------------
def _body(text: str) -> str:
    """A rendered plan without its header line."""
    return text.split("\n", 2)[2]


def test_a_wslconfig_update_in_full_with_the_problems_it_fixes_and_those_it_leaves():
    wsl = WslState("/profile/.wslconfig", True, "wsl-digest", cpus=2, memory=4 * GIB,
                   problems={"memory": "memory=lots is not a size",
                             "swap": "swap=x is not a size"})
    text = rendered(book({"engine": "wsl2", "cpus": 3, "memory": "6GiB"}),
                    state("store-camel-settings-store.json", wsl=wsl), DesktopOptions(RESTART))
    assert _body(text) == """\
  # desktop.wslconfig will be updated in place
  #   because with the WSL 2 engine, Docker Desktop takes its CPUs, memory and swap from \
.wslconfig ([wsl2] processors, memory, swap), not from its settings file
  #   because Docker Desktop uses these settings only after it restarts
  ~ wslconfig "/profile/.wslconfig"  [Docker Desktop restart]
      ~ cpus = 2 -> 3
      ~ memory = 4GiB -> 6GiB
      steps:
        1. write .wslconfig (the previous one kept as .wslconfig.dfwctl.bak)
        2. run `docker desktop restart`
        3. wait for the Docker Engine to answer
        4. check the engine's CPUs and memory in /info (NCPU, MemTotal)

Plan: 0 to create, 1 to update, 0 to replace, 0 to destroy.
Warning: /profile/.wslconfig: memory=lots is not a size; dfwctl sets it
Warning: /profile/.wslconfig: swap=x is not a size
"""


def test_a_new_wslconfig_in_full_without_a_restart_command():
    text = rendered(book({"engine": "wsl2", "cpus": 3}), state(
        "store-camel-settings-store.json", wsl=WslState(r"C:\Users\me\.wslconfig", False, "")))
    assert _body(text) == """\
  # desktop.wslconfig will be created
  #   because with the WSL 2 engine, Docker Desktop takes its CPUs, memory and swap from \
.wslconfig ([wsl2] processors, memory, swap), not from its settings file
  #   because Docker Desktop uses these settings only after it restarts, and this machine has \
no `docker desktop` command (Docker Desktop 4.37 and later have one): restart Docker Desktop \
after apply
  + wslconfig "C:\\Users\\me\\.wslconfig"  [Docker Desktop restart]
      + cpus = 3
      steps:
        1. write .wslconfig
        2. restart Docker Desktop for the new settings to take effect (this machine has no \
`docker desktop` command (Docker Desktop 4.37 and later have one))

Plan: 1 to create, 0 to update, 0 to replace, 0 to destroy.
"""


def test_an_engine_switch_and_a_smaller_disk_in_full():
    text = rendered(book({"engine": "wsl2", "disk": "32GiB"}), state(), DesktopOptions(RESTART))
    assert _body(text) == """\
  # desktop.settings will be updated in place
  #   because the engine switches from hyperv to wsl2: the images, containers and volumes of \
the hyperv engine stay on disk but the wsl2 engine does not see them
  #   because the Docker part of this plan was read from the current engine, so apply stops \
after the switch: run it again
  #   because the disk shrinks from 64GiB to 32GiB: Docker Desktop may recreate its disk \
image, deleting every image, container and volume in it
  #   because Docker Desktop uses these settings only after it restarts
  ~ settings "/profile/settings-store.json"  [Docker Desktop restart, destructive]
      ~ engine = "hyperv" -> "wsl2"
      ~ disk = 64GiB -> 32GiB
      steps:
        1. write settings-store.json (the previous one kept as settings-store.json.dfwctl.bak)
        2. run `docker desktop restart`
        3. wait for the Docker Engine to answer
        4. check that Docker Desktop kept the new settings
        5. stop: the Docker part is planned again against the new engine

Plan: 0 to create, 1 to update, 0 to replace, 0 to destroy.
"""
    change = only(plan(book({"engine": "wsl2"}), state(), DesktopOptions(RESTART)))
    assert step_of(change, S.Stop).message == (
        "the engine switched; the Docker part of the plan was read from the previous engine: "
        "run dfwctl apply again to plan it against the new one")


def test_an_engine_switch_without_a_docker_part_neither_warns_nor_stops():
    change = only(plan(book({"engine": "wsl2"}, docker=False), state(), DesktopOptions(RESTART)))
    assert change.reasons == (
        "the engine switches from hyperv to wsl2: the images, containers and volumes of the "
        "hyperv engine stay on disk but the wsl2 engine does not see them",
        "Docker Desktop uses these settings only after it restarts")
    assert not [s for s in change.steps if isinstance(s, S.Stop)]


def test_sharing_changed_with_no_restart_stops_the_apply_in_full():
    change = only(plan(book({"shared_drives": ["C", "E"]}), state(),
                       DesktopOptions(RESTART, no_restart=True)))
    assert change.reasons == (
        "Docker Desktop uses these settings only after it restarts, and --no-restart leaves it "
        "to you: apply writes them and stops there, so the Docker changes of this plan wait; "
        "restart Docker Desktop, then run apply again",)
    assert change.steps[-1].message == (
        "the settings are written, but Docker Desktop uses them only after it restarts, and "
        "--no-restart leaves it to you; the Docker changes wait for that: restart Docker "
        "Desktop, then run dfwctl apply again")


@pytest.mark.parametrize("fixture, desktop, message", [
    ("legacy-2016-settings.json", {"cpus": 2, "disk": "64GiB"},
     "/profile/settings.json is a Docker for Windows 1.12-18.x settings.json, which has no "
     "disk setting: remove docker_desktop.disk"),
    ("legacy-2016-settings.json", {"cpus": 3, "disk": "64GiB"},  # after one it can write
     "/profile/settings.json is a Docker for Windows 1.12-18.x settings.json, which has no "
     "disk setting: remove docker_desktop.disk"),
    ("legacy-2018-settings.json", {"shared_drives": ["C"]},
     "/profile/settings.json is a Docker for Windows 1.12-18.x settings.json, from the Docker "
     "versions that share whole drives over SMB from their Settings window, and dfwctl cannot "
     "change that in the file: tick the drives under Settings > Shared Drives, and remove "
     "shared_drives and file_sharing from the playbook (or upgrade Docker Desktop)"),
    ("legacy-2018-settings.json", {"engine": "wsl2"},
     "/profile/settings.json is a Docker for Windows 1.12-18.x settings.json, whose Docker runs "
     "only the Hyper-V engine: remove docker_desktop.engine"),
    ("store-sparse-settings-store.json", {"cpus": 2, "memory": "2GiB"},
     "the settings file does not say which engine Docker Desktop runs, and cpus, memory live "
     "in different places for each (the settings file for Hyper-V, .wslconfig for WSL 2): add "
     "docker_desktop.engine: hyperv or wsl2"),
    (STORE, {"cpus": 64},
     "docker_desktop.cpus is 64, and this machine has 16 logical CPUs: use at most 16"),
    ("store-camel-settings-store.json", {"engine": "wsl2", "cpus": 2},
     "with the WSL 2 engine, cpus live in .wslconfig in your Windows profile, and this machine "
     "is not Windows: set DFWCTL_WSLCONFIG to a file to try it here"),
])
def test_refusals_in_full(fixture, desktop, message):
    with pytest.raises(PlanError, match="the plan cannot be made") as caught:
        plan(book(desktop), state(fixture))
    assert str(caught.value) == "the plan cannot be made:\n  - " + message


def test_refusals_on_macos_in_full():
    mac = DesktopState("darwin", state().settings, ("/x",), False, host_cpus=8)
    with pytest.raises(PlanError, match="the plan cannot be made") as caught:
        plan(book({"engine": "hyperv", "shared_drives": ["C"]}), mac)
    assert str(caught.value).splitlines()[1:] == [
        "  - docker_desktop.engine chooses between the engines of Docker Desktop for Windows, "
        "and this is Docker Desktop on darwin: remove it",
        "  - docker_desktop.shared_drives is for Docker Desktop for Windows, and this is Docker "
        "Desktop on darwin: list folders under docker_desktop.file_sharing instead"]


def test_a_settings_file_named_but_missing_in_full():
    named = DesktopState("windows", None, ("/book/mine.json",), True)
    with pytest.raises(PlanError, match="the plan cannot be made") as caught:
        plan(book({"cpus": 1}), named)
    assert str(caught.value) == (
        "the plan cannot be made:\n  - the settings file /book/mine.json does not exist: check "
        "docker_desktop.settings_file (or the DFWCTL_DESKTOP_SETTINGS variable)")


def test_file_sharing_alone_does_not_apply_to_wsl2_either():
    result = plan(book({"file_sharing": [r"C:\src"]}), state("store-camel-settings-store.json"))
    assert result.changes == () and result.provider == "desktop"
    assert result.warnings == (
        "with the WSL 2 engine Docker Desktop shares every local drive, so "
        "docker_desktop.shared_drives and file_sharing do not apply: dfwctl leaves the settings "
        "file's list as it is",)


def test_on_macos_binds_are_checked_against_the_folders_the_plan_shares():
    """The playbook's file_sharing is written on macOS too, so a bind from a folder it adds
    is fine, and one from elsewhere is refused."""
    mac = DesktopState("darwin", state().settings, ("/x",), False, host_cpus=8)
    result = plan(book({"file_sharing": ["/Users/me/src"]}, "/Users/me/src/app:/app"), mac)
    assert [d.name for d in only(result).diffs] == ["file_sharing"] and result.warnings == ()
    with pytest.raises(PlanError, match="the plan cannot be made") as caught:
        plan(book({"file_sharing": ["/Users/me/src"]}, "/Users/me/other:/app"), mac)
    assert str(caught.value) == (
        "the plan cannot be made:\n  - container shell: mount /Users/me/other:/app: "
        "/Users/me/other is not shared with Docker Desktop, so it would refuse to start the "
        "container: add it, or a folder above it, to docker_desktop.file_sharing")


@pytest.mark.parametrize("cpus", [6, 1024])  # a count, never a size: 1024 is not "1KB"
def test_wslconfig_takes_cpus_as_a_count(cpus):
    wsl = WslState("/profile/.wslconfig", True, "wsl-digest", cpus=2, memory=4 * GIB)
    result = plan(book({"engine": "wsl2", "cpus": cpus}),
                  state("store-camel-settings-store.json", wsl=wsl, host_cpus=2048))
    assert written(only(result, WSLCONFIG))[2] == (("processors", str(cpus)),)


def test_wsl_resources_without_a_wslconfig_name_every_field():
    with pytest.raises(PlanError, match=r"with the WSL 2 engine, cpus, memory live in "
                                        r"\.wslconfig in your Windows profile"):
        plan(book({"engine": "wsl2", "cpus": 2, "memory": "6GiB"}),
             state("store-camel-settings-store.json"))


def test_a_change_that_deletes_nothing_is_not_destructive():
    assert only(plan(book({"cpus": 2}), state())).destructive is False


def test_the_settings_kept_check_leaves_out_file_sharing():
    change = only(plan(book({"cpus": 2, "file_sharing": [r"C:\Users\me"],
                             "shared_drives": ["C", "E"]}), state(), DesktopOptions(RESTART)))
    assert step_of(change, S.CheckSettingsKept).expect == (("cpus", 2),)


def test_with_windows_containers_a_bind_from_any_local_drive_is_fine():
    text = (FIXTURES / STORE).read_text().replace('"UseWindowsContainers": false',
                                                  '"UseWindowsContainers": true')
    path = "/profile/settings-store.json"
    current = settings.parse(Path(path), text, "digest")
    windows = DesktopState(host="windows", settings=current, searched=(path,), explicit=True)
    assert plan(book(None, r"E:\data:/data"), windows).changes == ()
    with pytest.raises(PlanError, match="drive E is not shared with Docker Desktop"):
        plan(book(None, r"E:\data:/data"), state())


@pytest.mark.parametrize("desktop, suffix", [({"cpus": 2}, "; dfwctl sets it"),
                                             ({"memory": "8GiB"}, "")])
def test_a_value_the_file_holds_wrongly_is_a_warning_that_says_whether_dfwctl_sets_it(
        desktop, suffix):
    path = "/profile/settings-store.json"
    text = (FIXTURES / STORE).read_text().replace('"Cpus": 4', '"Cpus": "lots"')
    current = settings.parse(Path(path), text, "digest")
    odd = DesktopState(host="windows", settings=current, searched=(path,), explicit=True,
                       host_cpus=16)
    assert plan(book(desktop), odd).warnings == (
        f'{path}: Cpus is "lots": it should be a whole number{suffix}',)


LINUX_SETTINGS = '{"filesharingDirectories": ["/home/me/Src", "/d"]}'


def linux_state() -> DesktopState:
    path = "/home/me/.docker/desktop/settings.json"
    current = settings.parse(Path(path), LINUX_SETTINGS, "digest-linux")
    return DesktopState("linux", current, (path,), False, host_cpus=8)


def test_on_linux_folders_differ_by_case_and_a_one_letter_folder_is_no_drive():
    """Linux folders are case-sensitive, and /d is a folder there (on Windows, drive D)."""
    change = only(plan(book({"file_sharing": ["/home/me/src", "/d"]}), linux_state()))
    assert written(change)[2] == (("filesharingDirectories", ["/d", "/home/me/src"]),)
    assert [(d.name, d.before, d.after) for d in change.diffs] == [
        ("file_sharing", ("/home/me/Src", "/d"), ("/d", "/home/me/src"))]


def test_on_linux_a_bind_from_a_one_letter_folder_the_file_shares_is_fine():
    result = plan(book(None, "/d/app:/app"), linux_state())
    assert result.changes == () and result.warnings == ()
    with pytest.raises(PlanError, match="the plan cannot be made") as caught:
        plan(book(None, "/e/app:/app"), linux_state())
    assert "/e/app is not shared with Docker Desktop" in str(caught.value)
