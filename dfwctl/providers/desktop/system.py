"""The machine Docker Desktop runs on, as the Docker Desktop provider sees it: its environment,
its files, its programs, its drives. `LocalSystem` is the machine dfwctl runs on; a machine
reached over PowerShell (a VM through PowerShell Direct, a host over WinRM) is
`remote.PowerShellSystem`. Every read and write of the provider goes through one of these."""
from __future__ import annotations

import hashlib
import os
import shutil
import stat
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path, PurePath, PureWindowsPath
from typing import Dict, Iterable, Mapping, Optional, Protocol, Sequence

from dfwctl.errors import DfwctlError
from dfwctl.providers.desktop import drives as local_drives
from dfwctl.providers.desktop.model import DriveInfo

TEMP_SUFFIX = ".dfwctl.tmp"


@dataclass(frozen=True)
class RunResult:
    code: int
    stdout: str
    stderr: str


class System(Protocol):
    where: str  # the machine, for messages: "this machine", "win10 (VM WIN10 on pc)"
    platform: str  # sys.platform's spelling: win32 | linux | darwin

    @property
    def environ(self) -> Mapping[str, str]:
        """Its environment (the variables dfwctl reads)."""

    def path(self, text: str) -> PurePath:
        """A path of this machine (Windows paths on Windows, wherever dfwctl runs)."""

    def read(self, path: PurePath) -> Optional[bytes]:
        """The file's bytes; None when there is no such file."""

    def is_file(self, path: PurePath) -> bool: ...

    def replace(self, path: PurePath, data: bytes, backup: Optional[PurePath],
                expected: str) -> bool:
        """Write `data` to `path` atomically (a temporary file beside it, then a rename),
        after copying the current content to `backup` when given, if the file's sha256 is
        still `expected` ("": no file); False, and nothing written, when it is not."""

    def run(self, argv: Sequence[str], timeout: float) -> RunResult:
        """Run a program; FileNotFoundError when there is none by that name."""

    def which(self, name: str) -> Optional[str]: ...

    def cpu_count(self) -> Optional[int]: ...

    def drives(self, letters: Iterable[str]) -> Dict[str, DriveInfo]:
        """What each drive letter is (Windows only; empty elsewhere)."""


class LocalSystem:
    """The machine dfwctl runs on."""

    where = "this machine"

    def __init__(self, environ: Optional[Mapping[str, str]] = None,
                 platform: str = sys.platform):
        self.environ = os.environ if environ is None else environ
        self.platform = platform

    def path(self, text: str) -> PurePath:
        return Path(text)

    def read(self, path: PurePath) -> Optional[bytes]:
        try:
            return Path(path).read_bytes()
        except FileNotFoundError:
            return None
        except IsADirectoryError:
            raise DfwctlError(f"{path}: is a folder, not a settings file") from None
        except OSError as exc:
            raise DfwctlError(f"{path}: cannot read: {exc.strerror}") from None

    def is_file(self, path: PurePath) -> bool:
        try:
            return os.path.isfile(path)
        except OSError:
            return False

    def replace(self, path: PurePath, data: bytes, backup: Optional[PurePath],
                expected: str) -> bool:
        target = Path(path)
        try:
            mode = stat.S_IMODE(target.stat().st_mode) if target.exists() else None
            current = target.read_bytes() if target.exists() else None
            if backup is not None and current is not None:
                _write_atomic(Path(backup), current, mode)
            if _digest(self.read(path)) != expected:  # the window closes here
                return False
            _write_atomic(target, data, mode)
            return True
        except OSError as exc:
            raise DfwctlError(f"{path}: cannot write: {exc.strerror or exc}",
                              "close programs that hold the file open, check its permissions, "
                              "then run apply again") from None

    def run(self, argv: Sequence[str], timeout: float) -> RunResult:
        done = subprocess.run(list(argv), capture_output=True, text=True, timeout=timeout,
                              stdin=subprocess.DEVNULL)
        return RunResult(done.returncode, done.stdout or "", done.stderr or "")

    def which(self, name: str) -> Optional[str]:
        return shutil.which(name, path=self.environ.get("PATH"))

    def cpu_count(self) -> Optional[int]:
        return os.cpu_count()

    def drives(self, letters: Iterable[str]) -> Dict[str, DriveInfo]:
        # The drives are this computer's, whatever `platform` says the files look like (a
        # test may give a Windows profile on Linux): probe for real, or not at all.
        return local_drives.probe(letters, sys.platform)


def _digest(data: Optional[bytes]) -> str:
    return "" if data is None else hashlib.sha256(data).hexdigest()


def _write_atomic(path: Path, data: bytes, mode: Optional[int]) -> None:
    temp = path.with_name(f".{path.name}.{os.getpid()}{TEMP_SUFFIX}")
    try:
        with open(temp, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if mode is not None:
            os.chmod(temp, mode)
        os.replace(temp, path)
    finally:
        if temp.exists():
            temp.unlink()


def windows_path(text: str) -> PurePath:
    return PureWindowsPath(text)
