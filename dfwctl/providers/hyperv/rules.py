"""Validation rules for the hyperv section (mixed into validate._Rules, which provides
self.data, self.ok, self.error and self.warning)."""
from __future__ import annotations

from typing import Iterator, Optional

from dfwctl.errors import Diagnostic
from dfwctl.schema_messages import quote
from dfwctl.tree import mapping, sequence
from dfwctl.values.sizes import GIB, MIB, format_size

Path = tuple

DOCKER_DESKTOP_VMS = ("mobylinuxvm", "dockerdesktopvm")
HYPERV_MEMORY_ALIGNMENT = 2 * MIB
HYPERV_MEMORY_MINIMUM = 32 * MIB
NESTED_MEMORY_MINIMUM = 4 * GIB


class HyperVRules:
    def hyperv_rule(self) -> Iterator[Diagnostic]:
        yield from self.hyperv_host()
        for name, vm in mapping(self.data, "hyperv", "vms").items():
            path = ("hyperv", "vms", name)
            if str(name).lower() in DOCKER_DESKTOP_VMS:
                yield self.error(path, (
                    f"{quote(name)} is Docker Desktop's own VM, and Docker Desktop resets "
                    "changes made to it with Hyper-V cmdlets: remove it here and set its cpus, "
                    "memory, swap and disk under docker_desktop"), key=True)
            elif isinstance(vm, dict):
                yield from self.vm_memory(path, vm)
                yield from self.vm_nested(path, vm)
                yield from self.vm_adapters(path, vm)

    def vm_memory(self, path: Path, vm: dict) -> Iterator[Diagnostic]:
        startup = self.sizes.get(path + ("memory",))
        low = self.sizes.get(path + ("dynamic_memory", "minimum"))
        high = self.sizes.get(path + ("dynamic_memory", "maximum"))
        fields = ((("memory",), startup), (("dynamic_memory", "minimum"), low),
                  (("dynamic_memory", "maximum"), high))
        wrong = [self.vm_memory_size(path + tail, size) for tail, size in fields if size]
        if any(wrong):
            yield from filter(None, wrong)
            return  # compare sizes only once each is right
        for small, large, tail, text in (
            (low, high, "minimum", "minimum ({0}) is more than maximum ({1})"),
            (low, startup, "minimum", "minimum ({0}) is more than the startup memory ({1})"),
            (startup, high, "maximum", "maximum ({1}) is less than the startup memory ({0})"),
        ):
            if small is not None and large is not None and small > large:
                yield self.error(path + ("dynamic_memory", tail), text.format(
                    format_size(small), format_size(large)) + ": Hyper-V needs minimum <= "
                    "memory <= maximum")
                return

    def vm_memory_size(self, path: Path, size: int) -> Optional[Diagnostic]:
        if size < HYPERV_MEMORY_MINIMUM:
            return self.error(path, f"{format_size(size)} is less than the 32MiB Hyper-V needs: "
                              "give the VM more memory")
        if size % HYPERV_MEMORY_ALIGNMENT:
            down = size - size % HYPERV_MEMORY_ALIGNMENT
            return self.error(path, (
                f"{format_size(size)} is not a multiple of 2 MiB, which Hyper-V requires: "
                f"use {format_size(down)} or {format_size(down + HYPERV_MEMORY_ALIGNMENT)}"))
        return None

    def vm_nested(self, path: Path, vm: dict) -> Iterator[Diagnostic]:
        if vm.get("nested_virtualization") is not True:
            return
        if isinstance(vm.get("dynamic_memory"), dict):
            yield self.error(path + ("dynamic_memory",), "nested virtualization with dynamic "
                             "memory: the VM would not boot; set dynamic_memory: false")
        startup = self.sizes.get(path + ("memory",))
        if startup is not None and startup < NESTED_MEMORY_MINIMUM:
            yield self.warning(path + ("memory",), (
                f"nested virtualization with {format_size(startup)} of memory: give the VM at "
                "least 4GiB so it can run its own VMs"))
        adapters = sequence(vm, "network_adapters")
        if not any(isinstance(a, dict) and a.get("mac_address_spoofing") is True
                   for a in adapters):
            yield self.warning(path + ("nested_virtualization",), (
                "no network adapter has mac_address_spoofing: true, so the VM's own guests "
                "get no network: set it on the adapter they use"))

    def vm_adapters(self, path: Path, vm: dict) -> Iterator[Diagnostic]:
        adapters = sequence(vm, "network_adapters")
        if len(adapters) < 2:
            return
        seen: dict = {}
        for index, adapter in enumerate(adapters):
            if isinstance(adapter, dict) and "name" not in adapter:
                yield self.error(path + ("network_adapters", index), (
                    f"this VM has {len(adapters)} adapters, so each needs a name: add the "
                    "name Hyper-V shows for this one, e.g. name: Network Adapter"))
            elif isinstance(adapter, dict) and isinstance(adapter.get("name"), str):
                key = adapter["name"].casefold()
                if key in seen:
                    yield self.error(path + ("network_adapters", index, "name"), (
                        f"adapter {quote(adapter['name'])} is already listed as "
                        f"network_adapters[{seen[key]}]: merge the two entries"))
                seen.setdefault(key, index)

    def hyperv_host(self) -> Iterator[Diagnostic]:
        host = mapping(self.data, "hyperv").get("host")
        path = ("hyperv", "host")
        if not isinstance(host, str) or not self.ok(path):
            return
        port = host.rpartition(":")[2] if host.startswith("winrm://") else ""
        if port.isdigit() and not 0 < int(port) < 65536:
            yield self.error(path, f"port {port} is not a TCP port (1 to 65535): WinRM listens "
                             "on 5986 (HTTPS) or 5985 (HTTP)")

    # Docker Desktop ---------------------------------------------------------------------
