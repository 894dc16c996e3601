"""Random build contexts for the fuzz tests of what dfwctl sends to a build: trees of folders
and files, `.dockerignore` files drawn from the pattern grammar, and the paths that a tar of
the context holds."""
from __future__ import annotations

import random
import tarfile
from pathlib import Path
from typing import IO, List, Sequence, Set

FOLDERS = ("a", "b", "sub", "node_modules", "Docs")
FILES = ("x.log", "y.txt", "keep", "ab", "README.md", "c")


def make_tree(rng: random.Random, root: Path, depth: int = 0) -> None:
    for _ in range(rng.randint(1, 4)):
        if depth < 3 and rng.random() < 0.4:
            folder = root / rng.choice(FOLDERS)
            if not folder.exists():
                folder.mkdir()
                make_tree(rng, folder, depth + 1)
        else:
            path = root / rng.choice(FILES)
            if not path.exists():
                path.write_bytes(bytes(rng.randrange(256) for _ in range(rng.randint(0, 24))))


def make_patterns(rng: random.Random, parts: Sequence[str], exceptions: Sequence[str],
                  count: int = 5) -> List[str]:
    """Up to `count` lines: paths of 1 to 3 parts, some anchored with /, some exceptions
    (drawn from `exceptions`), a comment now and then."""
    lines = []
    for _ in range(rng.randint(0, count)):
        if rng.random() < 0.25:
            path = "/".join(rng.choice(exceptions) for _ in range(rng.randint(1, 2)))
            lines.append("!" + path)
            continue
        path = "/".join(rng.choice(parts) for _ in range(rng.randint(1, 3)))
        if rng.random() < 0.2:
            path = "/" + path
        if rng.random() < 0.05:
            path = "# " + path
        lines.append(path)
    return lines


def make_context(seed: int, base: Path, parts: Sequence[str],
                 exceptions: Sequence[str]) -> Path:
    rng = random.Random(seed)
    root = base / f"context-{seed}"
    root.mkdir()
    make_tree(rng, root)
    (root / "Dockerfile").write_text("FROM busybox:latest\nCOPY . /context\n")
    lines = make_patterns(rng, parts, exceptions)
    if lines:
        (root / ".dockerignore").write_text("\n".join(lines) + "\n")
    return root


def tar_paths(tar: IO[bytes]) -> Set[str]:
    tar.seek(0)
    with tarfile.open(fileobj=tar) as opened:
        return {m.name.rstrip("/") for m in opened.getmembers()}


# .dockerignore cases where the rules are easy to get wrong; what the Docker CLI sends for each
# (checked against the CLI in tests/engine/test_build.py). Files: path -> content ("/" ending:
# a folder).
RULES = {
    "a folder and what is below it": (
        ["a/", "a/b/f", "keep"], ["a"], [".dockerignore", "Dockerfile", "keep"]),
    "an exception inside an excluded folder": (
        ["a/b/f", "a/g", "keep"], ["a", "!a/b/f"],
        [".dockerignore", "Dockerfile", "a/b/f", "keep"]),
    "an exception the walk never reaches": (
        ["a/b/keep", "c/keep"], ["a", "!**/keep"],
        [".dockerignore", "Dockerfile", "c", "c/keep"]),
    "** matches no folder, one or several": (
        ["x.log", "a/x.log", "a/b/x.log", "a/y.txt"], ["**/*.log"],
        [".dockerignore", "Dockerfile", "a", "a/b", "a/y.txt"]),
    "a trailing ** keeps the folder itself": (
        ["a/b/f", "a/g"], ["a/**"], [".dockerignore", "Dockerfile", "a"]),
    "a leading slash is the context's root": (
        ["keep", "a/keep"], ["/keep"], [".dockerignore", "Dockerfile", "a", "a/keep"]),
    "names are case-sensitive": (
        ["README.md", "readme.md"], ["*.MD", "README*"],
        [".dockerignore", "Dockerfile", "readme.md"]),
    "[!x] is a set of ! and x": (
        ["x", "y", "!"], ["[!x]"], [".dockerignore", "Dockerfile", "y"]),
    "a comment only at the start of a line": (
        ["#keep", "keep"], ["#keep", "  #keep"], [".dockerignore", "Dockerfile", "keep"]),
    "the last pattern that matches decides": (
        ["a.log", "b.log"], ["*.log", "!a.log", "a.*"], [".dockerignore", "Dockerfile"]),
    "an exception on a folder does not undo what a pattern below it excluded": (
        ["x/sub/a", "x/sub/b"], ["**/a", "!x"],
        [".dockerignore", "Dockerfile", "x", "x/sub", "x/sub/b"]),
    "the Dockerfile and .dockerignore are sent even when excluded": (
        ["app.py"], ["*"], [".dockerignore", "Dockerfile"]),
    "an escaped wildcard is a plain character": (
        ["a*", "ab"], ["a\\*"], [".dockerignore", "Dockerfile", "ab"]),
    "dots and a parent in a pattern are cleaned away": (
        ["a/b", "c"], ["./a/../c", "a/./b"], [".dockerignore", "Dockerfile", "a"]),
}


def make_rule_case(root: Path, files: Sequence[str], patterns: Sequence[str]) -> Path:
    root.mkdir(parents=True)
    (root / "Dockerfile").write_text("FROM busybox:latest\n")
    for name in files:
        path = root / name
        if name.endswith("/"):
            path.mkdir(parents=True, exist_ok=True)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(name)
    (root / ".dockerignore").write_text("\n".join(patterns) + "\n")
    return root
