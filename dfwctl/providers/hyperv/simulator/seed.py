"""Put VMs, switches and host facts into a simulated host (for `dfwctl simulator` and tests)."""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Optional, Sequence, Tuple

from dfwctl.errors import DfwctlError
from dfwctl.providers.hyperv.enums import CHECKPOINT_TYPE, ON_OFF_STATE, VM_STATE, enum_name
from dfwctl.providers.hyperv.simulator import guest
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
    guest: Optional["GuestSeed"] = None  # what PowerShell Direct finds inside (None: nothing)
    checkpoint_type: str = "Production"  # Disabled | Production | ProductionOnly | Standard
    shutdown_hangs: int = 0  # shutdown requests its guest ignores (each one times out)
    shutdown_service: bool = True  # False: a guest without integration services


@dataclass(frozen=True)
class GuestSeed:
    """The inside of a VM: the account PowerShell Direct signs in with, its Windows build, how
    many attempts it takes to answer after a start, and Docker Desktop (None: not installed)."""

    user: str
    password: str
    build: str = "19045"
    boot_delay: int = 1
    docker_desktop: Optional[str] = "4.35"  # 4.35 (settings-store.json) | 2.1 (settings.json)


def vm_record(seed: VmSeed) -> Dict[str, Any]:
    state = enum_name(VM_STATE, seed.state)
    if state.startswith("Unknown"):
        raise DfwctlError(f"{seed.state!r} is not a Hyper-V VM state",
                          f"use one of: {', '.join(VM_STATE)}")
    kind = enum_name(CHECKPOINT_TYPE, seed.checkpoint_type)
    if kind.startswith("Unknown"):
        raise DfwctlError(f"{seed.checkpoint_type!r} is not a Hyper-V checkpoint type",
                          f"use one of: {', '.join(CHECKPOINT_TYPE)}")
    vm_id = new_guid()
    low, high = seed.dynamic_memory or (512 * MIB, 1024 * GIB)
    running = VM_STATE[state] == VM_STATE["Running"]
    return {
        "Name": seed.name, "Id": vm_id, "State": VM_STATE[state],
        "Generation": seed.generation, "Version": seed.version,
        "ProcessorCount": seed.processors, "ExposeVirtualizationExtensions": seed.nested,
        "MemoryStartup": seed.memory, "MemoryMinimum": low, "MemoryMaximum": high,
        "DynamicMemoryEnabled": seed.dynamic_memory is not None, "Notes": seed.notes,
        "MemoryAssigned": seed.memory if running else 0,
        "CheckpointType": CHECKPOINT_TYPE[kind], "Snapshots": [],
        "ShutdownService": seed.shutdown_service, "ShutdownHangs": seed.shutdown_hangs,
        "LastStop": "",
        "NetworkAdapters": [{
            "Name": name, "Id": f"Microsoft:{vm_id.upper()}\\{new_guid().upper()}",
            "SwitchName": switch, "MacAddress": new_mac(index),
            "MacAddressSpoofing": ON_OFF_STATE["On" if seed.mac_address_spoofing else "Off"],
        } for index, (name, switch) in enumerate(seed.adapters)],
    }


def seed_vm(path: Path, seed: VmSeed) -> Dict[str, Any]:
    """Add (or replace) one VM; switches its adapters name are created (Internal). A VM with a
    guest gets its disk folder beside the state file."""
    record = vm_record(seed)
    if seed.guest is not None:
        g = seed.guest
        record["Guest"] = guest.new_guest(g.user, g.password, g.build, g.boot_delay,
                                          g.docker_desktop)
        record["Heartbeat"] = guest.HEARTBEAT_OK if record["State"] == VM_STATE["Running"] \
            else None
    with transaction(path, create=True) as doc:
        if not seed.duplicate:
            doc["vms"] = [vm for vm in doc["vms"] if vm["Name"] != seed.name]
        doc["vms"].append(record)
        for _, switch in seed.adapters:
            add_switch(doc, switch)
    if seed.guest is not None:
        install_guest(guest.guest_dir(path, record), seed.guest)
    return record


# Docker Desktop's settings as a fresh install writes them (Hyper-V engine, nothing shared).
FRESH_SETTINGS = {
    "4.35": ("settings-store.json", {
        "AutoStart": True, "Cpus": 2, "DiskSizeMiB": 65536, "FilesharingDirectories": [],
        "MemoryMiB": 2048, "SettingsVersion": 40, "SwapMiB": 1024,
        "UseWindowsContainers": False, "WslEngineEnabled": False}),
    "2.1": ("settings.json", {
        "autoStart": True, "cpus": 2, "diskSizeMiB": 65536, "filesharingDirectories": [],
        "memoryMiB": 2048, "settingsVersion": 7, "swapMiB": 1024,
        "displayedTutorial": True, "wslEngineEnabled": False}),
}


def install_guest(root: Path, seed: GuestSeed) -> None:
    """The guest's disk: a profile, and Docker Desktop with its settings file when installed."""
    profile = guest.disk_path(root, "C:\\Users\\" + seed.user.split("\\")[-1])
    roaming = profile / "AppData" / "Roaming"
    roaming.mkdir(parents=True, exist_ok=True)
    (profile / "AppData" / "Local").mkdir(parents=True, exist_ok=True)
    if seed.docker_desktop is None:
        return
    if seed.docker_desktop not in FRESH_SETTINGS:
        raise DfwctlError(f"Docker Desktop {seed.docker_desktop!r} is not one the simulator "
                          f"installs", f"use one of: {', '.join(FRESH_SETTINGS)}")
    name, values = FRESH_SETTINGS[seed.docker_desktop]
    folder = roaming / "Docker"
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(json.dumps(values, indent=2) + "\n", encoding="utf-8")
    for program in (guest.DOCKER_EXE, guest.DESKTOP_PLUGIN):
        where = guest.disk_path(root, program)
        where.parent.mkdir(parents=True, exist_ok=True)
        where.write_bytes(b"MZ")  # a program's first bytes; the simulator runs it by name


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
