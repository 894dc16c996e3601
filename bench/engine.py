"""A small Docker Engine client on the standard library, for the harness's own reads
(checks) and clean-up. Keeping it off the Docker SDK means the harness needs no venv and
never shares a library version with a tool it measures."""
from __future__ import annotations

import http.client
import json
import socket
from typing import Any, Dict, List, Optional, Tuple
from urllib.parse import quote, urlencode, urlsplit


class EngineError(RuntimeError):
    pass


class _UnixConnection(http.client.HTTPConnection):
    def __init__(self, path: str, timeout: float):
        super().__init__("localhost", timeout=timeout)
        self._path = path

    def connect(self) -> None:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(self.timeout)
        sock.connect(self._path)
        self.sock = sock


def parse_host(host: str) -> Tuple[str, str]:
    """DOCKER_HOST -> ("unix", path) or ("tcp", "host:port")."""
    if host.startswith("unix://"):
        return "unix", host[len("unix://"):]
    if host.startswith(("tcp://", "http://")):
        return "tcp", urlsplit(host).netloc
    raise EngineError(f"unsupported DOCKER_HOST {host!r} (unix:// or tcp:// only)")


class Engine:
    def __init__(self, host: str, timeout: float = 120.0):
        self.host = host
        self.kind, self.address = parse_host(host)
        self.timeout = timeout

    def _connection(self) -> http.client.HTTPConnection:
        if self.kind == "unix":
            return _UnixConnection(self.address, self.timeout)
        return http.client.HTTPConnection(self.address, timeout=self.timeout)

    def request(self, method: str, path: str, params: Optional[Dict[str, Any]] = None,
                body: Any = None, ok: Tuple[int, ...] = (200, 201, 204)) -> Any:
        if params:
            path = f"{path}?{urlencode(params)}"
        conn = self._connection()
        try:
            payload = None if body is None else json.dumps(body).encode()
            headers = {"Content-Type": "application/json"} if payload is not None else {}
            conn.request(method, path, body=payload, headers=headers)
            response = conn.getresponse()
            data = response.read()
        except OSError as exc:
            raise EngineError(f"{method} {path}: {exc}") from None
        finally:
            conn.close()
        if response.status not in ok:
            raise EngineError(f"{method} {path}: {response.status} {data[:300]!r}")
        if not data:
            return None
        try:
            return json.loads(data)
        except ValueError:
            return data

    # reads ---------------------------------------------------------------------------------
    def version(self) -> Dict[str, Any]:
        return self.request("GET", "/version")

    def containers(self, filters: Dict[str, List[str]]) -> List[Dict[str, Any]]:
        return self.request("GET", "/containers/json",
                            {"all": "1", "filters": json.dumps(filters)}) or []

    def inspect_container(self, ident: str) -> Dict[str, Any]:
        return self.request("GET", f"/containers/{quote(ident)}/json")

    def networks(self) -> List[Dict[str, Any]]:
        return self.request("GET", "/networks") or []

    def image_exists(self, reference: str) -> bool:
        try:
            self.request("GET", f"/images/{quote(reference, safe='')}/json")
            return True
        except EngineError:
            return False

    # removal (clean-up) --------------------------------------------------------------------
    def remove_container(self, ident: str) -> None:
        self.request("DELETE", f"/containers/{quote(ident)}", {"force": "1", "v": "1"},
                     ok=(200, 204, 404))

    def remove_network(self, ident: str) -> None:
        self.request("DELETE", f"/networks/{quote(ident)}", ok=(200, 204, 404))
