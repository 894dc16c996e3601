"""`apply --wait`: after an apply, wait until every container of the playbook is ready (healthy
when it has a healthcheck, else running; a run-once container completed with exit code 0),
each within its own bound, with a progress line now and then. What is not ready is reported
with its last health checks or log lines. Also the words failed waits show."""
from __future__ import annotations

from typing import Any, Callable, Dict, List, Mapping, Optional, Tuple

from dfwctl.errors import DfwctlError, NotFoundError
from dfwctl.providers.docker.engine import Engine
from dfwctl.providers.docker.health import COMPLETED, READY, Verdict, health_log, verdict
from dfwctl.providers.docker.model import ContainerSpec, DockerDesired
from dfwctl.waits import SAY_EVERY, WaitBounds

Say = Callable[[str], None]


def last_logs(engine: Engine, container: str, name: str, lines: int = 20) -> str:
    """The container's last log lines, indented for a message."""
    logs: Any = engine.call(f"read logs of {name}", engine.api.logs, container, tail=lines)
    text = logs.decode("utf-8", "replace").rstrip() if isinstance(logs, bytes) else str(logs)
    return "\n".join(f"    | {line}" for line in text.splitlines()[-lines:]) or \
        "    | (no output)"


def details(engine: Engine, container: str, name: str, state: Mapping[str, Any]) -> str:
    """Why a container failed a wait, beyond one line: its last health checks, or the last log
    lines of a container that exited."""
    checks = health_log(state)
    if checks:
        return "\n  its last health checks:\n" + "\n".join(f"    | {c}" for c in checks)
    if state.get("Status") in ("exited", "dead"):
        return "\n  its last log lines:\n" + last_logs(engine, container, name)
    return ""


def look(engine: Engine, container: str, name: str, condition: str
         ) -> Tuple[Verdict, Dict[str, Any]]:
    """One look at a container: the verdict on `condition`, and its State."""
    try:
        info = engine.call(f"inspect container {name}", engine.api.inspect_container, container)
    except NotFoundError:
        return Verdict(failed="it does not exist"), {}
    state: Dict[str, Any] = info.get("State") or {}
    return verdict(condition, state), state


def settle(engine: Engine, docker: DockerDesired, waits: WaitBounds, say: Say) -> None:
    """Return once every container is ready; raise DfwctlError listing those that are not."""
    pending: Dict[str, ContainerSpec] = dict(docker.containers)
    if not pending:
        return
    started, said = waits.clock(), None
    problems: List[str] = []
    while pending:
        waited = waits.clock() - started
        statuses: Dict[str, str] = {}
        for name, spec in list(pending.items()):
            condition = COMPLETED if spec.state == "exited" else READY
            found, state = look(engine, name, name, condition)
            limit = waits.bound(spec.wait_timeout)
            problem: Optional[str] = None
            if found.failed:
                problem = f"{name}: {found.failed}" + details(engine, name, name, state)
            elif not found.done and waited >= limit:
                problem = (f"{name}: still {found.status} after {limit:.0f}s (raise "
                           f"{waits.option(spec.wait_timeout)} to wait longer)"
                           + details(engine, name, name, state))
            if problem:
                problems.append(problem)
            if found.done or problem:
                del pending[name]
            else:
                statuses[name] = found.status
        if not pending:
            break
        if said is None or waited - said >= SAY_EVERY:
            listed = ", ".join(f"{n} ({s})" for n, s in list(statuses.items())[:5])
            more = f" and {len(statuses) - 5} more" if len(statuses) > 5 else ""
            say(f"waiting for {len(statuses)} container{'s' if len(statuses) != 1 else ''} to "
                f"be ready ({waited:.0f}s): {listed}{more}")
            said = waited
        waits.sleep(waits.interval)
    if problems:
        raise DfwctlError("not every container is ready:\n" +
                          "\n".join(f"  - {p}" for p in problems),
                          "see `docker logs` and `docker inspect` of those containers")
    count = len(docker.containers)
    say(f"all {count} container{'s are' if count != 1 else ' is'} ready")
