"""Engines that do not behave: one that accepts a connection and never answers (a frozen
dockerd), one that answers with bytes that are not HTTP, a socket dfwctl may not open. Each
fails within the configured bound, with a message that names what it waited for, and never
echoes raw bytes to the terminal. Real sockets, served by a thread of the test."""
from __future__ import annotations

import os
import socket
import threading
from pathlib import Path

import pytest

from dfwctl import timeouts
from dfwctl.errors import EngineError
from dfwctl.providers.docker.engine import Engine
from tests.run import run_dfwctl

PLAYBOOK = "version: 1\nname: frozen\ncontainers:\n  web: {image: busybox}\n"


class Server:
    """A unix socket that accepts connections and then does `behaviour` with each."""

    def __init__(self, path: Path, answer: bytes = b""):
        self.path = path
        self.answer = answer
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.bind(str(path))
        self.sock.listen(16)
        self.held = []
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.held.append(conn)  # never closed while the test runs: a frozen engine
            if self.answer:
                try:
                    conn.recv(4096)
                    conn.sendall(self.answer)
                except OSError:
                    pass

    def close(self):
        self.sock.close()
        for conn in self.held:
            conn.close()


@pytest.fixture
def frozen(tmp_path):
    server = Server(tmp_path / "frozen.sock")
    yield f"unix://{server.path}"
    server.close()


def test_an_engine_that_never_answers_fails_within_the_call_timeout(frozen, monkeypatch):
    monkeypatch.setattr(timeouts, "_current", timeouts.Timeouts(connect=1, call=1))
    with pytest.raises(EngineError, match=r"did not answer within 1s") as raised:
        Engine(frozen).api  # noqa: B018 -- connecting is the point
    assert "--call-timeout" in str(raised.value)


def test_the_cli_bounds_a_frozen_engine_by_flag_and_by_environment(tmp_path, frozen):
    path = tmp_path / "p.yml"
    path.write_text(PLAYBOOK)
    env = dict(os.environ, DOCKER_HOST=frozen, DFWCTL_LOCK_DIR=str(tmp_path / "locks"))
    by_flag = run_dfwctl("--call-timeout", "1", "plan", path, env=env, timeout=60)
    by_env = run_dfwctl("plan", path, env=dict(env, DFWCTL_CALL_TIMEOUT="1s"), timeout=60)
    for result in (by_flag, by_env):
        assert result.code == 1, result
        assert "did not answer within 1s" in result.err, result
        assert "Traceback" not in result.err


def test_the_whole_run_is_bounded_by_timeout(tmp_path, frozen):
    path = tmp_path / "p.yml"
    path.write_text(PLAYBOOK)
    env = dict(os.environ, DOCKER_HOST=frozen, DFWCTL_LOCK_DIR=str(tmp_path / "locks"))
    result = run_dfwctl("--timeout", "2", "apply", "-y", path, env=env, timeout=60)
    assert result.code == 1, result
    # which bound it names depends on where the 2 s ran out: in a call the engine never
    # answers, or (on a loaded machine) while dfwctl was still starting and connecting
    bounded = ("did not answer within 2s", "--timeout of 2s ran out before connecting")
    assert any(words in result.err for words in bounded) and "--timeout" in result.err, result


def test_an_endpoint_that_is_not_an_engine_never_reaches_the_terminal_raw(tmp_path):
    server = Server(tmp_path / "junk.sock",
                    answer=b"\x1b[2J\x1b[31mGOTCHA\x07\x00\xff\xfe garbage that is not HTTP\r\n\r\n")
    try:
        env = dict(os.environ, DOCKER_HOST=f"unix://{server.path}",
                   DFWCTL_LOCK_DIR=str(tmp_path / "locks"), DFWCTL_CALL_TIMEOUT="2")
        path = tmp_path / "p.yml"
        path.write_text(PLAYBOOK)
        result = run_dfwctl("plan", path, env=env, timeout=60)
    finally:
        server.close()
    assert result.code == 1, result
    assert not any(c in result.err for c in "\x1b\x07\x00"), repr(result.err)
    assert "Traceback" not in result.err


def test_a_socket_dfwctl_may_not_open_gets_the_permission_hint():
    # what the SDK raises when the socket's mode refuses the user (requests wraps it)
    refused = ConnectionError("('Connection aborted.', PermissionError(13, 'Permission denied'))")
    error = Engine("unix:///var/run/docker.sock").unreachable(refused)
    assert "permission denied" in error.message
    assert "docker group" in error.hint and "docker-users" in error.hint
    assert "start Docker Desktop" not in error.hint
