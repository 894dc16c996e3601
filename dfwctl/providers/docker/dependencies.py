"""What depends_on adds to a plan, once every container's own change is decided: the waits a
dependency's condition asks for, and the restarts `restart: true` asks for. Pure.

- A change that starts a container others need healthy ends by waiting for it to be healthy:
  when it never gets there, that change fails with its health log, and only what depends on
  it is skipped. (A run-once container already ends by waiting for its exit code.)
- A change that starts a container first waits for the dependencies it needs healthy or
  completed that this plan does not start (they run already, or ran): before its old
  container, if any, is stopped.
- A container that depends on one this plan replaces (or restarts), with `restart: true`, is
  restarted after it.
"""
from __future__ import annotations

import dataclasses
from typing import Dict, List, Mapping, Optional, Tuple

from dfwctl.plan import Action, Change, Guard, Step
from dfwctl.providers.docker import steps as S
from dfwctl.providers.docker.health import COMPLETED, HEALTHY, STARTED
from dfwctl.providers.docker.model import Actual, ContainerSpec, Dependency, address

WORDS = {HEALTHY: "healthy", COMPLETED: "completed successfully", STARTED: "started"}
_STARTS = (S.StartContainer, S.RestartContainer)
_BEFORE = (S.StopContainer, S.StartContainer, S.RestartContainer)


def starts(change: Optional[Change]) -> bool:
    """Whether the change starts (or restarts) its container."""
    return change is not None and any(isinstance(s, _STARTS) for s in _all_steps(change.steps))


def _all_steps(found: Tuple[Step, ...]) -> List[Step]:
    out: List[Step] = []
    for step in found:
        out.append(step)
        if isinstance(step, Guard):
            out.extend(_all_steps(step.otherwise))
    return out


def _after_start(found: Tuple[Step, ...], wait: Step) -> Tuple[Step, ...]:
    """`wait` after the last start (and exit wait) of the sequence, and of a Guard's."""
    out = [dataclasses.replace(s, otherwise=_after_start(s.otherwise, wait))
           if isinstance(s, Guard) else s for s in found]
    last = max((i for i, s in enumerate(out) if isinstance(s, _STARTS + (S.WaitExit,))),
               default=None)
    if last is None:
        return tuple(out)
    return tuple(out[:last + 1]) + (wait,) + tuple(out[last + 1:])


def _before_start(found: Tuple[Step, ...], waits: Tuple[Step, ...]) -> Tuple[Step, ...]:
    """`waits` before the first stop or start of the sequence, and of a Guard's."""
    out = [dataclasses.replace(s, otherwise=_before_start(s.otherwise, waits))
           if isinstance(s, Guard) else s for s in found]
    first = next((i for i, s in enumerate(out) if isinstance(s, _BEFORE)), None)
    if first is None:
        return tuple(out)
    return tuple(out[:first]) + waits + tuple(out[first:])


def wait_step(name: str, condition: str, spec: Optional[ContainerSpec],
              required: bool = True) -> S.WaitFor:
    text = f"wait for container {name} to be {WORDS[condition]}"
    if not required:
        text += " (required: false: a warning if it is not)"
    return S.WaitFor(text, name, name, condition, spec.wait_timeout if spec else None, required)


def _changed(change: Change, found: Tuple[Step, ...]) -> Change:
    return dataclasses.replace(change, steps=found, fold_steps=False)


def with_dependencies(changes: Dict[str, Change], containers: Mapping[str, ContainerSpec],
                      actual: Actual) -> Dict[str, Change]:
    """`changes` (container changes by address, decided one by one) with what depends_on adds."""
    out = dict(changes)
    healthy = {d.name for spec in containers.values() for d in spec.depends_on
               if d.condition == HEALTHY}
    for name in sorted(healthy):
        addr = address("container", name)
        if starts(out.get(addr)):
            wait = wait_step(name, HEALTHY, containers.get(name))
            out[addr] = _changed(out[addr], _after_start(out[addr].steps, wait))
    changed = True
    while changed:  # a restart may call for the restart of what depends on it in turn
        changed = False
        for spec in containers.values():
            restart = _restart_for(spec, out, actual)
            if restart is not None:
                out[restart.address] = restart
                changed = True
    for spec in containers.values():
        addr = address("container", spec.name)
        change = out.get(addr)
        if not starts(change):
            continue
        assert change is not None, "starts() is false for a missing change"
        waits = tuple(wait_step(d.name, d.condition, containers.get(d.name), d.required)
                      for d in spec.depends_on if _needs_a_wait(d, out))
        if waits:
            out[addr] = _changed(change, _before_start(change.steps, waits))
    return out


def _needs_a_wait(dependency: Dependency, changes: Mapping[str, Change]) -> bool:
    """A condition beyond `started` on a dependency this plan does not start: it is checked
    (and waited for) when the dependant starts."""
    return dependency.condition != STARTED and \
        not starts(changes.get(address("container", dependency.name)))


def _restart_for(spec: ContainerSpec, changes: Mapping[str, Change],
                 actual: Actual) -> Optional[Change]:
    """The restart of `spec`'s container that `restart: true` asks for, if any."""
    why = [d.name for d in spec.depends_on if d.restart and _restarts(changes, d.name)]
    addr = address("container", spec.name)
    own = changes.get(addr)
    state = actual.containers.get(spec.name)
    if not why or state is None or state.status != "running" or \
            (own is not None and own.action is not Action.UPDATE) or starts(own):
        return None  # nothing to restart, or its own change starts it after them
    timeout = spec.stop_timeout if spec.stop_timeout is not None else S.DEFAULT_STOP_TIMEOUT
    restart = S.RestartContainer(f"restart container {spec.name}", state.id, spec.name, timeout)
    reason = (f"{', '.join(why)} {'is' if len(why) == 1 else 'are'} replaced or restarted, and "
              f"it depends on {'it' if len(why) == 1 else 'them'} with restart: true")
    if own is not None:
        return dataclasses.replace(own, steps=own.steps + (restart,), reasons=own.reasons +
                                   (reason,), fold_steps=False, requires_restart=True,
                                   restart="container restart")
    return Change("docker", addr, "container", spec.name, Action.UPDATE, reasons=(reason,),
                  steps=(restart,), requires_restart=True, restart="container restart")


def _restarts(changes: Mapping[str, Change], name: str) -> bool:
    change = changes.get(address("container", name))
    return change is not None and (change.action is Action.REPLACE or starts(change))
