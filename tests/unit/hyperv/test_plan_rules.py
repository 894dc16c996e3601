"""What the Hyper-V plan refuses or warns of beyond the fields it changes: the host's limits
(Start-VM would fail), nested virtualization on the VM as the plan leaves it (playbook over
host), the host's build, checkpoints (taken, kept, restored, disabled, left over) and the
bounded shutdown."""
from __future__ import annotations

import dataclasses

import pytest

from dfwctl.errors import PlanError
from dfwctl.providers.hyperv.diff import diff
from dfwctl.providers.hyperv.model import HostFacts, overridden
from dfwctl.report import render_plan
from dfwctl.values.sizes import GIB, MIB
from tests.fakes.hyperv import desired
from tests.unit.hyperv.plans import ID, actual, only, plan_for, problems, vm

HOST = HostFacts(build=19045, logical_processors=4, memory_total=16 * GIB,
                 memory_free=8 * GIB)


# the host's processors and memory --------------------------------------------------------
@pytest.mark.parametrize("power", ["Running", "Off"])
def test_more_processors_than_the_host_has_are_refused_at_plan_time(power):
    text = problems({"processors": 8}, vm(power), host=HOST)
    assert "VM WIN10 would start with 8 processors, and hyperv:local has 4 logical " \
           "processors" in text
    assert "give it at most 4" in text
    assert only(plan_for({"processors": 4}, vm(power), host=HOST)).steps


def test_a_vm_left_off_may_have_more_processors_than_the_host():
    change = only(plan_for({"state": "off", "processors": 8}, vm("Off"), host=HOST))
    assert "start" not in [op.phase for op in change.steps]


def test_a_host_that_was_not_read_is_not_checked():
    assert only(plan_for({"processors": 64}, vm(), host=HostFacts())).steps


def test_startup_memory_above_the_hosts_is_refused():
    text = problems({"memory": "32GiB"}, vm(), host=HOST)
    assert "would start with 32GiB of memory, and hyperv:local has 16GiB in all" in text


def test_startup_memory_above_what_is_free_counts_what_the_vm_gives_back():
    running = vm(memory_assigned=2 * GIB)
    assert only(plan_for({"memory": "10GiB"}, running, host=HOST)).steps  # 8 free + 2 back
    text = problems({"memory": "12GiB"}, running, host=HOST)
    assert ("would start with 12GiB of memory, and hyperv:local has 8GiB free (+ 2GiB it "
            "gives back when it stops)") in text
    text = problems({"memory": "10GiB"}, vm("Off"), host=HOST)  # an off VM gives nothing back
    assert "has 8GiB free: Start-VM would fail" in text


def test_vms_started_together_share_the_free_memory():
    a = vm("Off", name="A", vm_id="11111111-1111-1111-1111-111111111111", memory=6 * GIB)
    b = vm("Off", name="B", vm_id="22222222-2222-2222-2222-222222222222", memory=6 * GIB)
    with pytest.raises(PlanError, match="the Hyper-V plan cannot be made:") as caught:
        diff(desired({"A": {}, "B": {}}), actual(a, b, host=HOST))
    assert "VMs A, B would start with 12GiB of memory in all, and hyperv:local has 8GiB for " \
           "them" in caught.value.message


# nested virtualization on the VM as it will be -------------------------------------------
def test_dynamic_memory_turned_on_under_nested_virtualization_the_playbook_does_not_name():
    text = problems({"dynamic_memory": {"minimum": "1GiB", "maximum": "8GiB"}},
                    vm(nested_virtualization=True, memory=4 * GIB))
    assert ("VM WIN10 would have nested virtualization and dynamic memory both on (nested "
            "virtualization is on on the host, not set in the playbook)") in text
    assert "add dynamic_memory: false" in text


def test_the_same_on_a_vm_the_plan_leaves_off_is_a_warning():
    plan = plan_for({"state": "off", "dynamic_memory": {"minimum": "1GiB", "maximum": "8GiB"}},
                    vm("Off", nested_virtualization=True, memory=4 * GIB))
    assert any("nested virtualization and dynamic memory both on" in w for w in plan.warnings)


def test_nested_virtualization_on_a_vm_whose_dynamic_memory_stays_on():
    text = problems({"nested_virtualization": True}, vm(dynamic_memory=True))
    assert "(dynamic memory is on on the host, not set in the playbook)" in text


def test_warnings_from_the_hosts_values():
    plan = plan_for({"processors": 4}, vm(nested_virtualization=True))
    assert ("VM WIN10 has nested virtualization with 2GiB of memory: give it at least 4GiB"
            in "\n".join(plan.warnings))
    assert "no network adapter with MAC address spoofing on" in "\n".join(plan.warnings)
    assert "Warning: VM WIN10 has nested virtualization with 2GiB" in render_plan(plan)


def test_no_host_warning_when_the_host_has_what_nested_virtualization_needs():
    spoofing = dataclasses.replace(vm().spec.network_adapters[0], mac_address_spoofing=True)
    plan = plan_for({"processors": 4}, vm(nested_virtualization=True, memory=4 * GIB,
                                          network_adapters=(spoofing,)))
    assert plan.warnings == ()


def test_a_host_build_without_nested_virtualization_says_so_and_not_update_vmversion():
    text = problems({"nested_virtualization": True}, vm(version="8.0"),
                    host=dataclasses.replace(HOST, build=10586))
    assert ("nested virtualization needs Windows build 14393 or later on the Hyper-V host, and "
            "hyperv:local runs build 10586") in text
    assert "Update-VMVersion" not in text


# checkpoints -------------------------------------------------------------------------------
def steps_of(spec, *vms, **kwargs):
    return [(op.cmdlet, op.phase) for op in only(plan_for(spec, *vms, **kwargs)).steps]


def test_checkpoints_off_take_none():
    assert steps_of({"processors": 4, "checkpoint": False}) == [
        ("Stop-DfwctlVM", "stop"), ("Set-VMProcessor", "offline"), ("Start-VM", "start")]


def test_the_command_line_turns_checkpoints_off_over_the_playbook():
    spec = desired({"WIN10": {"processors": 4}}).hyperv.vms[0]
    assert not overridden(spec, checkpoint=False).handling.checkpoint.enabled
    assert overridden(spec).handling.checkpoint.enabled


def test_a_kept_checkpoint_is_named_after_the_change_and_not_removed():
    change = only(plan_for({"processors": 4, "checkpoint": {"keep": True}}))
    phases = [op.phase for op in change.steps]
    assert "after" not in phases
    assert dict(change.steps[1].params)["SnapshotName"] == "dfwctl hv-test: before processors"
    assert "(kept after the change; kept if a later step fails)" in change.steps[1].text


def test_restore_on_failure_is_shown_and_carried():
    change = only(plan_for({"processors": 4, "checkpoint": {"restore_on_failure": True}}))
    taken = change.steps[1]
    assert taken.restore and "; restored if a later step fails)" in taken.text


def test_checkpoints_disabled_on_the_vm():
    text = problems({"processors": 4}, vm(checkpoint_type="Disabled"))
    assert "VM WIN10 has checkpoints disabled (CheckpointType Disabled)" in text
    assert "checkpoint: false" in text and "--no-checkpoint" in text
    assert steps_of({"processors": 4, "checkpoint": False}, vm(checkpoint_type="Disabled"))


def test_a_checkpoint_an_unfinished_apply_left_is_removed_and_named():
    left = vm(checkpoints=("dfwctl hv-test: before apply (temporary)",
                           "dfwctl hv-test: before processors"))
    plan = plan_for({}, left)
    change = only(plan)
    assert [(op.cmdlet, op.phase) for op in change.steps] == [("Remove-VMSnapshot", "cleanup")]
    assert change.diffs[0].name == "checkpoint" and not change.destructive
    warning = "\n".join(plan.warnings)
    assert "did not remove (it stopped or failed halfway): this plan removes it" in warning
    assert f"Hyper-V\\Get-VM -Id '{ID}'" in warning and "Restore-VMSnapshot" in warning
    assert steps_of({"processors": 4}, left)[:3] == [
        ("Remove-VMSnapshot", "cleanup"), ("Stop-DfwctlVM", "stop"), ("Checkpoint-VM", "checkpoint")]


def test_another_playbooks_checkpoint_is_not_touched():
    assert plan_for({}, vm(checkpoints=("dfwctl other: before apply (temporary)",))).changes == ()


# the bounded shutdown ----------------------------------------------------------------------
def test_the_shutdown_bound_and_turn_off_come_from_the_playbook():
    change = only(plan_for({"state": "off", "shutdown": {"timeout": 60, "turn_off": True}}))
    stop = change.steps[0]
    assert dict(stop.params) == {"VM": dict(stop.params)["VM"], "TimeoutSeconds": 60,
                                 "TurnOff": True}
    assert "wait up to 60 s for it to turn off, then turn the VM off (Stop-VM -TurnOff)" in stop.text


def test_the_command_line_bound_and_turn_off_win():
    spec = desired({"WIN10": {"shutdown": {"timeout": 60}}}).hyperv.vms[0]
    handled = overridden(spec, turn_off=True, timeout=900).handling.shutdown
    assert (handled.timeout, handled.turn_off) == (900, True)
    assert overridden(spec).handling.shutdown.timeout == 60


def test_the_fingerprint_ignores_what_moves_by_itself():
    want = desired({"WIN10": {}})
    base = diff(want, actual(vm(memory_assigned=2 * GIB), host=HOST)).fingerprint
    moved = actual(vm(memory_assigned=3 * GIB), host=dataclasses.replace(HOST,
                                                                         memory_free=5 * MIB))
    assert diff(want, moved).fingerprint == base
    assert diff(want, actual(vm(), host=dataclasses.replace(HOST, logical_processors=8))
                ).fingerprint != base


# what the user reads, in full ------------------------------------------------------------
PREFIX = "the Hyper-V plan cannot be made:\n  - "
A_ID = "11111111-1111-1111-1111-111111111111"
B_ID = "22222222-2222-2222-2222-222222222222"


def _two(spec_a, spec_b, a, b, host=HOST) -> str:
    with pytest.raises(PlanError, match="the Hyper-V plan cannot be made:") as caught:
        diff(desired({"A": spec_a, "B": spec_b}), actual(a, b, host=host))
    return caught.value.message


def test_vms_started_together_short_of_memory_in_full():
    a = vm("Off", name="A", vm_id=A_ID, memory=6 * GIB)
    b = vm("Off", name="B", vm_id=B_ID, memory=6 * GIB)
    assert _two({}, {}, a, b) == PREFIX + (
        "VMs A, B would start with 12GiB of memory in all, and hyperv:local has 8GiB for "
        "them: the last to start would fail (\"Not enough memory in the system to start the "
        "virtual machine\"); free memory on the host, or give the VMs less")


def test_vms_started_together_may_use_all_the_free_memory():
    a = vm("Off", name="A", vm_id=A_ID, memory=4 * GIB)
    b = vm("Off", name="B", vm_id=B_ID, memory=4 * GIB)
    assert len(diff(desired({"A": {}, "B": {}}), actual(a, b, host=HOST)).changes) == 2


def test_vms_started_together_count_the_memory_the_vms_they_restart_give_back():
    """A and B restart (8 GiB each, 4 GiB each held now): 8 free + 4 + 4 back = 16."""
    a = vm(name="A", vm_id=A_ID, memory=4 * GIB, memory_assigned=4 * GIB)
    b = vm(name="B", vm_id=B_ID, memory=4 * GIB, memory_assigned=4 * GIB)
    host = dataclasses.replace(HOST, memory_total=32 * GIB)
    part = diff(desired({"A": {"memory": "8GiB"}, "B": {"memory": "8GiB"}}),
                actual(a, b, host=host))
    assert [c.name for c in part.changes] == ["A", "B"]


def test_a_vm_changed_while_it_runs_gives_no_memory_back():
    """A keeps running (its spoofing changes online): the 4 GiB it holds stay taken."""
    a = vm(name="A", vm_id=A_ID, memory_assigned=4 * GIB)
    b = vm("Off", name="B", vm_id=B_ID, memory=5 * GIB)
    c = vm("Off", name="C", vm_id="33333333-3333-3333-3333-333333333333", memory=5 * GIB)
    with pytest.raises(PlanError, match="VMs B, C would start with 10GiB of memory in all, "
                                        "and hyperv:local has 8GiB for them"):
        diff(desired({"A": {"network_adapters": [{"mac_address_spoofing": True}]}, "B": {},
                      "C": {}}), actual(a, b, c, host=HOST))


def test_one_vm_short_of_memory_is_told_once():
    assert problems({"memory": "10GiB"}, vm("Off"), host=HOST) == PREFIX + (
        "VM WIN10 would start with 10GiB of memory, and hyperv:local has 8GiB free: Start-VM "
        "would fail (\"Not enough memory in the system to start the virtual machine\"); free "
        "memory on the host (stop other VMs or programs), or give the VM less")


def test_a_vm_with_its_own_problem_is_not_counted_among_those_started_together():
    a = vm("Off", name="A", vm_id=A_ID, memory=6 * GIB, version="5.0")
    b = vm("Off", name="B", vm_id=B_ID, memory=6 * GIB)
    assert _two({"nested_virtualization": True, "dynamic_memory": False}, {}, a, b) == (
        PREFIX + "VM A has configuration version 5.0, and nested virtualization needs 8.0 or "
        "later: upgrade it with Update-VMVersion while it is off (this cannot be undone), "
        "then plan again")


def test_vms_started_together_on_a_host_whose_memory_was_not_read_are_not_checked():
    a = vm("Off", name="A", vm_id=A_ID, memory=6 * GIB)
    b = vm("Off", name="B", vm_id=B_ID, memory=6 * GIB)
    host = HostFacts(build=19045, logical_processors=4)
    assert len(diff(desired({"A": {}, "B": {}}), actual(a, b, host=host)).changes) == 2


def test_more_processors_than_the_host_has_in_full():
    assert problems({"processors": 8}, vm(), host=HOST) == PREFIX + (
        "VM WIN10 would start with 8 processors, and hyperv:local has 4 logical processors: "
        "Hyper-V accepts the setting, then Start-VM fails (\"The processor topology specified "
        "for the virtual machine cannot be supported by this host\"); give it at most 4")


def test_more_memory_than_the_host_has_in_full():
    assert problems({"memory": "32GiB"}, vm(), host=HOST) == PREFIX + (
        "VM WIN10 would start with 32GiB of memory, and hyperv:local has 16GiB in all: "
        "Start-VM would fail (\"Not enough memory in the system to start the virtual "
        "machine\"); give it less")


def test_all_of_the_hosts_memory_free_may_go_to_one_vm():
    host = dataclasses.replace(HOST, memory_free=16 * GIB)
    assert only(plan_for({"memory": "16GiB"}, vm("Off"), host=host)).steps


def test_a_host_build_without_nested_virtualization_in_full():
    assert problems({"nested_virtualization": True}, vm(),
                    host=dataclasses.replace(HOST, build=10586)) == PREFIX + (
        "VM WIN10: nested virtualization needs Windows build 14393 or later on the Hyper-V "
        "host, and hyperv:local runs build 10586: update the host's Windows (no VM setting "
        "can help)")


def test_the_first_build_with_nested_virtualization_has_it():
    change = only(plan_for({"nested_virtualization": True, "memory": "4GiB"}, vm(),
                           host=dataclasses.replace(HOST, build=14393)))
    assert [d.name for d in change.diffs] == ["nested_virtualization", "memory"]


def test_checkpoints_disabled_on_the_vm_in_full():
    assert problems({"processors": 4}, vm(checkpoint_type="Disabled")) == PREFIX + (
        "VM WIN10 has checkpoints disabled (CheckpointType Disabled), and dfwctl takes one "
        "before changing its settings: turn them off for this change (checkpoint: false under "
        "hyperv.vms.WIN10, or --no-checkpoint), or enable checkpoints (Set-VM -CheckpointType "
        "Production)")


def test_a_kept_checkpoint_restored_on_failure():
    change = only(plan_for({"processors": 4, "checkpoint": {"keep": True,
                                                            "restore_on_failure": True}}))
    taken = change.steps[1]
    assert taken.restore is True
    assert taken.text == ('take checkpoint "dfwctl hv-test: before processors" (kept after the '
                          "change; restored if a later step fails) (Checkpoint-VM)")


def test_every_step_names_the_vm_it_acts_on():
    """The VM's Id binds the cmdlet; its name is what apply's messages say."""
    change = only(plan_for({"processors": 4}, vm("Off")))
    refs = [dict(op.params).get("VM") for op in change.steps]
    assert [(r.id, r.name) for r in refs if r is not None] == [(ID, "WIN10")] * 3
    assert [op.cmdlet for op in change.steps] == ["Checkpoint-VM", "Set-VMProcessor",
                                                  "Start-VM", "Remove-VMSnapshot"]
    kept = only(plan_for({"processors": 4, "checkpoint": {"keep": True}}, vm("Off")))
    assert dict(kept.steps[0].params)["VM"].name == "WIN10"


def test_a_leftover_checkpoint_in_full():
    name = "dfwctl hv-test: before apply (temporary)"
    plan = plan_for({}, vm(checkpoints=(name,)))
    change = only(plan)
    assert [(d.name, d.before, d.after) for d in change.diffs] == [("checkpoint", name, None)]
    assert plan.warnings == (
        f'VM WIN10 has the checkpoint "{name}" an earlier apply took and did not remove (it '
        "stopped or failed halfway): this plan removes it. To go back to it instead, restore "
        f"it first: $vm = Hyper-V\\Get-VM -Id '{ID}'; Hyper-V\\Get-VMSnapshot -VM $vm | "
        f"Where-Object Name -eq '{name}' | Hyper-V\\Restore-VMSnapshot -Confirm:$false; "
        "Hyper-V\\Start-VM -VM $vm",)


def test_a_vm_that_is_off_says_which_fields_change_while_it_is_off():
    change = only(plan_for({"processors": 4}, vm("Off")))
    assert change.reasons == ("processors change while the VM is off",
                              "the VM is off and the playbook says state: running")


# nested virtualization: what the warnings say --------------------------------------------
NESTED_DYNAMIC = ("VM WIN10 would have nested virtualization and dynamic memory both on{}: "
                  "Microsoft's preview notes say such a VM does not start, its current "
                  "documentation that its memory stays at the startup amount while Hyper-V runs "
                  "in it; add dynamic_memory: false")


def test_nested_and_dynamic_memory_both_on_on_the_host_only():
    plan = plan_for({}, vm(nested_virtualization=True, dynamic_memory=True, memory=4 * GIB,
                           network_adapters=(dataclasses.replace(
                               vm().spec.network_adapters[0], mac_address_spoofing=True),)))
    assert plan.warnings == (NESTED_DYNAMIC.format(
        " (nested virtualization is on on the host, dynamic memory is on on the host, not set "
        "in the playbook)"),)


def test_nested_and_dynamic_memory_both_named_by_the_playbook():
    text = problems({"nested_virtualization": True, "memory": "4GiB",
                     "dynamic_memory": {"minimum": "1GiB", "maximum": "8GiB"}}, vm())
    assert NESTED_DYNAMIC.format("") in text


def test_nested_virtualization_turned_on_with_the_hosts_small_memory_is_a_warning():
    plan = plan_for({"nested_virtualization": True, "dynamic_memory": False}, vm())
    assert ("VM WIN10 has nested virtualization with 2GiB of memory: give it at least 4GiB so "
            "it can run its own VMs") in plan.warnings


def test_no_spoofing_on_any_adapter_in_full():
    plan = plan_for({"processors": 4}, vm(nested_virtualization=True, memory=4 * GIB))
    assert plan.warnings == (
        "VM WIN10 has nested virtualization and no network adapter with MAC address spoofing "
        "on, so its own guests get no network: set mac_address_spoofing: true on the adapter "
        "they use",)


@pytest.mark.parametrize("spoofing, warned", [(True, False), (False, True), (None, True)])
def test_the_spoofing_warning_follows_the_adapter_as_the_plan_leaves_it(spoofing, warned):
    adapter = {"mac_address_spoofing": spoofing} if spoofing is not None else {"switch": "Lab"}
    plan = plan_for({"network_adapters": [adapter]},
                    vm(nested_virtualization=True, memory=4 * GIB))
    assert any("MAC address spoofing" in w for w in plan.warnings) is warned


def test_spoofing_left_as_the_host_has_it_counts():
    on = dataclasses.replace(vm().spec.network_adapters[0], mac_address_spoofing=True)
    plan = plan_for({"network_adapters": [{"switch": "Lab"}]},
                    vm(nested_virtualization=True, memory=4 * GIB, network_adapters=(on,)))
    assert plan.warnings == ()


def test_memory_the_host_did_not_report_is_not_checked():
    """Startup memory unknown (None): no warning about nested virtualization's 4GiB, and no
    refusal on a host with nothing free."""
    plan = plan_for({"processors": 2, "nested_virtualization": True}, vm("Off", memory=None),
                    host=dataclasses.replace(HOST, memory_free=0))
    assert only(plan).steps
    assert not any("memory" in w for w in plan.warnings)
