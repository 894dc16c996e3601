"""What an adapter provides: its venv recipe, its input files for one environment, and the
command for each phase."""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

from envspec import Environment
from venvs import Recipe

# cold: create + start all; plan: a dry run on the unchanged environment (where the tool has
# one); noop: converge again, nothing changed; change: one container's env changed (exactly
# one replace); down: remove everything.
PHASES = ("cold", "plan", "noop", "change", "down")
# Which variant of the environment each phase converges to.
VARIANT = {"cold": "base", "plan": "base", "noop": "base", "change": "changed", "down": "changed"}


@dataclass(frozen=True)
class Command:
    argv: Sequence[str]
    ok_codes: Tuple[int, ...] = (0,)


@dataclass
class Context:
    """Where things are, shared by the adapters."""

    bench_dir: Path          # bench/
    work: Path               # bench/work/
    venv: Path               # this tool's venv
    api_version: str         # the engine's, for the floor to pin
    floor_threads: int = 4


class Tool:
    name = ""            # the key used on the command line and in results
    title = ""           # the column title
    phases = ("cold", "noop", "change", "down")

    def __init__(self, ctx: Context):
        self.ctx = ctx

    @staticmethod
    def setup(bench_dir: Path, work: Path) -> Recipe:
        """Prepare what the venv is made from; return its recipe."""
        raise NotImplementedError

    def files(self, n: int) -> Path:
        return self.ctx.work / "envs" / str(n) / self.name

    def write(self, base: Environment, changed: Environment) -> None:
        """Write the tool's input files for both variants into files(n)."""
        raise NotImplementedError

    def command(self, phase: str, n: int) -> Command:
        raise NotImplementedError

    def env(self) -> Dict[str, str]:
        """Variables added to the tool's environment (DOCKER_HOST is set by the harness)."""
        return {}

    def version_command(self) -> Optional[List[str]]:
        return None

    def bin(self, name: str) -> str:
        return str(self.ctx.venv / "bin" / name)


def yaml_scalar(value: object) -> str:
    """JSON string quoting is valid YAML and keeps "86400" a string."""
    return json.dumps(value)


def yaml_flow(mapping: Dict[str, str]) -> str:
    return "{" + ", ".join(f"{yaml_scalar(k)}: {yaml_scalar(v)}" for k, v in mapping.items()) + "}"


def yaml_list(items: Sequence[object]) -> str:
    return "[" + ", ".join(yaml_scalar(i) for i in items) + "]"
