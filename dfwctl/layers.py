"""Layered playbooks: a playbook made of several files.

- `include: [FILE, ...]` (top level) merges other playbooks under this one, in order, each
  with its own includes first; paths are relative to the file that names them.
- `<name>.override.yml` (or `.yaml`) beside the playbook, when it exists, is merged last: a
  personal layer, kept out of git.
- The merge, as compose merges its files: mappings merge key by key, a later value replaces
  an earlier one, lists replace whole; `!reset` on a value removes the key from what the
  earlier layers said, `!override` replaces an earlier mapping instead of merging into it.

The composed tree keeps every value's own position: `Sources` (load.py) says which file each
key and item came from, so a message points into the file that holds the value."""
from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Set, Tuple

from dfwctl.errors import DfwctlError, Diagnostic, PlaybookError
from dfwctl.load import Document, Sources, load

RESET = "!reset"
OVERRIDE = "!override"
INCLUDE = "include"
MAX_FILES = 32  # files one playbook may read, includes of includes counted
MAX_DEPTH = 8  # includes inside includes
OVERRIDE_SUFFIX = ".override"


def override_file(path: Path) -> Optional[Path]:
    """`dev.override.yml` (or `.yaml`) beside `dev.yml`, when it exists."""
    if path.stem.endswith(OVERRIDE_SUFFIX):
        return None
    suffixes = [path.suffix] if path.suffix else []
    suffixes += [s for s in (".yml", ".yaml") if s not in suffixes]
    for suffix in suffixes:
        candidate = path.with_name(path.stem + OVERRIDE_SUFFIX + suffix)
        if candidate.is_file():
            return candidate
    return None


def compose(path: Path, fast: bool = True, cache: bool = False) -> Document:
    """Load a playbook with its layers. One file without include and tags is loaded as
    before (fast path and parse cache allowed); otherwise every layer is parsed with
    positions and merged."""
    top = load(path, fast=fast, cache=cache)
    override = override_file(path)
    if override is None and not (top.has_positions or _includes(top.data)):
        return top  # the fast parser refuses tags, so this tree has none
    if not top.has_positions:
        top = top.round_trip()
    if override is None and not _includes(top.data) and not _has_tags(top.data):
        return top
    return _Composer(top).run(override)


def _includes(data: Any) -> bool:
    return isinstance(data, dict) and INCLUDE in data


def _tag(value: Any) -> Optional[str]:
    tag = getattr(value, "tag", None)
    text = getattr(tag, "value", None)
    return text if isinstance(text, str) else None


def _has_tags(node: Any) -> bool:
    if _tag(node) is not None:
        return True
    if isinstance(node, dict):
        return any(_has_tags(v) for v in node.values())
    if isinstance(node, list):
        return any(_has_tags(v) for v in node)
    return False


@dataclass
class _Composer:
    top: Document
    sources: Sources = field(default_factory=Sources)
    errors: List[Diagnostic] = field(default_factory=list)
    read: int = 0

    def run(self, override: Optional[Path]) -> Document:
        if not isinstance(self.top.data, dict):
            return self.top  # the schema says what a playbook is
        self.sources.files = (self.top.path,)
        merged = self.layer(self.top, (self.top.path.resolve(),))
        if override is not None:
            name = os.path.join(os.path.dirname(self.top.display_name), override.name)
            document = self.open(override, name, None)
            if document is not None:
                merged = self.merge(merged, self.layer(document, (override.resolve(),)))
        if self.errors:
            raise PlaybookError(self.errors)
        merged = self.resolve(merged)
        self.sources.containers.setdefault(id(merged), self.top.display_name)
        return Document(path=self.top.path, data=merged, display_name=self.top.display_name,
                        sources=self.sources)

    def open(self, path: Path, name: str, where: Optional[Tuple[Document, int]]
             ) -> Optional[Document]:
        """A layer parsed with positions; a problem becomes an error at the include entry
        that names it (`where`), or stops here for a file the user named."""
        self.read += 1
        try:
            if self.read > MAX_FILES:
                raise DfwctlError(f"a playbook reads at most {MAX_FILES} files with its includes")
            document = load(path, fast=False)
        except PlaybookError as exc:  # its own positions, under the name messages use
            self.errors.extend(dataclasses.replace(d, file=name) if d.file == str(path) else d
                               for d in exc.diagnostics)
            return None
        except DfwctlError as exc:
            if where is None:
                raise
            self.errors.append(where[0].diagnostic((INCLUDE, where[1]), exc.message))
            return None
        document.display_name = name
        self.sources.files += (path,)
        return document

    def layer(self, document: Document, chain: Tuple[Path, ...]) -> Any:
        """The tree of one file with its includes merged under it."""
        data = document.data
        self.register(data, document.display_name)
        if not isinstance(data, dict):
            if document is not self.top:
                self.errors.append(document.diagnostic((), "an included playbook must be a "
                                                       "mapping of keys, like a playbook"))
            return data
        merged: Any = None
        self.unknown_tags(document)
        for index, written, target in self.targets(document, len(chain)):
            resolved = target.resolve()
            if resolved in chain:
                cycle = " -> ".join(p.name for p in chain[chain.index(resolved):] + (resolved,))
                self.errors.append(document.diagnostic(
                    (INCLUDE, index), f"include cycle: {cycle}; remove one of these includes"))
                continue
            name = _display(document.display_name, written)
            included = self.open(target, name, (document, index))
            if included is not None:
                tree = self.layer(included, chain + (resolved,))
                merged = tree if merged is None else self.merge(merged, tree)
        return self.merge(merged, data, only={k: v for k, v in data.items() if k != INCLUDE})

    def targets(self, document: Document, depth: int) -> List[Tuple[int, str, Path]]:
        """(index, as written, path) of each include entry; an error for each entry that is
        not a file name."""
        listed = document.data.get(INCLUDE)
        if listed is None:
            return []
        if not isinstance(listed, list) or _tag(listed) is not None:
            self.errors.append(document.diagnostic(
                (INCLUDE,), "expected a list of playbook files, like include: [team.yml]"))
            return []
        if depth > MAX_DEPTH:
            self.errors.append(document.diagnostic(
                (INCLUDE,), f"includes nest more than {MAX_DEPTH} levels deep; include the "
                "files from fewer levels"))
            return []
        found = []
        for index, entry in enumerate(listed):
            if not isinstance(entry, str) or not entry.strip() or "\0" in entry or \
                    _tag(entry) is not None:
                self.errors.append(document.diagnostic(
                    (INCLUDE, index), "expected the path of a playbook file, relative to the "
                    "file that includes it"))
                continue
            written = os.path.expanduser(entry.replace("\\", "/"))
            found.append((index, written, document.directory / written))
        return found

    def register(self, node: Any, name: str) -> None:
        """Note the file of every mapping and list under `node`."""
        if isinstance(node, (dict, list)):
            if id(node) in self.sources.containers:
                return
            self.sources.containers[id(node)] = name
            self.sources.held.append(node)
            for value in node.values() if isinstance(node, dict) else node:
                self.register(value, name)

    def merge(self, lower: Any, upper: Any, only: Optional[Dict[Any, Any]] = None) -> Any:
        """`upper` over `lower` (None: nothing below); `only` limits upper's keys. Tags stay
        on the values until the whole playbook is merged (resolve)."""
        from ruamel.yaml.comments import CommentedMap

        if not isinstance(upper, dict) or _tag(upper) == OVERRIDE or \
                not isinstance(lower, (dict, type(None))):
            return upper
        merged = CommentedMap()
        self.sources.held.append(merged)
        if isinstance(lower, dict):
            for key, value in lower.items():
                self.take(merged, lower, key, value)
        for key in (upper if only is None else only):
            value = upper[key]
            if _tag(value) == RESET:
                merged.pop(key, None)
                if merged.lc.data:
                    merged.lc.data.pop(key, None)
                continue
            if key in merged:
                value = self.merge(merged[key], value)
            self.take(merged, upper, key, value)
        return merged

    def take(self, merged: Any, source: Any, key: Any, value: Any) -> None:
        """merged[key] = value, with the position and file it has in `source`."""
        merged[key] = value
        data = (source.lc.data or {}).get(key)
        if data is not None:
            merged.lc.add_kv_line_col(key, list(data))
        elif merged.lc.data:
            merged.lc.data.pop(key, None)
        entry = self.sources.entries.get((id(source), key)) or self.sources.containers.get(id(source))
        if entry is not None:
            self.sources.entries[(id(merged), key)] = entry

    def resolve(self, value: Any) -> Any:
        """The merged playbook's values with their tags resolved: a `!reset` left removes
        its key (nothing below it to reset), an `!override` left has nothing to override."""
        from ruamel.yaml.comments import TaggedScalar

        if isinstance(value, TaggedScalar):
            return _scalar(value)
        if isinstance(value, dict):
            for key in [k for k, v in value.items() if _tag(v) == RESET]:
                del value[key]
            for key, item in list(value.items()):
                if _tag(item) is not None or isinstance(item, (dict, list)):
                    value[key] = self.resolve(item)
        elif isinstance(value, list):
            for index, item in enumerate(value):
                if _tag(item) is not None or isinstance(item, (dict, list)):
                    value[index] = self.resolve(item)
        return value

    def unknown_tags(self, document: Document) -> None:
        for path, tag in _tags(document.data, ()):
            if tag not in (RESET, OVERRIDE):
                self.errors.append(document.diagnostic(
                    path, f"unknown tag {tag}: a playbook knows {RESET} (remove what earlier "
                    f"layers set) and {OVERRIDE} (replace it instead of merging)"))
            elif path and isinstance(path[-1], int) and tag == RESET:
                self.errors.append(document.diagnostic(
                    path, f"{RESET} removes a key's value: put it on the value of a key"))


def _tags(node: Any, path: Tuple[Any, ...], seen: Optional[Set[int]] = None
          ) -> List[Tuple[Tuple[Any, ...], str]]:
    seen = set() if seen is None else seen
    found: List[Tuple[Tuple[Any, ...], str]] = []
    tag = _tag(node)
    if tag is not None:
        found.append((path, tag))
    if id(node) in seen or not isinstance(node, (dict, list)):
        return found
    seen.add(id(node))
    items = node.items() if isinstance(node, dict) else enumerate(node)
    for key, value in items:
        found += _tags(value, path + (key,), seen)
    return found


def _scalar(value: Any) -> Any:
    """A tagged scalar's value as YAML would read it untagged (`!override 2` is the number
    2; a quoted value stays text)."""
    text = str(value.value)
    if value.style not in (None, ""):
        return text
    from ruamel.yaml import YAML

    try:
        return YAML(typ="safe", pure=True).load(text)
    except Exception:  # noqa: BLE001 -- a plain scalar that is no YAML value stays text
        return text


def _display(including: str, written: str) -> str:
    """How messages name an included file: as written, from the including one's folder."""
    if os.path.isabs(written):
        return written
    return os.path.normpath(os.path.join(os.path.dirname(including), written))
