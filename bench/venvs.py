"""One virtual environment per tool under bench/work/venvs/, made by pip from PyPI.

A venv is rebuilt from scratch when its recipe (the pip steps) changes; otherwise it is
reused. Each step's output goes to bench/work/logs/venv-<name>.log.
"""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence, Tuple

STAMP = ".bench-recipe.json"


@dataclass(frozen=True)
class Recipe:
    name: str
    steps: Tuple[Tuple[str, ...], ...]  # each: the arguments of one `pip install`
    refresh: Tuple[Tuple[str, ...], ...] = ()  # run on every use (the checkout under test)
    key: str = ""  # anything else that, when it changes, calls for a new venv


class SetupError(RuntimeError):
    pass


def python_of(venv: Path) -> Path:
    return venv / "bin" / "python"


def pip_install(venv: Path, args: Sequence[str], log: Path) -> None:
    argv = [str(python_of(venv)), "-m", "pip", "install", "--disable-pip-version-check",
            "--no-input", *args]
    with open(log, "ab") as out:
        out.write(("\n$ " + " ".join(argv) + "\n").encode())
        out.flush()
        done = subprocess.run(argv, stdout=out, stderr=subprocess.STDOUT,
                              stdin=subprocess.DEVNULL, check=False)
    if done.returncode != 0:
        raise SetupError(f"pip install {' '.join(args)} failed in {venv.name}; see {log}")


def ensure(recipe: Recipe, root: Path, logs: Path, python: str = sys.executable,
           say=print) -> Path:
    """Make or reuse root/<name>; returns the venv's path."""
    venv = root / recipe.name
    logs.mkdir(parents=True, exist_ok=True)
    log = logs / f"venv-{recipe.name}.log"
    wanted = json.dumps({"python": python, "steps": recipe.steps, "key": recipe.key}, indent=1)
    stamp = venv / STAMP
    if not (stamp.exists() and stamp.read_text() == wanted and python_of(venv).exists()):
        say(f"setting up venv {recipe.name} (log: {log})")
        shutil.rmtree(venv, ignore_errors=True)
        log.write_bytes(b"")
        made = subprocess.run([python, "-m", "venv", str(venv)], stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, check=False)
        if made.returncode != 0:
            raise SetupError(f"python -m venv {venv} failed: {made.stdout.decode()[-500:]}")
        for step in recipe.steps:
            pip_install(venv, step, log)
        stamp.write_text(wanted)
    for step in recipe.refresh:
        pip_install(venv, step, log)
    return venv
