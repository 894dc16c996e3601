"""Apply, re-plan and change against the real engine."""
from __future__ import annotations

import json

import pytest

from tests.engine.project import app_playbook, container_ids, image_variant

pytestmark = pytest.mark.engine


def test_apply_then_plan_is_empty_then_apply_does_nothing(project):
    app_playbook(project)
    first = project.run("apply", "--auto-approve", project.path)
    assert first.code == 0, first
    # the image, the network, the volume, three containers
    assert "Apply complete: 5 created." in first.out
    ids = container_ids(project)
    assert set(ids) == {project.cname(x) for x in ("writer", "app", "side")}

    plan = project.run("plan", "--detailed-exitcode", project.path)
    assert plan.code == 0, plan
    assert "No changes." in plan.out

    again = project.run("apply", "--auto-approve", project.path)
    assert again.code == 0, again
    assert "No changes." in again.out and "Apply complete" not in again.out
    assert container_ids(project) == ids


def test_changing_env_replaces_only_that_container_and_keeps_volume_data(project, docker_api):
    app_playbook(project)
    assert project.run("apply", "-y", project.path).code == 0
    before = container_ids(project)

    app_playbook(project, tz="Asia/Taipei")
    plan = project.run("plan", "--detailed-exitcode", project.path)
    assert plan.code == 2, plan
    app = project.cname("app")
    assert f'-/+ container "{app}"' in plan.out
    assert '~ env.TZ = "UTC" -> "Asia/Taipei"  # forces replacement' in plan.out
    assert "Plan: 0 to create, 0 to update, 1 to replace, 0 to destroy." in plan.out
    as_json = json.loads(project.run("plan", "-o", "json", project.path).out)
    (replace,) = as_json["changes"]
    temp = replace["steps"][0].rsplit(" ", 1)[-1]
    assert temp.startswith(f"{app}-dfwctl-")
    assert replace["steps"] == [  # the new container first; the old one serves until then
        f"create the new container as {temp}", f"stop container {app}",
        f"remove container {app}", f"rename {temp} to {app}", f"start container {app}"]

    result = project.run("apply", "-y", project.path)
    assert result.code == 0, result
    after = container_ids(project)
    assert after[app] != before[app]
    assert {k: v for k, v in after.items() if k != app} == {
        k: v for k, v in before.items() if k != app}
    exec_id = docker_api.exec_create(after[app], ["cat", "/data/file"])
    assert docker_api.exec_start(exec_id).decode().strip() == "kept"
    assert docker_api.inspect_container(after[app])["Config"]["Env"].count("TZ=Asia/Taipei") == 1
    assert project.run("plan", "--detailed-exitcode", project.path).code == 0


def test_restart_policy_updates_in_place(project, docker_api):
    app_playbook(project)
    assert project.run("apply", "-y", project.path).code == 0
    before = container_ids(project)
    app_playbook(project, restart="always")
    plan = project.run("plan", project.path)
    assert '~ restart = "unless-stopped" -> "always"' in plan.out
    assert "1 to update" in plan.out
    assert project.run("apply", project.path).code == 0  # not destructive: no approval needed
    app = project.cname("app")
    assert container_ids(project) == before
    policy = docker_api.inspect_container(before[app])["HostConfig"]["RestartPolicy"]["Name"]
    assert policy == "always"
    assert project.run("plan", "--detailed-exitcode", project.path).code == 0


def test_container_stopped_behind_our_back_shows_in_plan(project, docker_api):
    app_playbook(project)
    assert project.run("apply", "-y", project.path).code == 0
    side = project.cname("side")
    docker_api.stop(side, timeout=0)
    plan = project.run("plan", "--detailed-exitcode", project.path)
    assert plan.code == 2, plan
    assert f'~ container "{side}"' in plan.out
    assert "stopped outside dfwctl" in plan.out
    assert '~ state = "exited" -> "running"' in plan.out
    assert project.run("apply", project.path).code == 0
    assert docker_api.inspect_container(side)["State"]["Running"] is True


def test_container_removed_behind_our_back_is_created_again(project, docker_api):
    app_playbook(project)
    assert project.run("apply", "-y", project.path).code == 0
    side = project.cname("side")
    docker_api.remove_container(side, force=True)
    plan = project.run("plan", project.path)
    assert f'+ container "{side}"' in plan.out
    assert "1 to create" in plan.out


def test_orphans_are_listed_then_pruned(project):
    app_playbook(project)
    assert project.run("apply", "-y", project.path).code == 0
    n = project.name
    project.write(f"""
        networks:
          {n}-net: {{}}
        containers:
          {n}-side:
            image: busybox:latest
            command: [sleep, '3600']
            networks: [{n}-net]
            stop_signal: SIGKILL
        """)
    plan = project.run("plan", "--detailed-exitcode", project.path)
    assert plan.code == 0, plan  # orphans alone are not changes
    for orphan in (f"docker.container.{n}-app", f"docker.container.{n}-writer",
                   f"docker.volume.{n}-data"):
        assert f"  {orphan}\n" in plan.out
    pruned = project.run("apply", "-y", "--prune", project.path)
    assert pruned.code == 0, pruned
    assert set(project.containers()) == {project.cname("side")}
    volumes = project.api.volumes(filters={"name": f"{n}-data"})["Volumes"] or []
    assert [v["Name"] for v in volumes] == [f"{n}-data"], "a volume needs --prune-volumes"
    assert project.run("apply", "-y", "--prune-volumes", project.path).code == 0
    assert not (project.api.volumes(filters={"name": f"{n}-data"})["Volumes"] or [])


def test_objects_of_others_are_never_touched(project, docker_api):
    n = project.name
    foreign = docker_api.create_container("busybox:latest", ["sleep", "1"], name=f"{n}-taken")
    try:
        project.write(f"""
            containers:
              {n}-taken:
                image: busybox:latest
            """)
        result = project.run("plan", project.path)
        assert result.code == 1, result
        assert (f"container {n}-taken already exists, made elsewhere, and differs from the "
                "playbook") in result.err
        assert "Traceback" not in result.err
        assert docker_api.inspect_container(foreign["Id"])["Id"] == foreign["Id"]
    finally:
        docker_api.remove_container(foreign["Id"], force=True)


def test_json_plan_is_versioned_and_lists_fields(project):
    app_playbook(project)
    result = project.run("plan", "--output", "json", project.path)
    assert result.code == 0, result
    doc = json.loads(result.out)
    assert doc["format_version"] == "1.3"
    assert doc["summary"] == {"create": 5, "update": 0, "replace": 0, "delete": 0, "adopt": 0}
    app = next(c for c in doc["changes"] if c["name"] == project.cname("app"))
    assert app["action"] == "create" and app["provider"] == "docker"
    assert app["steps"] == [f"create container {app['name']}", f"start container {app['name']}"]
    assert {"name": "env.TZ", "before": None, "after": "UTC", "forces_replacement": True,
            "sensitive": False} in app["fields"]
    assert sorted(app["depends_on"]) == sorted([
        f"docker.container.{project.cname('writer')}", f"docker.network.{project.name}-net",
        f"docker.volume.{project.name}-data"])


def test_destroy_removes_what_the_playbook_owns_and_keeps_volumes(project):
    app_playbook(project)
    assert project.run("apply", "-y", project.path).code == 0
    result = project.run("destroy", "-y", project.path)
    assert result.code == 0, result
    assert result.out.endswith("Destroy complete: 4 destroyed.\n")  # 3 containers, the network
    assert project.containers() == {}
    assert not project.api.networks(filters={"name": f"{project.name}-net"})
    assert project.api.volumes(filters={"name": f"{project.name}-data"})["Volumes"]
    assert project.run("destroy", "-y", "--volumes", project.path).code == 0
    assert not (project.api.volumes(filters={"name": f"{project.name}-data"})["Volumes"] or [])


def test_destructive_apply_without_terminal_is_refused(project):
    app_playbook(project)
    assert project.run("apply", "-y", project.path).code == 0
    before = container_ids(project)
    app_playbook(project, tz="Europe/Paris")
    result = project.run("apply", project.path)
    assert result.code == 1, result
    assert "no terminal to confirm them" in result.err
    assert container_ids(project) == before


def test_memory_and_cpu_limits_update_in_place(project, docker_api):
    n = project.name

    def write(memory, cpus):
        project.write(f"""
            containers:
              {n}-limited:
                image: busybox:latest
                command: [sleep, '3600']
                stop_signal: SIGKILL
                memory: {memory}
                cpus: {cpus}
            """)

    write("64MiB", 0.5)
    assert project.run("apply", project.path).code == 0
    cid = project.containers()[f"{n}-limited"]["Id"]
    write("128MiB", 1.5)
    plan = project.run("plan", project.path)
    assert "~ memory = 64MiB -> 128MiB" in plan.out, plan
    assert "~ cpus = 0.5 -> 1.5" in plan.out
    result = project.run("apply", project.path)
    assert result.code == 0, result
    host = docker_api.inspect_container(cid)["HostConfig"]
    assert host["Memory"] == 128 * 1024 * 1024
    assert host["CpuQuota"] == 150000 and host["CpuPeriod"] == 100000
    assert project.containers()[f"{n}-limited"]["Id"] == cid
    assert project.run("plan", "--detailed-exitcode", project.path).code == 0


def test_isolation_is_refused_on_a_linux_engine(project):
    n = project.name
    project.write(f"""
        containers:
          {n}-iso:
            image: busybox:latest
            isolation: hyperv
        """)
    result = project.run("plan", project.path)
    assert result.code == 1, result
    assert f"container {n}-iso: isolation hyperv needs a Windows engine" in result.err


def test_leftover_of_an_interrupted_replace_is_cleaned_up(project, docker_api):
    app_playbook(project)
    assert project.run("apply", "-y", project.path).code == 0
    side = project.cname("side")
    info = docker_api.inspect_container(side)
    labels = dict(info["Config"]["Labels"], **{"io.dfwctl.replacing": side})
    temp = docker_api.create_container("busybox:latest", ["sleep", "1"], labels=labels,
                                       name=f"{side}-dfwctl-abc123")
    plan = project.run("plan", "--detailed-exitcode", project.path)
    assert plan.code == 2, plan
    assert f"# docker.container.{side}-dfwctl-abc123 will be destroyed" in plan.out
    assert "because left over from an interrupted replace" in plan.out
    assert project.run("apply", project.path).code == 0
    assert f"{side}-dfwctl-abc123" not in project.containers()
    assert project.run("plan", "--detailed-exitcode", project.path).code == 0
    assert not docker_api.containers(all=True, filters={"id": temp["Id"]})


def test_image_tag_moved_behind_our_back_replaces_the_container(project, docker_api):
    n = project.name
    repo = "dfwctl-test/moved"
    docker_api.tag("dfwctl-test/busybox:latest", repo, n)
    try:
        project.write(f"""
            containers:
              {n}-follower:
                image: {repo}:{n}
                pull: never
                command: [sleep, '3600']
                stop_signal: SIGKILL
            """)
        assert project.run("apply", project.path).code == 0
        docker_api.tag("dfwctl-test/busybox:v2", repo, n)  # someone rebuilt the tag
        plan = project.run("plan", "--detailed-exitcode", project.path)
        assert plan.code == 2, plan
        assert f'-/+ container "{n}-follower"' in plan.out
        assert f"because image {repo}:{n} now points to sha256:" in plan.out
        assert project.run("apply", "-y", project.path).code == 0
        cid = project.containers()[f"{n}-follower"]["Id"]
        assert image_variant(docker_api, cid) == "v2"
        assert project.run("plan", "--detailed-exitcode", project.path).code == 0
    finally:
        project.cleanup()
        docker_api.remove_image(f"{repo}:{n}")
