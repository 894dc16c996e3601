"""Combine the results of several bench runs into one table and plot.

A full run (3 repetitions of every tool at N = 10, 40 and 200) takes well over an hour here,
most of it ansible at N = 200. The same repetitions can be made in several shorter runs on the
same engine and checkout; this puts their timed runs side by side (medians over all of them),
keeps the API calls and start-up of the last run that has them, and says which runs went in:

    bench/work/venvs/plot/bin/python bench/merge.py OUT_DIR RUN.json [RUN.json ...]

writes OUT_DIR/latest.json, latest.md and latest.png.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, List

sys.path.insert(0, str(Path(__file__).resolve().parent))
import report  # noqa: E402


def merge(parts: List[Dict[str, Any]], names: List[str]) -> Dict[str, Any]:
    merged: Dict[str, Any] = {"meta": dict(parts[0].get("meta", {})), "runs": [], "calls": {},
                              "startup": {}}
    stuck: List[str] = []
    for name, part in zip(names, parts):
        offset = max((r.get("rep", 0) for r in merged["runs"]), default=0)
        for run in part.get("runs", []):
            merged["runs"].append(dict(run, rep=run.get("rep", 0) + offset, source=name))
        for key in ("calls", "startup", "profile"):
            if part.get(key):
                merged[key] = part[key]
        stuck += [s for s in part.get("meta", {}).get("stuck_networks", []) if s not in stuck]
    meta = merged["meta"]
    meta["command"] = "; ".join(
        f"{n}: `{p.get('meta', {}).get('command')}` sizes {p.get('meta', {}).get('sizes')} "
        f"x{p.get('meta', {}).get('reps')} reps of {', '.join(p.get('meta', {}).get('tools', []))}"
        + (" (interrupted: what it finished)" if p.get("meta", {}).get("interrupted") else "")
        for n, p in zip(names, parts))
    meta["started"] = min(p["meta"]["started"] for p in parts if p.get("meta", {}).get("started"))
    meta["finished"] = max(p["meta"].get("finished", "") for p in parts)
    meta["wall_seconds"] = round(sum(p.get("meta", {}).get("wall_seconds", 0) for p in parts), 1)
    meta["interrupted"] = False
    meta["sizes"] = sorted({s for p in parts for s in p.get("meta", {}).get("sizes", [])})
    counts = {}
    for run in merged["runs"]:
        if run.get("kind", "time") == "time" and run.get("phase") == "cold":
            counts[(run["tool"], run["n"])] = counts.get((run["tool"], run["n"]), 0) + 1
    low, high = min(counts.values(), default=0), max(counts.values(), default=0)
    meta["reps"] = f"{low} to {high} (see Repetitions per cell)" if low != high else high
    meta["stuck_networks"] = stuck
    return merged


def repetitions(results: Dict[str, Any]) -> str:
    """How many timed repetitions each tool has at each N (medians are over these)."""
    counts: Dict[tuple, int] = {}
    for run in results.get("runs", []):
        if run.get("kind", "time") == "time" and run.get("phase") == "cold":
            counts[(run["tool"], run["n"])] = counts.get((run["tool"], run["n"]), 0) + 1
    tools = sorted({t for t, _ in counts}, key=list(report.TITLES).index)
    sizes = sorted({n for _, n in counts})
    lines = ["", "## Repetitions per cell", "",
             "| tool | " + " | ".join(f"N={n}" for n in sizes) + " |",
             "|:---|" + "---:|" * len(sizes)]
    for tool in tools:
        lines.append(f"| {report.TITLES[tool]} | "
                     + " | ".join(str(counts.get((tool, n), 0)) for n in sizes) + " |")
    return "\n".join(lines) + "\n"


def main(argv: List[str]) -> int:
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    out = Path(argv[0])
    paths = [Path(a) for a in argv[1:]]
    parts = [json.loads(p.read_text()) for p in paths]
    merged = merge(parts, [p.parent.name if p.name == "latest.json" else p.stem for p in paths])
    out.mkdir(parents=True, exist_ok=True)
    (out / "latest.json").write_text(json.dumps(merged, indent=1, default=str))
    (out / "latest.md").write_text(report.markdown(merged, plot_name="latest.png")
                                   + repetitions(merged))
    subprocess.run([sys.executable, str(Path(__file__).with_name("plot.py")),
                    str(out / "latest.json"), str(out / "latest.png")], check=True)
    print(f"wrote {out / 'latest.md'}, latest.json and latest.png from {len(parts)} runs")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
