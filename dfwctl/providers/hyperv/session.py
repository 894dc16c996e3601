"""The PowerShell session a Hyper-V host is reached through, read by the first call of every
gather (invoke.ps1's Get-DfwctlSession), and what it means for dfwctl.

Hyper-V answers a user who is neither elevated nor in Hyper-V Administrators with empty lists,
not an error [EMPTY], so a session without either is named as such before any VM is looked
up. A 32-bit PowerShell on 64-bit Windows has no Hyper-V module (it is 64-bit only). The
PowerShell 7 package from the Microsoft Store (MSIX, under WindowsApps) cannot run the DISM
cmdlets: Get-WindowsOptionalFeature fails with "Class not registered" [MSIX]. Windows 10 and
later list two Hyper-V modules (2.0.0.0, and 1.1 for older hosts) [TWO]; invoke.ps1 loads
the highest.

[EMPTY] microsoft/devhome#2476 (no VMs listed outside Hyper-V Administrators); containers/libhvee#224
[MSIX] https://github.com/PowerShell/PowerShell/issues/13866
[TWO] pluralsight/PS-AutoLab-Env#239 (`Get-Module Hyper-V -ListAvailable`: 2.0.0.0 and 1.1)
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Optional, Tuple

from dfwctl.errors import DfwctlError
from dfwctl.providers.hyperv.transport import Call, Reply

PROPERTIES = ("PSVersion", "PSEdition", "PSHome", "ComputerName", "UserName", "Elevated",
              "HyperVAdministrator", "LanguageMode", "ExecutionPolicy", "MachinePolicy",
              "UserPolicy", "Is64BitProcess", "Is64BitOperatingSystem", "HyperVModules")
CALL = Call.of("Get-DfwctlSession", {}, PROPERTIES)
GROUP_POLICY = ("MachinePolicy", "UserPolicy")
ELEVATE = ("run dfwctl from an elevated prompt (Run as administrator), or add the user to the "
           "Hyper-V Administrators group (net localgroup \"Hyper-V Administrators\" USER /add), "
           "then sign out and in again")


@dataclass(frozen=True)
class Session:
    ps_version: str = ""
    ps_edition: str = "Desktop"  # Desktop (Windows PowerShell 5.1) | Core (PowerShell 7)
    ps_home: str = ""  # where PowerShell is installed
    computer: str = ""
    user: str = ""
    elevated: bool = True
    hyperv_administrator: bool = False
    language_mode: str = "FullLanguage"
    execution_policy: str = ""  # the effective one
    group_policy: str = ""  # the execution policy Group Policy sets ("" when none)
    process_64bit: bool = True
    os_64bit: bool = True
    hyperv_modules: Tuple[str, ...] = ()  # versions listed, highest first

    @property
    def permitted(self) -> bool:
        """Whether Hyper-V shows this session its VMs."""
        return self.elevated or self.hyperv_administrator

    @property
    def store(self) -> bool:
        """PowerShell 7 from the Microsoft Store (an MSIX package under WindowsApps)."""
        return self.ps_edition == "Core" and "\\windowsapps\\" in self.ps_home.lower()

    @property
    def wow64(self) -> bool:
        """A 32-bit PowerShell on 64-bit Windows."""
        return self.os_64bit and not self.process_64bit

    @property
    def hyperv_module(self) -> str:
        """The version invoke.ps1 loads: the highest listed ("" when none)."""
        return self.hyperv_modules[0] if self.hyperv_modules else ""


def _version_key(text: str) -> Tuple[int, ...]:
    try:
        return tuple(int(part) for part in text.split("."))
    except ValueError:
        return (0,)


def _flag(row: Mapping[str, Any], key: str, default: bool) -> bool:
    value = row.get(key)
    return default if value is None else bool(value)


def parse(row: Mapping[str, Any]) -> Session:
    """Get-DfwctlSession's output row -> Session (missing facts take the harmless default)."""
    policies = [str(row.get(k) or "") for k in GROUP_POLICY]
    raw_modules = row.get("HyperVModules") or ()
    modules = [str(raw_modules)] if isinstance(raw_modules, str) else [str(m) for m in raw_modules]
    return Session(
        ps_version=str(row.get("PSVersion") or ""),
        ps_edition=str(row.get("PSEdition") or "Desktop"),
        ps_home=str(row.get("PSHome") or ""),
        computer=str(row.get("ComputerName") or ""),
        user=str(row.get("UserName") or ""),
        elevated=_flag(row, "Elevated", True),
        hyperv_administrator=_flag(row, "HyperVAdministrator", False),
        language_mode=str(row.get("LanguageMode") or "FullLanguage"),
        execution_policy=str(row.get("ExecutionPolicy") or ""),
        group_policy=next((p for p in policies if p and p != "Undefined"), ""),
        process_64bit=_flag(row, "Is64BitProcess", True),
        os_64bit=_flag(row, "Is64BitOperatingSystem", True),
        hyperv_modules=tuple(sorted(modules, key=_version_key, reverse=True)),
    )


def read(reply: Reply, endpoint: str) -> Session:
    """The session from the reply to CALL; DfwctlError when it cannot be read."""
    if reply.error is not None:
        raise DfwctlError(f"cannot read the PowerShell session on {endpoint}: "
                          f"{reply.error.hyperv_message.strip()}")
    return parse(reply.output[0] if reply.output else {})


def _who(session: Session) -> str:
    return f"user {session.user}" if session.user else "the user"


def refusal(session: Session, endpoint: str) -> Optional[DfwctlError]:
    """What keeps this session from managing Hyper-V at all, as the error to report."""
    if session.wow64:
        return DfwctlError(
            f"PowerShell on {endpoint} runs as a 32-bit process ({session.ps_home or 'WOW64'}), "
            "which has no Hyper-V module (it is 64-bit only)",
            "run dfwctl with a 64-bit Python, or set DFWCTL_POWERSHELL to the 64-bit "
            "PowerShell (%SystemRoot%\\Sysnative\\WindowsPowerShell\\v1.0\\powershell.exe from "
            "a 32-bit process)")
    if not session.permitted:
        return DfwctlError(
            f"the PowerShell session on {endpoint} is not elevated, and {_who(session)} is not "
            "in the Hyper-V Administrators group: Hyper-V shows such a session no VMs and "
            "refuses its changes", ELEVATE)
    return None


def store_hint(session: Session) -> str:
    """Why the feature (DISM) cmdlets fail in this session, or ""."""
    if not session.store:
        return ""
    return (f"this is PowerShell {session.ps_version} from the Microsoft Store "
            f"({session.ps_home}), whose package cannot run the DISM cmdlets "
            "(Get-/Enable-WindowsOptionalFeature: 'Class not registered'); use Windows "
            "PowerShell (unset DFWCTL_POWERSHELL: powershell.exe is the default on Windows), or "
            "PowerShell 7 installed with its MSI or winget")
