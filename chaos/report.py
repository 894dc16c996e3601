"""The chaos suite's results as a markdown table (chaos/results/latest.md) and JSON."""
from __future__ import annotations

import json
import platform
import subprocess
from dataclasses import asdict
from pathlib import Path
from typing import Any, Dict, List, Optional

from chaos.fuzz import Report as FuzzReport
from chaos.scenarios import Row


def _cell(items: List[str]) -> str:
    return "none" if not items else "; ".join(items).replace("|", "\\|")


def markdown(rows: List[Row], fuzz: Optional[FuzzReport], secrets: Optional[Dict[str, Any]],
             meta: Dict[str, str]) -> str:
    lines = ["# Chaos suite", ""]
    lines += [f"- {key}: {value}" for key, value in meta.items()]
    lines += ["", "Each trial injects the fault, then runs `dfwctl apply` once more. "
              "**converged**: that apply succeeded and the next plan was empty. **data lost**: "
              "the marker a run-once container wrote into the playbook's named volume is gone. "
              "**leftovers**: replacements under temporary names, owned containers the playbook "
              "does not name, two networks of one name, lock volumes, containerd tasks that no "
              "container has (a process the Docker API no longer sees). **tracebacks**: runs of "
              "dfwctl that printed one (or an internal error).", "",
              "| scenario | runs | converged within one re-apply | data lost | leftovers | "
              "tracebacks |", "|:---|---:|---:|---:|:---|---:|"]
    for row in rows:
        lines.append(f"| {row.scenario} | {row.runs} | {row.converged}/{row.runs} | "
                     f"{row.data_lost} | {_cell(row.leftovers)} | {row.tracebacks} |")
    if fuzz is not None:
        mishandled = len(fuzz.findings)
        lines.append(f"| fuzz: {fuzz.cases:,} mutated playbooks through validate and the parse "
                     f"cache (seed {fuzz.seed}) | {fuzz.cases:,} | {fuzz.valid:,} valid, "
                     f"{fuzz.refused:,} refused with positions | n/a | n/a | "
                     f"{fuzz.internal} internal errors, {mishandled} mishandled |")
    if secrets is not None:
        lines.append(f"| secret leaks: {secrets['checked']} paths (validate, plan, JSON, saved "
                     f"plan, apply logs, status, engine labels and lists) | "
                     f"{secrets['checked']} | n/a | n/a | {_cell(secrets['found'])} | "
                     f"{secrets['tracebacks']} |")
    lines += ["", "## Trials", ""]
    for row in rows:
        lines.append(f"### {row.scenario}")
        if row.detail:
            lines.append(f"\n{row.detail}\n")
        for t in row.trials:
            status = "converged" if t.converged else "NOT converged"
            extra = f" ({t.note})" if t.note else ""
            lines.append(f"- {t.label}: {status}{extra}")
        lines.append("")
    if fuzz is not None and fuzz.findings:
        lines += ["## Fuzz findings", ""]
        lines += [f"- case {f.case}: {f.what}" for f in fuzz.findings[:20]]
    return "\n".join(lines).rstrip() + "\n"


def write(folder: Path, rows: List[Row], fuzz: Optional[FuzzReport],
          secrets: Optional[Dict[str, Any]], meta: Dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "latest.md").write_text(markdown(rows, fuzz, secrets, meta), encoding="utf-8")
    data = {"meta": meta, "rows": [asdict(r) for r in rows],
            "fuzz": None if fuzz is None else {**asdict(fuzz), "findings": [
                {"case": f.case, "what": f.what} for f in fuzz.findings]},
            "secrets": secrets}
    (folder / "latest.json").write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    return folder / "latest.md"


def machine() -> Dict[str, str]:
    def out(*cmd: str) -> str:
        try:
            return subprocess.run(cmd, capture_output=True, text=True, timeout=20).stdout.strip()
        except (OSError, subprocess.TimeoutExpired):
            return "?"

    return {"machine": f"{platform.platform()}, Python {platform.python_version()}",
            "dockerd": out("dockerd", "--version"),
            "containerd": out("containerd", "--version"),
            "dfwctl checkout": out("git", "rev-parse", "--short", "HEAD")}
