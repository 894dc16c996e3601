"""A Windows machine dfwctl reaches over PowerShell (a VM through PowerShell Direct, a host
over WinRM), as the Docker Desktop provider sees it: every read, write and program run is a
call of invoke.ps1's guest commands (Get-DfwctlSystem, Read-DfwctlFile, Write-DfwctlFile,
Invoke-DfwctlProgram, Get-DfwctlCommand, Get-DfwctlDrive), which keep file writes atomic on
that machine. Constructing one does no I/O; the environment is read once, on first use."""
from __future__ import annotations

import base64
from pathlib import PurePath, PureWindowsPath
from typing import Any, Dict, Iterable, Mapping, Optional, Sequence

from dfwctl.errors import DfwctlError
from dfwctl.providers.desktop.model import DriveInfo
from dfwctl.providers.desktop.system import RunResult
from dfwctl.providers.hyperv.transport import Transport, invoke

SYSTEM_PROPERTIES = ("ComputerName", "BuildNumber", "ProcessorCount", "APPDATA",
                     "LOCALAPPDATA", "USERPROFILE", "ProgramData", "ProgramFiles", "Path",
                     "DOCKER_CONFIG", "DFWCTL_DESKTOP_RESTART_COMMAND")


class PowerShellSystem:
    platform = "win32"

    def __init__(self, transport: Transport, where: str):
        self.transport = transport
        self.where = where
        self._facts: Optional[Dict[str, Any]] = None

    def _one(self, command: str, params: Optional[Dict[str, Any]] = None,
             properties: Sequence[str] = ()) -> Dict[str, Any]:
        rows = invoke(self.transport, command, params, properties)
        if len(rows) != 1:
            raise DfwctlError(f"{self.where}: {command} answered {len(rows)} objects, not one")
        return rows[0]

    @property
    def facts(self) -> Dict[str, Any]:
        if self._facts is None:
            self._facts = self._one("Get-DfwctlSystem", {}, SYSTEM_PROPERTIES)
        return self._facts

    @property
    def environ(self) -> Mapping[str, str]:
        return {k: str(v) for k, v in self.facts.items()
                if k not in ("ComputerName", "BuildNumber", "ProcessorCount") and v}

    def path(self, text: str) -> PurePath:
        return PureWindowsPath(text)

    def read(self, path: PurePath) -> Optional[bytes]:
        found = self._one("Read-DfwctlFile", {"Path": str(path)}, ("Exists", "Folder", "Content"))
        if not found.get("Exists"):
            return None
        if found.get("Folder"):
            raise DfwctlError(f"{path} on {self.where}: is a folder, not a settings file")
        return base64.b64decode(str(found.get("Content") or ""))

    def is_file(self, path: PurePath) -> bool:
        found = self._one("Read-DfwctlFile", {"Path": str(path)}, ("Exists", "Folder"))
        return bool(found.get("Exists")) and not found.get("Folder")

    def replace(self, path: PurePath, data: bytes, backup: Optional[PurePath],
                expected: str) -> bool:
        found = self._one("Write-DfwctlFile", {
            "Path": str(path), "Content": base64.b64encode(data).decode("ascii"),
            "Expected": expected, "Backup": str(backup) if backup is not None else ""},
            ("Written",))
        return bool(found.get("Written"))

    def run(self, argv: Sequence[str], timeout: float) -> RunResult:
        found = self._one("Invoke-DfwctlProgram", {
            "FilePath": argv[0], "ArgumentList": list(argv[1:]),
            "TimeoutSeconds": max(1, int(timeout))}, ("Found", "ExitCode", "StdOut", "StdErr"))
        if not found.get("Found"):
            raise FileNotFoundError(argv[0])
        return RunResult(int(found.get("ExitCode") or 0), str(found.get("StdOut") or ""),
                         str(found.get("StdErr") or ""))

    def which(self, name: str) -> Optional[str]:
        found = self._one("Get-DfwctlCommand", {"Name": name}, ("Path",))
        return str(found.get("Path") or "") or None

    def cpu_count(self) -> Optional[int]:
        value = self.facts.get("ProcessorCount")
        return int(value) if value is not None else None

    def drives(self, letters: Iterable[str]) -> Dict[str, DriveInfo]:
        wanted = sorted({x.upper() for x in letters})
        if not wanted:
            return {}
        rows = invoke(self.transport, "Get-DfwctlDrive", {"Letter": wanted},
                      ("Letter", "Kind", "Target", "Subst"))
        return {str(r["Letter"]): DriveInfo(str(r["Letter"]), str(r.get("Kind") or "unknown"),
                                            str(r.get("Target") or "") or None,
                                            bool(r.get("Subst")))
                for r in rows}

