"""The VM dfwctl runs in, as Hyper-V tells its guests, and a plan that would stop it."""
from __future__ import annotations

import dataclasses

import pytest

from dfwctl.errors import PlanError
from dfwctl.providers.hyperv.diff import diff
from dfwctl.providers.hyperv.identity import (
    GuestIdentity,
    encode_pool,
    parse_pool,
    this_machine,
)
from tests.fakes.hyperv import desired
from tests.unit.hyperv.test_diff import actual, vm

VALUES = {"HostName": "PC", "VirtualMachineName": "WIN10",
          "VirtualMachineId": "0D9C848C-9F58-4E91-8B8C-2B7F28B60772",
          "PhysicalHostNameFullyQualified": "pc.lab.local"}


def test_a_kvp_pool_reads_back_what_was_written():
    data = encode_pool(VALUES)
    assert len(data) == 4 * (512 + 2048)
    assert parse_pool(data) == VALUES
    assert parse_pool(data + b"\0" * 100) == VALUES  # a torn tail is ignored


def test_this_machine_from_the_kvp_pool(tmp_path):
    pool = tmp_path / ".kvp_pool_3"
    pool.write_bytes(encode_pool(VALUES))
    found = this_machine({"DFWCTL_KVP_POOL": str(pool)}, "linux")
    assert found == GuestIdentity("0D9C848C-9F58-4E91-8B8C-2B7F28B60772", "WIN10",
                                  "pc.lab.local")
    assert this_machine({"DFWCTL_KVP_POOL": str(tmp_path / "none")}, "linux") is None
    pool.write_bytes(encode_pool({"HostName": "PC"}))
    assert this_machine({"DFWCTL_KVP_POOL": str(pool)}, "linux") is None  # not a guest


def test_the_vm_is_known_by_its_id_before_its_name():
    me = GuestIdentity("{0D9C848C-9F58-4E91-8B8C-2B7F28B60772}", "WIN10", "pc")
    assert me.is_vm("0d9c848c-9f58-4e91-8b8c-2b7f28b60772", "renamed")
    assert not me.is_vm("11111111-9f58-4e91-8b8c-2b7f28b60772", "WIN10")
    assert GuestIdentity("", "WIN10", "pc").is_vm("", "win10")


def test_a_plan_that_stops_the_vm_dfwctl_runs_in_is_refused():
    me = GuestIdentity("0d9c848c-9f58-4e91-8b8c-2b7f28b60772", "WIN10", "pc.lab.local")
    inside = dataclasses.replace(actual(vm()), self_vm=me)
    with pytest.raises(PlanError, match="the Hyper-V plan cannot be made:") as caught:
        diff(desired({"WIN10": {"processors": 4}}), inside)
    assert ("this plan stops VM WIN10 to change it, and dfwctl runs inside that VM: it would "
            "stop itself halfway and leave the VM off. Run dfwctl on the Hyper-V host "
            "(pc.lab.local), the machine hyperv:local reaches") in caught.value.message
    # a change made while the VM runs is fine, and so is stopping another VM
    assert diff(desired({"WIN10": {"network_adapters": [{"mac_address_spoofing": True}]}}),
                inside).changes
    other = dataclasses.replace(inside, self_vm=GuestIdentity("x", "OTHER", "pc"))
    assert diff(desired({"WIN10": {"processors": 4}}), other).changes
