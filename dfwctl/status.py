"""What a playbook owns and in what state, at a glance (`dfwctl status`): as values, as text for
people and as JSON.

Each provider reads its part once, as for a plan, and describes what it found (Items) beside
the plan part of that same snapshot; an item that plan would change is marked with that
change (drift, or missing). Pure: reading is the providers' (pipeline.read_status)."""
from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence, Tuple

from dfwctl.colour import GREEN, PLAIN, RED, YELLOW, Palette
from dfwctl.desired import Desired
from dfwctl.errors import PlanError
from dfwctl.machines.model import prefix
from dfwctl.plan import Action, Change, Plan, PlanPart

FORMAT_VERSION = "1.0"


@dataclass(frozen=True)
class Item:
    """One thing the playbook declares (or owns: an orphan) as found on the machine."""

    address: str  # as plans name it: docker.container.web (with its machine: win10:...)
    kind: str  # container | network | volume | image | vm | settings | wslconfig
    name: str
    state: str  # in words: running, exited (0), running (unhealthy), Off, missing, ...
    facts: Tuple[Tuple[str, str], ...] = ()  # what else is worth a glance: image, processors
    ok: bool = True  # False: the state is a problem whatever the playbook says (unhealthy)
    orphan: bool = False  # owned by the playbook, no longer in it


@dataclass(frozen=True)
class StatusPart:
    """What one provider found, and the plan part of the same snapshot."""

    provider: str
    endpoint: str
    items: Tuple[Item, ...]
    plan: PlanPart
    problem: str = ""  # why no plan could be made of it (the plan's error), shown as found
    machine: str = ""


def status_part(provider: str, endpoint: str, items: Sequence[Item],
                diff: Callable[[], PlanPart]) -> StatusPart:
    """A part from what a provider found; `diff` plans the same snapshot. A plan that cannot
    be made (a name taken by someone else...) does not hide what was found: it is the part's
    problem."""
    try:
        return StatusPart(provider, endpoint, tuple(items), diff())
    except PlanError as exc:
        return StatusPart(provider, endpoint, tuple(items), PlanPart(provider, endpoint),
                          problem=exc.message)


@dataclass(frozen=True)
class Status:
    playbook: str
    parts: Tuple[StatusPart, ...]
    plan: Plan  # of the snapshots the parts were read from (secrets masked)

    def drift(self, item: Item) -> Optional[Change]:
        """The change a plan would make to it (None: it is as the playbook says)."""
        change = self.plan.find(item.address)
        return change if change is not None and change.action is not Action.NOOP else None

    @property
    def in_sync(self) -> bool:
        return not self.plan.pending and not self.plan.unreadable and \
            not any(p.problem for p in self.parts)


def combine_status(desired: Desired, parts: Sequence[StatusPart], plan: Plan) -> Status:
    """The parts with their items addressed as the plan addresses them."""
    named = desired.machines.named

    def addressed(part: StatusPart) -> StatusPart:
        if not named:
            return part
        items = tuple(dataclasses.replace(i, address=prefix(part.machine, i.address))
                      for i in part.items)
        return dataclasses.replace(part, items=items)

    return Status(desired.name, tuple(addressed(p) for p in parts), plan)


def only(status: Status, addresses: Sequence[str]) -> Status:
    """The status of these addresses only (all when none are named)."""
    if not addresses:
        return status
    wanted = set(addresses)
    parts = tuple(dataclasses.replace(p, items=tuple(i for i in p.items if i.address in wanted))
                  for p in status.parts)
    return dataclasses.replace(status, parts=tuple(p for p in parts if p.items or p.problem))


# as text ------------------------------------------------------------------------------------
def _state(status: Status, item: Item, p: Palette) -> str:
    change = status.drift(item)
    if change is not None and change.action is Action.CREATE:
        return p.bad(item.state)
    if not item.ok or (change is not None and change.action in (Action.REPLACE, Action.DELETE)):
        return p.bad(item.state)
    if change is not None or item.orphan:
        return p.warn(item.state)
    return p.good(item.state)


def _notes(status: Status, item: Item, p: Palette) -> Iterable[str]:
    change = status.drift(item)
    if item.orphan:
        yield p.warn("orphan: no longer in the playbook (apply --prune removes it)")
    if change is None:
        return
    mark = p.action(change.action, change.action.symbol)
    if change.action is Action.CREATE:
        yield f"{mark} missing: apply creates it"
        return
    yield f"{mark} drift: {'; '.join(change.reasons) or 'it differs from the playbook'}"
    flags = [change.restart or "restart required"] if change.requires_restart else []
    flags += ["destructive"] if change.destructive else []
    risk = f" [{p.strong(', '.join(flags))}]" if flags else ""
    if change.action is Action.UPDATE and 0 < len(change.steps) <= 2:
        yield f"  apply: {'; '.join(step.text for step in change.steps)}{risk}"
    elif change.action is Action.UPDATE:
        yield f"  apply updates it in place{risk}"
    else:
        yield f"  apply {'replaces' if change.action is Action.REPLACE else 'removes'} it{risk}"


def _table(status: Status, items: Sequence[Item], p: Palette) -> List[str]:
    width = max(len("ADDRESS"), *(len(i.address) for i in items))
    state_width = max(len("STATE"), *(len(i.state) for i in items))
    lines = [p.strong(f"  {'ADDRESS':<{width}}  {'STATE':<{state_width}}  DETAILS".rstrip())]
    for item in items:
        facts = ", ".join(f"{k} {v}" for k, v in item.facts)
        state = _state(status, item, p) + " " * (state_width - len(item.state))
        lines.append(f"  {item.address:<{width}}  {state}  {facts}".rstrip())
        lines.extend(f"      {note}" for note in _notes(status, item, p))
    return lines


def _heading(part: StatusPart) -> str:
    where = f" on {part.machine}" if part.machine else ""
    return f"{part.provider}{where} ({part.endpoint}):"


def _counts(status: Status) -> str:
    items = [i for part in status.parts for i in part.items]
    declared = [i for i in items if not i.orphan]
    drifted = sum(1 for i in declared if status.drift(i) is not None)
    troubled = sum(1 for i in declared if not i.ok and status.drift(i) is None)
    orphans = len(items) - len(declared)
    text = f"{len(declared)} in the playbook, {len(declared) - drifted - troubled} as it says"
    if drifted:
        text += f", {drifted} to change"
    if troubled:
        text += f", {troubled} in trouble"
    if orphans:
        text += f"; {orphans} orphan{'s' if orphans != 1 else ''}"
    return text + "."


def render_status(status: Status, p: Palette = PLAIN) -> str:
    lines = [p.strong(f"Playbook {status.playbook}:") + " " + _counts(status)]
    for part in status.parts:
        lines += ["", p.strong(_heading(part))]
        if part.problem:
            lines += [p.bad("  no plan can be made of it:")]
            lines += [f"    {line}" for line in part.problem.splitlines()]
        if part.items:
            lines += _table(status, part.items, p)
        elif not part.problem:
            lines.append("  (nothing declared here)")
    plan = status.plan
    if plan.deferred:
        lines += ["", p.note("Not read (a plan reads them once what they wait for is done):")]
        lines += [f"  {d.provider}{' on ' + d.machine if d.machine else ''}: {d.reason}"
                  for d in plan.deferred]
    if plan.unreadable:
        lines += ["", p.bad("Could not be read:")]
        for u in plan.unreadable:
            first, *rest = u.error.splitlines() or [""]
            lines += [f"  {u.provider} on {u.machine}: {first}"] + [f"    {r.strip()}" for r in rest]
    lines += [f"{p.strong('Warning:', YELLOW)} {w}" for w in plan.warnings]
    lines += ["", _verdict(status, p)]
    return "\n".join(lines) + "\n"


def _verdict(status: Status, p: Palette) -> str:
    if status.in_sync:
        troubled = sum(1 for part in status.parts for i in part.items if not i.ok)
        trouble = f"; {troubled} in trouble (see above)" if troubled else ""
        return p.strong("In sync:", GREEN) + f" a plan would change nothing{trouble}."
    plan = status.plan
    why = []
    changes = [c for c in plan.changes if c.action is not Action.NOOP]
    if changes:
        why.append(f"apply would make {len(changes)} change{'s' if len(changes) != 1 else ''}")
    if plan.deferred:
        why.append(f"{len(plan.deferred)} part{'s' if len(plan.deferred) != 1 else ''} "
                   "would be read after them")
    if plan.unreadable:
        why.append("what could not be read is unknown")
    if any(part.problem for part in status.parts):
        why.append("no plan can be made of a part")
    colour = RED if plan.unreadable or any(c.destructive for c in changes) else YELLOW
    return p.strong("Out of sync:", colour) + f" {'; '.join(why)} (`dfwctl plan` says more)."


# as JSON ------------------------------------------------------------------------------------
def status_json(status: Status) -> Dict[str, Any]:
    from dfwctl.planjson import change_json

    def item(i: Item) -> Dict[str, Any]:
        change = status.drift(i)
        return {"address": i.address, "kind": i.kind, "name": i.name, "state": i.state,
                "ok": i.ok, "orphan": i.orphan, "facts": dict(i.facts),
                "drift": change_json(change) if change is not None else None}

    plan = status.plan
    return {
        "format_version": FORMAT_VERSION,
        "playbook": status.playbook,
        "in_sync": status.in_sync,
        "parts": [{"provider": part.provider, "machine": part.machine,
                   "endpoint": part.endpoint, "problem": part.problem,
                   "items": [item(i) for i in part.items]} for part in status.parts],
        "deferred": [{"provider": d.provider, "machine": d.machine, "reason": d.reason}
                     for d in plan.deferred],
        "unreadable": [{"provider": u.provider, "machine": u.machine, "error": u.error}
                       for u in plan.unreadable],
        "warnings": list(plan.warnings),
    }


def dumps(status: Status) -> str:
    return json.dumps(status_json(status), indent=2, ensure_ascii=False) + "\n"
