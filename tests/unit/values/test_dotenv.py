"""Environment files in compose's syntax: each rule of compose's env-file page, and the
statements that are refused, at their line."""
from __future__ import annotations

import random

import pytest

from dfwctl.values.dotenv import NAME, DotenvError, Entry, parse
from tests import paths


def values(text: str):
    return {e.name: e.value for e in parse(text)}


@pytest.mark.parametrize("text, value", [
    ("VAR=VAL", "VAL"),
    ('VAR="VAL"', "VAL"),
    ("VAR='VAL'", "VAL"),
    ("VAR=VAL # comment", "VAL"),
    ("VAR=VAL\t# comment", "VAL"),
    ("VAR=VAL# not a comment", "VAL# not a comment"),
    ('VAR="VAL # not a comment"', "VAL # not a comment"),
    ('VAR="VAL" # comment', "VAL"),
    ("VAR='$OTHER'", "$OTHER"),
    ("VAR='${OTHER}'", "${OTHER}"),
    ("VAR='Let\\'s go!'", "Let's go!"),
    ('VAR="{\\"hello\\": \\"json\\"}"', '{"hello": "json"}'),
    ('VAR="some\\tvalue"', "some\tvalue"),
    ("VAR='some\\tvalue'", "some\\tvalue"),
    ("VAR=some\\tvalue", "some\\tvalue"),
    ('VAR="a\\nb\\rc\\\\d\\qe"', "a\nb\rc\\d\\qe"),
    ("VAR = spaced value  ", "spaced value"),
    ("export VAR=1", "1"),
    ("VAR=", ""),
    ('VAR=""', ""),
    ("VAR=a=b", "a=b"),
    ("VAR=#x", "#x"),
])
def test_compose_value_rules(text, value):
    assert values(text) == {"VAR": value}


def test_quoted_values_span_lines_and_lines_are_counted_after_them():
    text = 'A="one\ntwo"\nB=\'three\nfour\'\n\n# comment\nC=5\n'
    assert parse(text) == [Entry("A", "one\ntwo", 1, substitute=True),
                           Entry("B", "three\nfour", 3), Entry("C", "5", 7, substitute=True)]


def test_single_quoted_values_are_not_substituted_the_others_are():
    found = {e.name: e.substitute for e in parse("A=$X\nB=\"$X\"\nC='$X'\n")}
    assert found == {"A": True, "B": True, "C": False}


def test_a_name_alone_inherits_from_the_environment():
    assert parse("  # note\nexport HOME\nPATH  # comment\n") == [Entry("HOME", None, 2),
                                                                  Entry("PATH", None, 3)]


def test_the_example_of_the_docs():
    docs = (paths.ROOT / "docs" / "containers.md").read_text(encoding="utf-8")
    example = docs.split("```sh\n", 1)[1].split("```", 1)[0]
    assert values(example) == {
        "MODE": "dev", "GREETING": "hello\tworld", "PATTERN": "^\\d+$",
        "DATABASE_URL": "postgres://app:${DB_PASSWORD}@db:${DB_PORT:-5432}/app", "HOME": None}


def test_bom_crlf_and_dotted_names():
    assert values("\ufeffA=1\r\nlog.level=debug\r\n") == {"A": "1", "log.level": "debug"}


@pytest.mark.parametrize("text, line, message", [
    ("A=1\nnot a pair\n", 2, r"expected NAME=VALUE, got 'not a pair'"),
    ("A=1\n\n2X=1\n", 3, r"expected NAME=VALUE, got '2X=1'; names are letters"),
    ("=value\n", 1, r"expected NAME=VALUE"),
    ("A-B\n", 1, r"'A-B' is not a variable name"),
    ('A=1\nB="open\nC=2\n', 2, r"the value of B opens a double quote that is never closed"),
    ("A='open\n", 1, r"opens a single quote"),
    ('A="x" y\n', 1, r"text after the closing quote of A: 'y'"),
    ('A="x\ny" z\n', 2, r"text after the closing quote of A: 'z'"),
    ("A=x\0y\n", 1, r"a NUL character"),
    ('A="x\ny\0"\n', 1, r"a NUL character"),
])
def test_refused_statements_name_their_line(text, line, message):
    with pytest.raises(DotenvError, match=message) as caught:
        parse(text)
    assert caught.value.line == line


ALPHABET = ["A", "b_", ".", "=", " ", "\t", "#", "'", '"', "\\", "$", "{", "}", "\n", "\r\n",
            "\0", "export ", "é", "\ufeff", "9", ":-", "\\n"]


def test_any_text_parses_or_is_refused_at_a_line_of_it():
    rng = random.Random(12)
    for _ in range(3000):
        text = "".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, 40)))
        try:
            entries = parse(text)
        except DotenvError as exc:
            assert 1 <= exc.line <= text.count("\n") + 1, (text, exc.line)
            continue
        for entry in entries:
            assert NAME.fullmatch(entry.name), (text, entry)
            assert entry.value is None or "\0" not in entry.value, text


def test_double_quoted_escapes_carry_any_value():
    rng = random.Random(5)
    for _ in range(500):
        value = "".join(rng.choice(["a", " ", "#", "'", '"', "\\", "\n", "\t", "\r", "$"])
                        for _ in range(rng.randint(0, 12)))
        written = "".join({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t", "\r": "\\r"}
                          .get(c, c) for c in value)
        assert parse(f'V="{written}"  # note\n') == [Entry("V", value, 1, substitute=True)]
