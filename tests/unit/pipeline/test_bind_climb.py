"""A relative bind mount is resolved against the playbook's folder; one that climbs out of it
(../../..) says where it lands, so a playbook cannot mount the host's /etc without a word."""
from __future__ import annotations

import pytest

from dfwctl.errors import PlaybookError
from dfwctl.pipeline import load_playbook


def _warnings(tmp_path, source):
    folder = tmp_path / "project" / "deploy"
    folder.mkdir(parents=True)
    path = folder / "p.yml"
    path.write_text("version: 1\nname: climb\ncontainers:\n  web:\n    image: busybox\n"
                    f"    mounts: ['{source}:/data']\n")
    return [str(w) for w in load_playbook(path, environ={}).warnings]


def test_a_bind_that_climbs_out_of_the_playbook_folder_says_where_it_lands(tmp_path):
    depth = len((tmp_path / "project" / "deploy").parts) - 1
    (warning,) = _warnings(tmp_path, "../" * depth + "etc")
    assert warning.startswith(str(tmp_path / "project" / "deploy" / "p.yml") + ":6:14: warning: "
                              "containers.web.mounts[0]: ")
    assert "leaves the playbook's folder" in warning and "mounts /etc" in warning


def test_binds_inside_the_playbook_folder_are_quiet(tmp_path):
    assert _warnings(tmp_path, "./data") == []
    assert _warnings(tmp_path / "b", "./a/../data") == []


def test_a_source_no_disk_could_hold_is_judged_by_its_text(tmp_path):
    # the check reads no disk: a symlink loop on the way, or a NUL, never makes it fail
    folder = tmp_path / "project" / "deploy"
    folder.mkdir(parents=True)
    (folder / "l1").symlink_to(folder / "l2")
    (folder / "l2").symlink_to(folder / "l1")
    path = folder / "p.yml"
    path.write_text("version: 1\nname: climb\ncontainers:\n  web:\n    image: busybox\n"
                    "    mounts: ['./l1/x:/data']\n")
    assert load_playbook(path, environ={}).warnings == ()
    path.write_text("version: 1\nname: climb\ncontainers:\n  web:\n    image: busybox\n"
                    '    mounts: ["../../../a\\0b:/data"]\n')
    with pytest.raises(PlaybookError, match="in the playbook") as raised:
        load_playbook(path, environ={})
    assert any("NUL" in d.message for d in raised.value.diagnostics)
