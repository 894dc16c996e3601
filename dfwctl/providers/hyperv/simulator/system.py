"""The simulated host's Windows: the Hyper-V feature (DISM), CIM classes, modules, and the
PowerShell session invoke.ps1 reports (a part of cmdlets.Host)."""
from __future__ import annotations

from typing import Any, Dict, List

from dfwctl.providers.hyperv.model import version_tuple
from dfwctl.providers.hyperv.simulator import errors as E
from dfwctl.providers.hyperv.simulator.power import memory_free
from dfwctl.providers.hyperv.simulator.wildcard import matches

HYPERV_FEATURES = ("Microsoft-Hyper-V", "Microsoft-Hyper-V-All")
Bound = Dict[str, Any]
Rows = List[Dict[str, Any]]


class System:
    state: Dict[str, Any]
    host: Dict[str, Any]

    def store(self) -> bool:
        return self.host["PSEdition"] == "Core" and "\\windowsapps\\" in str(
            self.host["PSHome"]).lower()

    def modules(self) -> List[str]:
        return [v.strip() for v in str(self.host["HyperVModule"]).split(",") if v.strip()]

    def hyperv_module(self) -> bool:
        return (self.host["HyperVFeature"] == "Enabled" and bool(self.modules())
                and bool(self.host["PSProcess64Bit"]))

    def do_get_windowsoptionalfeature(self, cmdlet: str, bound: Bound) -> Rows:
        if not self.host["Elevated"]:
            raise E.needs_elevation(cmdlet)
        name = bound.get("FeatureName", "")
        if name not in HYPERV_FEATURES or "Home" in self.host["Caption"]:
            return []
        state = self.host["HyperVFeature"]
        return [{"FeatureName": name, "State": state, "RestartNeeded": state == "EnablePending"}]

    def do_enable_windowsoptionalfeature(self, cmdlet: str, bound: Bound) -> Rows:
        if not self.host["Elevated"]:
            raise E.needs_elevation(cmdlet)
        for name in bound.get("FeatureName", []):
            if name not in HYPERV_FEATURES or "Home" in self.host["Caption"]:
                raise E.CmdletError(f"Feature name {name} is unknown.", "NotSpecified",
                                    "Microsoft.Dism.Commands.EnableWindowsOptionalFeatureCommand",
                                    "COMException")
        if self.host["HyperVFeature"] != "Enabled":
            self.host["HyperVFeature"] = "EnablePending"
        return [{"Online": True, "RestartNeeded": self.host["HyperVFeature"] == "EnablePending"}]

    def do_get_ciminstance(self, cmdlet: str, bound: Bound) -> Rows:
        h = self.host
        hypervisor = h["HyperVFeature"] == "Enabled" and h["VirtualizationFirmwareEnabled"]
        # With a hypervisor running, Win32_Processor reports the extensions as unavailable.
        firmware = h["VirtualizationFirmwareEnabled"] and not hypervisor
        kib = 1024
        classes = {
            "win32_operatingsystem": {
                "Caption": h["Caption"], "BuildNumber": h["BuildNumber"], "Version": h["Version"],
                "OSArchitecture": "64-bit",
                "TotalVisibleMemorySize": int(h["TotalPhysicalMemory"]) // kib,
                "FreePhysicalMemory": memory_free(h, self.state["vms"]) // kib},
            "win32_processor": {"Manufacturer": h["Manufacturer"],
                                "VirtualizationFirmwareEnabled": firmware,
                                "SecondLevelAddressTranslationExtensions": firmware,
                                "VMMonitorModeExtensions": firmware},
            "win32_computersystem": {"Name": h["ComputerName"], "HypervisorPresent": hypervisor,
                                     "NumberOfLogicalProcessors": int(h["LogicalProcessors"])},
        }
        found = classes.get(bound.get("ClassName", "").lower())
        if found is None:
            raise E.CmdletError("Invalid class ", "MetadataError",
                                "HRESULT 0x80041010,Microsoft.Management.Infrastructure.CimCmdlets."
                                "GetCimInstanceCommand", "CimException")
        return [found]

    def do_get_module(self, cmdlet: str, bound: Bound) -> Rows:
        wanted = bound.get("Name", ["*"])
        if self.hyperv_module() and any(matches(p, "Hyper-V") for p in wanted):
            return [{"Name": "Hyper-V", "Version": v} for v in self.modules()]
        return []

    def do_get_dfwctlsession(self, cmdlet: str, bound: Bound) -> Rows:
        """invoke.ps1's Get-DfwctlSession (the highest Hyper-V module first)."""
        h = self.host
        modules = sorted(self.modules(), key=version_tuple, reverse=True) \
            if self.hyperv_module() else []
        return [{"PSVersion": h["PSVersion"], "PSEdition": h["PSEdition"], "PSHome": h["PSHome"],
                 "OS": "Windows_NT", "ComputerName": h["ComputerName"],
                 "UserName": h["UserName"], "Elevated": h["Elevated"],
                 "HyperVAdministrator": h["HyperVAdministrator"],
                 "LanguageMode": h["LanguageMode"],
                 "ExecutionPolicy": "Bypass" if h["MachinePolicy"] == h["UserPolicy"] == "Undefined"
                 else next(p for p in (h["MachinePolicy"], h["UserPolicy"]) if p != "Undefined"),
                 "MachinePolicy": h["MachinePolicy"], "UserPolicy": h["UserPolicy"],
                 "Is64BitProcess": h["PSProcess64Bit"], "Is64BitOperatingSystem": True,
                 "HyperVModules": modules}]
