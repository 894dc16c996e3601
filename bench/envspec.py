"""The one environment every tool converges, described once; the adapters in tools/ turn it
into each tool's own input (playbook, compose file, Ansible playbook, floor spec).

N containers from busybox:latest running a long sleep, each with one label and one
environment variable, all on one user-defined network, stop signal SIGKILL (sleep as PID 1
ignores SIGTERM, so a stop would otherwise wait out the stop timeout). The "changed" variant
differs in one container's environment variable: exactly one replace.

Every cycle (one tool, one N, one repetition) gets names of its own under a fresh prefix
(bench-cv<run><cycle>), so an object the engine fails to release in one cycle (it happens: a
network that keeps "active endpoints" after its containers are gone) cannot disturb the next.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Dict, List, Tuple

PREFIX = "bench-cv"  # every name starts with it; a cycle's prefix adds a token
IMAGE = "busybox:latest"
COMMAND = ("sleep", "86400")
LABEL = ("bench.suite", "converge")  # the one label; also how leftovers are found
ENV_KEY = "BENCH_VALUE"
STOP_SIGNAL = "SIGKILL"
# Leftovers of any run: engine name filters (regular expressions).
CONTAINER_PATTERN = r"^/bench-cv[0-9a-z]*-[0-9]+$"
NETWORK_PATTERN = r"^bench-cv[0-9a-z]*-net$"
PROJECT_PATTERN = r"^bench-?cv[0-9a-z]*$"  # compose 1.29 drops the dash from project names


def container_name(prefix: str, index: int, n: int) -> str:
    return f"{prefix}-{index:0{max(3, len(str(n)))}d}"


@dataclass(frozen=True)
class Container:
    name: str
    env: Tuple[Tuple[str, str], ...]

    @property
    def env_dict(self) -> Dict[str, str]:
        return dict(self.env)


@dataclass(frozen=True)
class Environment:
    n: int
    variant: str                 # "base" or "changed"
    containers: Tuple[Container, ...]
    project: str = PREFIX  # dfwctl playbook name, compose project name, floor owner
    image: str = IMAGE
    command: Tuple[str, ...] = COMMAND
    label: Tuple[str, str] = LABEL
    stop_signal: str = STOP_SIGNAL

    @property
    def network(self) -> str:
        return f"{self.project}-net"

    @property
    def labels(self) -> Dict[str, str]:
        return {self.label[0]: self.label[1]}

    @property
    def names(self) -> List[str]:
        return [c.name for c in self.containers]

    @property
    def changed_name(self) -> str:
        """The container whose environment differs between the two variants."""
        return self.containers[0].name

    def to_json(self) -> str:
        data = asdict(self)
        data["network"] = self.network
        data["containers"] = [{"name": c.name, "env": c.env_dict} for c in self.containers]
        return json.dumps(data, indent=1)


def environment(n: int, variant: str = "base", prefix: str = PREFIX) -> Environment:
    if variant not in ("base", "changed"):
        raise ValueError(variant)
    containers = []
    for i in range(1, n + 1):
        value = "2" if (variant == "changed" and i == 1) else "1"
        containers.append(Container(container_name(prefix, i, n), ((ENV_KEY, value),)))
    return Environment(n=n, variant=variant, containers=tuple(containers), project=prefix)
