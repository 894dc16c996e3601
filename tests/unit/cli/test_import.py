"""`dfwctl import compose` through the command line: the playbook written and validated, the
warnings and errors on stderr with their positions, no traceback, nothing overwritten."""
from __future__ import annotations

import os

from tests.paths import ROOT
from tests.run import run_dfwctl

SHOP = ROOT / "tests" / "compose" / "shop"


def env(**more):
    return dict(os.environ, **more)


def test_import_writes_a_playbook_that_validates(tmp_path):
    out = tmp_path / "shop.yml"
    result = run_dfwctl("import", "compose", "--profile", "cache", "-o", out,
                        SHOP / "compose.yaml", SHOP / "compose.override.yaml",
                        env=env(BACK_SUBNET="10.200.1.0/24"), cwd=tmp_path)
    assert result.code == 0, result
    assert result.err.splitlines()[-1] == (
        f"{out}: playbook shop, 3 containers; not selected by a profile: debug")
    text = out.read_text(encoding="utf-8")
    assert "    env_file: [" in text  # the files stay files
    assert "name: shop\n" in text and "shop-cache:" in text and "shop-debug" not in text
    assert "    build:\n      context: " in text
    assert run_dfwctl("validate", out, env=env(), cwd=tmp_path).code == 0


def test_a_compose_error_is_positioned_without_a_traceback(tmp_path):
    (tmp_path / "compose.yaml").write_text("services:\n  app:\n    image: [\n",
                                           encoding="utf-8")
    result = run_dfwctl("import", "compose", "-o", "-", cwd=tmp_path)
    assert result.code == 1, result
    assert "Traceback" not in result.err
    assert result.err.startswith(f"Error: {tmp_path / 'compose.yaml'}:4:1: YAML syntax error")
    assert result.out == ""


def test_an_existing_playbook_is_not_overwritten_without_force(tmp_path):
    (tmp_path / "compose.yaml").write_text("services:\n  app: {image: busybox}\n",
                                           encoding="utf-8")
    (tmp_path / "playbook.yml").write_text("# mine\n", encoding="utf-8")
    result = run_dfwctl("import", "compose", cwd=tmp_path)
    assert result.code == 1
    assert "playbook.yml: already exists" in result.err
    assert (tmp_path / "playbook.yml").read_text(encoding="utf-8") == "# mine\n"
    forced = run_dfwctl("import", "compose", "--force", "-p", "mine", cwd=tmp_path)
    assert forced.code == 0, forced
    assert "mine-app:" in (tmp_path / "playbook.yml").read_text(encoding="utf-8")


def test_no_compose_file_says_which_names_were_looked_for(tmp_path):
    result = run_dfwctl("import", "compose", "-o", "-", cwd=tmp_path)
    assert result.code == 1
    assert "no compose file in" in result.err and "compose.yaml, compose.yml" in result.err


def test_values_the_playbook_refuses_are_shown_at_their_compose_keys(tmp_path):
    (tmp_path / "compose.yaml").write_text(
        "services:\n  app:\n    image: busybox\n    restart: sometimes\n", encoding="utf-8")
    result = run_dfwctl("import", "compose", "-p", "p", cwd=tmp_path)
    assert result.code == 1, result
    assert result.err.splitlines()[0] == (
        f"Error: {tmp_path / 'compose.yaml'}:4:5: containers.p-app.restart: must be one of: no, "
        "always, unless-stopped, on-failure[:N] (got 'sometimes')")
    assert not (tmp_path / "playbook.yml").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["compose.yaml"]  # no scratch file left
