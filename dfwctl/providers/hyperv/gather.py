"""Read what the plan needs from a Hyper-V host, in two round trips: every VM (with the
switches, and the CPU vendor when nested virtualization is asked for), then the processor and
network adapters of each VM the playbook names. VMs are matched by name here and in diff, never
through -Name (a wildcard pattern to Hyper-V)."""
from __future__ import annotations

from typing import Any, Dict, List, Sequence, Tuple

from dfwctl.errors import DfwctlError
from dfwctl.providers.hyperv import enums
from dfwctl.providers.hyperv.model import (
    FEATURE,
    AdapterSpec,
    HyperVActual,
    VmSpec,
    VmState,
)
from dfwctl.providers.hyperv.transport import (
    Call,
    HyperVError,
    Transport,
    VmRef,
    invoke_all,
)

VM_PROPERTIES = ("Name", "Id", "State", "Version", "ProcessorCount", "MemoryStartup",
                 "MemoryMinimum", "MemoryMaximum", "DynamicMemoryEnabled")
PROCESSOR_PROPERTIES = ("ExposeVirtualizationExtensions",)
ADAPTER_PROPERTIES = ("Name", "Id", "SwitchName", "MacAddressSpoofing")
POWER_STATES = {"Running": "running", "Off": "off"}


def read_error(error: HyperVError, endpoint: str) -> DfwctlError:
    hint = None
    if error.category == "PermissionDenied":
        hint = ("run dfwctl from an elevated prompt, or as a member of the Hyper-V "
                "Administrators group")
    return DfwctlError(f"cannot read Hyper-V on {endpoint}: {error.message}", hint)


def _vm(row: Dict[str, Any], processor: Dict[str, Any], adapters: List[Dict[str, Any]]) -> VmState:
    power = enums.vm_state(row.get("State"))
    spec = VmSpec(
        name=str(row.get("Name")),
        state=POWER_STATES.get(power),
        processors=row.get("ProcessorCount"),
        memory=row.get("MemoryStartup"),
        dynamic_memory=row.get("DynamicMemoryEnabled"),
        memory_minimum=row.get("MemoryMinimum"),
        memory_maximum=row.get("MemoryMaximum"),
        nested_virtualization=processor.get("ExposeVirtualizationExtensions"),
        network_adapters=tuple(
            AdapterSpec(name=a.get("Name"), switch=a.get("SwitchName") or None,
                        mac_address_spoofing=enums.on_off(a.get("MacAddressSpoofing")),
                        id=str(a.get("Id") or ""))
            for a in adapters),
    )
    return VmState(id=str(row.get("Id")), power=power, version=str(row.get("Version") or ""),
                   spec=spec)


def _feature_state(transport: Transport, missing: HyperVError) -> str:
    reply = invoke_all(transport, [Call.of("Get-WindowsOptionalFeature",
                                           {"Online": True, "FeatureName": FEATURE},
                                           ("FeatureName", "State"))])[0]
    if reply.error is not None:
        raise DfwctlError(
            f"the Hyper-V cmdlets are missing on {transport.endpoint} ({missing.message}), and "
            f"the state of the {FEATURE} feature cannot be read: {reply.error.message}",
            "run `dfwctl doctor` (from an elevated prompt) to see what the host lacks")
    if not reply.output:
        raise DfwctlError(f"{transport.endpoint} has no {FEATURE} feature: this Windows edition "
                          "cannot run Hyper-V (Windows 10/11 Pro, Enterprise or Education can)")
    return str(reply.output[0].get("State") or "Unknown")


def gather(transport: Transport, specs: Sequence[VmSpec]) -> HyperVActual:
    endpoint = transport.endpoint
    calls = [Call.of("Get-VM", {}, VM_PROPERTIES), Call.of("Get-VMSwitch", {}, ("Name",))]
    if any(s.nested_virtualization for s in specs):
        calls.append(Call.of("Get-CimInstance", {"ClassName": "Win32_Processor"},
                             ("Manufacturer",)))
    replies = invoke_all(transport, calls)
    if replies[0].error is not None and replies[0].error.command_missing:
        return HyperVActual(endpoint, feature_state=_feature_state(transport, replies[0].error))
    for reply in replies:
        if reply.error is not None:
            raise read_error(reply.error, endpoint)
    rows = list(replies[0].output)
    switches = tuple(str(s.get("Name")) for s in replies[1].output)
    cpu = str(replies[2].output[0].get("Manufacturer") or "") if len(replies) > 2 and \
        replies[2].output else ""
    wanted = {s.name.casefold() for s in specs}
    counts: Dict[str, int] = {}
    for row in rows:
        key = str(row.get("Name")).casefold()
        counts[key] = counts.get(key, 0) + 1
    detailed = [r for r in rows if str(r.get("Name")).casefold() in wanted
                and counts[str(r.get("Name")).casefold()] == 1]
    details = invoke_all(transport, [
        call for row in detailed for call in (
            Call.of("Get-VMProcessor", {"VM": VmRef(str(row["Id"]))}, PROCESSOR_PROPERTIES),
            Call.of("Get-VMNetworkAdapter", {"VM": VmRef(str(row["Id"]))}, ADAPTER_PROPERTIES))
    ]) if detailed else []
    by_id: Dict[str, Tuple[Dict[str, Any], List[Dict[str, Any]]]] = {}
    for index, row in enumerate(detailed):
        processor, adapters = details[2 * index], details[2 * index + 1]
        for reply in (processor, adapters):
            if reply.error is not None:
                raise read_error(reply.error.for_vm(str(row.get("Name"))), endpoint)
        by_id[str(row["Id"])] = (processor.output[0] if processor.output else {},
                                 list(adapters.output))
    vms = tuple(_vm(row, *by_id.get(str(row.get("Id")), ({}, []))) for row in rows)
    return HyperVActual(endpoint, vms=vms, switches=switches, cpu_vendor=cpu)
