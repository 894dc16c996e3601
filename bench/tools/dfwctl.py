"""dfwctl: the checkout under test, installed (not editable) into its own venv on every run."""
from __future__ import annotations

import hashlib
import shutil
from pathlib import Path
from typing import Dict, List

from envspec import Environment
from venvs import Recipe

from tools.base import Command, Tool, yaml_flow, yaml_list, yaml_scalar

# What a wheel of the checkout is built from.
SOURCES = ("dfwctl", "schemas", "setup.py", "setup.cfg", "pyproject.toml", "README.md")


def copy_checkout(repo: Path, dest: Path) -> Path:
    """The working tree's package sources (uncommitted edits included) -> dest."""
    shutil.rmtree(dest, ignore_errors=True)
    dest.mkdir(parents=True)
    for name in SOURCES:
        source = repo / name
        if source.is_dir():
            shutil.copytree(source, dest / name,
                            ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        elif source.exists():
            shutil.copy2(source, dest / name)
    return dest


def playbook(env: Environment) -> str:
    lines = [
        f"# dfwctl playbook for the converge benchmark: {env.n} containers ({env.variant}).",
        "version: 1",
        f"name: {env.project}",
        "networks:",
        f"  {env.network}: {{}}",
        "containers:",
    ]
    for c in env.containers:
        lines += [
            f"  {c.name}:",
            f"    image: {yaml_scalar(env.image)}",
            f"    command: {yaml_list(env.command)}",
            f"    env: {yaml_flow(c.env_dict)}",
            f"    labels: {yaml_flow(env.labels)}",
            f"    networks: [{env.network}]",
            f"    stop_signal: {env.stop_signal}",
        ]
    return "\n".join(lines) + "\n"


class Dfwctl(Tool):
    name = "dfwctl"
    title = "dfwctl"
    phases = ("cold", "plan", "noop", "change", "down")

    @staticmethod
    def setup(bench_dir: Path, work: Path) -> Recipe:
        source = copy_checkout(bench_dir.parent, work / "src" / "dfwctl")
        # The dependencies are installed once; a change of the packaging files reinstalls them.
        packaging = hashlib.sha256(b"".join(
            (source / f).read_bytes() for f in ("setup.cfg", "setup.py", "pyproject.toml")
            if (source / f).exists())).hexdigest()
        return Recipe(
            name="dfwctl",
            steps=(("setuptools>=61", "wheel"), (str(source),)),
            refresh=(("--no-deps", "--force-reinstall", "--no-build-isolation", str(source)),),
            key=packaging,
        )

    def write(self, base: Environment, changed: Environment) -> None:
        out = self.files(base.n)
        out.mkdir(parents=True, exist_ok=True)
        (out / "base.yml").write_text(playbook(base))
        (out / "changed.yml").write_text(playbook(changed))

    def command(self, phase: str, n: int) -> Command:
        files = self.files(n)
        dfwctl = self.bin("dfwctl")
        if phase == "plan":
            return Command([dfwctl, "plan", "--detailed-exitcode", files / "base.yml"])
        if phase == "down":
            return Command([dfwctl, "destroy", "--auto-approve", files / "changed.yml"])
        variant = "changed.yml" if phase == "change" else "base.yml"
        return Command([dfwctl, "apply", "--auto-approve", files / variant])

    def env(self) -> Dict[str, str]:
        return {"DFWCTL_LOCK_DIR": str(self.ctx.work / "locks")}

    def version_command(self) -> List[str]:
        return [self.bin("dfwctl"), "--version"]
