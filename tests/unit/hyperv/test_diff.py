"""The pure Hyper-V diff: a diff for every field, what may change while the VM runs, the
stop -> set -> start sequence and its flags, and every refusal with a clear message."""
from __future__ import annotations

import dataclasses

import pytest

from dfwctl.combine import combine
from dfwctl.errors import PlanError
from dfwctl.plan import Action, PlanOptions
from dfwctl.providers.hyperv.diff import diff
from dfwctl.providers.hyperv.model import AdapterSpec, HyperVActual
from dfwctl.report import render_plan
from dfwctl.values.sizes import GIB, MIB
from tests.fakes.hyperv import desired
from tests.unit.hyperv.plans import (
    ADAPTER,
    ENDPOINT,
    ID,
    actual,
    only,
    plan_for,
    problems,
    vm,
)

# a diff for every field ------------------------------------------------------------------
FIELDS = [
    # playbook, VM fields, diff name, before, after, offline while running
    ({"processors": 4}, {}, "processors", 2, 4, True),
    ({"memory": "4GiB"}, {}, "memory", 2 * GIB, 4 * GIB, True),
    ({"dynamic_memory": False}, {"dynamic_memory": True}, "dynamic_memory", True, False, True),
    ({"dynamic_memory": {"minimum": "512MiB", "maximum": "8GiB"}}, {}, "dynamic_memory",
     False, True, True),
    ({"dynamic_memory": {"minimum": "256MiB", "maximum": "8GiB"}}, {"dynamic_memory": True},
     "dynamic_memory.minimum", 512 * MIB, 256 * MIB, False),
    ({"dynamic_memory": {"minimum": "1GiB", "maximum": "8GiB"}}, {"dynamic_memory": True},
     "dynamic_memory.minimum", 512 * MIB, 1 * GIB, True),
    ({"dynamic_memory": {"minimum": "512MiB", "maximum": "16GiB"}}, {"dynamic_memory": True},
     "dynamic_memory.maximum", 8 * GIB, 16 * GIB, False),
    ({"dynamic_memory": {"minimum": "512MiB", "maximum": "4GiB"}}, {"dynamic_memory": True},
     "dynamic_memory.maximum", 8 * GIB, 4 * GIB, True),
    ({"nested_virtualization": True, "memory": "2GiB"}, {}, "nested_virtualization", False,
     True, True),
    ({"network_adapters": [{"mac_address_spoofing": True}]}, {},
     'network_adapters["Network Adapter"].mac_address_spoofing', False, True, False),
    ({"network_adapters": [{"switch": "Lab"}]}, {}, 'network_adapters["Network Adapter"].switch',
     "Default Switch", "Lab", False),
]


@pytest.mark.parametrize("spec, have, name, before, after, offline", FIELDS,
                         ids=[f[2] + ("-offline" if f[5] else "-online") for f in FIELDS])
def test_every_field(spec, have, name, before, after, offline):
    change = only(plan_for(spec, vm(**have)))
    assert change.action is Action.UPDATE and change.address == "hyperv.vm.WIN10"
    assert [(d.name, d.before, d.after) for d in change.diffs if d.name != "dynamic_memory"
            or name == "dynamic_memory"] == [(name, before, after)]
    ops = [op.phase for op in change.steps]
    if offline:
        assert ops[0] in ("stop", "online") and ops[-2:] == ["start", "after"]
        assert ops.index("stop") < ops.index("checkpoint") < ops.index("offline")
        assert change.requires_restart and change.destructive and change.restart == "VM restart"
    else:
        assert ops == ["online"] * len(ops)
        assert not change.requires_restart and not change.destructive


@pytest.mark.parametrize("spec, have, name, before, after, offline", FIELDS,
                         ids=[f[2] for f in FIELDS])
def test_every_field_on_a_vm_that_is_off_needs_no_restart(spec, have, name, before, after,
                                                          offline):
    change = only(plan_for({**spec, "state": "off"}, vm("Off", **have)))
    assert "stop" not in [op.phase for op in change.steps]
    assert not change.requires_restart and not change.destructive


@pytest.mark.parametrize("spec", [{}, {"processors": 2, "memory": "2GiB", "dynamic_memory": False,
                                       "nested_virtualization": False,
                                       "network_adapters": [{"switch": "Default Switch",
                                                             "mac_address_spoofing": False}]}])
def test_nothing_to_do(spec):
    assert plan_for(spec).changes == ()


def test_only_named_fields_are_managed():
    assert plan_for({"processors": 2}, vm(memory=6 * GIB, dynamic_memory=True)).changes == ()


# the seed scenario -----------------------------------------------------------------------
SEED = {"state": "running", "processors": 4, "memory": "4GiB", "dynamic_memory": False,
        "nested_virtualization": True,
        "network_adapters": [{"switch": "Default Switch", "mac_address_spoofing": True}]}


def test_the_seed_scenario_is_stop_checkpoint_set_start_plus_spoofing():
    change = only(plan_for(SEED, vm(dynamic_memory=True)))
    assert [(op.cmdlet, op.phase) for op in change.steps] == [
        ("Set-VMNetworkAdapter", "online"), ("Stop-DfwctlVM", "stop"),
        ("Checkpoint-VM", "checkpoint"), ("Set-VMMemory", "offline"),
        ("Set-VMProcessor", "offline"), ("Start-VM", "start"), ("Remove-VMSnapshot", "after")]
    stop = dict(change.steps[1].params)
    assert stop["TimeoutSeconds"] == 300 and "TurnOff" not in stop  # a bounded guest shutdown
    taken = dict(change.steps[2].params)
    assert taken["SnapshotName"] == "dfwctl hv-test: before apply (temporary)"
    removed = dict(change.steps[6].params)["VMSnapshot"]
    assert (removed.vm_id, removed.name) == (ID, taken["SnapshotName"])
    memory = dict(change.steps[3].params)
    assert memory["DynamicMemoryEnabled"] is False and memory["StartupBytes"] == 4 * GIB
    processor = dict(change.steps[4].params)
    assert processor["Count"] == 4 and processor["ExposeVirtualizationExtensions"] is True
    text = render_plan(plan_for(SEED, vm(dynamic_memory=True)))
    assert '~ vm "WIN10"  [VM restart, destructive]' in text
    assert ("2. stop the VM: shut down the guest and wait up to 300 s for it to turn off, then "
            "fail, never turning it off (InitiateShutdown)") in text
    assert ('3. take checkpoint "dfwctl hv-test: before apply (temporary)" (removed once the '
            "change is made; kept if a later step fails) (Checkpoint-VM)") in text
    assert "6. start the VM (Start-VM)" in text
    assert '7. remove the checkpoint "dfwctl hv-test: before apply (temporary)"' in text
    assert "~ memory = 2GiB -> 4GiB" in text


# power -----------------------------------------------------------------------------------
@pytest.mark.parametrize("power, want, ops, destructive", [
    ("Running", "off", ["stop"], True),
    ("Off", "running", ["start"], False),
    ("Running", "running", [], False),
    ("Off", "off", [], False),
])
def test_state(power, want, ops, destructive):
    plan = plan_for({"state": want}, vm(power))
    if not ops:
        assert plan.changes == ()
        return
    change = only(plan)
    assert [op.phase for op in change.steps] == ops
    assert change.destructive is destructive and not change.requires_restart
    assert change.diffs[0].name == "state"


def test_offline_changes_on_a_vm_to_turn_off_do_not_start_it():
    change = only(plan_for({"state": "off", "processors": 4}, vm()))
    assert [op.phase for op in change.steps] == ["stop", "checkpoint", "offline", "after"]
    assert change.destructive and not change.requires_restart


def test_a_vm_that_is_off_is_set_then_started():
    change = only(plan_for({"processors": 4}, vm("Off")))
    assert [op.phase for op in change.steps] == ["checkpoint", "offline", "start", "after"]
    assert not change.destructive


@pytest.mark.parametrize("power, words", [
    ("Saved", "Remove-VMSavedState"), ("Paused", "Resume-VM"), ("RunningCritical", "recover"),
    ("OffCritical", "recover"), ("Unknown(32790)", "recover"), ("Starting", "wait until"),
    ("Stopping", "wait until"), ("FastSaved", "Remove-VMSavedState"),
])
def test_states_dfwctl_does_not_act_on(power, words):
    text = problems({"processors": 4}, vm(power))
    assert "VM WIN10 is" in text and power in text and words in text


# refusals --------------------------------------------------------------------------------
def test_a_missing_vm_suggests_a_close_name():
    text = problems({}, vm(name="WIN10"), name="WIN01")
    assert "VM WIN01 does not exist on hyperv:local; did you mean 'WIN10'?" in text
    assert "does not create them" in text


def test_duplicate_names():
    other = "11111111-2222-3333-4444-555555555555"
    text = problems({}, vm(), vm(name="win10", vm_id=other))
    assert "2 VMs are named WIN10" in text and ID in text and other in text


def test_every_problem_is_listed_at_once():
    with pytest.raises(PlanError) as caught:
        diff(desired({"A": {}, "B": {}}), actual(vm(name="C")))
    assert "VM A does not exist" in caught.value.message
    assert "VM B does not exist" in caught.value.message


@pytest.mark.parametrize("version, vendor, ok", [
    ("5.0", "GenuineIntel", False), ("7.1", "", False), ("8.0", "GenuineIntel", True),
    ("9.0", "AuthenticAMD", False), ("9.3", "AuthenticAMD", True), ("10.0", "AuthenticAMD", True),
])
def test_nested_virtualization_needs_a_configuration_version(version, vendor, ok):
    spec = {"nested_virtualization": True, "dynamic_memory": False}
    if ok:
        assert plan_for(spec, vm(version=version), cpu_vendor=vendor).changes
    else:
        assert "Update-VMVersion" in problems(spec, vm(version=version), cpu_vendor=vendor)


def test_an_already_nested_vm_is_not_version_checked():
    assert plan_for({"nested_virtualization": True}, vm(version="5.0",
                                                       nested_virtualization=True)).changes == ()


def test_nested_with_dynamic_memory_left_on():
    text = problems({"nested_virtualization": True}, vm(dynamic_memory=True))
    assert "add dynamic_memory: false" in text


def test_startup_memory_outside_the_vms_dynamic_range():
    text = problems({"memory": "16GiB"}, vm(dynamic_memory=True))
    assert "memory 16GiB is outside its dynamic memory range (512MiB to 8GiB)" in text


@pytest.mark.parametrize("adapters, have, words", [
    ([{"switch": "Lab"}], (ADAPTER, dataclasses.replace(ADAPTER, name="Second", id="x")),
     "has no name, and the VM has 2 adapters (Network Adapter, Second)"),
    ([{"name": "Missing", "switch": "Lab"}], (ADAPTER,), "has no network adapters named 'Missing'"),
    ([{"name": "Network Adapter"}], (ADAPTER, dataclasses.replace(ADAPTER, id="y")),
     "has 2 network adapters named 'Network Adapter'"),
    ([{"switch": "Nope"}], (ADAPTER,), "switch 'Nope' does not exist on hyperv:local "
                                       "(switches: Default Switch, Lab)"),
])
def test_adapter_problems(adapters, have, words):
    assert words in problems({"network_adapters": adapters}, vm(network_adapters=have))


def test_adapters_are_matched_by_name():
    second = AdapterSpec("Lab NIC", "Lab", False, id="Microsoft:A\\C")
    change = only(plan_for({"network_adapters": [{"name": "lab nic", "mac_address_spoofing":
                                                  True}]},
                           vm(network_adapters=(ADAPTER, second))))
    op = change.steps[0]
    assert op.cmdlet == "Set-VMNetworkAdapter"
    assert dict(op.params)["VMNetworkAdapter"].id == "Microsoft:A\\C"
    assert dict(op.params)["MacAddressSpoofing"] == "On"


# the host --------------------------------------------------------------------------------
def test_hyperv_missing_plans_enabling_the_feature():
    wanted = desired({"WIN10": {}})
    plan = combine(wanted, [diff(wanted, HyperVActual(ENDPOINT, feature_state="Disabled"))])
    change = only(plan)
    assert change.address == "hyperv.host.local" and change.restart == "host reboot required"
    assert change.steps[0].cmdlet == "Enable-WindowsOptionalFeature"
    assert dict(change.steps[0].params)["NoRestart"] is True
    text = render_plan(plan)
    assert '~ host "local"  [host reboot required]' in text
    assert '~ hyperv_feature = "Disabled" -> "Enabled"' in text
    assert "2. reboot the host; then plan again to change the VMs" in text
    assert "Warning: VMs WIN10 are planned once Hyper-V is enabled" in text


@pytest.mark.parametrize("state, words", [("EnablePending", "reboot the host"),
                                          ("Enabled", "Microsoft-Hyper-V-Management-PowerShell")])
def test_hyperv_cmdlets_missing_otherwise(state, words):
    with pytest.raises(PlanError, match=words):
        diff(desired({"WIN10": {}}), HyperVActual(ENDPOINT, feature_state=state))


def test_destroy_leaves_vms_alone():
    plan = diff(desired({"WIN10": {"processors": 4}}), HyperVActual(ENDPOINT),
                PlanOptions(destroy=True))
    assert plan.changes == () and "never creates or removes VMs" in plan.warnings[0]


def test_the_fingerprint_follows_the_named_vms_only():
    want = desired({"WIN10": {}})
    base = diff(want, actual(vm(), vm(name="OTHER", vm_id="x"))).fingerprint
    assert diff(want, actual(vm(), vm(name="OTHER", vm_id="x", processors=8))).fingerprint == base
    assert diff(want, actual(vm(processors=8), vm(name="OTHER", vm_id="x"))).fingerprint != base
