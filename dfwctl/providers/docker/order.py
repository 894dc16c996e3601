"""Dependency order of the Docker part of a plan: which change waits for which, and a stable
display order.

Images, networks and volumes come before the containers that use them, containers after
those they depend_on, and after the deletions that free their host ports; deletions of
networks and volumes wait until no container holds them.
"""
from __future__ import annotations

import dataclasses
from typing import Dict, List, Mapping, Optional, Sequence, Set, Tuple

from dfwctl.errors import PlanError
from dfwctl.plan import Action, Change
from dfwctl.providers.docker.model import ContainerSpec, address, volume_sources
from dfwctl.values.ports import parse_ports

_RANK = {"image": 0, "network": 1, "volume": 2, "container": 3}

HostPort = Tuple[str, int, str]


def _rank(change: Change) -> Tuple[int, str]:
    if change.action is Action.DELETE:
        return (10 + _RANK.get(change.kind, 9), change.name)
    return (_RANK.get(change.kind, 9), change.name)


def host_ports(spec: ContainerSpec) -> Set[HostPort]:
    """Host bindings a container holds: a new one must wait until an old holder is gone."""
    return {(p.host_ip, p.host_port, p.protocol)
            for text in spec.ports for p in parse_ports(text) if p.host_port}


def _needs(change: Change, specs: Mapping[str, ContainerSpec], planned: Set[str],
           freed: Mapping[str, Set[HostPort]], deleting: Sequence[str],
           secrets_key: Optional[str]) -> Set[str]:
    """Addresses `change` waits for."""
    needs: Set[str] = set()
    if change.kind == "container" and change.action is not Action.DELETE:
        spec = specs[change.address]
        wanted = [address("image", spec.image)]
        if spec.grants and secrets_key:
            wanted.append(secrets_key)
        wanted += [address("network", n) for n in spec.networks]
        wanted += [address("volume", v) for v in volume_sources(spec)]
        wanted += [address("container", d.name) for d in spec.depends_on if d.required]
        needs.update(a for a in wanted if a in planned)
        if freed and spec.ports:
            ports = host_ports(spec)
            needs.update(holder for holder, held in freed.items() if ports & held)
    elif change.action is Action.DELETE and change.kind in ("network", "volume"):
        needs.update(deleting)
    return needs


def _after(change: Change, specs: Mapping[str, ContainerSpec], planned: Set[str]) -> Set[str]:
    """The dependencies a container waits for without needing them to succeed (required:
    false)."""
    if change.kind != "container" or change.action is Action.DELETE:
        return set()
    spec = specs[change.address]
    return {a for a in (address("container", d.name) for d in spec.depends_on if not d.required)
            if a in planned}


def order_changes(changes: Sequence[Change], specs: Mapping[str, ContainerSpec],
                  secrets_key: Optional[str] = None) -> List[Change]:
    """Fill each change's depends_on and sort them so every change follows its needs.

    `specs` holds, by address, the spec of each container change: the playbook's for a
    create, replace or update, the recorded one for a delete (whose host ports it frees).
    `secrets_key` is the change that stores the key of secret digests, if the plan has one:
    containers granted secrets come after it."""
    planned = {c.address for c in changes}
    freed: Dict[str, Set[HostPort]] = {}
    for change in changes:
        old = specs.get(change.address)
        if change.kind == "container" and change.action is Action.DELETE and old and old.ports:
            freed[change.address] = host_ports(old)
    deleting = [c.address for c in changes
                if c.kind == "container" and c.action in (Action.DELETE, Action.REPLACE)]
    needs = {c.address: _needs(c, specs, planned, freed, deleting, secrets_key)
             for c in changes}
    after = {c.address: _after(c, specs, planned) for c in changes}
    ordered: List[Change] = []
    done: Set[str] = set()
    pending = sorted(changes, key=_rank)
    while pending:
        ready = [c for c in pending if needs[c.address] | after[c.address] <= done]
        if not ready:
            cycle = ", ".join(c.address for c in pending)
            raise PlanError(f"dependency cycle between: {cycle}")
        for change in ready:
            ordered.append(dataclasses.replace(change,
                                               depends_on=tuple(sorted(needs[change.address])),
                                               after=tuple(sorted(after[change.address]))))
            done.add(change.address)
        pending = [c for c in pending if c.address not in done]
    return ordered
