"""Record the Docker Engine API responses that tests/unit/docker/fakeapi.py replays.

Run by hand, from the repository root, against the test engine:

    eval "$(scripts/testenv up)" && .venv/bin/python tests/unit/docker/corpus/record.py

It applies a uniquely named playbook with the real CLI (`python -m dfwctl apply -y`), puts the
engine into each scenario (some of them behind dfwctl's back, as a user would), and writes what
the low-level `docker.APIClient` answers, call by call, to tests/unit/docker/corpus/:

  converged.json   the playbook applied: a network, a volume, a running container and a
                   run-once container (`state: exited`) that ran to completion
  stopped.json     the same, with the running container stopped by hand (`docker stop`)
  leftover.json    the same, plus what an interrupted replace leaves: the replacement,
                   created exactly as dfwctl creates it (label io.dfwctl.replacing) under its
                   temporary name `corpus-app-dfwctl-abc123`, never renamed or started
  norecord.json    the run-once container made again by hand with the owner label only: its
                   spec record (label io.dfwctl.spec) is missing
  responses.json   what write calls answer, and the engine's errors (404 no such container,
                   409 name conflict, 409 remove a running container, ...), each with a `case`
                   name the fake looks its texts up by

Each call is stored as {method, args, kwargs, response} or {method, args, kwargs, error:
{status, reason, class, url, explanation}}. Volatile values are replaced consistently in all
files at once: the playbook's unique name by `corpus`, every 64-hex id (containers, networks,
images, layers) by a stable fake id (its 12-character short form too), and timestamps by a fixed
one. Networks and volumes that other playbooks own (tests running at the same time) are left
out of the lists; everything else is as the engine said it.

Everything the recorder creates on the engine is removed at the end, also when it fails.
Requires DOCKER_HOST and DFWCTL_TEST_REGISTRY (scripts/testenv sets both) and the test images
busybox:latest and dfwctl-test/busybox:latest.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile
import types
import uuid
from pathlib import Path
from typing import Any, Dict, List, Optional

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[3]
sys.path.insert(0, str(ROOT))

import docker  # noqa: E402  -- after the path: the recorder runs as a script
import docker.errors  # noqa: E402

from dfwctl.mask import unmasked  # noqa: E402
from dfwctl.providers.docker import labels as L  # noqa: E402
from dfwctl.providers.docker.create import create_arguments  # noqa: E402
from dfwctl.providers.docker.model import ContainerSpec  # noqa: E402

STABLE_NAME = "corpus"  # what the unique playbook name becomes in the files
FIXED_TIME = "2024-01-01T00:00:00Z"
FIXED_EPOCH = 1704067200
TEMP_SUFFIX = "-dfwctl-abc123"  # the temporary name of the interrupted replacement


def playbook(name: str) -> Dict[str, Any]:
    """The scenario playbook (JSON is YAML): a network, a volume, two containers."""
    return {
        "version": 1,
        "name": name,
        "networks": {f"{name}-net": {}},
        "volumes": {f"{name}-data": {}},
        "containers": {
            f"{name}-once": {
                "image": "dfwctl-test/busybox:latest",
                "state": "exited",
                "command": ["sh", "-c", "echo ready > /data/ready"],
                "mounts": [f"{name}-data:/data"],
            },
            f"{name}-app": {
                "image": "busybox:latest",
                "command": ["sleep", "3600"],
                "env": {"TZ": "UTC"},
                "mounts": [f"{name}-data:/data"],
                "networks": [f"{name}-net"],
                "restart": "unless-stopped",
                "labels": {"org.example.role": "app"},
                "stop_signal": "SIGKILL",
                "stop_timeout": 3,
                "depends_on": [f"{name}-once"],
            },
        },
    }


class Recorder:
    """Calls the engine through the SDK and keeps every call with what it answered."""

    def __init__(self, api: docker.APIClient):
        self.api = api
        self.calls: List[Dict[str, Any]] = []

    def take(self) -> List[Dict[str, Any]]:
        taken, self.calls = self.calls, []
        return taken

    def __call__(self, method: str, *args: Any, case: Optional[str] = None,
                 subst: Optional[Dict[str, str]] = None, **kwargs: Any) -> Any:
        """Make one call and record it; an APIError is recorded (and returned as None)."""
        entry: Dict[str, Any] = {"method": method, "args": list(args), "kwargs": kwargs}
        if case:
            entry["case"] = case
        if subst:
            entry["subst"] = subst  # values in the explanation the fake swaps for its own
        try:
            response = getattr(self.api, method)(*args, **kwargs)
            if isinstance(response, types.GeneratorType):
                response = list(response)
                entry["stream"] = True
            if isinstance(response, bytes):
                entry["bytes"] = response.decode("utf-8", "replace")
            else:
                entry["response"] = response
        except docker.errors.APIError as exc:
            entry["error"] = {
                "status": exc.response.status_code,
                "reason": exc.response.reason,
                "class": type(exc).__name__,
                "url": exc.response.url,
                "explanation": exc.explanation,
            }
            response = None
        self.calls.append(entry)
        return response


def apply(path: Path, env: Dict[str, str]) -> None:
    """`dfwctl apply -y` with the real CLI; the recorder stops if it fails."""
    python = ROOT / ".venv" / "bin" / "python"
    argv = [str(python if python.exists() else sys.executable), "-m", "dfwctl", "apply", "-y",
            str(path)]
    done = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({done.returncode}):\n{done.stdout}\n"
                         f"{done.stderr}")


def others_owned(item: Dict[str, Any], name: str) -> bool:
    """A network or volume another playbook owns (a test that runs at the same time)."""
    owner = (item.get("Labels") or {}).get(L.OWNER)
    return owner is not None and owner != name


def read(rec: Recorder, name: str, images: List[str]) -> None:
    """The reads of gather and of perform's inspects, for playbook `name`."""
    rec("version", api_version=False)
    containers = rec("containers", all=True, filters=L.owner_filter(name))
    rec("networks")
    rec.calls[-1]["response"] = [n for n in rec.calls[-1]["response"]
                                 if not others_owned(n, name)]
    rec("volumes")
    listed = rec.calls[-1]["response"]
    listed["Volumes"] = [v for v in listed.get("Volumes") or [] if not others_owned(v, name)]
    rec("images")
    for container in containers:
        rec("inspect_container", container["Id"])
    for network in rec.api.networks(filters=L.owner_filter(name)):
        rec("inspect_network", network["Id"])
    for reference in images:
        rec("inspect_image", reference)


def leftover(api: docker.APIClient, name: str) -> str:
    """Create the replacement of `NAME-app` the way perform does (env changed), under its
    temporary name, and stop there: the apply was interrupted before stop/remove/rename."""
    app = f"{name}-app"
    labels = api.inspect_container(app)["Config"]["Labels"]
    spec = L.recorded_spec(ContainerSpec, app, labels)
    spec = dataclasses.replace(spec, env=(("TZ", "Asia/Taipei"),))
    temp = app + TEMP_SUFFIX
    new_labels = L.owned_labels(name, spec, unmasked)
    new_labels[L.REPLACING] = app
    return api.create_container(**create_arguments(api, spec, temp, new_labels))["Id"]


def no_record(api: docker.APIClient, name: str) -> None:
    """Make NAME-once again by hand, with the owner label but no spec record, and run it."""
    once = f"{name}-once"
    api.remove_container(once, force=True)
    created = api.create_container(
        "dfwctl-test/busybox:latest", ["sh", "-c", "echo by hand > /data/ready"], name=once,
        labels={L.OWNER: name}, host_config=api.create_host_config(binds=[f"{name}-data:/data"]))
    api.start(created["Id"])
    api.wait(created["Id"], timeout=60)


def responses(rec: Recorder, name: str, registry: str) -> None:
    """Write calls as they succeed and as they fail, on objects of their own (NAME-spare...)
    beside the scenario's, which stay as they are."""
    app, net, data = f"{name}-app", f"{name}-net", f"{name}-data"
    spare, temp = f"{name}-spare", f"{name}-spare{TEMP_SUFFIX}"
    missing = f"{name}-missing"
    owner = {L.OWNER: name}
    api = rec.api
    app_id = api.inspect_container(app)["Id"]
    rec("version", api_version=False)
    rec("info")
    # reads with filters, as gather (name clash) and perform (volume users) make them
    rec("containers", all=True, filters={"name": [f"^/{app}$", f"^/{missing}$"]})
    rec("containers", all=True, filters={"volume": data})
    rec("containers", filters=L.owner_filter(name))  # without all: the running ones only
    # containers that are not there
    rec("inspect_container", missing, case="no such container", subst={"name": missing})
    rec("start", missing, case="start: no such container", subst={"name": missing})
    rec("stop", missing, timeout=3, case="stop: no such container", subst={"name": missing})
    rec("remove_container", missing, v=True, case="remove: no such container",
        subst={"name": missing})
    rec("rename", missing, f"{name}-other", case="rename: no such container",
        subst={"name": missing})
    rec("update_container", missing, restart_policy={"Name": "always"},
        case="update: no such container", subst={"name": missing})
    rec("wait", missing, case="wait: no such container", subst={"name": missing})
    rec("unpause", app, case="unpause: not paused", subst={"name": app, "id": app_id})
    # images that are not there
    rec("inspect_image", "dfwctl-test/nope:missing", case="no such image",
        subst={"image": "dfwctl-test/nope:missing"})
    rec("create_container", "dfwctl-test/nope:missing", name=spare, case="create: no such image",
        subst={"image": "dfwctl-test/nope:missing"})
    rec("create_container", "busybox:latest", name=app, case="create: name in use",
        subst={"name": app, "id": app_id})
    # a replace, step by step, on a spare container of its own
    host = api.create_host_config(network_mode=net, restart_policy={"Name": ""})
    networking = api.create_networking_config({net: api.create_endpoint_config(aliases=[spare])})
    first = rec("create_container", "busybox:latest", ["sleep", "3600"], name=spare,
                labels=owner, stop_signal="SIGKILL", host_config=host,
                networking_config=networking, detach=True)
    rec("start", first["Id"])
    rec("start", first["Id"], case="start: already running")
    rec("remove_container", first["Id"], v=True, case="remove: running",
        subst={"id": first["Id"]})
    second = rec("create_container", "busybox:latest", ["sleep", "3600"], name=temp,
                 labels={**owner, L.REPLACING: spare}, stop_signal="SIGKILL", host_config=host,
                 networking_config=networking, detach=True)
    rec("rename", temp, spare, case="rename: name in use",
        subst={"container": temp, "name": spare, "id": first["Id"]})
    rec("stop", first["Id"], timeout=3)
    rec("stop", first["Id"], timeout=3, case="stop: not running")
    rec("remove_container", first["Id"], v=True)
    rec("rename", temp, spare)
    rec("start", spare)
    rec("update_container", spare, restart_policy={"Name": "always"})
    rec("inspect_container", spare)
    rec("connect_container_to_network", spare, f"{missing}-net", aliases=[spare],
        case="connect: no such network", subst={"network": f"{missing}-net"})
    # a run-once container that fails, as wait_exit reads it
    failing = rec("create_container", "busybox:latest", ["sh", "-c", "echo failing; exit 3"],
                  name=f"{spare}-once", labels=owner, detach=True)
    rec("start", failing["Id"])
    rec("wait", failing["Id"], timeout=60)
    rec("logs", failing["Id"], tail=20)
    # networks
    made = rec("create_network", f"{spare}-net", driver="bridge", internal=False,
               attachable=False, labels=owner)
    # no error: this engine (API < 1.44) makes a second network of that name, with a warning
    rec("create_network", f"{spare}-net", driver="bridge", internal=False, attachable=False,
        labels=owner, case="create network: name in use",
        subst={"network": f"{spare}-net", "id": made["Id"]})
    network = api.inspect_network(net)
    rec("inspect_network", network["Id"])
    rec("remove_network", network["Id"], case="remove network: in use",
        subst={"network": net, "id": network["Id"]})
    rec("inspect_network", f"{missing}-net", case="no such network",
        subst={"network": f"{missing}-net"})
    rec("remove_network", f"{missing}-net", case="remove network: no such network",
        subst={"network": f"{missing}-net"})
    rec("disconnect_container_from_network", spare, net, force=True)
    rec("remove_network", made["Id"])
    # volumes
    rec("create_volume", f"{spare}-data", driver="local", driver_opts=None, labels=owner)
    rec("create_volume", f"{spare}-data", driver="local", driver_opts=None, labels=owner)
    rec("remove_volume", data, case="remove volume: in use", subst={"volume": data})
    in_use = rec.calls[-1]["error"]["explanation"]  # ... volume is in use - [ID, ID]
    rec.calls[-1]["subst"]["users"] = in_use[in_use.index("[") + 1:in_use.rindex("]")]
    rec("remove_volume", f"{missing}-data", case="remove volume: no such volume",
        subst={"volume": f"{missing}-data"})
    rec("remove_volume", f"{spare}-data")
    # the registry
    rec("pull", f"{registry}/dfwctl-test/busybox", tag="latest", stream=True, decode=True)
    rec("pull", f"{registry}/dfwctl-test/nope", tag="missing", stream=True, decode=True,
        case="pull: no such tag", subst={"image": f"{registry}/dfwctl-test/nope:missing"})
    rec("inspect_distribution", f"{registry}/dfwctl-test/busybox:latest")
    rec("inspect_distribution", f"{registry}/dfwctl-test/nope:missing",
        case="distribution: no such tag", subst={"image": f"{registry}/dfwctl-test/nope:missing"})
    for made_id in (second["Id"], failing["Id"]):
        api.remove_container(made_id, force=True)


def cleanup(api: docker.APIClient, name: str) -> None:
    """Remove every container, network and volume of playbook `name` (and the spare ones)."""
    owned = L.owner_filter(name)
    for c in api.containers(all=True, filters=owned):
        api.remove_container(c["Id"], force=True, v=True)
    for c in api.containers(all=True, filters={"name": [f"^/{name}-"]}):
        api.remove_container(c["Id"], force=True, v=True)
    for n in api.networks(filters=owned):
        api.remove_network(n["Id"])
    for v in (api.volumes(filters=owned) or {}).get("Volumes") or []:
        api.remove_volume(v["Name"], force=True)


# Volatile values -----------------------------------------------------------------------------
_HEX64 = re.compile(r"(?<![0-9a-f])[0-9a-f]{64}(?![0-9a-f])")
_TIME = re.compile(r'"(?!0001-)\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)"')
_EPOCH = re.compile(r'"(Created)": \d{9,}')


def stable(texts: Dict[str, str], name: str) -> Dict[str, str]:
    """The files' texts with the unique name, ids and timestamps replaced the same way in all
    of them (the same id is the same fake id everywhere)."""
    texts = {k: t.replace(name, STABLE_NAME) for k, t in texts.items()}
    ids: Dict[str, str] = {}
    for text in texts.values():
        for found in _HEX64.findall(text):
            if found not in ids:
                ids[found] = hashlib.sha256(f"corpus id {len(ids)}".encode()).hexdigest()
    out = {}
    for key, text in texts.items():
        text = _HEX64.sub(lambda m: ids[m.group(0)], text)
        for old, new in ids.items():  # short ids: hostnames, messages, layer ids
            text = re.sub(rf"(?<![0-9a-f]){old[:12]}(?![0-9a-f])", new[:12], text)
        text = _TIME.sub(f'"{FIXED_TIME}"', text)
        out[key] = _EPOCH.sub(rf'"\1": {FIXED_EPOCH}', text)
    return out


def write(files: Dict[str, Dict[str, Any]], name: str) -> None:
    texts = {k: json.dumps(v, indent=1, sort_keys=False) + "\n" for k, v in files.items()}
    for key, text in stable(texts, name).items():
        (HERE / f"{key}.json").write_text(text, encoding="utf-8")
        print(f"wrote {HERE / f'{key}.json'}")


def main() -> None:
    endpoint = os.environ.get("DOCKER_HOST")
    registry = os.environ.get("DFWCTL_TEST_REGISTRY")
    if not endpoint or not registry:
        raise SystemExit('run `eval "$(scripts/testenv up)"` first (DOCKER_HOST, '
                         'DFWCTL_TEST_REGISTRY)')
    api = docker.APIClient(base_url=endpoint, version="auto", timeout=120)
    name = f"rec{uuid.uuid4().hex[:8]}"
    rec = Recorder(api)
    images = ["busybox:latest", "dfwctl-test/busybox:latest", "dfwctl-test/busybox:v2"]
    book = playbook(name)
    files: Dict[str, Dict[str, Any]] = {}

    def scenario(key: str, description: str, setup: List[str]) -> None:
        read(rec, name, images)
        version = rec.calls[0]["response"]
        files[key] = {"scenario": key, "description": description, "setup": setup,
                      "engine": {"version": version["Version"],
                                 "api_version": version["ApiVersion"], "os": version["Os"]},
                      "playbook": book, "calls": rec.take()}

    with tempfile.TemporaryDirectory(prefix="dfwctl-corpus-") as tmp:
        path = Path(tmp) / "playbook.yml"
        path.write_text(json.dumps(book, indent=2), encoding="utf-8")
        env = dict(os.environ, DFWCTL_LOCK_DIR=str(Path(tmp) / "locks"), DFWCTL_NO_CACHE="1")
        try:
            apply(path, env)
            scenario("converged", "the playbook applied: every object as recorded", [
                "dfwctl apply -y playbook"])
            api.stop(f"{name}-app")
            scenario("stopped", "the running container stopped outside dfwctl", [
                "dfwctl apply -y playbook", f"docker stop {STABLE_NAME}-app"])
            apply(path, env)
            made = leftover(api, name)
            scenario("leftover", "an interrupted replace left its replacement under the "
                     "temporary name", [
                         "dfwctl apply -y playbook",
                         f"create {STABLE_NAME}-app{TEMP_SUFFIX} as perform does for a replace "
                         "(env TZ=Asia/Taipei, label io.dfwctl.replacing), nothing after it"])
            api.remove_container(made, force=True)
            no_record(api, name)
            scenario("norecord", "the run-once container made again by hand with the owner "
                     "label only (no spec record)", [
                         "dfwctl apply -y playbook", f"docker rm -f {STABLE_NAME}-once",
                         f"docker run --label io.dfwctl.playbook={STABLE_NAME} --name "
                         f"{STABLE_NAME}-once ... (ran to completion)"])
            responses(rec, name, registry)
            version = rec.calls[0]["response"]
            files["responses"] = {
                "scenario": "responses",
                "description": "write calls as they succeed, and the engine's errors",
                "setup": ["the norecord scenario", f"objects of their own: {STABLE_NAME}-spare*"],
                "engine": {"version": version["Version"], "api_version": version["ApiVersion"],
                           "os": version["Os"]},
                "playbook": book, "calls": rec.take()}
        finally:
            cleanup(api, name)
    write(files, name)


if __name__ == "__main__":
    main()
