"""The local transport: invoke.ps1 in a child PowerShell, a request on stdin, a reply on stdout.

powershell.exe (Windows PowerShell 5.1, always there) on Windows, pwsh elsewhere;
DFWCTL_POWERSHELL names another executable. A 32-bit Python on 64-bit Windows would start the
32-bit powershell.exe (WOW64 redirects System32 to SysWOW64), which has no Hyper-V module: it
starts the 64-bit one through Sysnative instead [WOW64: learn.microsoft.com/windows/win32/
winprog64/file-system-redirector; PROCESSOR_ARCHITEW6432 is set only in a WOW64 process,
learn.microsoft.com/windows/win32/winprog64/wow64-implementation-details].

The reply is UTF-8 (invoke.ps1 writes its bytes itself). What PowerShell writes on its own, an
error before the script runs (an execution policy set by Group Policy, which -ExecutionPolicy
Bypass does not override), is in the console's OEM code page, and is decoded in it.
"""
from __future__ import annotations

import codecs
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import List, Mapping, Optional, Sequence

from dfwctl.providers.hyperv.protocol import (
    decode_reply,
    encode_request,
    last_json_line,
)
from dfwctl.providers.hyperv.transport import Call, GuestLogin, Reply, TransportError

SCRIPT = Path(__file__).with_name("invoke.ps1")
TIMEOUT = 900.0  # seconds for one round trip, beyond the guest shutdowns it waits for
PYTHON_64BIT = sys.maxsize > 2 ** 32


def default_executable(environ: Mapping[str, str] = os.environ, platform: str = sys.platform,
                       python_64bit: bool = PYTHON_64BIT) -> str:
    if environ.get("DFWCTL_POWERSHELL"):
        return environ["DFWCTL_POWERSHELL"]
    if platform != "win32":
        return "pwsh"
    if not python_64bit and environ.get("PROCESSOR_ARCHITEW6432"):  # WOW64
        root = environ.get("SystemRoot") or environ.get("SYSTEMROOT") or r"C:\Windows"
        return root + r"\Sysnative\WindowsPowerShell\v1.0\powershell.exe"
    return "powershell.exe"


def console_encoding(platform: str = sys.platform) -> str:
    """The code page PowerShell writes its own messages in: the OEM one on Windows."""
    if platform != "win32":
        return "utf-8"
    import ctypes

    name = f"cp{ctypes.windll.kernel32.GetOEMCP()}"  # type: ignore[attr-defined]
    try:
        codecs.lookup(name)
    except LookupError:
        return "utf-8"
    return name


def round_trip_timeout(calls: Sequence[Call], base: float = TIMEOUT) -> float:
    """Long enough for every guest shutdown the calls wait for, plus the base."""
    waits = [int(value) for call in calls for name, value in call.params
             if name == "TimeoutSeconds" and isinstance(value, int)]
    return base + sum(waits)


def command_line(executable: str, script: Path = SCRIPT) -> List[str]:
    return [executable, "-NoLogo", "-NoProfile", "-NonInteractive",
            "-ExecutionPolicy", "Bypass", "-File", str(script)]


class LocalTransport:
    def __init__(self, executable: Optional[str] = None, timeout: float = TIMEOUT,
                 encoding: Optional[str] = None):
        self.executable = executable or default_executable()
        self.timeout = timeout
        self.encoding = encoding or console_encoding()
        self.endpoint = "hyperv:local"

    def resolve(self) -> str:
        """The executable's full path; TransportError when it is not installed."""
        found = shutil.which(self.executable)
        if found is None:
            raise TransportError(
                f"PowerShell ({self.executable}) is not on PATH, so the local Hyper-V host "
                "cannot be reached",
                "on Windows, powershell.exe comes with the system; elsewhere install pwsh, use "
                "hyperv.host: winrm://user@host for a remote Hyper-V host, or simulator:PATH "
                "to try the playbook against a simulated one")
        return found

    def exchange(self, calls: Sequence[Call], guest: Optional[GuestLogin] = None) -> List[Reply]:
        request = encode_request(calls, guest).encode("ascii")
        argv = command_line(self.resolve())
        timeout = round_trip_timeout(calls, self.timeout)
        try:
            proc = subprocess.run(argv, input=request, capture_output=True,
                                  timeout=timeout, check=False)
        except subprocess.TimeoutExpired:
            raise TransportError(f"PowerShell did not answer within {timeout:.0f} seconds "
                                 f"({', '.join(c.cmdlet for c in calls)})") from None
        except OSError as exc:
            raise TransportError(f"cannot run PowerShell ({argv[0]}): {exc}") from None
        try:
            doc = last_json_line(proc.stdout.decode("utf-8", errors="replace"))
        except TransportError:
            doc = {}
        if not doc or proc.returncode not in (0, 1):
            text = (proc.stderr.decode(self.encoding, errors="replace").strip()
                    or proc.stdout.decode(self.encoding, errors="replace"))
            raise _failure(argv[0], proc.returncode, text)
        return decode_reply(doc, calls)


def _failure(executable: str, code: int, text: str) -> TransportError:
    tail = "\n".join(text.strip().splitlines()[-8:]) or "(no output)"
    message = (f"PowerShell ({Path(executable).name}) exited with code {code} without a "
               f"dfwctl reply:\n{tail}")
    if "UnauthorizedAccess" in text:  # the error id is never translated
        return TransportError(message, (
            f"the execution policy refuses dfwctl's script ({SCRIPT}). dfwctl runs it with "
            "-ExecutionPolicy Bypass, which a policy set by Group Policy (MachinePolicy or "
            "UserPolicy in Get-ExecutionPolicy -List) overrides: ask the administrator to allow "
            "it (sign invoke.ps1 with a certificate the policy trusts, or set the policy to "
            "RemoteSigned), or reach the host over WinRM (hyperv.host: winrm://user@host), "
            "where the script runs as a script block, not a file"))
    return TransportError(message)
