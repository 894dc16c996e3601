"""Plans as versioned JSON (`plan --output json`) and saved plan files (`plan --out FILE`).

Neither holds a secret: values recorded as sensitive are written as "(sensitive value)".
A saved plan holds the digests apply checks before it runs: of the playbook's desired state
and of the machine's state when the plan was made.
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Dict, Sequence

from dfwctl import __version__
from dfwctl.errors import DfwctlError
from dfwctl.mask import is_sensitive
from dfwctl.plan import Action, Change, Plan
from dfwctl.report import SENSITIVE

FORMAT_VERSION = "1.3"  # docs/plan-json.md: what each version added
SAVED_KIND = "dfwctl-saved-plan"


def _value(value: Any) -> Any:
    if is_sensitive(value):
        return SENSITIVE
    if isinstance(value, tuple):
        return [_value(v) for v in value]
    return value


def change_json(change: Change) -> Dict[str, Any]:
    return {
        "address": change.address,
        "provider": change.provider,
        "machine": change.machine,
        "kind": change.kind,
        "name": change.name,
        "action": change.action.value,
        "reasons": list(change.reasons),
        "fields": [
            {
                "name": d.name,
                "before": _value(d.before),
                "after": _value(d.after),
                "forces_replacement": d.forces_replacement,
                "sensitive": is_sensitive(d.before) or is_sensitive(d.after),
            }
            for d in change.diffs
        ],
        "depends_on": list(change.depends_on),
        "after": list(change.after),
        "destructive": change.destructive,
        "requires_restart": change.requires_restart,
        "restart": change.restart,
        "steps": [step.text for step in change.steps],
        "condition": change.condition,
    }


def plan_json(plan: Plan) -> Dict[str, Any]:
    return {
        "format_version": FORMAT_VERSION,
        "dfwctl_version": __version__,
        "playbook": plan.playbook,
        "endpoint": plan.endpoint,
        "targets": list(plan.targets),
        "replace": list(plan.replace),
        "changes": [change_json(c) for c in plan.changes if c.action is not Action.NOOP],
        "deferred": [{"provider": d.provider, "machine": d.machine, "reason": d.reason,
                      "waits_for": list(d.waits_for)} for d in plan.deferred],
        "unreadable": [{"provider": u.provider, "machine": u.machine, "error": u.error}
                       for u in plan.unreadable],
        "orphans": list(plan.orphans),
        "warnings": list(plan.warnings),
        "summary": {a.value: plan.count(a) for a in Action if a is not Action.NOOP},
        "has_changes": plan.has_changes,
        "pending": plan.pending,
        "fingerprint": plan.fingerprint,
        "desired_digest": plan.desired_digest,
    }


def dumps(plan: Plan) -> str:
    return json.dumps(plan_json(plan), indent=2, ensure_ascii=False) + "\n"


def save(plan: Plan, path: Path, playbook_path: Path, options: Dict[str, Any],
         files: Sequence[Path] = ()) -> None:
    """Write atomically: a plan file is either whole or absent. `files` are the playbook's
    layers (its includes and override file), which apply checks are the same."""
    doc = {
        "kind": SAVED_KIND,
        "playbook_path": str(playbook_path.resolve()),
        "playbook_files": [str(f.resolve()) for f in files],
        "options": options,
        "plan": plan_json(plan),
    }
    path = Path(path)
    temp = path.with_name(f".{path.name}.tmp")
    temp.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(temp, path)


def load_saved(path: Path) -> Dict[str, Any]:
    try:
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise DfwctlError(f"{path}: not a readable saved plan ({exc})") from None
    if not isinstance(doc, dict) or doc.get("kind") != SAVED_KIND:
        raise DfwctlError(f"{path}: not a dfwctl saved plan",
                          "pass a playbook (.yml), or a file written by `dfwctl plan --out`")
    version = (doc.get("plan") or {}).get("format_version", "")
    if version.split(".")[0] != FORMAT_VERSION.split(".")[0]:
        raise DfwctlError(f"{path}: saved plan format {version} is not supported by this dfwctl")
    return doc


def is_saved_plan(path: Path) -> bool:
    try:
        with open(path, "rb") as handle:
            head = handle.read(256)
    except OSError:
        return False
    return head.lstrip().startswith(b"{") and SAVED_KIND.encode() in head
