"""The model stage (dfwctl/desired.py): what a playbook's digest follows, where its relative
paths resolve, and a secret file that went away between validation and the model."""
from __future__ import annotations

import pytest

from dfwctl.desired import build
from dfwctl.errors import DfwctlError


def _lab(off: str):
    """`web` always on, one more container only in the `debug` profile."""
    return {"version": 1, "name": "lab",
            "containers": {"web": {"image": "busybox"},
                           off: {"image": "busybox", "profiles": ["debug"]}}}


def test_digest_follows_the_names_of_containers_outside_the_selected_profiles(tmp_path):
    """A plan saved with `debug` off keeps the engine's container `debug`; after a rename to
    `trace` the playbook would remove it as an orphan, so the saved plan must be stale."""
    first = build(_lab("debug"), tmp_path, inactive=frozenset({"debug"}))
    renamed = build(_lab("trace"), tmp_path, inactive=frozenset({"trace"}))
    assert first.docker.containers.keys() == renamed.docker.containers.keys() == {"web"}
    assert first.digest() != renamed.digest()
    assert build(_lab("debug"), tmp_path, inactive=frozenset({"debug"})).digest() == first.digest()


def test_relative_paths_resolve_in_the_playbooks_folder(tmp_path):
    assert build({"version": 1, "name": "lab"}, tmp_path).directory == tmp_path


def test_a_secret_file_gone_after_validation_is_an_error_that_names_it(tmp_path):
    data = {"version": 1, "name": "lab", "secrets": {"pw": {"file": "./pw.txt"}},
            "containers": {"db": {"image": "busybox", "secrets": ["pw"]}}}
    with pytest.raises(DfwctlError,
                       match=r"^secret file \./pw\.txt \(.*pw\.txt\) does not exist: create it"):
        build(data, tmp_path)
