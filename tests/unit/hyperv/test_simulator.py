"""The simulated Hyper-V: what it accepts, what it refuses (and how the refusal reads), its
enum numbers and property names, and the state file under concurrent changes."""
from __future__ import annotations

import json
import threading

import pytest

from dfwctl.providers.hyperv.simulator.seed import VmSeed, reboot, seed_host, seed_vm
from dfwctl.providers.hyperv.simulator.state import transaction
from dfwctl.providers.hyperv.simulator.transport import SimulatorTransport
from dfwctl.providers.hyperv.transport import (
    Call,
    HyperVError,
    VmRef,
    invoke,
    invoke_all,
)
from dfwctl.values.sizes import GIB, MIB

DYNAMIC = (512 * MIB, 8 * GIB)


def host(tmp_path, *seeds, **facts):
    path = tmp_path / "hv.json"
    for seed in seeds or (VmSeed("WIN10", dynamic_memory=DYNAMIC),):
        seed_vm(path, seed)
    if facts:
        seed_host(path, facts)
    return SimulatorTransport(str(path)), path


def vm_ref(transport, name="WIN10"):
    return VmRef(invoke(transport, "Get-VM", {"Name": name}, ("Id",))[0]["Id"], name)


def attempt(transport, cmdlet, params):
    return invoke_all(transport, [Call.of(cmdlet, params)])[0].error


REFUSED_WHILE_RUNNING = [
    ("Set-VMProcessor", {"Count": 4}, "Processor"),
    ("Set-VMProcessor", {"ExposeVirtualizationExtensions": True}, "Processor"),
    ("Set-VM", {"ProcessorCount": 4}, "Processor"),
    ("Set-VMMemory", {"DynamicMemoryEnabled": False}, "Memory"),
    ("Set-VM", {"StaticMemory": True}, "Memory"),
    ("Set-VMMemory", {"StartupBytes": 4 * GIB}, "Memory"),  # dynamic memory is on
    ("Set-VMMemory", {"MinimumBytes": 1 * GIB}, "Memory"),  # a minimum only goes down
    ("Set-VMMemory", {"MaximumBytes": 4 * GIB}, "Memory"),  # a maximum only goes up
]


@pytest.mark.parametrize("cmdlet, params, device", REFUSED_WHILE_RUNNING)
def test_changes_hyperv_refuses_on_a_running_vm(tmp_path, cmdlet, params, device):
    transport, path = host(tmp_path)
    before = path.read_text()
    error = attempt(transport, cmdlet, {"VM": vm_ref(transport), **params})
    assert isinstance(error, HyperVError)
    lines = error.hyperv_message.splitlines()
    assert lines[0] == f"Failed to modify device '{device}'."
    assert lines[1] == ("The operation cannot be performed while the virtual machine is in "
                        "its current state.")
    assert lines[2].startswith(f"'WIN10' failed to modify device '{device}'. (Virtual machine ID ")
    assert error.category == "InvalidOperation"
    assert error.error_id == f"InvalidState,Microsoft.HyperV.PowerShell.Commands.{cmdlet.replace('-', '')}"
    assert path.read_text() == before  # a refused call changes nothing


@pytest.mark.parametrize("cmdlet, params, device", REFUSED_WHILE_RUNNING)
def test_the_same_changes_are_accepted_on_a_vm_that_is_off(tmp_path, cmdlet, params, device):
    transport, _ = host(tmp_path, VmSeed("WIN10", state="Off", dynamic_memory=DYNAMIC))
    assert attempt(transport, cmdlet, {"VM": vm_ref(transport), **params}) is None


@pytest.mark.parametrize("params", [
    {"MinimumBytes": 256 * MIB}, {"MaximumBytes": 16 * GIB},
    {"MinimumBytes": 256 * MIB, "MaximumBytes": 16 * GIB},
])
def test_dynamic_memory_range_widens_while_running(tmp_path, params):
    transport, _ = host(tmp_path)
    assert attempt(transport, "Set-VMMemory", {"VM": vm_ref(transport), **params}) is None


def test_static_memory_resizes_while_running_unless_nested(tmp_path):
    transport, _ = host(tmp_path, VmSeed("A"), VmSeed("B", nested=True))
    assert attempt(transport, "Set-VMMemory", {"VM": vm_ref(transport, "A"),
                                               "StartupBytes": 4 * GIB}) is None
    assert "Failed to modify device 'Memory'" in attempt(
        transport, "Set-VMMemory", {"VM": vm_ref(transport, "B"), "StartupBytes": 4 * GIB}).message


def test_memory_must_be_aligned(tmp_path):
    transport, _ = host(tmp_path, VmSeed("WIN10", state="Off"))
    error = attempt(transport, "Set-VMMemory", {"VM": vm_ref(transport),
                                                "StartupBytes": 4019 * MIB})
    assert error.hyperv_message.splitlines()[1] == (
        "Invalid memory value assigned for 'WIN10'. Memory values must be properly aligned.")
    assert "The memory value assigned ('4019' MB) is not properly aligned." in error.message


def test_dynamic_memory_order(tmp_path):
    transport, _ = host(tmp_path, VmSeed("WIN10", state="Off"))
    error = attempt(transport, "Set-VMMemory", {"VM": vm_ref(transport), "DynamicMemoryEnabled":
                                                True, "MinimumBytes": 8 * GIB,
                                                "MaximumBytes": 16 * GIB})
    assert "minimum memory must not be more than the startup memory" in error.message


def test_get_vm_not_found_and_wildcards(tmp_path):
    transport, _ = host(tmp_path)
    error = attempt(transport, "Get-VM", {"Name": "WIN11"})
    assert error.hyperv_message == 'Hyper-V was unable to find a virtual machine with name "WIN11".'
    assert error.error_id == "InvalidParameter,Microsoft.HyperV.PowerShell.Commands.GetVM"
    assert invoke(transport, "Get-VM", {"Name": "NOPE*"}, ("Name",)) == []
    assert invoke(transport, "Get-VM", {"Name": "win*"}, ("Name",)) == [{"Name": "WIN10"}]
    error = attempt(transport, "Get-VMProcessor", {"VMName": "WIN11"})
    assert error.error_id == "ObjectNotFound,Microsoft.HyperV.PowerShell.Commands.GetVMProcessor"


def test_enums_are_numbers_in_the_state_and_names_on_the_wire(tmp_path):
    transport, path = host(tmp_path)
    vm = json.loads(path.read_text())["vms"][0]
    assert vm["State"] == 2 and vm["NetworkAdapters"][0]["MacAddressSpoofing"] == 1
    adapter = invoke(transport, "Get-VMNetworkAdapter", {"VM": vm_ref(transport)},
                     ("Name", "MacAddressSpoofing", "VMName"))
    assert adapter == [{"Name": "Network Adapter", "MacAddressSpoofing": "Off", "VMName": "WIN10"}]
    assert invoke(transport, "Get-VM", {}, ("State",)) == [{"State": "Running"}]


@pytest.mark.parametrize("cmdlet, params, text", [
    ("Set-VMProcessor", {"Cores": 2}, "A parameter cannot be found that matches parameter name 'Cores'."),
    ("Set-VMNetworkAdapter", {"MacAddressSpoofing": "Maybe"},
     'Cannot convert value "Maybe" to type "Microsoft.HyperV.PowerShell.OnOffState"'),
    ("Set-VMProcessor", {"Count": "four"}, 'Cannot convert value "four" to type "System.Int64"'),
    ("Connect-VMNetworkAdapter", {"SwitchName": "Nope"}, 'Unable to find a virtual switch with name "Nope".'),
])
def test_parameter_binding(tmp_path, cmdlet, params, text):
    transport, _ = host(tmp_path, VmSeed("WIN10", state="Off"))
    error = attempt(transport, cmdlet, {"VMName": ["WIN10"], **params})
    assert text in error.message


def test_power_changes_and_their_warnings(tmp_path):
    transport, path = host(tmp_path, VmSeed("WIN10"), VmSeed("S", state="Saved"),
                           VmSeed("C", state="RunningCritical"))
    ref = vm_ref(transport)
    started = invoke_all(transport, [Call.of("Start-VM", {"VM": ref})])[0]
    assert started.error is None and started.warnings == (
        "The virtual machine is already in the specified state.",)
    assert attempt(transport, "Stop-VM", {"VM": ref, "Force": True}) is None
    assert attempt(transport, "Stop-VM", {"VM": vm_ref(transport, "S")}) is not None
    assert "failed to change state" in attempt(transport, "Start-VM", {"VM": vm_ref(transport, "C")}).message
    assert attempt(transport, "Start-VM", {"VM": vm_ref(transport, "S")}) is None
    states = {vm["Name"]: vm["State"] for vm in json.loads(path.read_text())["vms"]}
    assert states == {"WIN10": 3, "S": 2, "C": 32785}


def test_nested_virtualization_needs_a_recent_vm_version_and_host(tmp_path):
    transport, _ = host(tmp_path, VmSeed("OLD", state="Off", version="5.0"),
                        VmSeed("AMD", state="Off", version="9.0"))
    error = attempt(transport, "Set-VMProcessor", {"VM": vm_ref(transport, "OLD"),
                                                   "ExposeVirtualizationExtensions": True})
    assert error.error_id.startswith("NotSupported,") and "configuration version 5.0" in error.message
    seed_host(transport.path, {"Manufacturer": "AuthenticAMD"})
    assert "9.3 or later" in attempt(transport, "Set-VMProcessor", {
        "VM": vm_ref(transport, "AMD"), "ExposeVirtualizationExtensions": True}).message
    seed_host(transport.path, {"BuildNumber": "10586"})  # before ExposeVirtualizationExtensions
    assert "parameter name 'ExposeVirtualizationExtensions'" in attempt(
        transport, "Set-VMProcessor", {"VM": vm_ref(transport, "AMD"),
                                       "ExposeVirtualizationExtensions": True}).message


@pytest.mark.parametrize("rule, starts", [("Fixed", True), ("Refuse", False)])
def test_a_nested_vm_with_dynamic_memory_under_either_documented_rule(tmp_path, rule, starts):
    transport, path = host(tmp_path, VmSeed("N", state="Off", nested=True,
                                            dynamic_memory=DYNAMIC),
                           NestedDynamicMemory=rule)
    error = attempt(transport, "Start-VM", {"VM": vm_ref(transport, "N")})
    if starts:  # the current documentation: it starts, its memory stays at the startup amount
        assert error is None
        assert json.loads(path.read_text())["vms"][0]["MemoryAssigned"] == 2 * GIB
    else:  # the 2015 preview notes: dynamic memory must be off, or the VM does not boot
        assert "'N' failed to start." in error.message


def test_without_hyperv_the_cmdlets_do_not_exist(tmp_path):
    transport, path = host(tmp_path, HyperVFeature="Disabled")
    error = attempt(transport, "Get-VM", {})
    assert error.command_missing and "The term 'Hyper-V\\Get-VM' is not recognized" in error.message
    assert invoke(transport, "Get-WindowsOptionalFeature", {"Online": True, "FeatureName":
                                                            "Microsoft-Hyper-V"}, ("State",)) == [
        {"State": "Disabled"}]
    invoke(transport, "Enable-WindowsOptionalFeature", {"Online": True, "FeatureName":
                                                        ["Microsoft-Hyper-V"], "All": True,
                                                        "NoRestart": True})
    assert attempt(transport, "Get-VM", {}).command_missing  # until the reboot
    assert reboot(path) == "Enabled"
    assert attempt(transport, "Get-VM", {}) is None


def test_a_session_that_may_not_manage_hyperv_sees_empty_lists(tmp_path):
    transport, _ = host(tmp_path, Elevated=False)
    assert invoke(transport, "Get-VM", {}, ("Name",)) == []
    assert invoke(transport, "Get-VMSwitch", {}, ("Name",)) == []
    assert attempt(transport, "Get-VM", {"Name": "WIN10"}).hyperv_message == (
        'Hyper-V was unable to find a virtual machine with name "WIN10".')
    assert "The requested operation requires elevation." in attempt(
        transport, "Get-WindowsOptionalFeature", {"Online": True,
                                                  "FeatureName": "Microsoft-Hyper-V"}).message
    session = invoke(transport, "Get-DfwctlSession", {}, ("Elevated", "HyperVAdministrator"))
    assert session == [{"Elevated": False, "HyperVAdministrator": False}]


def test_hyperv_administrators_may_manage_vms_without_elevation(tmp_path):
    transport, _ = host(tmp_path, Elevated=False, HyperVAdministrator=True)
    assert invoke(transport, "Get-VM", {}, ("Name",)) == [{"Name": "WIN10"}]


def test_concurrent_changes_are_not_lost(tmp_path):
    names = [f"vm{i}" for i in range(8)]
    transport, path = host(tmp_path, *(VmSeed(n, state="Off") for n in names))
    refs = {n: vm_ref(transport, n) for n in names}

    def change(name):
        invoke(transport, "Set-VMProcessor", {"VM": refs[name], "Count": 6})

    threads = [threading.Thread(target=change, args=(n,)) for n in names]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with transaction(path) as doc:
        assert [vm["ProcessorCount"] for vm in doc["vms"]] == [6] * len(names)
