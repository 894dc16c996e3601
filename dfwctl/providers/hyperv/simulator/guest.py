"""The inside of a simulated VM: what PowerShell Direct reaches (Invoke-Command -VMId into the
guest), its disk, and the stand-in for its Docker Desktop engine.

A VM's guest lives beside the state file: `<state>.guests/<VM Id>/` holds its drives
(`C/Users/...` is `C:\\Users\\...`). PowerShell Direct refuses as Hyper-V does: a VM that is off,
or whose guest has not finished starting (its heartbeat is not Ok yet), gives "A remote
session might have ended"; a wrong account gives "The credential is invalid" [PSDIRECT: the
troubleshooting section of Microsoft's "Manage Windows virtual machines with PowerShell
Direct"]. A started guest answers after `BootDelay` attempts, counted, not timed, so tests are
repeatable.

The guest's Docker Engine is the real engine dfwctl itself is pointed at (DOCKER_HOST: the
local test engine in tests), reachable only while the VM runs and its guest has started.
"""
from __future__ import annotations

import base64
import hashlib
import os
import shutil
from pathlib import Path, PureWindowsPath
from typing import Any, Callable, Dict, List, Optional

from dfwctl.providers.hyperv.enums import VM_STATE
from dfwctl.providers.hyperv.simulator import errors as E

RUNNING = VM_STATE["Running"]
HEARTBEAT_NO_CONTACT = 2  # VMHeartbeatStatus
HEARTBEAT_OK = 6  # OkApplicationsHealthy
DESKTOP_FOLDER = r"C:\Program Files\Docker\Docker"
DOCKER_EXE = DESKTOP_FOLDER + r"\resources\bin\docker.exe"
DESKTOP_PLUGIN = r"C:\Program Files\Docker\cli-plugins\docker-desktop.exe"

# PowerShell Direct's own words [PSDIRECT].
SESSION_ENDED = ("An error has occurred which Windows PowerShell cannot handle. A remote "
                 "session might have ended.")
BAD_CREDENTIAL = "The credential is invalid."

Rows = List[Dict[str, Any]]


def guests_dir(state_path: Path) -> Path:
    state_path = Path(state_path)
    return state_path.with_name(state_path.name + ".guests")


def guest_dir(state_path: Path, vm: Dict[str, Any]) -> Path:
    return guests_dir(state_path) / str(vm["Id"])


def disk_path(root: Path, text: str) -> Path:
    """A Windows path of the guest, inside its folder: C:\\Users\\x -> <root>/C/Users/x."""
    path = PureWindowsPath(text)
    if not path.drive or len(path.drive) != 2:
        raise E.CmdletError(f"Cannot find path '{text}' because it does not exist.",
                            "ObjectNotFound", "PathNotFound", "ItemNotFoundException")
    return root.joinpath(path.drive[0].upper(), *path.parts[1:])


def new_guest(user: str, password: str, build: str = "19045", boot_delay: int = 1,
              desktop: Optional[str] = "4.35") -> Dict[str, Any]:
    """The guest record of a VM (kept in the state file)."""
    return {"User": user, "Password": password, "BuildNumber": build, "BootDelay": boot_delay,
            "Booting": 0, "DockerDesktop": desktop, "Restarts": 0}


def started(vm: Dict[str, Any]) -> None:
    """Start-VM: the guest boots; PowerShell Direct answers after BootDelay attempts."""
    guest = vm.get("Guest")
    if guest is not None:
        guest["Booting"] = int(guest.get("BootDelay", 0))
    vm["Heartbeat"] = HEARTBEAT_NO_CONTACT if guest and guest["Booting"] else HEARTBEAT_OK


def stopped(vm: Dict[str, Any]) -> None:
    vm["Heartbeat"] = None


def booted(vm: Dict[str, Any]) -> bool:
    return vm.get("State") == RUNNING and vm.get("Heartbeat") == HEARTBEAT_OK


def enter(vm: Dict[str, Any], user: str, password: str) -> None:
    """PowerShell Direct into the VM, or its refusal (a CmdletError). Each refused attempt of
    a starting guest brings it closer to answering."""
    guest = vm.get("Guest")
    if vm.get("State") != RUNNING:
        raise E.CmdletError(SESSION_ENDED, "OpenError", "PSSessionOpenFailed",
                            "PSRemotingTransportException")
    if guest is not None and guest.get("Booting", 0) > 0:
        guest["Booting"] -= 1  # still starting: its heartbeat says NoContact
        raise E.CmdletError(SESSION_ENDED, "OpenError", "PSSessionOpenFailed",
                            "PSRemotingTransportException")
    vm["Heartbeat"] = HEARTBEAT_OK  # the guest has started
    if guest is None or user != guest["User"] or password != guest["Password"]:
        raise E.CmdletError(BAD_CREDENTIAL, "InvalidArgument", "CreateRemoteRunspaceForVMFailed",
                            "PSDirectException")


class Guest:
    """The guest-side commands of invoke.ps1 (Get-DfwctlSystem, Read-DfwctlFile, ...), done
    against the guest's folder."""

    COMMANDS = {"Get-DfwctlSystem": {}, "Read-DfwctlFile": {"Path": "string"},
                "Write-DfwctlFile": {"Path": "string", "Content": "string",
                                     "Expected": "string", "Backup": "string"},
                "Invoke-DfwctlProgram": {"FilePath": "string", "ArgumentList": "strings",
                                         "TimeoutSeconds": "long"},
                "Get-DfwctlCommand": {"Name": "string"},
                "Get-DfwctlDrive": {"Letter": "strings"}}

    def __init__(self, vm: Dict[str, Any], root: Path):
        self.vm = vm
        self.guest: Dict[str, Any] = vm["Guest"]
        self.root = root

    def run(self, command: str, params: Dict[str, Any]) -> Rows:
        spec = self.COMMANDS.get(command)
        if spec is None:
            raise E.command_not_found(command)
        unknown = sorted(set(params) - set(spec))
        if unknown:
            raise E.parameter_not_found(command, unknown[0])
        handler: Callable[[Dict[str, Any]], Rows] = getattr(
            self, "do_" + command.replace("-", "_").lower())
        return handler(params)

    def profile(self) -> str:
        return "C:\\Users\\" + str(self.guest["User"]).split("\\")[-1]

    def do_get_dfwctlsystem(self, params: Dict[str, Any]) -> Rows:
        home = self.profile()
        path = r"C:\Windows\system32;C:\Windows"
        if self.guest.get("DockerDesktop"):
            path += ";" + DESKTOP_FOLDER + r"\resources\bin"
        return [{"ComputerName": self.vm["Name"].upper()[:15], "BuildNumber":
                 self.guest["BuildNumber"], "ProcessorCount": self.vm["ProcessorCount"],
                 "APPDATA": home + r"\AppData\Roaming", "LOCALAPPDATA": home + r"\AppData\Local",
                 "USERPROFILE": home, "ProgramData": r"C:\ProgramData",
                 "ProgramFiles": r"C:\Program Files", "Path": path, "DOCKER_CONFIG": "",
                 "DFWCTL_DESKTOP_RESTART_COMMAND": ""}]

    def do_read_dfwctlfile(self, params: Dict[str, Any]) -> Rows:
        path = disk_path(self.root, params["Path"])
        if not path.exists():
            return [{"Exists": False, "Folder": False, "Content": ""}]
        if path.is_dir():
            return [{"Exists": True, "Folder": True, "Content": ""}]
        return [{"Exists": True, "Folder": False,
                 "Content": base64.b64encode(path.read_bytes()).decode("ascii")}]

    def do_invoke_dfwctlprogram(self, params: Dict[str, Any]) -> Rows:
        name = params["FilePath"]
        argv = list(params.get("ArgumentList") or [])
        installed = bool(self.guest.get("DockerDesktop"))
        if name.lower() not in ("docker", "docker.exe", DOCKER_EXE.lower()) or not installed:
            return [{"Found": False, "ExitCode": -1, "StdOut": "", "StdErr": ""}]
        if argv == ["desktop", "restart"]:
            self.guest["Restarts"] = int(self.guest.get("Restarts", 0)) + 1
            return [{"Found": True, "ExitCode": 0, "StdOut": "Restarting Docker Desktop...\n",
                     "StdErr": ""}]
        return [{"Found": True, "ExitCode": 1, "StdOut": "",
                 "StdErr": f"docker: '{' '.join(argv)}' is not a docker command.\n"}]

    def do_get_dfwctlcommand(self, params: Dict[str, Any]) -> Rows:
        name = params["Name"].lower()
        found = DOCKER_EXE if name in ("docker", "docker.exe") and \
            self.guest.get("DockerDesktop") else ""
        return [{"Path": found}]

    def do_get_dfwctldrive(self, params: Dict[str, Any]) -> Rows:
        rows = []
        for letter in params.get("Letter") or []:
            upper = letter.upper()
            kind = "fixed" if (self.root / upper).is_dir() else "missing"
            rows.append({"Letter": upper, "Kind": kind, "Target": "", "Subst": False})
        return rows


    def do_write_dfwctlfile(self, params: Dict[str, Any]) -> Rows:
        """The same checks and order as invoke.ps1's."""
        return write_file(self.root, params)


def write_file(root: Path, params: Dict[str, Any]) -> Rows:
    path = disk_path(root, params["Path"])
    data = base64.b64decode(params.get("Content") or "")
    backup = params.get("Backup") or ""
    if backup and path.is_file():
        shutil.copyfile(path, disk_path(root, backup))
    current = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else ""
    if current != (params.get("Expected") or ""):
        return [{"Written": False}]
    if not path.parent.is_dir():
        raise E.CmdletError(f"Could not find a part of the path '{params['Path']}'.",
                            "NotSpecified", "DirectoryNotFoundException",
                            "DirectoryNotFoundException")
    temp = path.with_name(f".{path.name}.{os.getpid()}.dfwctl.tmp")
    temp.write_bytes(data)
    os.replace(temp, path)
    return [{"Written": True}]


# The stand-in for the guest's Docker Desktop engine ---------------------------------------------
def find_vm(state: Dict[str, Any], name: str) -> Optional[Dict[str, Any]]:
    found = [v for v in state["vms"] if v["Name"].casefold() == name.casefold()]
    return found[0] if len(found) == 1 else None


def engine_gate(state_path: Path, vm_name: str, where: str) -> Callable[[], None]:
    """Before connecting to the guest's engine: it answers only while the VM runs and its
    guest has started (Docker Desktop starts with it)."""
    def gate() -> None:
        from dfwctl.errors import EngineUnreachableError
        from dfwctl.providers.hyperv.simulator.state import read

        vm = find_vm(read(state_path), vm_name)
        if vm is None or not booted(vm):
            state = "missing" if vm is None else (
                "starting" if vm.get("State") == RUNNING else "off")
            raise EngineUnreachableError(
                f"cannot reach the Docker Engine of {where}: VM {vm_name} is {state} "
                "(simulated: its engine answers while the VM runs)")
    return gate


def bind_source(state_path: Path, vm_name: str) -> Callable[[str], str]:
    """Where Docker Desktop's engine finds a Windows folder of the guest: a shared drive is the
    guest's folder; an unshared one is a folder the engine makes inside its own VM, empty and
    invisible from Windows (the seed's pitfall). Other sources are left as written. The
    folders are absolute: the engine resolves nothing against dfwctl's working folder."""
    state_path = Path(state_path).resolve()

    def translate(source: str) -> str:
        from dfwctl.providers.hyperv.simulator.state import read
        from dfwctl.values.winpath import DRIVE, parse_source

        parsed = parse_source(source)
        if parsed.kind != DRIVE:
            return source
        vm = find_vm(read(state_path), vm_name)
        if vm is None:
            return source
        root = guest_dir(state_path, vm)
        if parsed.drive in shared_drives(root, vm):
            folder = root.joinpath(parsed.drive, *parsed.parts)
        else:
            folder = root.joinpath(".engine-vm", "host_mnt", parsed.drive.lower(), *parsed.parts)
        folder.mkdir(parents=True, exist_ok=True)  # as Docker Desktop makes a missing one
        return str(folder)
    return translate


def shared_drives(root: Path, vm: Dict[str, Any]) -> List[str]:
    """The drives the guest's Docker Desktop shares, from its settings file as it is now."""
    import json

    guest_record = vm.get("Guest") or {}
    profile = disk_path(root, "C:\\Users\\" + str(guest_record.get("User", "")).split("\\")[-1])
    for name, key in (("settings-store.json", "FilesharingDirectories"),
                      ("settings.json", "filesharingDirectories")):
        path = profile / "AppData" / "Roaming" / "Docker" / name
        if path.is_file():
            entries = json.loads(path.read_text(encoding="utf-8")).get(key) or []
            return [str(e)[0].upper() for e in entries
                    if len(str(e)) <= 3 and str(e)[1:2] == ":"]
    return []
