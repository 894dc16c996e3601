"""One apply per playbook on a Docker Engine, wherever the applies run from: two CI jobs on two
machines, two containers, two spellings of DOCKER_HOST, two temp folders.

The lock lives on the engine: a volume named dfwctl-lock-PLAYBOOK, created with labels that say
who holds it (user, host, pid, since, a random token). Creating a volume is atomic by name: the
engine answers a create for a name it has with the volume it has, so whoever finds their own
token in the answer holds the lock, and the others read the holder from it. The lock is keyed on
the engine's identity (its ID and data root from /info), never on the spelling of its address;
a file lock on that identity (lock.ApplyLock) goes with it on this machine.

A stale lock, one whose holder is gone, is recovered: when the holder ran on this machine (same
host name and boot) and its process is no longer running, or when the lock volume lost its
labels (an engine killed just after it made the volume can come back without them), the lock
is removed and taken. A
holder elsewhere cannot be checked from here: `dfwctl unlock PLAYBOOK` removes its lock, after
making sure that apply is over (as `terraform force-unlock`). The volume holds no data."""
from __future__ import annotations

import getpass
import hashlib
import os
import socket
import time
import uuid
from pathlib import Path
from typing import Any, Callable, Dict, Optional

from dfwctl import interrupt
from dfwctl.errors import EngineError, LockError, NotFoundError
from dfwctl.lock import ApplyLock
from dfwctl.logs import get_logger
from dfwctl.providers.docker.engine import Engine

log = get_logger(__name__)

PREFIX = "dfwctl-lock-"
TOKEN = "io.dfwctl.lock"
POLL = 0.5  # seconds between two tries while waiting for a holder


def volume_name(playbook: str) -> str:
    return PREFIX + playbook


def identity(engine: Engine) -> str:
    """The engine's identity: its ID and data root (/info), one call. Two engines of one
    machine can share an ID (an old engine keeps it in /etc/docker/key.json); never two
    engines that share both."""
    info = engine.call("read the engine's identity", engine.api.info)
    text = f"{info.get('ID', '')}\0{info.get('DockerRootDir', '')}"
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _boot_id() -> str:
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    except OSError:
        return ""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # another user's process: it exists
        return True
    return True


def holder_text(labels: Dict[str, str]) -> str:
    return (f"{labels.get(TOKEN + '.operation', 'apply')} by {labels.get(TOKEN + '.user', '?')} "
            f"on {labels.get(TOKEN + '.host', '?')} (pid {labels.get(TOKEN + '.pid', '?')}, "
            f"since {labels.get(TOKEN + '.since', '?')})")


class EngineLock:
    """Context manager: the engine's lock for `playbook` (and the file lock on its identity),
    waiting up to `timeout` seconds for a holder."""

    def __init__(self, engine: Engine, playbook: str, operation: str, timeout: float = 0.0,
                 say: Optional[Callable[[str], None]] = None):
        self.engine = engine
        self.playbook = playbook
        self.operation = operation
        self.timeout = timeout
        self.say = say or (lambda _line: None)
        self.token = uuid.uuid4().hex
        self.name = volume_name(playbook)
        self._file: Optional[ApplyLock] = None
        self._forget: Optional[Callable[[], None]] = None

    def labels(self) -> Dict[str, str]:
        return {TOKEN: self.token, TOKEN + ".playbook": self.playbook,
                TOKEN + ".operation": self.operation, TOKEN + ".user": getpass.getuser(),
                TOKEN + ".host": socket.gethostname(), TOKEN + ".boot": _boot_id(),
                TOKEN + ".pid": str(os.getpid()),
                TOKEN + ".since": time.strftime("%Y-%m-%dT%H:%M:%S%z")}

    def __enter__(self) -> "EngineLock":
        key = identity(self.engine)
        self._file = ApplyLock(f"the Docker Engine {key}", self.playbook, self.operation,
                               self.timeout)
        self._file.__enter__()
        try:
            self._acquire()
        except BaseException:
            self._file.__exit__()
            raise
        self._forget = interrupt.on_abort(self.release)
        return self

    def _acquire(self) -> None:
        deadline = time.monotonic() + self.timeout
        api = self.engine.api
        while True:
            found = self.engine.call(f"create the lock {self.name}", api.create_volume,
                                     self.name, driver="local", labels=self.labels())
            labels: Dict[str, str] = dict(found.get("Labels") or {})
            if labels.get(TOKEN) == self.token:
                return
            if self._stale(labels):
                self._remove_stale(labels)
                continue
            if time.monotonic() >= deadline:
                waited = f" after waiting {self.timeout:g}s" if self.timeout else ""
                raise LockError(
                    f"playbook {self.playbook} is locked on the Docker Engine at "
                    f"{self.engine.endpoint}{waited}: {holder_text(labels)}",
                    "wait for it to finish, or pass --lock-timeout SECONDS to wait for it; if "
                    f"that run is over (its machine stopped), `dfwctl unlock {self.playbook}` "
                    "removes its lock")
            interrupt.sleep(POLL)

    @staticmethod
    def _stale(labels: Dict[str, str]) -> bool:
        """Held by a process of this machine (same host and boot) that is not running; or not
        held at all: a lock volume without its labels (an engine killed after creating it can
        come back without them) names no holder that could still be running."""
        if not labels.get(TOKEN):
            return True
        if labels.get(TOKEN + ".host") != socket.gethostname():
            return False
        if labels.get(TOKEN + ".boot", "") != _boot_id():
            return bool(_boot_id())  # this machine started again since: the holder is gone
        try:
            pid = int(labels.get(TOKEN + ".pid", ""))
        except ValueError:
            return False
        return pid != os.getpid() and not _alive(pid)

    def _remove_stale(self, labels: Dict[str, str]) -> None:
        # Only processes of the holder's machine remove a stale lock, and those hold the file
        # lock on the engine's identity meanwhile: two of them never remove each other's.
        now = self.read()
        if now is None or now.get(TOKEN) != labels.get(TOKEN):
            return  # gone, or taken by someone else meanwhile: try again
        self.remove()
        log.warning("stale_lock_removed", playbook=self.playbook, holder=holder_text(labels))
        self.say(f"removed a stale lock of playbook {self.playbook}: {holder_text(labels)}, "
                 "which is not running any more")

    def read(self) -> Optional[Dict[str, str]]:
        try:
            found = self.engine.call(f"read the lock {self.name}", self.engine.api.inspect_volume,
                                     self.name)
        except NotFoundError:
            return None
        return dict(found.get("Labels") or {})

    def remove(self) -> None:
        try:
            self.engine.call(f"remove the lock {self.name}", self.engine.api.remove_volume,
                             self.name, force=True)
        except NotFoundError:
            pass

    def release(self) -> None:
        """Remove the lock if it is still this run's (best effort: a lock left behind is
        stale once this process is gone)."""
        try:
            if (self.read() or {}).get(TOKEN) == self.token:
                self.remove()
        except EngineError as exc:
            log.warning("lock_not_released", playbook=self.playbook, error=exc.message)

    def __exit__(self, *exc: Any) -> None:
        if self._forget is not None:
            self._forget()
        self.release()
        if self._file is not None:
            self._file.__exit__()


def unlock(engine: Engine, playbook: str) -> Optional[str]:
    """Remove the engine's lock of `playbook`, whoever holds it; who held it (None: none)."""
    lock = EngineLock(engine, playbook, "unlock")
    found = lock.read()
    if found is None:
        return None
    lock.remove()
    return holder_text(found)
