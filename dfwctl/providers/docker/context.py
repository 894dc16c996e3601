"""A build context as the engine sees it: the files the Docker CLI would send (`.dockerignore`
honoured, the Dockerfile always there), a fingerprint of them, and the tar that is sent.

The fingerprint covers what decides the engine's build cache: each path, its kind, permission
bits, size and content (a symlink's target), and the Dockerfile; not modification times (the
builder's cache ignores them, so touching a file without changing it rebuilds nothing). The
tar is written from the same walk, so what is fingerprinted is exactly what is sent.

Reading every file on every plan would make a no-op plan of a large context slow: the content
digest of each file is kept in a cache (keyed by path, size, modification and change times,
inode), and only files whose stat moved are read again. A file changed within the clock's
granularity of the last look is always read again (git's "racy" rule). Losing the cache costs
time, never correctness.
"""
from __future__ import annotations

import hashlib
import io
import json
import os
import stat
import tarfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Dict, Iterator, List, Mapping, NamedTuple, Optional, Tuple, Union

from dfwctl.errors import DfwctlError
from dfwctl.providers.docker.dockerignore import (
    WINDOWS,
    Info,
    Matcher,
    PatternError,
    read_patterns,
    with_build_files,
)
from dfwctl.schemacache import cache_dir

OUTSIDE_DOCKERFILE = ".dockerfile.dfwctl"  # the name a Dockerfile from outside the context gets
RACY_NS = 2_000_000_000  # a file changed this close to the last look is read again
CACHE_VERSION = 1
KEEP_MANIFESTS = 16
_CHUNK = 1 << 20


class Entry(NamedTuple):
    """One path the context sends (a named tuple: a large context has tens of thousands)."""

    path: str  # relative, with /
    kind: str  # f (file) | d (directory) | l (symlink)
    mode: int  # permission bits
    size: int = 0
    mtime: float = 0.0
    target: str = ""  # a symlink's target
    digest: str = ""  # a file's content

    def line(self) -> str:
        """What the fingerprint covers of it."""
        what = self.digest if self.kind == "f" else self.target
        return f"{self.path}\0{self.kind}\0{self.mode:o}\0{self.size}\0{what}\n"


@dataclass(frozen=True)
class Context:
    root: Path
    dockerfile: str  # the name the engine reads it under, relative to the context
    entries: Tuple[Entry, ...]
    extra: Tuple[Tuple[str, bytes], ...] = ()  # files added to the tar (an outside Dockerfile)
    dockerfile_digest: str = ""
    digest: str = ""  # of the entries and the extra files
    read_files: int = field(default=0, compare=False)  # files whose content was read now

    def manifest(self) -> Dict[str, str]:
        """Each path with what the fingerprint saw of it."""
        return {e.path: e.line() for e in self.entries}


def read_context(root: Path, dockerfile: str, use_cache: bool = True) -> Context:
    """Walk the context `root` as the CLI sends it; `dockerfile` is the Dockerfile's path,
    relative to the context (it may lie outside it)."""
    if not os.path.isdir(root):
        raise DfwctlError(f"build context {root} is not a folder",
                          "check build.context (relative to the playbook's folder)")
    dockerfile_path = (root / dockerfile)
    try:
        dockerfile_bytes = dockerfile_path.read_bytes()
    except OSError as exc:
        raise DfwctlError(f"cannot read the Dockerfile {dockerfile_path}: {exc.strerror}",
                          "check build.dockerfile (relative to build.context)") from None
    inside = _inside(root, dockerfile_path)
    name = inside if inside is not None else OUTSIDE_DOCKERFILE
    ignore = root / ".dockerignore"
    try:
        ignore_text = ignore.read_text(encoding="utf-8-sig") if os.path.isfile(ignore) else None
    except (OSError, UnicodeDecodeError) as exc:
        raise DfwctlError(f"cannot read {ignore}: {exc}") from None
    try:
        matcher = Matcher(with_build_files(read_patterns(ignore_text or ""), name))
    except PatternError as exc:
        raise DfwctlError(f"{ignore}: syntax error in pattern {exc}",
                          "fix the pattern: docker build refuses it too") from None
    cache = _DigestCache(root) if use_cache else _DigestCache(None)
    entries = tuple(_walk(str(root), "", matcher, None, cache))
    cache.save()
    extra: Tuple[Tuple[str, bytes], ...] = ()
    if inside is None:  # sent under another name, and left out of the image by .dockerignore
        ignored = (ignore_text or "") + f"\n{OUTSIDE_DOCKERFILE}\n"
        extra = ((OUTSIDE_DOCKERFILE, dockerfile_bytes), (".dockerignore", ignored.encode()))
        entries = tuple(e for e in entries if e.path != ".dockerignore")
    whole = hashlib.sha256("".join(entry.line() for entry in entries)
                           .encode("utf-8", "surrogateescape"))
    for extra_name, data in extra:
        whole.update(f"{extra_name}\0+\0{hashlib.sha256(data).hexdigest()}\n".encode())
    return Context(root, name, entries, extra, "sha256:" + hashlib.sha256(dockerfile_bytes)
                   .hexdigest(), "sha256:" + whole.hexdigest(), cache.read)


def _inside(root: Path, path: Path) -> Optional[str]:
    """`path` relative to `root` with /, or None when it is outside."""
    try:
        relative = os.path.relpath(os.path.abspath(path), os.path.abspath(root))
    except ValueError:  # another drive on Windows
        return None
    if relative == ".." or relative.startswith(".." + os.sep):
        return None
    return relative.replace(os.sep, "/")


def _walk(folder: str, prefix: str, matcher: Matcher, parent: Optional[Info],
          cache: "_DigestCache") -> Iterator[Entry]:
    """The entries under `folder` in the order the CLI walks them (names sorted)."""
    try:
        with os.scandir(folder) as found:
            listed = sorted(found, key=_name)
    except OSError as exc:
        raise DfwctlError(f"cannot read the build context folder {folder}: {exc.strerror}") \
            from None
    patterns = bool(matcher.patterns)
    for item in listed:
        path = prefix + item.name
        info: Optional[Info] = None
        skip = False
        if patterns:
            skip, info = matcher.matches(path, parent)
        try:
            st = item.stat(follow_symlinks=False)
        except OSError as exc:
            raise DfwctlError(f"cannot read {item.path}: {exc.strerror}") from None
        kind = st.st_mode
        if skip:
            if stat.S_ISDIR(kind) and matcher.enters(path):
                yield from _walk(item.path, path + "/", matcher, info, cache)
            continue
        if stat.S_ISREG(kind):
            yield Entry(path, "f", _mode(st), st.st_size, st.st_mtime,
                        digest=cache.digest(item.path, path, st))
        elif stat.S_ISDIR(kind):
            yield Entry(path, "d", _mode(st), mtime=st.st_mtime)
            yield from _walk(item.path, path + "/", matcher, info, cache)
        elif stat.S_ISLNK(kind):
            yield Entry(path, "l", _mode(st), mtime=st.st_mtime, target=os.readlink(item.path))
        # a socket or a device: the CLI sends none


def _name(item: "os.DirEntry[str]") -> str:
    return item.name


def _mode(st: os.stat_result) -> int:
    bits = stat.S_IMODE(st.st_mode)
    return (bits & 0o755) | 0o111 if WINDOWS else bits  # Windows keeps no execute bit


class _DigestCache:
    """Content digests by path, trusted while the file's stat is the one they were taken of."""

    def __init__(self, root: Optional[Path]):
        self.file: Optional[Path] = None
        self.known: Dict[str, List[Union[int, str]]] = {}
        self.seen: Dict[str, List[Union[int, str]]] = {}
        self.read = 0
        self.written = 0
        self.trusted_before = -RACY_NS
        folder = cache_dir() if root is not None else None
        if folder is not None and root is not None:
            key = hashlib.sha256(os.path.abspath(root).encode("utf-8", "surrogateescape"))
            self.file = folder / "build" / f"{key.hexdigest()[:32]}.json"
            self._load()

    def _load(self) -> None:
        assert self.file is not None, "only a cache with a file loads"
        try:
            data = json.loads(self.file.read_bytes())
        except (OSError, ValueError):
            return
        if isinstance(data, dict) and data.get("version") == CACHE_VERSION:
            self.known = data.get("files") or {}
            self.written = int(data.get("written") or 0)
        self.trusted_before = self.written - RACY_NS  # changed later: read again

    def digest(self, full: str, path: str, st: os.stat_result) -> str:
        key: List[Union[int, str]] = [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino]
        known = self.known.get(path)
        if known is not None and known[:4] == key and \
                st.st_mtime_ns < self.trusted_before and st.st_ctime_ns < self.trusted_before:
            self.seen[path] = known
            return str(known[4])
        found = _file_digest(full)
        self.read += 1
        self.seen[path] = key + [found]
        return found

    def save(self) -> None:
        """Write what was seen, when anything was read (an unchanged context writes nothing)."""
        if self.file is None or (not self.read and len(self.seen) == len(self.known)):
            return
        data = {"version": CACHE_VERSION, "written": time.time_ns(), "files": self.seen}
        _write(self.file, json.dumps(data, separators=(",", ":")).encode())


def _file_digest(path: str) -> str:
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as handle:
            for chunk in iter(lambda: handle.read(_CHUNK), b""):
                digest.update(chunk)
    except OSError as exc:
        raise DfwctlError(f"cannot read {path} in the build context: {exc.strerror}") from None
    return "sha256:" + digest.hexdigest()


def _write(path: Path, data: bytes) -> None:
    """Atomically, or not at all (a cache that cannot be written is only slower)."""
    temp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temp.write_bytes(data)
        os.replace(temp, path)
    except OSError:
        temp.unlink(missing_ok=True)


# What changed since a build -----------------------------------------------------------------
def remember(context: Context) -> None:
    """Keep what this context's fingerprint covered, so a later plan can name what changed."""
    folder = cache_dir()
    if folder is None:
        return
    manifests = folder / "build" / "manifests"
    _write(manifests / context.digest.replace(":", "-"),
           json.dumps(context.manifest(), separators=(",", ":")).encode())
    try:
        kept = sorted(manifests.iterdir(), key=lambda p: p.stat().st_mtime, reverse=True)
    except OSError:
        return
    for old in kept[KEEP_MANIFESTS:]:
        old.unlink(missing_ok=True)


def changed_paths(before: str, now: Context) -> Optional[List[str]]:
    """The paths that differ between the context fingerprinted as `before` and now (added,
    removed or changed), sorted; None when what `before` covered is not known here."""
    folder = cache_dir()
    if folder is None:
        return None
    try:
        old: Mapping[str, str] = json.loads(
            (folder / "build" / "manifests" / before.replace(":", "-")).read_bytes())
    except (OSError, ValueError):
        return None
    new = now.manifest()
    return sorted(p for p in set(old) | set(new) if old.get(p) != new.get(p))


# The tar that is sent ---------------------------------------------------------------------------
def write_tar(context: Context, into: IO[bytes]) -> None:
    """The context as the CLI sends it: the entries in walk order, owned by root."""
    with tarfile.open(fileobj=into, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for entry in context.entries:
            info = tarfile.TarInfo(entry.path)
            info.mode, info.mtime = entry.mode, int(entry.mtime)
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            full = context.root / entry.path
            if entry.kind == "d":
                info.type = tarfile.DIRTYPE
                tar.addfile(info)
            elif entry.kind == "l":
                info.type, info.linkname = tarfile.SYMTYPE, entry.target
                tar.addfile(info)
            else:
                info.size = entry.size
                with open(full, "rb") as handle:
                    tar.addfile(info, handle)
        for name, data in context.extra:
            info = tarfile.TarInfo(name)
            info.size, info.mode, info.mtime = len(data), 0o600, int(time.time())
            tar.addfile(info, io.BytesIO(data))
