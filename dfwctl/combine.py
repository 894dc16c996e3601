"""One plan from the providers' parts: their changes in layer order, each provider's changes
waiting for every change of the layers below it (Hyper-V, then Docker Desktop, then Docker).
This is where a plan is finished: the playbook's digest is taken once, and every field value
that holds a secret is masked once."""
from __future__ import annotations

import dataclasses
import hashlib
from typing import List, Sequence

from dfwctl.desired import Desired
from dfwctl.mask import mask_plan
from dfwctl.plan import Change, Plan, PlanPart


def combine(desired: Desired, parts: Sequence[PlanPart]) -> Plan:
    """`parts` are in layer order."""
    changes: List[Change] = []
    below: List[str] = []
    for part in parts:
        layer = [c.address for c in part.changes]
        for change in part.changes:
            needs = tuple(sorted(set(change.depends_on) | set(below)))
            changes.append(dataclasses.replace(change, depends_on=needs))
        below.extend(layer)
    digest = hashlib.sha256("\0".join(p.fingerprint for p in parts).encode()).hexdigest()
    plan = Plan(
        playbook=desired.name,
        endpoint=", ".join(p.endpoint for p in parts),
        changes=tuple(changes),
        orphans=tuple(o for p in parts for o in p.orphans),
        warnings=tuple(w for p in parts for w in p.warnings),
        fingerprint=digest if len(parts) != 1 else parts[0].fingerprint,
        desired_digest=desired.digest(),
    )
    return mask_plan(plan, desired.mask)
