"""make mutate: mutation testing of dfwctl's core modules with mutmut, unit tests only.

Runs `mutmut run` (the modules are listed under [tool.mutmut] in pyproject.toml), then reads
mutmut's results and writes a score per module to tests/mutation/latest.md:

    score = killed / (mutants - equivalent)

where "killed" includes mutants the tests stopped by timeout, and a mutant no test reaches
counts as surviving. Equivalent mutants (a change no test can observe because the behaviour is
the same) are listed in tests/mutation/equivalent.txt, each with the mutated line and a reason;
an entry whose line no longer matches its mutant is stale and does not count.

    python scripts/mutate.py [--children N] [--keep] [--module dfwctl.load ...]

--keep reuses results of an earlier run for functions that did not change (mutmut's cache).
--module runs the mutants of one module (repeatable) and keeps the other modules' results; a
module none of whose mutants ran is reported as not run, not as surviving.

Each run's wall-clock time is kept in mutants/minutes.json, per module for a --module run and
for the whole set otherwise; the report shows the last time measured for each.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Tuple

ROOT = Path(__file__).resolve().parent.parent
MUTANTS = ROOT / "mutants"
EQUIVALENT = ROOT / "tests" / "mutation" / "equivalent.txt"
REPORT = ROOT / "tests" / "mutation" / "latest.md"
MINUTES = MUTANTS / "minutes.json"
ALL = "**all**"
MUTMUT = [sys.executable, "-m", "mutmut"]

KILLED = {1: "killed", 3: "killed"}
TIMEOUT = {36, 24, -24, 152, 255}
SURVIVED = {0: "survived", 5: "no tests", 33: "no tests"}


@dataclass(frozen=True)
class Equivalent:
    line: str
    reason: str


def status(exit_code: Optional[int]) -> str:
    """mutmut's verdict for a mutant from its test run's exit code (mutmut/stats.py)."""
    if exit_code in KILLED:
        return "killed"
    if exit_code in TIMEOUT:
        return "timeout"
    if exit_code in SURVIVED:
        return "survived"
    if exit_code is None:
        return "not checked"
    return "suspicious"


def read_equivalents(path: Path = EQUIVALENT) -> Dict[str, Equivalent]:
    """`NAME | mutated line | reason` per line; # starts a comment."""
    found: Dict[str, Equivalent] = {}
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        parts = [p.strip() for p in raw.split(" | ")]
        if len(parts) != 3 or not all(parts):
            raise SystemExit(f"{path}:{number}: expected `NAME | mutated line | reason`")
        found[parts[0]] = Equivalent(parts[1], parts[2])
    return found


def read_results(mutants: Path = MUTANTS) -> Dict[str, Tuple[str, str]]:
    """Mutant name -> (module path, status), from the .meta files mutmut writes."""
    results: Dict[str, Tuple[str, str]] = {}
    for meta in sorted(mutants.rglob("*.py.meta")):
        module = str(meta.relative_to(mutants))[: -len(".meta")]
        data = json.loads(meta.read_text(encoding="utf-8"))
        for name, code in data.get("exit_code_by_key", {}).items():
            results[name] = (module, status(code))
    return results


def mutated_line(name: str) -> str:
    """The first added line of a mutant's diff, as `mutmut show` prints it."""
    shown = subprocess.run([*MUTMUT, "show", name], cwd=ROOT, capture_output=True, text=True,
                           check=True).stdout
    for line in shown.splitlines():
        if line.startswith("+") and not line.startswith("+++"):
            return line[1:].strip()
    return ""


def score(results: Dict[str, Tuple[str, str]], equivalents: Dict[str, Equivalent]
          ) -> Tuple[Dict[str, "Counter[str]"], List[str], List[str]]:
    """Counts per module, the surviving mutants and the stale equivalent entries. A module
    none of whose mutants ran counts them all as not checked, with no survivors listed."""
    ran = {module for module, verdict in results.values() if verdict != "not checked"}
    counts: Dict[str, "Counter[str]"] = defaultdict(Counter)
    survivors: List[str] = []
    stale: List[str] = []
    for name, (module, verdict) in sorted(results.items()):
        if module not in ran:
            counts[module][verdict] += 1
            continue
        if verdict in ("survived", "suspicious", "not checked") and name in equivalents:
            if mutated_line(name) == equivalents[name].line:
                verdict = "equivalent"
            else:
                stale.append(name)
        counts[module][verdict] += 1
        if verdict in ("survived", "suspicious", "not checked"):
            survivors.append(name)
    stale += sorted(set(equivalents) - set(results))
    return counts, survivors, stale


def module_path(name: str) -> str:
    """dfwctl.values.ports -> dfwctl/values/ports.py, as the report names modules."""
    return name.replace(".", "/") + ".py"


def read_minutes(path: Path = MINUTES) -> Dict[str, Dict[str, float]]:
    """Module path (or ALL) -> {"minutes": wall-clock minutes, "children": workers}."""
    try:
        found = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return found if isinstance(found, dict) else {}


def record_minutes(modules: List[str], minutes: float, children: int, path: Path = MINUTES) -> None:
    """Keep the time of a run: for its module (one --module), else for the whole set."""
    if len(modules) > 1:
        return  # several modules in one run: no time belongs to one of them
    times = read_minutes(path)
    key = module_path(modules[0]) if modules else ALL
    times[key] = {"minutes": round(minutes, 1), "children": children}
    path.write_text(json.dumps(times, indent=1, sort_keys=True), encoding="utf-8")


def table(counts: Dict[str, "Counter[str]"],
          minutes: Optional[Dict[str, Dict[str, float]]] = None) -> List[str]:
    times = minutes or {}
    rows = ["| module | mutants | killed | timeout | survived | equivalent | score | minutes |",
            "|:---|---:|---:|---:|---:|---:|---:|---:|"]
    total: "Counter[str]" = Counter()
    for module in sorted(counts):
        c = counts[module]
        if c["not checked"] == sum(c.values()):
            rows.append(f"| {module} | {c['not checked']} | | | | | not run | |")
            continue
        total.update(c)
        rows.append(_row(module, c, times.get(module)))
    rows.append(_row(ALL, total, times.get(ALL)))
    return rows


def _row(label: str, c: "Counter[str]", time: Optional[Dict[str, float]]) -> str:
    mutants = sum(c.values())
    killed = c["killed"] + c["timeout"]
    alive = mutants - c["equivalent"] - killed
    scored = mutants - c["equivalent"]
    pct = f"{100 * killed / scored:.1f}%" if scored else "-"
    took = f"{time['minutes']:.1f} ({time['children']:.0f} workers)" if time else ""
    return (f"| {label} | {mutants} | {c['killed']} | {c['timeout']} | {alive} | "
            f"{c['equivalent']} | {pct} | {took} |")


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--children", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--keep", action="store_true", help="reuse an earlier run's results")
    parser.add_argument("--report-only", action="store_true", help="score the last run again")
    parser.add_argument("--module", action="append", default=[],
                        help="run only this module's mutants, e.g. dfwctl.load (repeatable)")
    args = parser.parse_args(argv)
    os.chdir(ROOT)
    started = time.monotonic()
    if not args.report_only:
        if not args.keep and not args.module:
            shutil.rmtree(MUTANTS, ignore_errors=True)
        MUTANTS.mkdir(exist_ok=True)
        log = ROOT / "mutants.log"
        print(f"mutate: running mutmut with {args.children} workers (log: {log.name})", flush=True)
        with open(log, "w", encoding="utf-8") as out:
            run = subprocess.run([*MUTMUT, "run", "--max-children", str(args.children),
                                  *(f"{m}*" for m in args.module)],
                                 cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
        if run.returncode != 0:
            print(f"mutate: mutmut failed (exit {run.returncode}); its log is {log}", file=sys.stderr)
            return run.returncode
        minutes = (time.monotonic() - started) / 60
        record_minutes(args.module, minutes, args.children)
        took = (f"this run ({', '.join(args.module) or 'every module'}) took {minutes:.1f} min "
                f"on {args.children} workers")
    else:
        took = "scored again from the last runs"
    counts, survivors, stale = score(read_results(), read_equivalents())
    lines = ["# Mutation testing of the core modules", "",
             f"`make mutate` (mutmut, unit tests only); {took}. Minutes: the wall-clock time of "
             "the last run of that module (or of the whole set), with the workers it had. "
             "Score = killed / (mutants - equivalent); a mutant no test reaches counts as "
             "surviving. Equivalent mutants: tests/mutation/equivalent.txt.", "",
             *table(counts, read_minutes()), ""]
    if survivors:
        lines += ["## Surviving mutants (`.venv/bin/mutmut show NAME` prints one)", "",
                  *(f"- {name}" for name in survivors), ""]
    if stale:
        lines += ["## Stale equivalent entries (their mutant changed or is gone)", "",
                  *(f"- {name}" for name in stale), ""]
    REPORT.write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
