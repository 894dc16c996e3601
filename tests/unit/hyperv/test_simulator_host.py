"""The simulated host refuses where Hyper-V refuses: what the host cannot run fails at Start-VM
(not at Set), with Hyper-V's words and error ids; checkpoints; guest shutdowns that hang or
cannot be asked for; the PowerShell session's facts (Store edition, 32-bit, modules)."""
from __future__ import annotations

import json

import pytest

from dfwctl.providers.hyperv.simulator.seed import VmSeed
from dfwctl.providers.hyperv.transport import (
    Call,
    CheckpointRef,
    TransportError,
    invoke,
    invoke_all,
)
from dfwctl.values.sizes import GIB
from tests.unit.hyperv.test_simulator import attempt, host, vm_ref


def vms(path):
    return {vm["Name"]: vm for vm in json.loads(path.read_text())["vms"]}


# what the host cannot run ----------------------------------------------------------------
def test_processors_above_the_hosts_are_accepted_and_start_vm_refuses_them(tmp_path):
    transport, path = host(tmp_path, VmSeed("WIN10", state="Off"), LogicalProcessors=4)
    ref = vm_ref(transport)
    assert attempt(transport, "Set-VMProcessor", {"VM": ref, "Count": 8}) is None
    error = attempt(transport, "Start-VM", {"VM": ref})
    lines = error.hyperv_message.splitlines()
    assert lines[0] == "'WIN10' failed to start."
    assert lines[-1].startswith("The processor topology specified for the virtual machine "
                                "cannot be supported by this host.")
    assert (error.category, error.error_id) == (
        "NotSpecified", "OperationFailed,Microsoft.HyperV.PowerShell.Commands.StartVM")
    assert vms(path)["WIN10"]["State"] == 3  # still off


def test_host_memory_is_modelled_and_start_vm_refuses_what_is_not_free(tmp_path):
    transport, path = host(tmp_path, VmSeed("BIG", memory=8 * GIB),
                           VmSeed("WIN10", state="Off", memory=4 * GIB),
                           TotalPhysicalMemory=16 * GIB, HostMemoryInUse=6 * GIB)
    os_row = invoke(transport, "Get-CimInstance", {"ClassName": "Win32_OperatingSystem"},
                    ("TotalVisibleMemorySize", "FreePhysicalMemory"))[0]
    assert os_row == {"TotalVisibleMemorySize": 16 * 1024 ** 2, "FreePhysicalMemory": 2 * 1024 ** 2}
    error = attempt(transport, "Start-VM", {"VM": vm_ref(transport)})
    assert ("Not enough memory in the system to start the virtual machine WIN10 with ram size "
            "4096 megabytes.") in error.message
    assert error.error_id == "OutOfMemory,Microsoft.HyperV.PowerShell.Commands.StartVM"
    invoke(transport, "Stop-VM", {"VM": vm_ref(transport, "BIG"), "TurnOff": True})
    assert attempt(transport, "Start-VM", {"VM": vm_ref(transport)}) is None
    assert vms(path)["WIN10"]["MemoryAssigned"] == 4 * GIB


def test_get_vm_reports_assigned_memory_and_checkpoint_type(tmp_path):
    transport, _ = host(tmp_path, VmSeed("WIN10", checkpoint_type="Disabled"))
    assert invoke(transport, "Get-VM", {}, ("MemoryAssigned", "CheckpointType")) == [
        {"MemoryAssigned": 2 * GIB, "CheckpointType": "Disabled"}]


# checkpoints -----------------------------------------------------------------------------
def test_a_checkpoint_taken_off_restores_the_settings_and_is_removed(tmp_path):
    transport, path = host(tmp_path, VmSeed("WIN10", state="Off"))
    ref = vm_ref(transport)
    invoke(transport, "Checkpoint-VM", {"VM": ref, "SnapshotName": "before"})
    invoke(transport, "Set-VMProcessor", {"VM": ref, "Count": 6})
    rows = invoke(transport, "Get-VMSnapshot", {"VM": ref}, ("Name", "VMName"))
    assert rows == [{"Name": "before", "VMName": "WIN10"}]
    invoke(transport, "Restore-VMSnapshot", {"VMSnapshot": CheckpointRef(ref.id, "before")})
    assert vms(path)["WIN10"]["ProcessorCount"] == 2 and vms(path)["WIN10"]["State"] == 3
    invoke(transport, "Remove-VMSnapshot", {"VMSnapshot": CheckpointRef(ref.id, "before")})
    assert invoke(transport, "Get-VMSnapshot", {"VM": ref}, ("Name",)) == []


def test_a_checkpoint_is_found_by_its_exact_name_only(tmp_path):
    transport, _ = host(tmp_path, VmSeed("WIN10", state="Off"))
    ref = vm_ref(transport)
    invoke(transport, "Checkpoint-VM", {"VM": ref, "SnapshotName": "a[1]"})
    error = attempt(transport, "Remove-VMSnapshot", {"VMSnapshot": CheckpointRef(ref.id, "a*")})
    assert "the VM has no checkpoint named: a*" in error.message
    assert attempt(transport, "Remove-VMSnapshot",
                   {"VMSnapshot": CheckpointRef(ref.id, "a[1]")}) is None


def test_checkpoints_disabled_are_refused_with_hypervs_words(tmp_path):
    transport, path = host(tmp_path, VmSeed("WIN10", state="Off", checkpoint_type="Disabled"))
    before = path.read_text()
    error = attempt(transport, "Checkpoint-VM", {"VM": vm_ref(transport), "SnapshotName": "x"})
    assert error.hyperv_message.splitlines()[:2] == ["Checkpoint operation failed.",
                                                     "Checkpoints have been disabled."]
    assert "Checkpoints have been disabled for 'WIN10'." in error.message
    assert path.read_text() == before


def test_a_running_nested_vm_refuses_saving_its_memory_and_applying_a_checkpoint(tmp_path):
    transport, path = host(tmp_path, VmSeed("N", nested=True, checkpoint_type="Standard"),
                           VmSeed("P", nested=True))
    standard, production = vm_ref(transport, "N"), vm_ref(transport, "P")
    assert "Checkpoint operation failed." in attempt(
        transport, "Checkpoint-VM", {"VM": standard, "SnapshotName": "x"}).message
    assert "failed to save." in attempt(transport, "Stop-VM", {"VM": standard,
                                                               "Save": True}).message
    assert attempt(transport, "Checkpoint-VM", {"VM": production, "SnapshotName": "x"}) is None
    assert "Checkpoint operation failed." in attempt(
        transport, "Restore-VMSnapshot", {"VMSnapshot": CheckpointRef(production.id, "x")}).message
    invoke(transport, "Stop-VM", {"VM": production, "TurnOff": True})
    assert attempt(transport, "Restore-VMSnapshot",
                   {"VMSnapshot": CheckpointRef(production.id, "x")}) is None
    assert vms(path)["P"]["State"] == 3  # a production checkpoint has no memory: it restores off


# guest shutdown ----------------------------------------------------------------------------
def test_a_bounded_shutdown_that_times_out_leaves_the_vm_running(tmp_path):
    transport, path = host(tmp_path, VmSeed("WIN10", shutdown_hangs=1))
    ref = vm_ref(transport)
    error = attempt(transport, "Stop-DfwctlVM", {"VM": ref, "TimeoutSeconds": 30})
    assert error.error_id == "DfwctlStopTimeout,Stop-DfwctlVM"
    assert error.hyperv_message == ("The guest of 'WIN10' did not shut down within 30 seconds; "
                                    "the virtual machine is Running.")
    assert vms(path)["WIN10"]["State"] == 2
    assert attempt(transport, "Stop-DfwctlVM", {"VM": ref, "TimeoutSeconds": 30}) is None
    assert (vms(path)["WIN10"]["State"], vms(path)["WIN10"]["LastStop"]) == (3, "Shutdown")


def test_a_turn_off_is_only_what_was_asked_for(tmp_path):
    transport, path = host(tmp_path, VmSeed("A", shutdown_hangs=1), VmSeed("B", shutdown_hangs=1),
                           VmSeed("C", shutdown_service=False))
    invoke(transport, "Stop-DfwctlVM", {"VM": vm_ref(transport, "A"), "TimeoutSeconds": 30,
                                        "TurnOff": True})
    invoke(transport, "Stop-VM", {"VM": vm_ref(transport, "B"), "Force": True})
    error = attempt(transport, "Stop-DfwctlVM", {"VM": vm_ref(transport, "C"),
                                                 "TimeoutSeconds": 30})
    assert error.error_id == "DfwctlNoShutdownService,Stop-DfwctlVM"
    assert "cannot be shut down from the host" in error.message
    assert "shutdown integration service" in attempt(
        transport, "Stop-VM", {"VM": vm_ref(transport, "C"), "Force": True}).message
    stops = {name: (vm["State"], vm["LastStop"]) for name, vm in vms(path).items()}
    # Stop-VM -Force gives a hanging guest five minutes, then turns the VM off
    assert stops == {"A": (3, "TurnOff"), "B": (3, "Forced"), "C": (2, "")}


# the session -------------------------------------------------------------------------------
SESSION = ("PSEdition", "Is64BitProcess", "LanguageMode", "HyperVModules", "ExecutionPolicy")


def test_the_session_facts(tmp_path):
    transport, _ = host(tmp_path)
    assert invoke(transport, "Get-DfwctlSession", {}, SESSION) == [
        {"PSEdition": "Desktop", "Is64BitProcess": True, "LanguageMode": "FullLanguage",
         "HyperVModules": ["2.0.0.0", "1.1"], "ExecutionPolicy": "Bypass"}]
    assert invoke(transport, "Get-Module", {"ListAvailable": True, "Name": ["Hyper-V"]},
                  ("Version",)) == [{"Version": "2.0.0.0"}, {"Version": "1.1"}]


def test_a_32_bit_powershell_has_no_hyperv_module(tmp_path):
    transport, _ = host(tmp_path, PSProcess64Bit=False)
    assert attempt(transport, "Get-VM", {}).command_missing
    assert invoke(transport, "Get-DfwctlSession", {}, ("Is64BitProcess", "HyperVModules")) == [
        {"Is64BitProcess": False, "HyperVModules": []}]


def test_the_stores_powershell_cannot_run_dism(tmp_path):
    store = r"C:\Program Files\WindowsApps\Microsoft.PowerShell_7.4.6.0_x64__8wekyb3d8bbwe"
    transport, _ = host(tmp_path, PSEdition="Core", PSVersion="7.4.6", PSHome=store)
    error = attempt(transport, "Get-WindowsOptionalFeature",
                    {"Online": True, "FeatureName": "Microsoft-Hyper-V"})
    assert error.hyperv_message == "Class not registered"
    assert invoke(transport, "Get-VM", {}, ("Name",)) == [{"Name": "WIN10"}]  # Hyper-V works


@pytest.mark.parametrize("mode", ["ConstrainedLanguage", "RestrictedLanguage"])
def test_a_language_mode_other_than_full_answers_before_anything_runs(tmp_path, mode):
    transport, _ = host(tmp_path, LanguageMode=mode)
    with pytest.raises(TransportError, match=f"PowerShell runs in {mode} mode") as caught:
        invoke_all(transport, [Call.of("Get-VM", {}, ("Name",))])
    assert "AppLocker or WDAC" in caught.value.hint
