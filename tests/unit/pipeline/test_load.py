"""Loading: the fast path (C parser, no positions) and the positioned path agree."""
from __future__ import annotations

from pathlib import Path

import pytest

from dfwctl import load as load_module
from dfwctl.errors import DfwctlError, PlaybookError
from dfwctl.load import Sources, format_path, load, parse, parse_fast
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
    with pytest.raises(PlaybookError,
                       match=r"p\.yml:2:1: a: duplicate key 'a' \(first defined at line 1\);") as raised:
        parse_fast("a: 1\na: 2\nb:\n  c: 1\n  c: 2\n", Path("p.yml"))
    assert [(d.line, d.col, d.path) for d in raised.value.diagnostics] == [
        (2, 1, "a"), (5, 3, "b.c")]


def test_syntax_error_has_a_position():
    with pytest.raises(PlaybookError,
                       match=r"p\.yml:2:1: YAML syntax error: while parsing a flow node:") as raised:
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
    with pytest.raises(PlaybookError,
                       match=r"p\.yml:5:5: containers\.web\.imgae: unknown key 'imgae'") as raised:
        load_playbook(path, environ={})
    assert str(raised.value).splitlines()[0] == (
        f"{path}:5:5: containers.web.imgae: unknown key 'imgae'; did you mean 'image'?")


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(Exception, match=r"nope\.yml: no such file") as raised:
        load(tmp_path / "nope.yml")
    assert "no such file" in str(raised.value)


@pytest.mark.parametrize("char, where", [("\x00", "2:9"), ("\x07", "2:9"), ("\x1b", "2:9")])
def test_a_character_yaml_forbids_is_a_positioned_error_on_both_paths(char, where):
    text = f"version: 1\nname: ab{char}c\n"
    for parser in (parse_fast, parse):
        with pytest.raises(PlaybookError,
                           match=r"p\.yml:2:9: YAML does not allow the character U\+00") as raised:
            parser(text, Path("p.yml"))
        (diagnostic,) = raised.value.diagnostics
        assert f"{diagnostic.line}:{diagnostic.col}" == where
        assert f"U+{ord(char):04X}" in diagnostic.message


def test_a_key_that_is_a_list_or_mapping_is_a_positioned_error():
    with pytest.raises(PlaybookError,
                       match=r"p\.yml:3:5: containers: a key must be a plain value, not a") as raised:
        parse_fast("version: 1\ncontainers:\n  ? {a: [b]}\n  : 1\n  [x]: 2\n", Path("p.yml"))
    found = [(d.line, d.col, d.path) for d in raised.value.diagnostics]
    assert found == [(3, 5, "containers"), (5, 3, "containers")]
    assert "a key must be a plain value" in raised.value.diagnostics[0].message


# messages and positions, in full ---------------------------------------------------------
P = Path("p.yml")


def _diagnostics(parser, text, name=None):
    with pytest.raises(PlaybookError, match="in the playbook") as raised:
        parser(text, P, name)
    return [str(d) for d in raised.value.diagnostics]


@pytest.mark.parametrize("parser", [parse, parse_fast])
def test_syntax_errors_in_full_with_and_without_their_context(parser):
    assert _diagnostics(parser, "a: [1,\n") == [
        "p.yml:2:1: YAML syntax error: while parsing a flow node: expected the node content, "
        "but found '<stream end>'"]
    assert _diagnostics(parser, "version: 1\nname: a: b\n", "shown.yml") == [
        "shown.yml:2:8: YAML syntax error: mapping values are not allowed here"]


@pytest.mark.parametrize("parser", [parse, parse_fast])
@pytest.mark.parametrize("value, message", [
    ("!!int x", "'x' is tagged !!int but is not a whole number: remove the tag, or write a "
                "whole number"),
    ("!!int 0x", "'0x' is tagged !!int but is not a whole number: remove the tag, or write a "
                 "whole number"),
    ("!!float .x", "'.x' is tagged !!float but is not a number: remove the tag, or write a "
                   "number"),
    ("!!int ''", "'' is tagged !!int but is not a whole number: remove the tag, or write a "
                 "whole number"),
    ("!!float ''", "'' is tagged !!float but is not a number: remove the tag, or write a "
                   "number"),
    ("!!bool maybe", "'maybe' is tagged !!bool but is not true or false: remove the tag, or "
                     "write true or false"),
])
def test_a_value_its_tag_does_not_fit_is_a_positioned_error(parser, value, message):
    assert _diagnostics(parser, f"version: 1\nname: ab\ncpus: {value}\n") == [
        f"p.yml:3:7: YAML syntax error: {message}"]


@pytest.mark.parametrize("parser", [parse, parse_fast])
def test_values_that_fit_their_tags_are_read_as_tagged(parser):
    doc = parser("a: !!int '12'\nb: !!float 1\nc: !!bool true\nd: 0x1f\n", P)
    assert plain(doc.data) == {"a": 12, "b": 1.0, "c": True, "d": 31}


@pytest.mark.parametrize("parser", [parse, parse_fast])
def test_a_whole_number_of_100_digits_is_read_and_101_digits_are_refused_in_full(parser):
    hundred, too_long = "1" + "0" * 99, "1234567890" * 10 + "1"
    assert plain(parser(f"a: {hundred}\n", P).data) == {"a": 10 ** 99}
    assert _diagnostics(parser, f"version: 1\nmemory: {too_long}\n") == [
        "p.yml:2:9: the number 123456789012... (101 characters) is too large: whole numbers "
        "go up to 9223372036854775807 (64 bits)"]


@pytest.mark.parametrize("parser", [parse, parse_fast])
def test_duplicate_keys_in_full_at_any_depth(parser):
    assert _diagnostics(parser, "- a: 1\n  a: 2\n- b: [ {c: 1, c: 2} ]\n", "shown.yml") == [
        "shown.yml:2:3: [0].a: duplicate key 'a' (first defined at line 1); keep one of them",
        "shown.yml:3:15: [1].b[0].c: duplicate key 'c' (first defined at line 3); keep one "
        "of them"]


def test_a_key_that_is_not_plain_is_named_in_full():
    assert _diagnostics(parse, "top:\n  [x]: 2\n") == [
        "p.yml:2:3: top: a key must be a plain value, not a list or a mapping: write it as text"]


@pytest.mark.parametrize("parser", [parse, parse_fast])
def test_a_forbidden_character_in_full_at_its_line_and_column(parser):
    assert _diagnostics(parser, "version: 1\nname: ab\nx:\n  y: ab\x07c\n") == [
        "p.yml:4:8: YAML does not allow the character U+0007 (special characters are not "
        "allowed): remove it, or write it as an escape in a double-quoted string"]
    assert _diagnostics(parser, "\x1bx: 1\n") == [
        "p.yml:1:1: YAML does not allow the character U+001B (special characters are not "
        "allowed): remove it, or write it as an escape in a double-quoted string"]


def test_an_empty_playbook_is_an_empty_mapping_on_both_paths():
    slow, fast = parse("", P), parse_fast("# nothing yet\n", P)
    assert slow.has_positions and slow.data == {} and slow.display_name == "p.yml"
    assert not fast.has_positions and fast.data == {} and fast.text == "# nothing yet\n"


def test_positions_of_values_keys_items_and_missing_tails():
    text = ("version: 1\ncontainers:\n  web:\n    image: busybox\n    ports:\n      - 80:80\n"
            "      - 81:81\n")
    doc = parse(text, Path("/srv/book/p.yml"), "shown.yml")
    assert doc.position(("containers", "web", "image")) == (4, 12)
    assert doc.position(("containers", "web", "image"), key=True) == (4, 5)
    assert doc.position(("containers", "web", "ports", 1)) == (7, 9)
    assert doc.position(("containers", "web", "ports", 0)) == (6, 9)
    # a missing tail: the nearest parent that exists
    assert doc.position(("containers", "web", "ports", 2)) == (6, 7)
    assert doc.position(("containers", "web", "ports", -1)) == (6, 7)
    assert doc.position(("containers", "web", "ports", "x")) == (6, 7)
    assert doc.position(("containers", "web", "ports", 1, "deeper")) == (7, 9)
    assert doc.position(("containers", "web", "nope")) == (4, 5)
    assert doc.position(()) == (1, 1)
    assert doc.diagnostic(("containers", "web", "image"), "bad").__str__() == (
        "shown.yml:4:12: containers.web.image: bad")
    assert str(doc.diagnostic(("containers", "web", "image"), "odd", "warning", key=True)) == (
        "shown.yml:4:5: warning: containers.web.image: odd")
    assert doc.directory == Path("/srv/book")


def test_a_fast_document_has_no_positions_until_parsed_again():
    text = "version: 1\ncontainers:\n  web:\n    image: busybox\n"
    doc = parse_fast(text, Path("/srv/book/p.yml"), "shown.yml")
    assert not doc.has_positions and doc.position(("containers", "web", "image")) == (1, 1)
    again = doc.round_trip()
    assert again.has_positions and again.display_name == "shown.yml"
    assert again.path == Path("/srv/book/p.yml") and again.round_trip() is again
    assert again.position(("containers", "web", "image")) == (4, 12)


@pytest.mark.parametrize("path, text", [
    (("containers", "shell", "mounts", 0), "containers.shell.mounts[0]"),
    ((0, "a", 1, 2), "[0].a[1][2]"),
    (("a",), "a"),
    ((), ""),
])
def test_format_path(path, text):
    assert format_path(path) == text


def test_files_that_cannot_be_read_say_why(tmp_path):
    with pytest.raises(DfwctlError, match=r"nope.yml: no such file\n  hint: pass the path of "
                                          r"a playbook \(\.yml\)$"):
        load(tmp_path / "nope.yml")
    with pytest.raises(DfwctlError, match=r": is a directory, not a playbook file$"):
        load(tmp_path)
    (tmp_path / "f.yml").write_text("a: 1\n")
    with pytest.raises(DfwctlError, match=r"f.yml/p.yml: cannot read: Not a directory$"):
        load(tmp_path / "f.yml" / "p.yml")
    (tmp_path / "latin.yml").write_bytes(b"version: 1\nname: caf\xe9\n")
    with pytest.raises(DfwctlError, match=r"latin.yml: not UTF-8 text \(byte 20\); save the "
                                          "playbook as UTF-8$"):
        load(tmp_path / "latin.yml")


def test_a_byte_order_mark_is_not_part_of_the_playbook(tmp_path):
    path = tmp_path / "bom.yml"
    path.write_bytes(b"\xef\xbb\xbfversion: 1\nname: ab\n")
    for fast in (True, False):
        assert plain(load(path, fast=fast).data) == {"version": 1, "name": "ab"}


def test_load_names_the_file_and_takes_the_path_asked_for(tmp_path):
    path = tmp_path / "p.yml"
    path.write_text("version: 1\nname: ab\n")
    slow, fast = load(str(path), fast=False), load(path)
    assert slow.has_positions and slow.display_name == str(path) and slow.path == path
    assert not fast.has_positions and fast.display_name == str(path)
    assert fast.parsed_json is None  # only a cached load keeps the tree for the cache


def test_a_playbook_of_exactly_the_bound_is_read_and_one_byte_more_is_refused(tmp_path):
    from dfwctl import loadlimits

    path = tmp_path / "big.yml"
    head = "version: 1\nname: ab\n# "
    path.write_text(head + "x" * (loadlimits.MAX_BYTES - len(head) - 1) + "\n")
    assert plain(load(path).data) == {"version": 1, "name": "ab"}
    path.write_text(head + "x" * (loadlimits.MAX_BYTES - len(head)) + "\n")
    with pytest.raises(PlaybookError, match="MiB") as raised:
        load(path)
    assert [str(d) for d in raised.value.diagnostics] == [
        f"{path}:1:1: the playbook is 4.0 MiB: dfwctl reads playbooks of up to 4 MiB; split it, "
        "or check that this is the right file"]
    assert raised.value.diagnostics[0].path == ""


def test_a_playbook_from_the_parse_cache_names_its_file_and_can_be_parsed_again(
        tmp_path, monkeypatch):
    monkeypatch.setenv("DFWCTL_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("DFWCTL_NO_CACHE", raising=False)
    from dfwctl import parsecache

    path = tmp_path / "p.yml"
    text = "version: 1\nname: ab\ncontainers:\n  web: {image: busybox}\n"
    path.write_text(text)
    first = load(path, cache=True)
    assert first.parsed_json is not None and not first.has_positions
    parsecache.remember(text, first.parsed_json)
    cached = load(path, cache=True)
    assert (cached.display_name, cached.text, cached.has_positions) == (str(path), text, False)
    assert cached.round_trip().position(("containers", "web", "image")) == (4, 16)


@pytest.mark.parametrize("parser", [parse, parse_fast])
@pytest.mark.parametrize("text", ["a: [1,\n", "a: b\x07\n", f"a: {'9' * 101}\n"])
def test_an_error_of_the_whole_text_names_no_path(parser, text):
    with pytest.raises(PlaybookError, match="in the playbook") as raised:
        parser(text, P)
    assert [d.path for d in raised.value.diagnostics] == [""]


@pytest.mark.parametrize("parser", [parse, parse_fast])
def test_keys_written_differently_that_read_the_same_are_refused(parser):
    assert _diagnostics(parser, "a:\n  1: x\n  01: y\n") == [
        'p.yml:3:3: YAML syntax error: while constructing a mapping: found duplicate key "1" '
        'with value "y" (original value: "x")']


def test_a_yaml_error_without_a_mark_or_a_problem_is_at_the_top_of_the_file():
    from ruamel.yaml.error import MarkedYAMLError

    found = load_module._syntax_diagnostic(MarkedYAMLError(), "p.yml")
    assert str(found) == "p.yml:1:1: YAML syntax error: invalid YAML"
    found = load_module._syntax_diagnostic(MarkedYAMLError(context="while reading"), "p.yml")
    assert str(found) == "p.yml:1:1: YAML syntax error: while reading"


def test_text_too_nested_for_the_fast_parser_keeps_its_path_and_name():
    text = "a: " + "[" * 10_001 + "]" * 10_001 + "\n"
    with pytest.raises(PlaybookError, match="nested more than") as raised:
        parse_fast(text, P, "shown.yml")
    assert raised.value.diagnostics[0].file == "shown.yml"
    flat = "a:\n" + "  - 1\n" * 10_001  # many openers, no depth: the positioned parser
    doc = parse_fast(flat, Path("/srv/p.yml"), "shown.yml")
    assert doc.has_positions and doc.display_name == "shown.yml"
    assert doc.path == Path("/srv/p.yml")


def test_a_fast_document_without_a_display_name_is_named_by_its_path():
    doc = parse_fast("a: 1\n", Path("/srv/p.yml"))
    assert not doc.has_positions and doc.display_name == "/srv/p.yml"


def test_locate_gives_the_value_unless_asked_for_the_key():
    doc = parse("a:\n  b: 1\n", P, "shown.yml")
    assert doc.locate(("a", "b")) == ("shown.yml", 2, 6)
    assert doc.locate(("a", "b"), key=True) == ("shown.yml", 2, 3)


def test_sources_name_the_file_of_an_entry_then_of_its_container():
    top, item = {"a": 1}, [1, 2]
    sources = Sources(containers={id(top): "base.yml"}, entries={(id(item), 1): "override.yml"})
    assert sources.file_of(top, "a", "default.yml") == "base.yml"
    assert sources.file_of(top, None, "default.yml") == "base.yml"
    assert sources.file_of(item, 1, "default.yml") == "override.yml"
    assert sources.file_of(item, 0, "default.yml") == "default.yml"
