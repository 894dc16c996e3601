"""Starting and stopping simulated VMs: Start-VM, Stop-VM and invoke.ps1's Stop-DfwctlVM.

Start-VM refuses what the host cannot run, with Hyper-V's words (errors.py): more processors
than the host's logical processors, more startup memory than it has free (the host holds
HostMemoryInUse; each running VM holds its MemoryAssigned), and, on a host following
Microsoft's 2015 preview notes (NestedDynamicMemory: Refuse), nested virtualization with
dynamic memory ("Dynamic memory must be OFF. This will prevent the VM from booting"); under
the current documentation (Fixed) such a VM starts and its memory stays at its startup amount
[NESTED: learn.microsoft.com/virtualization/hyper-v-on-windows/user-guide/nested-virtualization].

A guest shuts down when asked unless seeded otherwise, counted, not timed, so tests repeat:
ShutdownHangs requests are ignored (each one times out), and a guest without its shutdown
integration service (ShutdownService false) cannot be asked at all. Stop-VM -Force gives a
hanging guest five minutes, then turns the VM off [PSD-STOP: learn.microsoft.com/powershell/
module/hyper-v/stop-vm]; -TurnOff is a power cut; -Save on a running VM that exposes
virtualization extensions fails (the nested virtualization preview notes: "Save/restore will
fail").
"""
from __future__ import annotations

from typing import Any, Dict, List

from dfwctl.providers.hyperv.enums import VM_STATE, enum_name
from dfwctl.providers.hyperv.simulator import errors as E
from dfwctl.providers.hyperv.simulator import guest

RUNNING, OFF, SAVED, PAUSED = (VM_STATE["Running"], VM_STATE["Off"], VM_STATE["Saved"],
                               VM_STATE["Paused"])
ALREADY = "The virtual machine is already in the specified state."
Bound = Dict[str, Any]


def memory_free(host: Dict[str, Any], vms: List[Dict[str, Any]]) -> int:
    """Bytes of physical memory no one holds."""
    held = sum(int(vm.get("MemoryAssigned") or 0) for vm in vms)
    return max(0, int(host["TotalPhysicalMemory"]) - int(host["HostMemoryInUse"]) - held)


def turned_off(vm: Dict[str, Any], how: str) -> None:
    vm["State"] = OFF
    vm["MemoryAssigned"] = 0
    vm["LastStop"] = how
    guest.stopped(vm)


class Power:
    """The power cmdlets of the simulated host (a part of cmdlets.Host)."""

    state: Dict[str, Any]
    host: Dict[str, Any]
    warnings: List[str]

    def targets(self, cmdlet: str, bound: Bound) -> List[Dict[str, Any]]:
        raise NotImplementedError

    def do_start_vm(self, cmdlet: str, bound: Bound) -> None:
        for vm in self.targets(cmdlet, bound):
            if vm["State"] == RUNNING:
                self.warnings.append(ALREADY)
            elif vm["State"] in (OFF, SAVED):
                self.check_start(cmdlet, vm)
                vm["State"] = RUNNING
                vm["MemoryAssigned"] = vm["MemoryStartup"]
                guest.started(vm)
            else:
                raise E.state_change_failed(cmdlet, vm, "change state", E.WRONG_STATE)

    def check_start(self, cmdlet: str, vm: Dict[str, Any]) -> None:
        if vm["ProcessorCount"] > int(self.host["LogicalProcessors"]):
            raise E.start_processors(cmdlet, vm)
        if vm["MemoryStartup"] > memory_free(self.host, self.state["vms"]):
            raise E.start_memory(cmdlet, vm, vm["MemoryStartup"])
        if (vm["ExposeVirtualizationExtensions"] and vm["DynamicMemoryEnabled"]
                and self.host["NestedDynamicMemory"] == "Refuse"):
            raise E.state_change_failed(cmdlet, vm, "start", "The virtual machine cannot "
                                        "start with dynamic memory while it exposes "
                                        "virtualization extensions.")

    def do_stop_vm(self, cmdlet: str, bound: Bound) -> None:
        for vm in self.targets(cmdlet, bound):
            state = vm["State"]
            if state == OFF:
                self.warnings.append(ALREADY)
            elif state == SAVED and bound.get("TurnOff"):
                turned_off(vm, "TurnOff")  # the saved state is discarded
            elif state in (RUNNING, PAUSED):
                self.stop_one(cmdlet, vm, bound)
            else:
                raise E.state_change_failed(cmdlet, vm, "change state", E.WRONG_STATE)

    def stop_one(self, cmdlet: str, vm: Dict[str, Any], bound: Bound) -> None:
        if bound.get("TurnOff"):
            turned_off(vm, "TurnOff")
        elif bound.get("Save"):
            if vm["ExposeVirtualizationExtensions"] and vm["State"] == RUNNING:
                raise E.state_change_failed(cmdlet, vm, "save", E.NESTED_RUNNING)
            vm["State"], vm["MemoryAssigned"] = SAVED, 0
            guest.stopped(vm)
        elif not vm["ShutdownService"]:
            # Modelled: the words Hyper-V uses here were not captured.
            raise E.state_change_failed(cmdlet, vm, "shut down", "The shutdown integration "
                                        "service of the virtual machine is not available.")
        elif vm["ShutdownHangs"] > 0:
            vm["ShutdownHangs"] -= 1
            if not bound.get("Force"):  # modelled: no capture of a hanging plain Stop-VM
                raise E.state_change_failed(cmdlet, vm, "shut down",
                                            "The guest did not shut down.")
            turned_off(vm, "Forced")  # -Force: five minutes, then the VM is turned off
        else:
            turned_off(vm, "Shutdown")

    def do_stop_dfwctlvm(self, cmdlet: str, bound: Bound) -> None:
        """invoke.ps1's Stop-DfwctlVM: InitiateShutdown, then wait up to TimeoutSeconds."""
        for vm in self.targets(cmdlet, bound):
            if vm["State"] == OFF:
                continue
            turn_off = bool(bound.get("TurnOff"))
            if vm["State"] != RUNNING or not vm["ShutdownService"]:
                if turn_off:
                    turned_off(vm, "TurnOff")
                    continue
                detail = ("its shutdown integration service does not answer (InitiateShutdown "
                          "returned 32777: System is not available)" if vm["State"] == RUNNING
                          else f"it is {enum_name(VM_STATE, vm['State'])}")
                raise E.no_shutdown_service(vm, detail)
            if vm["ShutdownHangs"] > 0:
                vm["ShutdownHangs"] -= 1
                if turn_off:
                    turned_off(vm, "TurnOff")
                    continue
                raise E.stop_timeout(vm, int(bound.get("TimeoutSeconds", 300)),
                                     enum_name(VM_STATE, vm["State"]))
            turned_off(vm, "Shutdown")
