"""Run one command: wall time, CPU time and peak memory (from wait4), output to a log file,
and a hard time limit that kills the command's whole process group."""
from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Optional, Sequence


@dataclass(frozen=True)
class Run:
    argv: Sequence[str]
    returncode: int
    seconds: float          # wall clock, from just before the fork to the reaping
    cpu_seconds: float      # user + system of the command and the children it waited for
    max_rss_mib: float      # largest resident set of the command or any waited-for child
    timed_out: bool
    log: str

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and not self.timed_out


def run(argv: Sequence[str], *, env: Dict[str, str], timeout: float, log: Path,
        cwd: Optional[Path] = None, ok_codes: Sequence[int] = (0,)) -> Run:
    """Run argv; a returncode listed in ok_codes is reported as 0 (e.g. 2 = "changes")."""
    log.parent.mkdir(parents=True, exist_ok=True)
    reaped: Dict[str, object] = {}
    with open(log, "wb") as out:
        out.write(("$ " + " ".join(map(str, argv)) + "\n").encode())
        out.flush()
        started = time.perf_counter()
        proc = subprocess.Popen(list(map(str, argv)), stdin=subprocess.DEVNULL, stdout=out,
                                stderr=subprocess.STDOUT, env=env, cwd=cwd,
                                start_new_session=True)

        def exited() -> None:
            # WNOWAIT: the exited command stays a zombie, so its pid (and process group id)
            # cannot be reused before the stragglers in its group are killed below.
            try:
                os.waitid(os.P_PID, proc.pid, os.WEXITED | os.WNOWAIT)
            except ChildProcessError:  # reaped by the interrupted harness (below)
                return
            reaped["at"] = time.perf_counter()

        waiter = threading.Thread(target=exited, daemon=True)
        waiter.start()
        try:
            waiter.join(timeout)
        except BaseException:  # Ctrl-C or SIGTERM of the harness: the command goes too
            _kill_group(proc.pid)
            os.wait4(proc.pid, 0)
            proc.returncode = -signal.SIGKILL
            raise
        timed_out = waiter.is_alive()
        if timed_out:
            _kill_group(proc.pid)
            waiter.join(60)
        if "at" not in reaped:  # SIGKILL did not end it; should not happen
            raise RuntimeError(f"could not end {argv[0]} (pid {proc.pid})")
        _kill_group(proc.pid)  # stragglers the command left in its group
        _, status, usage = os.wait4(proc.pid, 0)
    code = os.waitstatus_to_exitcode(status)
    proc.returncode = code  # reaped here; keep Popen from waiting again
    seconds = reaped["at"] - started
    if timed_out:
        with open(log, "ab") as out:
            out.write(f"\n[bench] killed after {timeout:.0f}s\n".encode())
    return Run(argv=tuple(map(str, argv)), returncode=0 if code in ok_codes else (code or 1),
               seconds=seconds, cpu_seconds=usage.ru_utime + usage.ru_stime,
               max_rss_mib=usage.ru_maxrss / 1024.0, timed_out=timed_out, log=str(log))


def _kill_group(pgid: int) -> None:
    try:
        os.killpg(pgid, signal.SIGKILL)
    except ProcessLookupError:
        pass
