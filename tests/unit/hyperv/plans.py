"""Hyper-V plans from hand-made host states, for the diff tests: a VM as a host reports it, a
host with VMs, and the plan (or the problems) a playbook gets against them."""
from __future__ import annotations

import dataclasses

import pytest

from dfwctl.combine import combine
from dfwctl.errors import PlanError
from dfwctl.providers.hyperv.diff import diff
from dfwctl.providers.hyperv.model import AdapterSpec, HyperVActual, VmSpec, VmState
from dfwctl.values.sizes import GIB, MIB
from tests.fakes.hyperv import desired

ID = "0d9c848c-9f58-4e91-8b8c-2b7f28b60772"
ENDPOINT = "hyperv:local"
ADAPTER = AdapterSpec("Network Adapter", "Default Switch", False, id="Microsoft:A\\B")


STATE_FIELDS = ("memory_assigned", "checkpoint_type", "checkpoints")


def vm(power="Running", version="9.0", name="WIN10", vm_id=ID, **fields) -> VmState:
    """A VM as a host reports it: VmSpec fields, and VmState's own (STATE_FIELDS)."""
    extra = {key: fields.pop(key) for key in STATE_FIELDS if key in fields}
    spec = VmSpec(name=name, state={"Running": "running", "Off": "off"}.get(power),
                  processors=2, memory=2 * GIB, dynamic_memory=False, memory_minimum=512 * MIB,
                  memory_maximum=8 * GIB, nested_virtualization=False,
                  network_adapters=(ADAPTER,))
    return VmState(vm_id, power, version, dataclasses.replace(spec, **fields), **extra)


def actual(*vms, **kwargs) -> HyperVActual:
    kwargs.setdefault("switches", ("Default Switch", "Lab"))
    return HyperVActual(ENDPOINT, vms=vms or (vm(),), **kwargs)


def plan_for(spec: dict, *vms, name="WIN10", **kwargs):
    wanted = desired({name: spec})
    return combine(wanted, [diff(wanted, actual(*vms, **kwargs))])


def only(plan):
    assert len(plan.changes) == 1
    return plan.changes[0]


def problems(spec: dict, *vms, **kwargs) -> str:
    with pytest.raises(PlanError, match="the Hyper-V plan cannot be made:") as caught:
        plan_for(spec, *vms, **kwargs)
    return caught.value.message
