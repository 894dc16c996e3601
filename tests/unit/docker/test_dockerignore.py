""".dockerignore rules as the Docker CLI applies them (each case of tests/contexts.RULES was
checked against the CLI's own upload; tests/engine/test_build.py checks them again), and the
pattern syntax the CLI refuses."""
from __future__ import annotations

import pytest

from dfwctl.providers.docker.context import read_context
from dfwctl.providers.docker.dockerignore import (
    Matcher,
    PatternError,
    clean,
    compile_pattern,
    read_patterns,
)
from tests.contexts import RULES, make_rule_case


@pytest.mark.parametrize("name", sorted(RULES))
def test_what_is_sent(tmp_path, name):
    files, patterns, expected = RULES[name]
    root = make_rule_case(tmp_path / "context", files, patterns)
    assert sorted(e.path for e in read_context(root, "Dockerfile", use_cache=False).entries) \
        == sorted(expected)


def test_reading_the_file():
    text = "\ufeff# a comment\n\n  spaced  \n!  keep\n/rooted\n#not/a/comment/below\n" \
           "  #pattern\na//b/../c/\n!\n"
    assert read_patterns(text) == ["spaced", "!keep", "rooted", "#pattern", "a/c", "!"]


@pytest.mark.parametrize("path, cleaned", [
    ("", "."), ("a//b", "a/b"), ("./a", "a"), ("a/../../b", "../b"), ("//a", "/a"),
    ("a/", "a"), ("/..", "/"),
])
def test_clean_as_go_does(path, cleaned):
    assert clean(path) == cleaned


@pytest.mark.parametrize("pattern", ["[", "a[b", "[]", "[-a]", "[a-]", "a\\", "!"])
def test_what_the_cli_refuses(pattern):
    with pytest.raises(PatternError,
                       match="a malformed set|a backslash at the end escapes nothing|illegal exclusion"):
        compile_pattern(pattern, windows=False)


@pytest.mark.parametrize("pattern, kind", [
    ("a/b", "exact"), ("a/**", "prefix"), ("**/b", "suffix"), ("**", "suffix"),
    ("*.log", "regexp"), ("**/*.log", "regexp"), ("a\\*b", "regexp"),
])
def test_the_cheap_matches(pattern, kind):
    assert compile_pattern(pattern, windows=False).kind == kind


def test_a_suffix_match_needs_a_whole_part():
    pattern = compile_pattern("**/b", windows=False)
    assert pattern.match("b") and pattern.match("a/b") and not pattern.match("ab")
    glued = compile_pattern("**b", windows=False)  # no slash: any name ending in b
    assert glued.match("ab") and glued.match("x/ab")


def test_on_windows_a_backslash_separates():
    matcher = Matcher(["docs\\*.md", "!docs\\keep.md"], windows=True)
    assert matcher.excluded("docs/a.md") and not matcher.excluded("docs/keep.md")
    assert read_patterns("\\build\\out\n", windows=True) == ["build/out"]


def test_an_excluded_folder_is_entered_only_for_an_exception_below_it():
    matcher = Matcher(["a", "!a/b/f", "!ab"])
    assert matcher.enters("a") and matcher.enters("a/b")
    assert not matcher.enters("ab/c") and not Matcher(["a"]).enters("a")
