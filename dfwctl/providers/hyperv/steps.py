"""The steps a VM change is carried out with: each one Hyper-V call (an Op), with the words the
plan shows for it. diff chooses them (pure); perform runs them in order."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, List, Optional, Tuple

from dfwctl.plan import Step
from dfwctl.providers.hyperv.model import AdapterSpec, display
from dfwctl.providers.hyperv.transport import AdapterRef, VmRef
from dfwctl.values.sizes import format_size

ONLINE, STOP, OFFLINE, START = "online", "stop", "offline", "start"


@dataclass(frozen=True)
class Op(Step):
    """One cmdlet call; `text` is what the plan and progress show for it."""

    cmdlet: str
    params: Tuple[Tuple[str, Any], ...]
    phase: str  # online | stop | offline | start
    vm: str = ""  # the VM's name, for messages; empty for host changes


def _op(cmdlet: str, params: Tuple[Tuple[str, Any], ...], text: str, phase: str) -> Op:
    return Op(text, cmdlet, params, phase)


def _on(value: bool) -> str:
    return "on" if value else "off"


def stop(vm: VmRef) -> Op:
    return _op("Stop-VM", (("VM", vm), ("Force", True)),
              "stop the VM: shut down the guest (Stop-VM -Force)", STOP)


def start(vm: VmRef) -> Op:
    return _op("Start-VM", (("VM", vm),), "start the VM (Start-VM)", START)


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
