"""The simulated host as a table (`dfwctl simulator show`)."""
from __future__ import annotations

from typing import Any, Dict, List

from dfwctl.providers.hyperv.enums import ON_OFF_STATE, VM_STATE, enum_name
from dfwctl.providers.hyperv.model import display
from dfwctl.providers.hyperv.simulator.power import memory_free
from dfwctl.values.sizes import format_size


def _memory(vm: Dict[str, Any]) -> str:
    text = format_size(vm["MemoryStartup"])
    if vm["DynamicMemoryEnabled"]:
        text += f" (dynamic {format_size(vm['MemoryMinimum'])}-{format_size(vm['MemoryMaximum'])})"
    return text


def _adapters(vm: Dict[str, Any]) -> str:
    return "; ".join(
        f"{display(a['Name'])} -> {display(a['SwitchName'] or '(none)')}"
        + (" spoofing" if a["MacAddressSpoofing"] == ON_OFF_STATE["On"] else "")
        for a in vm["NetworkAdapters"]) or "-"


def table(doc: Dict[str, Any]) -> str:
    host = doc["host"]
    lines: List[str] = [
        f"host {host['ComputerName']}: {host['Caption']} build {host['BuildNumber']}, "
        f"Hyper-V {host['HyperVFeature']}, {host['LogicalProcessors']} logical processors, "
        f"{format_size(host['TotalPhysicalMemory'])} of memory "
        f"({format_size(memory_free(host, doc['vms']))} free), switches: "
        + ", ".join(display(s["Name"]) for s in doc["switches"])]
    rows = [("NAME", "STATE", "CPUS", "MEMORY", "NESTED", "VERSION", "CHECKPOINTS", "ADAPTERS")]
    for vm in doc["vms"]:
        rows.append((display(vm["Name"]), enum_name(VM_STATE, vm["State"]),
                     str(vm["ProcessorCount"]), _memory(vm),
                     "yes" if vm["ExposeVirtualizationExtensions"] else "no", vm["Version"],
                     str(len(vm.get("Snapshots") or [])), _adapters(vm)))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]) - 1)]
    for row in rows:
        lines.append("  ".join(c.ljust(w) for c, w in zip(row, widths)) + "  " + row[-1])
    return "\n".join(lines) + "\n"
