"""Which services a project runs: those without `profiles`, and those with a profile that is
selected (--profile, or COMPOSE_PROFILES; `*` selects all), as `docker compose up` does. A
selected service that depends on one left out is an error (compose: "depends on undefined
service"), unless that dependency is `required: false`."""
from __future__ import annotations

from typing import Any, Dict, List, Sequence

from dfwctl.compose.origins import Origins


def enabled(service: Any, selected: Sequence[str]) -> bool:
    profiles = service.get("profiles") if isinstance(service, dict) else None
    if not profiles:
        return True
    return "*" in selected or any(str(p) in selected for p in profiles)


def select(model: Dict[str, Any], selected: Sequence[str], origins: Origins) -> List[str]:
    """Drop the services no selected profile enables, in place; returns the names dropped."""
    services = model.get("services")
    if not isinstance(services, dict):
        return []
    dropped = [name for name, service in services.items() if not enabled(service, selected)]
    for name in dropped:
        del services[name]
    for name, service in services.items():
        depends = service.get("depends_on") if isinstance(service, dict) else None
        if not isinstance(depends, dict):
            continue
        for other in [o for o in depends if o in dropped]:
            if isinstance(depends[other], dict) and depends[other].get("required") is False:
                del depends[other]
                continue
            origins.error(depends, other, ("services", name, "depends_on", other),
                          f"depends on service {other!r}, which no selected profile enables: "
                          "pass --profile with one of its profiles")
    return dropped
