"""The YAML parser is skipped only for the exact text of a playbook that proved valid."""
from __future__ import annotations

import pytest

from dfwctl import load as load_module
from dfwctl import parsecache
from dfwctl.errors import PlaybookError
from dfwctl.pipeline import load_playbook

PLAYBOOK = "version: 1\nname: cache\ncontainers:\n  web:\n    image: busybox\n    env: {A: '${A:-1}'}\n"


@pytest.fixture
def parses(tmp_path, monkeypatch):
    """Counts the fast parses; the cache lives in the test's folder."""
    monkeypatch.setenv("DFWCTL_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("DFWCTL_NO_CACHE", raising=False)
    calls = []
    real = load_module.parse_fast
    monkeypatch.setattr(load_module, "parse_fast", lambda *a, **k: calls.append(1) or real(*a, **k))
    return calls


def _write(tmp_path, text=PLAYBOOK):
    path = tmp_path / "p.yml"
    path.write_text(text)
    return path


def _entries(tmp_path):
    folder = tmp_path / "cache" / "parsed"
    return sorted(folder.iterdir()) if folder.exists() else []


def test_a_valid_playbook_is_parsed_once_and_gives_the_same_model(tmp_path, parses):
    path = _write(tmp_path)
    first = load_playbook(path, environ={"A": "7"}, use_cache=True)
    second = load_playbook(path, environ={"A": "7"}, use_cache=True)
    assert len(parses) == 1
    assert first.desired == second.desired
    assert second.desired.docker.containers["web"].env == (("A", "7"),)


def test_interpolation_runs_on_every_load_and_does_not_leak_into_the_cache(tmp_path, parses):
    path = _write(tmp_path)
    load_playbook(path, environ={"A": "7"}, use_cache=True)
    later = load_playbook(path, environ={"A": "8"}, use_cache=True)
    assert len(parses) == 1
    assert later.desired.docker.containers["web"].env == (("A", "8"),)


def test_an_edit_is_a_new_key(tmp_path, parses):
    path = _write(tmp_path)
    load_playbook(path, environ={}, use_cache=True)
    path.write_text(PLAYBOOK.replace("busybox", "busybox:1.36"))
    edited = load_playbook(path, environ={}, use_cache=True)
    assert len(parses) == 2
    assert edited.desired.docker.containers["web"].image == "busybox:1.36"


def test_an_invalid_playbook_is_never_stored(tmp_path, parses):
    path = _write(tmp_path, PLAYBOOK.replace("image: busybox", "image: busybox\n    pull: sometimes"))
    for _ in range(2):
        with pytest.raises(PlaybookError, match="must be one of"):
            load_playbook(path, environ={}, use_cache=True)
    assert len(parses) == 2
    assert _entries(tmp_path) == []


def test_without_use_cache_or_with_no_cache_the_parser_always_runs(tmp_path, parses, monkeypatch):
    path = _write(tmp_path)
    load_playbook(path, environ={})
    load_playbook(path, environ={})
    assert len(parses) == 2 and _entries(tmp_path) == []
    monkeypatch.setenv("DFWCTL_NO_CACHE", "1")
    load_playbook(path, environ={}, use_cache=True)
    load_playbook(path, environ={}, use_cache=True)
    assert len(parses) == 4


def test_a_damaged_entry_is_parsed_again(tmp_path, parses):
    path = _write(tmp_path)
    load_playbook(path, environ={}, use_cache=True)
    (entry,) = _entries(tmp_path)
    entry.write_text('{"version": 1, "na')
    again = load_playbook(path, environ={}, use_cache=True)
    assert len(parses) == 2
    assert again.desired.name == "cache"


@pytest.mark.parametrize("tree", [
    {1: "a"},                       # a key JSON would turn into "1"
    {"a": float("nan")},            # not JSON
    {"a": {None: 1}},               # a key JSON would turn into "null"
    {"when": __import__("datetime").date(2024, 1, 1)},
])
def test_only_trees_json_keeps_exactly_are_encoded(tree):
    assert parsecache.encode(tree) is None


def test_plain_trees_are_encoded_with_order_and_types():
    tree = {"b": [1, 2.5, True, None], "a": "é"}
    encoded = parsecache.encode(tree)
    assert encoded is not None
    assert list(__import__("json").loads(encoded)) == ["b", "a"]


def test_the_oldest_entries_go_beyond_the_limit(tmp_path, monkeypatch):
    monkeypatch.setenv("DFWCTL_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(parsecache, "KEEP", 3)
    for i in range(5):
        parsecache.remember(f"text {i}", f'{{"i": {i}}}')
    kept = [parsecache.lookup(f"text {i}") for i in range(5)]
    assert kept[:2] == [None, None]
    assert kept[2:] == [{"i": 2}, {"i": 3}, {"i": 4}]


# faults: the cache is a shortcut, so a damaged, hostile or missing cache may cost a parse,
# never change a playbook or fail a run --------------------------------------------------------
def _stored(tmp_path, parses):
    path = _write(tmp_path)
    load_playbook(path, environ={}, use_cache=True)
    (entry,) = _entries(tmp_path)
    return path, entry


def test_an_entry_changed_on_disk_is_never_taken_for_the_playbook(tmp_path, parses):
    path, entry = _stored(tmp_path, parses)
    entry.write_text(entry.read_text().replace("busybox", "evil:1"))
    again = load_playbook(path, environ={}, use_cache=True)
    assert again.desired.docker.containers["web"].image == "busybox:latest"
    assert len(parses) == 2


@pytest.mark.parametrize("payload", [
    "[" * 100_000 + "]" * 100_000,  # the JSON decoder recurses: RecursionError
    "[]", "42", '"text"', "null", "\x00\x01", "{\"version\": 1, \"name\": ",
])
def test_a_hostile_entry_is_a_miss(tmp_path, parses, payload):
    path, entry = _stored(tmp_path, parses)
    entry.write_text(payload)  # nothing of the original entry is left
    assert parsecache.lookup(PLAYBOOK) is None
    again = load_playbook(path, environ={}, use_cache=True)
    assert again.desired.name == "cache" and len(parses) == 2


def test_an_entry_that_cannot_be_read_is_a_miss(tmp_path, parses):
    path, entry = _stored(tmp_path, parses)
    entry.unlink()
    entry.mkdir()  # a folder where the entry was: reading it fails
    again = load_playbook(path, environ={}, use_cache=True)
    assert again.desired.name == "cache" and len(parses) == 2


def test_a_cache_folder_that_cannot_be_written_costs_nothing_but_time(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("DFWCTL_CACHE_DIR", str(blocker))
    monkeypatch.delenv("DFWCTL_NO_CACHE", raising=False)
    path = _write(tmp_path)
    for _ in range(2):
        assert load_playbook(path, environ={}, use_cache=True).desired.name == "cache"


def test_a_stored_tree_beyond_the_bounds_is_not_used(tmp_path, parses):
    path = _write(tmp_path)
    deep = "{\"version\": 1, \"name\": \"cache\", \"x\": " + "[" * 100 + "]" * 100 + "}"
    parsecache.remember(PLAYBOOK, deep)  # as if stored for this text
    loaded = load_playbook(path, environ={}, use_cache=True)
    assert loaded.desired.docker.containers["web"].image == "busybox:latest"
    assert len(parses) == 1
