"""A change that fails after its VM was stopped, through the real local transport and the fake
PowerShell in front of the simulator: the VM is not left off by surprise, the checkpoint is
restored when asked for (and kept otherwise), the error says what was applied and what was
not, the VM's state and the command that restores it; a guest that does not shut down in time
is reported, never turned off unless that was allowed."""
from __future__ import annotations

import json

import pytest

from dfwctl.apply import StepPerformer
from dfwctl.plan import PlanOptions
from dfwctl.providers.base import RunSettings
from dfwctl.providers.hyperv.perform import RecoveryError
from dfwctl.providers.hyperv.provider import HyperVProvider
from dfwctl.providers.hyperv.simulator.seed import VmSeed, seed_host, seed_vm
from dfwctl.values.sizes import GIB
from tests.fakes.hyperv import desired, seeded, use_fake_pwsh

TEMPORARY = "dfwctl hv-test: before apply (temporary)"


@pytest.fixture
def pc(tmp_path):
    path = seeded(tmp_path / "hv.json", VmSeed("WIN10", memory=2 * GIB))
    seed_host(path, {"TotalPhysicalMemory": 16 * GIB, "HostMemoryInUse": 4 * GIB})
    return path


def vm(path, name="WIN10"):
    return next(v for v in json.loads(path.read_text())["vms"] if v["Name"] == name)


def apply(monkeypatch, path, vms, settings=None, between=None):
    """Plan against the host, let `between` change it, then carry the change out."""
    transport = use_fake_pwsh(monkeypatch, path)
    want = desired(vms)
    provider = HyperVProvider(want, settings or RunSettings(), transport=transport)
    (change,) = provider.plan(want, PlanOptions()).changes
    if between is not None:
        between()
    lines = []
    StepPerformer({("hyperv", ""): provider})(change, lines.append)
    return change, lines


def memory_taken(path):
    """Another VM starts between plan and apply and takes 6 GiB: 4 GiB stay free."""
    return lambda: seed_vm(path, VmSeed("BIG", memory=6 * GIB))


def test_a_start_that_fails_after_the_stop_is_tried_again_and_reported(monkeypatch, pc):
    with pytest.raises(RecoveryError,
                       match=r"Start-VM failed on VM 'WIN10': 'WIN10' failed to start\.") as caught:
        apply(monkeypatch, pc, {"WIN10": {"memory": "8GiB"}}, between=memory_taken(pc))
    error = caught.value
    assert error.cause.cmdlet == "Start-VM" and error.state == "Off"
    text = error.message
    assert "Start-VM failed on VM 'WIN10': 'WIN10' failed to start." in text
    assert "Start-VM failed (the host has not enough free memory for its startup memory)" in text
    assert "applied before the failure: set memory 8GiB (Set-VMMemory)" in text
    assert "starting VM WIN10 again failed too" in text and "VM WIN10 is now Off" in text
    assert error.hint.startswith("to go back to the VM as it was before this apply: $vm = "
                                 f"Hyper-V\\Get-VM -Id '{vm(pc)['Id']}'")
    assert f"Where-Object Name -eq '{TEMPORARY}' | Hyper-V\\Restore-VMSnapshot" in error.hint
    assert [s["Name"] for s in vm(pc)["Snapshots"]] == [TEMPORARY]  # kept for the user


def test_with_restore_on_failure_the_checkpoint_brings_the_vm_back(monkeypatch, pc):
    spec = {"WIN10": {"memory": "8GiB", "checkpoint": {"restore_on_failure": True}}}
    with pytest.raises(RecoveryError,
                       match=r"Start-VM failed on VM 'WIN10': 'WIN10' failed to start\.") as caught:
        apply(monkeypatch, pc, spec, between=memory_taken(pc))
    text = caught.value.message
    assert f'checkpoint "{TEMPORARY}" restored' in text
    assert "VM WIN10 was started again" in text and "VM WIN10 is now Running" in text
    now = vm(pc)
    assert (now["State"], now["MemoryStartup"], now["Snapshots"]) == (2, 2 * GIB, [])


def test_a_setting_that_fails_after_the_stop_lists_what_was_applied(monkeypatch, pc):
    spec = {"WIN10": {"memory": "4GiB", "processors": 0,
                      "network_adapters": [{"mac_address_spoofing": True}]}}
    with pytest.raises(RecoveryError,
                       match="Set-VMProcessor failed on VM 'WIN10': Failed to modify") as caught:
        apply(monkeypatch, pc, spec)
    error = caught.value
    assert error.cause.cmdlet == "Set-VMProcessor" and error.state == "Running"
    assert ("applied before the failure: set MAC address spoofing on for network adapter "
            '"Network Adapter" while the VM runs (Set-VMNetworkAdapter); set memory 4GiB '
            "(Set-VMMemory)") in error.message
    assert "not applied: set processors 0 (Set-VMProcessor)" in error.message
    assert "unchanged" not in error.message
    now = vm(pc)
    assert (now["State"], now["MemoryStartup"], now["ProcessorCount"]) == (2, 4 * GIB, 2)


def test_without_a_checkpoint_the_restoring_command_puts_the_old_values_back(monkeypatch, pc):
    seed_host(pc, {"HostMemoryInUse": 4 * GIB})
    spec = {"WIN10": {"memory": "8GiB", "processors": 4, "checkpoint": False}}
    with pytest.raises(RecoveryError,
                       match=r"Start-VM failed on VM 'WIN10': 'WIN10' failed to start\.") as caught:
        apply(monkeypatch, pc, spec, between=memory_taken(pc))
    hint = caught.value.hint
    assert hint.startswith("to put back the settings this apply changed and start the VM: ")
    assert hint.endswith("Hyper-V\\Set-VMProcessor -VM $vm -Count 2; Hyper-V\\Set-VMMemory "
                         f"-VM $vm -StartupBytes {2 * GIB}; Hyper-V\\Start-VM -VM $vm")


def test_a_guest_that_does_not_shut_down_is_reported_not_turned_off(monkeypatch, pc):
    seed_vm(pc, VmSeed("WIN10", shutdown_hangs=1))
    spec = {"WIN10": {"processors": 4, "shutdown": {"timeout": 30}}}
    with pytest.raises(RecoveryError,
                       match="Stop-DfwctlVM failed on VM 'WIN10': The guest of 'WIN10'") as caught:
        apply(monkeypatch, pc, spec)
    error = caught.value
    assert error.cause.error_id == "DfwctlStopTimeout,Stop-DfwctlVM" and error.state == "Running"
    assert "did not shut down within 30 seconds" in error.message
    assert "no setting that needs it off was changed" in error.message
    assert "apply again to give the guest another 30 s" in error.hint
    assert "--allow-turn-off" in error.hint
    assert (vm(pc)["State"], vm(pc)["LastStop"], vm(pc)["Snapshots"]) == (2, "", [])
    apply(monkeypatch, pc, spec)  # the retry: this time the guest shuts down
    assert (vm(pc)["ProcessorCount"], vm(pc)["LastStop"]) == (4, "Shutdown")


def test_a_turn_off_when_allowed(monkeypatch, pc):
    seed_vm(pc, VmSeed("WIN10", shutdown_hangs=1))
    change, lines = apply(monkeypatch, pc, {"WIN10": {"processors": 4}},
                          RunSettings(allow_turn_off=True, stop_timeout=45))
    assert "wait up to 45 s for it to turn off, then turn the VM off" in lines[0]
    assert (vm(pc)["ProcessorCount"], vm(pc)["State"], vm(pc)["LastStop"]) == (4, 2, "TurnOff")


def test_a_guest_without_a_shutdown_service(monkeypatch, pc):
    seed_vm(pc, VmSeed("WIN10", shutdown_service=False))
    with pytest.raises(RecoveryError,
                       match="Stop-DfwctlVM failed on VM 'WIN10': The guest of 'WIN10'") as caught:
        apply(monkeypatch, pc, {"WIN10": {"processors": 4}})
    assert "cannot be shut down from the host" in caught.value.message
    assert "shut it down from inside" in caught.value.hint
    assert vm(pc)["State"] == 2


def test_success_takes_and_removes_the_checkpoint(monkeypatch, pc):
    change, lines = apply(monkeypatch, pc, {"WIN10": {"processors": 4}})
    assert lines[1] == (f'take checkpoint "{TEMPORARY}" (removed once the change is made; kept '
                        "if a later step fails) (Checkpoint-VM)")
    assert lines[-1] == f'remove the checkpoint "{TEMPORARY}" (Remove-VMSnapshot)'
    assert (vm(pc)["ProcessorCount"], vm(pc)["Snapshots"]) == (4, [])


def test_a_kept_checkpoint_stays(monkeypatch, pc):
    apply(monkeypatch, pc, {"WIN10": {"processors": 4, "checkpoint": {"keep": True}}})
    (kept,) = vm(pc)["Snapshots"]
    assert kept["Name"] == "dfwctl hv-test: before processors"
    assert kept["Settings"]["ProcessorCount"] == 2


def test_no_checkpoint_from_the_command_line(monkeypatch, pc):
    change, lines = apply(monkeypatch, pc, {"WIN10": {"processors": 4}},
                          RunSettings(checkpoint=False))
    assert not any("checkpoint" in line for line in lines)
