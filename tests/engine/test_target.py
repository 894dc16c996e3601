"""--target and --replace on the real engine, through the CLI: one part at a time, with what
it depends on; a container made again without a diff; both kept in saved plans."""
from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.engine


def three(project):
    n = project.name
    return project.write(f"""
        networks:
          {n}-net: {{}}
        containers:
          {n}-db:
            image: busybox:latest
            command: [sleep, '3600']
            stop_signal: SIGKILL
            networks: [{n}-net]
          {n}-app:
            image: busybox:latest
            command: [sleep, '3600']
            stop_signal: SIGKILL
            networks: [{n}-net]
            depends_on: [{n}-db]
          {n}-side:
            image: busybox:latest
            command: [sleep, '3600']
            stop_signal: SIGKILL
        """)


def test_apply_target_makes_only_it_and_what_it_depends_on(project):
    three(project)
    n = project.name
    plan = project.run("plan", "-o", "json", "--target", f"docker.container.{n}-app",
                       project.path)
    assert plan.code == 0, plan
    doc = json.loads(plan.out)
    assert doc["targets"] == [f"docker.container.{n}-app"]
    assert {c["address"] for c in doc["changes"]} == {
        f"docker.network.{n}-net", f"docker.container.{n}-db", f"docker.container.{n}-app"}
    result = project.run("apply", "-y", "--target", f"docker.container.{n}-app", project.path)
    assert result.code == 0, result
    assert "only the targeted changes and what they depend on are planned" in result.out
    assert set(project.containers()) == {f"{n}-db", f"{n}-app"}
    rest = project.run("plan", "--detailed-exitcode", project.path)
    assert rest.code == 2 and f"docker.container.{n}-side will be created" in rest.out, rest
    assert project.run("apply", "-y", project.path).code == 0
    assert project.run("plan", "--detailed-exitcode", project.path).code == 0


def test_a_target_that_names_nothing_is_refused(project):
    three(project)
    n = project.name
    result = project.run("plan", "--target", f"docker.container.{n}-apx", project.path)
    assert result.code == 64, result
    assert f"--target docker.container.{n}-apx: the playbook has nothing at that address" \
        in result.err
    assert f"did you mean docker.container.{n}-app?" in result.err


def test_replace_makes_a_container_again_without_a_diff(project):
    three(project)
    n = project.name
    assert project.run("apply", "-y", project.path).code == 0
    before = {name: c["Id"] for name, c in project.containers().items()}
    plan = project.run("plan", "--detailed-exitcode", "--replace", f"docker.container.{n}-db",
                       project.path)
    assert plan.code == 2, plan
    assert "its replacement was requested (--replace)" in plan.out
    result = project.run("apply", "-y", "--replace", f"docker.container.{n}-db", project.path)
    assert result.code == 0, result
    after = {name: c["Id"] for name, c in project.containers().items()}
    assert after[f"{n}-db"] != before[f"{n}-db"]
    assert after[f"{n}-app"] == before[f"{n}-app"] and after[f"{n}-side"] == before[f"{n}-side"]
    assert project.containers()[f"{n}-db"]["State"] == "running"
    assert project.run("plan", "--detailed-exitcode", project.path).code == 0


def test_saved_plans_keep_target_and_replace(project, tmp_path):
    three(project)
    n = project.name
    assert project.run("apply", "-y", "--target", f"docker.container.{n}-side",
                       project.path).code == 0
    side = project.containers()[f"{n}-side"]["Id"]
    saved = tmp_path / "plan.json"
    made = project.run("plan", "--out", saved, "--target", f"docker.container.{n}-app",
                       "--replace", f"docker.container.{n}-side", "--target",
                       f"docker.container.{n}-side", project.path)
    assert made.code == 0, made
    doc = json.loads(saved.read_text())
    assert doc["options"]["targets"] == [f"docker.container.{n}-app",
                                         f"docker.container.{n}-side"]
    assert doc["options"]["replace"] == [f"docker.container.{n}-side"]
    assert doc["plan"]["replace"] == [f"docker.container.{n}-side"]
    refused = project.run("apply", "--target", f"docker.container.{n}-db", saved)
    assert refused.code == 1 and "a saved plan keeps the --target and --replace" in refused.err
    result = project.run("apply", saved)
    assert result.code == 0, result
    made = project.containers()
    assert set(made) == {f"{n}-db", f"{n}-app", f"{n}-side"}
    assert made[f"{n}-side"]["Id"] != side
