"""A counting proxy for the Docker Engine API on a unix socket.

Bytes are forwarded unchanged both ways; on the way in, HTTP request lines are parsed
(keep-alive, Content-Length and chunked bodies) and counted as "METHOD /path" with the API
version prefix dropped and object ids and names folded to {id}. A connection upgraded to a
raw stream (attach, exec) is forwarded without further parsing.

Used by run.py in-process (CountingProxy), or alone:

    python bench/proxy.py --listen /tmp/count.sock --upstream unix:///var/run/docker.sock
    DOCKER_HOST=unix:///tmp/count.sock dfwctl plan playbook.yml     # in another shell
    # Ctrl-C prints the counts
"""
from __future__ import annotations

import argparse
import asyncio
import collections
import os
import re
import signal
import threading
from pathlib import Path
from typing import Counter, Dict, Optional

_VERSION = re.compile(r"^/v\d+\.\d+(?=/)")
_KNOWN_ROOT = {"json", "create", "prune", "search", "load", "get"}
_MAX_HEAD = 1 << 20


def route(method: str, target: str) -> str:
    """'GET /v1.41/containers/3f2a.../json?all=1' -> 'GET /containers/{id}/json'."""
    path = target.split("?", 1)[0]
    path = _VERSION.sub("", path)
    parts = path.split("/")
    if len(parts) > 2 and parts[1] in ("containers", "networks", "volumes", "exec") \
            and parts[2] not in _KNOWN_ROOT:
        parts[2] = "{id}"
    elif len(parts) > 2 and parts[1] == "images" and parts[2] not in _KNOWN_ROOT:
        # image names contain slashes: everything up to the last known verb is the name
        verbs = ("json", "history", "push", "tag")
        tail = parts[-1] if parts[-1] in verbs else ""
        parts = parts[:2] + ["{id}"] + ([tail] if tail else [])
    elif len(parts) > 3 and parts[1] == "distribution":
        parts = parts[:2] + ["{id}", parts[-1]]
    return f"{method} {'/'.join(parts)}"


class RequestParser:
    """Feed it the client->engine bytes; it counts each request once."""

    def __init__(self, counts: Counter[str], lock: threading.Lock):
        self.counts = counts
        self.lock = lock
        self.buffer = b""
        self.body_left = 0
        self.chunked = False
        self.raw = False

    def feed(self, data: bytes) -> None:
        if self.raw:
            return
        self.buffer += data
        while self.buffer and not self.raw:
            if self.body_left:
                take = min(self.body_left, len(self.buffer))
                self.buffer = self.buffer[take:]
                self.body_left -= take
                if self.body_left:
                    return
                continue
            if self.chunked:
                if not self._chunk():
                    return
                continue
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                if len(self.buffer) > _MAX_HEAD:  # not HTTP after all; stop parsing
                    self.raw = True
                return
            head, self.buffer = self.buffer[:end].decode("latin-1"), self.buffer[end + 4:]
            self._request(head)

    def _request(self, head: str) -> None:
        lines = head.split("\r\n")
        parts = lines[0].split(" ")
        if len(parts) < 3 or not parts[2].startswith("HTTP/"):
            self.raw = True
            return
        with self.lock:
            self.counts[route(parts[0], parts[1])] += 1
        headers = {}
        for line in lines[1:]:
            key, _, value = line.partition(":")
            headers[key.strip().lower()] = value.strip()
        if "upgrade" in headers or headers.get("connection", "").lower() == "upgrade":
            self.raw = True
        elif headers.get("transfer-encoding", "").lower() == "chunked":
            self.chunked = True
        else:
            self.body_left = int(headers.get("content-length") or 0)

    def _chunk(self) -> bool:
        """Consume one chunk; False when more bytes are needed."""
        end = self.buffer.find(b"\r\n")
        if end < 0:
            return False
        size = int(self.buffer[:end].split(b";")[0] or b"0", 16)
        if size == 0:  # last chunk, then optional trailers and an empty line
            stop = self.buffer.find(b"\r\n\r\n", end)
            if stop < 0:
                return False
            self.buffer = self.buffer[stop + 4:]
            self.chunked = False
            return True
        if len(self.buffer) < end + 2 + size + 2:
            return False
        self.buffer = self.buffer[end + 2 + size + 2:]
        return True


class CountingProxy:
    """Listens on `listen` (a unix socket path) and forwards to `upstream` (a unix socket
    path). Runs its event loop in a daemon thread; take() returns and resets the counts."""

    def __init__(self, listen: Path, upstream: str):
        self.listen = Path(listen)
        self.upstream = upstream
        self.counts: Counter[str] = collections.Counter()
        self.lock = threading.Lock()
        self._loop: Optional[asyncio.AbstractEventLoop] = None
        self._server = None
        self._ready = threading.Event()
        self._thread: Optional[threading.Thread] = None
        self._error: Optional[BaseException] = None
        self._tasks: set = set()  # the loop holds tasks weakly; connections must not be collected

    @property
    def docker_host(self) -> str:
        return f"unix://{self.listen}"

    def take(self) -> Dict[str, int]:
        with self.lock:
            out = dict(self.counts)
            self.counts.clear()
        return out

    def start(self) -> "CountingProxy":
        self._thread = threading.Thread(target=self._serve, name="bench-proxy", daemon=True)
        self._thread.start()
        self._ready.wait(10)
        if self._error is not None or not self._ready.is_set():
            raise RuntimeError(f"proxy did not start: {self._error}")
        return self

    def stop(self) -> None:
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread is not None:
            self._thread.join(10)
        try:
            self.listen.unlink()
        except OSError:
            pass

    def __enter__(self) -> "CountingProxy":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def _serve(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        try:
            if self.listen.exists():
                self.listen.unlink()
            self.listen.parent.mkdir(parents=True, exist_ok=True)
            self._server = loop.run_until_complete(
                asyncio.start_unix_server(self._client, path=str(self.listen)))
        except BaseException as exc:  # noqa: BLE001 -- reported by start()
            self._error = exc
            self._ready.set()
            return
        self._ready.set()
        try:
            loop.run_forever()
        finally:
            self._server.close()
            loop.close()

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        self._tasks.add(task)
        try:
            try:
                up_reader, up_writer = await asyncio.open_unix_connection(self.upstream)
            except OSError:
                writer.close()
                return
            parser = RequestParser(self.counts, self.lock)
            await asyncio.gather(self._pipe(reader, up_writer, parser),
                                 self._pipe(up_reader, writer, None), return_exceptions=True)
            for end in (writer, up_writer):
                end.close()
        finally:
            self._tasks.discard(task)

    @staticmethod
    async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                    parser: Optional[RequestParser]) -> None:
        try:
            while True:
                data = await reader.read(65536)
                if not data:
                    break
                if parser is not None:
                    parser.feed(data)
                writer.write(data)
                await writer.drain()
        finally:
            try:
                if writer.can_write_eof():
                    writer.write_eof()
            except (OSError, RuntimeError):
                pass


def format_counts(counts: Dict[str, int]) -> str:
    lines = [f"{v:6d}  {k}" for k, v in sorted(counts.items(), key=lambda kv: -kv[1])]
    lines.append(f"{sum(counts.values()):6d}  total")
    return "\n".join(lines)


def _upstream_path(host: str) -> str:
    if not host.startswith("unix://"):
        raise SystemExit(f"--upstream must be unix://PATH, not {host}")
    return host[len("unix://"):]


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--listen", required=True, help="unix socket path to listen on")
    parser.add_argument("--upstream", default=os.environ.get("DOCKER_HOST", ""),
                        help="the engine, unix://PATH [default: $DOCKER_HOST]")
    args = parser.parse_args(argv)
    proxy = CountingProxy(Path(args.listen), _upstream_path(args.upstream)).start()
    print(f"counting requests: DOCKER_HOST={proxy.docker_host}   (Ctrl-C for the counts)",
          flush=True)
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    try:
        while not stop.wait(0.5):
            pass
    finally:
        counts = proxy.take()
        proxy.stop()
        print(format_counts(counts))


if __name__ == "__main__":
    main()
