"""Carry out the steps of planned Docker changes, one engine call (or a few) each.

apply runs a change's steps in order and hands a failure back here: a replacement that was
created under its temporary name and never renamed is removed again, so a failed replace
leaves the old container as it was.
"""
from __future__ import annotations

from typing import Any, Callable, Dict, Iterable, Iterator, Mapping, Optional, Tuple

from dfwctl import interrupt, timeouts
from dfwctl.errors import DfwctlError, EngineError, NotFoundError
from dfwctl.logs import get_logger
from dfwctl.plan import Failure, Guard, Step
from dfwctl.providers.docker import adoption, ports
from dfwctl.providers.docker import labels as L
from dfwctl.providers.docker import steps as S
from dfwctl.providers.docker.build import run_build
from dfwctl.providers.docker.create import (
    SourceMap,
    create_arguments,
    endpoint,
    limits,
    restart_policy,
)
from dfwctl.providers.docker.dependencies import WORDS
from dfwctl.providers.docker.engine import Engine, api_error
from dfwctl.providers.docker.secrets import COPY, archive
from dfwctl.providers.docker.settle import details, last_logs, look
from dfwctl.waits import SAY_EVERY, WaitBounds

log = get_logger(__name__)
EXIT_POLL = 2.0  # seconds of one engine wait for a run-once container: progress and Ctrl-C
Progress = Callable[[str], None]  # one line of progress for the change being applied


class DockerPerformer:
    """Runs Docker steps against one engine. Safe to call from several threads."""

    def __init__(self, engine: Engine, exit_wait: Optional[float] = None,
                 bind_source: Optional[SourceMap] = None, waits: Optional[WaitBounds] = None):
        self.engine = engine
        self.api = engine.api
        self.exit_wait = exit_wait
        self.bind_source = bind_source
        self.waits = waits or WaitBounds()
        self._runs: Dict[type, Callable[[Any, Progress], None]] = {
            S.Pull: self.pull,
            S.Build: self.build,
            S.CreateNetwork: self.create_network,
            S.DisconnectNetwork: self.disconnect_network,
            S.RemoveNetwork: self.remove_network,
            S.CreateVolume: self.create_volume,
            S.RemoveVolumeUsers: self.remove_volume_users,
            S.RemoveVolume: self.remove_volume,
            S.CreateContainer: self.create_container,
            S.StopContainer: self.stop_container,
            S.RemoveContainer: self.remove_container,
            S.RenameContainer: self.rename_container,
            S.StartContainer: self.start_container,
            S.WaitExit: self.wait_exit,
            S.UnpauseContainer: self.unpause_container,
            S.WaitFor: self.wait_for,
            S.RestartContainer: self.restart_container,
            S.UpdateContainer: self.update_container,
            S.RecordAdoption: self.record_adoption,
        }

    def call(self, what: str, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        return self.engine.call(what, fn, *args, **kwargs)

    def record_adoption(self, step: S.RecordAdoption, progress: Progress) -> None:
        name = adoption.write(self.engine, step.owner, adoption.Adopted(
            step.kind, step.name, step.identity, step.record))
        progress(f"recorded in volume {name}")

    # the interface apply uses --------------------------------------------------------------
    def run(self, step: Step, progress: Progress) -> None:
        run = self._runs.get(type(step))
        if run is None:
            raise DfwctlError(f"the Docker provider has no way to run the step {step.text!r}")
        run(step, progress)

    def holds(self, guard: Guard, progress: Progress) -> bool:
        if not isinstance(guard, S.IfImageChanged):
            raise DfwctlError(f"the Docker provider cannot decide {guard.text!r}")
        pulled = self.call(f"inspect image {guard.image}", self.api.inspect_image, guard.image)
        if pulled.get("Id") == guard.image_id:
            progress(f"kept: the {guard.made} image is the one it runs")
            return False
        return True

    def recover(self, failure: Failure) -> DfwctlError:
        """After a failed replace, put things back as far as they can go: while the old
        container exists, its replacement (never renamed) is removed and the old one started
        again if this change stopped it; once the old one is gone, the replacement is kept
        (the next plan finds it, and replaces it as a leftover). The error says which."""
        done = failure.done
        created = [s for s in done if isinstance(s, S.CreateContainer) and s.name != s.spec.name]
        if not created or any(isinstance(s, S.RenameContainer) for s in done):
            return failure.error
        temp = created[0].name
        if any(isinstance(s, S.RemoveContainer) for s in done):
            return _noted(failure.error, f"the old container is gone and its replacement is "
                          f"kept as {temp}; run apply again to finish")
        notes = []
        stopped = [s for s in done if isinstance(s, S.StopContainer) and s.was_running]
        for step in stopped:
            try:
                self.call(f"start container {step.name}", self.api.start, step.container)
                notes.append(f"container {step.name} was started again")
            except EngineError as exc:
                notes.append(f"container {step.name} is stopped: starting it again failed too "
                             f"({exc.message})")
        try:
            self.call(f"remove container {temp}", self.api.remove_container, temp, force=True)
            notes.append(f"its replacement {temp} was removed")
        except EngineError as exc:
            log.warning("replacement_not_removed", container=temp, error=exc.message)
            notes.append(f"its replacement {temp} is left (removing it failed: {exc.message}); "
                         "the next plan removes it")
        return _noted(failure.error, "; ".join(notes))

    # images -------------------------------------------------------------------------------
    def pull(self, step: S.Pull, progress: Progress) -> None:
        what = f"pull image {step.reference}"
        repository, tag = split_reference(step.reference)
        stream = self.call(what, self.api.pull, repository, tag=tag, stream=True, decode=True)
        layers: Dict[str, Any] = {}
        last = ""
        for event in self._events(stream, what):
            if "error" in event:
                raise EngineError(f"{what}: {event['error']}",
                                  "check the image name and tag, and that the registry is "
                                  "reachable")
            detail = event.get("progressDetail") or {}
            if event.get("id") and detail.get("total"):
                layers[event["id"]] = (detail.get("current", 0), detail["total"])
            done = sum(c for c, _ in layers.values())
            total = sum(t for _, t in layers.values())
            line = f"pulling {_mib(done)}/{_mib(total)}" if total else event.get("status", "")
            if line and line != last:
                progress(line)
                last = line

    def build(self, step: S.Build, progress: Progress) -> None:
        run_build(self.api, self.call, step, self.waits.bound(), self._events, progress)

    @staticmethod
    def _events(stream: Iterable[Mapping[str, Any]], what: str) -> Iterator[Mapping[str, Any]]:
        import docker.errors
        import requests.exceptions

        try:
            yield from stream
        except docker.errors.APIError as exc:
            raise api_error(what, exc) from None
        except requests.exceptions.RequestException as exc:
            raise EngineError(f"{what}: {exc}") from None

    # networks and volumes -----------------------------------------------------------------
    def create_network(self, step: S.CreateNetwork, progress: Progress) -> None:
        spec = step.spec
        ipam = None
        if spec.subnet or spec.gateway:
            from docker.types import IPAMConfig, IPAMPool

            ipam = IPAMConfig(pool_configs=[IPAMPool(subnet=spec.subnet, gateway=spec.gateway)])
        # check_duplicate: engines before API 1.44 create a second network of a name unless
        # asked not to (and even then, two creates at once can race: the apply lock and the
        # plan's duplicate check cover that)
        self.call(f"create network {spec.name}", self.api.create_network, spec.name,
                  driver=spec.driver, options=dict(spec.options) or None, ipam=ipam,
                  internal=spec.internal, attachable=spec.attachable, labels=dict(step.labels),
                  check_duplicate=True)

    def disconnect_network(self, step: S.DisconnectNetwork, progress: Progress) -> None:
        info = self.call(f"inspect network {step.name}", self.api.inspect_network,
                         step.network_id)
        for container in (info.get("Containers") or {}):
            progress(f"disconnecting {container[:12]}")
            self.call(f"disconnect {container[:12]} from network {step.name}",
                      self.api.disconnect_container_from_network, container, step.name,
                      force=True)

    def remove_network(self, step: S.RemoveNetwork, progress: Progress) -> None:
        self.call(f"remove network {step.name}", self.api.remove_network, step.network_id)

    def create_volume(self, step: S.CreateVolume, progress: Progress) -> None:
        spec = step.spec
        self.call(f"create volume {spec.name}", self.api.create_volume, spec.name,
                  driver=spec.driver, driver_opts=dict(spec.options) or None,
                  labels=dict(step.labels))

    def remove_volume_users(self, step: S.RemoveVolumeUsers, progress: Progress) -> None:
        users = self.call("list containers", self.api.containers, all=True,
                          filters={"volume": step.name})
        for user in users:
            progress(f"removing container {user['Names'][0].lstrip('/')} that uses it")
            self.call("remove container", self.api.remove_container, user["Id"], force=True)

    def remove_volume(self, step: S.RemoveVolume, progress: Progress) -> None:
        self.call(f"remove volume {step.name}", self.api.remove_volume, step.name)

    # containers ---------------------------------------------------------------------------
    def create_container(self, step: S.CreateContainer, progress: Progress) -> None:
        spec = step.spec
        labels = dict(step.labels)
        if step.name != spec.name:
            labels[L.REPLACING] = spec.name
        args = create_arguments(self.api, spec, step.name, labels, self.bind_source,
                                step.secrets)
        created = self.call(f"create container {spec.name}", self.api.create_container, **args)
        try:
            for network in spec.networks[1:]:
                self.call(f"connect container {spec.name} to network {network}",
                          self.api.connect_container_to_network, created["Id"], network,
                          **endpoint(spec, network))
            if any(f.how == COPY for f in step.secrets):
                progress("copying its secret files in")
                self.call(f"copy the secret files into container {spec.name}",
                          self.api.put_archive, created["Id"], "/", archive(step.secrets))
        except EngineError:
            # All or nothing: a container missing one of its networks (or secrets) would
            # carry a record that says it has them, and no later plan would see the difference.
            self.call(f"remove container {step.name}", self.api.remove_container,
                      created["Id"], force=True)
            raise

    def stop_container(self, step: S.StopContainer, progress: Progress) -> None:
        try:
            self.call(f"stop container {step.name}", self.api.stop, step.container,
                      timeout=step.timeout)
        except NotFoundError:
            pass  # already gone (removed with a volume it used, or by hand)

    def remove_container(self, step: S.RemoveContainer, progress: Progress) -> None:
        try:
            self.call(f"remove container {step.name}", self.api.remove_container,
                      step.container, v=True)
        except NotFoundError:
            pass

    def rename_container(self, step: S.RenameContainer, progress: Progress) -> None:
        self.call(f"rename container {step.to}", self.api.rename, step.container, step.to)

    def start_container(self, step: S.StartContainer, progress: Progress) -> None:
        """Start it; a host port that is taken is explained (ports.py), and one held by a
        docker-proxy that a stopped engine left on this machine is freed and the start tried
        once more."""
        what = f"start container {step.name}"
        try:
            self.call(what, self.api.start, step.container)
            return
        except EngineError as exc:
            refused = ports.refusal(exc.message)
            if refused is None:
                raise
            error = exc
        local = ports.is_local(self.engine.endpoint)
        holder = ports.local_holder(refused.port) if local else None
        if holder is not None and holder.orphaned and not refused.by_engine and \
                ports.stop(holder):
            progress(f"stopped docker-proxy pid {holder.pid}, left by a stopped engine on host "
                     f"port {refused.port}")
            try:
                self.call(what, self.api.start, step.container)
                return
            except EngineError as again:
                refused, error = ports.refusal(again.message) or refused, again
            holder = ports.local_holder(refused.port)
        publishers = [n for n in ports.publishers_of(self.engine, refused.port) if n != step.name]
        raise EngineError(error.message, ports.hint(refused, publishers, holder))

    def wait_exit(self, step: S.WaitExit, progress: Progress) -> None:
        """Wait for the one run of a `state: exited` container, in short engine waits: the
        bound holds (its wait_timeout, else --exit-wait, else --wait-timeout; never past
        --timeout), progress is shown, and a stop request ends the wait (the container runs
        on)."""
        waits = self.waits
        if self.exit_wait is None or step.timeout is not None:
            limit, option = waits.bound(step.timeout), waits.option(step.timeout)
        else:
            capped, by_deadline = timeouts.cap(self.exit_wait)
            limit, option = capped or 0.0, "--timeout" if by_deadline else "--exit-wait"
        started, said = waits.clock(), None
        while True:
            waited = waits.clock() - started
            if waited >= limit:
                raise EngineError(
                    f"container {step.name} did not finish within {limit:g}s; it keeps running",
                    f"raise {option}, or use state: running for a long-lived container")
            interrupt.check(f"waiting for container {step.name} to finish (it runs on)")
            if said is None or waited - said >= SAY_EVERY:
                if said is not None:
                    progress(f"waiting for {step.name} to finish ({waited:.0f}s of {limit:g}s)")
                said = waited
            result = self.call(f"wait for container {step.name}", self._wait_once,
                               step.container, min(EXIT_POLL, max(0.1, limit - waited)))
            if result is not None:
                break
        code = result.get("StatusCode", -1)
        if code != 0:
            raise EngineError(
                f"container {step.name} exited with code {code} (state: exited expects 0); "
                f"its last log lines:\n{last_logs(self.engine, step.container, step.name)}"
            )

    def _wait_once(self, container: str, seconds: float) -> Optional[Dict[str, Any]]:
        """The engine's wait for `seconds`; None when the container still runs then."""
        import requests.exceptions

        try:
            found = dict(self.api.wait(container, timeout=seconds))  # type: ignore[arg-type]
        except requests.exceptions.ReadTimeout:
            return None
        except requests.exceptions.ConnectionError as exc:
            if "timed out" in str(exc):  # a unix socket's read timeout comes wrapped
                return None
            raise
        return found

    def wait_for(self, step: S.WaitFor, progress: Progress) -> None:
        """Poll the container until its condition holds, cannot hold any more, or the bound
        passes; the last health checks (or log lines) say why it failed."""
        waits = self.waits
        limit = waits.bound(step.timeout)
        word = WORDS[step.condition]
        started, said = waits.clock(), None
        while True:
            found, state = look(self.engine, step.container, step.name, step.condition)
            if found.done:
                return
            waited = waits.clock() - started
            if found.failed or waited >= limit:
                why = found.failed or (f"it is still {found.status} after {limit:.0f}s "
                                       f"(raise {waits.option(step.timeout)} to wait longer)")
                error = EngineError(f"container {step.name} is not {word}: {why}"
                                    + details(self.engine, step.container, step.name, state))
                if step.required:
                    raise error
                progress(f"warning: {error.message.splitlines()[0]}; going on (required: false)")
                return
            if said is None or waited - said >= SAY_EVERY:
                progress(f"waiting for {step.name} to be {word} ({waited:.0f}s, {found.status})")
                said = waited
            waits.sleep(max(0.0, min(waits.interval, limit - waited)))

    def restart_container(self, step: S.RestartContainer, progress: Progress) -> None:
        self.call(f"restart container {step.name}", self.api.restart, step.container,
                  timeout=step.timeout)

    def unpause_container(self, step: S.UnpauseContainer, progress: Progress) -> None:
        self.call(f"unpause container {step.name}", self.api.unpause, step.container)

    def update_container(self, step: S.UpdateContainer, progress: Progress) -> None:
        updates: Dict[str, Any] = {}
        if step.restart is not None:
            updates["restart_policy"] = restart_policy(step.restart)
        if step.limits:
            updates.update(limits(step.memory, step.cpus))
        self.call(f"update container {step.name}", self.api.update_container, step.container,
                  **updates)


def _noted(error: DfwctlError, note: str) -> DfwctlError:
    """`error` with what recovery did added to its hint."""
    hint = f"{error.hint}; {note}" if error.hint else note
    return type(error)(error.message, hint)


def split_reference(reference: str) -> Tuple[str, str]:
    """busybox:1.36 -> (busybox, 1.36); a digest reference splits at the @."""
    if "@" in reference:
        repository, digest = reference.split("@", 1)
        return repository, digest
    repository, _, tag = reference.rpartition(":")
    if "/" in tag:  # a registry port, no tag
        return reference, "latest"
    return repository, tag


def _mib(n: int) -> str:
    return f"{n / 1048576:.1f}MiB"
