"""The one choke point to the Docker Engine: connects lazily and turns every SDK and
connection failure into a DfwctlError that says what happened and what to do."""
from __future__ import annotations

import os
import sys
import threading
from typing import TYPE_CHECKING, Any, Callable, Dict, Optional, Tuple, TypeVar

from dfwctl import timeouts
from dfwctl.errors import DfwctlError, EngineError, EngineUnreachableError, NotFoundError
from dfwctl.logs import get_logger
from dfwctl.printable import printable
from dfwctl.providers.docker.model import EngineInfo

if TYPE_CHECKING:  # docker is imported on the first connection (see _connect)
    from docker import APIClient

log = get_logger(__name__)
T = TypeVar("T")

CONTEXT = "context:"  # a Docker context by name, instead of an address
PERMISSION_HINT = (
    "on Linux, add your account to the docker group (sudo usermod -aG docker $USER, then log in "
    "again) or run as root; on Windows, Docker Desktop admits the members of the docker-users "
    "group (add yourself in Computer Management, then sign out and in)"
)
START_HINT = (
    "start Docker Desktop (or dockerd), or point DOCKER_HOST at a running engine; "
    "on a Linux test machine `scripts/testenv up` starts a private one"
)


def default_endpoint() -> str:
    if sys.platform == "win32":
        return "npipe:////./pipe/docker_engine"
    return "unix:///var/run/docker.sock"


class Engine:
    """A connection to one Docker Engine. Constructing it does no I/O."""

    def __init__(self, endpoint: Optional[str] = None, timeout: Optional[float] = None,
                 gate: Optional[Callable[[], None]] = None):
        self.endpoint = endpoint or os.environ.get("DOCKER_HOST") or default_endpoint()
        self.timeout = timeout  # seconds a call may take; None: --call-timeout (timeouts.py)
        self.gate = gate  # raises UnreachableError while the engine's machine cannot answer
        self._api: Optional[APIClient] = None
        self._info: Optional[EngineInfo] = None
        self._lock = threading.Lock()

    def fresh(self) -> "Engine":
        """A new connection to the same engine (after a restart, the old one is dead)."""
        return Engine(self.endpoint, self.timeout, self.gate)

    @property
    def api(self) -> APIClient:
        """The SDK's low-level APIClient (one /version call on first use)."""
        with self._lock:
            if self._api is None:
                if self.gate is not None:
                    self.gate()
                self._api = self._connect()
            return self._api

    @property
    def info(self) -> EngineInfo:
        self.api  # noqa: B018 -- connecting reads the version
        assert self._info is not None, "the connection sets it when it reads the version"
        return self._info

    def _connect(self) -> APIClient:
        import docker  # imported here: it is the slowest import on the start-up path
        import requests.exceptions
        from docker.utils import kwargs_from_env

        engine = self

        class _APIClient(docker.APIClient):
            def _set_request_timeout(self, kwargs: Dict[str, Any]) -> Dict[str, Any]:
                # (connect, read) for every call: the SDK would wait its one number for both
                if "timeout" not in kwargs:
                    kwargs["timeout"] = (timeouts.current().connect, engine.read_timeout()[0])
                return kwargs

            def _retrieve_server_version(self) -> str:
                version = self.version(api_version=False)
                engine._info = EngineInfo(
                    endpoint=engine.endpoint,
                    os_type=str(version.get("Os", "linux")).lower(),
                    api_version=version.get("ApiVersion", ""),
                    server_version=version.get("Version", ""),
                )
                api_version: str = version["ApiVersion"]
                return api_version

        timeouts.check(f"connecting to the Docker Engine at {self.endpoint}")
        try:
            kwargs = self.client_options(dict(kwargs_from_env()))
            # the SDK's stubs say int; requests takes any number of seconds
            client = _APIClient(version=None, timeout=self.read_timeout()[0],  # type: ignore[arg-type]
                                max_pool_size=32, **kwargs)
        except DfwctlError:
            raise
        except requests.exceptions.Timeout:
            raise self.timed_out("read its version") from None
        except Exception as exc:  # noqa: BLE001 -- every way of failing to connect
            raise self.unreachable(exc) from None
        log.debug("engine_connected", endpoint=self.endpoint, api_version=client.api_version)
        return client

    def client_options(self, from_env: Dict[str, Any]) -> Dict[str, Any]:
        """The APIClient's options for the endpoint: a DOCKER_HOST form (TLS for tcp:// from
        DOCKER_TLS_VERIFY / DOCKER_CERT_PATH, as the docker CLI), ssh:// through the ssh
        client, or context:NAME (a Docker context: its host and TLS)."""
        if self.endpoint.startswith(CONTEXT):
            from docker.context import ContextAPI

            name = self.endpoint[len(CONTEXT):]
            context = ContextAPI.get_context(name)
            if context is None:
                raise EngineError(f"there is no Docker context named {name!r}",
                                  "`docker context ls` lists them; create it with `docker "
                                  "context create`")
            return {"base_url": context.Host, "tls": context.TLSConfig or False,
                    "use_ssh_client": str(context.Host).startswith("ssh://")}
        options = dict(from_env)
        options["base_url"] = self.endpoint
        if not self.endpoint.startswith("tcp://"):
            options.pop("tls", None)  # TLS settings are for a tcp:// engine only
        options["use_ssh_client"] = self.endpoint.startswith("ssh://")
        return options

    def read_timeout(self) -> Tuple[float, str]:
        """(seconds a call may wait for its answer now, the option that sets it)."""
        if self.timeout is not None:
            seconds, capped = timeouts.cap(self.timeout)
            assert seconds is not None, "capping a number gives a number"
            return seconds, timeouts.OPTIONS["total"] if capped else "its timeout"
        return timeouts.call_bound()

    def timed_out(self, what: str) -> EngineUnreachableError:
        """The engine accepted the call and did not answer in time: frozen or overloaded."""
        seconds, which = self.read_timeout()
        shown = timeouts.waited_text(which) if which.startswith("--") else f"{seconds:g}s"
        return EngineUnreachableError(
            f"{what}: the Docker Engine at {self.endpoint} did not answer within {shown} "
            f"({which})",
            f"it is frozen, overloaded or not an engine: check it (docker info); {which} "
            "gives it longer")

    def unreachable(self, exc: BaseException) -> EngineError:
        reason = _root_cause(exc)
        hint = PERMISSION_HINT if reason.startswith("permission denied") else START_HINT
        return EngineUnreachableError(
            f"cannot reach the Docker Engine at {self.endpoint}: {reason}", hint)

    def call(self, what: str, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run one SDK call; `what` names it in errors ("create container shell")."""
        import docker.errors
        import requests.exceptions

        timeouts.check(what)
        try:
            return fn(*args, **kwargs)
        except docker.errors.APIError as exc:
            raise api_error(what, exc) from None
        except requests.exceptions.Timeout:
            raise self.timed_out(what) from None
        except (requests.exceptions.ConnectionError, ConnectionError, FileNotFoundError) as exc:
            raise self.unreachable(exc) from None
        except docker.errors.DockerException as exc:
            raise EngineError(f"{what}: {printable(str(exc))}") from None


MAX_REASON = 200  # characters of an unexpected answer shown in a message


def _root_cause(exc: BaseException) -> str:
    seen = exc
    while (cause := seen.__cause__ or seen.__context__) is not None:
        seen = cause
    text = str(seen) or type(seen).__name__
    if "No such file" in text or isinstance(seen, FileNotFoundError):
        return "no engine is listening there (socket not found)"
    if "Connection refused" in text:
        return "connection refused"
    if "Permission denied" in text or isinstance(seen, PermissionError):
        return "permission denied: your account may not use the engine's socket"
    if "BadStatusLine" in type(seen).__name__ or "BadStatusLine" in text or \
            "RemoteDisconnected" in text:
        return "what answers there does not speak the Docker Engine's API (HTTP)"
    # whatever answered may have sent anything: never raw bytes to the terminal
    shown = printable(text, keep="")
    return shown if len(shown) <= MAX_REASON else shown[:MAX_REASON] + "..."


def api_error(what: str, exc: Any) -> EngineError:
    """The SDK's APIError as a dfwctl error: a 404 (the SDK's NotFound) stays typed."""
    import docker.errors

    explanation = getattr(exc, "explanation", None) or str(exc)
    if isinstance(explanation, bytes):
        explanation = explanation.decode("utf-8", "replace")
    text = f"{what}: {explanation}"
    hint = None
    lowered = explanation.lower()
    if "address already in use" in lowered or "port is already allocated" in lowered:
        hint = "another process or container holds that host port; free it or pick another port"
    elif ("pull access denied" in lowered or "manifest unknown" in lowered
          or ("not found" in lowered and "manifest" in lowered)):
        hint = "check the image name and tag, and that the registry is reachable and you are logged in"
    elif "conflict" in lowered and "already in use" in lowered:
        hint = "a container with that name exists; remove it or rename the playbook's container"
    elif "has active endpoints" in lowered:
        hint = ("a container still uses the network; when `docker network inspect` lists none, "
                "the engine kept a stale endpoint: restart the Docker engine (Docker Desktop: "
                "Restart) and run again")
    if isinstance(exc, docker.errors.NotFound):
        return NotFoundError(text, hint)
    return EngineError(text, hint)
