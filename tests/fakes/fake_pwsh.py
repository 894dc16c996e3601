"""The fake pwsh: checks the command line the local transport uses, refuses the script as
PowerShell does when the simulated host's execution policy says so (simulator/console.py: its
words, in the host's OEM code page, on stderr), else reads the request from stdin as bytes and
answers from the simulator like invoke.ps1 would (reply on the last line of stdout, exit code
0 or 1).

Test hooks (environment): DFWCTL_FAKE_PWSH_LOG=FILE appends each raw request to FILE;
DFWCTL_FAKE_PWSH_NOISE=1 prints a line before the reply (as a chatty profile or module
might); DFWCTL_FAKE_PWSH_CRASH=CODE writes an error to stderr and exits with CODE, no reply.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EXPECTED = ["-NoLogo", "-NoProfile", "-NonInteractive", "-ExecutionPolicy", "Bypass", "-File"]


def main(argv) -> int:
    if argv[:-1] != EXPECTED or not argv[-1].endswith("invoke.ps1") or not Path(argv[-1]).is_file():
        sys.stderr.write(f"fake pwsh: unexpected command line: {argv}\n")
        return 64
    crash = os.environ.get("DFWCTL_FAKE_PWSH_CRASH")
    if crash:
        sys.stderr.write("ParserError: simulated PowerShell failure\n")
        return int(crash)
    raw = sys.stdin.buffer.read()
    log = os.environ.get("DFWCTL_FAKE_PWSH_LOG")
    if log:
        with open(log, "ab") as handle:
            handle.write(raw + b"\n")
    state = os.environ.get("DFWCTL_SIMULATOR_STATE")
    if not state:
        sys.stderr.write("fake pwsh: DFWCTL_SIMULATOR_STATE is not set\n")
        return 1
    sys.path.insert(0, str(ROOT))
    from dfwctl.errors import DfwctlError
    from dfwctl.providers.hyperv.simulator import console
    from dfwctl.providers.hyperv.simulator.state import read
    from dfwctl.providers.hyperv.simulator.wire import serve

    try:
        host = read(Path(state))["host"]
    except DfwctlError as exc:
        sys.stderr.write(f"{exc}\n")
        return 1
    refused = console.script_refused(host, argv[-1])
    if refused:
        sys.stderr.buffer.write(refused.encode(console.code_page(host), errors="replace"))
        return 1
    try:
        reply, code = serve(raw.decode("utf-8"), Path(state))
    except DfwctlError as exc:
        sys.stderr.write(f"{exc}\n")
        return 1
    out = sys.stdout.buffer
    if os.environ.get("DFWCTL_FAKE_PWSH_NOISE"):
        out.write("WARNING: a module printed this before the reply ✓\n".encode("utf-8"))
    out.write(b"\n" + reply.encode("utf-8") + b"\n")
    out.flush()
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
