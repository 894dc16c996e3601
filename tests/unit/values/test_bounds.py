"""Numbers no engine field takes, and the range of one field."""
from __future__ import annotations

import pytest

from dfwctl.values.bounds import INT64_MAX, Bound, finite_problem, number_problems


@pytest.mark.parametrize("value, words", [
    (float("nan"), "NaN is not a number"), (float("inf"), "infinity is not"),
    (float("-inf"), "-infinity is not"), (2**63, "is too large"), (-(2**63) - 1, "too large"),
    (10**5000, "(over 1000 digits)"), (10**40, "... (41 digits)"),
], ids=["nan", "inf", "-inf", "2^63", "-2^63-1", "5000-digits", "41-digits"])
def test_numbers_no_field_takes(value, words):
    assert words in finite_problem(value)


@pytest.mark.parametrize("value", [0, -1, INT64_MAX, -(2**63), 1.5, 1e300, True, "x", None])
def test_numbers_any_field_may_take(value):
    assert finite_problem(value) is None


def test_every_bad_number_of_a_tree_with_its_path_once_per_shared_value():
    shared = [float("nan")]
    tree = {"a": {"b": [1, float("inf")], "c": shared, "d": shared}, "e": 2**64, "f": "1e999"}
    found = list(number_problems(tree))
    assert [path for path, _ in found] == [("a", "b", 1), ("a", "c", 0), ("e",)]


def test_a_tree_of_any_depth_is_walked_without_recursion():
    tree: list = []
    node = tree
    for _ in range(100_000):
        node.append([])
        node = node[0]
    node.append(float("nan"))
    assert len(list(number_problems(tree))) == 1


def test_a_bound_names_its_range_and_why():
    bound = Bound(0.01, 64, "CPUs", why="the smallest quota")
    assert bound.problem(0.5) is None and bound.problem(64) is None
    assert bound.problem(0.001) == "0.001 is out of range: it must be at least 0.01 CPUs (the smallest quota)"
    assert bound.problem(65) == "65 is out of range: it must be at most 64 CPUs (the smallest quota)"
    assert "NaN" in bound.problem(float("nan"))
    assert bound.problem("many") is None  # a type is the schema's to report


def test_a_whole_number_bound_refuses_fractions_and_names_the_written_value():
    bound = Bound(0, 10, "seconds", integer=True)
    assert bound.problem(3.0) is None
    assert bound.problem(2.5) == "2.5 is not a whole number"
    assert bound.problem(11, written='"11s"') == '"11s" is out of range: it must be at most 10 seconds'
    assert bound.problem(10**30) == ("100000000000... (31 digits) is out of range: it must be "
                                     "at most 10 seconds")
