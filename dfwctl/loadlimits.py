"""The bounds of what a playbook may be, so that no text can exhaust dfwctl: its size, how
deep it nests, and how many values its aliases expand to (a few hundred bytes of YAML aliases,
"billion laughs", name billions of values); an alias inside the value it names (a recursive
alias) is refused too.

The positioned parser checks them while it composes (`BoundedComposer`), so each error points
at the place that crosses the bound. The fast path (libyaml's C parser, which recurses in C and
would crash the process on very deep nesting) is taken only for text that cannot nest deeper
than that parser handles (`fast_parser_safe`), and its composed nodes are measured before they
are built (`nodes_within_bounds`); a tree from the parse cache is measured too
(`tree_within_bounds`). Outside the bounds, load takes the positioned parser for the message."""
from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, Any, Dict, List, Tuple, Type

if TYPE_CHECKING:  # ruamel.yaml is imported when a playbook is parsed, not on a cache hit
    from ruamel.yaml.composer import Composer
    from ruamel.yaml.error import MarkedYAMLError

MAX_BYTES = 4 * 2**20  # a playbook of 200 containers is about 40 KiB
MAX_DEPTH = 64  # levels of nesting; a playbook uses fewer than 10
MAX_VALUES = 100_000  # values after expanding aliases; 200 containers are about 6,000
# Every level of nesting starts with one of these characters ([ { - ? :), so a text with fewer
# of them cannot nest deeper: far below where libyaml's recursive composer runs out of stack.
FAST_NESTING = 10_000

DEPTH_MESSAGE = (f"the playbook is nested more than {MAX_DEPTH} levels deep: a playbook needs "
                 "a few; check the brackets and indentation here")
RECURSIVE_MESSAGE = ("the alias *{anchor} is inside the value it names (a recursive alias): "
                     "a playbook value cannot contain itself")
EXPANSION_MESSAGE = (f"aliases expand the playbook to more than {MAX_VALUES:,} values from here: "
                     "use fewer aliases of large values")


def size_message(size: int) -> str:
    return (f"the playbook is {size / 2**20:.1f} MiB: dfwctl reads playbooks of up to "
            f"{MAX_BYTES // 2**20} MiB; split it, or check that this is the right file")


def fast_parser_safe(text: str) -> bool:
    """Whether `text` cannot nest deep enough to hurt the C parser (see FAST_NESTING)."""
    openers = sum(text.count(c) for c in "[{-?:")
    return openers <= FAST_NESTING


@lru_cache(maxsize=None)
def composer_class() -> Type[Composer]:
    """ruamel's composer with the bounds checked on the way: depth, recursive aliases and the
    count of values aliases expand to, each refused at the event that crosses it."""
    from ruamel.yaml.composer import Composer
    from ruamel.yaml.events import AliasEvent

    ComposerError = bound_error()

    class BoundedComposer(Composer):
        def compose_document(self) -> Any:
            self.warn_double_anchors = False  # YAML allows it: the later one counts
            self._values = 0
            self._sizes: Dict[Any, int] = {}  # anchor -> values its node expands to
            self._open: Dict[Any, bool] = {}  # anchor -> its latest node is being composed
            return super().compose_document()

        def compose_node(self, parent: Any, index: Any) -> Any:
            event = self.parser.peek_event()
            if isinstance(event, AliasEvent):
                if self._open.get(event.anchor):
                    raise ComposerError(None, None, RECURSIVE_MESSAGE.format(
                        anchor=event.anchor), event.start_mark)
                self._count(self._sizes.get(event.anchor, 1), event)
                return super().compose_node(parent, index)
            if self.depth >= MAX_DEPTH:
                raise ComposerError(None, None, DEPTH_MESSAGE, event.start_mark)
            anchor = event.anchor
            if anchor is not None:
                self._open[anchor] = True
            before = self._values
            self._count(1, event)
            node = super().compose_node(parent, index)
            if anchor is not None:
                self._open[anchor] = False
                self._sizes[anchor] = self._values - before
            return node

        def _count(self, values: int, event: Any) -> None:
            self._values += values
            if self._values > MAX_VALUES:
                raise ComposerError(None, None, EXPANSION_MESSAGE, event.start_mark)

    return BoundedComposer


def nodes_within_bounds(root: Any) -> bool:
    """Whether a composed node graph (the C parser's) is acyclic, no deeper than MAX_DEPTH and
    expands to at most MAX_VALUES values. Iterative; each distinct node is visited once."""
    from ruamel.yaml.nodes import MappingNode, SequenceNode

    def children(node: Any) -> List[Any]:
        if isinstance(node, SequenceNode):
            return list(node.value)
        if isinstance(node, MappingNode):
            return [part for pair in node.value for part in pair]
        return []

    return _within_bounds(root, children)


def tree_within_bounds(tree: Any) -> bool:
    """The same for a plain tree of dicts and lists (the fast parser's, or the parse cache's)."""

    def children(node: Any) -> List[Any]:
        if isinstance(node, dict):
            return [part for pair in node.items() for part in pair]
        if isinstance(node, list):
            return list(node)
        return []

    return _within_bounds(tree, children)


def _within_bounds(root: Any, children: Any) -> bool:
    sizes: Dict[int, int] = {}  # id -> expanded values, for nodes done
    depth_of: Dict[int, int] = {}  # id -> deepest nesting below, for nodes done
    on_path = set()
    stack: List[Tuple[Any, bool]] = [(root, False)]
    while stack:
        node, closing = stack.pop()
        key = id(node)
        if closing:
            kids = children(node)
            sizes[key] = 1 + sum(sizes[id(k)] for k in kids)
            depth_of[key] = 1 + max((depth_of[id(k)] for k in kids), default=0)
            on_path.discard(key)
            if sizes[key] > MAX_VALUES or depth_of[key] > MAX_DEPTH:
                return False
            continue
        if key in on_path:
            return False  # a cycle: a recursive alias
        if key in sizes:
            continue
        on_path.add(key)
        stack.append((node, True))
        stack.extend((kid, False) for kid in children(node) if id(kid) not in sizes)
    return True


@lru_cache(maxsize=None)
def bound_error() -> Type[MarkedYAMLError]:
    """The error a bound raises while the playbook is read (a MarkedYAMLError: it carries the
    position); its message is shown as it is, not as a syntax error."""
    from ruamel.yaml.error import MarkedYAMLError

    class PlaybookBoundError(MarkedYAMLError):
        pass

    return PlaybookBoundError
