"""Hostile playbooks: whatever the text, the pipeline ends in a positioned error (or a valid
playbook), never an internal error, a hang or a crash. Each case is a mutation the fuzzer
(chaos/fuzz.py) once found to escape."""
from __future__ import annotations

import time
import tracemalloc
from pathlib import Path

import pytest

from dfwctl import load as load_module
from dfwctl.errors import PlaybookError
from dfwctl.load import load, parse, parse_fast
from dfwctl.pipeline import load_playbook

HEAD = "version: 1\nname: hostile\n"


def _refused(tmp_path: Path, body: str, use_cache: bool = False) -> list:
    """The diagnostics of a playbook that must be refused, as 'line:col: path: message'."""
    path = tmp_path / "p.yml"
    path.write_text(HEAD + body, encoding="utf-8")
    with pytest.raises(PlaybookError, match="in the playbook") as raised:
        load_playbook(path, environ={}, use_cache=use_cache)
    return [f"{d.line}:{d.col}: {d.path}: {d.message}" for d in raised.value.diagnostics]


@pytest.mark.parametrize("value", [".nan", ".NaN", ".inf", "-.inf", "1e999"])
def test_a_number_that_is_not_finite_is_refused_where_it_is(tmp_path, value):
    found = _refused(tmp_path, f"containers:\n  web:\n    image: busybox\n    cpus: {value}\n")
    assert len(found) == 1
    assert found[0].startswith("6:11: containers.web.cpus: ")
    assert "finite" in found[0]


def test_a_number_that_is_not_finite_is_refused_anywhere(tmp_path):
    found = _refused(tmp_path, "containers:\n  web:\n    image: busybox\n"
                               "    env: {A: .nan}\n    labels: {b: .inf}\n")
    assert [f.split(": ")[0] for f in found] == ["6:14", "7:17"]


def test_a_number_with_thousands_of_digits_is_a_positioned_error(tmp_path):
    found = _refused(tmp_path, "containers:\n  web:\n    image: busybox\n"
                               f"    memory: {'9' * 5000}\n")
    assert len(found) == 1 and found[0].startswith("6:13: ")
    assert "too large" in found[0]


def test_a_whole_number_beyond_64_bits_is_refused(tmp_path):
    found = _refused(tmp_path, "containers:\n  web:\n    image: busybox\n"
                               "    stop_timeout: 100000000000000000000\n")
    assert len(found) == 1 and found[0].startswith("6:19: containers.web.stop_timeout: ")


def test_deep_nesting_is_a_positioned_error_on_both_parsers(tmp_path):
    text = HEAD + "labels: " + "[" * 10000 + "]" * 10000 + "\n"
    for parser in (parse_fast, parse):
        with pytest.raises(PlaybookError, match="nested more than") as raised:
            parser(text, Path("p.yml"))
        (diagnostic,) = raised.value.diagnostics
        assert diagnostic.line == 3


def test_nesting_too_deep_for_the_c_parser_never_reaches_it(tmp_path):
    # libyaml's composer recurses in C: at this depth it would crash the process
    text = HEAD + "labels: " + "[" * 200_000 + "]" * 200_000 + "\n"
    with pytest.raises(PlaybookError, match="nested more than"):
        parse_fast(text, Path("p.yml"))


def test_block_nesting_by_dashes_is_bounded_too():
    text = HEAD + "labels: \n  " + "- " * 5000 + "x\n"
    with pytest.raises(PlaybookError, match="nested more than"):
        parse_fast(text, Path("p.yml"))


def test_a_recursive_alias_is_a_positioned_error_on_both_parsers():
    text = HEAD + "x: &a [1, *a]\n"
    for parser in (parse_fast, parse):
        with pytest.raises(PlaybookError, match="inside the value it names") as raised:
            parser(text, Path("p.yml"))
        (diagnostic,) = raised.value.diagnostics
        assert (diagnostic.line, diagnostic.col) == (3, 11)


BOMB = "".join(
    [HEAD, "a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"]
    + [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]\n" for i in range(1, 9)])


def test_an_alias_bomb_is_refused_quickly_and_with_little_memory():
    assert len(BOMB.encode()) < 700  # a few hundred bytes that expand to 387 million values
    for parser in (parse_fast, parse):
        tracemalloc.start()
        started = time.process_time()
        with pytest.raises(PlaybookError, match="aliases expand") as raised:
            parser(BOMB, Path("p.yml"))
        cpu = time.process_time() - started
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        (diagnostic,) = raised.value.diagnostics
        assert diagnostic.line == 8  # a5: the first list whose expansion passes the bound
        assert peak < 8 * 2**20, f"{parser.__name__} peaked at {peak} bytes"
        assert cpu < 30, "a bound, not a timing: the expansion was not stopped"


def test_a_merge_key_bomb_is_refused_before_it_is_built():
    text = HEAD + "m0: &m0 {a: 1, b: 2, c: 3}\n" + "".join(
        f"m{i}: &m{i} {{<<: [{', '.join([f'*m{i - 1}'] * 8)}]}}\n" for i in range(1, 10))
    for parser in (parse_fast, parse):
        with pytest.raises(PlaybookError, match="aliases expand"):
            parser(text, Path("p.yml"))


def test_aliases_used_sensibly_are_fine():
    text = HEAD + ("containers:\n  a: {image: busybox, env: &env {TZ: UTC}}\n"
                   "  b: {image: busybox, env: *env}\n")
    for parser in (parse_fast, parse):
        doc = parser(text, Path("p.yml"))
        assert doc.data["containers"]["b"]["env"] == {"TZ": "UTC"}


def test_an_anchor_defined_twice_is_not_a_python_warning(recwarn):
    text = HEAD + "a: &x 1\nb: &x 2\nc: *x\n"
    for parser in (parse_fast, parse):
        assert parser(text, Path("p.yml")).data["c"] == 2
    assert [str(w.message) for w in recwarn] == []


def test_a_playbook_larger_than_the_bound_is_refused_before_it_is_parsed(tmp_path, monkeypatch):
    path = tmp_path / "big.yml"
    path.write_text(HEAD + "# " + "x" * (5 * 2**20) + "\n")
    monkeypatch.setattr(load_module, "parse_fast", lambda *a, **k: pytest.fail("parsed"))
    with pytest.raises(PlaybookError, match="MiB") as raised:
        load(path)
    assert raised.value.diagnostics[0].line == 1


@pytest.mark.parametrize("char", ["\x85", "\u2028", "\u2029", "\u202e", "\x1b"])
def test_a_message_never_carries_a_raw_control_or_line_breaking_character(tmp_path, char):
    path = tmp_path / "p.yml"
    path.write_text(HEAD + f'containers:\n  web:\n    image: busybox\n    "en{char}v": {{}}\n',
                    encoding="utf-8")
    with pytest.raises(PlaybookError, match=r"\n1 error in the playbook$") as raised:
        load_playbook(path, environ={})
    text = str(raised.value)
    assert char not in text
    assert len(text.splitlines()) == 2, text  # the error line and the count


def test_a_diagnostic_escapes_what_a_terminal_would_act_on():
    from dfwctl.errors import Diagnostic

    shown = str(Diagnostic("p.yml", 1, 2, "a\u2028b", "key 'x\x1b[31my\u202e' here\nnext"))
    assert shown == "p.yml:1:2: a\\u2028b: key 'x\\x1b[31my\\u202e' here\\x0anext"


def test_aliases_shared_by_several_values_are_interpolated_once(tmp_path):
    path = tmp_path / "p.yml"
    path.write_text(HEAD + "containers:\n  aa: {image: busybox, env: &env {A: '$${X}'}}\n"
                           "  bb: {image: busybox, env: *env}\n")
    loaded = load_playbook(path, environ={"X": "expanded"})
    for name in ("aa", "bb"):
        assert loaded.desired.docker.containers[name].env == (("A", "${X}"),)


@pytest.mark.parametrize("body, where", [
    ("~: x\n", "3:1: "),  # an empty key where the top level matches key patterns (x-)
    (": x\n", "3:1: "),
    ("containers:\n  !custom web:\n    image: busybox\n", "4:3: containers."),
])
@pytest.mark.parametrize("use_cache", [False, True])
def test_a_key_that_is_not_text_is_a_positioned_error(tmp_path, body, where, use_cache,
                                                      monkeypatch):
    monkeypatch.setenv("DFWCTL_CACHE_DIR", str(tmp_path / "cache"))
    found = _refused(tmp_path, body, use_cache=use_cache)
    assert any(d.startswith(where) and "a key must be plain text" in d for d in found), found


def test_a_number_as_a_top_level_key_is_an_unknown_key_not_an_internal_error(tmp_path):
    found = _refused(tmp_path, "5: x\n")
    assert any("unknown key" in d for d in found), found
