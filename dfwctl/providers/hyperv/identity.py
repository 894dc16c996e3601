"""Which Hyper-V VM the machine dfwctl runs on is, if any: what Hyper-V tells every guest
through its integration services (Key-Value Pair Exchange). A plan that would stop that VM
would stop dfwctl halfway through, so the Hyper-V diff refuses it.

Windows guests have it in the registry (HKLM\\SOFTWARE\\Microsoft\\Virtual Machine\\Guest\\
Parameters: VirtualMachineId, VirtualMachineName, HostName); Linux guests in the KVP daemon's
pool 3 (/var/lib/hyperv/.kvp_pool_3: records of a 512-byte key and a 2048-byte value, each
NUL-padded UTF-8). DFWCTL_KVP_POOL names another pool file. Anything unreadable means "not a
Hyper-V guest, as far as dfwctl can tell"."""
from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from typing import Dict, Mapping, Optional

KVP_POOL = "/var/lib/hyperv/.kvp_pool_3"
ENV_POOL = "DFWCTL_KVP_POOL"
KEY_SIZE, VALUE_SIZE = 512, 2048
REGISTRY_KEY = r"SOFTWARE\Microsoft\Virtual Machine\Guest\Parameters"


@dataclass(frozen=True)
class GuestIdentity:
    vm_id: str
    vm_name: str
    host: str  # the Hyper-V host's computer name

    def is_vm(self, vm_id: str, vm_name: str) -> bool:
        if self.vm_id and vm_id:
            return self.vm_id.strip("{}").lower() == vm_id.strip("{}").lower()
        return bool(self.vm_name) and self.vm_name.casefold() == vm_name.casefold()


def parse_pool(data: bytes) -> Dict[str, str]:
    """The records of a KVP pool file."""
    size = KEY_SIZE + VALUE_SIZE
    found: Dict[str, str] = {}
    for start in range(0, len(data) - size + 1, size):
        key = data[start:start + KEY_SIZE].split(b"\0", 1)[0].decode("utf-8", "replace")
        value = data[start + KEY_SIZE:start + size].split(b"\0", 1)[0].decode("utf-8", "replace")
        if key:
            found[key] = value
    return found


def encode_pool(values: Mapping[str, str]) -> bytes:
    """A KVP pool file holding `values` (what the KVP daemon writes)."""
    return b"".join(k.encode().ljust(KEY_SIZE, b"\0") + v.encode().ljust(VALUE_SIZE, b"\0")
                    for k, v in values.items())


def _from_values(values: Mapping[str, str]) -> Optional[GuestIdentity]:
    vm_id, name = values.get("VirtualMachineId", ""), values.get("VirtualMachineName", "")
    if not vm_id and not name:
        return None
    host = values.get("PhysicalHostNameFullyQualified") or values.get("PhysicalHostName") or \
        values.get("HostName", "")
    return GuestIdentity(vm_id, name, host)


if sys.platform == "win32":  # pragma: no cover -- Windows only
    import winreg

    def _registry() -> Dict[str, str]:
        values: Dict[str, str] = {}
        try:
            with winreg.OpenKey(winreg.HKEY_LOCAL_MACHINE, REGISTRY_KEY) as key:
                for name in ("VirtualMachineId", "VirtualMachineName", "HostName",
                             "PhysicalHostName", "PhysicalHostNameFullyQualified"):
                    try:
                        values[name] = str(winreg.QueryValueEx(key, name)[0])
                    except OSError:
                        pass
        except OSError:
            pass
        return values
else:
    def _registry() -> Dict[str, str]:
        return {}


def this_machine(environ: Optional[Mapping[str, str]] = None,
                 platform: str = sys.platform) -> Optional[GuestIdentity]:
    """The VM dfwctl runs in, or None on a physical machine (or one that does not say)."""
    environ = os.environ if environ is None else environ
    pool = environ.get(ENV_POOL)
    if platform == "win32" and not pool:
        return _from_values(_registry())
    try:
        with open(pool or KVP_POOL, "rb") as handle:
            return _from_values(parse_pool(handle.read()))
    except OSError:
        return None
