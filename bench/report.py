"""results (latest.json) -> the markdown report: wall-time table, failures, API calls,
start-up, peak memory, CPU time, and the issue's targets with whether each holds."""
from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple

PHASE_TITLES = {"cold": "cold", "plan": "no-op plan", "noop": "no-op", "change": "change",
                "down": "down"}
PHASE_ORDER = ("cold", "plan", "noop", "change", "down")
TITLES = {"dfwctl": "dfwctl", "floor": "floor (SDK)", "compose-v2": "compose v2",
          "compose-v1": "compose 1.29", "ansible": "ansible"}
FLOOR = "floor"


@dataclass
class Cell:
    seconds: List[float] = field(default_factory=list)      # successful runs only
    cpu: List[float] = field(default_factory=list)
    rss: List[float] = field(default_factory=list)
    total: int = 0
    reasons: List[str] = field(default_factory=list)

    @property
    def median(self) -> Optional[float]:
        return statistics.median(self.seconds) if self.seconds else None


Key = Tuple[str, int, str]  # phase, n, tool


def cells(results: Dict[str, Any]) -> Dict[Key, Cell]:
    out: Dict[Key, Cell] = {}
    for run in results.get("runs", []):
        if run.get("kind", "time") != "time":
            continue
        cell = out.setdefault((run["phase"], run["n"], run["tool"]), Cell())
        cell.total += 1
        if run.get("ok"):
            cell.seconds.append(run["seconds"])
            cell.cpu.append(run.get("cpu_seconds", 0.0))
            cell.rss.append(run.get("max_rss_mib", 0.0))
        else:
            cell.reasons.append(run.get("reason") or "failed")
    return out


def _ratio(value: Optional[float], floor: Optional[float]) -> Optional[float]:
    if value is None or not floor:
        return None
    return value / floor


def _cell_text(cell: Optional[Cell], floor: Optional[Cell], is_floor: bool) -> str:
    if cell is None:
        return "—"
    if cell.median is None:
        return f"**FAILED** ({cell.reasons[0][:60]})"
    text = f"{cell.median:.2f}"
    ratio = _ratio(cell.median, floor.median if floor else None)
    if ratio is not None and not is_floor:
        text += f" ({ratio:.2f}x)"
    if len(cell.seconds) < cell.total:
        text += f" **{len(cell.seconds)}/{cell.total} ok**"
    return text


def _tools(results: Dict[str, Any]) -> List[str]:
    return list(results.get("meta", {}).get("tools") or TITLES)


def _sizes(table: Dict[Key, Cell]) -> List[int]:
    return sorted({n for _, n, _ in table})


def _table(header: List[str], rows: List[List[str]], align: str) -> List[str]:
    lines = ["| " + " | ".join(header) + " |",
             "|" + "|".join(":---" if a == "l" else "---:" for a in align) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def time_table(results: Dict[str, Any]) -> List[str]:
    table = cells(results)
    tools = _tools(results)
    rows = []
    for phase in PHASE_ORDER:
        for n in _sizes(table):
            if not any((phase, n, t) in table for t in tools):
                continue
            floor = table.get((phase, n, FLOOR))
            rows.append([PHASE_TITLES[phase], str(n)] +
                        [_cell_text(table.get((phase, n, t)), floor, t == FLOOR) for t in tools])
    return _table(["phase", "N"] + [TITLES.get(t, t) for t in tools], rows,
                  "lr" + "r" * len(tools))


def stat_table(results: Dict[str, Any], what: str, n: int) -> List[str]:
    """CPU seconds (median) or peak RSS (max) per phase x tool at one N."""
    table = cells(results)
    tools = _tools(results)
    rows = []
    for phase in PHASE_ORDER:
        row = [PHASE_TITLES[phase]]
        if not any((phase, n, t) in table for t in tools):
            continue
        for t in tools:
            cell = table.get((phase, n, t))
            values = getattr(cell, what) if cell else []
            if not values:
                row.append("—")
            elif what == "rss":
                row.append(f"{max(values):.0f}")
            else:
                row.append(f"{statistics.median(values):.2f}")
        rows.append(row)
    return _table(["phase"] + [TITLES.get(t, t) for t in tools], rows, "l" + "r" * len(tools))


def calls_table(results: Dict[str, Any]) -> List[str]:
    calls = results.get("calls") or {}
    if not calls:
        return []
    tools = [t for t in _tools(results) if t in calls]
    sizes = sorted({int(n) for t in tools for n in calls[t]})
    rows = []
    for phase in PHASE_ORDER:
        for n in sizes:
            row = [PHASE_TITLES[phase], str(n)]
            for t in tools:
                entry = calls[t].get(str(n), {}).get(phase)
                if entry is None:
                    row.append("—")
                else:
                    row.append(str(entry["total"]) + ("" if entry["ok"] else " (failed)"))
            rows.append(row)
    lines = _table(["phase", "N"] + [TITLES.get(t, t) for t in tools], rows,
                   "lr" + "r" * len(tools))
    lines.append("")
    for t in tools:
        for n in sizes[:1] + sizes[-1:] if len(sizes) > 1 else sizes:
            for phase in ("plan", "change"):
                entry = calls[t].get(str(n), {}).get(phase)
                if entry:
                    routes = ", ".join(f"{k} x{v}" for k, v in sorted(
                        entry["by_route"].items(), key=lambda kv: (-kv[1], kv[0])))
                    lines.append(f"- {TITLES.get(t, t)}, {PHASE_TITLES[phase]}, N={n}: {routes}")
    return lines


def startup_table(results: Dict[str, Any]) -> List[str]:
    startup = results.get("startup") or {}
    if not startup:
        return []
    rows = [[f"`{label}`", "FAILED", "—", "0"] if d["median"] is None else
            [f"`{label}`", f"{d['median']:.3f}", f"{min(d['seconds']):.3f}", str(len(d["seconds"]))]
            for label, d in startup.items()]
    return _table(["command", "median s", "min s", "runs"], rows, "lrrr")


# targets -------------------------------------------------------------------------------------
def _median(table, phase, n, tool) -> Optional[float]:
    cell = table.get((phase, n, tool))
    return cell.median if cell else None


def targets(results: Dict[str, Any]) -> List[Tuple[str, str, str]]:
    """(target, measured, holds) for each target of issue #5."""
    table = cells(results)
    calls = results.get("calls") or {}
    out: List[Tuple[str, str, str]] = []

    def ratio_row(label, a, b, limit):
        if a is None or b is None:
            out.append((label, "not measured", "—"))
            return
        r = a / b
        out.append((label, f"{a:.2f} s / {b:.2f} s = {r:.2f}x", "yes" if r <= limit else "**no**"))

    for phase, limit in (("cold", 1.05), ("down", 1.05)):
        for n in (40, 200):
            ratio_row(f"{phase}, N={n}: dfwctl within {limit}x of the floor",
                      _median(table, phase, n, "dfwctl"), _median(table, phase, n, FLOOR), limit)
    ratio_row("no-op plan, N=40: `dfwctl plan` at most 1.5x compose v2 (no-op `up -d`)",
              _median(table, "plan", 40, "dfwctl"), _median(table, "noop", 40, "compose-v2"), 1.5)
    ratio_row("(also) no-op apply, N=40: `dfwctl apply` at most 1.5x compose v2 (no-op `up -d`)",
              _median(table, "noop", 40, "dfwctl"), _median(table, "noop", 40, "compose-v2"), 1.5)
    entry = calls.get("dfwctl", {}).get("40", {}).get("plan")
    if entry is None:
        out.append(("no-op plan, N=40: at most 5 API calls", "not measured", "—"))
    else:
        out.append(("no-op plan, N=40: at most 5 API calls", f"{entry['total']} calls",
                    "yes" if entry["total"] <= 5 and entry["ok"] else "**no**"))
    ratio_row("no-op plan: N=200 within 1.2x of N=40",
              _median(table, "plan", 200, "dfwctl"), _median(table, "plan", 40, "dfwctl"), 1.2)
    for n in _sizes(table):
        ratio_row(f"change one container, N={n}: within 1.1x of the floor",
                  _median(table, "change", n, "dfwctl"), _median(table, "change", n, FLOOR), 1.1)
    return out


def markdown(results: Dict[str, Any], plot_name: Optional[str] = "latest.png") -> str:
    meta = results.get("meta", {})
    table = cells(results)
    sizes = _sizes(table)
    lines = ["# Converge benchmark", ""]
    if meta:
        lines += [
            f"- run: {meta.get('started')} to {meta.get('finished', '?')} "
            f"({meta.get('wall_seconds', '?')} s){' — INTERRUPTED' if meta.get('interrupted') else ''}",
            f"- command: `{meta.get('command')}`",
            f"- sizes {meta.get('sizes')}, {meta.get('reps')} repetition(s), tools interleaved "
            f"(order rotated each repetition); floor threads: {meta.get('floor_threads')}",
            f"- engine: {meta.get('engine')}; running containers at the start: "
            f"{meta.get('running_containers_at_start')}",
            f"- 1-minute load average: {meta.get('load_at_start')} at the start, "
            f"{meta.get('load_at_end', '?')} at the end (per run in latest.json)",
            f"- machine: {meta.get('machine')}; harness Python {meta.get('python')}",
            f"- dfwctl checkout: {meta.get('checkout')}",
        ]
        lines += [f"- {TITLES.get(k, k)}: {v}" for k, v in (meta.get("versions") or {}).items()]
        if meta.get("stuck_networks"):
            lines.append("- networks the engine refused to remove (left in place; later cycles "
                         "use other names): " + "; ".join(meta["stuck_networks"]))
        lines.append("")
    if plot_name:
        lines += [f"![time vs N per phase and tool]({plot_name})", ""]
    lines += ["## Wall time", "",
              "Median seconds over the successful repetitions, and in brackets the ratio to the "
              "floor's median. **k/n ok**: only k of n repetitions did the work (the others are "
              "listed under Failures and not timed). —: the tool has no such phase (no-op plan "
              "is a dry run: `dfwctl plan`, the floor's list-and-compare, `compose up --dry-run`).",
              ""]
    lines += time_table(results)
    failures = [r for r in results.get("runs", []) if not r.get("ok")]
    if failures:
        lines += ["", "## Failures", ""]
        lines += [f"- {r['tool']} N={r['n']} rep {r['rep']} {PHASE_TITLES[r['phase']]}"
                  f"{' (' + r['kind'] + ' pass)' if r.get('kind') == 'calls' else ''}: "
                  f"{r.get('reason')}" + (f" — `{_short(r['log'])}`" if r.get("log") else "")
                  for r in failures]
    calls = calls_table(results)
    if calls:
        lines += ["", "## Engine API calls", "",
                  "One run of each phase through a counting proxy on a unix socket (requests "
                  "counted from the HTTP request lines). The floor pins the API version, so it "
                  "makes no /version call.", ""] + calls
    startup = startup_table(results)
    if startup:
        lines += ["", "## Start-up", "", "Wall seconds per process, from fork to exit.", ""]
        lines += startup
    if sizes:
        big = sizes[-1]
        lines += ["", f"## Peak memory at N={big}", "",
                  "Largest resident set (MiB) of the tool's process or any child it waited for "
                  "(for ansible, also its module processes; for compose v2, the Go binary).", ""]
        lines += stat_table(results, "rss", big)
        lines += ["", f"## CPU time at N={big}", "",
                  "User + system seconds of the tool's processes (median): the tool's own work, "
                  "apart from the engine's.", ""]
        lines += stat_table(results, "cpu", big)
    profile = results.get("profile") or {}
    if profile:
        lines += ["", f"## Profile (dfwctl, N={profile['n']})", "",
                  "Wall seconds of each step: "
                  + ", ".join(f"{k} {v:.2f}" for k, v in profile["seconds"].items())
                  + ". pyinstrument of `dfwctl plan` on the applied environment (the profiler's "
                  "own overhead included) and `python -X importtime` of the same plan: "
                  + ", ".join(f"[{f}]({f})" for f in profile["files"]) + "."]
    rows = [[t, m, h] for t, m, h in targets(results)]
    lines += ["", "## Targets (issue #5)", ""] + _table(["target", "measured", "holds"], rows, "lll")
    lines += build_context(results.get("build_context") or {})
    return "\n".join(lines) + "\n"


def build_context(figure: Dict[str, Any]) -> List[str]:
    """The no-op plan with a large build context, next to the same plan without build:."""
    if not figure:
        return []
    n, files = figure.get("n"), figure.get("files", 0)
    lines = ["", f"## Build context: no-op plan, N={n}, a {files:,}-file context", "",
             f"`dfwctl plan --detailed-exitcode` on the applied environment of N={n} whose first "
             f"container is built (`build:`) from a context of {files:,} files, and on the same "
             "environment without `build:` (every container from busybox:latest); "
             f"{figure.get('reps')} plans of each, interleaved, medians. dfwctl fingerprints "
             "the context on every plan, with its cache of file digests (bench/buildctx.py)."
             + (" Measured {started}, 1-minute load average {load}, dfwctl checkout {checkout}."
                .format(**figure["run"]) if figure.get("run") else ""),
             ""]
    if not figure.get("ok"):
        return lines + [f"**FAILED**: {figure.get('reason')}"]
    calls = figure.get("calls") or {}
    rows = []
    for key, title in (("without_build", "without `build:`"), ("with_build", "with `build:`")):
        data = figure[key]
        counted = calls.get(key)
        rows.append([title, f"{data['median']:.3f}", f"{data['cpu_median']:.3f}",
                     f"{data['max_rss_mib']:.0f}",
                     str(counted["total"]) if counted else "not counted"])
    lines += _table(["plan", "wall s", "CPU s", "peak MiB", "API calls"], rows, "lrrrr")
    lines += ["", f"With an empty digest cache (every file read: the first plan on a machine), "
                  f"the plan with `build:` took {figure['with_build_empty_cache_seconds']:.2f} s "
                  "(one run).", ""]
    ratio = figure["ratio"]
    with_calls = (calls.get("with_build") or {}).get("total")
    rows = [["no-op plan with a build context at most 1.3x the same plan without `build:`",
             f"{figure['with_build']['median']:.3f} s / {figure['without_build']['median']:.3f} s"
             f" = {ratio:.2f}x", "yes" if ratio <= 1.3 else "**no**"],
            ["no-op plan with a build context: at most 5 API calls",
             "not counted" if with_calls is None else f"{with_calls} calls",
             "—" if with_calls is None else ("yes" if with_calls <= 5 else "**no**")]]
    return lines + _table(["target", "measured", "holds"], rows, "lll")


def _short(path: str) -> str:
    marker = "/bench/"
    return "bench/" + path.split(marker, 1)[1] if marker in path else path


def importtime_summary(text: str, what: str, top: int = 40) -> str:
    """`python -X importtime` output -> the slowest imports by cumulative time."""
    rows = []
    for line in text.splitlines():
        parts = line[len("import time:"):].split("|")
        if not line.startswith("import time:") or len(parts) != 3:
            continue
        try:
            self_us, cumulative = int(parts[0]), int(parts[1])
        except ValueError:  # the header line
            continue
        rows.append((cumulative, self_us, parts[2].strip()))
    total = sum(s for _, s, _ in rows)
    rows.sort(reverse=True)
    out = [f"python -X importtime -m {what}: {len(rows)} modules, "
           f"{total / 1000:.1f} ms of imports in all", "",
           f"{'cumulative ms':>14} {'self ms':>8}  module"]
    out += [f"{c / 1000:14.1f} {s / 1000:8.1f}  {name}" for c, s, name in rows[:top]]
    return "\n".join(out) + "\n"
