"""One plan from the providers' parts: their changes in layer order (Hyper-V, then Docker
Desktop, then Docker), each part's changes waiting for every change of the layers below it on
the same machine, and for the change to the VM that machine is. Addresses carry their machine
when the playbook names machines. This is where a plan is finished: the playbook's digest is
taken once, and every field value that holds a secret is masked once."""
from __future__ import annotations

import dataclasses
import hashlib
from typing import Dict, List, Sequence

from dfwctl.desired import Desired
from dfwctl.machines.model import Machines, prefix
from dfwctl.mask import mask_plan
from dfwctl.plan import Change, Deferred, Plan, PlanPart, Unreadable


def _vm_changes(machines: Machines, machine: str, parts: Sequence[PlanPart]) -> List[str]:
    """The addresses of the changes to the VM that `machine` is (none when it is no VM)."""
    if not machines.named or machine not in machines.specs:
        return []
    spec = machines.specs[machine]
    if not spec.is_guest:
        return []
    return [prefix(p.machine, c.address) for p in parts if p.machine == spec.host
            for c in p.changes if c.kind == "vm" and c.name == spec.vm]


def _desired_digest(desired: Desired, parts: Sequence[PlanPart]) -> str:
    """The playbook's digest, with the keyed digests of secret values the parts add."""
    added = [p.secrets_digest for p in parts if p.secrets_digest]
    if not added:
        return desired.digest()
    return hashlib.sha256("\0".join([desired.digest()] + added).encode()).hexdigest()


def combine(desired: Desired, parts: Sequence[PlanPart], deferred: Sequence[Deferred] = (),
            unreadable: Sequence[Unreadable] = ()) -> Plan:
    """`parts` are in layer order."""
    machines = desired.machines
    changes: List[Change] = []
    below: Dict[str, List[str]] = {}  # machine -> addresses of its changes so far
    for part in parts:
        machine = part.machine

        def named(address: str, machine: str = machine) -> str:
            return prefix(machine, address) if machines.named else address

        lower = below.get(machine, []) + _vm_changes(machines, machine, parts)
        for change in part.changes:
            needs = tuple(sorted({named(a) for a in change.depends_on} | set(lower)))
            changes.append(dataclasses.replace(change, address=named(change.address),
                                               depends_on=needs, machine=machine,
                                               after=tuple(named(a) for a in change.after)))
        below.setdefault(machine, []).extend(named(c.address) for c in part.changes)
    digest = hashlib.sha256("\0".join(p.fingerprint for p in parts).encode()).hexdigest()
    plan = Plan(
        playbook=desired.name,
        endpoint=", ".join(p.endpoint for p in parts),
        changes=tuple(changes),
        orphans=tuple(prefix(p.machine, o) if machines.named else o
                      for p in parts for o in p.orphans),
        warnings=tuple(f"{machines.shown(p.machine)}: {w}" if machines.named else w
                       for p in parts for w in p.warnings),
        fingerprint=digest if len(parts) != 1 else parts[0].fingerprint,
        desired_digest=_desired_digest(desired, parts),
        deferred=tuple(deferred),
        unreadable=tuple(unreadable),
    )
    return mask_plan(plan, desired.mask)
