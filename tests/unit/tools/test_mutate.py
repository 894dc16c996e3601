"""scripts/mutate.py: how mutmut's results become a score per module."""
from __future__ import annotations

import importlib.util
import json
import sys

import pytest

from tests.paths import ROOT


def _load():
    spec = importlib.util.spec_from_file_location("mutate", ROOT / "scripts" / "mutate.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["mutate"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


mutate = _load()


def _meta(root, module, codes):
    path = root / f"{module}.meta"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"exit_code_by_key": codes}))


def test_verdicts_follow_mutmuts_exit_codes():
    assert [mutate.status(c) for c in (1, 3, 0, 33, 36, None, 35)] == [
        "killed", "killed", "survived", "survived", "timeout", "not checked", "suspicious"]


def test_a_score_counts_timeouts_as_killed_and_untested_mutants_as_surviving(tmp_path):
    _meta(tmp_path, "dfwctl/a.py", {"a.x_f__mutmut_1": 1, "a.x_f__mutmut_2": 36,
                                    "a.x_f__mutmut_3": 0, "a.x_f__mutmut_4": 33})
    _meta(tmp_path, "dfwctl/b.py", {"b.x_g__mutmut_1": 1})
    counts, survivors, stale = mutate.score(mutate.read_results(tmp_path), {})
    assert survivors == ["a.x_f__mutmut_3", "a.x_f__mutmut_4"]
    assert stale == []
    rows = mutate.table(counts)
    assert rows[2] == "| dfwctl/a.py | 4 | 1 | 1 | 2 | 0 | 50.0% |  |"
    assert rows[3] == "| dfwctl/b.py | 1 | 1 | 0 | 0 | 0 | 100.0% |  |"
    assert rows[4] == "| **all** | 5 | 2 | 1 | 2 | 0 | 60.0% |  |"


def test_an_equivalent_entry_counts_only_while_its_mutant_reads_the_listed_line(tmp_path, monkeypatch):
    _meta(tmp_path, "dfwctl/a.py", {"a.x_f__mutmut_1": 0, "a.x_f__mutmut_2": 0})
    monkeypatch.setattr(mutate, "mutated_line", lambda name: {
        "a.x_f__mutmut_1": "return x or None", "a.x_f__mutmut_2": "return y"}[name])
    equivalents = {"a.x_f__mutmut_1": mutate.Equivalent("return x or None", "same for x=''"),
                   "a.x_f__mutmut_2": mutate.Equivalent("return x", "moved"),
                   "gone.x_h__mutmut_9": mutate.Equivalent("pass", "deleted")}
    counts, survivors, stale = mutate.score(mutate.read_results(tmp_path), equivalents)
    assert counts["dfwctl/a.py"]["equivalent"] == 1
    assert survivors == ["a.x_f__mutmut_2"]
    assert stale == ["a.x_f__mutmut_2", "gone.x_h__mutmut_9"]


def test_equivalents_file_format(tmp_path):
    path = tmp_path / "eq.txt"
    path.write_text("# comment\n\na.x_f__mutmut_1 | return x | same result\n")
    assert mutate.read_equivalents(path) == {
        "a.x_f__mutmut_1": mutate.Equivalent("return x", "same result")}
    path.write_text("a.x_f__mutmut_1 | return x\n")
    with pytest.raises(SystemExit, match=r"eq.txt:1: expected `NAME \| mutated line \| reason`"):
        mutate.read_equivalents(path)


def test_the_shipped_equivalents_file_reads():
    assert isinstance(mutate.read_equivalents(), dict)


def test_a_module_whose_mutants_did_not_run_is_reported_as_not_run(tmp_path):
    _meta(tmp_path, "dfwctl/a.py", {"a.x_f__mutmut_1": 1, "a.x_f__mutmut_2": 0})
    _meta(tmp_path, "dfwctl/b.py", {"b.x_g__mutmut_1": None, "b.x_g__mutmut_2": None})
    counts, survivors, stale = mutate.score(mutate.read_results(tmp_path), {})
    assert survivors == ["a.x_f__mutmut_2"]
    rows = mutate.table(counts)
    assert rows[2:] == ["| dfwctl/a.py | 2 | 1 | 0 | 1 | 0 | 50.0% |  |",
                        "| dfwctl/b.py | 2 | | | | | not run | |",
                        "| **all** | 2 | 1 | 0 | 1 | 0 | 50.0% |  |"]


def test_the_time_of_a_run_is_kept_for_its_module_or_for_the_whole_set(tmp_path):
    times = tmp_path / "minutes.json"
    mutate.record_minutes(["dfwctl.values.ports"], 12.34, 1, times)
    mutate.record_minutes([], 61.0, 2, times)
    mutate.record_minutes(["dfwctl.load", "dfwctl.validate"], 5.0, 1, times)  # no one module's
    mutate.record_minutes(["dfwctl.values.ports"], 7.06, 1, times)  # the last time measured
    assert mutate.read_minutes(times) == {
        "dfwctl/values/ports.py": {"minutes": 7.1, "children": 1},
        "**all**": {"minutes": 61.0, "children": 2}}
    _meta(tmp_path, "dfwctl/values/ports.py", {"p.x_f__mutmut_1": 1})
    counts, _, _ = mutate.score(mutate.read_results(tmp_path), {})
    assert mutate.table(counts, mutate.read_minutes(times))[2:] == [
        "| dfwctl/values/ports.py | 1 | 1 | 0 | 0 | 0 | 100.0% | 7.1 (1 workers) |",
        "| **all** | 1 | 1 | 0 | 0 | 0 | 100.0% | 61.0 (2 workers) |"]
    assert mutate.read_minutes(tmp_path / "none.json") == {}
