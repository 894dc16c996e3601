"""A private Docker Engine for the chaos suite, which kills and freezes it: never the shared
test engine. Its own state folder, socket, data and exec roots, pid file and log; a default
bridge of its own (dfwchaos0, not docker0) and an address pool of its own, so its networks
never take a subnet or a bridge of another engine on the machine; iptables off and vfs
storage, as scripts/testenv starts the test engine. Images come from the local registry that
scripts/testenv runs.

containerd runs as a process of its own, as in a packaged Docker Engine (containerd.service
beside docker.service): killing dockerd leaves containerd and the containers' shims running,
which is what an engine crash leaves behind (orphaned tasks, ports held by its proxies).

Its containers run through a wrapper of runc that can hold a `runc create` or `runc start`
until it is released: a kill of dockerd at that moment is the same every time (dockerd has
programmed the container's network and, for `start`, made its containerd task, and has not
yet recorded the container as running).

    engine = PrivateEngine(Path("/tmp/dfwctl-chaos"))
    engine.start(); engine.kill(); engine.start(); engine.freeze(); engine.thaw(); engine.stop()
    engine.hold("start"); ...; engine.wait_held("start"); engine.kill(); engine.release("start")
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

DEFAULT_STATE = Path(os.environ.get("DFWCTL_CHAOS_DIR", "/tmp/dfwctl-chaos"))
REGISTRY = os.environ.get("DFWCTL_TEST_REGISTRY", "127.0.0.1:5555")
ADDRESS_POOL = "base=10.213.0.0/16,size=24"  # far from the engines' default pools
# A default bridge of its own: with --bridge=none dockerd deletes the interface docker0 at start
# (it removes the default bridge it no longer uses), which cuts off every container of the
# test engine on the same machine. A bridge made here and named with -b is left alone.
BRIDGE, BRIDGE_ADDRESS = "dfwchaos0", "10.214.0.1/24"
TEST_IMAGE = "dfwctl-test/busybox:latest"
ENGINE_PROCESSES = ("dockerd", "containerd", "docker-proxy")  # containerd-shim-runc-v2 too
RUNTIME = "chaos-runc"
# runc, except that while the file hold-VERB exists in the engine's folder, `runc VERB` (create
# or start) of a container whose OCI spec (config.json in runc's working folder, the bundle)
# contains the text in that file (any container when it is empty) writes the container's id to
# held-VERB and waits until the hold file is gone
WRAPPER = """#!/bin/sh
for arg do
    case "$arg" in create|start) verb=$arg; break;; esac
done
hold="{state}/hold-$verb"
if [ -n "$verb" ] && [ -e "$hold" ] && {{ [ ! -s "$hold" ] || grep -qF -f "$hold" config.json; }}
then
    eval "id=\\${{$#}}"
    echo "$id" > "{state}/held-$verb.tmp" && mv "{state}/held-$verb.tmp" "{state}/held-$verb"
    while [ -e "$hold" ]; do sleep 0.05; done
fi
exec {runc} "$@"
"""


class EngineFailed(RuntimeError):
    pass


class PrivateEngine:
    def __init__(self, state: Path = DEFAULT_STATE, registry: str = REGISTRY,
                 bridge: Tuple[str, str] = (BRIDGE, BRIDGE_ADDRESS), pool: str = ADDRESS_POOL):
        self.state = state
        self.registry = registry
        self.bridge, self.bridge_address = bridge  # never docker0: see BRIDGE
        self.pool = pool
        self.sock = state / "docker.sock"
        self.host = f"unix://{self.sock}"
        self.pidfile = state / "dockerd.pid"
        self.log = state / "dockerd.log"
        self.process: Optional[subprocess.Popen[bytes]] = None

    # life ---------------------------------------------------------------------------------
    def start(self, timeout: float = 90.0) -> None:
        """Start dockerd (again, after a kill: with the same data) and wait until it answers;
        containerd first when it is not running."""
        if self.answers(2.0):
            return
        for folder in ("data", "exec", "containerd"):
            (self.state / folder).mkdir(parents=True, exist_ok=True)
        self._containerd()
        _bridge(self.bridge, self.bridge_address)
        runtime = self._runtime()
        self.pidfile.unlink(missing_ok=True)
        self.sock.unlink(missing_ok=True)
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(
                ["dockerd", "--storage-driver=vfs", "--host", self.host,
                 "--containerd", str(self.containerd_sock),
                 "--data-root", str(self.state / "data"), "--exec-root", str(self.state / "exec"),
                 "--pidfile", str(self.pidfile), "--iptables=false", "--ip6tables=false",
                 f"--bridge={self.bridge}", "--default-address-pool", self.pool,
                 "--registry-mirror", f"http://{self.registry}",
                 "--add-runtime", f"{RUNTIME}={runtime}", "--default-runtime", RUNTIME],
                stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True)
        deadline = time.monotonic() + timeout
        while not self.answers(2.0):
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise EngineFailed(f"the private dockerd did not come up; see {self.log}")
            time.sleep(0.3)

    def _runtime(self) -> Path:
        """The wrapper of runc its containers run through (see WRAPPER)."""
        runc = shutil.which("runc")
        if runc is None:
            raise EngineFailed("runc is not installed")
        wrapper = self.state / "runc-wrapper"
        wrapper.write_text(WRAPPER.format(state=self.state, runc=runc))
        wrapper.chmod(0o755)
        return wrapper

    # holds --------------------------------------------------------------------------------
    def hold(self, verb: str, text: str = "") -> None:
        """From now on, `runc VERB` (create, start) of a container whose OCI spec contains
        `text` (an environment variable, say; any container when empty) waits until
        release(VERB)."""
        (self.state / f"held-{verb}").unlink(missing_ok=True)
        (self.state / f"hold-{verb}").write_text(text)

    def wait_held(self, verb: str, timeout: float = 120.0) -> str:
        """Wait until a `runc VERB` is held; the container's id."""
        held = self.state / f"held-{verb}"
        deadline = time.monotonic() + timeout
        while not held.exists():
            if time.monotonic() > deadline:
                raise EngineFailed(f"no runc {verb} came within {timeout:.0f} s")
            time.sleep(0.05)
        return held.read_text().strip()

    def release(self, verb: str) -> None:
        (self.state / f"hold-{verb}").unlink(missing_ok=True)

    def tasks(self) -> List[str]:
        """The ids of the tasks containerd runs for this engine (its namespace moby)."""
        return self._ctr("tasks", "ls", "-q").split()

    def _ctr(self, *args: str) -> str:
        if not self.containerd_sock.exists():
            return ""
        return subprocess.run(["ctr", "--address", str(self.containerd_sock), "-n", "moby",
                               *args], capture_output=True, text=True, timeout=30).stdout

    @property
    def containerd_sock(self) -> Path:
        return self.state / "containerd" / "containerd.sock"

    def _containerd(self) -> None:
        pidfile = self.state / "containerd" / "containerd.pid"
        if self._alive(pidfile, "containerd"):
            return
        folder = self.state / "containerd"
        config = folder / "config.toml"
        config.write_text(
            "version = 2\n"
            f'root = "{folder / "root"}"\nstate = "{folder / "state"}"\n'
            'disabled_plugins = ["io.containerd.grpc.v1.cri"]\n'
            f'[grpc]\n  address = "{self.containerd_sock}"\n'
            f'[debug]\n  address = "{folder / "debug.sock"}"\n')
        with open(folder / "containerd.log", "ab") as log:
            proc = subprocess.Popen(["containerd", "--config", str(config)],
                                    stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                                    start_new_session=True)
        pidfile.write_text(str(proc.pid))
        deadline = time.monotonic() + 30
        while not self.containerd_sock.exists():
            if proc.poll() is not None or time.monotonic() > deadline:
                raise EngineFailed(f"containerd did not come up; see {folder / 'containerd.log'}")
            time.sleep(0.1)

    @staticmethod
    def _alive(pidfile: Path, name: str) -> bool:
        try:
            pid = int(pidfile.read_text().strip())
            return Path(f"/proc/{pid}/comm").read_text().strip() == name
        except (OSError, ValueError):
            return False

    def pid(self) -> Optional[int]:
        """dockerd's pid while it runs (a pid file a killed dockerd left names no process)."""
        if self._alive(self.pidfile, "dockerd"):
            return int(self.pidfile.read_text().strip())
        return self.process.pid if self.process and self.process.poll() is None else None

    def kill(self) -> None:
        """kill -9 of dockerd alone (its containerd and the containers' shims live on, as
        after a crash of the engine's process)."""
        pid = self.pid()
        if pid:
            os.kill(pid, signal.SIGKILL)
            self._reap(pid, 20)

    def restart(self) -> None:
        """A clean restart of dockerd (SIGTERM, then start), as a user restarts the engine."""
        self._terminate()
        self.start()

    def _terminate(self) -> None:
        """SIGTERM to dockerd, SIGKILL when it has not ended within 40 s."""
        pid = self.pid()
        if pid:
            os.kill(pid, signal.SIGTERM)
            if not self._reap(pid, 40):
                os.kill(pid, signal.SIGKILL)
                self._reap(pid, 10)

    def freeze(self) -> None:
        pid = self.pid()
        if pid:
            os.kill(pid, signal.SIGSTOP)

    def thaw(self) -> None:
        pid = self.pid()
        if pid:
            os.kill(pid, signal.SIGCONT)

    def stop(self, remove: bool = True) -> None:
        """Stop dockerd, its containers and containerd; with `remove`, delete its state."""
        self.thaw()
        bridges: List[str] = []
        if self.answers(5.0):
            for container in self.docker("ps", "-aq").split():
                self.docker("rm", "-f", container, check=False)
            # the interfaces of its networks outlive it: its own, by their ids
            bridges = [f"br-{n[:12]}" for n in self.docker(
                "network", "ls", "-q", "--no-trunc", "--filter", "driver=bridge").split()]
        self._terminate()
        for task in self.tasks():  # tasks no container has any more (an interrupted start's)
            self._ctr("tasks", "kill", "-a", "-s", "SIGKILL", task)
        for proc in self._processes():  # containerd and any shim or proxy still running
            try:
                os.kill(proc, signal.SIGKILL)
            except OSError:
                pass
        for bridge in bridges:
            subprocess.run(["ip", "link", "del", bridge], capture_output=True)
        if remove:
            for mount in ("exec", "data"):
                subprocess.run(["umount", "-R", str(self.state / mount)], capture_output=True)
            shutil.rmtree(self.state, ignore_errors=True)

    def _processes(self) -> List[int]:
        """This engine's processes still running: dockerd, containerd, shims and proxies
        whose command line names its state folder."""
        found = []
        marker = f"{self.state}/".encode()  # not another engine whose folder starts alike
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit() or int(entry.name) == os.getpid():
                continue
            try:
                name = (entry / "comm").read_text().strip()
                if name.startswith(ENGINE_PROCESSES) and marker in (entry / "cmdline").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                continue
        return found

    def _reap(self, pid: int, seconds: float) -> bool:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process is not None and self.process.pid == pid:
                if self.process.poll() is not None:
                    return True
            elif not Path(f"/proc/{pid}").exists():
                return True
            time.sleep(0.1)
        return False

    # reading ------------------------------------------------------------------------------
    def answers(self, timeout: float = 5.0) -> bool:
        try:
            self.docker("version", "--format", "{{.Server.Version}}", timeout=timeout)
        except (EngineFailed, subprocess.TimeoutExpired):
            return False
        return True

    def docker(self, *args: str, check: bool = True, timeout: float = 120.0) -> str:
        """The docker CLI against this engine; its stdout."""
        env = dict(os.environ, DOCKER_HOST=self.host)
        env.pop("DOCKER_CONTEXT", None)
        proc = subprocess.run(["docker", *args], capture_output=True, text=True, env=env,
                              timeout=timeout)
        if check and proc.returncode != 0:
            raise EngineFailed(f"docker {' '.join(args)}: {proc.stderr.strip()}")
        return proc.stdout

    def inspect(self, kind: str, name: str) -> Optional[Dict[str, Any]]:
        out = self.docker(kind, "inspect", name, check=False)
        found: List[Dict[str, Any]] = json.loads(out or "[]")
        return found[0] if found else None

    def prepare(self) -> None:
        """The test image as busybox:latest, pulled from the local registry."""
        if self.docker("images", "-q", "busybox:latest").strip():
            return
        remote = f"{self.registry}/{TEST_IMAGE}"
        self.docker("pull", "-q", remote)
        self.docker("tag", remote, "busybox:latest")


def _bridge(name: str, address: str) -> None:
    """Make the private engine's bridge if it is not there (ip from iproute2)."""
    if name == "docker0":
        raise EngineFailed("the private engine never uses docker0: other engines need it")
    if subprocess.run(["ip", "link", "show", name], capture_output=True).returncode == 0:
        return
    for args in (["link", "add", name, "type", "bridge"],
                 ["addr", "add", address, "dev", name], ["link", "set", name, "up"]):
        subprocess.run(["ip", *args], check=True, capture_output=True)
