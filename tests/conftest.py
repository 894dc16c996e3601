"""Shared fixtures. Tests marked `engine` talk to a real Docker Engine (DOCKER_HOST), which
`make test` starts with scripts/testenv; every object they create is removed afterwards."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
OWNER_LABEL = "io.dfwctl.playbook"


@dataclass
class Result:
    code: int
    out: str
    err: str

    def __str__(self) -> str:
        return f"exit {self.code}\n--- stdout\n{self.out}\n--- stderr\n{self.err}"


def run_dfwctl(*args, env=None, cwd=None, timeout=300) -> Result:
    """Run the real command line in a child process."""
    proc = subprocess.run(
        [sys.executable, "-m", "dfwctl", *map(str, args)],
        capture_output=True, text=True, env=env, cwd=cwd or ROOT, timeout=timeout,
        stdin=subprocess.DEVNULL,
    )
    return Result(proc.returncode, proc.stdout, proc.stderr)


@pytest.fixture(scope="session")
def docker_api():
    import docker

    endpoint = os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock")
    try:
        client = docker.APIClient(base_url=endpoint, version="auto", timeout=120)
    except docker.errors.DockerException as exc:
        pytest.fail(f"no Docker Engine at {endpoint} ({exc}); `make test` starts one "
                    "(scripts/testenv up)", pytrace=False)
    yield client
    client.close()


def image_variant(docker_api, container_id: str) -> str:
    """Which test image a running container was made from: /etc/variant exists only in
    dfwctl-test/busybox:v2 (scripts/testenv)."""
    out = docker_api.exec_start(docker_api.exec_create(container_id, ["cat", "/etc/variant"]))
    return out.decode().strip()


@pytest.fixture(scope="session")
def registry():
    value = os.environ.get("DFWCTL_TEST_REGISTRY")
    if not value:
        pytest.fail("DFWCTL_TEST_REGISTRY is not set; run the tests with `make test`", pytrace=False)
    return value


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


@pytest.fixture
def project(tmp_path, docker_api):
    proj = Project(tmp_path, docker_api)
    yield proj
    proj.cleanup()
