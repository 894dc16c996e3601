"""Docker specs compared field by field: a recorded spec (secrets hashed, as its label holds
it) against the playbook's, mappings key by key; which fields force a new container; and drift
in a container's run state. Pure."""
from __future__ import annotations

import dataclasses
from dataclasses import MISSING, fields
from typing import Any, FrozenSet, List, Optional, Tuple

from dfwctl.mask import Masker, same
from dfwctl.plan import Action, FieldDiff
from dfwctl.providers.docker.model import ContainerSpec, ContainerState
from dfwctl.providers.docker.record import is_pairs


def field_diffs(before: Any, after: Any, mask: Masker,
                updatable: FrozenSet[str] = frozenset()) -> Tuple[FieldDiff, ...]:
    """Compare a recorded spec with a wanted one of the same type; mappings are compared key
    by key (env.TZ). A field is shown under the name the playbook gives it (its `shown`
    metadata: log_options.max-size is logging.options.max-size)."""
    diffs: List[FieldDiff] = []
    for f in fields(after):
        if not f.compare or f.name == "name":
            continue
        old, new = getattr(before, f.name), getattr(after, f.name)
        if same(new, old, mask):
            continue
        forces = f.name not in updatable
        shown = f.metadata.get("shown", f.name)  # logging.driver for log_driver
        if is_pairs(old) and is_pairs(new):
            old_map, new_map = dict(old), dict(new)
            for key in sorted(set(old_map) | set(new_map)):
                if not same(new_map.get(key), old_map.get(key), mask):
                    name = shown.format(key=key) if "{key}" in shown else f"{shown}.{key}"
                    diffs.append(FieldDiff(name, old_map.get(key), new_map.get(key), forces))
        else:
            diffs.append(FieldDiff(shown, old, new, forces))
    return tuple(diffs)


def creation_diffs(spec: Any, mask: Masker) -> Tuple[FieldDiff, ...]:
    """Every non-default field of a new object, as `+ field = value` lines."""
    required = {f.name: None for f in fields(spec)
                if f.default is MISSING and f.default_factory is MISSING and f.name != "name"}
    return field_diffs(type(spec)(name=spec.name, **required), spec, mask)


# A container dfwctl created and never started is made again, not started: the engine may have
# stopped (killed, restarted) while it started it, and kept a task of it (`task ...: already
# exists` at every later start) or its host ports (`port is already allocated`). A new
# container has neither; dfwctl owns the old one, which never ran.
NEVER_STARTED = ("the container was created but never started (an apply or the engine stopped "
                 "while it started): it is created again")


def state_change(spec: ContainerSpec, state: ContainerState) -> Optional[Tuple[Action, str]]:
    """Drift in the container's run state (the spec itself unchanged)."""
    status = state.status
    if spec.state == "running":
        if status in ("running", "restarting"):
            return None
        if status == "dead":
            return Action.REPLACE, "the container is dead"
        if status == "paused":
            return Action.UPDATE, "the container is paused (changed outside dfwctl)"
        if status == "created":
            return Action.REPLACE, NEVER_STARTED
        return Action.UPDATE, f"the container is {status} (stopped outside dfwctl)"
    # state: exited -- run to completion once
    if status in ("running", "restarting", "paused"):
        return None  # still doing its one run
    if status == "created":
        return Action.REPLACE, NEVER_STARTED
    if status == "dead" or (state.exit_code not in (None, 0)):
        return Action.REPLACE, f"its last run failed (exit code {state.exit_code}); run it again"
    return None


def removing_limit(diff: FieldDiff) -> FieldDiff:
    """`docker update` can change a limit but not take one away: that needs a new container."""
    if diff.name in ("memory", "cpus") and diff.after is None:
        return dataclasses.replace(diff, forces_replacement=True)
    return diff


def short_digest(digest: Optional[str]) -> Optional[str]:
    """sha256:0123456789ab (twelve hex digits), as docker shows image ids."""
    if not digest:
        return digest
    algo, _, hexpart = digest.partition(":")
    return f"{algo}:{hexpart[:12]}" if hexpart else digest[:12]
