"""The Hyper-V model: a playbook's hyperv section as values, and VM names as plans print
them."""
from __future__ import annotations

import pytest

from dfwctl.providers.hyperv.model import (
    AdapterSpec,
    HyperVDesired,
    VmSpec,
    address,
    display,
    hyperv_desired,
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
