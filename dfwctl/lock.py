"""One apply at a time per engine and playbook: an OS file lock (released by the OS if the
process dies), with the holder written inside so a second apply can say who holds it; and
`Locks`, the locks one apply holds (this one, and those providers take on what they manage,
such as the Docker engine's own lock in providers/docker/enginelock.py), released together."""
from __future__ import annotations

import getpass
import hashlib
import json
import os
import socket
import sys
import tempfile
import time
from contextlib import AbstractContextManager, ExitStack
from pathlib import Path
from typing import IO, Any, Callable, Dict, Optional, Set

from dfwctl.errors import LockError

HOLDER_WAIT = 2.0  # seconds to wait for a new holder to write who it is


def lock_dir() -> Path:
    return Path(os.environ.get("DFWCTL_LOCK_DIR") or Path(tempfile.gettempdir()) / "dfwctl-locks")


def _try_lock(handle: IO[bytes]) -> bool:
    if sys.platform == "win32":
        import msvcrt

        try:
            handle.seek(0)
            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
            return True
        except OSError:
            return False
    import fcntl

    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        return False


class ApplyLock:
    """Context manager. `timeout` seconds to wait for the holder (0: fail at once)."""

    def __init__(self, endpoint: str, playbook: str, operation: str, timeout: float = 0.0):
        key = hashlib.sha256(f"{endpoint}\0{playbook}".encode()).hexdigest()[:16]
        self.path = lock_dir() / f"{playbook}-{key}.lock"
        self.info_path = self.path.with_suffix(".holder")
        self.endpoint = endpoint
        self.playbook = playbook
        self.operation = operation
        self.timeout = timeout
        self._handle: Optional[IO[bytes]] = None

    def holder(self) -> Optional[Dict[str, Any]]:
        """Who holds the lock, as the holder wrote it; None when unreadable."""
        try:
            who = json.loads(self.info_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return who if isinstance(who, dict) else None

    def __enter__(self) -> "ApplyLock":
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            handle = open(self.path, "a+b")
        except OSError as exc:
            raise LockError(f"cannot write the lock {self.path}: {exc.strerror}",
                            "set DFWCTL_LOCK_DIR to a folder you can write to") from None
        deadline = time.monotonic() + self.timeout
        while not _try_lock(handle):
            if time.monotonic() >= deadline:
                handle.close()
                raise self._held()
            time.sleep(0.2)
        self._handle = handle
        info = {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "user": getpass.getuser(),
            "operation": self.operation,
            "since": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        }
        try:
            self.info_path.write_text(json.dumps(info), encoding="utf-8")
        except OSError:  # the lock is held; only who holds it cannot be said
            pass
        return self

    def _held(self) -> LockError:
        # The holder writes who it is just after it takes the lock: give it that moment.
        deadline = time.monotonic() + HOLDER_WAIT
        who = self.holder()
        while who is None and time.monotonic() < deadline:
            time.sleep(0.05)
            who = self.holder()
        if who:
            holder = (f"{who.get('operation', 'apply')} by {who.get('user')} on {who.get('host')} "
                      f"(pid {who.get('pid')}, since {who.get('since')})")
        else:
            holder = "another dfwctl process"
        waited = f" after waiting {self.timeout:g}s" if self.timeout else ""
        return LockError(
            f"playbook {self.playbook} on {self.endpoint} is locked{waited}: {holder}",
            "wait for it to finish, or pass --lock-timeout SECONDS to wait for it",
        )

    def __exit__(self, *exc: object) -> None:
        try:
            self.info_path.unlink()
        except OSError:
            pass
        if self._handle is not None:
            self._handle.close()  # closing releases the OS lock
            self._handle = None


class Locks:
    """The locks one apply or destroy holds, each taken once (by key) when a provider first
    needs it (a VM's engine can be reached only after the VM starts), all released when the
    run ends. `timeout`: seconds each may wait for its holder."""

    def __init__(self, playbook: str, operation: str, timeout: float = 0.0,
                 say: Optional[Callable[[str], None]] = None):
        self.playbook = playbook
        self.operation = operation
        self.timeout = timeout
        self.say = say  # a line for the user (a stale lock was removed)
        self._held: Set[str] = set()
        self._stack = ExitStack()

    def hold(self, key: str, make: Callable[[], AbstractContextManager[Any]]) -> None:
        if key in self._held:
            return
        self._stack.enter_context(make())
        self._held.add(key)

    def __enter__(self) -> "Locks":
        return self

    def __exit__(self, *exc: object) -> None:
        self._stack.close()
