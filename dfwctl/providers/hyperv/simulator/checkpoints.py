"""Checkpoints of simulated VMs: Checkpoint-VM, Get-VMSnapshot, Restore-VMSnapshot,
Remove-VMSnapshot (the cmdlets behind the *-VMCheckpoint aliases).

A checkpoint keeps the VM's settings and its power state: one of a VM that is off restores to
Off; a production checkpoint of a running VM (made through the guest's VSS, no memory) also
restores to Off; a standard one of a running VM saves its memory and restores to Saved
[CHECKPOINTS: learn.microsoft.com/virtualization/hyper-v-on-windows/user-guide/checkpoints].
Refused: any checkpoint of a VM whose CheckpointType is Disabled (Hyper-V's words, errors.py);
saving the memory of, or applying a checkpoint to, a running VM that exposes virtualization
extensions (the nested virtualization preview notes: "Applying checkpoints to a running VM will
fail", "Save/restore will fail").
"""
from __future__ import annotations

import copy
import datetime
import uuid
from dataclasses import dataclass
from typing import Any, Dict, List, Tuple

from dfwctl.providers.hyperv.enums import CHECKPOINT_TYPE, VM_STATE
from dfwctl.providers.hyperv.simulator import errors as E
from dfwctl.providers.hyperv.simulator import guest
from dfwctl.providers.hyperv.simulator.wildcard import matches

RUNNING, OFF, SAVED = VM_STATE["Running"], VM_STATE["Off"], VM_STATE["Saved"]
# What a checkpoint keeps of a VM (and puts back when it is applied).
KEPT = ("ProcessorCount", "ExposeVirtualizationExtensions", "MemoryStartup", "MemoryMinimum",
        "MemoryMaximum", "DynamicMemoryEnabled", "NetworkAdapters", "Notes")
Bound = Dict[str, Any]


@dataclass
class SnapshotObject:
    """A VMSnapshot object, as bound to -VMSnapshot."""
    vm: Dict[str, Any]
    snapshot: Dict[str, Any]


def snapshot_row(vm: Dict[str, Any], snapshot: Dict[str, Any]) -> Dict[str, Any]:
    return {"Name": snapshot["Name"], "Id": snapshot["Id"], "VMName": vm["Name"],
            "VMId": vm["Id"], "CreationTime": snapshot["CreationTime"],
            "ParentSnapshotName": snapshot.get("ParentSnapshotName")}


class Checkpoints:
    """The checkpoint cmdlets of the simulated host (a part of cmdlets.Host)."""

    def targets(self, cmdlet: str, bound: Bound) -> List[Dict[str, Any]]:
        raise NotImplementedError

    def snapshots(self, cmdlet: str, bound: Bound) -> List[Tuple[Dict[str, Any], Dict[str, Any]]]:
        if "VMSnapshot" in bound:
            found: SnapshotObject = bound["VMSnapshot"]
            return [(found.vm, found.snapshot)]
        patterns = bound.get("Name") or ["*"]
        vms = self.targets(cmdlet, {k: v for k, v in bound.items() if k != "Name"})
        return [(vm, s) for vm in vms for s in vm["Snapshots"]
                if any(matches(p, s["Name"]) for p in patterns)]

    def do_checkpoint_vm(self, cmdlet: str, bound: Bound) -> None:
        vms = self.targets(cmdlet, bound)
        for vm in vms:
            if vm["CheckpointType"] == CHECKPOINT_TYPE["Disabled"]:
                raise E.checkpoints_disabled(cmdlet, vm)
            saves_memory = vm["CheckpointType"] == CHECKPOINT_TYPE["Standard"]
            if vm["State"] == RUNNING and saves_memory and vm["ExposeVirtualizationExtensions"]:
                raise E.checkpoint_failed(cmdlet, vm, E.NESTED_RUNNING)
        stamp = datetime.datetime.now(datetime.timezone.utc).isoformat()
        for vm in vms:
            state = vm["State"]
            if state == RUNNING:
                standard = vm["CheckpointType"] == CHECKPOINT_TYPE["Standard"]
                state = SAVED if standard else OFF
            parent = vm["Snapshots"][-1]["Name"] if vm["Snapshots"] else None
            vm["Snapshots"].append({
                "Name": bound.get("SnapshotName") or f"{vm['Name']} - ({stamp})",
                "Id": str(uuid.uuid4()), "CreationTime": stamp, "ParentSnapshotName": parent,
                "State": state, "Settings": {k: copy.deepcopy(vm[k]) for k in KEPT}})

    def do_get_vmsnapshot(self, cmdlet: str, bound: Bound) -> List[Dict[str, Any]]:
        return [snapshot_row(vm, s) for vm, s in self.snapshots(cmdlet, bound)]

    def do_restore_vmsnapshot(self, cmdlet: str, bound: Bound) -> None:
        found = self.snapshots(cmdlet, bound)
        if not found:
            vms = self.targets(cmdlet, {k: v for k, v in bound.items() if k != "Name"})
            raise E.snapshot_not_found(cmdlet, vms[0], ", ".join(bound.get("Name") or ["*"]))
        for vm, _ in found:
            if vm["State"] == RUNNING and vm["ExposeVirtualizationExtensions"]:
                raise E.checkpoint_failed(cmdlet, vm, E.NESTED_RUNNING)
        for vm, snapshot in found[-1:]:  # one checkpoint can be applied at a time
            vm.update(copy.deepcopy(snapshot["Settings"]))
            vm["State"] = snapshot["State"]
            vm["MemoryAssigned"] = 0
            guest.stopped(vm)

    def do_remove_vmsnapshot(self, cmdlet: str, bound: Bound) -> None:
        for vm, snapshot in self.snapshots(cmdlet, bound):
            vm["Snapshots"] = [s for s in vm["Snapshots"] if s["Id"] != snapshot["Id"]]
