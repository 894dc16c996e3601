"""The floor: bench/floor.py on the Docker SDK for Python, in its own venv."""
from __future__ import annotations

from pathlib import Path
from typing import Dict, List

from envspec import Environment
from venvs import Recipe

from tools.base import Command, Tool


class Floor(Tool):
    name = "floor"
    title = "floor (SDK)"
    phases = ("cold", "plan", "noop", "change", "down")

    @staticmethod
    def setup(bench_dir: Path, work: Path) -> Recipe:
        return Recipe(name="floor", steps=(("docker",),))

    def write(self, base: Environment, changed: Environment) -> None:
        out = self.files(base.n)
        out.mkdir(parents=True, exist_ok=True)
        (out / "base.json").write_text(base.to_json())
        (out / "changed.json").write_text(changed.to_json())

    def command(self, phase: str, n: int) -> Command:
        files = self.files(n)
        script = [self.bin("python"), self.ctx.bench_dir / "floor.py"]
        threads = ["--threads", str(self.ctx.floor_threads)]
        if phase == "plan":
            return Command(script + ["plan", files / "base.json"])
        if phase == "down":
            return Command(script + ["down", files / "changed.json"] + threads)
        variant = "changed.json" if phase == "change" else "base.json"
        return Command(script + ["up", files / variant] + threads)

    def env(self) -> Dict[str, str]:
        return {"BENCH_API_VERSION": self.ctx.api_version}

    def version_command(self) -> List[str]:
        return [self.bin("python"), "-c", "import docker; print('docker SDK', docker.__version__)"]
