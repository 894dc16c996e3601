"""A slow engine: a unix-socket proxy in front of the private engine that holds every chunk of
bytes, both ways, for a fixed delay before passing it on (as a loaded engine, or one reached
over a slow link, answers). Runs in a thread of the harness."""
from __future__ import annotations

import socket
import threading
import time
from pathlib import Path
from typing import List


class LatencyProxy:
    def __init__(self, listen: Path, upstream: Path, delay: float = 0.05):
        self.listen = listen
        self.upstream = upstream
        self.delay = delay
        self.host = f"unix://{listen}"
        listen.unlink(missing_ok=True)
        self.server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.server.bind(str(listen))
        self.server.listen(64)
        self.sockets: List[socket.socket] = []
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.server.accept()
            except OSError:
                return
            engine = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                engine.connect(str(self.upstream))
            except OSError:
                client.close()
                continue
            self.sockets += [client, engine]
            for source, target in ((client, engine), (engine, client)):
                threading.Thread(target=self._pipe, args=(source, target), daemon=True).start()

    def _pipe(self, source: socket.socket, target: socket.socket) -> None:
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                time.sleep(self.delay)
                target.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, target):
                try:
                    end.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def close(self) -> None:
        self.server.close()
        for sock in self.sockets:
            try:
                sock.close()
            except OSError:
                pass
        self.listen.unlink(missing_ok=True)
