"""Which parts of a plan must wait: a part on a machine that is a VM, when an earlier layer's
change takes that VM down or brings it up (it is off, or the plan stops or restarts it), is
not read now; the plan says what it waits for, and apply plans it once that change is made.
A later part on a machine whose earlier part waits, waits too. Pure."""
from __future__ import annotations

from typing import Optional, Sequence

from dfwctl.machines.model import Machines, prefix
from dfwctl.plan import Deferred, PlanPart


def deferral(machines: Machines, provider: str, machine: str, parts: Sequence[PlanPart],
             deferred: Sequence[Deferred]) -> Optional[Deferred]:
    """The Deferred entry for `provider` on `machine`, or None when it can be read now.
    `parts` and `deferred` are the earlier layers'."""
    before = [d for d in deferred if d.machine == machine]
    if before:
        return Deferred(provider, machine, f"it comes after {before[0].provider} on "
                        f"{machines.shown(machine)}, which waits too", before[0].waits_for)
    if not machines.named or machine not in machines.specs:
        return None
    spec = machines.specs[machine]
    if not spec.is_guest:
        return None
    down = [prefix(p.machine, c.address) for p in parts if p.machine == spec.host
            for c in p.changes if c.downtime == spec.vm]
    if not down:
        return None
    return Deferred(provider, machine,
                    f"VM {spec.vm} on {spec.host} is off, or this plan stops it: what runs "
                    f"inside it is read once {', '.join(down)} is made", tuple(down))
