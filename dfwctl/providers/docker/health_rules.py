"""Validation rules for how containers come up: `healthcheck`, `depends_on` (both forms, with
conditions) and `wait_timeout`. What the engine would refuse (a check interval under 1 ms, an
unknown test kind) and what could never be met (waiting for a container to be healthy when its
check is disabled, or to complete when it runs for good) is refused here, with its place."""
from __future__ import annotations

from typing import Any, Dict, Iterator, List, Tuple

from dfwctl.checker import Checker, Path
from dfwctl.errors import Diagnostic
from dfwctl.providers.docker.health import (
    COMPLETED,
    DURATIONS,
    HEALTHY,
    TEST_KINDS,
    condition_name,
    healthcheck_of,
    is_disabled,
)
from dfwctl.schema_messages import quote
from dfwctl.suggest import closest
from dfwctl.tree import mapping
from dfwctl.values.durations import parse_duration

# The engine refuses a check interval, timeout or start period under 1 ms (0 keeps the
# image's value): moby's daemon, validateHealthCheck, "... in Healthcheck cannot be less than
# 1ms" (containertypes.MinimumDuration).
MINIMUM = 1_000_000  # nanoseconds

Entry = Tuple[Path, str, Dict[Any, Any]]  # where, the name depended on, its settings


def dependency_entries(spec: Any, path: Path) -> List[Entry]:
    """depends_on as (path of the entry, name, settings), for the list and the mapping form."""
    value = spec.get("depends_on") if isinstance(spec, dict) else None
    if isinstance(value, list):
        return [(path + ("depends_on", i), n, {}) for i, n in enumerate(value)
                if isinstance(n, str)]
    if isinstance(value, dict):
        return [(path + ("depends_on", n), str(n), e if isinstance(e, dict) else {})
                for n, e in value.items()]
    return []


def rules(c: Checker) -> Iterator[Diagnostic]:
    containers = mapping(c.data, "containers")
    for name, spec in containers.items():
        if not isinstance(spec, dict):
            continue
        path = ("containers", name)
        yield from healthcheck_rule(c, path, spec)
        yield from duration_rule(c, path + ("wait_timeout",), spec.get("wait_timeout"), 0)
        for where, needed, entry in dependency_entries(spec, path):
            if c.ok(where):
                yield from reference(c, where, name, needed, containers)
                yield from condition_rule(c, where, needed, entry, containers)


def duration_rule(c: Checker, path: Path, value: Any, minimum: int) -> Iterator[Diagnostic]:
    if value is None or not c.ok(path):
        return
    try:
        nanoseconds = parse_duration(value)
    except ValueError as exc:
        yield c.error(path, str(exc))
        return
    if 0 < nanoseconds < minimum:
        yield c.error(path, f'"{value}" is shorter than the engine allows (1ms): write 0 to '
                            "keep the image's value, or 1ms or more")


def healthcheck_rule(c: Checker, path: Path, spec: Dict[Any, Any]) -> Iterator[Diagnostic]:
    check = spec.get("healthcheck")
    here = path + ("healthcheck",)
    if not isinstance(check, dict):
        return
    for key in DURATIONS:
        yield from duration_rule(c, here + (key,), check.get(key), MINIMUM)
    if check.get("disable") is True and c.ok(here + ("disable",)):
        others = [k for k in check if k != "disable"]
        if others:
            yield c.error(here + (others[0],), (
                "disable: true turns every check off, so this key has no effect: remove it, "
                "or remove disable"), key=True)
        return
    test = check.get("test")
    if isinstance(test, list) and test and c.ok(here + ("test",)):
        yield from _test_list(c, here + ("test",), test)


def _test_list(c: Checker, path: Path, test: List[Any]) -> Iterator[Diagnostic]:
    kind = test[0]
    if kind not in TEST_KINDS:
        match = closest(str(kind), list(TEST_KINDS))
        hint = f"; did you mean {quote(match)}?" if match else ""
        yield c.error(path + (0,), (
            f"the first item must be NONE, CMD or CMD-SHELL (got {quote(kind)}{hint}); to run "
            "a shell command, write the test as one string"))
    elif kind == "NONE" and len(test) > 1:
        yield c.error(path + (1,), "[NONE] turns the check off and takes nothing after it: "
                                   "remove the rest, or use CMD or CMD-SHELL")
    elif kind != "NONE" and len(test) < 2:
        yield c.error(path, f"[{kind}] needs the command to run after it, such as "
                            f"[{kind}, {'pg_isready' if kind == 'CMD' else 'pg_isready -U app'}]")


def reference(c: Checker, where: Path, name: Any, needed: str,
              containers: Dict[Any, Any]) -> Iterator[Diagnostic]:
    key = isinstance(where[-1], str)  # the mapping form: point at the key
    if needed == name:
        yield c.error(where, "a container cannot depend on itself: remove this entry", key=key)
    elif needed not in containers:
        match = closest(needed, [str(n) for n in containers])
        hint = f"; did you mean {quote(match)}?" if match else (
            ": define it under containers, or remove this entry")
        yield c.error(where, f"container {quote(needed)} is not defined in this playbook{hint}",
                      key=key)


def condition_rule(c: Checker, where: Path, needed: str, entry: Dict[Any, Any],
                   containers: Dict[Any, Any]) -> Iterator[Diagnostic]:
    """A condition the dependency can never meet."""
    other = containers.get(needed)
    if not isinstance(other, dict) or "condition" not in entry:
        return
    condition = condition_name(str(entry["condition"]))
    state = other.get("state", "running")
    spot = where + ("condition",)
    if condition == COMPLETED and state != "exited":
        yield c.error(spot, (
            f"container {quote(needed)} keeps running (state: {state}), so it never completes: "
            f"give it state: exited (it runs once to completion), or wait for it to be "
            "started or healthy"))
    elif condition == HEALTHY and state == "exited":
        yield c.error(spot, (
            f"container {quote(needed)} runs once to completion (state: exited), so it is never "
            "healthy: wait for completed_successfully instead"))
    elif condition == HEALTHY and c.ok(("containers", needed, "healthcheck")):
        check = other.get("healthcheck")
        if isinstance(check, dict) and _disabled(check):
            yield c.error(spot, (
                f"container {quote(needed)} has its healthcheck disabled, so it is never "
                "healthy: give it a healthcheck test, or wait for it to be started"))


def _disabled(check: Dict[Any, Any]) -> bool:
    try:
        return is_disabled(healthcheck_of(check))
    except ValueError:
        return False  # a bad duration: its own rule says so
