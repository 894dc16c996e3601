"""The build context dfwctl sends and fingerprints: what .dockerignore leaves out (fuzzed
against the Docker SDK's own tar of the same context), that the tar holds exactly what the
fingerprint covers, and that the fingerprint moves when, and only when, what is sent moves."""
from __future__ import annotations

import io
import os
import tarfile
import time

import pytest
from docker.utils.build import tar as sdk_tar

from dfwctl.errors import DfwctlError
from dfwctl.providers.docker import context as ctx
from dfwctl.providers.docker.context import read_context, write_tar
from tests.contexts import make_context, tar_paths

# What the SDK's matcher (moby's older one) and the Docker CLI agree on: the SDK lowercases
# names and patterns, reads [!x] as a negated set, and lets an exception that names a folder
# bring back what an earlier pattern excluded below it. Those cases are fuzzed against the
# Docker CLI itself in tests/engine/test_build.py.
SDK_PARTS = ("a", "b", "sub", "node_modules", "x.log", "y.txt", "keep", "ab", "c", "*", "?b",
             "*.log", "**", "a*", "[ab]", "*.md")
SDK_EXCEPTIONS = ("x.log", "keep", "*.txt", "**/keep", "ab", "*.md")


@pytest.fixture(autouse=True)
def _cache(tmp_path, monkeypatch):
    monkeypatch.setenv("DFWCTL_CACHE_DIR", str(tmp_path / "cache"))


def sent(root):
    context = read_context(root, "Dockerfile")
    buffer = io.BytesIO()
    write_tar(context, buffer)
    return context, buffer


@pytest.mark.parametrize("seed", range(250))
def test_the_context_is_what_the_sdk_would_send(tmp_path, seed):
    root = make_context(seed, tmp_path, SDK_PARTS, SDK_EXCEPTIONS)
    ignore = root / ".dockerignore"
    patterns = None
    if ignore.exists():
        patterns = [line.strip() for line in ignore.read_text().splitlines()
                    if line.strip() and not line.strip().startswith("#")]
    theirs = tar_paths(sdk_tar(str(root), exclude=patterns, dockerfile=("Dockerfile", None)))
    context, ours = sent(root)
    assert {e.path for e in context.entries} == theirs
    assert tar_paths(ours) == theirs


def test_the_tar_holds_what_the_fingerprint_covers(tmp_path):
    root = make_context(7, tmp_path, SDK_PARTS, SDK_EXCEPTIONS)
    (root / "run.sh").write_text("#!/bin/sh\n")
    (root / "run.sh").chmod(0o755)
    (root / "link").symlink_to("run.sh")
    context, buffer = sent(root)
    buffer.seek(0)
    with tarfile.open(fileobj=buffer) as tar:
        members = {m.name: m for m in tar.getmembers()}
        assert list(members) == [e.path for e in context.entries]
        for entry in context.entries:
            member = members[entry.path]
            assert (member.uid, member.gid, member.mode) == (0, 0, entry.mode)
            if entry.kind == "f":
                assert tar.extractfile(member).read() == (root / entry.path).read_bytes()
            assert member.issym() == (entry.kind == "l")
    assert members["link"].linkname == "run.sh"
    assert members["run.sh"].mode & 0o111


def context_of(tmp_path, **files):
    root = tmp_path / "ctx"
    root.mkdir(exist_ok=True)
    (root / "Dockerfile").write_text("FROM busybox:latest\nCOPY . /app\n")
    for name, text in files.items():
        path = root / name.replace("__", "/")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def digest(root):
    return read_context(root, "Dockerfile").digest


def settled(root):
    """A context whose files are older than the cache's racy window, read once (cached)."""
    past = time.time() - 10
    for folder, dirs, files in os.walk(root):
        for name in dirs + files:
            os.utime(os.path.join(folder, name), (past, past), follow_symlinks=False)
    return digest(root)


def test_what_moves_the_fingerprint(tmp_path):
    root = context_of(tmp_path, **{"app.py": "print(1)\n", "src__util.py": "x = 1\n",
                                   "debug.log": "noise\n", ".dockerignore": "*.log\n"})
    first = settled(root)
    assert digest(root) == first  # read again, from the cache
    (root / "debug.log").write_text("more noise\n")
    assert digest(root) == first  # ignored
    os.utime(root / "app.py")
    assert digest(root) == first  # touched: same content, the builder's cache ignores times
    (root / "app.py").write_text("print(2)\n")
    changed = digest(root)
    assert changed != first
    (root / "app.py").chmod(0o755)
    assert digest(root) != changed  # permission bits are sent
    (root / "new.txt").write_text("")
    assert digest(root) != changed
    (root / "new.txt").unlink()
    (root / "app.py").chmod(0o644)
    assert digest(root) == changed


def test_a_same_size_change_with_the_old_mtime_is_seen(tmp_path):
    """The cache trusts a digest only while size, times and inode are the ones it was taken
    of: an editor that restores the modification time still changes the change time."""
    root = context_of(tmp_path, **{"app.py": "print(1)\n"})
    first = settled(root)
    stat = os.stat(root / "app.py")
    time.sleep(0.01)
    (root / "app.py").write_text("print(2)\n")
    os.utime(root / "app.py", ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert digest(root) != first


def test_a_change_just_after_a_look_is_seen(tmp_path):
    """Racy files (changed within the clock's granularity of the last look) are read again,
    even when size and times look the same."""
    root = context_of(tmp_path, **{"app.py": "aaaa\n"})
    first = digest(root)
    assert read_context(root, "Dockerfile").read_files == 2  # still within the window
    stat = os.stat(root / "app.py")
    (root / "app.py").write_text("bbbb\n")
    os.utime(root / "app.py", ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert digest(root) != first


def test_the_cache_reads_only_what_changed(tmp_path, monkeypatch):
    monkeypatch.setattr(ctx, "RACY_NS", 0)  # the files here were made just now
    root = context_of(tmp_path, **{f"f{i}": str(i) for i in range(50)})
    settled(root)
    assert read_context(root, "Dockerfile").read_files == 0
    (root / "f3").write_text("changed")
    assert read_context(root, "Dockerfile").read_files == 1


def test_changed_paths_are_named_against_the_last_build(tmp_path):
    root = context_of(tmp_path, **{"a.py": "1", "b.py": "2", "c.py": "3"})
    built = read_context(root, "Dockerfile")
    ctx.remember(built)
    (root / "b.py").write_text("changed")
    (root / "c.py").unlink()
    (root / "d.py").write_text("new")
    assert ctx.changed_paths(built.digest, read_context(root, "Dockerfile")) == [
        "b.py", "c.py", "d.py"]
    assert ctx.changed_paths("sha256:" + "0" * 64, built) is None  # built elsewhere


def test_the_dockerfile_and_dockerignore_are_always_sent(tmp_path):
    root = context_of(tmp_path, **{"app.py": "", ".dockerignore": "*\n",
                                   "docker__app.Dockerfile": "FROM busybox:latest\n"})
    assert [e.path for e in read_context(root, "Dockerfile").entries] == [
        ".dockerignore", "Dockerfile"]
    assert [e.path for e in read_context(root, "docker/app.Dockerfile").entries] == [
        ".dockerignore", "docker/app.Dockerfile"]


def test_a_dockerfile_outside_the_context_is_sent_and_left_out_of_the_image(tmp_path):
    root = context_of(tmp_path, **{"app.py": ""})
    outside = tmp_path / "Dockerfile.outside"
    outside.write_text("FROM busybox:latest\n")
    context = read_context(root, "../Dockerfile.outside")
    assert context.dockerfile == ctx.OUTSIDE_DOCKERFILE
    buffer = io.BytesIO()
    write_tar(context, buffer)
    buffer.seek(0)
    with tarfile.open(fileobj=buffer) as tar:
        assert tar.extractfile(ctx.OUTSIDE_DOCKERFILE).read() == outside.read_bytes()
        ignored = tar.extractfile(".dockerignore").read().decode()
    assert ignored.splitlines()[-1] == ctx.OUTSIDE_DOCKERFILE
    before = context.digest
    outside.write_text("FROM busybox:latest\nRUN true\n")
    assert read_context(root, "../Dockerfile.outside").digest != before


def test_a_bad_pattern_is_refused_as_docker_build_refuses_it(tmp_path):
    root = context_of(tmp_path, **{".dockerignore": "ok\n[unclosed\n"})
    with pytest.raises(DfwctlError, match=r"\.dockerignore: syntax error in pattern"):
        read_context(root, "Dockerfile")


def test_no_context_no_dockerfile(tmp_path):
    with pytest.raises(DfwctlError, match="is not a folder"):
        read_context(tmp_path / "nowhere", "Dockerfile")
    with pytest.raises(DfwctlError, match="cannot read the Dockerfile"):
        read_context(context_of(tmp_path), "Dockerfile.dev")
