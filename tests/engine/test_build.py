"""Images built from a context on the real engine (the classic builder, offline: FROM the
local busybox image): what the Docker CLI sends is what dfwctl sends (fuzzed), a build that
converges, rebuilds when and only when the context, the Dockerfile, args or target change,
replaces only the containers of the rebuilt image, and a failed build that shows its step and
stops only what depends on it."""
from __future__ import annotations

import json
import os
import re

import pytest

from dfwctl.providers.docker.context import read_context
from tests.contexts import RULES, make_context, make_rule_case
from tests.dockercli import DockerCli
from tests.engine.project import sleeper

pytestmark = pytest.mark.engine

# The whole grammar, including what the SDK's matcher reads otherwise (upper case, [!x],
# exceptions on folders, escapes, dots).
PARTS = ("a", "b", "sub", "node_modules", "Docs", "x.log", "y.txt", "keep", "ab", "README.md",
         "c", "*", "?b", "*.log", "**", "a*", "[ab]", "[!a]", "*.MD", "D*", "a\\*", ".",
         "..")
EXCEPTIONS = ("x.log", "keep", "a", "sub", "Docs", "**/keep", "*.txt", "a/b", "sub/*")


@pytest.fixture(scope="module")
def cli(tmp_path_factory):
    if not DockerCli.available():
        pytest.fail("the docker CLI is not installed (scripts/testenv installs docker.io)",
                    pytrace=False)
    found = DockerCli(tmp_path_factory.mktemp("cli"))
    yield found
    found.close()


@pytest.mark.parametrize("seed", range(60))
def test_what_dfwctl_sends_is_what_docker_build_sends(cli, tmp_path, seed):
    root = make_context(1000 + seed, tmp_path, PARTS, EXCEPTIONS)
    sent = {e.path for e in read_context(root, "Dockerfile", use_cache=False).entries}
    assert sent == cli.sent(root)


@pytest.mark.parametrize("name", sorted(RULES))
def test_the_rules_are_the_cli_rules(cli, tmp_path, name):
    files, patterns, expected = RULES[name]
    assert cli.sent(make_rule_case(tmp_path / "context", files, patterns)) == set(expected)


def test_a_dockerfile_elsewhere_in_the_context_as_the_cli_sends_it(cli, tmp_path):
    root = make_rule_case(tmp_path / "context", ["app.py", "docker/"], ["*"])
    (root / "docker" / "app.Dockerfile").write_text("FROM busybox:latest\n")
    sent = {e.path for e in read_context(root, "docker/app.Dockerfile", use_cache=False).entries}
    assert sent == cli.sent(root, "docker/app.Dockerfile") == {".dockerignore",
                                                               "docker/app.Dockerfile"}


# Builds ---------------------------------------------------------------------------------------
DOCKERFILE = """\
ARG BASE=busybox:latest
FROM ${BASE} AS base
ARG GREETING=hello
COPY . /srv
RUN echo "$GREETING" > /greeting
FROM base AS final
RUN echo final > /stage
"""


def app_context(project):
    app = project.dir / "app"
    app.mkdir()
    (app / "Dockerfile").write_text(DOCKERFILE)
    (app / "index.html").write_text("<h1>one</h1>\n")
    (app / ".dockerignore").write_text("*.log\n")
    (app / "debug.log").write_text("noise\n")
    return app


def built_book(project, greeting="hi", target=None, command="[sleep, '3600']"):
    n = project.name
    extra = f"\n              target: {target}" if target else ""
    return project.write(f"""
        containers:
          {n}-app:
            build:
              context: app
              args: {{GREETING: {greeting}}}
              labels: {{org.example.team: web}}{extra}
            command: {command}
            stop_signal: SIGKILL
          {n}-side:
            image: busybox:latest
            command: [sleep, '3600']
            stop_signal: SIGKILL
        """)


def ids(project):
    return {name: c["Id"] for name, c in project.containers().items()}


def read(docker_api, container, path):
    out = docker_api.exec_start(docker_api.exec_create(container, ["cat", path]))
    return out.decode().strip()


def test_build_converges_and_rebuilds_only_when_its_inputs_change(project, docker_api,
                                                                  monkeypatch, tmp_path):
    monkeypatch.setitem(project.env, "DFWCTL_CACHE_DIR", str(tmp_path / "cache"))
    app = app_context(project)
    built_book(project)
    n = project.name
    image = f"{n}-{n}-app:latest"
    result = project.run("apply", "-y", project.path)
    assert result.code == 0, result
    assert "Step 4/10 : COPY . /srv" in result.err  # build output as progress, in a pipe
    labels = docker_api.inspect_image(image)["Config"]["Labels"]
    assert labels["org.example.team"] == "web" and labels["io.dfwctl.playbook"] == n
    record = json.loads(labels["io.dfwctl.build"])
    assert record["args"] == {"GREETING": "hi"} and record["dockerfile"] == "Dockerfile"
    first = ids(project)
    assert read(docker_api, first[f"{n}-app"], "/greeting") == "hi"
    assert read(docker_api, first[f"{n}-app"], "/srv/index.html") == "<h1>one</h1>"
    assert read(docker_api, first[f"{n}-app"], "/stage") == "final"
    assert project.run("plan", "--detailed-exitcode", project.path).code == 0

    (app / "debug.log").write_text("more noise\n")  # ignored
    os.utime(app / "index.html")  # touched, same content
    assert project.run("plan", "--detailed-exitcode", project.path).code == 0

    (app / "index.html").write_text("<h1>two</h1>\n")
    plan = project.run("plan", "--detailed-exitcode", project.path)
    assert plan.code == 2, plan
    assert "because 1 file of its build context changed: index.html" in plan.out
    assert f"image {image} will be built again" in plan.out
    assert f"docker.container.{n}-side" not in plan.out
    assert project.run("apply", "-y", project.path).code == 0
    second = ids(project)
    assert second[f"{n}-app"] != first[f"{n}-app"] and second[f"{n}-side"] == first[f"{n}-side"]
    assert read(docker_api, second[f"{n}-app"], "/srv/index.html") == "<h1>two</h1>"
    assert project.run("plan", "--detailed-exitcode", project.path).code == 0

    built_book(project, greeting="hello there")
    plan = project.run("plan", project.path)
    assert '~ build.args.GREETING = "hi" -> "hello there"' in plan.out, plan
    assert project.run("apply", "-y", project.path).code == 0
    assert read(docker_api, ids(project)[f"{n}-app"], "/greeting") == "hello there"

    built_book(project, greeting="hello there", target="base")
    plan = project.run("plan", project.path)
    assert '+ build.target = "base"' in plan.out, plan
    assert project.run("apply", "-y", project.path).code == 0
    third = ids(project)[f"{n}-app"]
    assert docker_api.exec_start(docker_api.exec_create(third, ["ls", "/stage"])).strip() \
        .endswith(b"No such file or directory")
    assert project.run("plan", "--detailed-exitcode", project.path).code == 0


def one_built(project, dockerfile, files=(), more=""):
    """A playbook of one container built from app/ (`dockerfile`, and `files` beside it), and
    `more` containers; the name of the image it builds."""
    app = project.dir / "app"
    app.mkdir()
    (app / "Dockerfile").write_text(dockerfile)
    for name in files:
        (app / name).write_text(name)
    n = project.name
    project.write(f"""
        containers:
          {n}-app:
            build: app
            command: [sleep, '3600']
            stop_signal: SIGKILL{more}
        """)
    return f"{n}-{n}-app:latest"


def test_an_image_built_again_from_the_same_inputs_keeps_the_container(project, docker_api):
    """The tag is gone (`docker rmi` of the tag while the container runs the image): the plan
    builds it and may replace the container; the same inputs give the same image (the
    engine's cache), so the container is kept."""
    image = one_built(project, "FROM busybox:latest\nCOPY used.txt /used.txt\n", ["used.txt"])
    n = project.name
    assert project.run("apply", "-y", project.path).code == 0
    before = ids(project)[f"{n}-app"]
    docker_api.remove_image(image, force=True)  # only the tag goes: a container runs it
    plan = project.run("plan", project.path)
    assert f"image {image} is not in the engine any more and will be built" in plan.out, plan
    assert "only if the built image is not the one the container runs" in plan.out
    result = project.run("apply", "-y", project.path)
    assert result.code == 0, result
    assert "kept: the pulled image is the one it runs" not in result.err
    assert "kept: the built image is the one it runs" in result.err
    assert ids(project)[f"{n}-app"] == before
    assert project.run("plan", "--detailed-exitcode", project.path).code == 0


def test_a_failed_build_shows_its_step_and_stops_only_what_needs_it(project, docker_api):
    n = project.name
    image = one_built(
        project, "FROM busybox:latest\nRUN echo preparing\nRUN echo cannot compile main.c && "
        "false\n", more=sleeper(f"{n}-web", f"depends_on: [{n}-app]") + sleeper(f"{n}-side"))
    result = project.run("apply", "-y", project.path)
    assert result.code == 1, result
    assert f"Error: docker.image.{image}: the build of image {image} failed at Step 3/5 : RUN " \
           "echo cannot compile main.c && false: The command '/bin/sh -c echo cannot compile " \
           "main.c && false' returned a non-zero code: 1" in result.out
    assert "    | cannot compile main.c" in result.out
    assert f"Skipped: docker.container.{n}-app (docker.image.{image} failed)" in result.out
    assert f"Skipped: docker.container.{n}-web (docker.container.{n}-app skipped)" in result.out
    assert set(project.containers()) == {f"{n}-side"}


def test_replace_builds_again_without_the_cache(project, docker_api):
    image = one_built(project, "FROM busybox:latest\nRUN date +%s%N > /built\n")
    n = project.name
    assert project.run("apply", "-y", project.path).code == 0
    before = ids(project)[f"{n}-app"]
    stamp = read(docker_api, before, "/built")
    result = project.run("apply", "-y", "--replace", f"docker.image.{image}", project.path)
    assert result.code == 0, result
    assert "without the build cache" in result.out
    after = ids(project)[f"{n}-app"]
    assert after != before and read(docker_api, after, "/built") != stamp


def test_a_noop_plan_with_a_build_makes_the_usual_five_calls(project, monkeypatch):
    from tests.engine.test_calls import _counted_plan

    one_built(project, "FROM busybox:latest\nCOPY . /srv\n", [f"file{i}.txt" for i in range(50)])
    assert project.run("apply", "-y", project.path).code == 0
    plan, calls = _counted_plan(project.path, monkeypatch)
    assert not plan.has_changes
    assert sorted(re.sub(r"^GET /v[0-9.]+/", "GET /", c) for c in calls) == [
        "GET /containers/json", "GET /images/json", "GET /networks", "GET /version",
        "GET /volumes"], calls
