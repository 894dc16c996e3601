"""The local transport: invoke.ps1 in a child PowerShell, a request on stdin, a reply on stdout.

powershell.exe (Windows PowerShell 5.1, always there) on Windows, pwsh elsewhere;
DFWCTL_POWERSHELL names another executable.
"""
from __future__ import annotations

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
TIMEOUT = 900.0  # seconds; Stop-VM -Force alone may wait five minutes for the guest


def default_executable(environ: Mapping[str, str] = os.environ, platform: str = sys.platform) -> str:
    if environ.get("DFWCTL_POWERSHELL"):
        return environ["DFWCTL_POWERSHELL"]
    return "powershell.exe" if platform == "win32" else "pwsh"


def command_line(executable: str, script: Path = SCRIPT) -> List[str]:
    return [executable, "-NoLogo", "-NoProfile", "-NonInteractive",
            "-ExecutionPolicy", "Bypass", "-File", str(script)]


class LocalTransport:
    def __init__(self, executable: Optional[str] = None, timeout: float = TIMEOUT):
        self.executable = executable or default_executable()
        self.timeout = timeout
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
        try:
            proc = subprocess.run(argv, input=request, capture_output=True,
                                  timeout=self.timeout, check=False)
        except subprocess.TimeoutExpired:
            raise TransportError(f"PowerShell did not answer within {self.timeout:.0f} seconds "
                                 f"({', '.join(c.cmdlet for c in calls)})") from None
        except OSError as exc:
            raise TransportError(f"cannot run PowerShell ({argv[0]}): {exc}") from None
        stdout = proc.stdout.decode("utf-8", errors="replace")
        stderr = proc.stderr.decode("utf-8", errors="replace").strip()
        if proc.returncode not in (0, 1):
            raise TransportError(_failure(argv[0], proc.returncode, stderr or stdout))
        try:
            doc = last_json_line(stdout)
        except TransportError:
            raise TransportError(_failure(argv[0], proc.returncode, stderr or stdout)) from None
        return decode_reply(doc, calls)


def _failure(executable: str, code: int, text: str) -> str:
    tail = "\n".join(text.strip().splitlines()[-8:]) or "(no output)"
    return (f"PowerShell ({Path(executable).name}) exited with code {code} without a "
            f"dfwctl reply:\n{tail}")
