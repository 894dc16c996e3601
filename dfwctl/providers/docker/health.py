"""Health as values: a container's `healthcheck` (the playbook's form -> canonical pairs -> the
engine's HealthConfig), and what a container's State says about a condition another container
waits for (started, healthy, completed successfully, or ready for `apply --wait`). Pure.

compose's meanings: `test` is a string (run by the container's shell, CMD-SHELL) or a list
whose first item is NONE (no check), CMD (exec the rest) or CMD-SHELL (the rest in the shell);
`disable: true` is the same as `test: [NONE]`; keys left out keep the image's values.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, List, Mapping, Optional, Tuple

from dfwctl.values.durations import format_duration, parse_duration

Health = Tuple[Tuple[str, Any], ...]  # sorted (key, value): test, interval, timeout, ...

TEST_KINDS = ("NONE", "CMD", "CMD-SHELL")
DURATIONS = ("interval", "timeout", "start_period")
_ENGINE_KEYS = {"interval": "Interval", "timeout": "Timeout", "start_period": "StartPeriod"}
DISABLED: Health = (("test", ("NONE",)),)

# Conditions of depends_on, and the spellings compose uses for them.
STARTED, HEALTHY, COMPLETED = "started", "healthy", "completed_successfully"
CONDITIONS = (STARTED, HEALTHY, COMPLETED)
READY = "ready"  # apply --wait: healthy when it has a check, else running


def condition_name(text: str) -> str:
    """`service_healthy` -> `healthy`."""
    return text[len("service_"):] if text.startswith("service_") else text


def healthcheck_of(raw: Optional[Mapping[str, Any]]) -> Health:
    """The canonical pairs of a validated `healthcheck` mapping: durations as canonical text
    (so 90s and 1m30s are the same), a string test as CMD-SHELL."""
    if not raw:
        return ()
    if raw.get("disable"):
        return DISABLED
    found: Dict[str, Any] = {}
    test = raw.get("test")
    if isinstance(test, str):
        found["test"] = ("CMD-SHELL", test)
    elif test:
        found["test"] = tuple(str(t) for t in test)
    for key in DURATIONS:
        if raw.get(key) is not None:
            found[key] = format_duration(parse_duration(raw[key]))
    if raw.get("retries") is not None:
        found["retries"] = int(raw["retries"])
    return tuple(sorted(found.items()))


def is_disabled(health: Health) -> bool:
    return dict(health).get("test") == ("NONE",)


def engine_healthcheck(health: Health) -> Optional[Dict[str, Any]]:
    """The create call's Healthcheck (nanoseconds), or None to keep the image's."""
    if not health:
        return None
    values = dict(health)
    out: Dict[str, Any] = {}
    if "test" in values:
        out["Test"] = list(values["test"])
    for key, engine_key in _ENGINE_KEYS.items():
        if key in values:
            out[engine_key] = parse_duration(values[key])
    if "retries" in values:
        out["Retries"] = values["retries"]
    return out


# What a container's State says about a condition ------------------------------------------
@dataclass(frozen=True)
class Verdict:
    """`done` when the condition holds; `failed` with why when it never will; else wait, with
    what the container is doing now (`status`)."""

    done: bool = False
    failed: str = ""
    status: str = ""


def verdict(condition: str, state: Mapping[str, Any]) -> Verdict:
    """Whether the condition holds for a container in `state` (an inspect's State)."""
    status = str(state.get("Status") or "unknown")
    health = state.get("Health") or None
    code = state.get("ExitCode")
    if condition == COMPLETED:
        if status in ("exited", "dead"):
            if code == 0 and status == "exited":
                return Verdict(done=True)
            return Verdict(failed=f"it exited with code {code}")
        return Verdict(status=status)
    if status in ("exited", "dead"):
        return Verdict(failed=f"it {status} with code {code}" if status == "exited" else
                       "it is dead")
    if status != "running":
        return Verdict(status=status)  # created, restarting, paused: it may come up yet
    if condition == STARTED or (condition == READY and health is None):
        return Verdict(done=True)
    if health is None:
        return Verdict(failed="it has no healthcheck (neither the playbook nor its image "
                              "defines one)")
    health_status = str(health.get("Status") or "starting")
    if health_status == "healthy":
        return Verdict(done=True)
    if health_status == "unhealthy":
        return Verdict(failed="it is unhealthy")
    return Verdict(status=f"health: {health_status}")


def health_log(state: Mapping[str, Any], entries: int = 3, lines: int = 5) -> List[str]:
    """The last health checks of `state`, as lines to show: exit code, then output."""
    log = ((state.get("Health") or {}).get("Log")) or []
    shown: List[str] = []
    for entry in log[-entries:]:
        output = str(entry.get("Output") or "").rstrip().splitlines()[-lines:]
        shown.append(f"check exited with {entry.get('ExitCode')}" + (":" if output else
                                                                      " (no output)"))
        shown.extend(f"  {line}" for line in output)
    return shown
