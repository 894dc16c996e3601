"""What the drive letters of bind mounts are on this Windows machine: a local disk, a mapped
network drive, a `subst` drive (a letter standing for a folder), or no drive at all. Docker
Desktop shares none but local drives. Elsewhere nothing is probed (an empty answer)."""
from __future__ import annotations

import sys
from typing import Dict, Iterable, Optional

from dfwctl.providers.desktop.model import DriveInfo

# GetDriveTypeW results.
_TYPES = {0: "unknown", 1: "missing", 2: "removable", 3: "fixed", 4: "network", 5: "cdrom",
          6: "ramdisk"}


def subst_target(device: str) -> Optional[str]:
    """The folder a subst drive stands for, from its DOS device text (QueryDosDeviceW):
    `\\??\\C:\\work\\src` -> `C:\\work\\src`; None for a real device like
    `\\Device\\HarddiskVolume3`."""
    if device.startswith("\\??\\") and device[5:6] == ":":
        return device[4:]
    return None


def probe(letters: Iterable[str], platform: str = sys.platform) -> Dict[str, DriveInfo]:
    if platform != "win32":
        return {}
    return {letter: _probe_one(letter) for letter in sorted({x.upper() for x in letters})}


def _probe_one(letter: str) -> DriveInfo:  # pragma: no cover -- Windows only
    import ctypes
    from ctypes import wintypes

    # ctypes.WinDLL exists only on Windows, and the platform check is on probe()'s `platform`
    # parameter, which mypy cannot narrow on (unused-ignore: mypy --platform win32 has it).
    kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)  # type: ignore[attr-defined,unused-ignore]
    kind = _TYPES.get(kernel32.GetDriveTypeW(f"{letter}:\\"), "unknown")
    buffer = ctypes.create_unicode_buffer(1024)
    target = None
    subst = False
    if kernel32.QueryDosDeviceW(f"{letter}:", buffer, len(buffer)):
        target = subst_target(buffer.value)
        subst = target is not None
    if kind == "network":
        mpr = ctypes.WinDLL("mpr")  # type: ignore[attr-defined,unused-ignore]  # as above
        size = wintypes.DWORD(len(buffer))
        if mpr.WNetGetConnectionW(f"{letter}:", buffer, ctypes.byref(size)) == 0:
            target = buffer.value
    return DriveInfo(letter, kind, target, subst)
