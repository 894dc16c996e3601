"""A playbook of its own per engine test, and what the tests read back from the engine."""
from __future__ import annotations

import contextlib
import fcntl
import os
import tempfile
import textwrap
import uuid
from pathlib import Path
from typing import Iterator

import docker.errors

from tests.run import Result, run_dfwctl

OWNER_LABEL = "io.dfwctl.playbook"


class Project:
    """A uniquely named playbook in a temp folder, run through the real CLI."""

    def __init__(self, tmp_path: Path, api):
        self.name = f"t{uuid.uuid4().hex[:8]}"
        self.dir = tmp_path
        self.path = tmp_path / "playbook.yml"
        self.api = api
        self.env = dict(os.environ, DFWCTL_LOCK_DIR=str(tmp_path / "locks"))

    def write(self, body: str) -> Path:
        """`body` is the playbook without its version and name lines."""
        text = f"version: 1\nname: {self.name}\n" + textwrap.dedent(body)
        self.path.write_text(text, encoding="utf-8")
        return self.path

    def run(self, *args, **kwargs) -> Result:
        return run_dfwctl(*args, env=kwargs.pop("env", self.env), **kwargs)

    def cname(self, name: str) -> str:
        return f"{self.name}-{name}"

    def subnet(self) -> str:
        """A /24 of this project's own: the engine refuses a pool that overlaps another one,
        and other tests (of other checkouts too) run on the same engine at the same time."""
        number = int(self.name[1:], 16)
        return f"10.{100 + number % 100}.{(number >> 8) % 250}.0/24"

    def containers(self):
        found = self.api.containers(all=True, filters={"label": f"{OWNER_LABEL}={self.name}"})
        return {c["Names"][0].lstrip("/"): c for c in found}

    def cleanup(self) -> None:
        owned = {"label": f"{OWNER_LABEL}={self.name}"}
        for c in self.api.containers(all=True, filters=owned):
            self.api.remove_container(c["Id"], force=True, v=True)
        for n in self.api.networks(filters=owned):
            self.api.remove_network(n["Id"])
        for v in (self.api.volumes(filters=owned) or {}).get("Volumes") or []:
            self.api.remove_volume(v["Name"], force=True)
        # built by the playbook; newest first, so that a child goes before its parent
        images = sorted(self.api.images(all=True, filters=owned), key=lambda i: i["Created"],
                        reverse=True)
        for _ in range(3):
            conflicts = []
            for image in images:
                try:
                    self.api.remove_image(image["Id"], force=True)
                except docker.errors.NotFound:
                    pass  # went with another one it was a parent of
                except docker.errors.APIError as error:
                    if error.status_code != 409:  # 409: it still has child images
                        raise
                    conflicts.append(image)
            images = conflicts
        assert not images, f"images of {self.name} still have child images: {images}"


def sleeper(name: str, *more: str) -> str:
    """The YAML of a container that sleeps (busybox, stopped at once), with `more` lines, for
    a playbook's containers section (indented as Project.write expects)."""
    lines = [f"{name}:", "  image: busybox:latest", "  command: [sleep, '3600']",
             "  stop_signal: SIGKILL", *(f"  {line}" for line in more)]
    return "".join(f"\n          {line}" for line in lines)


@contextlib.contextmanager
def one_at_a_time(name: str) -> Iterator[None]:
    """A lock shared by every checkout on this machine, for a test whose names are fixed (a
    shipped playbook's): the test engine is shared, so two runs of it at once would remove
    what the other is applying."""
    with open(Path(tempfile.gettempdir()) / f"dfwctl-{name}-test.lock", "a+b") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def image_variant(docker_api, container_id: str) -> str:
    """Which test image a running container was made from: /etc/variant exists only in
    dfwctl-test/busybox:v2 (scripts/testenv)."""
    out = docker_api.exec_start(docker_api.exec_create(container_id, ["cat", "/etc/variant"]))
    return out.decode().strip()


def app_playbook(p, tz="UTC", restart="unless-stopped"):
    """Three containers (a run-once writer, an app on a network and a volume, a side
    container), the network and the volume."""
    n = p.name
    return p.write(f"""
        networks:
          {n}-net: {{}}
        volumes:
          {n}-data: {{}}
        containers:
          {n}-writer:
            image: busybox:latest
            state: exited
            command: [sh, -c, 'echo kept > /data/file']
            mounts: ['{n}-data:/data']
          {n}-app:
            image: busybox:latest
            command: [sleep, '3600']
            env: {{TZ: {tz}}}
            mounts: ['{n}-data:/data']
            networks: [{n}-net]
            restart: {restart}
            stop_signal: SIGKILL
            depends_on: [{n}-writer]
          {n}-side:
            image: busybox:latest
            command: [sleep, '3600']
            networks: [{n}-net]
            stop_signal: SIGKILL
        """)


def slow_run_once(project, seconds=60, then=()):
    """A playbook whose first container runs `sleep SECONDS` to completion (apply waits for
    it: a run that stays in one step long enough to interrupt), then the sleepers `then`,
    each depending on the one before."""
    n = project.name
    lines = [f"{n}-slow:", "  image: busybox:latest", "  state: exited",
             f"  command: [sleep, '{seconds}']", "  stop_signal: SIGKILL"]
    text = "".join(f"\n          {line}" for line in lines)
    before = f"{n}-slow"
    for name in then:
        text += sleeper(f"{n}-{name}", f"depends_on: [{before}]")
        before = f"{n}-{name}"
    return project.write(f"""
        containers:{text}
        """)


def container_ids(project):
    return {name: c["Id"] for name, c in project.containers().items()}


def many_containers(project, count, env="a"):
    """COUNT containers on one network, each with env X=ENV."""
    n = project.name
    lines = ["networks:", f"  {n}-net: {{}}", "containers:"]
    for i in range(count):
        lines += [f"  {n}-c{i:02d}:", "    image: busybox:latest",
                  "    command: [sleep, '3600']", "    stop_signal: SIGKILL",
                  f"    env: {{X: {env}}}", f"    networks: [{n}-net]",
                  "    labels: {org.example.bench: 'yes'}"]
    return project.write("\n".join(lines) + "\n")
