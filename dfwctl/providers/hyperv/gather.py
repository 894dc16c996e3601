"""Read what the plan needs from a Hyper-V host, in two round trips. The first establishes the
session (session.py: elevation, language mode, edition, bitness, module) beside every VM, the
switches and the host's build, processors and memory; the second reads the processor, network
adapters and checkpoints of each VM the playbook names. VMs are matched by name here and in
diff, never through -Name (a wildcard pattern to Hyper-V)."""
from __future__ import annotations

from typing import Any, Dict, List, Sequence, Tuple

from dfwctl.errors import DfwctlError
from dfwctl.logs import get_logger
from dfwctl.providers.hyperv import enums, session
from dfwctl.providers.hyperv.model import (
    FEATURE,
    AdapterSpec,
    HostFacts,
    HyperVActual,
    VmSpec,
    VmState,
)
from dfwctl.providers.hyperv.steps import CHECKPOINT_PREFIX
from dfwctl.providers.hyperv.transport import (
    Call,
    HyperVError,
    Reply,
    Transport,
    VmRef,
    invoke_all,
)

log = get_logger(__name__)

VM_PROPERTIES = ("Name", "Id", "State", "Version", "ProcessorCount", "MemoryStartup",
                 "MemoryMinimum", "MemoryMaximum", "DynamicMemoryEnabled", "MemoryAssigned",
                 "CheckpointType")
PROCESSOR_PROPERTIES = ("ExposeVirtualizationExtensions",)
ADAPTER_PROPERTIES = ("Name", "Id", "SwitchName", "MacAddressSpoofing")
POWER_STATES = {"Running": "running", "Off": "off"}
KIB = 1024
HOST_CALLS = (
    Call.of("Get-CimInstance", {"ClassName": "Win32_OperatingSystem"},
            ("BuildNumber", "TotalVisibleMemorySize", "FreePhysicalMemory")),
    Call.of("Get-CimInstance", {"ClassName": "Win32_ComputerSystem"},
            ("NumberOfLogicalProcessors",)),
    Call.of("Get-CimInstance", {"ClassName": "Win32_Processor"}, ("Manufacturer",)),
)


def read_error(error: HyperVError, endpoint: str) -> DfwctlError:
    hint = session.ELEVATE if error.category == "PermissionDenied" else None
    return DfwctlError(f"cannot read Hyper-V on {endpoint}: {error.message}", hint)


def _vm(row: Dict[str, Any], processor: Dict[str, Any], adapters: List[Dict[str, Any]],
        checkpoints: Tuple[str, ...]) -> VmState:
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
                   spec=spec, memory_assigned=int(row.get("MemoryAssigned") or 0),
                   checkpoint_type=enums.enum_name(enums.CHECKPOINT_TYPE,
                                                   row.get("CheckpointType") or "Production"),
                   checkpoints=checkpoints)


def _feature_state(transport: Transport, missing: HyperVError, found: session.Session) -> str:
    reply = invoke_all(transport, [Call.of("Get-WindowsOptionalFeature",
                                           {"Online": True, "FeatureName": FEATURE},
                                           ("FeatureName", "State"))])[0]
    if reply.error is not None:
        raise DfwctlError(
            f"the Hyper-V cmdlets are missing on {transport.endpoint} ({missing.message}), and "
            f"the state of the {FEATURE} feature cannot be read: {reply.error.message}",
            session.store_hint(found) or "run `dfwctl doctor` (from an elevated prompt) to see "
            "what the host lacks")
    if not reply.output:
        raise DfwctlError(f"{transport.endpoint} has no {FEATURE} feature: this Windows edition "
                          "cannot run Hyper-V (Windows 10/11 Pro, Enterprise or Education can)")
    return str(reply.output[0].get("State") or "Unknown")


def _number(reply: Reply, key: str) -> int:
    """One number of a CIM reply; 0 (not read: no check is made) when it failed."""
    if reply.error is not None:
        log.warning("hyperv_host_fact_unread", fact=key, error=reply.error.hyperv_message)
        return 0
    value = reply.output[0].get(key) if reply.output else None
    try:
        return int(value or 0)
    except (TypeError, ValueError):
        return 0


def _host(os_reply: Reply, computer: Reply) -> HostFacts:
    return HostFacts(build=_number(os_reply, "BuildNumber"),
                     logical_processors=_number(computer, "NumberOfLogicalProcessors"),
                     memory_total=_number(os_reply, "TotalVisibleMemorySize") * KIB,
                     memory_free=_number(os_reply, "FreePhysicalMemory") * KIB)


def _details(transport: Transport, rows: List[Dict[str, Any]], endpoint: str
             ) -> Dict[str, Tuple[Dict[str, Any], List[Dict[str, Any]], Tuple[str, ...]]]:
    """Processor, adapters and dfwctl's checkpoints of each VM, by Id."""
    calls = [call for row in rows for call in (
        Call.of("Get-VMProcessor", {"VM": VmRef(str(row["Id"]))}, PROCESSOR_PROPERTIES),
        Call.of("Get-VMNetworkAdapter", {"VM": VmRef(str(row["Id"]))}, ADAPTER_PROPERTIES),
        Call.of("Get-VMSnapshot", {"VM": VmRef(str(row["Id"]))}, ("Name",)))]
    replies = invoke_all(transport, calls) if calls else []
    found: Dict[str, Tuple[Dict[str, Any], List[Dict[str, Any]], Tuple[str, ...]]] = {}
    for index, row in enumerate(rows):
        processor, adapters, snapshots = replies[3 * index:3 * index + 3]
        for reply in (processor, adapters, snapshots):
            if reply.error is not None:
                raise read_error(reply.error.for_vm(str(row.get("Name"))), endpoint)
        names = tuple(str(s.get("Name")) for s in snapshots.output
                      if str(s.get("Name") or "").startswith(CHECKPOINT_PREFIX))
        found[str(row["Id"])] = (processor.output[0] if processor.output else {},
                                 list(adapters.output), names)
    return found


def gather(transport: Transport, specs: Sequence[VmSpec]) -> HyperVActual:
    endpoint = transport.endpoint
    calls = [session.CALL, Call.of("Get-VM", {}, VM_PROPERTIES),
             Call.of("Get-VMSwitch", {}, ("Name",)), *HOST_CALLS]
    replies = invoke_all(transport, calls)
    found = session.read(replies[0], endpoint)
    refused = session.refusal(found, endpoint)
    if refused is not None:
        raise refused
    vms_reply, switch_reply, os_reply, computer, cpu_reply = replies[1:]
    host = _host(os_reply, computer)
    if vms_reply.error is not None and vms_reply.error.command_missing:
        return HyperVActual(endpoint, feature_state=_feature_state(transport, vms_reply.error,
                                                                   found),
                            host=host, session=found)
    for reply in (vms_reply, switch_reply):
        if reply.error is not None:
            raise read_error(reply.error, endpoint)
    rows = list(vms_reply.output)
    switches = tuple(str(s.get("Name")) for s in switch_reply.output)
    cpu = str(cpu_reply.output[0].get("Manufacturer") or "") \
        if cpu_reply.error is None and cpu_reply.output else ""
    wanted = {s.name.casefold() for s in specs}
    counts: Dict[str, int] = {}
    for row in rows:
        key = str(row.get("Name")).casefold()
        counts[key] = counts.get(key, 0) + 1
    detailed = [r for r in rows if str(r.get("Name")).casefold() in wanted
                and counts[str(r.get("Name")).casefold()] == 1]
    by_id = _details(transport, detailed, endpoint)
    vms = tuple(_vm(row, *by_id.get(str(row.get("Id")), ({}, [], ()))) for row in rows)
    return HyperVActual(endpoint, vms=vms, switches=switches, cpu_vendor=cpu, host=host,
                        session=found)
