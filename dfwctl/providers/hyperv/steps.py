"""The steps a VM change is carried out with: each one Hyper-V call (an Op), with the words the
plan shows for it. diff chooses them (pure); perform runs them in order.

A change's phases, in order: online (while the VM runs), cleanup (a checkpoint an earlier
apply left), stop, checkpoint (once the VM is off), offline (the settings Hyper-V changes only
then), start, after (the checkpoint removed, or kept). dfwctl's checkpoints are named
"dfwctl <playbook>: ..." so a later gather finds them.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, List, Optional, Tuple

from dfwctl.plan import Step
from dfwctl.providers.hyperv.model import AdapterSpec, Shutdown, display
from dfwctl.providers.hyperv.transport import AdapterRef, CheckpointRef, VmRef
from dfwctl.values.sizes import format_size

ONLINE, CLEANUP, STOP, CHECKPOINT, OFFLINE, START, AFTER = (
    "online", "cleanup", "stop", "checkpoint", "offline", "start", "after")
CHECKPOINT_PREFIX = "dfwctl "
STOP_COMMAND = "Stop-DfwctlVM"  # invoke.ps1's bounded guest shutdown


@dataclass(frozen=True)
class Op(Step):
    """One cmdlet call; `text` is what the plan and progress show for it."""

    cmdlet: str
    params: Tuple[Tuple[str, Any], ...]
    phase: str  # one of the phases above
    vm: str = ""  # the VM's name, for messages; empty for host changes
    restore: bool = False  # a checkpoint to restore if a later step fails


def _op(cmdlet: str, params: Tuple[Tuple[str, Any], ...], text: str, phase: str) -> Op:
    return Op(text, cmdlet, params, phase)


def _on(value: bool) -> str:
    return "on" if value else "off"


def temporary_checkpoint(playbook: str) -> str:
    """The checkpoint a change takes and removes; one left behind means an apply stopped."""
    return f"{CHECKPOINT_PREFIX}{playbook}: before apply (temporary)"


def is_temporary(name: str) -> bool:
    return name.startswith(CHECKPOINT_PREFIX) and name.endswith(": before apply (temporary)")


def kept_checkpoint(playbook: str, fields: str) -> str:
    return f"{CHECKPOINT_PREFIX}{playbook}: before {fields}"


def restore_command(vm_id: str, name: str) -> str:
    """The PowerShell line that restores a VM to a checkpoint and starts it."""
    quoted = name.replace("'", "''")
    return (f"$vm = Hyper-V\\Get-VM -Id '{vm_id}'; Hyper-V\\Get-VMSnapshot -VM $vm | "
            f"Where-Object Name -eq '{quoted}' | Hyper-V\\Restore-VMSnapshot -Confirm:$false; "
            "Hyper-V\\Start-VM -VM $vm")


def stop(vm: VmRef, shutdown: Shutdown) -> Op:
    """The guest is asked to shut down, and given `timeout` seconds; never a silent power cut."""
    then = ("then turn the VM off (Stop-VM -TurnOff)" if shutdown.turn_off
            else "then fail, never turning it off")
    params: Tuple[Tuple[str, Any], ...] = (("VM", vm), ("TimeoutSeconds", shutdown.timeout))
    if shutdown.turn_off:
        params += (("TurnOff", True),)
    return _op(STOP_COMMAND, params,
               f"stop the VM: shut down the guest and wait up to {shutdown.timeout} s for it to "
               f"turn off, {then} (InitiateShutdown)", STOP)


def start(vm: VmRef) -> Op:
    return _op("Start-VM", (("VM", vm),), "start the VM (Start-VM)", START)


def take_checkpoint(vm: VmRef, name: str, restore: bool, keep: bool) -> Op:
    after = "kept after the change" if keep else "removed once the change is made"
    then = "restored if a later step fails" if restore else "kept if a later step fails"
    op = _op("Checkpoint-VM", (("VM", vm), ("SnapshotName", name)),
             f'take checkpoint "{display(name)}" ({after}; {then}) (Checkpoint-VM)', CHECKPOINT)
    return Op(op.text, op.cmdlet, op.params, op.phase, restore=restore)


def remove_checkpoint(vm: VmRef, name: str, phase: str = AFTER) -> Op:
    what = "the checkpoint" if phase == AFTER else "the checkpoint an unfinished apply left,"
    return _op("Remove-VMSnapshot", (("VMSnapshot", CheckpointRef(vm.id, name)),),
               f'remove {what} "{display(name)}" (Remove-VMSnapshot)', phase)


def restore_checkpoint(vm: VmRef, name: str) -> Op:
    return _op("Restore-VMSnapshot", (("VMSnapshot", CheckpointRef(vm.id, name)),),
               f'restore checkpoint "{display(name)}" (Restore-VMSnapshot)', OFFLINE)


def set_memory(vm: VmRef, phase: str, dynamic: Optional[bool], startup: Optional[int],
               minimum: Optional[int], maximum: Optional[int]) -> Optional[Op]:
    params: List[Tuple[str, Any]] = [("VM", vm)]
    words: List[str] = []
    if dynamic is not None:
        params.append(("DynamicMemoryEnabled", dynamic))
        words.append(f"dynamic memory {_on(dynamic)}")
    for name, label, value in (("StartupBytes", "memory", startup),
                               ("MinimumBytes", "minimum", minimum),
                               ("MaximumBytes", "maximum", maximum)):
        if value is not None:
            params.append((name, value))
            words.append(f"{label} {format_size(value)}")
    if len(params) == 1:
        return None
    return _op("Set-VMMemory", tuple(params), f"set {', '.join(words)} (Set-VMMemory)", phase)


def set_processor(vm: VmRef, count: Optional[int], nested: Optional[bool]) -> Optional[Op]:
    params: List[Tuple[str, Any]] = [("VM", vm)]
    words: List[str] = []
    if count is not None:
        params.append(("Count", count))
        words.append(f"processors {count}")
    if nested is not None:
        params.append(("ExposeVirtualizationExtensions", nested))
        words.append(f"nested virtualization {_on(nested)}")
    if len(params) == 1:
        return None
    return _op("Set-VMProcessor", tuple(params), f"set {', '.join(words)} (Set-VMProcessor)",
               OFFLINE)


def adapter_ops(vm_id: str, want: AdapterSpec, have: AdapterSpec, running: bool) -> List[Op]:
    ref = AdapterRef(vm_id, have.id)
    label = f'network adapter "{display(have.name or "")}"'
    when = " while the VM runs" if running else ""
    ops: List[Op] = []
    if want.switch is not None and want.switch != have.switch:
        ops.append(_op("Connect-VMNetworkAdapter", (("VMNetworkAdapter", ref),
                                                   ("SwitchName", want.switch)),
                      f'connect {label} to switch "{display(want.switch)}"{when} '
                      "(Connect-VMNetworkAdapter)", ONLINE))
    spoofing = want.mac_address_spoofing
    if spoofing is not None and spoofing != have.mac_address_spoofing:
        ops.append(_op("Set-VMNetworkAdapter", (("VMNetworkAdapter", ref),
                                               ("MacAddressSpoofing", "On" if spoofing else "Off")),
                      f"set MAC address spoofing {_on(spoofing)} for {label}{when} "
                      "(Set-VMNetworkAdapter)", ONLINE))
    return ops


def enable_hyperv(feature: str) -> Op:
    return _op("Enable-WindowsOptionalFeature",
              (("Online", True), ("FeatureName", [feature]), ("All", True), ("NoRestart", True)),
              f"enable the Windows feature {feature} and its management tools "
              "(Enable-WindowsOptionalFeature -Online -All -NoRestart)", OFFLINE)
