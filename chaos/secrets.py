"""Secret leaks: one secret value through every path that prints, saves or sends what a
playbook holds (validation errors, plans as text and JSON, saved plans, apply's logs at debug
level in JSON, status, and what the engine stores: labels, image references, names), and the
places where a secret is refused (labels, image references)."""
from __future__ import annotations

import json
from pathlib import Path
from typing import List, Tuple

from chaos.engine import PrivateEngine
from chaos.harness import Project, dfwctl

SECRET = "chaos-s3cret-9f41e2"


def leaks(engine: PrivateEngine, work: Path) -> Tuple[int, List[str], int]:
    """(paths checked, the paths where the secret showed, tracebacks)."""
    project = Project(engine, work / "secrets", "chaos-secrets", count=2, ports=False,
                      env={"TOKEN": SECRET})
    n = project.name
    head = f"version: 1\nname: {n}\nsecrets: [TOKEN]\n"
    good = head + (f"containers:\n  {n}-app:\n    image: busybox:latest\n"
                   f"    command: [sleep, '3600']\n    stop_signal: SIGKILL\n"
                   f"    env: {{TOKEN: '${{TOKEN}}', URL: 'https://u:${{TOKEN}}@example.test'}}\n")
    bad = {
        "a value validate refuses": head + f"containers:\n  {n}-app:\n    image: busybox\n"
                                           "    memory: '${TOKEN}'\n",
        "a label": head + f"containers:\n  {n}-app:\n    image: busybox\n"
                          "    labels: {token: '${TOKEN}'}\n",
        "an image reference": head + f"containers:\n  {n}-app:\n"
                                     "    image: 'registry.test/${TOKEN}/app:1'\n",
    }
    checked, found, tracebacks = 0, [], 0
    for what, text in bad.items():
        project.path.write_text(text)
        for command in (["validate"], ["plan"], ["apply", "-y"]):
            run = dfwctl([*command, str(project.path)], project.env)
            checked += 1
            tracebacks += run.traceback
            if SECRET in run.out + run.err:
                found.append(f"{' '.join(command)} with a secret in {what}")
            if run.code == 0:
                found.append(f"{' '.join(command)} accepted a secret in {what}")
    project.path.write_text(good)
    saved = project.work / "plan.json"
    runs = {
        "plan": ["plan", str(project.path)],
        "plan -o json": ["plan", "-o", "json", "--out", str(saved), str(project.path)],
        "apply with JSON logs at debug": ["--log-format", "json", "--log-level", "debug",
                                          "apply", "-y", str(project.path)],
        "status": ["status", str(project.path)],
        "status -o json": ["status", "-o", "json", str(project.path)],
        "a changed secret's plan": ["plan", str(project.path)],
    }
    for what, args in runs.items():
        env = project.env if what != "a changed secret's plan" else \
            dict(project.env, TOKEN=SECRET + "-2")
        run = dfwctl(args, env)
        checked += 1
        tracebacks += run.traceback
        if SECRET in run.out + run.err:
            found.append(what)
    checked += 1
    if saved.exists() and SECRET in saved.read_text():
        found.append("the saved plan")
    stored = engine.docker("ps", "-a", "--no-trunc", "--format", "{{json .}}")
    checked += 1
    if SECRET in stored:
        found.append("the engine's list of containers (names, labels, images, commands)")
    for container in engine.docker("ps", "-aq").split():
        info = engine.inspect("container", container) or {}
        checked += 1
        if SECRET in json.dumps(info.get("Config", {}).get("Labels")):
            found.append(f"labels of container {container[:12]}")
    project.clean()
    return checked, found, tracebacks
