"""`dfwctl validate --profile`: every container's settings are checked, selected or not; what
depends on what is checked for the profiles selected, none without --profile (as `docker
compose config` does), and validate, plan and apply give the same answer for the same
profiles."""
from __future__ import annotations

import os
import textwrap

import pytest

from tests.run import run_dfwctl

PLAYBOOK = """\
    version: 1
    name: layered
    containers:
      web:
        image: nginx:1.27
        depends_on: [db]
      db:
        image: postgres:16
        profiles: [data]
      shell:
        image: busybox:latest
        profiles: [tools]
        depends_on:
          cache: {required: false}
      cache:
        image: redis:7
        profiles: [cache]
    """
NEEDS_DATA = ("p.yml:6:18: containers.web.depends_on[0]: web depends on db, which is in no "
              "selected profile: add --profile data, or make the dependency required: false")


def env(**more):
    found = {k: v for k, v in os.environ.items() if k != "DFWCTL_PROFILES"}
    # no engine is needed: each refusal here comes before plan or apply reads one
    return dict(found, DOCKER_HOST="unix:///nonexistent/docker.sock", **more)


@pytest.fixture
def playbook(tmp_path):
    path = tmp_path / "p.yml"
    path.write_text(textwrap.dedent(PLAYBOOK), encoding="utf-8")
    return path


def validate(playbook, *args, **more):
    return run_dfwctl("validate", *args, playbook.name, env=env(**more), cwd=playbook.parent)


def test_without_a_profile_a_container_of_none_may_not_need_one_of_a_profile(playbook):
    result = validate(playbook)
    assert result.code == 1
    assert result.err.splitlines()[0] == NEEDS_DATA


@pytest.mark.parametrize("selected", [["--profile", "data"], ["--profile", "*"],
                                      ["--profile", "tools,data"],
                                      ["--profile", "tools", "--profile", "data"]])
def test_with_the_profile_it_needs_the_playbook_is_valid(playbook, selected):
    result = validate(playbook, *selected)
    assert result.code == 0, result
    assert result.out == "p.yml: valid\n"


def test_the_profiles_may_come_from_the_environment(playbook):
    assert validate(playbook, DFWCTL_PROFILES="data").code == 0
    assert validate(playbook, DFWCTL_PROFILES="tools").code == 1


def test_a_selected_container_with_an_optional_dependency_off_is_valid(playbook):
    result = validate(playbook, "--profile", "tools", "--profile", "data")
    assert result.code == 0, result
    still = validate(playbook, "--profile", "tools")
    assert still.err.splitlines()[0] == NEEDS_DATA  # web is always on: it still needs db


def test_an_unknown_profile_is_refused(playbook):
    result = validate(playbook, "--profile", "dtaa")
    assert result.code == 1
    assert "Error: --profile dtaa: no container in p.yml has this profile" in result.err
    assert "its profiles: cache, data, tools" in result.err


def test_a_container_of_an_unselected_profile_is_still_checked(playbook):
    playbook.write_text(playbook.read_text().replace("image: redis:7", "image: redis:7\n"
                                                     "    memory: lots"), encoding="utf-8")
    result = validate(playbook, "--profile", "data")
    assert result.code == 1
    assert result.err.startswith("p.yml:17:13: containers.cache.memory: ")


@pytest.mark.parametrize("selected", [[], ["--profile", "tools"], ["--profile", "dtaa"]])
@pytest.mark.parametrize("command", [["plan"], ["apply", "--auto-approve"]])
def test_plan_and_apply_give_validates_answer_for_the_same_profiles(playbook, selected,
                                                                     command):
    validated = validate(playbook, *selected)
    ran = run_dfwctl(*command, *selected, playbook.name, env=env(), cwd=playbook.parent)
    assert validated.code == ran.code == 1
    # the same problems, word for word (plan and apply say "Error: " before the first)
    assert ran.err.removeprefix("Error: ") == validated.err.removeprefix("Error: ")
    assert NEEDS_DATA in ran.err or "--profile dtaa: no container" in ran.err
