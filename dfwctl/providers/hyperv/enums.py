"""Hyper-V's enums (Microsoft.HyperV.PowerShell, module 2.0.0.0) and reading them back.

invoke.ps1 sends enum values by name; numbers are accepted too (what a plain ConvertTo-Json
gives). VMState numbers above 32782 differ between Windows versions, so they are only read
by name: a number there is an unknown state, which dfwctl does not act on.
"""
from __future__ import annotations

from typing import Any, Dict, Optional

VM_STATE: Dict[str, int] = {
    "Other": 1, "Running": 2, "Off": 3, "Stopping": 4, "Saved": 6, "Paused": 9,
    "Starting": 10, "Reset": 11, "Saving": 32773, "Pausing": 32776, "Resuming": 32777,
    "FastSaved": 32779, "FastSaving": 32780, "ForceShutdown": 32781, "ForceReboot": 32782,
    # Module 2.0.0.0 numbering from here on (older hosts number these differently):
    "Hibernated": 32783, "ComponentServicing": 32784, "RunningCritical": 32785,
    "OffCritical": 32786, "StoppingCritical": 32787, "SavedCritical": 32788,
    "PausedCritical": 32789, "StartingCritical": 32790, "ResetCritical": 32791,
    "SavingCritical": 32792, "PausingCritical": 32793, "ResumingCritical": 32794,
    "FastSavedCritical": 32795, "FastSavingCritical": 32796,
}
STABLE_VM_STATE_LIMIT = 32782  # numbers up to here mean the same on every Windows version

ON_OFF_STATE: Dict[str, int] = {"On": 0, "Off": 1}
CHECKPOINT_TYPE: Dict[str, int] = {"Disabled": 2, "Production": 3, "ProductionOnly": 4,
                                   "Standard": 5}
VM_SWITCH_TYPE: Dict[str, int] = {"Private": 0, "Internal": 1, "External": 2}
VM_HEARTBEAT: Dict[str, int] = {
    "Unknown": 0, "Disabled": 1, "NoContact": 2, "Error": 3, "LostCommunication": 4,
    "OkApplicationsUnknown": 5, "OkApplicationsHealthy": 6, "OkApplicationsCritical": 7,
    "Paused": 8,
}

# Every enum-typed property dfwctl reads, by the property's name.
ENUM_PROPERTIES: Dict[str, Dict[str, int]] = {
    "State": VM_STATE,
    "MacAddressSpoofing": ON_OFF_STATE,
    "SwitchType": VM_SWITCH_TYPE,
    "Heartbeat": VM_HEARTBEAT,
    "CheckpointType": CHECKPOINT_TYPE,
}


def enum_name(table: Dict[str, int], value: Any, limit: Optional[int] = None) -> str:
    """The member name of `value` (a name, any case, or a number). Unknown values come back
    as "Unknown(<value>)"."""
    if isinstance(value, bool):
        return f"Unknown({value})"
    if isinstance(value, int):
        if limit is None or value <= limit:
            for name, number in table.items():
                if number == value:
                    return name
        return f"Unknown({value})"
    text = str(value)
    for name in table:
        if name.lower() == text.lower():
            return name
    return f"Unknown({text})"


def vm_state(value: Any) -> str:
    return enum_name(VM_STATE, value, STABLE_VM_STATE_LIMIT)


def on_off(value: Any) -> Optional[bool]:
    """OnOffState -> True (On) / False (Off) / None (unknown)."""
    name = enum_name(ON_OFF_STATE, value)
    return {"On": True, "Off": False}.get(name)


def is_critical(state: str) -> bool:
    return state.endswith("Critical")
