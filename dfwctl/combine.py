"""One plan from the providers' plans: their changes in layer order, each provider's changes
waiting for every change of the layers below it (Hyper-V, then Docker Desktop, then Docker)."""
from __future__ import annotations

import dataclasses
import hashlib
from typing import List, Sequence

from dfwctl.plan import Plan
from dfwctl.providers.docker.model import Desired

# Sections of a playbook and the provider that plans them.
SECTION_PROVIDERS = {"hyperv": "hyperv", "docker_desktop": "desktop"}


def combine(desired: Desired, plans: Sequence[Plan], provider_names: Sequence[str]) -> Plan:
    """`plans` are in layer order, one per provider named in `provider_names`."""
    changes: List = []
    below: List[str] = []
    for plan in plans:
        layer = [c.address for c in plan.changes]
        for change in plan.changes:
            needs = tuple(sorted(set(change.depends_on) | set(below)))
            changes.append(dataclasses.replace(change, depends_on=needs))
        below.extend(layer)
    warnings = [w for p in plans for w in p.warnings]
    for section, provider in SECTION_PROVIDERS.items():
        if section in desired.sections and provider not in provider_names:
            warnings.append(f"the {section} section is validated, but this version of dfwctl "
                            "does not plan or apply it yet")
    digest = hashlib.sha256("\0".join(p.fingerprint for p in plans).encode()).hexdigest()
    return Plan(
        playbook=desired.name,
        endpoint=", ".join(p.endpoint for p in plans),
        changes=tuple(changes),
        orphans=tuple(o for p in plans for o in p.orphans),
        warnings=tuple(warnings),
        fingerprint=digest if len(plans) != 1 else plans[0].fingerprint,
        desired_digest=plans[0].desired_digest if plans else "",
    )
