"""How dfwctl connects to an engine it names: a DOCKER_HOST form (TLS settings only for
tcp://), ssh:// through the ssh client, or a Docker context by name, read from the docker
CLI's own context store."""
from __future__ import annotations

import json

import pytest

from dfwctl.errors import DfwctlError, EngineUnreachableError, UnreachableError
from dfwctl.providers.docker.engine import Engine

TLS = {"tls": "a TLSConfig", "base_url": "from the environment"}


@pytest.mark.parametrize("endpoint, tls, ssh", [
    ("tcp://win10.lab:2376", "a TLSConfig", False),
    ("unix:///var/run/docker.sock", None, False),
    ("npipe:////./pipe/docker_engine", None, False),
    ("ssh://chicken@win10", None, True),
])
def test_each_address_form(endpoint, tls, ssh):
    options = Engine(endpoint).client_options(dict(TLS))
    assert options["base_url"] == endpoint
    assert options.get("tls") == tls
    assert options["use_ssh_client"] is ssh


def test_a_docker_context_by_name(tmp_path, monkeypatch):
    from docker.context import ContextAPI

    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path))
    (tmp_path / "config.json").write_text(json.dumps({}))
    ContextAPI.create_context("win10", host="ssh://chicken@win10")
    options = Engine("context:win10").client_options({})
    assert options == {"base_url": "ssh://chicken@win10:22", "tls": False, "use_ssh_client": True}
    with pytest.raises(DfwctlError, match="there is no Docker context named 'win11'"):
        Engine("context:win11").client_options({})


def test_an_engine_whose_machine_is_down_is_unreachable_before_any_connection():
    def down():
        raise EngineUnreachableError("VM WIN10 is off")

    engine = Engine("tcp://win10:2376", gate=down)
    with pytest.raises(UnreachableError, match="VM WIN10 is off"):
        engine.api  # noqa: B018 -- connecting is the point
    assert engine.fresh().gate is down and engine.fresh().endpoint == "tcp://win10:2376"
