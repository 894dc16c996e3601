"""`dfwctl desktop show`, and the drive probe's pure part."""
from __future__ import annotations

import os

from dfwctl.providers.desktop.drives import probe, subst_target
from tests import paths
from tests.paths import ROOT
from tests.run import run_dfwctl

FIXTURES = paths.FIXTURES / "desktop"


def _env(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("DFWCTL_")}
    return {**env, "HOME": str(tmp_path), "PATH": str(tmp_path)}


def test_show_a_settings_file(tmp_path):
    shown = run_dfwctl("desktop", "show", "--settings-file",
                       FIXTURES / "store-4.35-settings-store.json", env=_env(tmp_path))
    assert shown.code == 0, shown
    assert shown.out == (
        f"settings file: {FIXTURES / 'store-4.35-settings-store.json'}\n"
        "  format: Docker Desktop 4.35+ settings-store.json (named by: --settings-file)\n"
        "  engine: hyperv\n  cpus: 4\n  memory: 4GiB\n  swap: 1GiB\n  disk: 64GiB\n"
        "  file_sharing: C:\\, D:\\Projects\n"
        "restart: no `docker desktop` command here (Docker Desktop 4.37 and later have one); "
        "restart Docker Desktop by hand after apply\n")


def test_show_the_file_a_playbook_names(tmp_path):
    shown = run_dfwctl("desktop", "show", ROOT / "playbooks" / "shared-drive.yml",
                       env=_env(tmp_path), cwd=tmp_path)
    assert shown.code == 0, shown
    assert "shared-drive.settings-store.json" in shown.out
    assert "(named by: docker_desktop.settings_file)" in shown.out


def test_show_without_docker_desktop(tmp_path):
    shown = run_dfwctl("desktop", "show", env=_env(tmp_path))
    assert shown.code == 1 and shown.out == ""
    assert shown.err.startswith("Error: Docker Desktop's settings file was not found (looked "
                                "for ")
    assert "hint: start Docker Desktop once, or name the file with --settings-file" in shown.err


def test_subst_target():
    assert subst_target(r"\??\C:\work\long") == r"C:\work\long"
    assert subst_target(r"\Device\HarddiskVolume3") is None
    assert subst_target(r"\Device\LanmanRedirector\;Z:0\server\share") is None


def test_drives_are_probed_on_windows_only():
    assert probe(["C", "d"], platform="linux") == {}


def test_show_reads_a_playbook_that_needs_a_profile_to_plan(tmp_path):
    """desktop show acts on no container: a playbook whose always-on container needs one of
    a profile (which plan refuses without --profile) names its settings file all the same."""
    settings = tmp_path / "settings-store.json"
    settings.write_bytes((FIXTURES / "store-4.35-settings-store.json").read_bytes())
    playbook = tmp_path / "p.yml"
    playbook.write_text(
        "version: 1\nname: p\ndocker_desktop:\n  settings_file: settings-store.json\n"
        "containers:\n  web: {image: nginx:1.27, depends_on: [db]}\n"
        "  db: {image: postgres:16, profiles: [data]}\n", encoding="utf-8")
    shown = run_dfwctl("desktop", "show", playbook, env=_env(tmp_path), cwd=tmp_path)
    assert shown.code == 0, shown
    assert shown.out.startswith(f"settings file: {settings}\n")
    assert "(named by: docker_desktop.settings_file)" in shown.out
    refused = run_dfwctl("validate", playbook, env=_env(tmp_path), cwd=tmp_path)
    assert refused.code == 1 and "web depends on db, which is in no selected profile" \
        in refused.err, refused
