"""What a Hyper-V host has of a playbook, as status items: each VM the playbook names, with
its state and the settings dfwctl manages. Pure: from the snapshot gather read."""
from __future__ import annotations

from typing import List, Tuple

from dfwctl.desired import Desired
from dfwctl.providers.hyperv.enums import is_critical
from dfwctl.providers.hyperv.model import HyperVActual, HyperVDesired, VmState, address, display
from dfwctl.status import Item
from dfwctl.values.sizes import format_size


def _facts(vm: VmState) -> Tuple[Tuple[str, str], ...]:
    spec = vm.spec
    facts: List[Tuple[str, str]] = []
    if spec.processors is not None:
        facts.append(("processors", str(spec.processors)))
    if spec.memory is not None:
        facts.append(("memory", format_size(spec.memory)))
    if spec.dynamic_memory and spec.memory_minimum is not None \
            and spec.memory_maximum is not None:
        facts.append(("dynamic memory",
                      f"{format_size(spec.memory_minimum)}-{format_size(spec.memory_maximum)}"))
    if spec.nested_virtualization is not None:
        facts.append(("nested virtualization", "on" if spec.nested_virtualization else "off"))
    switches = sorted({display(a.switch) for a in spec.network_adapters if a.switch})
    if switches:
        facts.append(("switch", ", ".join(switches)))
    return tuple(facts)


def items(desired: Desired, actual: HyperVActual) -> Tuple[Item, ...]:
    found: List[Item] = []
    for spec in (desired.hyperv or HyperVDesired()).vms:
        addr, name = address("vm", spec.name), display(spec.name)
        if actual.feature_state:
            found.append(Item(addr, "vm", name, f"unknown: the Hyper-V feature is "
                              f"{actual.feature_state}", ok=False))
            continue
        vms = actual.named(spec.name)
        if not vms:
            found.append(Item(addr, "vm", name, "not found", ok=False))
        elif len(vms) > 1:
            found.append(Item(addr, "vm", name, f"{len(vms)} VMs of this name", ok=False))
        else:
            vm = vms[0]
            found.append(Item(addr, "vm", name, vm.power, _facts(vm),
                              ok=not is_critical(vm.power)))
    return tuple(found)
