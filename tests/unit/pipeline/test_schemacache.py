"""The schema pass is skipped only for a tree the schema accepted before."""
from __future__ import annotations

import pytest

from dfwctl import schema_messages, schemacache
from dfwctl.errors import PlaybookError
from dfwctl.pipeline import load_playbook

PLAYBOOK = "version: 1\nname: cache\ncontainers:\n  web:\n    image: busybox\n    env: {A: '${A:-1}'}\n"


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("DFWCTL_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("DFWCTL_NO_CACHE", raising=False)
    calls = []
    real = schema_messages.problems
    monkeypatch.setattr("dfwctl.validate.problems", lambda data: calls.append(1) or real(data))
    return calls


def _write(tmp_path, text=PLAYBOOK):
    path = tmp_path / "p.yml"
    path.write_text(text)
    return path


def test_an_accepted_tree_skips_the_schema_pass_next_time(tmp_path, cache):
    path = _write(tmp_path)
    first = load_playbook(path, environ={}, use_cache=True)
    second = load_playbook(path, environ={}, use_cache=True)
    assert len(cache) == 1
    assert first.desired == second.desired


def test_the_key_is_the_tree_after_interpolation(tmp_path, cache):
    path = _write(tmp_path)
    load_playbook(path, environ={}, use_cache=True)
    load_playbook(path, environ={"A": "2"}, use_cache=True)
    assert len(cache) == 2


def test_a_tree_with_errors_is_never_remembered(tmp_path, cache):
    path = _write(tmp_path, PLAYBOOK.replace("image: busybox", "image: busybox\n    pull: sometimes"))
    for _ in range(2):
        with pytest.raises(PlaybookError, match="must be one of: missing, always, never"):
            load_playbook(path, environ={}, use_cache=True)
    assert len(cache) >= 2
    assert not list((tmp_path / "cache").rglob("*")) or not any(
        p.is_file() for p in (tmp_path / "cache").rglob("*"))


def test_without_use_cache_or_with_no_cache_the_schema_always_runs(tmp_path, cache, monkeypatch):
    path = _write(tmp_path)
    load_playbook(path, environ={})
    load_playbook(path, environ={})
    assert len(cache) == 2
    monkeypatch.setenv("DFWCTL_NO_CACHE", "1")
    load_playbook(path, environ={}, use_cache=True)
    load_playbook(path, environ={}, use_cache=True)
    assert len(cache) == 4
    assert schemacache.cache_dir() is None
