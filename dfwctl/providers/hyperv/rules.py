"""Validation rules for the hyperv section: what Hyper-V would refuse that the playbook alone
shows (memory sizes and their order, nested virtualization, adapters, the host)."""
from __future__ import annotations

from typing import Any, Dict, Iterator, Optional, Tuple

from dfwctl.checker import Checker
from dfwctl.errors import Diagnostic
from dfwctl.providers.hyperv.model import NESTED_MEMORY_MINIMUM
from dfwctl.schema_messages import quote
from dfwctl.tree import mapping, sequence
from dfwctl.values.sizes import MIB, format_size

Path = Tuple[Any, ...]

DOCKER_DESKTOP_VMS = ("mobylinuxvm", "dockerdesktopvm")
HYPERV_MEMORY_ALIGNMENT = 2 * MIB
HYPERV_MEMORY_MINIMUM = 32 * MIB


def rules(c: Checker) -> Iterator[Diagnostic]:
    """Every problem of the hyperv section."""
    yield from c.parse_sizes(size_paths(c))
    yield from hyperv_rule(c)


def size_paths(c: Checker) -> Iterator[Path]:
    for name, vm in mapping(c.data, "hyperv", "vms").items():
        yield ("hyperv", "vms", name, "memory")
        if isinstance(vm, dict) and isinstance(vm.get("dynamic_memory"), dict):
            yield ("hyperv", "vms", name, "dynamic_memory", "minimum")
            yield ("hyperv", "vms", name, "dynamic_memory", "maximum")


def hyperv_rule(c: Checker) -> Iterator[Diagnostic]:
    yield from hyperv_host(c)
    for name, vm in mapping(c.data, "hyperv", "vms").items():
        path = ("hyperv", "vms", name)
        if str(name).lower() in DOCKER_DESKTOP_VMS:
            yield c.error(path, (
                f"{quote(name)} is Docker Desktop's own VM, and Docker Desktop resets "
                "changes made to it with Hyper-V cmdlets: remove it here and set its cpus, "
                "memory, swap and disk under docker_desktop"), key=True)
        elif isinstance(vm, dict):
            yield from vm_memory(c, path)
            yield from vm_nested(c, path, vm)
            yield from vm_adapters(c, path, vm)


def vm_memory(c: Checker, path: Path) -> Iterator[Diagnostic]:
    startup = c.sizes.get(path + ("memory",))
    low = c.sizes.get(path + ("dynamic_memory", "minimum"))
    high = c.sizes.get(path + ("dynamic_memory", "maximum"))
    fields = ((("memory",), startup), (("dynamic_memory", "minimum"), low),
              (("dynamic_memory", "maximum"), high))
    wrong = [vm_memory_size(c, path + tail, size) for tail, size in fields if size]
    if any(wrong):
        yield from filter(None, wrong)
        return  # compare sizes only once each is right
    for small, large, tail, text in (
        (low, high, "minimum", "minimum ({0}) is more than maximum ({1})"),
        (low, startup, "minimum", "minimum ({0}) is more than the startup memory ({1})"),
        (startup, high, "maximum", "maximum ({1}) is less than the startup memory ({0})"),
    ):
        if small is not None and large is not None and small > large:
            yield c.error(path + ("dynamic_memory", tail), text.format(
                format_size(small), format_size(large)) + ": Hyper-V needs minimum <= "
                "memory <= maximum")
            return


def vm_memory_size(c: Checker, path: Path, size: int) -> Optional[Diagnostic]:
    if size < HYPERV_MEMORY_MINIMUM:
        return c.error(path, f"{format_size(size)} is less than the 32MiB Hyper-V needs: "
                          "give the VM more memory")
    if size % HYPERV_MEMORY_ALIGNMENT:
        down = size - size % HYPERV_MEMORY_ALIGNMENT
        return c.error(path, (
            f"{format_size(size)} is not a multiple of 2 MiB, which Hyper-V requires: "
            f"use {format_size(down)} or {format_size(down + HYPERV_MEMORY_ALIGNMENT)}"))
    return None


def vm_nested(c: Checker, path: Path, vm: Dict[Any, Any]) -> Iterator[Diagnostic]:
    if vm.get("nested_virtualization") is not True:
        return
    if isinstance(vm.get("dynamic_memory"), dict):
        yield c.error(path + ("dynamic_memory",), (
            "nested virtualization with dynamic memory: Microsoft's preview notes say the VM "
            "does not start, its current documentation that its memory stays at the startup "
            "amount while Hyper-V runs in it; set dynamic_memory: false"))
    startup = c.sizes.get(path + ("memory",))
    if startup is not None and startup < NESTED_MEMORY_MINIMUM:
        yield c.warning(path + ("memory",), (
            f"nested virtualization with {format_size(startup)} of memory: give the VM at "
            "least 4GiB so it can run its own VMs"))
    adapters = sequence(vm, "network_adapters")
    if not any(isinstance(a, dict) and a.get("mac_address_spoofing") is True
               for a in adapters):
        yield c.warning(path + ("nested_virtualization",), (
            "no network adapter has mac_address_spoofing: true, so the VM's own guests "
            "get no network: set it on the adapter they use"))


def vm_adapters(c: Checker, path: Path, vm: Dict[Any, Any]) -> Iterator[Diagnostic]:
    adapters = sequence(vm, "network_adapters")
    if len(adapters) < 2:
        return
    seen: Dict[str, int] = {}
    for index, adapter in enumerate(adapters):
        if isinstance(adapter, dict) and "name" not in adapter:
            yield c.error(path + ("network_adapters", index), (
                f"this VM has {len(adapters)} adapters, so each needs a name: add the "
                "name Hyper-V shows for this one, e.g. name: Network Adapter"))
        elif isinstance(adapter, dict) and isinstance(adapter.get("name"), str):
            key = adapter["name"].casefold()
            if key in seen:
                yield c.error(path + ("network_adapters", index, "name"), (
                    f"adapter {quote(adapter['name'])} is already listed as "
                    f"network_adapters[{seen[key]}]: merge the two entries"))
            seen.setdefault(key, index)


def hyperv_host(c: Checker) -> Iterator[Diagnostic]:
    host = mapping(c.data, "hyperv").get("host")
    path = ("hyperv", "host")
    if not isinstance(host, str) or not host.startswith("winrm://") or not c.ok(path):
        return  # only winrm://user@host[:port] names a port
    port = host.rpartition(":")[2]  # the schema allows no other colon after winrm://
    if port.isdigit() and not 0 < int(port) < 65536:
        yield c.error(path, f"port {port} is not a TCP port (1 to 65535): WinRM listens "
                         "on 5986 (HTTPS) or 5985 (HTTP)")

# Docker Desktop ---------------------------------------------------------------------
