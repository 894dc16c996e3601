"""A fake `docker.APIClient` for engine-free tests of the Docker provider, and the dfwctl
Engine that talks to it.

The fake starts from a recorded corpus (tests/unit/docker/corpus/*.json, made by
corpus/record.py against a real engine): what the engine listed and inspected in one scenario
becomes its in-memory model of containers, networks, volumes and images. Reads answer from the
model (so an unchanged model answers exactly what the engine answered), writes change it the
way the engine does, and refusals are the SDK's real exceptions (`docker.errors.NotFound`,
`ImageNotFound`, `APIError`, built from a `requests.Response` of the engine's status code) with
the engine's own explanation texts, taken from corpus/responses.json.

Every engine call is kept in `calls`, in order. The SDK's pure builders (create_host_config,
create_networking_config, create_endpoint_config) are the SDK's own code and are not calls: they
send nothing to the engine. `fail()` makes a chosen call fail as the engine would refuse it;
`meanwhile()` changes the model just before a chosen call. Methods that change the model behind
dfwctl's back (`untag`, `drop`) are not engine calls either.
"""
from __future__ import annotations

import copy
import functools
import hashlib
import json
import re
import tarfile
import threading
from collections import Counter
from dataclasses import dataclass, field
from http import HTTPStatus
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Mapping, Optional, Tuple, Union

import docker.errors
import requests
from docker.api.container import ContainerApiMixin

from dfwctl.providers.docker.engine import Engine
from dfwctl.providers.docker.model import EngineInfo

CORPUS = Path(__file__).resolve().parent / "corpus"
SCENARIOS = ("converged", "stopped", "leftover", "norecord")
ENDPOINT = "unix:///fake/docker.sock"
FIXED_TIME = "2024-01-01T00:00:00Z"  # the recorder's stand-in for every timestamp
FIXED_EPOCH = 1704067200
RUNNING = ("running", "paused", "restarting")  # what `containers()` lists without all=True


# The corpus ----------------------------------------------------------------------------------
@functools.lru_cache(maxsize=None)
def _text(scenario: str) -> str:
    return (CORPUS / f"{scenario}.json").read_text(encoding="utf-8")


class Corpus:
    """One recorded file: the scenario's playbook and its calls, as the engine answered."""

    def __init__(self, scenario: str):
        data = json.loads(_text(scenario))  # parsed per instance: callers may change it
        self.scenario: str = data["scenario"]
        self.playbook: Dict[str, Any] = data["playbook"]
        self.engine: Dict[str, str] = data["engine"]
        self.calls: List[Dict[str, Any]] = data["calls"]

    def answers(self, method: str) -> List[Any]:
        """The successful responses to `method`, in recording order."""
        return [c.get("response") for c in self.calls if c["method"] == method
                and "error" not in c]

    def first(self, method: str) -> Any:
        found = self.answers(method)
        if not found:
            raise KeyError(f"corpus {self.scenario} recorded no {method} call")
        return found[0]

    def case(self, name: str) -> Dict[str, Any]:
        """The recorded call tagged `name` (e.g. "no such container")."""
        for call in self.calls:
            if call.get("case") == name:
                return call
        raise KeyError(f"corpus {self.scenario} has no case {name!r}")


def load(scenario: str) -> Corpus:
    return Corpus(scenario)


# Calls and the engine's errors ---------------------------------------------------------------
@dataclass(frozen=True)
class Call:
    method: str
    args: Tuple[Any, ...]
    kwargs: Mapping[str, Any] = field(default_factory=dict)


@dataclass
class _Hook:
    """Something that happens at the `nth` call to `method` (counted from when the hook was
    set), before the fake handles it."""

    method: str
    nth: int
    act: Callable[[], None]
    seen: int = 0


# The engine's paths, for the URL an error carries (as in the SDK's messages).
PATHS = {
    "version": "/version", "info": "/info", "containers": "/containers/json",
    "networks": "/networks", "volumes": "/volumes", "images": "/images/json",
    "inspect_container": "/containers/{0}/json", "inspect_network": "/networks/{0}",
    "inspect_image": "/images/{0}/json", "inspect_distribution": "/distribution/{0}/json",
    "create_container": "/containers/create", "start": "/containers/{0}/start",
    "stop": "/containers/{0}/stop", "remove_container": "/containers/{0}",
    "rename": "/containers/{0}/rename", "update_container": "/containers/{0}/update",
    "wait": "/containers/{0}/wait", "logs": "/containers/{0}/logs",
    "unpause": "/containers/{0}/unpause", "pull": "/images/create",
    "connect_container_to_network": "/networks/{1}/connect",
    "disconnect_container_from_network": "/networks/{1}/disconnect",
    "create_network": "/networks/create", "remove_network": "/networks/{0}",
    "create_volume": "/volumes/create", "remove_volume": "/volumes/{0}",
}


def api_error(status: int, explanation: str, url: str) -> docker.errors.APIError:
    """The exception the SDK raises for this engine answer: the SDK's own
    create_api_error_from_http_exception picks the class (NotFound, ImageNotFound, APIError)
    from the status and the text, as it does for a real response."""
    response = requests.Response()
    response.status_code = status
    response.reason = HTTPStatus(status).phrase
    response.url = url
    response.headers["Content-Type"] = "application/json"
    response._content = json.dumps({"message": explanation}).encode()
    side = "Client" if status < 500 else "Server"
    http = requests.exceptions.HTTPError(f"{status} {side} Error: {response.reason} for url: "
                                         f"{url}", response=response)
    try:
        docker.errors.create_api_error_from_http_exception(http)
    except docker.errors.APIError as exc:
        return exc
    raise AssertionError("the SDK did not make an APIError")  # pragma: no cover


def _substitute(text: str, recorded: Mapping[str, str], values: Mapping[str, str]) -> str:
    """`text` with each recorded value swapped for the one of this call, in one pass (a
    recorded name may contain another)."""
    swaps = {recorded[k]: str(v) for k, v in values.items() if k in recorded}
    if not swaps:
        return text
    pattern = "|".join(re.escape(k) for k in sorted(swaps, key=len, reverse=True))
    return re.sub(pattern, lambda m: swaps[m.group(0)], text)


def _engine_call(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Marks an engine call: it is recorded, may be made to fail, and runs under the lock
    (apply runs changes in threads). functools.wraps keeps the signature visible."""

    @functools.wraps(fn)
    def call(self: "FakeAPI", *args: Any, **kwargs: Any) -> Any:
        with self._lock:
            self._enter(fn.__name__, args, kwargs)
            return fn(self, *args, **kwargs)

    return call


def _fake_id(kind: str, n: int) -> str:
    return hashlib.sha256(f"fake {kind} {n}".encode()).hexdigest()


# The fake ------------------------------------------------------------------------------------
class FakeAPI:
    """The subset of docker.APIClient that dfwctl calls, same names and signatures.

    `scenario` names the corpus file the model starts from. `registry` maps an image
    reference to the image id a pull of it gets (a reference it lacks is not in the
    registry); `exit_codes` and `logs_text` set, by container name, how a run ends and what it
    printed."""

    # The SDK's builders, unchanged: they need only `_version`.
    create_host_config = ContainerApiMixin.create_host_config
    create_networking_config = ContainerApiMixin.create_networking_config
    create_endpoint_config = ContainerApiMixin.create_endpoint_config

    def __init__(self, scenario: str = "converged",
                 registry: Optional[Mapping[str, str]] = None):
        self.corpus = load(scenario)
        self.shared = load("responses")  # write responses and error texts
        self._version = self.corpus.engine["api_version"]
        self.registry: Dict[str, str] = dict(registry or {})
        self.exit_codes: Dict[str, int] = {}
        self.logs_text: Dict[str, bytes] = {}
        self.sent_contexts: List[Dict[str, bytes]] = []  # what each build was sent, by path
        self.archives: Dict[str, List[Tuple[str, bytes]]] = {}  # by container id: (path, tar)
        self.calls: List[Call] = []
        self._hooks: List[_Hook] = []
        self._made: Counter = Counter()  # ids handed out, by kind
        self._current: Tuple[str, Tuple[Any, ...]] = ("", ())
        self._lock = threading.RLock()
        self._seed()

    def _seed(self) -> None:
        """The model: what the scenario listed, with the documents it inspected (by id). Its
        containers are the playbook's own (the recorder lists them by owner label); networks,
        volumes and images are all the engine had."""
        corpus = self.corpus
        self._containers: List[Dict[str, Any]] = corpus.first("containers")
        self._networks: List[Dict[str, Any]] = corpus.first("networks")
        self._volumes: List[Dict[str, Any]] = corpus.first("volumes").get("Volumes") or []
        self._images: List[Dict[str, Any]] = corpus.first("images")
        self._inspected = {d["Id"]: d for d in corpus.answers("inspect_container")}
        self._network_docs = {d["Id"]: d for d in corpus.answers("inspect_network")}
        self._image_docs = {d["Id"]: d for d in corpus.answers("inspect_image")}

    # the test's side -------------------------------------------------------------------------
    def fail(self, method: str, nth: int = 1, status: int = 500,
             explanation: str = "cannot stop container: permission denied") -> None:
        """Make the `nth` call to `method` from now on fail as the engine refuses it: the SDK's
        exception for `status` with `explanation`; the model is left as it was."""
        def refuse() -> None:
            raise api_error(status, explanation, self._url())

        self._hooks.append(_Hook(method, nth, refuse))

    def meanwhile(self, method: str, act: Callable[[], None], nth: int = 1) -> None:
        """Run `act` just before the `nth` call to `method` from now on is handled: the engine
        changed between two of dfwctl's calls (another client, a crash)."""
        self._hooks.append(_Hook(method, nth, act))

    def drop(self, container: str) -> None:
        """`docker rm -f CONTAINER` by another client (no call of dfwctl's)."""
        with self._lock:
            found = self._find_container(container)
            assert found, f"no container {container} in the fake"
            self._containers.remove(found)
            del self._inspected[found["Id"]]

    def methods(self) -> List[str]:
        return [c.method for c in self.calls]

    def calls_to(self, method: str) -> List[Call]:
        return [c for c in self.calls if c.method == method]

    def forget(self) -> None:
        """Start a new call list (e.g. after the gather a test does not look at)."""
        self.calls = []

    def container(self, name: str) -> Optional[Dict[str, Any]]:
        """The model's container of that name (no engine call), or None."""
        with self._lock:
            found = self._find_container(name)
            return copy.deepcopy(found) if found else None

    def untag(self, reference: str) -> None:
        """`docker rmi REFERENCE` behind dfwctl's back: the tag goes, the image stays while a
        container uses it (here: always)."""
        with self._lock:
            for image in self._images:
                image["RepoTags"] = [t for t in image.get("RepoTags") or [] if t != reference]
            for doc in self._image_docs.values():
                doc["RepoTags"] = [t for t in doc.get("RepoTags") or [] if t != reference]

    def image_id(self, reference: str) -> str:
        """The id the model's tag `reference` points to (no engine call)."""
        found = self._find_image(reference)
        assert found, f"no image {reference} in the fake"
        return found["Id"]

    # bookkeeping ----------------------------------------------------------------------------
    def _enter(self, method: str, args: Tuple[Any, ...], kwargs: Dict[str, Any]) -> None:
        kept = {k: v if hasattr(v, "read") else copy.deepcopy(v)  # a file is kept as it is
                for k, v in kwargs.items()}
        self.calls.append(Call(method, args, kept))
        self._current = (method, args)
        for hook in self._hooks:
            if hook.method == method:
                hook.seen += 1
                if hook.seen == hook.nth:
                    hook.act()

    def _url(self) -> str:
        method, args = self._current
        path = PATHS.get(method, f"/{method}")
        return f"http+docker://localhost/v{self._version}" + path.format(*args, "", "")

    def _refuse(self, case: str, **values: str) -> docker.errors.APIError:
        """The engine's refusal recorded as `case`, with this call's names and ids in it."""
        recorded = self.shared.case(case)
        error = recorded["error"]
        text = _substitute(error["explanation"], recorded.get("subst") or {}, values)
        return api_error(error["status"], text, self._url())

    def _template(self, method: str, index: int = 0) -> Any:
        return copy.deepcopy(self.shared.answers(method)[index])

    def _new_id(self, kind: str) -> str:
        self._made[kind] += 1
        return _fake_id(kind, self._made[kind])

    # lookups ----------------------------------------------------------------------------------
    @staticmethod
    def _names(summary: Mapping[str, Any]) -> List[str]:
        return [n.lstrip("/") for n in summary.get("Names") or ()]

    def _find_container(self, ref: Any) -> Optional[Dict[str, Any]]:
        """By name, full id or unique id prefix, as the engine resolves a container."""
        if isinstance(ref, dict):  # the SDK accepts a container dict
            ref = ref.get("Id")
        ref = str(ref).lstrip("/")
        for c in self._containers:
            if c["Id"] == ref or ref in self._names(c):
                return c
        if len(ref) >= 1 and re.fullmatch(r"[0-9a-f]+", ref):
            prefixed = [c for c in self._containers if c["Id"].startswith(ref)]
            if len(prefixed) == 1:
                return prefixed[0]
        return None

    def _container_or_404(self, ref: Any, case: str = "no such container") -> Dict[str, Any]:
        found = self._find_container(ref)
        if found is None:
            raise self._refuse(case, name=str(ref))
        return found

    def _find_network(self, ref: str) -> Optional[Dict[str, Any]]:
        for n in self._networks:
            if n["Id"] == ref or n["Name"] == ref:
                return n
        prefixed = [n for n in self._networks if n["Id"].startswith(ref)]
        return prefixed[0] if len(prefixed) == 1 else None

    def _find_volume(self, name: str) -> Optional[Dict[str, Any]]:
        return next((v for v in self._volumes if v["Name"] == name), None)

    def _find_image(self, ref: str) -> Optional[Dict[str, Any]]:
        """By tag, repo digest or id (with or without sha256:)."""
        for image in self._images:
            if ref in (image.get("RepoTags") or ()) or ref in (image.get("RepoDigests") or ()):
                return image
            if image["Id"] in (ref, f"sha256:{ref}"):
                return image
        return None

    def _users(self, volume: str) -> List[Dict[str, Any]]:
        return [c for c in self._containers
                if any(m.get("Name") == volume for m in c.get("Mounts") or ())]

    def _attached(self, network: Mapping[str, Any]) -> List[Dict[str, Any]]:
        """The network's active endpoints: only a running container has one (a stopped or
        created one keeps its settings but neither shows in inspect nor blocks removal)."""
        return [c for c in self._containers if c["State"] in RUNNING
                and network["Name"] in ((c.get("NetworkSettings") or {}).get("Networks") or {})]

    def _set_state(self, c: Dict[str, Any], state: str, status: str,
                   exit_code: Optional[int] = None) -> None:
        """A container's run state, in its list entry and its inspect document alike."""
        c["State"], c["Status"] = state, status
        doc = self._inspected[c["Id"]].setdefault("State", {})
        doc.update(Status=state, Running=state == "running", Paused=state == "paused")
        if exit_code is not None:
            doc["ExitCode"] = exit_code

    # reads -----------------------------------------------------------------------------------
    @_engine_call
    def version(self, api_version=True):
        return copy.deepcopy(self.corpus.first("version"))

    @_engine_call
    def info(self):
        info = self._template("info")
        running = sum(1 for c in self._containers if c["State"] == "running")
        info.update(Containers=len(self._containers), ContainersRunning=running)
        return info

    @_engine_call
    def containers(self, quiet=False, all=False, trunc=False, latest=False, since=None,
                   before=None, limit=-1, size=False, filters=None):
        if latest or since or before or limit != -1 or size or trunc:
            raise NotImplementedError("the fake lists containers by all and filters only")
        found = [c for c in self._containers if all or c["State"] in RUNNING]
        for key, wanted in (filters or {}).items():
            values = wanted if isinstance(wanted, list) else [wanted]
            found = [c for c in found if any(self._matches(c, key, v) for v in values)]
        if quiet:
            return [{"Id": c["Id"]} for c in found]
        return copy.deepcopy(found)

    def _matches(self, c: Mapping[str, Any], key: str, value: str) -> bool:
        """The engine's container filters that dfwctl uses: label, name (a regular expression
        on the name with its slash), volume (a named volume it mounts), id, publish (a host
        port it publishes)."""
        if key == "label":
            label, has_value, text = value.partition("=")
            labels = c.get("Labels") or {}
            return label in labels and (not has_value or labels[label] == text)
        if key == "name":
            return any(re.search(value, n) for n in c.get("Names") or ())
        if key == "volume":
            return any(m.get("Name") == value for m in c.get("Mounts") or ())
        if key == "id":  # the engine matches the start of the id
            return str(c.get("Id", "")).startswith(value)
        if key == "publish":
            return any(str(p.get("PublicPort")) == value for p in c.get("Ports") or ())
        raise NotImplementedError(f"the fake does not filter containers by {key}")

    @_engine_call
    def networks(self, names=None, ids=None, filters=None):
        if names or ids or filters:
            raise NotImplementedError("the fake lists all networks only")
        listed = copy.deepcopy(self._networks)
        for n in listed:
            n["Containers"] = {}  # the list never carries the endpoints; inspect does
        return listed

    @_engine_call
    def volumes(self, filters=None):
        if set(filters or {}) - {"label"}:
            raise NotImplementedError("the fake filters volumes by label only")
        found = self._volumes
        if filters:  # the engine's label filter: key=value, or a key present
            label, has_value, text = filters["label"].partition("=")
            found = [v for v in found if label in (v.get("Labels") or {}) and
                     (not has_value or v["Labels"][label] == text)]
        return {"Volumes": copy.deepcopy(found), "Warnings": None}

    @_engine_call
    def images(self, name=None, quiet=False, all=False, filters=None):
        if name or filters:
            raise NotImplementedError("the fake lists all images only")
        if quiet:
            return [i["Id"] for i in self._images]
        return copy.deepcopy(self._images)

    @_engine_call
    def inspect_container(self, container):
        found = self._container_or_404(container)
        return copy.deepcopy(self._inspected[found["Id"]])

    @_engine_call
    def inspect_network(self, net_id, verbose=None, scope=None):
        network = self._find_network(net_id)
        if network is None:
            raise self._refuse("no such network", network=net_id)
        doc = copy.deepcopy(self._network_docs.get(network["Id"]) or network)
        recorded = doc.get("Containers") or {}
        # endpoints as they are now: recorded ones kept, new ones made up
        doc["Containers"] = {
            c["Id"]: recorded.get(c["Id"]) or {"Name": self._names(c)[0], "EndpointID": "",
                                                "MacAddress": "", "IPv4Address": "",
                                                "IPv6Address": ""}
            for c in self._attached(network)
        }
        return doc

    @_engine_call
    def inspect_image(self, image):
        found = self._find_image(image)
        if found is None:
            raise self._refuse("no such image", image=image)
        doc = self._image_docs.get(found["Id"])
        if doc is None:
            doc = {"Id": found["Id"], "RepoTags": found.get("RepoTags") or [],
                   "RepoDigests": found.get("RepoDigests") or []}
        return copy.deepcopy(doc)

    @_engine_call
    def inspect_distribution(self, image, auth_config=None):
        if image not in self.registry:
            raise self._refuse("distribution: no such tag", image=image)
        answer = self._template("inspect_distribution")
        answer["Descriptor"]["digest"] = "sha256:" + hashlib.sha256(
            self.registry[image].encode()).hexdigest()
        return answer

    # containers ------------------------------------------------------------------------------
    @_engine_call
    def create_container(self, image, command=None, hostname=None, user=None, detach=False,
                         stdin_open=False, tty=False, ports=None, environment=None,
                         volumes=None, network_disabled=False, name=None, entrypoint=None,
                         working_dir=None, domainname=None, host_config=None, mac_address=None,
                         labels=None, stop_signal=None, networking_config=None,
                         healthcheck=None, stop_timeout=None, runtime=None,
                         use_config_proxy=True, platform=None):
        found = self._find_image(image)
        if found is None:
            raise self._refuse("create: no such image", image=image)
        if name is not None:
            taken = self._find_container(name)
            if taken is not None and name in self._names(taken):
                raise self._refuse("create: name in use", name=name, id=taken["Id"])
        cid = self._new_id("container")
        name = name or f"fake_{self._made['container']}"
        host = dict(host_config or {})
        mode = host.get("NetworkMode") or "default"
        if mode not in ("default", "bridge", "host", "none") and not self._find_network(mode):
            raise self._refuse("connect: no such network", network=mode)
        mounts = [self._mount(b) for b in host.get("Binds") or ()]
        mounts += [{"Type": m["Type"], "Source": m.get("Source", ""), "Destination": m["Target"],
                    "RW": not m.get("ReadOnly")} for m in host.get("Mounts") or ()]
        argv = list(command) if isinstance(command, (list, tuple)) else (
            command.split() if command else [])
        self._containers.insert(0, {  # the engine lists the newest first
            "Id": cid, "Names": [f"/{name}"], "Image": image, "ImageID": found["Id"],
            "Command": " ".join(argv), "Created": FIXED_EPOCH, "Ports": [],
            "Labels": dict(labels or {}), "State": "created", "Status": "Created",
            "HostConfig": {"NetworkMode": mode},
            "NetworkSettings": {"Networks": {
                ("bridge" if mode == "default" else mode): self._endpoint(
                    ((networking_config or {}).get("EndpointsConfig") or {}).get(mode) or {})}},
            "Mounts": mounts,
        })
        env = list(environment or [])
        self._inspected[cid] = {
            "Id": cid, "Created": FIXED_TIME, "Path": argv[0] if argv else "",
            "Args": argv[1:], "Name": f"/{name}", "Image": found["Id"],
            "State": {"Status": "created", "Running": False, "Paused": False,
                      "ExitCode": 0, "StartedAt": "0001-01-01T00:00:00Z"},
            "Config": {"Image": image, "Cmd": argv or None, "Env": env,
                       "Labels": dict(labels or {}), "StopSignal": stop_signal,
                       "StopTimeout": stop_timeout, "User": user or "",
                       "WorkingDir": working_dir or "", "Hostname": hostname or cid[:12]},
            "HostConfig": host, "Mounts": mounts,
        }
        answer = self._template("create_container")
        answer["Id"] = cid
        return answer

    @staticmethod
    def _endpoint(config: Mapping[str, Any]) -> Dict[str, Any]:
        """An endpoint as the container list shows it, from the endpoint config it was made
        with (the SDK's create_endpoint_config)."""
        ipam = config.get("IPAMConfig") or None
        return {"Aliases": config.get("Aliases"), "IPAMConfig": ipam,
                "IPAddress": (ipam or {}).get("IPv4Address", "")}

    def _mount(self, bind: str) -> Dict[str, Any]:
        """A bind of create's host config as the list shows it; a named volume that is not
        there yet is made, as the engine makes it."""
        source, _, rest = bind.partition(":")
        target, _, mode = rest.partition(":")
        if source.startswith("/"):
            return {"Type": "bind", "Source": source, "Destination": target,
                    "RW": "ro" not in mode.split(",")}
        if self._find_volume(source) is None:
            self._volumes.append(self._volume_doc(source, "local", None, None))
        return {"Type": "volume", "Name": source, "Destination": target, "Driver": "local",
                "RW": "ro" not in mode.split(",")}

    @_engine_call
    def start(self, container, *args, **kwargs):
        found = self._container_or_404(container, "start: no such container")
        if found["State"] != "running":  # a running one: 304, which the SDK returns as None
            self._set_state(found, "running", "Up Less than a second")

    @_engine_call
    def stop(self, container, timeout=None):
        found = self._container_or_404(container, "stop: no such container")
        if found["State"] in RUNNING:  # otherwise 304: already stopped
            # the corpus' containers ignore SIGTERM (sleep as pid 1): killed, 128 + 9
            self._set_state(found, "exited", "Exited (137) Less than a second ago", 137)

    @_engine_call
    def restart(self, container, timeout=10):
        found = self._container_or_404(container, "start: no such container")
        self._set_state(found, "running", "Up Less than a second")

    @_engine_call
    def remove_container(self, container, v=False, link=False, force=False):
        found = self._container_or_404(container, "remove: no such container")
        if found["State"] in RUNNING and not force:
            raise self._refuse("remove: running", id=found["Id"])
        self._containers.remove(found)
        del self._inspected[found["Id"]]

    @_engine_call
    def put_archive(self, container, path, data):
        """Keeps the archive (tests read it back); the engine unpacks it into the container."""
        found = self._container_or_404(container)
        self.archives.setdefault(found["Id"], []).append((path, bytes(data)))
        return True

    @_engine_call
    def rename(self, container, name):
        found = self._container_or_404(container, "rename: no such container")
        taken = self._find_container(name)
        if taken is not None and taken is not found and name in self._names(taken):
            raise self._refuse("rename: name in use", container=str(container), name=name,
                               id=taken["Id"])
        found["Names"] = [f"/{name}"]
        self._inspected[found["Id"]]["Name"] = f"/{name}"

    @_engine_call
    def update_container(self, container, blkio_weight=None, cpu_period=None, cpu_quota=None,
                         cpu_shares=None, cpuset_cpus=None, cpuset_mems=None, mem_limit=None,
                         mem_reservation=None, memswap_limit=None, kernel_memory=None,
                         restart_policy=None):
        found = self._container_or_404(container, "update: no such container")
        host = self._inspected[found["Id"]].setdefault("HostConfig", {})
        changes = {"RestartPolicy": restart_policy, "Memory": mem_limit,
                   "MemorySwap": memswap_limit, "CpuPeriod": cpu_period, "CpuQuota": cpu_quota}
        host.update({k: v for k, v in changes.items() if v is not None})
        return self._template("update_container")

    @_engine_call
    def wait(self, container, timeout=None, condition=None):
        """A started container runs to its end here: the code in exit_codes (0 by default)."""
        found = self._container_or_404(container, "wait: no such container")
        code = self.exit_codes.get(self._names(found)[0], 0)
        if found["State"] == "running":
            self._set_state(found, "exited", f"Exited ({code}) Less than a second ago", code)
        answer = self._template("wait")
        answer["StatusCode"] = self._inspected[found["Id"]]["State"]["ExitCode"]
        return answer

    @_engine_call
    def logs(self, container, stdout=True, stderr=True, stream=False, timestamps=False,
             tail="all", since=None, follow=None, until=None):
        found = self._container_or_404(container)
        return self.logs_text.get(self._names(found)[0], b"")

    @_engine_call
    def unpause(self, container):
        found = self._container_or_404(container)
        if found["State"] != "paused":
            raise self._refuse("unpause: not paused", name=str(container), id=found["Id"])
        self._set_state(found, "running", "Up Less than a second")

    # networks ---------------------------------------------------------------------------------
    @_engine_call
    def connect_container_to_network(self, container, net_id, ipv4_address=None,
                                     ipv6_address=None, aliases=None, links=None,
                                     link_local_ips=None, driver_opt=None, mac_address=None):
        found = self._container_or_404(container)
        network = self._find_network(net_id)
        if network is None:
            raise self._refuse("connect: no such network", network=net_id)
        config = self.create_endpoint_config(aliases=aliases, ipv4_address=ipv4_address)
        found["NetworkSettings"]["Networks"][network["Name"]] = self._endpoint(config)

    @_engine_call
    def disconnect_container_from_network(self, container, net_id, force=False):
        found = self._container_or_404(container)
        network = self._find_network(net_id)
        if network is None:
            raise self._refuse("connect: no such network", network=net_id)
        found["NetworkSettings"]["Networks"].pop(network["Name"], None)

    @_engine_call
    def create_network(self, name, driver=None, options=None, ipam=None, check_duplicate=None,
                       internal=False, labels=None, enable_ipv6=False, attachable=None,
                       scope=None, ingress=None):
        same = self._find_network(name)
        nid = self._new_id("network")
        self._networks.append({
            "Name": name, "Id": nid, "Created": FIXED_TIME, "Scope": scope or "local",
            "Driver": driver or "bridge", "EnableIPv6": enable_ipv6,
            "IPAM": dict(ipam) if ipam else {"Driver": "default", "Options": None, "Config": []},
            "Internal": internal, "Attachable": bool(attachable), "Ingress": bool(ingress),
            "ConfigFrom": {"Network": ""}, "ConfigOnly": False, "Containers": {},
            "Options": dict(options or {}), "Labels": dict(labels or {}),
        })
        if same is None:
            answer = self._template("create_network", 0)
        else:  # this engine makes a second one, and says so
            answer = self._template("create_network", 1)
            recorded = self.shared.case("create network: name in use")
            answer["Warning"] = _substitute(answer["Warning"], recorded["subst"],
                                            {"network": name, "id": same["Id"]})
        answer["Id"] = nid
        return answer

    @_engine_call
    def remove_network(self, net_id):
        network = self._find_network(net_id)
        if network is None:
            raise self._refuse("remove network: no such network", network=net_id)
        if self._attached(network):
            raise self._refuse("remove network: in use", network=network["Name"],
                               id=network["Id"])
        self._networks.remove(network)
        self._network_docs.pop(network["Id"], None)

    # volumes ----------------------------------------------------------------------------------
    def _volume_doc(self, name: str, driver: Optional[str], driver_opts: Any,
                    labels: Any) -> Dict[str, Any]:
        doc = self._template("create_volume")
        recorded = doc["Name"]
        doc.update(Name=name, Driver=driver or "local", Options=driver_opts,
                   Labels=dict(labels or {}) or None,
                   Mountpoint=doc["Mountpoint"].replace(recorded, name))
        return doc

    @_engine_call
    def create_volume(self, name=None, driver=None, driver_opts=None, labels=None):
        name = name or _fake_id("volume", len(self._volumes))
        found = self._find_volume(name)
        if found is None:  # an existing one is answered as it is, as the engine does
            found = self._volume_doc(name, driver, driver_opts, labels)
            self._volumes.append(found)
        return copy.deepcopy(found)

    @_engine_call
    def inspect_volume(self, name):
        found = self._find_volume(name)
        if found is None:  # the engine's words for both: "get NAME: no such volume"
            raise self._refuse("remove volume: no such volume", volume=name)
        return copy.deepcopy(found)

    @_engine_call
    def remove_volume(self, name, force=False):
        found = self._find_volume(name)
        if found is None:
            raise self._refuse("remove volume: no such volume", volume=name)
        users = self._users(name)
        if users:
            raise self._refuse("remove volume: in use", volume=name,
                               users=", ".join(c["Id"] for c in users))
        self._volumes.remove(found)

    # images -----------------------------------------------------------------------------------
    @_engine_call
    def pull(self, repository, tag=None, stream=False, auth_config=None, decode=False,
             platform=None, all_tags=False):
        """Gets registry[REPOSITORY:TAG] and points the tag at it; the progress is the
        recorded one, about this reference."""
        reference = f"{repository}:{tag or 'latest'}"
        if reference not in self.registry:
            raise self._refuse("pull: no such tag", image=reference)
        self._point(reference, self.registry[reference])
        recorded = next(c for c in self.shared.calls if c["method"] == "pull" and "error" not in c)
        was = f"{recorded['args'][0]}:{recorded['kwargs']['tag']}"
        events = [json.loads(json.dumps(e).replace(was, reference)) for e in recorded["response"]]
        return self._stream(events, stream, decode)

    @_engine_call
    def build(self, path=None, tag=None, quiet=False, fileobj=None, nocache=False, rm=False,
              timeout=None, custom_context=False, encoding=None, pull=False, forcerm=False,
              dockerfile=None, container_limits=None, decode=False, buildargs=None, gzip=False,
              shmsize=None, labels=None, cache_from=None, target=None, network_mode=None,
              squash=None, extra_hosts=None, platform=None, isolation=None,
              use_config_proxy=True):
        """Reads the context tar (which must hold the Dockerfile) and replays the engine's
        recorded output (corpus/build.json): the failed build when the Dockerfile has a RUN
        ending in `false`, else the one that succeeded, after which the tag names an image
        whose id follows from what was sent, with the labels asked for."""
        with tarfile.open(fileobj=fileobj) as context:
            sent = {m.name: (context.extractfile(m).read() if m.isfile() else b"")
                    for m in context.getmembers()}
        self.sent_contexts.append(sent)
        recorded = json.loads((CORPUS / "build.json").read_text(encoding="utf-8"))
        text = sent[dockerfile or "Dockerfile"].decode()
        if re.search(r"^RUN .*false\s*$", text, re.M):
            return iter(recorded["failed"])
        seed = json.dumps([sorted(sent.items(), key=lambda kv: kv[0]), labels, buildargs,
                           target], default=lambda b: b.decode("latin-1"))
        image_id = "sha256:" + hashlib.sha256(seed.encode()).hexdigest()
        self._point(tag, image_id)
        image = next(i for i in self._images if i["Id"] == image_id)
        image["Labels"] = dict(labels or {})
        return iter(recorded["succeeded"])

    @staticmethod
    def _stream(events: List[Dict[str, Any]], stream: bool,
                decode: bool) -> Union[str, Iterator[Any]]:
        lines = [json.dumps(e) for e in events]
        if not stream:
            return "\r\n".join(lines)
        if decode:
            return iter(events)
        return iter(f"{line}\r\n".encode() for line in lines)

    def _point(self, reference: str, image_id: str) -> None:
        """The tag `reference` now names image `image_id` (a new image if the model has
        none with that id)."""
        self.untag(reference)
        target = next((i for i in self._images if i["Id"] == image_id), None)
        if target is None:
            target = {"Containers": -1, "Created": FIXED_EPOCH, "Id": image_id, "Labels": None,
                      "ParentId": "", "RepoDigests": [], "RepoTags": [], "SharedSize": -1,
                      "Size": 0, "VirtualSize": 0}
            self._images.insert(0, target)
        target["RepoTags"] = list(target.get("RepoTags") or []) + [reference]
        doc = self._image_docs.get(image_id)
        if doc is not None:
            doc["RepoTags"] = list(doc.get("RepoTags") or []) + [reference]


# dfwctl's Engine on the fake ----------------------------------------------------------------
class FakeEngine(Engine):
    """dfwctl's Engine (its `api`, `info`, `call` and error translation unchanged), connected
    to a FakeAPI instead of a socket. Connecting reads /version once, as the real client's
    version negotiation does, and fills `info` from it the way engine.py does."""

    def __init__(self, fake: FakeAPI):
        super().__init__(endpoint=ENDPOINT)
        self.fake = fake

    def _connect(self) -> FakeAPI:
        version = self.fake.version(api_version=False)
        self._info = EngineInfo(
            endpoint=self.endpoint,
            os_type=str(version.get("Os", "linux")).lower(),
            api_version=version.get("ApiVersion", ""),
            server_version=version.get("Version", ""),
        )
        return self.fake
