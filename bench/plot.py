"""latest.json -> a PNG: median seconds against N, one panel per phase, one line per tool.
Runs in its own venv (matplotlib, Agg backend):

    bench/work/venvs/plot/bin/python bench/plot.py bench/results/latest.json out.png
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib import ticker  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from report import FLOOR, PHASE_ORDER, PHASE_TITLES, TITLES, cells  # noqa: E402

STYLE = {"dfwctl": ("tab:blue", "o", "-"), FLOOR: ("black", "s", "--"),
         "compose-v2": ("tab:green", "^", "-"), "compose-v1": ("tab:orange", "v", "-"),
         "ansible": ("tab:red", "D", "-")}


def _seconds(value: float, _pos=None) -> str:
    return f"{value:g}"


def _pad(ax) -> None:
    """At least a factor of 4 between the y limits, so some 1-2-5 ticks are labelled."""
    low, high = ax.get_ylim()
    if high / low < 4:
        middle = (low * high) ** 0.5
        ax.set_ylim(middle / 2, middle * 2)


def plot(results: dict, out: Path) -> None:
    table = cells(results)
    tools = list(results.get("meta", {}).get("tools") or TITLES)
    phases = [p for p in PHASE_ORDER if any(k[0] == p for k in table)]
    sizes = sorted({n for _, n, _ in table})
    columns = min(3, len(phases))
    rows = (len(phases) + columns) // columns  # one more cell for the legend
    fig, axes = plt.subplots(rows, columns, figsize=(4.6 * columns, 3.8 * rows), squeeze=False)
    flat = list(axes.flat)
    handles = {}
    for ax, phase in zip(flat, phases):
        for tool in tools:
            keyed = [(n, table.get((phase, n, tool))) for n in sizes]
            points = [(n, c.median) for n, c in keyed if c is not None and c.median is not None]
            failed = [n for n, c in keyed if c is not None and c.median is None]
            color, marker, line = STYLE.get(tool, ("grey", ".", "-"))
            if points:
                xs, ys = zip(*points)
                handles[tool] = ax.plot(xs, ys, marker=marker, linestyle=line, color=color)[0]
            for n in failed:  # a red cross on the axis: no successful run
                ax.annotate("x", (n, 0), xycoords=("data", "axes fraction"), color=color,
                            ha="center", va="bottom", fontsize=12, fontweight="bold")
        ax.set_title(PHASE_TITLES[phase])
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.xaxis.set_major_locator(ticker.FixedLocator(sizes))
        ax.xaxis.set_major_formatter(ticker.FuncFormatter(lambda v, _p: f"{v:g}"))
        ax.xaxis.set_minor_locator(ticker.NullLocator())
        ax.yaxis.set_major_locator(ticker.LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
        ax.yaxis.set_major_formatter(ticker.FuncFormatter(_seconds))
        ax.yaxis.set_minor_locator(ticker.NullLocator())
        _pad(ax)
        ax.set_xlabel("containers (N)")
        ax.set_ylabel("median seconds")
        ax.grid(True, which="both", alpha=0.25)
    for ax in flat[len(phases):]:
        ax.axis("off")
    legend_ax = flat[len(phases)] if len(flat) > len(phases) else flat[-1]
    legend_ax.legend([handles[t] for t in tools if t in handles],
                     [TITLES.get(t, t) for t in tools if t in handles], loc="center",
                     title="tool (x on the axis: failed)")
    meta = results.get("meta", {})
    fig.suptitle(f"Converge time by phase: medians of {meta.get('reps', '?')} repetition(s); "
                 f"{meta.get('engine', '')}; {meta.get('machine', '').split(',')[0]}", fontsize=9)
    fig.tight_layout()
    fig.savefig(out, dpi=100)


def main(argv=None) -> None:
    args = argv if argv is not None else sys.argv[1:]
    if len(args) != 2:
        raise SystemExit("usage: plot.py RESULTS.json OUT.png")
    plot(json.loads(Path(args[0]).read_text()), Path(args[1]))


if __name__ == "__main__":
    main()
