"""Loading: the fast path (C parser, no positions) and the positioned path agree."""
from __future__ import annotations

from pathlib import Path

import pytest

from dfwctl.errors import PlaybookError
from dfwctl.load import load, parse, parse_fast
from dfwctl.pipeline import load_playbook
from dfwctl.tree import plain
from tests import paths

EXAMPLES = paths.EXAMPLES
PLAYBOOKS = sorted(paths.PLAYBOOKS.glob("*.yml"))


@pytest.mark.parametrize("path", sorted((EXAMPLES / "valid").glob("*.yml")) + PLAYBOOKS,
                         ids=lambda p: p.name)
def test_fast_and_positioned_parsers_read_the_same_data(path):
    text = path.read_text(encoding="utf-8")
    fast = parse_fast(text, path)  # falls back to the positioned parser where libyaml differs
    slow = parse(text, path)
    assert slow.has_positions
    assert plain(fast.data) == plain(slow.data)


def test_flow_scalars_with_colons_fall_back_to_the_positioned_parser():
    doc = parse_fast("mounts: [data:/data, 'b:/c']\n", Path("p.yml"))
    assert doc.has_positions  # libyaml refuses `data:/data` in a flow sequence; YAML 1.2 allows it
    assert plain(doc.data) == {"mounts": ["data:/data", "b:/c"]}


def test_fast_path_keeps_yaml_1_2_and_strings():
    doc = parse_fast("a: 2024-01-01\nb: yes\nc: 1.10\nd: 0o17\n", Path("p.yml"))
    assert doc.data == {"a": "2024-01-01", "b": "yes", "c": 1.1, "d": 15}


def test_duplicate_keys_take_the_positioned_path_and_are_all_reported():
    with pytest.raises(PlaybookError) as raised:
        parse_fast("a: 1\na: 2\nb:\n  c: 1\n  c: 2\n", Path("p.yml"))
    assert [(d.line, d.col, d.path) for d in raised.value.diagnostics] == [
        (2, 1, "a"), (5, 3, "b.c")]


def test_syntax_error_has_a_position():
    with pytest.raises(PlaybookError) as raised:
        parse_fast("a: [1,\n", Path("p.yml"))
    (diag,) = raised.value.diagnostics
    assert (diag.line, diag.col) == (2, 1)
    assert diag.message.startswith("YAML syntax error:")


def test_round_trip_of_a_fast_document_has_positions():
    doc = parse_fast("version: 1\nname: x\ncontainers:\n  a:\n    image: b\n", Path("p.yml"))
    rt = doc.round_trip()
    assert rt.has_positions and rt.round_trip() is rt
    assert rt.position(("containers", "a", "image")) == (5, 12)


def test_errors_found_on_the_fast_path_carry_positions(tmp_path):
    path = tmp_path / "p.yml"
    path.write_text("version: 1\nname: x\ncontainers:\n  web:\n    imgae: busybox\n")
    with pytest.raises(PlaybookError) as raised:
        load_playbook(path, environ={})
    assert str(raised.value).splitlines()[0] == (
        f"{path}:5:5: containers.web.imgae: unknown key 'imgae'; did you mean 'image'?")


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(Exception) as raised:
        load(tmp_path / "nope.yml")
    assert "no such file" in str(raised.value)


@pytest.mark.parametrize("char, where", [("\x00", "2:9"), ("\x07", "2:9"), ("\x1b", "2:9")])
def test_a_character_yaml_forbids_is_a_positioned_error_on_both_paths(char, where):
    text = f"version: 1\nname: ab{char}c\n"
    for parser in (parse_fast, parse):
        with pytest.raises(PlaybookError) as raised:
            parser(text, Path("p.yml"))
        (diagnostic,) = raised.value.diagnostics
        assert f"{diagnostic.line}:{diagnostic.col}" == where
        assert f"U+{ord(char):04X}" in diagnostic.message


def test_a_key_that_is_a_list_or_mapping_is_a_positioned_error():
    with pytest.raises(PlaybookError) as raised:
        parse_fast("version: 1\ncontainers:\n  ? {a: [b]}\n  : 1\n  [x]: 2\n", Path("p.yml"))
    found = [(d.line, d.col, d.path) for d in raised.value.diagnostics]
    assert found == [(3, 5, "containers"), (5, 3, "containers")]
    assert "a key must be a plain value" in raised.value.diagnostics[0].message
