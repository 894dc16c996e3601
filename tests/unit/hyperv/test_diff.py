"""The pure Hyper-V diff: a diff for every field, what may change while the VM runs, the
stop -> set -> start sequence and its flags, and every refusal with a clear message."""
from __future__ import annotations

import dataclasses

import pytest

from dfwctl.combine import combine
from dfwctl.errors import PlanError
from dfwctl.plan import Action, PlanOptions
from dfwctl.providers.hyperv.diff import diff
from dfwctl.providers.hyperv.identity import GuestIdentity
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
    with pytest.raises(PlanError, match="the Hyper-V plan cannot be made:") as caught:
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


def test_a_switch_missing_from_a_host_without_switches_says_it_has_none():
    text = problems({"network_adapters": [{"switch": "Lab"}]}, vm(), switches=())
    assert "switch 'Lab' does not exist on hyperv:local (switches: none)" in text


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


# plans and refusals in full: what the user reads -----------------------------------------
STOP = ("stop the VM: shut down the guest and wait up to 300 s for it to turn off, then fail, "
        "never turning it off (InitiateShutdown)")
CHECKPOINT = ('take checkpoint "dfwctl hv-test: before apply (temporary)" (removed once the '
              "change is made; kept if a later step fails) (Checkpoint-VM)")
UNCHECKPOINT = 'remove the checkpoint "dfwctl hv-test: before apply (temporary)" (Remove-VMSnapshot)'


def _change_text(plan) -> str:
    """The rendered change, without the plan's header and summary."""
    lines = render_plan(plan).splitlines()
    return "\n".join(lines[2:lines.index("Plan: 0 to create, 1 to update, 0 to replace, "
                                        "0 to destroy.") - 1])


def test_the_seed_plan_in_full_says_why_each_change_needs_the_vm_off_or_not():
    assert _change_text(plan_for(SEED, vm(dynamic_memory=True))) == "\n".join([
        "  # hyperv.vm.WIN10 will be updated in place",
        '  #   because network_adapters["Network Adapter"].mac_address_spoofing can change '
        "while the VM runs",
        "  #   because processors, nested_virtualization, memory, dynamic_memory can change "
        "only while the VM is off: it is shut down and started again",
        '  ~ vm "WIN10"  [VM restart, destructive]',
        "      ~ processors = 2 -> 4",
        "      ~ nested_virtualization = false -> true",
        "      ~ memory = 2GiB -> 4GiB",
        "      ~ dynamic_memory = true -> false",
        '      ~ network_adapters["Network Adapter"].mac_address_spoofing = false -> true',
        "      steps:",
        '        1. set MAC address spoofing on for network adapter "Network Adapter" while the '
        "VM runs (Set-VMNetworkAdapter)",
        f"        2. {STOP}",
        f"        3. {CHECKPOINT}",
        "        4. set dynamic memory off, memory 4GiB (Set-VMMemory)",
        "        5. set processors 4, nested virtualization on (Set-VMProcessor)",
        "        6. start the VM (Start-VM)",
        f"        7. {UNCHECKPOINT}"])


def test_turning_a_vm_off_in_full():
    assert _change_text(plan_for({"state": "off", "processors": 4}, vm())) == "\n".join([
        "  # hyperv.vm.WIN10 will be updated in place",
        "  #   because processors can change only while the VM is off: it is shut down "
        "(state: off)",
        '  ~ vm "WIN10"  [destructive]',
        '      ~ state = "running" -> "off"',
        "      ~ processors = 2 -> 4",
        "      steps:",
        f"        1. {STOP}",
        f"        2. {CHECKPOINT}",
        "        3. set processors 4 (Set-VMProcessor)",
        f"        4. {UNCHECKPOINT}"])
    assert _change_text(plan_for({"state": "off"}, vm())) == "\n".join([
        "  # hyperv.vm.WIN10 will be updated in place",
        "  #   because the playbook says state: off: the guest is shut down",
        '  ~ vm "WIN10"  [destructive]',
        '      ~ state = "running" -> "off"',
        "      steps:",
        f"        1. {STOP}"])


def test_a_vm_that_is_off_in_full():
    assert _change_text(plan_for({"processors": 4, "network_adapters": [{"switch": "Lab"}]},
                                 vm("Off"))) == "\n".join([
        "  # hyperv.vm.WIN10 will be updated in place",
        '  #   because processors, network_adapters["Network Adapter"].switch change while the '
        "VM is off",
        "  #   because the VM is off and the playbook says state: running",
        '  ~ vm "WIN10"',
        '      ~ state = "off" -> "running"',
        "      ~ processors = 2 -> 4",
        '      ~ network_adapters["Network Adapter"].switch = "Default Switch" -> "Lab"',
        "      steps:",
        f"        1. {CHECKPOINT}",
        "        2. set processors 4 (Set-VMProcessor)",
        '        3. connect network adapter "Network Adapter" to switch "Lab" '
        "(Connect-VMNetworkAdapter)",
        "        4. start the VM (Start-VM)",
        f"        5. {UNCHECKPOINT}"])


@pytest.mark.parametrize("spec, power, downtime, restart", [
    ({"network_adapters": [{"mac_address_spoofing": True}]}, "Running", "", ""),
    ({"processors": 4}, "Running", "WIN10", "VM restart"),
    ({"state": "off"}, "Running", "WIN10", ""),
    ({"state": "running"}, "Off", "WIN10", ""),
])
def test_what_a_guest_machine_waits_for(spec, power, downtime, restart):
    """A change that stops the VM, or a VM that is off, keeps what runs inside it waiting."""
    change = only(plan_for(spec, vm(power)))
    assert (change.downtime, change.restart) == (downtime, restart)


PREFIX = "the Hyper-V plan cannot be made:\n  - "


@pytest.mark.parametrize("power, message", [
    ("Saved", "VM WIN10 is Saved (its memory is kept on disk): dfwctl does not discard it; "
              "start the VM (Start-VM) or remove the saved state (Remove-VMSavedState), then "
              "plan again"),
    ("Paused", "VM WIN10 is Paused: resume it (Resume-VM) or turn it off, then plan again"),
    ("Other", "VM WIN10 is in the state Other: Hyper-V cannot manage it normally (its "
              "configuration or storage is unreachable); recover it in Hyper-V Manager, then "
              "plan again"),
    ("Starting", "VM WIN10 is Starting: wait until it is running or off, then plan again"),
])
def test_states_dfwctl_does_not_act_on_in_full(power, message):
    assert problems({"processors": 4}, vm(power)) == PREFIX + message


@pytest.mark.parametrize("spec, have, kwargs, message", [
    ({}, {"name": "ZZZZ"}, {}, "VM WIN10 does not exist on hyperv:local: dfwctl changes VMs "
     "but does not create them; create it (Hyper-V Manager or New-VM) or correct the name"),
    ({"nested_virtualization": True, "dynamic_memory": False}, {"version": "7.1"},
     {"cpu_vendor": "AuthenticAMD"}, "VM WIN10 has configuration version 7.1, and nested "
     "virtualization needs 9.3 or later: upgrade it with Update-VMVersion while it is off (this "
     "cannot be undone), then plan again"),
    ({"nested_virtualization": True}, {"dynamic_memory": True}, {}, "VM WIN10 would have "
     "nested virtualization and dynamic memory both on (dynamic memory is on on the host, not "
     "set in the playbook): Microsoft's preview notes say such a VM does not start, its current "
     "documentation that its memory stays at the startup amount while Hyper-V runs in it; add "
     "dynamic_memory: false"),
    ({"memory": "256MiB"}, {"dynamic_memory": True}, {}, "VM WIN10: memory 256MiB is outside "
     "its dynamic memory range (512MiB to 8GiB): set dynamic_memory in the playbook"),
    ({"network_adapters": [{"name": "X"}]},
     {"network_adapters": (AdapterSpec(None, "Lab", False),)}, {},
     "VM WIN10 has no network adapters named 'X' (it has: one without a name): rename the one "
     "you mean (Rename-VMNetworkAdapter), or correct the playbook"),
    ({"network_adapters": [{"switch": "Lab"}]},
     {"network_adapters": (AdapterSpec("Network Adapter", "Lab", False, id="a"),
                           AdapterSpec(None, "Lab", False, id="b"))}, {},
     "VM WIN10: network_adapters[0] has no name, and the VM has 2 adapters (Network Adapter, "
     "one without a name): name it"),
    ({"processors": 4}, {}, {"self_vm": GuestIdentity(ID, "WIN10", "pc.lab")},
     "this plan stops VM WIN10 to change it, and dfwctl runs inside that VM: it would stop "
     "itself halfway and leave the VM off. Run dfwctl on the Hyper-V host (pc.lab), the "
     "machine hyperv:local reaches, with the same playbook"),
    ({"state": "off"}, {}, {"self_vm": GuestIdentity(ID, "WIN10", "")},
     "this plan stops VM WIN10 to change it, and dfwctl runs inside that VM: it would stop "
     "itself halfway and leave the VM off. Run dfwctl on the Hyper-V host, the machine "
     "hyperv:local reaches, with the same playbook"),
])
def test_refusals_in_full(spec, have, kwargs, message):
    assert problems(spec, vm(**have), **kwargs) == PREFIX + message


def test_two_vms_of_one_name_in_full():
    other = "11111111-2222-3333-4444-555555555555"
    assert problems({}, vm(), vm(name="win10", vm_id=other)) == PREFIX + (
        f"2 VMs are named WIN10 on hyperv:local (Ids {ID}, {other}): dfwctl finds VMs by name "
        "and cannot tell which is meant; rename all but one (Rename-VM)")


def test_every_problem_is_one_line_of_one_error():
    with pytest.raises(PlanError, match="VM A does not exist") as caught:
        diff(desired({"A": {}, "B": {}}), actual(vm(name="C")))
    assert caught.value.message.splitlines() == [
        "the Hyper-V plan cannot be made:",
        "  - VM A does not exist on hyperv:local: dfwctl changes VMs but does not create them; "
        "create it (Hyper-V Manager or New-VM) or correct the name",
        "  - VM B does not exist on hyperv:local: dfwctl changes VMs but does not create them; "
        "create it (Hyper-V Manager or New-VM) or correct the name"]


def test_a_change_of_a_vm_dfwctl_runs_in_that_does_not_stop_it_is_planned():
    change = only(plan_for({"network_adapters": [{"mac_address_spoofing": True}]},
                           self_vm=GuestIdentity(ID, "WIN10", "pc")))
    assert [op.phase for op in change.steps] == ["online"]


@pytest.mark.parametrize("state", ["Disabled", "DisabledWithPayloadRemoved"])
def test_enabling_hyperv_says_why_and_what_waits(state):
    part = diff(desired({"WIN10": {}, "B": {}}), HyperVActual(ENDPOINT, feature_state=state))
    (change,) = part.changes
    assert change.reasons == (f"the Hyper-V cmdlets are missing: the Microsoft-Hyper-V "
                              f"feature is {state}",)
    assert part.provider == "hyperv" and part.endpoint == ENDPOINT
    assert part.warnings == ("VMs WIN10, B are planned once Hyper-V is enabled and the host "
                             "has rebooted",)


@pytest.mark.parametrize("state, message", [
    ("EnablePending", "Hyper-V is enabled on hyperv:local but takes effect only after a reboot: "
                      "reboot the host, then plan again"),
    ("Enabled", "the Hyper-V cmdlets are missing on hyperv:local although the Microsoft-Hyper-V "
                "feature is Enabled: enable its PowerShell module "
                "(Microsoft-Hyper-V-Management-PowerShell), then plan again"),
])
def test_hyperv_that_cannot_be_enabled_by_a_plan_in_full(state, message):
    with pytest.raises(PlanError, match="Hyper-V") as caught:
        diff(desired({"WIN10": {}}), HyperVActual(ENDPOINT, feature_state=state))
    assert caught.value.message == message


def test_destroy_says_vms_are_left_alone_only_when_the_playbook_names_some():
    assert diff(desired({"WIN10": {}}), HyperVActual(ENDPOINT), PlanOptions(destroy=True)
                ).warnings == ("destroy leaves Hyper-V VMs as they are: dfwctl never creates "
                               "or removes VMs",)
    assert diff(desired({}), HyperVActual(ENDPOINT), PlanOptions(destroy=True)).warnings == ()


def test_a_switch_changes_while_the_vm_runs():
    change = only(plan_for({"network_adapters": [{"switch": "Lab"}]}, vm()))
    assert change.reasons == ('network_adapters["Network Adapter"].switch can change while '
                              "the VM runs",)


def test_every_adapter_problem_is_listed_not_only_the_first():
    second = dataclasses.replace(ADAPTER, name="Second", id="x")
    assert problems({"network_adapters": [{"switch": "Lab"}, {"name": "Third"}]},
                    vm(network_adapters=(ADAPTER, second))) == PREFIX + (
        "VM WIN10: network_adapters[0] has no name, and the VM has 2 adapters (Network "
        "Adapter, Second): name it\n  - VM WIN10 has no network adapters named 'Third' (it has: "
        "Network Adapter, Second): rename the one you mean (Rename-VMNetworkAdapter), or correct "
        "the playbook")


def test_the_only_adapter_without_a_name_is_shown_by_an_empty_name():
    change = only(plan_for({"network_adapters": [{"switch": "Lab"}]},
                           vm(network_adapters=(AdapterSpec(None, "Default Switch", False),))))
    assert [d.name for d in change.diffs] == ['network_adapters[""].switch']


@pytest.mark.parametrize("memory", ["512MiB", "8GiB"])
def test_startup_memory_at_either_end_of_the_dynamic_range_is_inside_it(memory):
    change = only(plan_for({"memory": memory}, vm(dynamic_memory=True, memory=GIB)))
    assert [d.name for d in change.diffs] == ["memory"]


def test_the_vm_dfwctl_runs_in_is_known_by_its_id_and_else_by_its_name():
    other_id = "11111111-2222-3333-4444-555555555555"
    assert only(plan_for({"processors": 4}, self_vm=GuestIdentity(other_id, "WIN10", "pc")))
    assert problems({"processors": 4}, self_vm=GuestIdentity("", "win10", "pc")).startswith(
        PREFIX + "this plan stops VM WIN10 to change it, and dfwctl runs inside that VM")


@pytest.mark.parametrize("adapter", [{"switch": "Lab"}, {"name": "lan", "switch": "Lab"}])
def test_a_vm_without_a_network_adapter_is_told_plainly(adapter):
    assert problems({"network_adapters": [adapter]}, vm(network_adapters=())) == PREFIX + (
        "VM WIN10 has no network adapter, so network_adapters[0] has none to set: add one to "
        "the VM (Add-VMNetworkAdapter), or remove the entry from the playbook")
