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
