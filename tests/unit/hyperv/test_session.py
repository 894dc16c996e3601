"""The session a gather starts with, through the real local transport and the fake PowerShell:
a session that may not manage Hyper-V is named as such (never "VM ... does not exist"),
Constrained Language Mode and a Group Policy execution policy are explained, PowerShell's own
text is decoded in the console's code page, a 32-bit PowerShell and the Store's PowerShell are
recognised; the 64-bit PowerShell is chosen from a 32-bit Python; UPN user names reach WinRM."""
from __future__ import annotations

import pytest

from dfwctl.errors import DfwctlError
from dfwctl.plan import PlanOptions
from dfwctl.providers.base import RunSettings
from dfwctl.providers.hyperv import session
from dfwctl.providers.hyperv.gather import gather
from dfwctl.providers.hyperv.local import LocalTransport, console_encoding, default_executable
from dfwctl.providers.hyperv.provider import HyperVProvider
from dfwctl.providers.hyperv.simulator.seed import VmSeed, seed_host
from dfwctl.providers.hyperv.transport import TransportError
from dfwctl.providers.hyperv.winrm import wsman_options
from tests.fakes.hyperv import desired, seeded, use_fake_pwsh

STORE = r"C:\Program Files\WindowsApps\Microsoft.PowerShell_7.4.6.0_x64__8wekyb3d8bbwe"


@pytest.fixture
def pc(tmp_path):
    return seeded(tmp_path / "hv.json", VmSeed("WIN10"))


def plan(monkeypatch, path, vms=None, transport=None):
    transport = transport or use_fake_pwsh(monkeypatch, path)
    want = desired(vms or {"WIN10": {"processors": 4}})
    return HyperVProvider(want, RunSettings(), transport=transport).plan(want, PlanOptions())


def test_the_first_call_establishes_the_session(monkeypatch, pc):
    actual = gather(use_fake_pwsh(monkeypatch, pc), desired({"WIN10": {}}).hyperv.vms)
    found = actual.session
    assert (found.elevated, found.language_mode, found.ps_edition, found.process_64bit) == (
        True, "FullLanguage", "Desktop", True)
    assert found.hyperv_modules == ("2.0.0.0", "1.1") and found.hyperv_module == "2.0.0.0"
    assert found.user == "HV-SIMULATOR\\chicken"
    assert (actual.host.build, actual.host.logical_processors) == (19045, 16)
    assert actual.host.memory_total == 32 * 1024 ** 3


def test_a_session_neither_elevated_nor_in_hyperv_administrators(monkeypatch, pc):
    seed_host(pc, {"Elevated": False})
    with pytest.raises(DfwctlError,
                       match="the PowerShell session on hyperv:local is not elevated, and") as caught:
        plan(monkeypatch, pc)
    message = caught.value.message
    assert ("is not elevated, and user HV-SIMULATOR\\chicken is not in the Hyper-V "
            "Administrators group: Hyper-V shows such a session no VMs") in message
    assert "does not exist" not in message
    assert "Hyper-V Administrators" in caught.value.hint and "elevated" in caught.value.hint
    seed_host(pc, {"HyperVAdministrator": True})
    assert plan(monkeypatch, pc).changes  # a member may manage VMs without elevation


def test_constrained_language_mode(monkeypatch, pc):
    seed_host(pc, {"LanguageMode": "ConstrainedLanguage"})
    with pytest.raises(TransportError,
                       match="PowerShell runs in ConstrainedLanguage mode, where dfwctl's") as caught:
        plan(monkeypatch, pc)
    assert "PowerShell runs in ConstrainedLanguage mode" in caught.value.message
    assert "AppLocker or WDAC" in caught.value.hint


@pytest.mark.parametrize("culture, policy, words", [
    ("en-US", "Restricted", "cannot be loaded because running scripts is disabled on this system"),
    ("en-US", "AllSigned", "is not digitally signed. You cannot run this script"),
    ("de-DE", "Restricted", "da die Ausführung von Skripts auf diesem System deaktiviert ist"),
])
def test_a_group_policy_execution_policy_is_explained(monkeypatch, pc, culture, policy, words):
    seed_host(pc, {"MachinePolicy": policy, "UICulture": culture, "OEMCodePage": 850})
    use_fake_pwsh(monkeypatch, pc)
    with pytest.raises(TransportError,
                       match=r"PowerShell \(pwsh\) exited with code 1 without a dfwctl reply:") as caught:
        plan(monkeypatch, pc, transport=LocalTransport("pwsh", encoding="cp850"))
    assert words in caught.value.message  # decoded in the console's code page
    assert "FullyQualifiedErrorId : UnauthorizedAccess" in caught.value.message
    assert "a policy set by Group Policy (MachinePolicy or UserPolicy" in caught.value.hint


def test_the_oem_code_page_matters(monkeypatch, pc):
    seed_host(pc, {"MachinePolicy": "Restricted", "UICulture": "de-DE", "OEMCodePage": 850})
    use_fake_pwsh(monkeypatch, pc)
    with pytest.raises(TransportError,
                       match=r"PowerShell \(pwsh\) exited with code 1 without a dfwctl reply:") as caught:
        plan(monkeypatch, pc, transport=LocalTransport("pwsh", encoding="utf-8"))
    assert "Ausführung" not in caught.value.message  # what decoding as UTF-8 gave before


def test_a_process_policy_alone_does_not_stop_dfwctl(monkeypatch, pc):
    seed_host(pc, {"MachinePolicy": "RemoteSigned"})
    assert plan(monkeypatch, pc).changes


def test_a_32_bit_powershell(monkeypatch, pc):
    seed_host(pc, {"PSProcess64Bit": False,
                   "PSHome": r"C:\Windows\SysWOW64\WindowsPowerShell\v1.0"})
    with pytest.raises(DfwctlError, match="PowerShell on hyperv:local runs as a 32-bit process") as caught:
        plan(monkeypatch, pc)
    assert "runs as a 32-bit process" in caught.value.message
    assert "Sysnative" in caught.value.hint


def test_the_stores_powershell_with_hyperv_off(monkeypatch, pc):
    seed_host(pc, {"PSEdition": "Core", "PSVersion": "7.4.6", "PSHome": STORE,
                   "HyperVFeature": "Disabled"})
    with pytest.raises(DfwctlError,
                       match=r"the Hyper-V cmdlets are missing on hyperv:local \(Get-VM") as caught:
        plan(monkeypatch, pc)
    assert "cannot be read: Get-WindowsOptionalFeature failed: Class not registered" \
        in caught.value.message
    assert "PowerShell 7.4.6 from the Microsoft Store" in caught.value.hint
    assert "powershell.exe is the default on Windows" in caught.value.hint


@pytest.mark.parametrize("environ, python_64bit, expected", [
    ({}, True, "powershell.exe"),
    ({"PROCESSOR_ARCHITEW6432": "AMD64", "SystemRoot": r"C:\Windows"}, False,
     r"C:\Windows\Sysnative\WindowsPowerShell\v1.0\powershell.exe"),
    ({}, False, "powershell.exe"),  # 32-bit Windows: there is only one PowerShell
])
def test_the_64_bit_powershell_is_chosen(environ, python_64bit, expected):
    assert default_executable(environ, "win32", python_64bit) == expected


def test_powershells_own_text_is_decoded_in_the_oem_code_page():
    assert console_encoding("linux") == "utf-8"


@pytest.mark.parametrize("url, user, host", [
    ("winrm://chicken@corp.example.com@hv01", "chicken@corp.example.com", "hv01"),
    ("winrm://CORP\\chicken@hv01:5986", "CORP\\chicken", "hv01"),
])
def test_user_names_for_winrm(url, user, host):
    options = wsman_options(url, {"DFWCTL_WINRM_PASSWORD": "pw"})
    assert (options["username"], options["server"]) == (user, host)


def test_session_rows_parse_with_harmless_defaults():
    found = session.parse({"HyperVModules": "2.0.0.0", "MachinePolicy": "AllSigned"})
    assert found.hyperv_modules == ("2.0.0.0",) and found.group_policy == "AllSigned"
    assert found.permitted and not found.store and not found.wow64
    assert session.parse({"PSEdition": "Core", "PSHome": STORE}).store


def test_a_round_trip_waits_for_the_shutdowns_it_asks_for():
    from dfwctl.providers.hyperv.local import round_trip_timeout
    from dfwctl.providers.hyperv.transport import Call, VmRef

    stop = Call.of("Stop-DfwctlVM", {"VM": VmRef("0d9c848c-9f58-4e91-8b8c-2b7f28b60772"),
                                     "TimeoutSeconds": 600})
    assert round_trip_timeout([stop, stop], base=900) == 2100
    assert round_trip_timeout([Call.of("Get-VM")], base=900) == 900
