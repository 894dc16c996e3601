"""Running dfwctl in the chaos suite: the real command line in a child process, against the
private engine, with a fault injected when a line of its progress appears (`until`), and the
checks every trial makes afterwards: did one more apply converge, is the volume's data still
there, is anything temporary left, did anything print a traceback."""
from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, List, Optional

from chaos.engine import PrivateEngine

ROOT = Path(__file__).resolve().parent.parent
TEMPORARY = re.compile(r"-dfwctl-[0-9a-f]{6}$")  # a replacement under its temporary name
OWNER = "io.dfwctl.playbook"


@dataclass
class Run:
    code: int
    out: str
    err: str
    seconds: float
    fired: bool = False  # the fault was injected

    @property
    def traceback(self) -> bool:
        return "Traceback" in self.out + self.err or "internal error" in self.out + self.err


def dfwctl(args: List[str], env: Dict[str, str], timeout: float = 900.0,
           trigger: Optional[Callable[[str], bool]] = None,
           fault: Optional[Callable[["subprocess.Popen[str]"], None]] = None) -> Run:
    """`python -m dfwctl ARGS`; with `trigger`, call `fault(process)` as soon as a line of
    stderr matches (once)."""
    started = time.monotonic()
    proc = subprocess.Popen([sys.executable, "-m", "dfwctl", *args], cwd=ROOT, env=env,
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, errors="replace")
    err_lines: List[str] = []
    fired = threading.Event()

    def read_err() -> None:
        assert proc.stderr is not None
        for line in proc.stderr:
            err_lines.append(line)
            if trigger is not None and fault is not None and not fired.is_set() and trigger(line):
                fired.set()
                fault(proc)

    reader = threading.Thread(target=read_err, daemon=True)
    reader.start()
    try:
        assert proc.stdout is not None
        out = proc.stdout.read()
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        out = ""
        proc.wait()
    reader.join(10)
    return Run(proc.returncode, out, "".join(err_lines), time.monotonic() - started,
               fired.is_set())


@dataclass
class Project:
    """A playbook of `count` containers on one network, each with a published port and the
    playbook's volume, after a run-once container that writes a marker into the volume once."""

    engine: PrivateEngine
    work: Path
    name: str
    count: int = 12
    ports: bool = True
    base_port: int = 18600
    env: Dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.work.mkdir(parents=True, exist_ok=True)
        self.path = self.work / "playbook.yml"
        given = self.env  # what the scenario sets wins (a proxy's DOCKER_HOST)
        self.env = dict(os.environ, DOCKER_HOST=self.engine.host, PYTHONUNBUFFERED="1",
                        DFWCTL_LOCK_DIR=str(self.work / "locks"),
                        DFWCTL_CACHE_DIR=str(self.work / "cache"))
        self.env.update(given)
        self.env.pop("DOCKER_CONTEXT", None)
        self.tasks_before = set(self.engine.tasks())

    @property
    def volume(self) -> str:
        return f"{self.name}-data"

    @property
    def marker(self) -> str:
        return f"kept by {self.name}"

    def containers(self) -> List[str]:
        return [f"{self.name}-init"] + [f"{self.name}-c{i:02d}" for i in range(self.count)]

    def write(self, variant: str = "a") -> Path:
        n = self.name
        body = f"""
            version: 1
            name: {n}
            networks:
              {n}-net: {{}}
            volumes:
              {n}-data: {{}}
            containers:
              {n}-init:
                image: busybox:latest
                state: exited
                command: [sh, -c, 'test -f /data/keep || echo "{self.marker}" > /data/keep']
                mounts: ['{n}-data:/data']
                env: {{VARIANT: {variant}}}
            """
        body = textwrap.dedent(body)
        for i in range(self.count):
            port = f"\n    ports: ['127.0.0.1:{self.base_port + i}:80']" if self.ports else ""
            body += (f"  {n}-c{i:02d}:\n    image: busybox:latest\n"
                     f"    command: [sleep, '3600']\n    stop_signal: SIGKILL\n"
                     f"    env: {{VARIANT: {variant}, NAME: {n}-c{i:02d}}}\n"
                     f"    networks: [{n}-net]\n"
                     f"    mounts: ['{n}-data:/data']\n    depends_on: [{n}-init]{port}\n")
        self.path.write_text(body, encoding="utf-8")
        return self.path

    def spec_text(self, container: str) -> str:
        """Text only that container's OCI spec has (for PrivateEngine.hold)."""
        return f'"NAME={container}"'

    def run(self, *args: str, **kwargs: object) -> Run:
        return dfwctl([*args], self.env, **kwargs)  # type: ignore[arg-type]

    def apply(self, *extra: str, **kwargs: object) -> Run:
        return self.run("apply", "-y", *extra, str(self.path), **kwargs)

    def converged(self) -> bool:
        return self.run("plan", "--detailed-exitcode", str(self.path)).code == 0

    def data(self) -> str:
        """What the volume's marker file holds ("" when it is missing)."""
        out = self.engine.docker("run", "--rm", "-v", f"{self.volume}:/data", "busybox:latest",
                                 "cat", "/data/keep", check=False)
        return out.strip()

    def leftovers(self, tasks: bool = True) -> List[str]:
        """Temporary or duplicate things: replacements under temporary names, owned
        containers the playbook does not name, two networks of one name, lock objects; with
        `tasks`, also containerd tasks that began since the project did and that no running
        container has (the process of a start dockerd never recorded, which runs on unseen
        by the Docker API)."""
        found = []
        if tasks:
            running = set(self.engine.docker("ps", "-q", "--no-trunc").split())
            found += [f"containerd task {task[:12]} (no container has it; its process runs on)"
                      for task in sorted(set(self.engine.tasks()) - running - self.tasks_before)]
        listed = self.engine.docker("ps", "-a", "--format", "{{.Names}}\t{{.Label \"" + OWNER +
                                    "\"}}").splitlines()
        wanted = set(self.containers())
        for line in listed:
            name, _, owner = line.partition("\t")
            if TEMPORARY.search(name):
                found.append(f"container {name} (temporary)")
            elif owner == self.name and name not in wanted:
                found.append(f"container {name} (not in the playbook)")
        networks = self.engine.docker("network", "ls", "--format", "{{.Name}}").split()
        for net in sorted({n for n in networks if networks.count(n) > 1}):
            found.append(f"network {net} x{networks.count(net)}")
        volumes = self.engine.docker("volume", "ls", "--format", "{{.Name}}").split()
        found += [f"volume {v} (its apply lock)" for v in volumes
                  if v == f"dfwctl-lock-{self.name}"]
        return found

    def clean(self) -> None:
        self.run("destroy", "-y", "--volumes", str(self.path))
        for name in self.engine.docker("ps", "-aq", "--filter",
                                       f"label={OWNER}={self.name}").split():
            self.engine.docker("rm", "-f", name, check=False)
        for net in self.engine.docker("network", "ls", "-q", "--filter",
                                      f"name={self.name}-net").split():
            self.engine.docker("network", "rm", net, check=False)
        self.engine.docker("volume", "rm", "-f", self.volume, check=False)
