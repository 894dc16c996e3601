"""Memory changes on a simulated VM (Set-VM and Set-VMMemory share them): alignment, order,
and what Hyper-V refuses while the VM is not off."""
from __future__ import annotations

from typing import Any, Dict, Optional

from dfwctl.providers.hyperv.enums import VM_STATE
from dfwctl.providers.hyperv.simulator import errors as E

MIB = 1024 * 1024
ALIGNMENT = 2 * MIB
MINIMUM = 32 * MIB
OFF, RUNNING = VM_STATE["Off"], VM_STATE["Running"]


def change_memory(cmdlet: str, vm: Dict[str, Any], dynamic: Optional[bool],
                  startup: Optional[int], minimum: Optional[int], maximum: Optional[int],
                  check: bool = False) -> None:
    """With check, raise what Hyper-V would refuse; without, apply (after a check)."""
    if dynamic is None and startup is None and minimum is None and maximum is None:
        return
    new = {
        "DynamicMemoryEnabled": vm["DynamicMemoryEnabled"] if dynamic is None else dynamic,
        "MemoryStartup": vm["MemoryStartup"] if startup is None else startup,
        "MemoryMinimum": vm["MemoryMinimum"] if minimum is None else minimum,
        "MemoryMaximum": vm["MemoryMaximum"] if maximum is None else maximum,
    }
    if not check:
        vm.update(new)
        return
    for size in (startup, minimum, maximum):
        if size is None:
            continue
        if size % ALIGNMENT:
            raise E.memory_not_aligned(cmdlet, vm, size)
        if size < MINIMUM:
            raise E.modify_failed(cmdlet, vm, "Memory", f"Invalid memory value assigned for "
                                  f"'{vm['Name']}'.", f"The memory value assigned "
                                  f"('{size // MIB}' MB) is below the minimum of 32 MB.",
                                  error_id="InvalidParameter")
    if new["DynamicMemoryEnabled"] and not (
            new["MemoryMinimum"] <= new["MemoryStartup"] <= new["MemoryMaximum"]):
        raise E.modify_failed(cmdlet, vm, "Memory", f"Invalid memory value assigned for "
                              f"'{vm['Name']}'.", "With dynamic memory, the minimum memory must "
                              "not be more than the startup memory, and the startup memory not "
                              "more than the maximum memory.", error_id="InvalidParameter")
    if vm["State"] == OFF or new == {k: vm[k] for k in new}:
        return
    _online(cmdlet, vm, new)


def _online(cmdlet: str, vm: Dict[str, Any], new: Dict[str, Any]) -> None:
    def refuse(detail: str) -> E.CmdletError:
        return E.wrong_state(cmdlet, vm, "Memory", detail)

    if vm["State"] != RUNNING:
        raise refuse(f"'{vm['Name']}' must be running or turned off to change its memory.")
    if new["DynamicMemoryEnabled"] != vm["DynamicMemoryEnabled"]:
        raise refuse("Dynamic memory cannot be enabled or disabled while the virtual machine is "
                     "running.")
    if new["MemoryStartup"] != vm["MemoryStartup"] and (
            vm["DynamicMemoryEnabled"] or vm["ExposeVirtualizationExtensions"]):
        raise refuse("The startup memory cannot be changed while the virtual machine is running "
                     "with dynamic memory or with virtualization extensions exposed.")
    if vm["DynamicMemoryEnabled"] and new["MemoryMinimum"] > vm["MemoryMinimum"]:
        raise refuse("The minimum memory can only be decreased while the virtual machine is "
                     "running.")
    if vm["DynamicMemoryEnabled"] and new["MemoryMaximum"] < vm["MemoryMaximum"]:
        raise refuse("The maximum memory can only be increased while the virtual machine is "
                     "running.")
