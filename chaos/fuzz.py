"""Mutation fuzz of the playbook pipeline: mutated playbooks through `dfwctl validate`, and the
same text through the parse cache cold and warm (the path plan and apply take), in worker
processes watched for hangs.

Every mutated playbook must end cleanly: valid, or errors that each carry a file:line:col
position; never an internal error, a traceback, a hang or a crash. The cached path must agree
with the full parse. Run it as `python -m chaos.fuzz --count 10000` (make chaos runs it), or
call `fuzz()` (a small run is part of the tests).
"""
from __future__ import annotations

import argparse
import json
import os
import random
import re
import select
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Sequence, Tuple

ROOT = Path(__file__).resolve().parent.parent
HANG = 60.0  # seconds one case may take: a hang, not a slow case on a loaded machine
SEEDS = ("playbooks/*.yml", "tests/examples/valid/*.yml")

# Values known to hurt parsers and validators: YAML's special floats and bases, tags, anchors
# and aliases, control characters, huge numbers, deep nesting, interpolation forms, Windows
# paths, bidi and zero-width characters.
JUNK = ["", "~", "null", "[]", "{}", "-1", "0", "1e999", "-1e999", ".nan", ".NaN", ".inf", "-.inf",
        "0x1F", "0o17", "0b11", "1_000", "yes", "no", "on", "2024-01-01", "12:30:00", "'", '"',
        "*a", "&a x", "&a [*a]", "!!binary AA==", "!!python/object:os.system x", "!!set {a}",
        "!!omap [a: 1]", "!custom x", "{a: [b, {c: d}]}", "\t", "\x00", "\x01", "\x07", "\x1b",
        "\x7f", "\x85", "\u2028", "\ufeff", "\ufffe", "\u202e", "\u200b", "é", "${", "${X:-}",
        "$${X}", "${SECRET_TOKEN}", "${X:?}", "C:\\", "\\\\server\\share", "../../../etc",
        "- - -", "? x", "|", ">", "<<: *a", "9" * 400, "9" * 5000, "1" * 20, "[" * 200,
        "[" * 3000, "{" * 3000, "a" * 300, "999999999999TiB", "1e20", "0.001", "-0", "%YAML 1.1",
        "---", "...", "#", "a=b", "=b", "x\\0y", '"x\\0y"', '"\\x00"']


BOMB_LEVELS = 9


def bomb(levels: int = BOMB_LEVELS, width: int = 9) -> str:
    """A billion-laughs document: each level lists the previous one `width` times."""
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    for i in range(1, levels):
        refs = ", ".join([f"*a{i - 1}"] * width)
        lines.append(f"a{i}: &a{i} [{refs}]")
    return "\n".join(lines) + "\n"


def mutate(rng: random.Random, text: str) -> str:
    lines = text.splitlines() or [""]
    for _ in range(rng.randint(1, 4)):
        i = rng.randrange(len(lines))
        op = rng.randrange(9)
        if op == 0 and len(lines) > 1:
            del lines[i]
        elif op == 1:
            lines.insert(i, lines[rng.randrange(len(lines))])
        elif op == 2 and ":" in lines[i]:
            key = lines[i].partition(":")[0]
            lines[i] = f"{key}: {rng.choice(JUNK)}"
        elif op == 3:
            lines[i] = " " * rng.randint(0, 9) + lines[i].lstrip()
        elif op == 4:
            j = rng.randrange(len(lines[i]) + 1)
            lines[i] = lines[i][:j] + rng.choice(JUNK) + lines[i][j:]
        elif op == 5:
            lines[i] = lines[i][::-1]
        elif op == 6:
            lines[i] = lines[i].replace(":", "", 1)
        elif op == 7:  # an anchor on one value, an alias of it elsewhere
            if ":" in lines[i]:
                key, _, value = lines[i].partition(":")
                lines[i] = f"{key}: &z{value}"
                j = rng.randrange(len(lines))
                if ":" in lines[j]:
                    lines[j] = lines[j].partition(":")[0] + ": *z"
        else:
            lines.append(bomb(rng.randint(3, 10), rng.randint(2, 10)).replace("\n", " ").strip()
                         if rng.random() < 0.2 else rng.choice(JUNK))
    return "\n".join(lines) + "\n"


# the worker: one process runs many cases in-process -------------------------------------
def _run_cli(args: Sequence[str]) -> Tuple[int, str]:
    import contextlib
    import io

    from dfwctl.cli.main import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            main(list(args))
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
    return code, out.getvalue() + err.getvalue()


def _load_with_cache(path: str) -> Tuple[int, str]:
    """The load plan and apply do (parse cache, schema cache), without an engine."""
    from dfwctl.errors import DfwctlError
    from dfwctl.pipeline import load_playbook

    try:
        load_playbook(Path(path), environ={}, use_cache=True)
    except DfwctlError as exc:
        return 1, str(exc)
    except RecursionError as exc:  # reported as what it is: an internal error
        return 3, f"internal error: {type(exc).__name__}"
    except Exception as exc:  # noqa: BLE001 -- the fuzzer reports every escape
        return 3, f"internal error: {type(exc).__name__}: {exc}"
    return 0, ""


def tail(text: str, size: int) -> str:
    """The whole lines of the last `size` characters of `text` (a line cut in two would read
    as an error without a position)."""
    if len(text) <= size:
        return text
    cut = text[-size:]
    return cut[cut.find("\n") + 1:] if "\n" in cut else ""


def worker() -> None:
    """Read case paths on stdin, one per line; answer one JSON line per case."""
    import logging

    logging.disable(logging.CRITICAL)
    for line in sys.stdin:
        path = line.rstrip("\n")
        code, text = _run_cli(["validate", path])
        cold = _load_with_cache(path)
        warm = _load_with_cache(path)
        print(json.dumps({"path": path, "code": code, "text": tail(text, 200_000),
                          "cold": cold[0], "warm": warm[0], "warm_text": warm[1][-2000:]}),
              flush=True)


@dataclass
class Finding:
    case: int
    what: str
    text: str


@dataclass
class Report:
    cases: int = 0
    valid: int = 0
    refused: int = 0
    seconds: float = 0.0
    findings: List[Finding] = field(default_factory=list)
    seed: int = 0

    @property
    def internal(self) -> int:
        return sum(1 for f in self.findings if f.what.startswith(("internal", "hang", "crash")))


def judge(n: int, answer: Dict[str, object]) -> Optional[str]:
    code, text = answer["code"], str(answer["text"])
    if code not in (0, 1) or "Traceback" in text or "internal error" in text:
        return f"internal error: exit {code}: {text.strip().splitlines()[-1:] if text else ''}"
    if code == 1:
        name = f"case{n}.yml"
        for line in text.splitlines():
            if line.startswith(("Error:", " ")) or re.match(r"\d+ errors? in the playbook", line):
                continue
            if not re.match(r"(.*[/\\])?" + re.escape(name) + r":\d+:\d+: ", line):
                return f"error without a position: {line[:200]!r}"
        if not re.search(re.escape(name) + r":\d+:\d+: ", text) and "Error:" not in text:
            return "error without a position"
    if answer["cold"] == 3 or answer["warm"] == 3:
        return f"internal error in the cached load: {str(answer['warm_text'])[:200]}"
    if (answer["cold"], answer["warm"]) != (code, code) and code != 0:
        return f"the cached load disagrees: validate {code}, cold {answer['cold']}, warm {answer['warm']}"
    return None


class _Worker:
    def __init__(self, env: Dict[str, str]):
        self.proc = subprocess.Popen([sys.executable, "-m", "chaos.fuzz", "--worker"], cwd=ROOT,
                                     env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     text=True, bufsize=1)

    def ask(self, path: str) -> Optional[Dict[str, object]]:
        assert self.proc.stdin and self.proc.stdout
        self.proc.stdin.write(path + "\n")
        self.proc.stdin.flush()
        ready, _, _ = select.select([self.proc.stdout], [], [], HANG)
        if not ready:
            return None
        line = self.proc.stdout.readline()
        return json.loads(line) if line else {"code": -1, "text": "the worker died",
                                               "cold": -1, "warm": -1}

    def close(self) -> None:
        self.proc.kill()
        self.proc.wait()


def sources(root: Path = ROOT) -> List[str]:
    found: List[str] = []
    for pattern in SEEDS:
        found += [p.read_text(encoding="utf-8") for p in sorted(root.glob(pattern))]
    return found


def cases(count: int, seed: int) -> Iterator[str]:
    rng = random.Random(seed)
    texts = sources()
    for _ in range(count):
        yield mutate(rng, rng.choice(texts))


def fuzz(count: int, seed: int, keep: int = 20, say=lambda _line: None) -> Report:
    report = Report(seed=seed)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="dfwctl-fuzz-") as tmp:
        env = dict(os.environ, DFWCTL_CACHE_DIR=str(Path(tmp) / "cache"),
                   PYTHONPATH=str(ROOT))
        env.pop("DFWCTL_NO_CACHE", None)
        work = _Worker(env)
        try:
            for n, body in enumerate(cases(count, seed), start=1):
                path = Path(tmp) / f"case{n}.yml"
                path.write_text(body, encoding="utf-8", errors="surrogateescape")
                answer = work.ask(str(path))
                report.cases += 1
                if answer is None:
                    work.close()
                    work = _Worker(env)
                    problem: Optional[str] = f"hang ({HANG:.0f} s)"
                elif answer["code"] == -1:
                    work.close()
                    work = _Worker(env)
                    problem = "crash: the worker died"
                else:
                    problem = judge(n, answer)
                    if answer["code"] == 0:
                        report.valid += 1
                    elif answer["code"] == 1:
                        report.refused += 1
                if problem and len(report.findings) < keep:
                    report.findings.append(Finding(n, problem, body))
                elif problem:
                    report.findings.append(Finding(n, problem, ""))
                path.unlink()
                if n % 500 == 0:
                    say(f"fuzz: {n}/{count}, {len(report.findings)} mishandled")
        finally:
            work.close()
    report.seconds = time.monotonic() - started
    return report


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args(argv)
    if args.worker:
        worker()
        return 0
    seed = args.seed if args.seed is not None else random.randrange(1 << 30)
    report = fuzz(args.count, seed, say=lambda line: print(line, flush=True))
    for f in report.findings[:20]:
        print(f"case {f.case}: {f.what}\n" + "".join(f"    | {line}\n"
                                                      for line in f.text.splitlines()[:25]))
    print(f"fuzz: {report.cases} playbooks, seed {seed}, {report.valid} valid, {report.refused} "
          f"refused, {len(report.findings)} mishandled, {report.seconds:.0f} s")
    return 1 if report.findings else 0


if __name__ == "__main__":
    sys.exit(main())
