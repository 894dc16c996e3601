"""A small run of the chaos suite's fuzzer (chaos/fuzz.py; `make chaos` runs 10,000): mutated
playbooks through validate and through the parse cache, cold and warm. Every one must end in
a valid playbook or positioned errors: no internal error, hang or crash."""
from __future__ import annotations

from chaos.fuzz import BOMB_LEVELS, bomb, fuzz, judge, mutate, tail


def test_a_fixed_run_of_mutated_playbooks_is_handled_cleanly():
    report = fuzz(count=150, seed=14)
    assert report.cases == 150
    assert report.valid > 0 and report.refused > 0  # the mutations reach both outcomes
    assert [f"case {f.case}: {f.what}\n{f.text}" for f in report.findings] == []


def test_the_mutations_include_the_hostile_inputs():
    import random

    rng = random.Random(3)
    texts = [mutate(rng, "version: 1\nname: x\ncontainers:\n  web: {image: busybox}\n")
             for _ in range(400)]
    assert any("&a" in t or "&z" in t for t in texts)
    assert any(".nan" in t for t in texts)
    assert bomb(BOMB_LEVELS).count("*a") > 50


def test_a_long_answer_is_judged_on_whole_lines():
    """validate's output is cut to its end for the report; a line cut in two must not read as
    an error without a position."""
    lines = [f"/tmp/case7.yml:{n}:3: containers.web{n}: unknown key {'x' * 90!r}"
             for n in range(1, 80)]
    text = "\n".join(lines) + "\n79 errors in the playbook\n"
    kept = tail(text, 4000)
    assert len(kept) <= 4000 and kept.splitlines()[0] in lines
    answer = {"code": 1, "text": kept, "cold": 1, "warm": 1, "warm_text": ""}
    assert judge(7, answer) is None
    assert judge(7, dict(answer, text=text[-4000:])).startswith("error without a position")
