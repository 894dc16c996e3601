"""When a container cannot start because its host port is taken: who holds it, and what to do.

Two refusals look alike. The engine's own allocator says `port is already allocated`: one of
its containers publishes the port, or, when none does, the engine itself holds it. Docker Engine
killed (or crashed) in the middle of a container start that publishes ports comes back with
those ports allocated to a network endpoint it then deletes as stale, and never frees them: its
own docker-proxy keeps listening, and no API call (removing the container, a forced network
disconnect, removing the network) releases them; only a restart of the engine does
(https://github.com/moby/libnetwork/issues/1790, seen on Engine 20.10). The operating system
says `address already in use`: another process listens there; after an engine crash that is
often a `docker-proxy` the dead engine left (its parent is gone). On the engine's own Linux
machine such an orphaned proxy is stopped and the start tried again; every other case gets an
error that names the holder where it can be known, and what to do."""
from __future__ import annotations

import os
import re
import signal
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, List, Optional

ALLOCATED = re.compile(r"Bind for (?P<ip>[0-9a-fA-F.:\[\]]*):(?P<port>\d+) failed: "
                       r"port is already allocated")
IN_USE = re.compile(r"listen (?:tcp|udp)[46]? (?P<ip>[0-9a-fA-F.:\[\]]*):(?P<port>\d+): "
                    r"bind: address already in use")
RESTART = ("restart the Docker engine (Linux: sudo systemctl restart docker; Docker Desktop: "
           "Restart), then run apply again")


@dataclass(frozen=True)
class Refusal:
    host_ip: str
    port: int
    by_engine: bool  # the engine's allocator refused (else the operating system)


@dataclass(frozen=True)
class Holder:
    pid: int
    name: str
    orphaned: bool  # a docker-proxy whose engine is gone
    target: str = ""  # the container address a docker-proxy forwards to (ip:port)


def refusal(message: str) -> Optional[Refusal]:
    """The host port a start was refused for, from the engine's message."""
    for pattern, by_engine in ((ALLOCATED, True), (IN_USE, False)):
        found = pattern.search(message)
        if found:
            return Refusal(found.group("ip").strip("[]"), int(found.group("port")), by_engine)
    return None


def local_holder(port: int, proc: Path = Path("/proc")) -> Optional[Holder]:
    """The docker-proxy on this machine that serves `port`, if there is one (Linux only)."""
    if not sys.platform.startswith("linux") or not proc.is_dir():
        return None
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if (entry / "comm").read_text().strip() != "docker-proxy":
                continue
            args = (entry / "cmdline").read_bytes().split(b"\0")
            if b"-host-port" not in args or args[args.index(b"-host-port") + 1] != str(port).encode():
                continue
            parent = (entry / "stat").read_text().rsplit(")", 1)[1].split()[1]
            parent_name = (proc / parent / "comm").read_text().strip() if parent != "1" else ""
        except (OSError, IndexError, ValueError):
            continue
        return Holder(int(entry.name), "docker-proxy", parent_name != "dockerd", _target(args))
    return None


def _target(args: List[bytes]) -> str:
    """`ip:port` from a docker-proxy's -container-ip and -container-port arguments."""
    found = {}
    for flag in (b"-container-ip", b"-container-port"):
        if flag in args[:-1]:
            found[flag] = args[args.index(flag) + 1].decode("ascii", "replace")
    return ":".join(found[f] for f in (b"-container-ip", b"-container-port")) \
        if len(found) == 2 else ""


def stop(holder: Holder, wait: float = 3.0) -> bool:
    """Stop an orphaned docker-proxy; whether it is gone."""
    try:
        os.kill(holder.pid, signal.SIGTERM)
    except OSError:
        return False
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        if _gone(holder.pid):
            return True
        time.sleep(0.05)
    return False


def _gone(pid: int) -> bool:
    """Exited (or a zombie its parent has not reaped yet)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return True
    return state == "Z"


def hint(refused: Refusal, publishers: List[str], holder: Optional[Holder]) -> str:
    """What to do about a refused port, given the engine's containers that publish it and the
    local process that holds it (each may be unknown: empty, None)."""
    port = refused.port
    if publishers:
        return (f"container {', '.join(publishers)} publishes host port {port}: stop it, or give "
                "one of them another host port")
    if holder is not None and holder.orphaned:
        return (f"host port {port} is held by a docker-proxy (pid {holder.pid}) that a stopped "
                f"engine left behind, which dfwctl could not stop: stop it (kill {holder.pid}) "
                "and run apply again")
    if refused.by_engine:
        proxy = ""
        if holder is not None:  # the engine's own proxy on this machine
            to = f" to {holder.target}" if holder.target else ""
            proxy = f" (its {holder.name}, pid {holder.pid}, forwards it{to})"
        return (f"none of the engine's containers publishes host port {port}: the engine "
                f"itself holds it{proxy}, left from a container start that was under way when "
                "the engine stopped (killed, crashed); Docker Engine keeps such a port until it "
                "restarts, and no API call frees it (removing the container or its network does "
                f"not; https://github.com/moby/libnetwork/issues/1790): {RESTART}")
    who = f" ({holder.name}, pid {holder.pid})" if holder else ""
    return (f"another process{who} listens on host port {port}: stop it, or give the container "
            "another host port (after an engine crash, a docker-proxy of the old engine may "
            f"hold it: {RESTART})")


def is_local(endpoint: str) -> bool:
    """Whether the engine runs on this machine, where its proxies can be seen."""
    return endpoint.startswith("unix://")


def publishers_of(engine: Any, port: int) -> List[str]:
    """Names of the engine's containers that publish `port` (one list call)."""
    found = engine.call("list containers", engine.api.containers, all=False,
                        filters={"publish": str(port)})
    return sorted(n.lstrip("/") for c in found for n in (c.get("Names") or [])[:1])
