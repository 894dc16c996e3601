"""What the Docker CLI sends as a build context: `docker build` (the classic builder) run
against a stand-in engine on a private socket that answers /_ping, keeps the tar the CLI
uploads to /build, and ends the build with an error. No engine builds anything; the CLI's own
walk and .dockerignore rules decide what is in the tar."""
from __future__ import annotations

import http.server
import io
import os
import shutil
import socketserver
import subprocess
import tarfile
import threading
from pathlib import Path
from typing import Any, List, Optional, Set, Tuple


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: "_Server"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 -- the base's name
        pass

    def _answer(self, body: bytes, content_type: str = "text/plain") -> None:
        self.send_response(200)
        self.send_header("API-Version", "1.41")
        self.send_header("OSType", "linux")
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def do_HEAD(self) -> None:  # noqa: N802 -- http.server's name
        self._answer(b"OK")

    def do_GET(self) -> None:  # noqa: N802
        self._answer(b"OK" if "_ping" in self.path else b"{}", "application/json")

    def do_POST(self) -> None:  # noqa: N802
        data = b""
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            while True:
                size = int(self.rfile.readline().strip(), 16)
                if size == 0:
                    self.rfile.readline()
                    break
                data += self.rfile.read(size)
                self.rfile.readline()
        else:
            data = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.server.uploads.append(data)
        self._answer(b'{"errorDetail":{"message":"kept"},"error":"kept"}\r\n',
                     "application/json")


class _Server(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True
    uploads: List[bytes]

    def get_request(self) -> Tuple[Any, Any]:
        request, _ = super().get_request()
        return request, ("local", 0)


class DockerCli:
    """`docker build` whose upload is kept instead of built."""

    def __init__(self, folder: Path):
        self.socket = folder / "docker.sock"
        self.config = folder / "config"
        self.config.mkdir(parents=True, exist_ok=True)
        self.server = _Server(str(self.socket), _Handler)
        self.server.uploads = []
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @staticmethod
    def available() -> bool:
        return shutil.which("docker") is not None

    def sent(self, context: Path, dockerfile: Optional[str] = None) -> Set[str]:
        """The paths of the tar `docker build CONTEXT` sends."""
        before = len(self.server.uploads)
        env = dict(os.environ, DOCKER_HOST=f"unix://{self.socket}", DOCKER_BUILDKIT="0",
                   DOCKER_CONFIG=str(self.config))
        args = ["docker", "build"] + (["-f", str(context / dockerfile)] if dockerfile else [])
        subprocess.run(args + [str(context)], env=env, capture_output=True, timeout=60)
        assert len(self.server.uploads) == before + 1, "docker build sent no context"
        with tarfile.open(fileobj=io.BytesIO(self.server.uploads[-1])) as tar:
            return {m.name.rstrip("/") for m in tar.getmembers()}

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
