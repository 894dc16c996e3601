"""Profiles, as compose has them: a container with `profiles: [debug]` is part of a run only
when one of its profiles is selected (`--profile debug`, or `*` for all); a container without
profiles always is. What an unselected container would be is still validated; what the
engine runs of it is left alone (neither planned nor an orphan)."""
from __future__ import annotations

from typing import Any, Dict, FrozenSet, List, Sequence, Tuple

from dfwctl.errors import DfwctlError, Diagnostic
from dfwctl.load import Document
from dfwctl.tree import mapping

ALL = "*"
# Every container on: how a command that does not act on containers (unlock, doctor, desktop
# show) reads the playbook, so that no question of profiles can refuse it there.
EVERY: Tuple[str, ...] = (ALL,)


def _profiles(spec: Any) -> List[str]:
    listed = spec.get("profiles") if isinstance(spec, dict) else None
    return [p for p in listed if isinstance(p, str)] if isinstance(listed, list) else []


def inactive(data: Any, selected: Sequence[str]) -> FrozenSet[str]:
    """The containers that no selected profile turns on."""
    if ALL in selected:
        return frozenset()
    chosen = set(selected)
    return frozenset(name for name, spec in mapping(data, "containers").items()
                     if _profiles(spec) and not chosen.intersection(_profiles(spec)))


def check(document: Document, selected: Sequence[str]) -> List[Diagnostic]:
    """Errors for a selected container that needs one left out by the profiles. Raises for
    a selected profile that no container has (a typo would silently select nothing)."""
    containers = mapping(document.data, "containers")
    known = sorted({p for spec in containers.values() for p in _profiles(spec)})
    unknown = [p for p in selected if p != ALL and p not in known]
    if unknown:
        raise DfwctlError(
            f"--profile {', '.join(unknown)}: no container in {document.display_name} has "
            f"{'this profile' if len(unknown) == 1 else 'these profiles'}",
            f"its profiles: {', '.join(known)}" if known else "no container has profiles")
    off = inactive(document.data, selected)
    found: List[Diagnostic] = []
    for name, spec in containers.items():
        if name in off:
            continue
        for path, needed in _needs(spec):
            if needed in off:
                wanted = " or ".join(f"--profile {p}" for p in _profiles(containers[needed]))
                found.append(document.diagnostic(
                    ("containers", name, "depends_on") + path,
                    f"{name} depends on {needed}, which is in no selected profile: add "
                    f"{wanted}, or make the dependency required: false"))
    return found


def _needs(spec: Any) -> List[tuple[tuple[Any, ...], str]]:
    """(path under depends_on, name) of each dependency a container requires."""
    listed = spec.get("depends_on") if isinstance(spec, dict) else None
    if isinstance(listed, list):
        return [((i,), n) for i, n in enumerate(listed) if isinstance(n, str)]
    if isinstance(listed, dict):
        return [((n,), n) for n, how in listed.items()
                if not (isinstance(how, dict) and how.get("required") is False)]
    return []


def without(raw: Dict[str, Any], off: FrozenSet[str]) -> Dict[str, Any]:
    """A plain playbook tree without the containers `off`, and without the dependencies of
    the others on them (only optional ones are left: check refused the others)."""
    if not off:
        return raw
    containers = {}
    for name, spec in (raw.get("containers") or {}).items():
        if name in off:
            continue
        needs = (spec or {}).get("depends_on")
        if isinstance(needs, dict) and off.intersection(needs):
            spec = {**spec, "depends_on": {k: v for k, v in needs.items() if k not in off}}
        containers[name] = spec
    return {**raw, "containers": containers}
