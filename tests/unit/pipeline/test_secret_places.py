"""Secrets stay secret: masked in every message, validation errors included, and refused where
anyone who can list containers reads them (labels, image references, the playbook's name, which
becomes a label), with the field and what to do instead."""
from __future__ import annotations

import pytest

from dfwctl.errors import PlaybookError
from dfwctl.pipeline import load_playbook
from tests.run import run_dfwctl

SECRET = "s3cr3t-Tok3n-4411"
HEAD = "version: 1\nname: leaks\nsecrets: [TOKEN]\n"


def _refused(tmp_path, body):
    path = tmp_path / "p.yml"
    path.write_text(HEAD + body)
    with pytest.raises(PlaybookError, match="in the playbook") as raised:
        load_playbook(path, environ={"TOKEN": SECRET})
    return raised.value


def test_a_secret_in_a_value_validation_refuses_is_masked_in_the_message(tmp_path):
    error = _refused(tmp_path, "containers:\n  web:\n    image: busybox\n    memory: '${TOKEN}'\n")
    assert SECRET not in str(error)
    assert "(sensitive value)" in str(error)
    assert "containers.web.memory" in str(error)


def test_the_validate_command_never_prints_a_secret(tmp_path):
    path = tmp_path / "p.yml"
    path.write_text(HEAD + "containers:\n  web:\n    image: busybox\n    memory: '${TOKEN}'\n"
                           "    cpus: '${TOKEN}'\n")
    import os

    for command in (("validate",), ("plan",)):
        result = run_dfwctl(*command, path, env=dict(os.environ, TOKEN=SECRET))
        assert result.code == 1, result
        assert SECRET not in result.out + result.err


@pytest.mark.parametrize("body, where", [
    ("containers:\n  web:\n    image: busybox\n    labels: {token: 'x-${TOKEN}'}\n",
     "7:21: containers.web.labels.token"),
    ("networks:\n  net:\n    labels: {token: '${TOKEN}'}\n", "6:21: networks.net.labels.token"),
    ("volumes:\n  vol:\n    labels: {token: '${TOKEN}'}\n", "6:21: volumes.vol.labels.token"),
    ("containers:\n  web:\n    image: 'registry.example/${TOKEN}/app:1'\n",
     "6:12: containers.web.image"),
])
def test_a_secret_where_anyone_who_lists_containers_reads_it_is_refused(tmp_path, body, where):
    error = _refused(tmp_path, body)
    (diagnostic,) = [d for d in error.diagnostics if d.is_error]
    assert f"{diagnostic.line}:{diagnostic.col}: {diagnostic.path}" == where
    assert "anyone who can list" in diagnostic.message and "env" in diagnostic.message
    assert SECRET not in str(error)


def test_a_secret_in_a_command_is_a_warning(tmp_path):
    path = tmp_path / "p.yml"
    path.write_text(HEAD + "containers:\n  web:\n    image: busybox\n"
                           "    command: [sh, -c, 'login ${TOKEN}']\n")
    loaded = load_playbook(path, environ={"TOKEN": SECRET})
    (warning,) = loaded.warnings
    assert warning.path == "containers.web.command[2]"
    assert "docker ps" in warning.message
