"""The Hyper-V model: a playbook's hyperv section as values, and VM names as plans print
them."""
from __future__ import annotations

import pytest

from dfwctl.providers.hyperv.model import (
    AdapterSpec,
    Checkpoints,
    Handling,
    HostFacts,
    HyperVActual,
    HyperVDesired,
    Shutdown,
    VmSpec,
    VmState,
    address,
    display,
    handling,
    hyperv_desired,
    nested_min_version,
    overridden,
    version_tuple,
)


@pytest.mark.parametrize("name, shown", [
    ("WIN10", "WIN10"),
    ("dev box é", "dev box é"),
    ("a\\b", "a\\\\b"),  # a backslash is doubled, so an escape below is never ambiguous
    ("a\nb\rc\td", "a\\nb\\rc\\td"),
    ("\x00\x1f", "\\x00\\x1f"),
    ("~\x7f\x80\x9f\xa0", "~\\x7f\\x80\\x9f\xa0"),  # DEL and the C1 controls; not NBSP
])
def test_names_are_printed_on_one_line_with_control_characters_escaped(name, shown):
    assert display(name) == shown
    assert address("vm", name) == f"hyperv.vm.{shown}"


@pytest.mark.parametrize("text, version", [
    ("9.0", (9, 0)), ("10", (10,)), ("8.3.1", (8, 3, 1)), ("", (0,)), ("x.1", (0,)),
    (None, (0,)),
])
def test_configuration_versions_compare_as_numbers_and_unreadable_ones_as_zero(text, version):
    assert version_tuple(text) == version


def test_the_section_with_its_defaults():
    assert hyperv_desired({}) == HyperVDesired(host="local", vms=())
    assert hyperv_desired({"host": None, "vms": None}).host == "local"
    assert hyperv_desired({"host": "pc.lab"}).host == "pc.lab"


def test_a_vm_named_alone_is_wanted_running_and_nothing_else_is_managed():
    (vm,) = hyperv_desired({"vms": {"WIN10": None}}).vms
    assert vm == VmSpec(name="WIN10", state="running")


def test_every_vm_setting_in_playbook_order():
    section = {"vms": {
        "B": {"state": "off", "processors": 4, "memory": "4GiB", "nested_virtualization": True,
              "dynamic_memory": {"minimum": "1GiB", "maximum": "8GiB"},
              "network_adapters": [{"name": "lan", "switch": "Default Switch",
                                    "mac_address_spoofing": True}, {}]},
        "A": {"dynamic_memory": False},
    }}
    b, a = hyperv_desired(section).vms
    assert b == VmSpec("B", "off", 4, 4 << 30, True, 1 << 30, 8 << 30, True, (
        AdapterSpec("lan", "Default Switch", True), AdapterSpec()))
    assert a == VmSpec("A", "running", dynamic_memory=False)
    assert (a.memory_minimum, a.memory_maximum) == (None, None)


# how dfwctl changes a VM: checkpoint and shutdown ----------------------------------------
@pytest.mark.parametrize("raw, points", [
    ({}, Checkpoints(enabled=True, restore_on_failure=False, keep=False)),
    ({"checkpoint": True}, Checkpoints(enabled=True, restore_on_failure=False, keep=False)),
    ({"checkpoint": False}, Checkpoints(enabled=False, restore_on_failure=False, keep=False)),
    ({"checkpoint": {}}, Checkpoints(enabled=True, restore_on_failure=False, keep=False)),
    ({"checkpoint": {"restore_on_failure": True}}, Checkpoints(True, True, False)),
    ({"checkpoint": {"keep": True}}, Checkpoints(True, False, True)),
])
def test_a_checkpoint_is_taken_unless_the_playbook_says_false(raw, points):
    assert handling(raw).checkpoint == points


@pytest.mark.parametrize("raw, stop", [
    ({}, Shutdown(timeout=300, turn_off=False)),
    ({"shutdown": None}, Shutdown(timeout=300, turn_off=False)),
    ({"shutdown": {"timeout": 60}}, Shutdown(timeout=60, turn_off=False)),
    ({"shutdown": {"turn_off": True}}, Shutdown(timeout=300, turn_off=True)),
])
def test_a_guest_gets_five_minutes_to_shut_down_and_is_never_turned_off_unless_asked(raw, stop):
    assert handling(raw).shutdown == stop
    assert vm_handling(raw).shutdown == stop


def vm_handling(raw) -> Handling:
    (vm,) = hyperv_desired({"vms": {"WIN10": raw}}).vms
    return vm.handling


def test_a_vm_named_alone_gets_the_default_handling():
    assert vm_handling(None) == Handling(Checkpoints(True, False, False), Shutdown(300, False))
    assert VmSpec("WIN10").handling == Handling(Checkpoints(True, False, False),
                                                Shutdown(300, False))


@pytest.mark.parametrize("playbook, flags, expected", [
    ({}, {}, Handling(Checkpoints(True, False, False), Shutdown(300, False))),
    ({"checkpoint": {"keep": True}}, {"checkpoint": False},
     Handling(Checkpoints(False, False, True), Shutdown(300, False))),
    ({"checkpoint": False}, {"checkpoint": True},
     Handling(Checkpoints(True, False, False), Shutdown(300, False))),
    ({"shutdown": {"turn_off": True, "timeout": 30}}, {},
     Handling(Checkpoints(True, False, False), Shutdown(30, True))),
    ({"shutdown": {"timeout": 30}}, {"turn_off": True, "timeout": 0},
     Handling(Checkpoints(True, False, False), Shutdown(0, True))),
])
def test_the_command_line_overrides_only_what_it_names(playbook, flags, expected):
    (vm,) = hyperv_desired({"vms": {"WIN10": playbook}}).vms
    assert overridden(vm, **flags).handling == expected
    assert overridden(vm, **flags).name == "WIN10"


def test_handling_and_adapter_ids_are_no_part_of_what_a_vm_is():
    assert VmSpec("A", handling=Handling(Checkpoints(False))) == VmSpec("A")
    assert AdapterSpec("lan", id="x") == AdapterSpec("lan", id="y")
    assert AdapterSpec("lan") != AdapterSpec("wan")


@pytest.mark.parametrize("vendor, version", [
    ("GenuineIntel", (8, 0)), ("AuthenticAMD", (9, 3)), ("", (8, 0)), ("HygonGenuine", (8, 0)),
])
def test_nested_virtualization_needs_a_configuration_version_by_cpu_vendor(vendor, version):
    assert nested_min_version(vendor) == version


def test_host_facts_not_read_are_zero():
    assert HostFacts() == HostFacts(build=0, logical_processors=0, memory_total=0,
                                    memory_free=0)


# the fingerprint of what a plan depends on ------------------------------------------------
SPEC = VmSpec("WIN10", "running", 2, 2 << 30, False, 512 << 20, 8 << 30, False,
              (AdapterSpec("Network Adapter", "Default Switch", False, id="a"),))
HOST = HostFacts(19045, 8, 32 << 30, 16 << 30)


def _vm(vm_id="id-1", name="WIN10", power="Running", version="9.0", **fields) -> VmState:
    return VmState(vm_id, power, version, VmSpec(**{**SPEC.__dict__, "name": name}), **fields)


def _actual(*vms, **fields) -> HyperVActual:
    return HyperVActual("hyperv:local", vms=vms or (_vm(),), switches=("Default Switch",),
                        cpu_vendor="GenuineIntel", host=HOST, **fields)


def test_a_vm_state_is_known_by_its_specs_name():
    assert _vm(name="DEV").name == "DEV"
    assert VmState("i", "Off", "9.0", SPEC).checkpoint_type == "Production"
    assert VmState("i", "Off", "9.0", SPEC).memory_assigned == 0


def test_vms_are_found_by_name_as_hyper_v_compares_names():
    vms = (_vm("1", "WIN10"), _vm("2", "win10"), _vm("3", "Other"))
    assert [vm.id for vm in _actual(*vms).named("Win10")] == ["1", "2"]
    assert _actual(*vms).named("nope") == []


def test_the_fingerprint_is_stable_so_a_saved_plan_stays_valid_across_versions():
    """A saved plan is stale when the fingerprint moves: a change of how it is computed makes
    every plan saved before an upgrade stale (say so in the release notes, then update this)."""
    assert _actual().fingerprint(("WIN10",)) == (
        "de044f9450c3ede8b78c3a7574e3045e35b0efbb8dd0ee18d616c15cd2b96813")


@pytest.mark.parametrize("change", [
    {"switches": ("Default Switch", "Lab")},
    {"cpu_vendor": "AuthenticAMD"},
    {"feature_state": "Disabled"},
    {"host": HostFacts(19046, 8, 32 << 30, 16 << 30)},
    {"host": HostFacts(19045, 4, 32 << 30, 16 << 30)},
    {"host": HostFacts(19045, 8, 64 << 30, 16 << 30)},
    {"vms": (_vm(power="Off"),)},
    {"vms": (_vm("id-2"),)},
    {"vms": (_vm(version="10.0"),)},
    {"vms": (_vm(checkpoint_type="Standard"),)},
    {"vms": (_vm(checkpoints=("dfwctl x: before apply (temporary)",)),)},
    {"vms": (VmState("id-1", "Running", "9.0", VmSpec(**{**SPEC.__dict__, "processors": 4})),)},
    {"vms": (_vm(), _vm("id-2", "win10"))},
])
def test_the_fingerprint_moves_with_what_the_plan_depends_on(change):
    base = _actual().fingerprint(("WIN10",))
    fields = {"vms": (_vm(),), "switches": ("Default Switch",), "cpu_vendor": "GenuineIntel",
              "host": HOST, **change}
    assert HyperVActual("hyperv:local", **fields).fingerprint(("WIN10",)) != base


@pytest.mark.parametrize("change", [
    {"vms": (_vm(memory_assigned=3 << 30),)},  # dynamic memory moves it all the time
    {"vms": (_vm(), _vm("id-2", "OTHER"))},  # a VM the playbook does not name
    {"host": HostFacts(19045, 8, 32 << 30, 1 << 30)},  # free memory moves all the time
    {"endpoint": "hyperv:pc.lab"},
])
def test_the_fingerprint_ignores_what_moves_by_itself_or_is_not_planned(change):
    base = _actual().fingerprint(("WIN10",))
    fields = {"endpoint": "hyperv:local", "vms": (_vm(),), "switches": ("Default Switch",),
              "cpu_vendor": "GenuineIntel", "host": HOST, **change}
    assert HyperVActual(**fields).fingerprint(("WIN10",)) == base
    assert _actual().fingerprint(("win10",)) == base


def test_the_fingerprint_does_not_depend_on_the_order_things_are_listed_in():
    one, two = _vm("id-1", "A"), _vm("id-2", "B")
    assert (HyperVActual("e", (one, two)).fingerprint(("A", "B"))
            == HyperVActual("e", (two, one)).fingerprint(("B", "A")))
    assert (HyperVActual("e", switches=("x", "y")).fingerprint(())
            == HyperVActual("e", switches=("y", "x")).fingerprint(()))


def test_the_fingerprint_ignores_how_dfwctl_changes_the_vm():
    handled = VmState("id-1", "Running", "9.0",
                      VmSpec(**{**SPEC.__dict__, "handling": Handling(Checkpoints(False))}))
    assert _actual(handled).fingerprint(("WIN10",)) == _actual().fingerprint(("WIN10",))
