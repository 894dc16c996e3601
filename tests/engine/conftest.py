"""Engine tests talk to a real Docker Engine (DOCKER_HOST). Without one they are skipped with
the reason, so a bare `pytest` runs the unit tests anywhere; `make test` starts the engine
(scripts/testenv) and sets DFWCTL_REQUIRE_ENGINE=1, which turns a missing engine into a
failure. Every object a test creates is removed afterwards."""
from __future__ import annotations

import os

import pytest

from tests.engine.project import Project

REQUIRED = "DFWCTL_REQUIRE_ENGINE"


def _endpoint() -> str:
    return os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock")


@pytest.fixture(scope="session")
def docker_api():
    import docker

    try:
        client = docker.APIClient(base_url=_endpoint(), version="auto", timeout=120)
    except docker.errors.DockerException as exc:
        reason = (f"no Docker Engine at {_endpoint()} ({exc}); `make test` starts one "
                  "(scripts/testenv up)")
        if os.environ.get(REQUIRED) == "1":
            pytest.fail(reason, pytrace=False)
        pytest.skip(f"engine test: {reason}")
    yield client
    client.close()


@pytest.fixture(autouse=True)
def _engine(request, docker_api):
    """Every engine test needs the engine, whether or not it uses docker_api itself."""
    assert request.node.get_closest_marker("engine"), \
        f"{request.node.nodeid} is in tests/engine but not marked `engine`"


@pytest.fixture(scope="session")
def registry():
    value = os.environ.get("DFWCTL_TEST_REGISTRY")
    if not value:
        pytest.fail("DFWCTL_TEST_REGISTRY is not set; run the tests with `make test`",
                    pytrace=False)
    return value


@pytest.fixture
def project(tmp_path, docker_api):
    proj = Project(tmp_path, docker_api)
    yield proj
    proj.cleanup()
