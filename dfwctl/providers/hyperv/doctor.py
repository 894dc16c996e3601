"""`dfwctl doctor`: can this host run what the playbook asks of Hyper-V? Checks are data
(one pass/fail/skip line each, with a hint when one fails); render() makes the text."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Sequence, Tuple

from dfwctl.errors import DfwctlError
from dfwctl.providers.hyperv import session
from dfwctl.providers.hyperv.model import (
    FEATURE,
    NESTED_MIN_BUILD,
    HyperVActual,
    VmSpec,
    display,
    nested_min_version,
    version_tuple,
)
from dfwctl.providers.hyperv.transport import Call, Reply, Transport, invoke_all
from dfwctl.values.sizes import format_size

PASS, FAIL, SKIP, WARN = "pass", "fail", "skip", "warn"
MIN_BUILD = 10586  # Windows 10 1511: Hyper-V containers and Docker for Windows
KIB = 1024


@dataclass(frozen=True)
class Check:
    name: str
    status: str  # pass | fail | skip
    detail: str
    hint: str = ""


Section = Tuple[str, List[Check]]  # a report section: its title and its checks

HOST_CALLS = (
    session.CALL,
    Call.of("Get-CimInstance", {"ClassName": "Win32_OperatingSystem"},
            ("Caption", "BuildNumber", "TotalVisibleMemorySize", "FreePhysicalMemory")),
    Call.of("Get-CimInstance", {"ClassName": "Win32_Processor"},
            ("Manufacturer", "VirtualizationFirmwareEnabled",
             "SecondLevelAddressTranslationExtensions")),
    Call.of("Get-CimInstance", {"ClassName": "Win32_ComputerSystem"},
            ("HypervisorPresent", "NumberOfLogicalProcessors")),
    Call.of("Get-Module", {"ListAvailable": True, "Name": ["Hyper-V"]}, ("Name", "Version")),
    Call.of("Get-WindowsOptionalFeature", {"Online": True, "FeatureName": FEATURE}, ("State",)),
)


def _first(reply: Reply) -> Dict[str, Any]:
    return reply.output[0] if reply.output else {}


def _error(reply: Reply) -> str:
    return reply.error.hyperv_message.strip().splitlines()[0] if reply.error else ""


def host_checks(transport: Transport) -> Tuple[List[Check], int]:
    """The host's checks, and its Windows build (0 when unknown)."""
    try:
        replies = invoke_all(transport, HOST_CALLS)
    except DfwctlError as exc:
        skipped = [Check(n, SKIP, "needs PowerShell") for n in (
            "execution policy", "elevation", "Windows edition and build", "host resources",
            "virtualization in firmware", "Hyper-V PowerShell module", "Hyper-V feature")]
        return [Check("PowerShell", FAIL, exc.message, exc.hint or "")] + skipped, 0
    about, system, cpu, computer, module, feature = replies
    found = session.parse(_first(about))
    build = str(_first(system).get("BuildNumber") or "0")
    return [_powershell(about, found), _policy(found), _elevation(found), _windows(system),
            _resources(system, computer), _firmware(cpu, computer), _module(module),
            _feature(feature, module, found)], int(build) if build.isdigit() else 0


def _powershell(reply: Reply, found: session.Session) -> Check:
    if reply.error:
        return Check("PowerShell", FAIL, _error(reply))
    bits = "32-bit" if found.wow64 else "64-bit"
    text = (f"{found.ps_version} ({found.ps_edition}, {bits}, {found.language_mode}"
            + (", from the Microsoft Store" if found.store else "") + ")")
    refused = session.refusal(found, "this host") if found.wow64 else None
    if refused is not None:
        return Check("PowerShell", FAIL, text + ": no Hyper-V module", refused.hint or "")
    return Check("PowerShell", PASS, text)


def _policy(found: session.Session) -> Check:
    if found.group_policy:
        return Check("execution policy", PASS, f"{found.execution_policy}, set by Group Policy "
                     "(it allowed dfwctl's script; a stricter one would refuse it)")
    return Check("execution policy", PASS, f"{found.execution_policy or 'Bypass'} "
                 "(-ExecutionPolicy Bypass on dfwctl's command line)")


def _elevation(found: session.Session) -> Check:
    who = f" ({found.user})" if found.user else ""
    if found.elevated:
        return Check("elevation", PASS, f"elevated (administrator){who}")
    if found.hyperv_administrator:
        return Check("elevation", PASS, f"member of Hyper-V Administrators{who} (enabling the "
                     "Hyper-V feature still needs an elevated prompt)")
    return Check("elevation", FAIL, f"not elevated, and not a member of Hyper-V "
                 f"Administrators{who}: Hyper-V shows such a session no VMs", session.ELEVATE)


def _resources(system: Reply, computer: Reply) -> Check:
    name = "host resources"
    if system.error or computer.error:
        return Check(name, SKIP, f"cannot be read: {_error(system) or _error(computer)}")
    processors = int(_first(computer).get("NumberOfLogicalProcessors") or 0)
    total = int(_first(system).get("TotalVisibleMemorySize") or 0) * KIB
    free = int(_first(system).get("FreePhysicalMemory") or 0) * KIB
    return Check(name, PASS, f"{processors} logical processors, {format_size(total)} of memory "
                 f"({format_size(free)} free)")


def _windows(reply: Reply) -> Check:
    name = "Windows edition and build"
    if reply.error:
        return Check(name, FAIL, f"not a Windows host ({_error(reply)})",
                     "Hyper-V runs on Windows 10/11 Pro, Enterprise or Education and Windows "
                     "Server; elsewhere use hyperv.host: winrm://... or simulator:PATH")
    info = _first(reply)
    caption, build = str(info.get("Caption") or "Windows"), str(info.get("BuildNumber") or "0")
    text = f"{caption}, build {build}"
    if "Home" in caption:
        return Check(name, FAIL, text + ": Windows Home has no Hyper-V",
                     "upgrade to Windows Pro, Enterprise or Education")
    if not build.isdigit() or int(build) < MIN_BUILD:
        return Check(name, FAIL, f"{text}: build {MIN_BUILD} or later is needed",
                     "update Windows")
    return Check(name, PASS, text)


def _firmware(cpu: Reply, computer: Reply) -> Check:
    name = "virtualization in firmware"
    if cpu.error or computer.error:
        return Check(name, FAIL, _error(cpu) or _error(computer))
    if _first(computer).get("HypervisorPresent"):
        return Check(name, PASS, "a hypervisor is running")
    info = _first(cpu)
    if info.get("VirtualizationFirmwareEnabled") and info.get(
            "SecondLevelAddressTranslationExtensions"):
        return Check(name, PASS, f"enabled ({info.get('Manufacturer')}, with SLAT)")
    return Check(name, FAIL, "virtualization is off in the firmware, or the CPU lacks SLAT",
                 "enable Intel VT-x or AMD-V (SVM) in the BIOS/UEFI settings")


def _module(reply: Reply) -> Check:
    name = "Hyper-V PowerShell module"
    if reply.error:
        return Check(name, FAIL, _error(reply))
    if not reply.output:
        return Check(name, FAIL, "not installed",
                     f"it comes with the {FEATURE} feature (-All includes the management tools)")
    versions = sorted({str(r.get("Version")) for r in reply.output}, key=version_tuple,
                      reverse=True)
    others = f" (also listed: {', '.join(versions[1:])}; dfwctl loads the highest)" \
        if len(versions) > 1 else ""
    return Check(name, PASS, f"version {versions[0]}{others}")


def _feature(reply: Reply, module: Reply, found: session.Session) -> Check:
    name = f"Hyper-V feature ({FEATURE})"
    enable = (f"apply a playbook with a hyperv section (it plans enabling {FEATURE}, host "
              f"reboot required), or run Enable-WindowsOptionalFeature -Online -FeatureName "
              f"{FEATURE} -All")
    if reply.error:
        status = SKIP if module.output else FAIL
        hint = session.store_hint(found) or "run dfwctl doctor from an elevated prompt"
        return Check(name, status, f"cannot be read: {_error(reply)}",
                     "" if status == SKIP else hint)
    if not reply.output:
        return Check(name, FAIL, "this Windows edition has no Hyper-V feature")
    state = str(_first(reply).get("State"))
    if state == "Enabled":
        return Check(name, PASS, "Enabled")
    if state == "EnablePending":
        return Check(name, FAIL, "enabled, and waiting for a reboot", "reboot the host")
    return Check(name, FAIL, state, enable)


def vm_checks(specs: Sequence[VmSpec], actual: Optional[HyperVActual], build: int,
              read_error: str = "", playbook: str = "") -> List[Check]:
    """What the playbook's VMs need, and whether the host has it."""
    from dfwctl.providers.hyperv.diff import plan_vm

    if actual is None:
        return [Check("VMs", FAIL, f"cannot be read: {read_error}")]
    checks: List[Check] = []
    for spec in specs:
        name = f"VM {display(spec.name)}"
        planned = plan_vm(spec, actual, playbook)
        found = actual.named(spec.name)
        if planned.problems:
            checks.extend(Check(name, FAIL, p) for p in planned.problems)
        else:
            vm = found[0]
            checks.append(Check(name, PASS, f"{vm.power}, configuration version {vm.version}"))
        checks.extend(Check(name, WARN, w) for w in planned.warnings)
        if spec.nested_virtualization:
            checks.extend(_nested(name, found[0].version if len(found) == 1 else "",
                                  actual.cpu_vendor, build))
    return checks


def _nested(name: str, version: str, vendor: str, build: int) -> List[Check]:
    need = nested_min_version(vendor)
    wanted = ".".join(map(str, need))
    checks = [Check(f"{name}: nested virtualization", PASS if build >= NESTED_MIN_BUILD else FAIL,
                    f"host build {build} (needs {NESTED_MIN_BUILD} or later)")]
    if version:
        ok = version_tuple(version) >= need
        checks.append(Check(f"{name}: nested virtualization", PASS if ok else FAIL,
                            f"configuration version {version} (needs {wanted} or later on "
                            f"{vendor or 'Intel'} hosts)",
                            "" if ok else "Update-VMVersion while the VM is off"))
    return checks


def render(sections: Sequence[Section]) -> str:
    """[(title, checks), ...] -> text, with a summary line."""
    lines: List[str] = []
    everything: List[Check] = []
    for title, checks in sections:
        lines.append(title)
        for check in checks:
            lines.append(f"  [{check.status}] {check.name}: {check.detail}")
            if check.hint and check.status == FAIL:
                lines.append(f"         hint: {check.hint}")
        everything.extend(checks)
    failed = sum(1 for c in everything if c.status == FAIL)
    passed = sum(1 for c in everything if c.status == PASS)
    warned = sum(1 for c in everything if c.status == WARN)
    skipped = len(everything) - failed - passed - warned
    lines.append(f"doctor: {passed} checks passed, {failed} failed"
                 + (f", {warned} warnings" if warned else "")
                 + (f", {skipped} skipped" if skipped else ""))
    return "\n".join(lines) + "\n"


def failed(sections: Sequence[Section]) -> bool:
    return any(c.status == FAIL for _, checks in sections for c in checks)


def run(transport: Transport, specs: Sequence[VmSpec], playbook: str = "",
        name: str = "") -> List[Section]:
    """Every section of the report: the host, then (for a playbook, shown as `playbook`, named
    `name`) its VMs."""
    from dfwctl.providers.hyperv.gather import gather

    checks, build = host_checks(transport)
    sections = [(f"Hyper-V host {transport.endpoint}", checks)]
    if playbook:
        actual: Optional[HyperVActual] = None
        problem = ""
        try:
            actual = gather(transport, specs)
            if actual.feature_state:
                problem = f"the Hyper-V cmdlets are missing ({FEATURE} is {actual.feature_state})"
                actual = None
        except DfwctlError as exc:
            problem = exc.message
        title = f"Playbook {playbook}: what its VMs need"
        sections.append((title, vm_checks(specs, actual, build, problem, name)
                         if specs else [Check("VMs", SKIP, "the playbook names no VM")]))
    return sections
