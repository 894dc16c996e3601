"""Put VMs, switches and host facts into a simulated host (for `dfwctl simulator` and tests)."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Optional, Sequence, Tuple

from dfwctl.errors import DfwctlError
from dfwctl.providers.hyperv.enums import ON_OFF_STATE, VM_STATE, enum_name
from dfwctl.providers.hyperv.simulator.state import new_guid, new_mac, transaction
from dfwctl.values.sizes import GIB, MIB


@dataclass(frozen=True)
class VmSeed:
    name: str
    state: str = "Running"  # a VMState name: Running, Off, Saved, Paused, RunningCritical...
    processors: int = 2
    memory: int = 2 * GIB
    dynamic_memory: Optional[Tuple[int, int]] = None  # (minimum, maximum), None: static
    nested: bool = False
    version: str = "9.0"
    generation: int = 2
    adapters: Tuple[Tuple[str, str], ...] = (("Network Adapter", "Default Switch"),)
    mac_address_spoofing: bool = False
    notes: str = ""
    duplicate: bool = False  # add beside a VM of the same name instead of replacing it


def vm_record(seed: VmSeed) -> Dict[str, Any]:
    state = enum_name(VM_STATE, seed.state)
    if state.startswith("Unknown"):
        raise DfwctlError(f"{seed.state!r} is not a Hyper-V VM state",
                          f"use one of: {', '.join(VM_STATE)}")
    vm_id = new_guid()
    low, high = seed.dynamic_memory or (512 * MIB, 1024 * GIB)
    return {
        "Name": seed.name, "Id": vm_id, "State": VM_STATE[state],
        "Generation": seed.generation, "Version": seed.version,
        "ProcessorCount": seed.processors, "ExposeVirtualizationExtensions": seed.nested,
        "MemoryStartup": seed.memory, "MemoryMinimum": low, "MemoryMaximum": high,
        "DynamicMemoryEnabled": seed.dynamic_memory is not None, "Notes": seed.notes,
        "NetworkAdapters": [{
            "Name": name, "Id": f"Microsoft:{vm_id.upper()}\\{new_guid().upper()}",
            "SwitchName": switch, "MacAddress": new_mac(index),
            "MacAddressSpoofing": ON_OFF_STATE["On" if seed.mac_address_spoofing else "Off"],
        } for index, (name, switch) in enumerate(seed.adapters)],
    }


def seed_vm(path: Path, seed: VmSeed) -> Dict[str, Any]:
    """Add (or replace) one VM; switches its adapters name are created (Internal)."""
    record = vm_record(seed)
    with transaction(path, create=True) as doc:
        if not seed.duplicate:
            doc["vms"] = [vm for vm in doc["vms"] if vm["Name"] != seed.name]
        doc["vms"].append(record)
        for _, switch in seed.adapters:
            add_switch(doc, switch)
    return record


def add_switch(doc: Dict[str, Any], name: str, switch_type: int = 1) -> None:
    if name and not any(s["Name"] == name for s in doc["switches"]):
        doc["switches"].append({"Name": name, "Id": new_guid(), "SwitchType": switch_type})


def seed_switches(path: Path, names: Sequence[str]) -> None:
    with transaction(path, create=True) as doc:
        for name in names:
            add_switch(doc, name)


def seed_host(path: Path, values: Dict[str, Any]) -> Dict[str, Any]:
    with transaction(path, create=True) as doc:
        unknown = sorted(set(values) - set(doc["host"]))
        if unknown:
            raise DfwctlError(f"unknown host facts: {', '.join(unknown)}")
        doc["host"].update(values)
        return dict(doc["host"])


def reboot(path: Path) -> str:
    """A host reboot: a pending Hyper-V feature becomes enabled."""
    with transaction(path) as doc:
        if doc["host"]["HyperVFeature"] == "EnablePending":
            doc["host"]["HyperVFeature"] = "Enabled"
        feature: str = doc["host"]["HyperVFeature"]
        return feature
