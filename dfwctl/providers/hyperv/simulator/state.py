"""The simulated host's state: one JSON file, changed under a file lock, written atomically.

VMs are kept as Hyper-V's objects look (property names as Get-VM shows them, enums as their
numbers, memory in bytes), so the file reads like `Get-VM | ConvertTo-Json` would.
"""
from __future__ import annotations

import contextlib
import json
import os
import sys
import threading
import uuid
from pathlib import Path
from typing import Any, Dict, Iterator, Optional

from dfwctl.errors import DfwctlError

FORMAT = "dfwctl-hyperv-simulator/1"
DEFAULT_SWITCH = "Default Switch"

GIB = 1024 ** 3
DEFAULT_HOST: Dict[str, Any] = {
    "ComputerName": "HV-SIMULATOR",
    "Caption": "Microsoft Windows 10 Enterprise",
    "BuildNumber": "19045",
    "Version": "10.0.19045",
    "HyperVFeature": "Enabled",  # Enabled | Disabled | EnablePending
    # Hyper-V module versions listed, comma-separated ("" when the module is not installed):
    # Windows 10 lists 2.0.0.0 and, for older hosts, 1.1.
    "HyperVModule": "2.0.0.0,1.1",
    "Manufacturer": "GenuineIntel",
    "LogicalProcessors": 16,
    "TotalPhysicalMemory": 32 * GIB,  # bytes
    "HostMemoryInUse": 6 * GIB,  # bytes the host itself holds; VMs hold what they are assigned
    # What Start-VM does with nested virtualization and dynamic memory both on: Fixed (current
    # documentation: it starts, its memory does not move) | Refuse (2015 preview notes).
    "NestedDynamicMemory": "Fixed",
    "VirtualizationFirmwareEnabled": True,  # VT-x/AMD-V on in the firmware
    "UserName": "HV-SIMULATOR\\chicken",
    "Elevated": True,
    "HyperVAdministrator": False,
    # The PowerShell that runs invoke.ps1:
    "PSVersion": "5.1.19041.5607",
    "PSEdition": "Desktop",  # Desktop | Core
    "PSHome": "C:\\Windows\\System32\\WindowsPowerShell\\v1.0",  # under WindowsApps: the Store's
    "PSProcess64Bit": True,  # false: the 32-bit PowerShell (SysWOW64), which has no Hyper-V module
    "LanguageMode": "FullLanguage",  # ConstrainedLanguage under AppLocker or WDAC
    "MachinePolicy": "Undefined",  # execution policy set by Group Policy (overrides -ExecutionPolicy)
    "UserPolicy": "Undefined",
    "OEMCodePage": 437,  # what PowerShell writes to a redirected stderr in
    "UICulture": "en-US",  # the language of PowerShell's own messages (en-US | de-DE)
}
# A VM's own facts beyond what Get-VM shows, with their defaults (older state files lack them).
DEFAULT_VM: Dict[str, Any] = {
    "CheckpointType": 3,  # Production
    "Snapshots": [],
    "ShutdownService": True,  # the guest's shutdown integration service answers
    "ShutdownHangs": 0,  # shutdown requests the guest ignores (each one times out)
    "LastStop": "",  # how it was last stopped: Shutdown | TurnOff | Forced (Stop-VM -Force)
}

_THREAD_LOCK = threading.Lock()


def new_guid() -> str:
    return str(uuid.uuid4())


def new_state() -> Dict[str, Any]:
    return {
        "format": FORMAT,
        "host": dict(DEFAULT_HOST),
        "switches": [{"Name": DEFAULT_SWITCH, "Id": new_guid(), "SwitchType": 1}],
        "vms": [],
    }


def new_mac(index: int) -> str:
    return "00155D" + uuid.uuid4().hex[:4].upper() + f"{index % 256:02X}"


def read(path: Path) -> Dict[str, Any]:
    try:
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DfwctlError(f"no simulated Hyper-V host at {path}",
                          f"create one with: dfwctl simulator seed {path} --vm NAME") from None
    except (OSError, ValueError) as exc:
        raise DfwctlError(f"{path}: not a readable simulator state ({exc})") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise DfwctlError(f"{path}: not a dfwctl Hyper-V simulator state ({FORMAT})")
    for key, value in DEFAULT_HOST.items():
        doc.setdefault("host", {}).setdefault(key, value)
    for vm in doc.get("vms") or []:
        for key, value in DEFAULT_VM.items():
            vm.setdefault(key, json.loads(json.dumps(value)))
    return doc


def write(path: Path, doc: Dict[str, Any]) -> None:
    path = Path(path)
    temp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    temp.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(temp, path)


@contextlib.contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    lock_path = Path(path).with_name(Path(path).name + ".lock")
    with _THREAD_LOCK, open(lock_path, "a+b") as handle:
        if sys.platform == "win32":
            import msvcrt

            handle.seek(0)
            msvcrt.locking(handle.fileno(), msvcrt.LK_LOCK, 1)
            try:
                yield
            finally:
                handle.seek(0)
                msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)
        else:
            import fcntl

            fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _make_folder(path: Path) -> None:
    """The folder a new state file goes in, made when missing (as `mkdir -p`)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DfwctlError(f"cannot make the folder {path.parent} for the simulated host: "
                          f"{exc.strerror or exc}",
                          "pick a path in a folder you can write to") from None
    if path.is_dir():
        raise DfwctlError(f"{path} is a folder: give the simulated host's file a name, "
                          f"like {path / 'hyperv.json'}")


@contextlib.contextmanager
def transaction(path: Path, create: bool = False) -> Iterator[Dict[str, Any]]:
    """The state, locked; written back when the block ends without an exception."""
    path = Path(path)
    if create:
        _make_folder(path)
    elif not path.exists():
        read(path)  # says there is no simulated host there, and how to make one
    with _file_lock(path):
        if create and not path.exists():
            doc = new_state()
        else:
            doc = read(path)
        before = json.dumps(doc, sort_keys=True)
        yield doc
        if create or json.dumps(doc, sort_keys=True) != before:
            write(path, doc)


def find_vm(doc: Dict[str, Any], name: str) -> Optional[Dict[str, Any]]:
    return next((vm for vm in doc["vms"] if vm["Name"] == name), None)
