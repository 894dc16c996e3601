"""The real command line in a child process, for tests of what a user sees."""
from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass

from tests.paths import ROOT


@dataclass
class Result:
    code: int
    out: str
    err: str

    def __str__(self) -> str:
        return f"exit {self.code}\n--- stdout\n{self.out}\n--- stderr\n{self.err}"


def run_dfwctl(*args, env=None, cwd=None, timeout=300) -> Result:
    """Run `python -m dfwctl ARGS` and capture what it prints."""
    proc = subprocess.run(
        [sys.executable, "-m", "dfwctl", *map(str, args)],
        capture_output=True, text=True, env=env, cwd=cwd or ROOT, timeout=timeout,
        stdin=subprocess.DEVNULL,
    )
    return Result(proc.returncode, proc.stdout, proc.stderr)


def run_dfwctl_tty(*args, env=None, cwd=None, timeout=120) -> Result:
    """Run `python -m dfwctl ARGS` with stdout on a pseudo-terminal, as in a terminal window
    (stderr stays a pipe). The terminal's CRLF line ends are read back as LF."""
    import os
    import pty
    import select
    import time

    leader, follower = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "dfwctl", *map(str, args)], env=env,
                            cwd=cwd or ROOT, stdin=subprocess.DEVNULL, stdout=follower,
                            stderr=subprocess.PIPE)
    os.close(follower)
    chunks = []
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([leader], [], [], 0.5)
            if not ready:
                if proc.poll() is not None:
                    break
                continue
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not chunk:
                break
            chunks.append(chunk)
        err = proc.communicate(timeout=max(1.0, deadline - time.monotonic()))[1]
    finally:
        os.close(leader)
        if proc.poll() is None:
            proc.kill()
    out = b"".join(chunks).decode("utf-8").replace("\r\n", "\n")
    return Result(proc.returncode, out, err.decode("utf-8"))
