"""The Docker Desktop model: the playbook's docker_desktop section as values, the command
lines plans show, and what makes a saved plan stale."""
from __future__ import annotations

from dfwctl.providers.desktop.model import (
    DesktopSpec,
    DesktopState,
    SettingsState,
    WslState,
    command_text,
)
from dfwctl.values.sizes import GIB


def test_no_section_is_no_spec_and_an_empty_one_manages_nothing():
    assert DesktopSpec.from_section(None) is None
    assert DesktopSpec.from_section({}) == DesktopSpec()


def test_every_setting_of_the_section():
    spec = DesktopSpec.from_section({
        "engine": "hyperv", "cpus": 4, "memory": "8GiB", "swap": "1GiB", "disk": "64GiB",
        "shared_drives": ["c", "D", "C"], "file_sharing": [r"C:\Users\me"],
        "settings_file": r"C:\Users\me\AppData\Roaming\Docker\settings-store.json"})
    assert spec == DesktopSpec(
        engine="hyperv", cpus=4, memory=8 * GIB, swap=GIB, disk=64 * GIB,
        shared_drives=("C", "D"), file_sharing=(r"C:\Users\me",),
        settings_file=r"C:\Users\me\AppData\Roaming\Docker\settings-store.json")


def test_a_command_line_quotes_the_arguments_with_spaces():
    assert command_text([r"C:\Program Files\Docker\Docker\Docker Desktop.exe", "--restart",
                         "a b"]) == (
        r'"C:\Program Files\Docker\Docker\Docker Desktop.exe" --restart "a b"')
    assert command_text(["wsl", "--shutdown"]) == "wsl --shutdown"


def _state(settings_digest=None, wsl_digest=None) -> DesktopState:
    settings = SettingsState("/s.json", "store", settings_digest) if settings_digest else None
    wsl = WslState("/.wslconfig", True, wsl_digest) if wsl_digest else None
    return DesktopState("windows", settings, ("/s.json",), False, wsl)


def test_a_saved_plan_is_stale_when_the_settings_file_or_wslconfig_changes():
    base = _state("s1", "w1").fingerprint()
    assert _state("s1", "w1").fingerprint() == base
    assert _state("s2", "w1").fingerprint() != base
    assert _state("s1", "w2").fingerprint() != base
    assert len({_state().fingerprint(), _state("s1").fingerprint(),
                _state(wsl_digest="w1").fingerprint(), base}) == 4
