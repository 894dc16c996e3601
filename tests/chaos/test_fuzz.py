"""A small run of the chaos suite's fuzzer (chaos/fuzz.py; `make chaos` runs 10,000): mutated
playbooks through validate and through the parse cache, cold and warm. Every one must end in
a valid playbook or positioned errors: no internal error, hang or crash."""
from __future__ import annotations

from chaos.fuzz import BOMB_LEVELS, bomb, fuzz, mutate


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
