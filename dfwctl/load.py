"""Load a playbook: YAML text -> Document, a round-trip tree that remembers the position of
every key and value. Syntax errors and duplicate keys come back as positioned diagnostics."""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache, partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, Dict, List, Optional, Sequence, Tuple, Type, Union

from dfwctl import loadlimits, parsecache
from dfwctl.errors import DfwctlError, Diagnostic, PlaybookError

if TYPE_CHECKING:  # ruamel.yaml is imported when a playbook is parsed, not on a cache hit
    from ruamel.yaml import YAML
    from ruamel.yaml.constructor import RoundTripConstructor, SafeConstructor
    from ruamel.yaml.error import MarkedYAMLError
    from ruamel.yaml.nodes import Node
    from ruamel.yaml.reader import ReaderError

PathPart = Union[str, int]
DocPath = Tuple[PathPart, ...]


@lru_cache(maxsize=None)
def _constructors() -> Tuple[Type[RoundTripConstructor], Type[SafeConstructor]]:
    """(round-trip, fast) constructor classes; both keep timestamps as the strings the user
    wrote (a tag like `2024-01-01` is a string, not a date). The fast one makes plain dicts
    and lists and refuses duplicate keys."""
    from ruamel.yaml.constructor import RoundTripConstructor, SafeConstructor

    class PlaybookConstructor(RoundTripConstructor):
        pass

    class FastConstructor(SafeConstructor):
        pass

    PlaybookConstructor.add_constructor(
        "tag:yaml.org,2002:timestamp", RoundTripConstructor.construct_yaml_str)
    FastConstructor.add_constructor(
        "tag:yaml.org,2002:timestamp", SafeConstructor.construct_yaml_str)
    for cls, base in ((PlaybookConstructor, RoundTripConstructor),
                      (FastConstructor, SafeConstructor)):
        cls.add_constructor("tag:yaml.org,2002:int", partial(_construct_int, base))
        cls.add_constructor("tag:yaml.org,2002:float", partial(_construct_float, base))
        cls.add_constructor("tag:yaml.org,2002:bool", partial(_construct_bool, base))
    return PlaybookConstructor, FastConstructor


# ruamel calls each scalar constructor with (constructor, node); `base` (bound above) is the
# constructor class whose reading of the value it refines.

MAX_DIGITS = 100  # a whole number this long is refused as it is read (Python stops at 4300)


def _construct_int(base: Any, self: Any, node: Any) -> Any:
    """An int, refusing a number of too many digits at its position instead of Python's
    ValueError (an internal error) or minutes spent converting it."""
    if len(node.value) > MAX_DIGITS:
        raise loadlimits.bound_error()(
            None, None, f"the number {node.value[:12]}... ({len(node.value)} characters) is "
            "too large: whole numbers go up to 9223372036854775807 (64 bits)",
            node.start_mark)
    return _tagged(base.construct_yaml_int, "!!int", "a whole number", self, node)


def _construct_float(base: Any, self: Any, node: Any) -> Any:
    return _tagged(base.construct_yaml_float, "!!float", "a number", self, node)


def _construct_bool(base: Any, self: Any, node: Any) -> Any:
    return _tagged(base.construct_yaml_bool, "!!bool", "true or false", self, node)


def _tagged(construct: Any, tag: str, what: str, self: Any, node: Any) -> Any:
    """The value `construct` reads, refusing at its position a value an explicit tag
    (`!!int x`) says is something it is not; a value without a tag only gets that type when
    it is one."""
    try:
        return construct(self, node)
    except (ValueError, KeyError, IndexError):
        from ruamel.yaml.constructor import ConstructorError

        raise ConstructorError(
            None, None, f"{node.value!r} is tagged {tag} but is not {what}: remove the "
            f"tag, or write {what}", node.start_mark) from None


def _fast_yaml() -> "YAML":
    from ruamel.yaml import YAML

    yaml = YAML(typ="safe")  # libyaml's C parser when ruamel.yaml.clib is there
    yaml.Constructor = _constructors()[1]
    return yaml


def _fast_load(text: str) -> Tuple[bool, Any]:
    """(True, data) from the C parser, or (False, None) when the text is outside what the fast
    path takes (see loadlimits): its composed nodes are measured before they are built."""
    yaml = _fast_yaml()
    constructor, parser = yaml.get_constructor_parser(text)
    try:
        node = constructor.composer.get_single_node()
        if node is None:
            return True, None
        if not loadlimits.nodes_within_bounds(node):
            return False, None
        return True, constructor.construct_document(node)
    finally:
        parser.dispose()


def _yaml() -> "YAML":
    from ruamel.yaml import YAML

    yaml = YAML()  # round-trip, the default
    yaml.Constructor = _constructors()[0]
    yaml.Composer = loadlimits.composer_class()  # depth, recursive aliases, alias expansion
    # keys written twice are all reported by _duplicate_keys before construction; ruamel
    # refuses keys that differ as written and read the same (1 and 01)
    return yaml


def format_path(path: Sequence[PathPart]) -> str:
    """('containers', 'shell', 'mounts', 0) -> 'containers.shell.mounts[0]'."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


@dataclass
class Document:
    """A loaded playbook.

    `data` is either the round-trip tree (dicts and lists that carry positions) or, on the
    fast path, plain dicts and lists from the C parser with no positions. A fast document is
    good for valid playbooks; for messages, take `round_trip()` and check that again."""

    path: Path
    data: Any
    display_name: str
    text: Optional[str] = None  # kept on the fast path, to parse again with positions
    # the fast tree as JSON, for the parse cache once the playbook proved valid
    parsed_json: Optional[str] = field(default=None, repr=False, compare=False)
    sources: Optional["Sources"] = field(default=None, repr=False, compare=False)  # layers

    @property
    def has_positions(self) -> bool:
        return self.text is None

    def round_trip(self) -> "Document":
        """The same playbook parsed with positions (itself when it already has them)."""
        if self.has_positions:
            return self
        assert self.text is not None, "a document without positions keeps its text"
        return parse(self.text, self.path, self.display_name)

    @property
    def directory(self) -> Path:
        return self.path.resolve().parent

    def position(self, path: Sequence[PathPart], key: bool = False) -> Tuple[int, int]:
        """1-based (line, column) of the node at `path`, or of its key when `key` is true.
        Walks as deep as the path exists; a missing tail reports its nearest parent."""
        return self.locate(path, key)[1:]

    def locate(self, path: Sequence[PathPart], key: bool = False) -> Tuple[str, int, int]:
        """(file, line, column) of the node at `path`: in a layered playbook, the file that
        holds the value (see Sources), else this playbook."""
        if not self.has_positions:
            return self.display_name, 1, 1
        from ruamel.yaml.comments import CommentedMap, CommentedSeq

        node = self.data
        sources = self.sources
        where = self.display_name  # the top of a layered playbook is the playbook's own
        line, col = 1, 1
        for part in path:
            if isinstance(node, CommentedMap) and part in node:
                data = (node.lc.data or {}).get(part)  # keys a `<<` merge brought have no position
                if data is not None:
                    at = 0 if key and part == path[-1] else 2  # [key line, col, value line, col]
                    line, col = data[at] + 1, data[at + 1] + 1
                if sources is not None:
                    where = sources.file_of(node, part, where)
            elif isinstance(node, CommentedSeq) and isinstance(part, int) and 0 <= part < len(node):
                item = (node.lc.data or {}).get(part)
                if item is not None:
                    line, col = item[0] + 1, item[1] + 1
                # a list comes whole from one file (lists replace), the file of its key
            else:
                break
            node = node[part]
        return where, line, col

    def diagnostic(
        self, path: Sequence[PathPart], message: str, severity: str = "error", key: bool = False
    ) -> Diagnostic:
        where, line, col = self.locate(path, key=key)
        return Diagnostic(where, line, col, format_path(path), message, severity)


@dataclass
class Sources:
    """Where the parts of a layered playbook (include:, the override file) come from: the
    file of each mapping and list, and of each key or item a merge took from another file.
    Keyed by the identity of the containers, which the composed tree keeps alive."""

    files: Tuple[Path, ...] = ()  # every file read, in the order merged
    containers: Dict[int, str] = field(default_factory=dict)  # id(container) -> file
    entries: Dict[Tuple[int, PathPart], str] = field(default_factory=dict)
    # every container noted above, held so that no id is reused while these tables live
    held: List[Any] = field(default_factory=list, repr=False)

    def file_of(self, container: Any, part: Optional[PathPart], default: str) -> str:
        if part is not None:
            found = self.entries.get((id(container), part))
            if found is not None:
                return found
        return self.containers.get(id(container), default)


def _duplicate_keys(node: "Node", name: str, out: List[Diagnostic], path: DocPath = ()) -> None:
    from ruamel.yaml.nodes import MappingNode, ScalarNode, SequenceNode

    if isinstance(node, MappingNode):
        seen: Dict[str, Any] = {}  # key -> where it was first defined (a ruamel Mark)
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, ScalarNode) else None
            if key is None:
                mark = key_node.start_mark
                out.append(Diagnostic(name, mark.line + 1, mark.column + 1, format_path(path),
                                      "a key must be a plain value, not a list or a mapping: "
                                      "write it as text"))
                continue
            child = path + (key,)
            if key in seen:
                first = seen[key]
                mark = key_node.start_mark
                out.append(
                    Diagnostic(
                        name, mark.line + 1, mark.column + 1, format_path(child),
                        f"duplicate key {key!r} (first defined at line {first.line + 1}); "
                        "keep one of them",
                    )
                )
            else:
                seen[key] = key_node.start_mark
            _duplicate_keys(value_node, name, out, child)
    elif isinstance(node, SequenceNode):
        for index, item in enumerate(node.value):
            _duplicate_keys(item, name, out, path + (index,))


def _syntax_diagnostic(exc: "MarkedYAMLError", name: str) -> Diagnostic:
    mark = exc.problem_mark or exc.context_mark
    line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    problem = exc.problem or exc.context or "invalid YAML"
    if isinstance(exc, loadlimits.bound_error()):
        return Diagnostic(name, line, col, "", problem)
    if exc.context and exc.problem:
        problem = f"{exc.context}: {exc.problem}"
    return Diagnostic(name, line, col, "", f"YAML syntax error: {problem}")


def _reader_diagnostic(exc: "ReaderError", text: str, name: str) -> Diagnostic:
    """A character YAML does not allow (a NUL, a control character), at its position."""
    before = text[: max(0, exc.position)]
    line = before.count("\n") + 1
    col = len(before) - (before.rfind("\n") + 1) + 1
    code = exc.character if isinstance(exc.character, int) else ord(str(exc.character)[:1] or "?")
    return Diagnostic(name, line, col, "", f"YAML does not allow the character U+{code:04X} "
                      f"({exc.reason}): remove it, or write it as an escape in a double-quoted "
                      "string")


def parse(text: str, path: Path, display_name: Optional[str] = None) -> Document:
    from ruamel.yaml.comments import CommentedMap
    from ruamel.yaml.error import MarkedYAMLError
    from ruamel.yaml.reader import ReaderError

    name = display_name or str(path)
    yaml = _yaml()
    try:
        node = yaml.compose(text)
    except MarkedYAMLError as exc:
        raise PlaybookError([_syntax_diagnostic(exc, name)]) from None
    except ReaderError as exc:
        raise PlaybookError([_reader_diagnostic(exc, text, name)]) from None
    duplicates: List[Diagnostic] = []
    if node is not None:
        _duplicate_keys(node, name, duplicates)
    if duplicates:
        raise PlaybookError(duplicates)
    try:
        data = yaml.constructor.construct_document(node) if node is not None else None
    except MarkedYAMLError as exc:
        raise PlaybookError([_syntax_diagnostic(exc, name)]) from None
    if data is None:
        data = CommentedMap()
    return Document(path=path, data=data, display_name=name)


def parse_fast(text: str, path: Path, display_name: Optional[str] = None) -> Document:
    """Parse with the C parser, without positions; any YAML problem, and any text outside the
    bounds the fast path takes (loadlimits), takes the slow path, which reports every problem
    with its position."""
    from ruamel.yaml.error import YAMLError

    if not loadlimits.fast_parser_safe(text):
        return parse(text, path, display_name)
    try:
        fast, data = _fast_load(text)
    except (YAMLError, ValueError, RecursionError):  # syntax, a character YAML does not allow
        fast = False
    if not fast:
        return parse(text, path, display_name)
    return Document(path=path, data={} if data is None else data,
                    display_name=display_name or str(path), text=text)


def load(path: Union[str, Path], fast: bool = True, cache: bool = False) -> Document:
    """Read and parse a playbook. `fast` parses without positions (see parse_fast); with
    `cache`, a text parsed before comes from the parse cache (parsecache) instead."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise DfwctlError(f"{path}: no such file", hint="pass the path of a playbook (.yml)") from None
    except IsADirectoryError:
        raise DfwctlError(f"{path}: is a directory, not a playbook file") from None
    except OSError as exc:
        raise DfwctlError(f"{path}: cannot read: {exc.strerror}") from None
    if len(raw) > loadlimits.MAX_BYTES:
        raise PlaybookError([Diagnostic(str(path), 1, 1, "", loadlimits.size_message(len(raw)))])
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DfwctlError(
            f"{path}: not UTF-8 text (byte {exc.start}); save the playbook as UTF-8"
        ) from None
    if not fast:
        return parse(text, path, display_name=str(path))
    if cache:
        data = parsecache.lookup(text)
        if data is not None and loadlimits.tree_within_bounds(data):
            return Document(path=path, data=data, display_name=str(path), text=text)
    document = parse_fast(text, path, display_name=str(path))
    if cache and not document.has_positions:
        document.parsed_json = parsecache.encode(document.data)
    return document
