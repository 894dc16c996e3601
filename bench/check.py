"""Did the tool do the work? Read the engine after each phase and compare with the
environment; and remove whatever a run left behind."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple

from engine import Engine, EngineError
from envspec import (
    CONTAINER_PATTERN,
    ENV_KEY,
    LABEL,
    NETWORK_PATTERN,
    PROJECT_PATTERN,
    Environment,
)

LABEL_FILTER = f"{LABEL[0]}={LABEL[1]}"
# Labels the tools put on the networks they create, with the project (prefix) as the value.
NETWORK_OWNER_LABELS = ("com.docker.compose.project", "io.dfwctl.playbook", "bench.floor.owner")


@dataclass(frozen=True)
class Seen:
    """Containers of the benchmark on the engine: name -> (id, state, networks)."""

    containers: Dict[str, Tuple[str, str, Tuple[str, ...]]]
    networks: Tuple[str, ...]

    def ids(self) -> Dict[str, str]:
        return {name: c[0] for name, c in self.containers.items()}


def _listed(engine: Engine) -> List[dict]:
    """Every container with the benchmark's label or one of its names, of any run."""
    found = {c["Id"]: c for c in engine.containers({"label": [LABEL_FILTER]})}
    found.update({c["Id"]: c for c in engine.containers({"name": [CONTAINER_PATTERN]})})
    return list(found.values())


def _our_networks(engine: Engine) -> List[dict]:
    out = []
    for net in engine.networks():
        labels = net.get("Labels") or {}
        if re.match(NETWORK_PATTERN, net["Name"]) or any(
                re.match(PROJECT_PATTERN, labels.get(k, "")) for k in NETWORK_OWNER_LABELS):
            out.append(net)
    return out


def observe(engine: Engine) -> Seen:
    containers = {}
    for raw in _listed(engine):
        name = (raw.get("Names") or ["/?"])[0].lstrip("/")
        networks = tuple(sorted((raw.get("NetworkSettings") or {}).get("Networks") or {}))
        containers[name] = (raw["Id"], raw.get("State", ""), networks)
    return Seen(containers, tuple(n["Name"] for n in _our_networks(engine)))


def check_up(engine: Engine, env: Environment, before: Optional[Dict[str, str]] = None,
             replaced: Tuple[str, ...] = ()) -> Tuple[Optional[str], Dict[str, str]]:
    """The environment runs as described. With `before` (the ids after the previous phase),
    exactly the containers in `replaced` are new. -> (what is wrong or None, ids now)."""
    seen = observe(engine)
    ids = seen.ids()
    want = set(env.names)
    present = want & set(seen.containers)
    problems = []
    missing = sorted(want - present)
    extra = sorted(set(seen.containers) - want)
    if missing:
        problems.append(f"{len(missing)} of {env.n} missing")
    if extra:
        problems.append(f"{len(extra)} unexpected ({extra[0]}...)")
    not_running = [n for n in present if seen.containers[n][1] != "running"]
    if not_running:
        problems.append(f"{len(not_running)} not running")
    off_network = [n for n in present if env.network not in seen.containers[n][2]]
    if off_network:
        problems.append(f"{len(off_network)} not on {env.network}")
    if env.network not in seen.networks:
        problems.append(f"network {env.network} missing")
    if before is not None:
        renewed = sorted(n for n in want & set(before) if ids.get(n) not in (None, before[n]))
        if renewed != sorted(replaced):
            problems.append(f"recreated {renewed or 'none'}, expected {list(replaced) or 'none'}")
    if env.changed_name in ids:
        problems += _check_one(engine, env, ids[env.changed_name])
    return ("; ".join(problems) or None), ids


def _check_one(engine: Engine, env: Environment, ident: str) -> List[str]:
    """Inspect the container the change phase changes: env, label, command, stop signal."""
    try:
        info = engine.inspect_container(ident)
    except EngineError as exc:
        return [str(exc)]
    config = info.get("Config") or {}
    problems = []
    spec = next(c for c in env.containers if c.name == env.changed_name)
    want_env = f"{ENV_KEY}={spec.env_dict[ENV_KEY]}"
    if want_env not in (config.get("Env") or []):
        problems.append(f"{env.changed_name}: {want_env} not set")
    if (config.get("Labels") or {}).get(LABEL[0]) != LABEL[1]:
        problems.append(f"{env.changed_name}: label {LABEL_FILTER} missing")
    if list(config.get("Cmd") or []) != list(env.command):
        problems.append(f"{env.changed_name}: command {config.get('Cmd')}")
    if config.get("StopSignal") != env.stop_signal:
        problems.append(f"{env.changed_name}: stop signal {config.get('StopSignal')}")
    return problems


def check_down(engine: Engine, env: Environment) -> Optional[str]:
    seen = observe(engine)
    problems = []
    if seen.containers:
        problems.append(f"{len(seen.containers)} containers left")
    if env.network in seen.networks:
        problems.append(f"network {env.network} left")
    return "; ".join(problems) or None


@dataclass(frozen=True)
class Swept:
    removed: int
    containers_left: int
    stuck_networks: Tuple[str, ...]  # networks the engine refused to remove, with its reason


def sweep(engine: Engine) -> Swept:
    """Remove every container and network of the benchmark, of any run, whoever made them."""
    removed = 0
    for raw in _listed(engine):
        engine.remove_container(raw["Id"])
        removed += 1
    stuck = []
    for net in _our_networks(engine):
        try:
            engine.remove_network(net["Id"])
            removed += 1
        except EngineError as exc:
            stuck.append(f"{net['Name']} ({_reason(exc)})")
    return Swept(removed, len(_listed(engine)), tuple(stuck))


def _reason(exc: EngineError) -> str:
    found = re.search(r'"message":"([^"]*)"', str(exc))
    return found.group(1) if found else str(exc)
