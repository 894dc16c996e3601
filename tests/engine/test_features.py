"""Pulls, run-once containers, parallel and concurrent applies, saved plans, secrets, errors."""
from __future__ import annotations

import json
import socket
import subprocess
import sys

import pytest

from tests.engine.project import image_variant, many_containers
from tests.paths import ROOT

pytestmark = pytest.mark.engine


def test_pull_from_the_local_registry(project, docker_api, registry):
    tag = f"{registry}/dfwctl-test/busybox:{project.name}"
    docker_api.tag(f"{registry}/dfwctl-test/busybox:latest", f"{registry}/dfwctl-test/busybox",
                   project.name)
    for line in docker_api.push(f"{registry}/dfwctl-test/busybox", tag=project.name,
                                stream=True, decode=True):
        assert "error" not in line, line
    docker_api.remove_image(tag)
    n = project.name
    project.write(f"""
        containers:
          {n}-pulled:
            image: {tag}
            command: [sleep, '3600']
            stop_signal: SIGKILL
        """)
    plan = project.run("plan", project.path)
    assert f'+ image "{tag}"' in plan.out, plan
    result = project.run("apply", project.path)
    assert result.code == 0, result
    assert docker_api.inspect_image(tag)["Id"]
    assert project.containers()[f"{n}-pulled"]["State"] == "running"
    assert project.run("plan", "--detailed-exitcode", project.path).code == 0


def push(docker_api, source, repo, tag):
    """Tag `source` as repo:tag and push it to the local registry."""
    docker_api.tag(source, repo, tag)
    for line in docker_api.push(repo, tag=tag, stream=True, decode=True):
        assert "error" not in line, line


def test_pull_always_follows_the_registry(project, docker_api, registry):
    repo = f"{registry}/dfwctl-test/moving"
    tag = project.name

    push(docker_api, f"{registry}/dfwctl-test/busybox:latest", repo, tag)
    n = project.name
    project.write(f"""
        containers:
          {n}-follow:
            image: {repo}:{tag}
            pull: always
            command: [sleep, '3600']
            stop_signal: SIGKILL
        """)
    assert project.run("apply", "-y", project.path).code == 0
    assert project.run("plan", "--detailed-exitcode", project.path).code == 0
    push(docker_api, f"{registry}/dfwctl-test/busybox:v2", repo, tag)  # the tag moves in the registry
    docker_api.tag(f"{registry}/dfwctl-test/busybox:latest", repo, tag)  # local copy is old
    plan = project.run("plan", "--detailed-exitcode", project.path)
    assert plan.code == 2, plan
    assert "the registry has a newer image (pull: always)" in plan.out
    assert f"image {repo}:{tag} will be updated by the pull" in plan.out
    assert project.run("apply", "-y", project.path).code == 0
    cid = project.containers()[f"{n}-follow"]["Id"]
    assert image_variant(docker_api, cid) == "v2"
    assert project.run("plan", "--detailed-exitcode", project.path).code == 0


def test_a_tag_removed_from_the_engine_converges_in_one_apply(project, docker_api, registry):
    """The tag is gone but the container still runs its image: the plan cannot know what the
    pull will bring, so the replace is conditional and apply decides after the pull."""
    repo = f"{registry}/dfwctl-test/repulled"
    tag = project.name

    push(docker_api, f"{registry}/dfwctl-test/busybox:latest", repo, tag)
    n = project.name
    project.write(f"""
        containers:
          {n}-app:
            image: {repo}:{tag}
            command: [sleep, '3600']
            stop_signal: SIGKILL
        """)
    assert project.run("apply", project.path).code == 0
    first = project.containers()[f"{n}-app"]["Id"]

    docker_api.remove_image(f"{repo}:{tag}", force=True)  # the registry still has the same
    plan = project.run("plan", "--detailed-exitcode", project.path)
    assert plan.code == 2, plan
    assert f"docker.container.{n}-app may be replaced" in plan.out
    assert "only if the pulled image is not the one the container runs" in plan.out
    applied = project.run("apply", "-y", project.path)
    assert applied.code == 0, applied
    assert project.containers()[f"{n}-app"]["Id"] == first  # same image: kept
    assert project.run("plan", "--detailed-exitcode", project.path).code == 0

    push(docker_api, f"{registry}/dfwctl-test/busybox:v2", repo, tag)  # the registry moves on
    docker_api.remove_image(f"{repo}:{tag}", force=True)  # and the tag goes again
    applied = project.run("apply", "-y", project.path)
    assert applied.code == 0, applied
    app = project.containers()[f"{n}-app"]
    assert app["Id"] != first and app["State"] == "running"
    assert image_variant(docker_api, app["Id"]) == "v2"
    assert project.run("plan", "--detailed-exitcode", project.path).code == 0


def test_missing_image_in_registry_is_a_clear_error(project, registry):
    n = project.name
    project.write(f"""
        containers:
          {n}-ghost:
            image: {registry}/dfwctl-test/no-such-image:1
        """)
    result = project.run("apply", project.path)
    assert result.code == 1, result
    assert f"pull image {registry}/dfwctl-test/no-such-image:1" in result.out + result.err
    assert "Traceback" not in result.err
    assert "1 failed, 1 skipped" in result.out


def test_exited_container_runs_once_and_reruns_only_on_change(project, docker_api):
    n = project.name

    def write(text):
        project.write(f"""
            volumes:
              {n}-log: {{}}
            containers:
              {n}-job:
                image: busybox:latest
                state: exited
                command: [sh, -c, 'echo {text} >> /log/runs']
                mounts: ['{n}-log:/log']
            """)

    write("one")
    assert project.run("apply", project.path).code == 0
    assert project.run("apply", project.path).code == 0
    assert project.run("plan", "--detailed-exitcode", project.path).code == 0
    write("two")
    assert project.run("apply", "-y", project.path).code == 0
    reader = docker_api.create_container(
        "busybox:latest", ["cat", "/log/runs"],
        host_config=docker_api.create_host_config(binds=[f"{n}-log:/log"]))
    try:
        docker_api.start(reader)
        docker_api.wait(reader)
        assert docker_api.logs(reader).decode().split() == ["one", "two"]
    finally:
        docker_api.remove_container(reader, force=True)


def test_failing_run_once_container_reports_its_logs(project):
    n = project.name
    project.write(f"""
        containers:
          {n}-bad:
            image: busybox:latest
            state: exited
            command: [sh, -c, 'echo something broke; exit 3']
          {n}-after:
            image: busybox:latest
            command: [sleep, '3600']
            depends_on: [{n}-bad]
          {n}-independent:
            image: busybox:latest
            command: [sleep, '3600']
            stop_signal: SIGKILL
        """)
    result = project.run("apply", project.path)
    assert result.code == 1, result
    assert f"container {n}-bad exited with code 3 (state: exited expects 0)" in result.out
    assert "| something broke" in result.out
    assert f"Skipped: docker.container.{n}-after (docker.container.{n}-bad failed)" in result.out
    assert "Apply failed: 1 created; 1 failed, 1 skipped." in result.out
    assert project.containers()[f"{n}-independent"]["State"] == "running"
    plan = project.run("plan", project.path)
    assert "its last run failed (exit code 3)" in plan.out


def test_twenty_containers_apply_in_parallel(project):
    many_containers(project, 20)
    result = project.run("apply", "--parallelism", "8", project.path)
    assert result.code == 0, result
    assert "Apply complete: 21 created." in result.out
    states = [c["State"] for c in project.containers().values()]
    assert states == ["running"] * 20
    assert project.run("plan", "--detailed-exitcode", project.path).code == 0


def test_two_concurrent_applies_never_duplicate(project):
    many_containers(project, 6)
    cmd = [sys.executable, "-m", "dfwctl", "apply", str(project.path)]
    procs = [subprocess.Popen(cmd, cwd=ROOT, env=project.env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL)
             for _ in range(2)]
    results = [(p.wait(120), *p.communicate()) for p in procs]
    codes = sorted(code for code, _, _ in results)
    assert codes == [0, 1], results
    loser = next(err for code, _, err in results if code == 1)
    assert f"playbook {project.name} on " in loser and "is locked" in loser
    assert "apply by" in loser and "pid" in loser
    assert len(project.containers()) == 6


def test_second_apply_waits_for_the_lock_with_a_timeout(project):
    many_containers(project, 4)
    cmd = [sys.executable, "-m", "dfwctl", "apply", "--lock-timeout", "120", str(project.path)]
    procs = [subprocess.Popen(cmd, cwd=ROOT, env=project.env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL)
             for _ in range(2)]
    outs = [p.communicate(timeout=120)[0] for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    assert sum("Apply complete: 5 created." in o for o in outs) == 1
    assert sum("No changes." in o for o in outs) == 1
    assert len(project.containers()) == 4


def test_saved_plan_applies_and_a_stale_one_is_refused(project, docker_api):
    many_containers(project, 2)
    saved = project.dir / "plan.json"
    made = project.run("plan", "--out", saved, project.path)
    assert made.code == 0, made
    assert project.run("apply", saved).code == 0
    assert len(project.containers()) == 2

    many_containers(project, 2, env="b")
    assert project.run("plan", "--out", saved, project.path).code == 0
    docker_api.stop(project.cname("c00"), timeout=0)  # the machine moves after the plan
    stale = project.run("apply", saved)
    assert stale.code == 1, stale
    assert "is stale: the machine changed since the plan was made" in stale.err

    assert project.run("plan", "--out", saved, project.path).code == 0
    many_containers(project, 2, env="c")  # the playbook moves after the plan
    stale = project.run("apply", saved)
    assert stale.code == 1
    assert "is stale: the playbook (or its variables) changed" in stale.err


def test_secrets_never_leave_dfwctl(project, docker_api):
    n = project.name
    secret = "pa55-w0rd-7731"
    (project.dir / ".env").write_text(f"DB_PASSWORD={secret}\n")
    project.write(f"""
        secrets: [DB_PASSWORD]
        containers:
          {n}-db:
            image: busybox:latest
            command: [sh, -c, 'echo connecting with ${{DB_PASSWORD}}; sleep 3600']
            env: {{DB_PASSWORD: '${{DB_PASSWORD}}', MODE: dev}}
            stop_signal: SIGKILL
        """)
    saved = project.dir / "plan.json"
    outputs = [
        project.run("plan", project.path),
        project.run("plan", "-o", "json", "--out", saved, project.path),
        project.run("--log-format", "json", "--log-level", "debug", "apply", project.path),
    ]
    for result in outputs:
        assert result.code == 0, result
        assert secret not in result.out and secret not in result.err
    assert "(sensitive value)" in outputs[0].out
    assert secret not in saved.read_text()
    info = docker_api.inspect_container(project.cname("db"))
    assert secret not in json.dumps(info["Config"]["Labels"])
    assert f"DB_PASSWORD={secret}" in info["Config"]["Env"]  # the container does get it

    (project.dir / ".env").write_text("DB_PASSWORD=another-one-99\n")
    changed = project.run("plan", project.path)
    assert "~ env.DB_PASSWORD = (sensitive value) -> (sensitive value)" in changed.out
    assert "another-one-99" not in changed.out


def test_port_taken_is_a_clear_error(project):
    holder = socket.socket()
    holder.bind(("127.0.0.1", 0))
    holder.listen(1)
    port = holder.getsockname()[1]
    try:
        n = project.name
        project.write(f"""
            containers:
              {n}-web:
                image: busybox:latest
                command: [sleep, '3600']
                ports: ['127.0.0.1:{port}:80']
            """)
        result = project.run("apply", project.path)
        assert result.code == 1, result
        assert f"start container {n}-web" in result.out
        assert "host port" in result.out
        assert "Traceback" not in result.out + result.err
    finally:
        holder.close()


def test_unreachable_engine_names_the_endpoint(project, tmp_path):
    project.write("containers: {}\n")
    env = dict(project.env, DOCKER_HOST=f"unix://{tmp_path}/nothing.sock")
    result = project.run("plan", project.path, env=env)
    assert result.code == 1, result
    assert f"cannot reach the Docker Engine at unix://{tmp_path}/nothing.sock" in result.err
    assert "hint: start Docker Desktop (or dockerd)" in result.err
    assert "Traceback" not in result.err


def test_log_format_json_streams_events_on_stderr_only(project):
    many_containers(project, 1)
    result = project.run("--log-format", "json", "apply", project.path)
    assert result.code == 0, result
    events = [json.loads(line) for line in result.err.splitlines() if line.startswith("{")]
    assert {"change_started", "change_applied"} <= {e["event"] for e in events}
    assert all(line.startswith("{") for line in result.err.splitlines() if line.strip())
    assert "Apply complete" in result.out


def test_a_network_with_a_subnet_and_gateway_is_created_as_asked(project, docker_api):
    n = project.name
    subnet = project.subnet()
    base = subnet.rsplit(".", 1)[0]
    project.write(f"""
        networks:
          {n}-lan:
            subnet: {subnet}
            gateway: {base}.1
        containers:
          {n}-box:
            image: busybox:latest
            command: [sleep, '3600']
            stop_signal: SIGKILL
            networks: [{n}-lan]
        """)
    result = project.run("apply", "-y", project.path)
    assert result.code == 0, result
    ipam = docker_api.inspect_network(f"{n}-lan")["IPAM"]["Config"]
    assert ipam == [{"Subnet": subnet, "Gateway": f"{base}.1"}]
    box = docker_api.inspect_container(project.cname("box"))
    address = box["NetworkSettings"]["Networks"][f"{n}-lan"]["IPAddress"]
    assert address.startswith(f"{base}.")
    assert project.run("plan", "--detailed-exitcode", project.path).code == 0
