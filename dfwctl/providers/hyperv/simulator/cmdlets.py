"""The simulated Hyper-V: the cmdlet subset dfwctl uses, with Hyper-V's parameter names, output
property names, enum numbers and refusals (see errors.py for which texts are verbatim).

`Host.run(cmdlet, params)` binds parameters as PowerShell does (case-insensitive names, type
checks, unknown names refused), then acts on the state dict (state.py). A cmdlet checks
everything before it changes anything, so a refused call leaves the state as it was. Power
(power.py) and checkpoints (checkpoints.py) have their own modules.

A session neither elevated nor in Hyper-V Administrators sees no VM and no switch: Hyper-V's
cmdlets answer it with empty lists, not an error, and a VM looked up by name or Id is not found
[EMPTY: microsoft/devhome#2476, containers/libhvee#224]. A 32-bit PowerShell has no Hyper-V
module; the Store's PowerShell 7 cannot run the DISM cmdlets (session.py has the sources).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Optional, Tuple

from dfwctl.providers.hyperv.enums import ON_OFF_STATE, VM_STATE
from dfwctl.providers.hyperv.model import nested_min_version, version_tuple
from dfwctl.providers.hyperv.simulator import errors as E
from dfwctl.providers.hyperv.simulator.checkpoints import Checkpoints, SnapshotObject
from dfwctl.providers.hyperv.simulator.memory import change_memory
from dfwctl.providers.hyperv.simulator.power import Power
from dfwctl.providers.hyperv.simulator.system import System
from dfwctl.providers.hyperv.simulator.wildcard import has_wildcards, matches, unescape

OFF = VM_STATE["Off"]
NESTED_MIN_BUILD = 14393  # ExposeVirtualizationExtensions exists from this host build on
HYPERV_CMDLETS = ("Get-VM", "Get-VMProcessor", "Get-VMMemory", "Get-VMNetworkAdapter",
                  "Get-VMSwitch", "Set-VM", "Set-VMProcessor", "Set-VMMemory",
                  "Set-VMNetworkAdapter", "Connect-VMNetworkAdapter", "Start-VM", "Stop-VM",
                  "Checkpoint-VM", "Get-VMSnapshot", "Restore-VMSnapshot", "Remove-VMSnapshot",
                  "Stop-DfwctlVM")
DISM_CMDLETS = ("Get-WindowsOptionalFeature", "Enable-WindowsOptionalFeature")


@dataclass
class VmObject:
    """A VirtualMachine object, as bound to -VM."""
    vm: Dict[str, Any]


@dataclass
class AdapterObject:
    """A VMNetworkAdapter object, as bound to -VMNetworkAdapter."""
    vm: Dict[str, Any]
    adapter: Dict[str, Any]


_TARGET = {"VMName": "strings", "VM": "vms"}
SPECS: Dict[str, Dict[str, str]] = {
    "Get-VM": {"Name": "strings", "Id": "guid"},
    "Get-VMProcessor": dict(_TARGET),
    "Get-VMMemory": dict(_TARGET),
    "Get-VMNetworkAdapter": {**_TARGET, "Name": "string"},
    "Get-VMSwitch": {"Name": "strings"},
    "Set-VM": {"Name": "strings", "VM": "vms", "ProcessorCount": "long",
               "MemoryStartupBytes": "long", "MemoryMinimumBytes": "long",
               "MemoryMaximumBytes": "long", "DynamicMemory": "switch", "StaticMemory": "switch",
               "Notes": "string", "NewVMName": "string"},
    "Set-VMProcessor": {**_TARGET, "Count": "long", "ExposeVirtualizationExtensions": "bool"},
    "Set-VMMemory": {**_TARGET, "DynamicMemoryEnabled": "bool", "StartupBytes": "long",
                     "MinimumBytes": "long", "MaximumBytes": "long"},
    "Set-VMNetworkAdapter": {**_TARGET, "Name": "string", "VMNetworkAdapter": "adapters",
                             "MacAddressSpoofing": "onoff"},
    "Connect-VMNetworkAdapter": {"VMName": "strings", "Name": "string",
                                 "VMNetworkAdapter": "adapters", "SwitchName": "string"},
    "Start-VM": {"Name": "strings", "VM": "vms"},
    "Stop-VM": {"Name": "strings", "VM": "vms", "Force": "switch", "TurnOff": "switch",
                "Save": "switch"},
    "Stop-DfwctlVM": {"VM": "vms", "TimeoutSeconds": "long", "TurnOff": "switch"},
    "Checkpoint-VM": {"Name": "strings", "VM": "vms", "SnapshotName": "string"},
    "Get-VMSnapshot": {**_TARGET, "Name": "strings"},
    "Restore-VMSnapshot": {"VMSnapshot": "snapshots", "Name": "strings", "VMName": "strings",
                           "VM": "vms"},
    "Remove-VMSnapshot": {"VMSnapshot": "snapshots", **_TARGET, "Name": "strings",
                          "IncludeAllChildSnapshots": "switch"},
    "Get-WindowsOptionalFeature": {"Online": "switch", "FeatureName": "string"},
    "Enable-WindowsOptionalFeature": {"Online": "switch", "FeatureName": "strings",
                                      "All": "switch", "NoRestart": "switch"},
    "Get-CimInstance": {"ClassName": "string"},
    "Get-Module": {"ListAvailable": "switch", "Name": "strings"},
    "Get-DfwctlSession": {},
}
ALIASES = {("Get-VM", "vmname"): "Name", ("Set-VM", "vmname"): "Name",
           ("Start-VM", "vmname"): "Name", ("Stop-VM", "vmname"): "Name",
           ("Checkpoint-VM", "vmname"): "Name"}

Bound = Dict[str, Any]  # a cmdlet's parameters, bound by their canonical names
Rows = List[Dict[str, Any]]  # the objects a cmdlet writes to its output


def _convert(cmdlet: str, name: str, kind: str, value: Any) -> Any:
    ok: Callable[[Any], bool] = {
        "string": lambda v: isinstance(v, str),
        "strings": lambda v: isinstance(v, str) or (isinstance(v, list)
                                                    and all(isinstance(x, str) for x in v)),
        "long": lambda v: isinstance(v, int) and not isinstance(v, bool),
        "bool": lambda v: isinstance(v, bool),
        "switch": lambda v: isinstance(v, bool),
        "guid": lambda v: isinstance(v, str),
        "vms": lambda v: isinstance(v, VmObject),
        "adapters": lambda v: isinstance(v, AdapterObject),
        "snapshots": lambda v: isinstance(v, SnapshotObject),
        "onoff": lambda v: str(v).lower() in ("on", "off"),
    }[kind]
    if not ok(value):
        types = {"vms": "Microsoft.HyperV.PowerShell.VirtualMachine[]",
                 "adapters": "Microsoft.HyperV.PowerShell.VMNetworkAdapter[]",
                 "snapshots": "Microsoft.HyperV.PowerShell.VMSnapshot[]",
                 "onoff": "Microsoft.HyperV.PowerShell.OnOffState", "long": "System.Int64",
                 "bool": "System.Boolean", "guid": "System.Guid"}
        hint = ("Unable to match the identifier name to a valid enumerator name. Specify one of "
                "the following enumerator names and try again: On, Off") if kind == "onoff" else ""
        raise E.cannot_convert(cmdlet, name, value, types.get(kind, "System.String"), hint)
    if kind == "strings" and isinstance(value, str):
        return [value]
    if kind == "onoff":
        return "On" if str(value).lower() == "on" else "Off"
    return value


def bind(cmdlet: str, params: Dict[str, Any], build: int) -> Dict[str, Any]:
    spec = dict(SPECS[cmdlet])
    if cmdlet == "Set-VMProcessor" and build < NESTED_MIN_BUILD:
        del spec["ExposeVirtualizationExtensions"]
    by_lower = {k.lower(): k for k in spec}
    bound: Dict[str, Any] = {}
    for name, value in params.items():
        canonical = ALIASES.get((cmdlet, name.lower())) or by_lower.get(name.lower())
        if canonical is None:
            raise E.parameter_not_found(cmdlet, name)
        bound[canonical] = _convert(cmdlet, name, spec[canonical], value)
    return bound


class Host(Power, Checkpoints, System):
    """The simulated host, over a state dict (changed in place)."""

    def __init__(self, state: Dict[str, Any]):
        self.state = state
        self.host = state["host"]
        self.warnings: List[str] = []

    # dispatch -----------------------------------------------------------------------------
    def run(self, cmdlet: str, params: Dict[str, Any]) -> List[Dict[str, Any]]:
        self.warnings = []
        if cmdlet in HYPERV_CMDLETS and cmdlet != "Stop-DfwctlVM":
            if not self.hyperv_module():
                raise E.command_not_found(f"Hyper-V\\{cmdlet}")
        if cmdlet in DISM_CMDLETS and self.store():
            raise E.class_not_registered(cmdlet)
        bound = bind(cmdlet, params, int(self.host["BuildNumber"]))
        handler: Callable[[str, Bound], Optional[Rows]] = getattr(
            self, "do_" + cmdlet.replace("-", "_").lower())
        return handler(cmdlet, bound) or []

    def permitted(self) -> bool:
        return bool(self.host["Elevated"] or self.host["HyperVAdministrator"])

    def vms(self) -> List[Dict[str, Any]]:
        """The VMs this session sees: none when it may not manage Hyper-V [EMPTY]."""
        return self.state["vms"] if self.permitted() else []

    # finding VMs --------------------------------------------------------------------------
    def by_names(self, cmdlet: str, names: List[str]) -> List[Dict[str, Any]]:
        found: List[Dict[str, Any]] = []
        for pattern in names:
            hits = [vm for vm in self.vms() if matches(pattern, vm["Name"])]
            if not hits and not has_wildcards(pattern):
                raise E.vm_not_found(cmdlet, unescape(pattern))
            found.extend(vm for vm in hits if vm not in found)
        return found

    def targets(self, cmdlet: str, bound: Dict[str, Any]) -> List[Dict[str, Any]]:
        if "VM" in bound:
            return [bound["VM"].vm]
        names = bound.get("VMName") or bound.get("Name")  # adapters() drops an adapter's Name
        if names is None:
            raise E.missing_parameter(cmdlet, "-VM, -VMName")
        return self.by_names(cmdlet, names)

    def adapters(self, cmdlet: str, bound: Dict[str, Any]) -> List[Tuple[Dict[str, Any], Dict[str, Any]]]:
        if "VMNetworkAdapter" in bound:
            return [(bound["VMNetworkAdapter"].vm, bound["VMNetworkAdapter"].adapter)]
        pattern = bound.get("Name", "*")
        return [(vm, a) for vm in self.targets(cmdlet, {k: v for k, v in bound.items()
                                                          if k != "Name"})
                for a in vm["NetworkAdapters"] if matches(pattern, a["Name"])]

    # objects ------------------------------------------------------------------------------
    def vm_object(self, vm: Dict[str, Any]) -> Dict[str, Any]:
        keys = ("Name", "Id", "State", "Generation", "Version", "ProcessorCount",
                "MemoryStartup", "MemoryMinimum", "MemoryMaximum", "DynamicMemoryEnabled", "Notes",
                "MemoryAssigned", "CheckpointType")
        return {**{k: vm[k] for k in keys}, "ComputerName": self.host["ComputerName"],
                "Status": "Operating normally", "Heartbeat": vm.get("Heartbeat")}

    @staticmethod
    def adapter_object(vm: Dict[str, Any], adapter: Dict[str, Any]) -> Dict[str, Any]:
        return {**adapter, "VMName": vm["Name"], "VMId": vm["Id"], "IsManagementOs": False,
                "DynamicMacAddressEnabled": True, "Connected": bool(adapter["SwitchName"])}

    # reads --------------------------------------------------------------------------------
    def do_get_vm(self, cmdlet: str, bound: Bound) -> Rows:
        if "Id" in bound:
            vm = next((v for v in self.vms() if v["Id"].lower() == bound["Id"].lower()), None)
            if vm is None:
                raise E.vm_id_not_found(cmdlet, bound["Id"])
            return [self.vm_object(vm)]
        vms = self.by_names(cmdlet, bound["Name"]) if "Name" in bound else self.vms()
        return [self.vm_object(vm) for vm in vms]

    def do_get_vmprocessor(self, cmdlet: str, bound: Bound) -> Rows:
        return [{"Count": vm["ProcessorCount"],
                 "ExposeVirtualizationExtensions": vm["ExposeVirtualizationExtensions"],
                 "VMName": vm["Name"], "VMId": vm["Id"]} for vm in self.targets(cmdlet, bound)]

    def do_get_vmmemory(self, cmdlet: str, bound: Bound) -> Rows:
        return [{"DynamicMemoryEnabled": vm["DynamicMemoryEnabled"], "Startup": vm["MemoryStartup"],
                 "Minimum": vm["MemoryMinimum"], "Maximum": vm["MemoryMaximum"],
                 "VMName": vm["Name"], "VMId": vm["Id"]} for vm in self.targets(cmdlet, bound)]

    def do_get_vmnetworkadapter(self, cmdlet: str, bound: Bound) -> Rows:
        return [self.adapter_object(vm, a) for vm, a in self.adapters(cmdlet, bound)]

    def do_get_vmswitch(self, cmdlet: str, bound: Bound) -> Rows:
        switches = self.state["switches"] if self.permitted() else []
        found: Rows = []
        for pattern in bound.get("Name", ["*"]):
            hits = [s for s in switches if matches(pattern, s["Name"])]
            if not hits and not has_wildcards(pattern):
                raise E.CmdletError(f'Hyper-V was unable to find a virtual switch with name '
                                    f'"{unescape(pattern)}".', "InvalidArgument",
                                    "InvalidParameter,Microsoft.HyperV.PowerShell.Commands.GetVMSwitch")
            found.extend(s for s in hits if s not in found)
        return [dict(s) for s in found]

    # changes ------------------------------------------------------------------------------
    def do_set_vm(self, cmdlet: str, bound: Bound) -> None:
        vms = self.targets(cmdlet, bound)
        dynamic = True if bound.get("DynamicMemory") else False if bound.get("StaticMemory") else None
        for vm in vms:
            if "ProcessorCount" in bound:
                self.check_processor(cmdlet, vm, bound["ProcessorCount"], None)
            change_memory(cmdlet, vm, dynamic, bound.get("MemoryStartupBytes"),
                          bound.get("MemoryMinimumBytes"), bound.get("MemoryMaximumBytes"), check=True)
        for vm in vms:
            if "ProcessorCount" in bound:
                vm["ProcessorCount"] = bound["ProcessorCount"]
            change_memory(cmdlet, vm, dynamic, bound.get("MemoryStartupBytes"),
                          bound.get("MemoryMinimumBytes"), bound.get("MemoryMaximumBytes"))
            if "Notes" in bound:
                vm["Notes"] = bound["Notes"]
            if "NewVMName" in bound:
                vm["Name"] = bound["NewVMName"]

    def check_processor(self, cmdlet: str, vm: Dict[str, Any], count: Optional[int],
                        expose: Optional[bool]) -> None:
        changing = (count is not None and count != vm["ProcessorCount"]) or (
            expose is not None and expose != vm["ExposeVirtualizationExtensions"])
        if changing and vm["State"] != OFF:
            raise E.wrong_state(cmdlet, vm, "Processor",
                                f"'{vm['Name']}' must be turned off to change its processor "
                                "settings.")
        # Any count of 1 or more is accepted, even above the host's logical processors: it is
        # Start-VM that refuses those (power.py).
        if count is not None and count < 1:
            raise E.modify_failed(cmdlet, vm, "Processor", "The number of virtual processors is "
                                  "not valid.", f"'{vm['Name']}' cannot have {count} virtual "
                                  "processors.", error_id="InvalidParameter")
        if expose and not vm["ExposeVirtualizationExtensions"]:
            needed = nested_min_version(self.host["Manufacturer"])
            if version_tuple(vm["Version"]) < needed:
                raise E.modify_failed(cmdlet, vm, "Processor", "Cannot modify property.",
                                      f"Virtualization extensions cannot be exposed to a virtual "
                                      f"machine of configuration version {vm['Version']}; "
                                      f"version {'.'.join(map(str, needed))} or later is needed.",
                                      error_id="NotSupported")

    def do_set_vmprocessor(self, cmdlet: str, bound: Bound) -> None:
        vms = self.targets(cmdlet, bound)
        count, expose = bound.get("Count"), bound.get("ExposeVirtualizationExtensions")
        for vm in vms:
            self.check_processor(cmdlet, vm, count, expose)
        for vm in vms:
            if count is not None:
                vm["ProcessorCount"] = count
            if expose is not None:
                vm["ExposeVirtualizationExtensions"] = expose

    def do_set_vmmemory(self, cmdlet: str, bound: Bound) -> None:
        vms = self.targets(cmdlet, bound)
        args = (bound.get("DynamicMemoryEnabled"), bound.get("StartupBytes"),
                bound.get("MinimumBytes"), bound.get("MaximumBytes"))
        for vm in vms:
            change_memory(cmdlet, vm, *args, check=True)
        for vm in vms:
            change_memory(cmdlet, vm, *args)

    def do_set_vmnetworkadapter(self, cmdlet: str, bound: Bound) -> None:
        for _, adapter in self.adapters(cmdlet, bound):
            if "MacAddressSpoofing" in bound:
                adapter["MacAddressSpoofing"] = ON_OFF_STATE[bound["MacAddressSpoofing"]]

    def do_connect_vmnetworkadapter(self, cmdlet: str, bound: Bound) -> None:
        name = bound.get("SwitchName", "")
        if not any(s["Name"].casefold() == name.casefold() for s in self.state["switches"]):
            raise E.CmdletError(f'Unable to find a virtual switch with name "{name}".',
                                "ObjectNotFound",
                                "ObjectNotFound,Microsoft.HyperV.PowerShell.Commands."
                                "ConnectVMNetworkAdapter")
        for _, adapter in self.adapters(cmdlet, bound):
            adapter["SwitchName"] = name
