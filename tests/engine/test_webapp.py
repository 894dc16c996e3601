"""playbooks/webapp.yml on the real engine: the app is built from its local Dockerfile, the
database (a stand-in with a pg_isready, made from the local busybox image: no network) is
healthy before the app starts, the environment converges, and a second plan is empty; an edit
in the build context rebuilds and replaces only the app, an ignored file changes nothing; a
database whose healthcheck fails stops the app, with its health checks shown."""
from __future__ import annotations

import io
import os
import shutil
import socket
import tarfile
import uuid

import pytest

from tests.engine.project import Project, one_at_a_time
from tests.paths import ROOT
from tests.run import run_dfwctl

pytestmark = pytest.mark.engine

NAMES = ("webapp-db", "webapp-app")
# A database stand-in: pg_isready answers once the "server" has started (two seconds after
# the container); the broken one never starts.
STANDIN = """\
FROM busybox:latest
RUN mkdir -p /usr/local/bin && printf '%s\\n' '#!/bin/sh' \\
    'if [ -f /tmp/ready ]; then echo "/tmp:5432 - accepting connections"; exit 0; fi' \\
    'echo "/tmp:5432 - no response"; exit 2' > /usr/local/bin/pg_isready \\
    && chmod 755 /usr/local/bin/pg_isready
CMD ["sh", "-c", "sleep {delay}; {ready} exec sleep 86400"]
"""


def _standin(docker_api, tag, ready):
    dockerfile = STANDIN.replace("{delay}", "2").replace(
        "{ready}", "touch /tmp/ready;" if ready else "")
    data = dockerfile.encode()
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        info = tarfile.TarInfo("Dockerfile")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    buffer.seek(0)
    for event in docker_api.build(fileobj=buffer, custom_context=True, tag=tag, rm=True,
                                  decode=True):
        assert "error" not in event, event


def _clean(docker_api):
    owned = docker_api.containers(all=True, filters={"label": "io.dfwctl.playbook=webapp"})
    named = [c for name in NAMES
             for c in docker_api.containers(all=True, filters={"name": f"^/{name}$"})]
    for c in {c["Id"]: c for c in owned + named}.values():  # a replacement's temporary too
        docker_api.remove_container(c["Id"], force=True, v=True)
    for n in docker_api.networks(filters={"label": "io.dfwctl.playbook=webapp"}):
        docker_api.remove_network(n["Id"])
    for v in (docker_api.volumes(filters={"label": "io.dfwctl.playbook=webapp"}) or {}) \
            .get("Volumes") or []:
        docker_api.remove_volume(v["Name"], force=True)
    # the engine makes the volume itself (unowned) when a run's container starts after another
    # run removed it: under the lock, the playbook's name is this test's
    for v in (docker_api.volumes(filters={"name": "^webapp-db$"}) or {}).get("Volumes") or []:
        docker_api.remove_volume(v["Name"], force=True)
    for image in docker_api.images(all=True, filters={"label": "io.dfwctl.playbook=webapp"}):
        try:
            docker_api.remove_image(image["Id"], force=True)
        except Exception:  # noqa: BLE001 -- gone with an image it was a parent of
            pass


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def webapp(tmp_path, docker_api):
    """playbooks/webapp.yml and its context, copied where the test may edit them. Its names
    are the playbook's: one run of these tests at a time on the machine."""
    with one_at_a_time("webapp"):
        yield from _webapp(tmp_path, docker_api)


def _webapp(tmp_path, docker_api):
    _clean(docker_api)
    folder = tmp_path / "playbooks"
    folder.mkdir()
    for name in ("webapp.yml", "webapp.env", "webapp-app.env"):
        shutil.copy(ROOT / "playbooks" / name, folder / name)
    # a subnet of the test's own: the engine's default pools run out while other tests run
    book = folder / "webapp.yml"
    book.write_text(book.read_text().replace(
        "  webapp: {}", f"  webapp: {{subnet: {Project(tmp_path, docker_api).subnet()}}}"))
    shutil.copytree(ROOT / "playbooks" / "webapp", folder / "webapp")
    run = uuid.uuid4().hex[:12]  # tags of this run's own: other checkouts run this test too
    tags = {True: f"dfwctl-test/pg-standin:{run}", False: f"dfwctl-test/pg-broken:{run}"}
    for ready, tag in tags.items():
        _standin(docker_api, tag, ready)
    env = dict(os.environ, WEBAPP_DB_PASSWORD="test-only", WEBAPP_DB_IMAGE=tags[True],
               WEBAPP_PORT=str(_free_port()), DFWCTL_CACHE_DIR=str(tmp_path / "cache"),
               DFWCTL_LOCK_DIR=str(tmp_path / "locks"))
    yield folder, env, tags
    _clean(docker_api)
    for tag in tags.values():
        docker_api.remove_image(tag, force=True)


def _ids(docker_api):
    return {c["Names"][0].lstrip("/"): c["Id"]
            for c in docker_api.containers(all=True, filters={"label": "io.dfwctl.playbook=webapp"})}


def test_the_webapp_example(webapp, docker_api):
    folder, env, _ = webapp
    book = folder / "webapp.yml"
    plan = run_dfwctl("plan", book, env=env)
    assert plan.code == 0, plan
    assert "+ image \"webapp-webapp-app:latest\"" in plan.out
    assert "wait for container webapp-db to be healthy" in plan.out
    assert "test-only" not in plan.out  # the password is a secret

    applied = run_dfwctl("apply", "-y", "--wait", book, env=env)
    assert applied.code == 0, applied
    assert "waiting for webapp-db to be healthy" in applied.err
    ids = _ids(docker_api)
    db = docker_api.inspect_container(ids["webapp-db"])["State"]
    app = docker_api.inspect_container(ids["webapp-app"])["State"]
    healthy = [c["End"] for c in db["Health"]["Log"] if c["ExitCode"] == 0]
    assert healthy and min(healthy) <= app["StartedAt"]
    page = docker_api.exec_start(docker_api.exec_create(ids["webapp-app"],
                                                        ["cat", "/www/index.html"]))
    assert b"<h1>webapp</h1>" in page
    app_env = docker_api.inspect_container(ids["webapp-app"])["Config"]["Env"]
    assert {"DATABASE_URL=postgres://app:test-only@webapp-db:5432/app", "LOG_LEVEL=info"} \
        <= set(app_env)
    db_env = docker_api.inspect_container(ids["webapp-db"])["Config"]["Env"]
    assert {"POSTGRES_USER=app", "POSTGRES_PASSWORD=test-only"} <= set(db_env)
    assert "LOG_LEVEL=info" not in db_env
    assert run_dfwctl("plan", "--detailed-exitcode", book, env=env).code == 0

    settings = folder / "webapp-app.env"  # the app's env file: only the app is replaced
    settings.write_text(settings.read_text().replace("LOG_LEVEL=info", "LOG_LEVEL=debug"))
    plan = run_dfwctl("plan", "--detailed-exitcode", book, env=env)
    assert plan.code == 2, plan
    assert '~ env.LOG_LEVEL = "info" -> "debug"  # forces replacement' in plan.out
    assert "docker.container.webapp-db" not in plan.out and "test-only" not in plan.out
    assert run_dfwctl("apply", "-y", book, env=env).code == 0
    replaced = _ids(docker_api)
    assert replaced["webapp-db"] == ids["webapp-db"]
    assert replaced["webapp-app"] != ids["webapp-app"]
    ids = replaced

    (folder / "webapp" / "debug.log").write_text("ignored\n")  # .dockerignore: *.log
    assert run_dfwctl("plan", "--detailed-exitcode", book, env=env).code == 0

    site = folder / "webapp" / "site" / "index.html"
    site.write_text(site.read_text() + "<p>edited</p>\n")
    plan = run_dfwctl("plan", "--detailed-exitcode", book, env=env)
    assert plan.code == 2, plan
    assert "because 1 file of its build context changed: site/index.html" in plan.out
    assert "docker.container.webapp-app must be replaced" in plan.out
    assert "docker.container.webapp-db" not in plan.out
    assert run_dfwctl("apply", "-y", book, env=env).code == 0
    after = _ids(docker_api)
    assert after["webapp-db"] == ids["webapp-db"] and after["webapp-app"] != ids["webapp-app"]
    page = docker_api.exec_start(docker_api.exec_create(after["webapp-app"],
                                                        ["cat", "/www/index.html"]))
    assert b"<p>edited</p>" in page
    assert run_dfwctl("plan", "--detailed-exitcode", book, env=env).code == 0


def test_an_unhealthy_database_stops_the_app(webapp, docker_api):
    folder, env, tags = webapp
    env = dict(env, WEBAPP_DB_IMAGE=tags[False])
    book = folder / "webapp.yml"
    text = book.read_text().replace("retries: 15", "retries: 2").replace("start_period: 10s",
                                                                          "start_period: 1s")
    book.write_text(text)
    result = run_dfwctl("apply", "-y", book, env=env)
    assert result.code == 1, result
    assert "Error: docker.container.webapp-db: container webapp-db is not healthy: it is " \
           "unhealthy\n  its last health checks:" in result.out
    assert "    |   /tmp:5432 - no response" in result.out
    assert "Skipped: docker.container.webapp-app (docker.container.webapp-db failed)" \
        in result.out
    assert set(_ids(docker_api)) == {"webapp-db"}
