"""Where the settings file is, per OS and version; what overrides it; and when a playbook
without a docker_desktop section still gets the unshared-drive check."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from dfwctl.providers.base import RunSettings
from dfwctl.providers.desktop import locate
from dfwctl.providers.desktop.provider import DesktopProvider, wanted
from dfwctl.providers.desktop.restart import restart_command
from dfwctl.providers.desktop.system import LocalSystem
from tests import paths
from tests.builders import playbook

FIXTURES = paths.FIXTURES / "desktop"


@pytest.mark.parametrize("platform,relative", [
    ("win32", "AppData/Roaming/Docker"),
    ("darwin", "Library/Group Containers/group.com.docker"),
    ("linux", ".docker/desktop"),
])
@pytest.mark.parametrize("present,found", [
    (["settings-store.json", "settings.json"], "settings-store.json"),  # 4.35+ (after upgrade)
    (["settings.json"], "settings.json"),  # 4.34 and earlier
    ([], None),
])
def test_default_place_per_os_and_version(tmp_path, platform, relative, present, found):
    environ = {"HOME": str(tmp_path), "USERPROFILE": str(tmp_path)}
    folder = tmp_path / relative
    folder.mkdir(parents=True)
    for name in present:
        (folder / name).write_text("{}")
    where = locate.locate(None, None, LocalSystem(environ, platform))
    assert where.path == (folder / found if found else None)
    assert where.searched == (folder / "settings-store.json", folder / "settings.json")
    assert where.host == locate.host_os(platform) and not where.explicit


def test_appdata_names_the_windows_folder(tmp_path):
    environ = {"APPDATA": str(tmp_path / "Roaming"), "USERPROFILE": str(tmp_path / "me")}
    assert locate.default_directory("windows", LocalSystem(environ)) == tmp_path / "Roaming" / "Docker"


def test_environment_then_playbook_then_default(tmp_path):
    env_file, book_file = tmp_path / "env.json", tmp_path / "book" / "named.json"
    book_file.parent.mkdir()
    env_file.write_text("{}")
    book_file.write_text("{}")
    both = locate.locate("named.json", book_file.parent, LocalSystem(
        {locate.ENV_SETTINGS: str(env_file), "HOME": str(tmp_path)}, "linux"))
    assert (both.path, both.source, both.host) == (env_file, locate.ENV_SETTINGS, "windows")
    book = locate.locate("named.json", book_file.parent,
                         LocalSystem({"HOME": str(tmp_path)}, "linux"))
    assert (book.path, book.source) == (book_file, "docker_desktop.settings_file")
    missing = locate.locate("nope.json", tmp_path, LocalSystem({}, "linux"))
    assert missing.path is None and missing.searched == (tmp_path / "nope.json",)


@pytest.mark.parametrize("text,expected", [
    (r"%APPDATA%\Docker\settings-store.json", r"C:\Users\me\AppData\Roaming\Docker\settings-store.json"),
    ("%UNSET%/x.json", "%UNSET%/x.json"),
    ("~/x.json", r"C:\Users\me/x.json"),
    ("plain.json", "plain.json"),
])
def test_expand(text, expected):
    environ = {"APPDATA": r"C:\Users\me\AppData\Roaming", "USERPROFILE": r"C:\Users\me"}
    assert locate.expand(text, environ) == expected


def test_relative_names_are_relative_to_the_playbook(tmp_path):
    system = LocalSystem({})
    assert locate.resolve("s.json", tmp_path, system) == tmp_path / "s.json"
    assert locate.resolve("/abs/s.json", tmp_path, system) == Path("/abs/s.json")
    assert locate.resolve(r"C:\abs\s.json", tmp_path, system) == Path(r"C:\abs\s.json")


def test_wslconfig_place(tmp_path):
    assert locate.wslconfig_path(LocalSystem({"USERPROFILE": r"C:\Users\me"}, "win32")) == \
        Path(r"C:\Users\me") / ".wslconfig"
    assert locate.wslconfig_path(LocalSystem({}, "linux")) is None
    named = str(tmp_path / "wsl.ini")
    assert locate.wslconfig_path(LocalSystem({locate.ENV_WSLCONFIG: named}, "linux")) == Path(named)


def test_endpoint_needs_no_disk(tmp_path):
    system = LocalSystem({"HOME": str(tmp_path / "nobody")}, "linux")
    assert locate.endpoint(None, None, system) == \
        f"desktop:{tmp_path / 'nobody' / '.docker' / 'desktop'}"
    assert locate.endpoint("x.json", tmp_path, system) == f"desktop:{tmp_path / 'x.json'}"


# without a docker_desktop section ------------------------------------------------------------
WINDOWS_BIND = {"name": "p", "containers": {"a": {"image": "busybox",
                                                  "mounts": [r"C:\Users\me\src:/src"]}}}
LINUX_BIND = {"name": "p", "containers": {"a": {"image": "busybox", "mounts": ["/srv:/srv"]}}}


@pytest.fixture
def machine(tmp_path):
    """A Windows-like profile with Docker Desktop's settings file."""
    folder = tmp_path / "AppData" / "Roaming" / "Docker"
    folder.mkdir(parents=True)
    shutil.copyfile(FIXTURES / "classic-3.5-settings.json", folder / "settings.json")
    return {"USERPROFILE": str(tmp_path), "HOME": str(tmp_path)}


def test_the_section_always_brings_the_provider(tmp_path):
    desired = playbook({"name": "p", "docker_desktop": {"cpus": 2}})
    assert wanted(desired, LocalSystem({"HOME": str(tmp_path)}, "linux"))


@pytest.mark.parametrize("book,environ_extra,platform,expected", [
    (WINDOWS_BIND, {}, "win32", True),  # Docker Desktop here, and a bind from drive C
    (LINUX_BIND, {}, "win32", False),  # nothing from a Windows drive
    (WINDOWS_BIND, {"DOCKER_HOST": "tcp://build-box:2376"}, "win32", False),  # a remote engine
    (WINDOWS_BIND, {"DOCKER_HOST": "npipe:////./pipe/docker_engine"}, "win32", True),
    (WINDOWS_BIND, {}, "linux", False),  # Linux CI: no settings file in ~/.docker/desktop
])
def test_without_a_section_the_check_runs_only_where_docker_desktop_is(
        machine, book, environ_extra, platform, expected):
    assert wanted(playbook(book), LocalSystem({**machine, **environ_extra}, platform)) is expected


def test_without_a_section_the_plan_checks_binds_and_changes_nothing(machine):
    from dfwctl.errors import PlanError
    from dfwctl.plan import PlanOptions

    unshared = playbook(WINDOWS_BIND)
    provider = DesktopProvider(unshared, RunSettings(), LocalSystem(machine, "win32"))
    with pytest.raises(PlanError, match="drive C is not shared with Docker Desktop"):
        provider.plan(unshared, PlanOptions())
    shared = playbook({**WINDOWS_BIND, "containers": {"a": {
        "image": "busybox", "mounts": [r"D:\Projects\site:/site"]}}})
    plan = DesktopProvider(shared, RunSettings(), LocalSystem(machine, "win32")).plan(
        shared, PlanOptions())
    assert plan.changes == () and plan.warnings == ()
    assert plan.endpoint.endswith("settings.json")


def test_restart_command(tmp_path):
    assert restart_command(LocalSystem(
        {"DFWCTL_DESKTOP_RESTART_COMMAND": "'/opt/my tool' restart"}, "linux")) \
        == ("/opt/my tool", "restart")
    assert restart_command(LocalSystem({"PATH": str(tmp_path)}, "linux")) is None  # no docker CLI
    docker = tmp_path / "bin" / "docker"
    docker.parent.mkdir()
    docker.write_text("#!/bin/sh\n")
    docker.chmod(0o755)
    system = LocalSystem({"PATH": str(docker.parent), "HOME": str(tmp_path)}, "linux")
    assert restart_command(system) is None  # a docker CLI without Docker Desktop
    plugin = tmp_path / ".docker" / "cli-plugins" / "docker-desktop"
    plugin.parent.mkdir(parents=True)
    plugin.write_text("")
    assert restart_command(system) == ("docker", "desktop", "restart")
