"""Ansible with community.docker (bundled in the `ansible` package): ansible-playbook on
localhost, connection local, docker_network + docker_container in a loop."""
from __future__ import annotations

from pathlib import Path
from typing import Dict, List

from envspec import Environment
from venvs import Recipe

from tools.base import Command, Tool, yaml_flow, yaml_list, yaml_scalar

CONFIG = """\
# ansible.cfg for the converge benchmark: quiet, no retry files, pipelining on.
[defaults]
host_key_checking = False
retry_files_enabled = False
deprecation_warnings = False
interpreter_python = {python}
nocolor = True
[connection]
pipelining = True
"""


def up_playbook(env: Environment) -> str:
    lines = [
        f"# Ansible playbook for the converge benchmark: {env.n} containers ({env.variant}).",
        "- hosts: localhost",
        "  connection: local",
        "  gather_facts: false",
        "  vars:",
        "    bench_containers:",
    ]
    lines += [f"      - {{name: {c.name}, env: {yaml_flow(c.env_dict)}}}" for c in env.containers]
    lines += [
        "  tasks:",
        "    - name: network",
        "      community.docker.docker_network:",
        f"        name: {env.network}",
        "        state: present",
        "    - name: containers",
        "      community.docker.docker_container:",
        '        name: "{{ item.name }}"',
        f"        image: {yaml_scalar(env.image)}",
        f"        command: {yaml_list(env.command)}",
        '        env: "{{ item.env }}"',
        f"        labels: {yaml_flow(env.labels)}",
        f"        network_mode: {env.network}",
        f"        networks: [{{name: {env.network}}}]",
        f"        stop_signal: {env.stop_signal}",
        "        state: started",
        '      loop: "{{ bench_containers }}"',
        '      loop_control: {label: "{{ item.name }}"}',
    ]
    return "\n".join(lines) + "\n"


def down_playbook(env: Environment) -> str:
    lines = [
        f"# Ansible playbook that removes the converge benchmark's {env.n} containers.",
        "- hosts: localhost",
        "  connection: local",
        "  gather_facts: false",
        "  tasks:",
        "    - name: containers",
        "      community.docker.docker_container:",
        '        name: "{{ item }}"',
        "        state: absent",
        f"      loop: {yaml_list(env.names)}",
        "    - name: network",
        "      community.docker.docker_network:",
        f"        name: {env.network}",
        "        state: absent",
    ]
    return "\n".join(lines) + "\n"


class Ansible(Tool):
    name = "ansible"
    title = "ansible"

    @staticmethod
    def setup(bench_dir: Path, work: Path) -> Recipe:
        return Recipe(name="ansible", steps=(("ansible==12.3.0", "docker", "requests"),))

    def write(self, base: Environment, changed: Environment) -> None:
        out = self.files(base.n)
        out.mkdir(parents=True, exist_ok=True)
        self.home().mkdir(parents=True, exist_ok=True)
        (self.home() / "ansible.cfg").write_text(CONFIG.format(python=self.bin("python")))
        (out / "base.yml").write_text(up_playbook(base))
        (out / "changed.yml").write_text(up_playbook(changed))
        (out / "down.yml").write_text(down_playbook(changed))

    def command(self, phase: str, n: int) -> Command:
        files = self.files(n)
        playbook = {"down": "down.yml", "change": "changed.yml"}.get(phase, "base.yml")
        return Command([self.bin("ansible-playbook"), "-i", "localhost,", files / playbook])

    def home(self) -> Path:
        return self.ctx.work / "ansible-home"

    def env(self) -> Dict[str, str]:
        return {
            "ANSIBLE_CONFIG": str(self.home() / "ansible.cfg"),
            "ANSIBLE_HOME": str(self.home()),
            "ANSIBLE_LOCAL_TEMP": str(self.home() / "tmp"),
        }

    def version_command(self) -> List[str]:
        return [self.bin("ansible-playbook"), "--version"]
