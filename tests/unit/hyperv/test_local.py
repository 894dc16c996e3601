"""The local transport for real: a child process (the fake pwsh on PATH, speaking invoke.ps1's
protocol from the simulator), bytes on stdin and stdout, exit codes, error parsing."""
from __future__ import annotations

import json

import pytest

from dfwctl.providers.hyperv.local import (
    SCRIPT,
    LocalTransport,
    command_line,
    default_executable,
)
from dfwctl.providers.hyperv.simulator.seed import VmSeed
from dfwctl.providers.hyperv.transport import (
    Call,
    HyperVError,
    TransportError,
    VmRef,
    invoke,
    invoke_all,
)
from tests.fakes.hyperv import seeded, use_fake_pwsh


@pytest.fixture
def state(tmp_path):
    return seeded(tmp_path / "hv.json", VmSeed("WIN10"), VmSeed("LAB", state="Off"))


@pytest.mark.parametrize("platform, environ, expected", [
    ("win32", {}, "powershell.exe"),
    ("linux", {}, "pwsh"),
    ("darwin", {}, "pwsh"),
    ("win32", {"DFWCTL_POWERSHELL": "pwsh.exe"}, "pwsh.exe"),
])
def test_which_powershell(platform, environ, expected):
    assert default_executable(environ, platform) == expected


def test_the_command_line_runs_the_shipped_script_without_profile():
    argv = command_line("pwsh")
    assert argv[:5] == ["pwsh", "-NoLogo", "-NoProfile", "-NonInteractive", "-ExecutionPolicy"]
    assert argv[-2:] == ["-File", str(SCRIPT)] and SCRIPT.is_file()


def test_a_read_through_the_child_process(monkeypatch, state):
    transport = use_fake_pwsh(monkeypatch, state)
    rows = invoke(transport, "Get-VM", {}, ("Name", "State", "MemoryStartup", "Version"))
    assert rows == [{"Name": "WIN10", "State": "Running", "MemoryStartup": 2 * 1024**3,
                     "Version": "9.0"},
                    {"Name": "LAB", "State": "Off", "MemoryStartup": 2 * 1024**3,
                     "Version": "9.0"}]


def test_calls_of_one_batch_fail_on_their_own(monkeypatch, state):
    transport = use_fake_pwsh(monkeypatch, state)
    replies = invoke_all(transport, [Call.of("Get-VM", {"Name": "nope"}, ("Name",)),
                                     Call.of("Get-VMSwitch", {}, ("Name", "SwitchType"))])
    error = replies[0].error
    assert isinstance(error, HyperVError)
    assert error.hyperv_message == 'Hyper-V was unable to find a virtual machine with name "nope".'
    assert error.category == "InvalidArgument"
    assert error.error_id == "InvalidParameter,Microsoft.HyperV.PowerShell.Commands.GetVM"
    assert replies[1].result() == [{"Name": "Default Switch", "SwitchType": "Internal"}]


def test_a_refusal_names_cmdlet_and_hyperv_message(monkeypatch, state):
    transport = use_fake_pwsh(monkeypatch, state)
    vm_id = invoke(transport, "Get-VM", {"Name": "WIN10"}, ("Id",))[0]["Id"]
    with pytest.raises(HyperVError,
                       match=r"Set-VMProcessor failed: Failed to modify device 'Processor'\.") as caught:
        invoke(transport, "Set-VMProcessor", {"VM": VmRef(vm_id), "Count": 4})
    text = str(caught.value)
    assert text.startswith("Set-VMProcessor failed: Failed to modify device 'Processor'.")
    assert "The operation cannot be performed while the virtual machine is in its current " \
           "state." in text
    assert "InvalidState,Microsoft.HyperV.PowerShell.Commands.SetVMProcessor" in text


def test_output_before_the_reply_is_ignored(monkeypatch, state):
    transport = use_fake_pwsh(monkeypatch, state, DFWCTL_FAKE_PWSH_NOISE="1")
    assert invoke(transport, "Get-VMSwitch", {}, ("Name",)) == [{"Name": "Default Switch"}]


@pytest.mark.parametrize("code", ["3", "64", "1"])
def test_powershell_failing_without_a_reply(monkeypatch, state, code):
    transport = use_fake_pwsh(monkeypatch, state, DFWCTL_FAKE_PWSH_CRASH=code)
    with pytest.raises(TransportError, match=r"PowerShell \(pwsh\) exited with code") as caught:
        invoke(transport, "Get-VM", {}, ("Name",))
    assert f"exited with code {code}" in str(caught.value)
    assert "ParserError: simulated PowerShell failure" in str(caught.value)


def test_missing_state_is_reported_from_stderr(monkeypatch, tmp_path):
    transport = use_fake_pwsh(monkeypatch, tmp_path / "absent.json")
    with pytest.raises(TransportError, match="no simulated Hyper-V host"):
        invoke(transport, "Get-VM", {}, ("Name",))


def test_powershell_not_installed(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(TransportError,
                       match=r"PowerShell \(pwsh\) is not on PATH, so the local Hyper-V host") as caught:
        invoke(LocalTransport("pwsh"), "Get-VM")
    assert "PowerShell (pwsh) is not on PATH" in caught.value.message
    assert "simulator:PATH" in caught.value.hint


def test_the_request_reaches_powershell_as_sent(monkeypatch, state, tmp_path):
    log = tmp_path / "requests.log"
    transport = use_fake_pwsh(monkeypatch, state, DFWCTL_FAKE_PWSH_LOG=str(log))
    invoke(transport, "Get-VM", {"Name": ["WIN10", "LAB"]}, ("Name",))
    raw = log.read_bytes().strip()
    assert raw.isascii()
    call = json.loads(raw)["calls"][0]
    assert call["cmdlet"] == "Get-VM" and call["properties"] == ["Name"]
    assert call["parameters"][0]["type"] == "strings"
