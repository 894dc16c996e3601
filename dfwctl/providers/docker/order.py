"""Dependency order of a plan: which change waits for which, and a stable display order.

Images, networks and volumes come before the containers that use them, containers after
those they depend_on; deletions of networks and volumes wait until no container holds them.
"""
from __future__ import annotations

import dataclasses
from typing import Dict, List, Set

from dfwctl.errors import PlanError
from dfwctl.plan import Action, Change

_RANK = {"image": 0, "network": 1, "volume": 2, "container": 3}


def _rank(change: Change) -> tuple:
    if change.action is Action.DELETE:
        return (10 + _RANK.get(change.kind, 9), change.name)
    return (_RANK.get(change.kind, 9), change.name)


def _needs(change: Change, by_address: Dict[str, Change], freed: List[Change]) -> Set[str]:
    """Addresses `change` waits for. `freed`: the container deletions (they free names,
    ports, networks and volumes)."""
    from dfwctl.providers.docker.diff import (  # diff imports this module
        address,
        volume_sources,
    )

    needs: Set[str] = set()
    if change.kind == "container" and change.action is not Action.DELETE:
        spec = change.desired
        wanted = [address("image", spec.image)]
        wanted += [address("network", n) for n in spec.networks]
        wanted += [address("volume", v) for v in volume_sources(spec)]
        wanted += [address("container", c) for c in spec.depends_on]
        needs.update(a for a in wanted if a in by_address)
        holders = [c for c in freed if c.actual is not None and c.actual.spec is not None
                   and c.actual.spec.ports]
        if holders and spec.ports:
            ports = _host_ports(spec)
            needs.update(c.address for c in holders if ports & _host_ports(c.actual.spec))
    elif change.action is Action.DELETE and change.kind in ("network", "volume"):
        needs.update(
            c.address for c in by_address.values()
            if c.kind == "container" and c.action in (Action.DELETE, Action.REPLACE)
        )
    return needs


def _host_ports(spec) -> Set[tuple]:
    """Host bindings a container holds: a new one must wait until an old holder is gone."""
    from dfwctl.values.ports import parse_ports

    return {(p.host_ip, p.host_port, p.protocol)
            for text in spec.ports for p in parse_ports(text) if p.host_port}


def order_changes(changes: List[Change]) -> List[Change]:
    """Fill each change's depends_on and sort them so every change follows its needs."""
    by_address = {c.address: c for c in changes}
    freed = [c for c in changes if c.kind == "container" and c.action is Action.DELETE]
    needs = {c.address: _needs(c, by_address, freed) for c in changes}
    ordered: List[Change] = []
    done: Set[str] = set()
    pending = sorted(changes, key=_rank)
    while pending:
        ready = [c for c in pending if needs[c.address] <= done]
        if not ready:
            cycle = ", ".join(c.address for c in pending)
            raise PlanError(f"dependency cycle between: {cycle}")
        for change in ready:
            ordered.append(dataclasses.replace(change, depends_on=tuple(sorted(needs[change.address]))))
            done.add(change.address)
        pending = [c for c in pending if c.address not in done]
    return ordered
