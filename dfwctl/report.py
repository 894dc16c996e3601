"""Plans and apply results as text for people (terraform-like). Returns strings; prints nothing.
Every function takes a Palette: plain by default, coloured when the command line says so."""
from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Dict, Iterable, List, Sequence

from dfwctl.colour import GREEN, PLAIN, RED, YELLOW, Palette
from dfwctl.mask import is_sensitive
from dfwctl.plan import Action, Change, FieldDiff, Plan
from dfwctl.values.sizes import format_size

if TYPE_CHECKING:  # render_result imports dfwctl.apply only when it is called
    from dfwctl.apply import ApplyResult, Outcome

SENSITIVE = "(sensitive value)"
# Fields whose integer values are sizes in bytes, shown as 512MiB / 4GiB.
SIZE_FIELDS = ("memory", "shm_size", "dynamic_memory.minimum", "dynamic_memory.maximum")

_HEADLINE = {
    Action.CREATE: "will be created",
    Action.UPDATE: "will be updated in place",
    Action.REPLACE: "must be replaced",
    Action.DELETE: "will be destroyed",
    Action.ADOPT: "will be adopted",
}


def value_text(name: str, value: Any) -> str:
    if value is None:
        return "(none)"
    if is_sensitive(value):
        return SENSITIVE
    if name in SIZE_FIELDS and isinstance(value, int):
        return format_size(value)
    if isinstance(value, tuple):
        if any(is_sensitive(v) for v in value):
            return "[" + ", ".join(SENSITIVE if is_sensitive(v) else json.dumps(v) for v in value) + "]"
        return json.dumps(list(value), ensure_ascii=False)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    return json.dumps(value, ensure_ascii=False)


def _diff_line(change: Change, diff: FieldDiff, p: Palette = PLAIN) -> str:
    name = diff.name
    if change.action is Action.CREATE:
        return f"      {p.action(Action.CREATE, '+')} {name} = {value_text(name, diff.after)}"
    if diff.after is None:
        line = f"      {p.action(Action.DELETE, '-')} {name} = {value_text(name, diff.before)}"
    elif diff.before is None:
        line = f"      {p.action(Action.CREATE, '+')} {name} = {value_text(name, diff.after)}"
    else:
        line = (f"      {p.action(Action.UPDATE, '~')} {name} = "
                f"{value_text(name, diff.before)} -> {value_text(name, diff.after)}")
    if change.action is Action.REPLACE and diff.forces_replacement:
        line += "  " + p.bad("# forces replacement")
    return line


def _flags(change: Change, p: Palette) -> str:
    """"  [VM restart, destructive]": what the change puts at risk, in bold."""
    flags = []
    if change.requires_restart:
        flags.append(p.strong(change.restart or "restart required"))
    if change.destructive:
        flags.append(p.strong("destructive", RED))
    return f"  [{', '.join(flags)}]" if flags else ""


def render_change(change: Change, p: Palette = PLAIN) -> List[str]:
    headline = "may be replaced" if change.condition else _HEADLINE[change.action]
    if change.action in (Action.REPLACE, Action.DELETE):
        headline = p.bad(headline)
    lines = [f"  {p.strong(f'# {change.address}')} {headline}"]
    for reason in change.reasons:
        lines.append(f"  #   because {reason}")
    if change.condition:
        lines.append(f"  #   {change.condition}")
    symbol = " " * (3 - len(change.action.symbol)) + p.action(change.action, change.action.symbol)
    lines.append(f"{symbol} {change.kind} \"{change.name}\"{_flags(change, p)}")
    lines.extend(_diff_line(change, d, p) for d in change.diffs)
    if change.steps and not change.fold_steps:
        lines.append("      steps:")
        lines.extend(f"        {n}. {step.text}" for n, step in enumerate(change.steps, 1))
    return lines


def _counts(changes: Sequence[Change]) -> str:
    def count(action: Action) -> int:
        return sum(1 for c in changes if c.action is action)

    adopt = f"{count(Action.ADOPT)} to adopt, " if count(Action.ADOPT) else ""
    return (f"{adopt}{count(Action.CREATE)} to create, {count(Action.UPDATE)} to update, "
            f"{count(Action.REPLACE)} to replace, {count(Action.DELETE)} to destroy")


def summary_line(plan: Plan, p: Palette = PLAIN) -> str:
    deferred = len(plan.deferred)
    later = f"; {deferred} part{'s' if deferred != 1 else ''} planned after them" \
        if deferred else ""
    return f"{p.strong('Plan:')} {_counts(plan.changes)}{later}."


def _by_machine(changes: Sequence[Change]) -> Dict[str, List[Change]]:
    """Changes grouped by machine, machines in the order they first appear."""
    groups: Dict[str, List[Change]] = {}
    for change in changes:
        groups.setdefault(change.machine, []).append(change)
    return groups


def render_plan(plan: Plan, p: Palette = PLAIN) -> str:
    lines: List[str] = []
    changes = [c for c in plan.changes if c.action is not Action.NOOP]
    if not changes and not plan.deferred and not plan.unreadable:
        lines.append(p.strong("No changes.", GREEN)
                     + f" Playbook {plan.playbook} matches the machine.")
    elif not changes and not plan.deferred:
        lines.append(p.bad(f"No plan for playbook {plan.playbook}: what it needs could not be "
                           "read."))
    else:
        lines.append(f"dfwctl will make these changes for playbook {plan.playbook} "
                     f"on {plan.endpoint}:" if changes else
                     f"Nothing to change now for playbook {plan.playbook}.")
        lines.append("")
        groups = _by_machine(changes)
        for machine, group in groups.items():
            if machine:
                lines.append(p.strong(f"On {machine}:"))
            for change in group:
                lines.extend(render_change(change, p))
                lines.append("")
        lines.extend(_deferred(plan, p))
        lines.append(summary_line(plan, p))
        if len(groups) > 1 and any(groups):
            lines.extend(f"  {m or 'this machine'}: {_counts(g)}" for m, g in groups.items())
    lines.extend(_tail(plan, p))
    return "\n".join(lines) + "\n"


def _deferred(plan: Plan, p: Palette) -> Iterable[str]:
    if not plan.deferred:
        return
    yield p.note("Planned after these changes (apply plans them once their machine can be "
                 "read):")
    for part in plan.deferred:
        where = f" on {part.machine}" if part.machine else ""
        yield f"  {part.provider}{where}: {part.reason}"
    yield ""


def _unreadable(plan: Plan, p: Palette) -> Iterable[str]:
    if not plan.unreadable:
        return
    yield ""
    yield p.bad("Could not be read (left out of this plan, with what comes after them on their "
                "machine):")
    for part in plan.unreadable:
        lines = part.error.splitlines() or [""]
        yield f"  {part.provider} on {part.machine}: {lines[0]}"
        yield from (f"    {line.strip()}" for line in lines[1:])


def _tail(plan: Plan, p: Palette) -> Iterable[str]:
    yield from _unreadable(plan, p)
    if plan.orphans:
        yield ""
        yield p.warn(f"Orphans: owned by {plan.playbook} but no longer in the playbook "
                     "(kept; remove them with --prune, volumes with --prune-volumes):")
        for address in plan.orphans:
            yield f"  {address}"
    for warning in plan.warnings:
        yield f"{p.strong('Warning:', YELLOW)} {warning}"


# What each action did, in the words of the plan's summary line ("to create" -> "created").
_DONE_WORD = {Action.CREATE: "created", Action.UPDATE: "updated", Action.REPLACE: "replaced",
              Action.DELETE: "destroyed", Action.ADOPT: "adopted"}


def _result_counts(outcomes: Sequence[Outcome]) -> str:
    """"3 created, 1 replaced; 1 failed, 2 skipped": what was done, per action, then what was
    not; counts of zero are left out."""
    from dfwctl.apply import APPLIED, FAILED, SKIPPED

    done = [f"{n} {word}" for action, word in _DONE_WORD.items()
            if (n := sum(1 for o in outcomes if o.status == APPLIED and o.action is action))]
    undone = [f"{n} {status}" for status in (FAILED, SKIPPED)
              if (n := sum(1 for o in outcomes if o.status == status))]
    text = ", ".join(done) or "nothing changed"
    return f"{text}; {', '.join(undone)}" if undone else text


def render_result(result: ApplyResult, command: str = "Apply", p: Palette = PLAIN) -> str:
    """An apply.ApplyResult as the errors, the skips and a summary line that counts what was
    done per action: "Apply complete: 3 created, 1 updated, 1 replaced." (`command` names the
    run: Apply, Destroy)."""
    from dfwctl.apply import FAILED, SKIPPED

    lines: List[str] = []
    for outcome in result.outcomes:
        if outcome.status == FAILED:
            lines.append(f"{p.bad('Error:')} {outcome.address}: {outcome.message}")
        elif outcome.status == SKIPPED:
            lines.append(f"{p.warn('Skipped:')} {outcome.address} ({outcome.message})")
    verdict = p.strong(f"{command} complete:", GREEN) if result.ok else \
        p.strong(f"{command} failed:", RED)
    lines.append(f"{verdict} {_result_counts(result.outcomes)}.")
    machines = list(dict.fromkeys(o.machine for o in result.outcomes))
    if len(machines) > 1:
        for machine in machines:
            mine = [o for o in result.outcomes if o.machine == machine]
            lines.append(f"  {machine or 'this machine'}: {_result_counts(mine)}")
    return "\n".join(lines) + "\n"
