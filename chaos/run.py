"""The chaos suite (`make chaos`): faults injected into a private Docker Engine of its own
(killed at several points of a cold apply and of a replace, frozen, slowed down), dfwctl
interrupted, two applies at once, 10,000 mutated playbooks, and secret leaks. Writes
chaos/results/latest.md (and .json). Needs root, dockerd and containerd, and the local registry
of scripts/testenv (for the test image); never touches the shared test engine.

    python -m chaos.run                       # everything
    python -m chaos.run --only kill_cold,frozen --fuzz 500
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence

from chaos import report, scenarios
from chaos.engine import DEFAULT_STATE, PrivateEngine
from chaos.fuzz import fuzz
from chaos.secrets import leaks

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS: Dict[str, Callable[..., scenarios.Row]] = {
    "kill_cold": scenarios.kill_cold,
    "kill_replace": scenarios.kill_replace,
    "frozen": scenarios.frozen,
    "slow": scenarios.slow,
    "signals": scenarios.signals,
    "concurrent": scenarios.concurrent,
}


def say(line: str) -> None:
    print(line, flush=True)


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", default=",".join(list(SCENARIOS) + ["secrets"]),
                        help="scenarios to run, comma-separated")
    parser.add_argument("--fuzz", type=int, default=10_000, help="mutated playbooks (0: none)")
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--state", type=Path, default=DEFAULT_STATE,
                        help="the private engine's folder (deleted at the end)")
    parser.add_argument("--out", type=Path, default=ROOT / "chaos" / "results")
    args = parser.parse_args(argv)
    if os.geteuid() != 0:
        say("chaos: the private engine needs root")
        return 2
    chosen = [name for name in args.only.split(",") if name]
    started = time.strftime("%Y-%m-%d %H:%M:%S %z")
    clock = time.monotonic()
    rows: List[scenarios.Row] = []
    secrets: Optional[Dict[str, Any]] = None
    engine = PrivateEngine(args.state)
    engine.stop(remove=True)  # whatever a run before left
    work = args.state.parent / f"{args.state.name}-work"
    try:
        say(f"chaos: starting a private engine in {args.state}")
        engine.start()
        engine.prepare()
        for name in chosen:
            if name in SCENARIOS:
                say(f"chaos: {name}")
                scenarios.settle(engine)
                try:
                    rows.append(SCENARIOS[name](engine, work / name, say))
                except Exception as exc:  # noqa: BLE001 -- the harness failed: say so, go on
                    rows.append(scenarios.Row(name, [scenarios.Trial(
                        "the harness", False, note=f"{type(exc).__name__}: {exc}")]))
            elif name == "secrets":
                say("chaos: secrets")
                checked, found, tracebacks = leaks(engine, work / "secrets")
                secrets = {"checked": checked, "found": found, "tracebacks": tracebacks}
    finally:
        engine.stop(remove=True)
    fuzzed = None

    def write() -> Path:
        meta = {"run": f"{started}, {time.monotonic() - clock:.0f} s",
                "command": "python -m chaos.run " + " ".join(argv or sys.argv[1:]),
                **report.machine(),
                "engine": "a private dockerd (vfs, iptables off, its own default bridge "
                          f"{engine.bridge} and address pool) and containerd, started and killed "
                          "by the suite"}
        return report.write(args.out, rows, fuzzed, secrets, meta)

    write()  # the scenarios' table, before the long fuzz run
    if args.fuzz:
        say(f"chaos: fuzz, {args.fuzz} mutated playbooks")
        fuzzed = fuzz(args.fuzz, args.seed, say=say)
    written = write()
    say(f"chaos: results in {written}")
    ok = all(r.converged == r.runs and not r.data_lost and not r.leftovers and not r.tracebacks
             for r in rows)
    ok = ok and (fuzzed is None or not fuzzed.findings) and (secrets is None or not secrets["found"])
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
