"""Carry out one planned Docker change: pull, create, update, replace or delete."""
from __future__ import annotations

import secrets as _random
from typing import Any, Callable, Dict, Optional

from dfwctl.errors import EngineError
from dfwctl.logs import get_logger
from dfwctl.plan import Change
from dfwctl.providers.docker import labels as L
from dfwctl.providers.docker.create import create_arguments, limits, restart_policy
from dfwctl.providers.docker.engine import Engine
from dfwctl.providers.docker.model import (
    ContainerSpec,
    Desired,
    ImageSpec,
    NetworkSpec,
    VolumeSpec,
)
from dfwctl.providers.docker.record import masker

log = get_logger(__name__)
Progress = Callable[[str], None]  # one line of progress for the change being applied


class DockerPerformer:
    """Applies the Docker changes of a plan. Safe to call from several threads."""

    def __init__(self, engine: Engine, desired: Desired, exit_wait: Optional[float] = None):
        self.engine = engine
        self.api = engine.api
        self.desired = desired
        self.mask = masker(desired.secrets, desired.name)
        self.exit_wait = exit_wait

    def __call__(self, change: Change, progress: Progress) -> None:
        handler = getattr(self, f"_{change.kind}_{change.action.value}", None)
        if handler is None:
            raise EngineError(f"{change.address}: dfwctl cannot {change.action.value} a {change.kind}")
        handler(change, progress)

    def call(self, what: str, fn, *args, **kwargs):
        return self.engine.call(what, fn, *args, **kwargs)

    # images -------------------------------------------------------------------------------
    def _image_create(self, change: Change, progress: Progress) -> None:
        self._pull(change.desired, progress)

    _image_update = _image_create

    def _pull(self, spec: ImageSpec, progress: Progress) -> None:
        repository, tag = _split_reference(spec.reference)
        layers: Dict[str, Any] = {}
        stream = self.call(f"pull image {spec.reference}", self.api.pull, repository, tag=tag,
                           stream=True, decode=True)
        last = ""
        for event in self._events(stream, f"pull image {spec.reference}"):
            if "error" in event:
                raise EngineError(
                    f"pull image {spec.reference}: {event['error']}",
                    "check the image name and tag, and that the registry is reachable",
                )
            detail = event.get("progressDetail") or {}
            if event.get("id") and detail.get("total"):
                layers[event["id"]] = (detail.get("current", 0), detail["total"])
            done = sum(c for c, _ in layers.values())
            total = sum(t for _, t in layers.values())
            line = f"pulling {_mib(done)}/{_mib(total)}" if total else event.get("status", "")
            if line and line != last:
                progress(line)
                last = line

    def _events(self, stream, what: str):
        import docker.errors
        import requests.exceptions

        try:
            yield from stream
        except docker.errors.APIError as exc:
            from dfwctl.providers.docker.engine import api_error

            raise api_error(what, exc) from None
        except requests.exceptions.RequestException as exc:
            raise EngineError(f"{what}: {exc}") from None

    # networks and volumes -----------------------------------------------------------------
    def _network_create(self, change: Change, progress: Progress) -> None:
        spec: NetworkSpec = change.desired
        ipam = None
        if spec.subnet or spec.gateway:
            pool = self.api.create_ipam_pool(subnet=spec.subnet, gateway=spec.gateway)
            ipam = self.api.create_ipam_config(pool_configs=[pool])
        self.call(f"create network {spec.name}", self.api.create_network, spec.name,
                  driver=spec.driver, options=dict(spec.options) or None, ipam=ipam,
                  internal=spec.internal, attachable=spec.attachable,
                  labels=L.owned_labels(self.desired.name, spec, self.mask))

    def _network_delete(self, change: Change, progress: Progress) -> None:
        name = change.name
        info = self.call(f"inspect network {name}", self.api.inspect_network, change.actual.id)
        for container in (info.get("Containers") or {}):
            progress(f"disconnecting {container[:12]}")
            self.call(f"disconnect {container[:12]} from network {name}",
                      self.api.disconnect_container_from_network, container, name, force=True)
        self.call(f"remove network {name}", self.api.remove_network, change.actual.id)

    def _network_replace(self, change: Change, progress: Progress) -> None:
        self._network_delete(change, progress)
        self._network_create(change, progress)

    def _volume_create(self, change: Change, progress: Progress) -> None:
        spec: VolumeSpec = change.desired
        self.call(f"create volume {spec.name}", self.api.create_volume, spec.name,
                  driver=spec.driver, driver_opts=dict(spec.options) or None,
                  labels=L.owned_labels(self.desired.name, spec, self.mask))

    def _volume_delete(self, change: Change, progress: Progress) -> None:
        self.call(f"remove volume {change.name}", self.api.remove_volume, change.name)

    def _volume_replace(self, change: Change, progress: Progress) -> None:
        users = self.call("list containers", self.api.containers, all=True,
                          filters={"volume": change.name})
        for user in users:
            progress(f"removing container {user['Names'][0].lstrip('/')} that uses it")
            self.call("remove container", self.api.remove_container, user["Id"], force=True)
        self._volume_delete(change, progress)
        self._volume_create(change, progress)

    # containers ---------------------------------------------------------------------------
    def _create(self, spec: ContainerSpec, name: str) -> str:
        labels = L.owned_labels(self.desired.name, spec, self.mask)
        if name != spec.name:
            labels[L.REPLACING] = spec.name
        args = create_arguments(self.api, spec, name, labels)
        created = self.call(f"create container {spec.name}", self.api.create_container, **args)
        container_id = created["Id"]
        for network in spec.networks[1:]:
            self.call(f"connect container {spec.name} to network {network}",
                      self.api.connect_container_to_network, container_id, network,
                      aliases=[spec.name])
        return container_id

    def _run(self, spec: ContainerSpec, container_id: str, progress: Progress) -> None:
        progress("starting")
        self.call(f"start container {spec.name}", self.api.start, container_id)
        if spec.state == "exited":
            self._wait_success(spec, container_id, progress)

    def _wait_success(self, spec: ContainerSpec, container_id: str, progress: Progress) -> None:
        progress("running to completion")
        import requests.exceptions

        try:
            result = self.call(f"wait for container {spec.name}", self.api.wait, container_id,
                               timeout=self.exit_wait)
        except (requests.exceptions.ReadTimeout, requests.exceptions.ConnectionError):
            raise EngineError(
                f"container {spec.name} did not finish within {self.exit_wait}s",
                "raise --exit-wait, or use state: running for a long-lived container",
            ) from None
        code = result.get("StatusCode", -1)
        if code != 0:
            logs = self.call(f"read logs of {spec.name}", self.api.logs, container_id, tail=20)
            text = logs.decode("utf-8", "replace").rstrip() if isinstance(logs, bytes) else str(logs)
            tail = "\n".join(f"    | {line}" for line in text.splitlines()[-20:]) or "    | (no output)"
            raise EngineError(
                f"container {spec.name} exited with code {code} (state: exited expects 0); "
                f"its last log lines:\n{tail}"
            )

    def _container_create(self, change: Change, progress: Progress) -> None:
        spec: ContainerSpec = change.desired
        self._run(spec, self._create(spec, spec.name), progress)

    def _container_replace(self, change: Change, progress: Progress) -> None:
        """New container first under a temporary name, then stop and remove the old one,
        rename, start: the old one keeps serving until the new one exists.

        A conditional replace (diff.IF_IMAGE_CHANGES) first compares the image just pulled
        with the container's: when they are the same, only the in-place diffs are made."""
        spec: ContainerSpec = change.desired
        if change.condition:
            pulled = self.call(f"inspect image {spec.image}", self.api.inspect_image, spec.image)
            if pulled.get("Id") == change.actual.image_id:
                progress("kept: the pulled image is the one it runs")
                self._container_update(change, progress)
                return
        temp = f"{spec.name}-dfwctl-{_random.token_hex(3)}"
        progress("creating replacement")
        new_id = self._create(spec, temp)
        old = change.actual
        try:
            progress("stopping old container")
            self._remove(old.id, spec.name, old.spec.stop_timeout if old.spec else None)
            self.call(f"rename container {spec.name}", self.api.rename, new_id, spec.name)
        except EngineError:
            self.call(f"remove container {temp}", self.api.remove_container, new_id, force=True)
            raise
        self._run(spec, new_id, progress)

    def _remove(self, container_id: str, name: str, timeout: Optional[int]) -> None:
        try:
            self.engine.call(f"stop container {name}", self.api.stop, container_id,
                             timeout=10 if timeout is None else timeout)
            self.engine.call(f"remove container {name}", self.api.remove_container,
                             container_id, v=True)
        except EngineError as exc:
            if "no such container" in str(exc).lower():
                return  # already gone (removed with a volume it used, or by hand)
            raise

    def _container_update(self, change: Change, progress: Progress) -> None:
        spec: ContainerSpec = change.desired
        state = change.actual
        updates: Dict[str, Any] = {}
        names = {d.name for d in change.diffs}
        if "restart" in names:
            updates["restart_policy"] = restart_policy(spec.restart)
        if names & {"memory", "cpus"}:
            updates.update(limits(spec))
        if updates:
            progress("updating " + ", ".join(sorted(names - {"state"})))
            self.call(f"update container {spec.name}", self.api.update_container, state.id,
                      **updates)
        if "state" in names:
            if state.status == "paused":
                self.call(f"unpause container {spec.name}", self.api.unpause, state.id)
            else:
                self._run(spec, state.id, progress)

    def _container_delete(self, change: Change, progress: Progress) -> None:
        progress("stopping and removing")
        state = change.actual
        self._remove(state.id, change.name, state.spec.stop_timeout if state.spec else None)


def _split_reference(reference: str):
    if "@" in reference:
        repository, digest = reference.split("@", 1)
        return repository, digest
    repository, _, tag = reference.rpartition(":")
    if "/" in tag:  # a registry port, no tag
        return reference, "latest"
    return repository, tag


def _mib(n: int) -> str:
    return f"{n / 1048576:.1f}MiB"

