"""Where each key of a compose tree was written (file, line, column), kept through merges,
extends and includes, and the warnings and errors that name those places."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Sequence, Tuple

from dfwctl.errors import DfwctlError, Diagnostic, sort_diagnostics
from dfwctl.load import PathPart, format_path


@dataclass(frozen=True)
class Where:
    file: str
    line: int
    col: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}"


class ComposeError(DfwctlError):
    """The compose files cannot be read as docker compose would: every problem with its file,
    line and column."""

    def __init__(self, diagnostics: Sequence[Diagnostic], what: str = "in the compose files"):
        self.diagnostics = sort_diagnostics(diagnostics)
        count = sum(1 for d in self.diagnostics if d.is_error)
        super().__init__("\n".join(str(d) for d in self.diagnostics)
                         + f"\n{count} error{'s' if count != 1 else ''}: {what}")


def _key_where(node: Any, key: Any, file: str) -> Optional[Where]:
    """Where a key was written; a key a YAML merge (<<: *anchor) brought is where the anchored
    mapping wrote it."""
    for mapping in [node] + list(getattr(node, "merge", None) or []):
        if hasattr(mapping, "lc") and key in (mapping.lc.data or {}):
            line, col = mapping.lc.key(key)
            return Where(file, line + 1, col + 1)
    return None


class Origins:
    """Positions by container object: for a mapping, where each key was written; for a list,
    where each item was. Merges make new mappings and lists and copy positions over, so a
    value is always found where the file that won the merge wrote it."""

    def __init__(self) -> None:
        # id -> (the object, kept alive so its id is not reused; its positions)
        self._table: Dict[int, Tuple[Any, Dict[PathPart, Where]]] = {}
        self.diagnostics: List[Diagnostic] = []
        self.written: Dict[str, str] = {}  # text with a path made absolute -> as written

    def scan(self, data: Any, file: str) -> None:
        """Record the positions ruamel kept in a freshly parsed tree."""
        from ruamel.yaml.comments import CommentedMap, CommentedSeq

        stack = [data]
        seen = set()
        while stack:
            node = stack.pop()
            if id(node) in seen:
                continue
            seen.add(id(node))
            if isinstance(node, CommentedMap):
                for key, value in node.items():
                    self.record(node, key, _key_where(node, key, file))
                    stack.append(value)
            elif isinstance(node, CommentedSeq):
                for index, value in enumerate(node):
                    position = (node.lc.data or {}).get(index)
                    if position is not None:
                        self.record(node, index, Where(file, position[0] + 1, position[1] + 1))
                    stack.append(value)

    def record(self, container: Any, key: PathPart, where: Optional[Where]) -> None:
        if where is None:
            return
        entry = self._table.get(id(container))
        if entry is None or entry[0] is not container:
            entry = (container, {})
            self._table[id(container)] = entry
        entry[1][key] = where

    def of(self, container: Any, key: PathPart) -> Optional[Where]:
        entry = self._table.get(id(container))
        if entry is None or entry[0] is not container:
            return None
        return entry[1].get(key)

    def within(self, container: Any) -> Optional[Where]:
        """The first position recorded in a container (for a message about all of it)."""
        entry = self._table.get(id(container))
        if entry is None or entry[0] is not container or not entry[1]:
            return None
        return min(entry[1].values(), key=lambda w: (w.line, w.col))

    def copy(self, source: Any, source_key: PathPart, target: Any, target_key: PathPart) -> None:
        self.record(target, target_key, self.of(source, source_key))

    def diagnostic(self, container: Any, key: PathPart, path: Sequence[PathPart], message: str,
                   severity: str = "warning", fallback: Optional[Where] = None) -> Diagnostic:
        where = self.of(container, key) or self.within(container) or fallback \
            or Where("compose", 1, 1)
        return Diagnostic(where.file, where.line, where.col, format_path(path), message,
                          severity)

    def warn(self, container: Any, key: PathPart, path: Sequence[PathPart], message: str) -> None:
        self.diagnostics.append(self.diagnostic(container, key, path, message))

    def error(self, container: Any, key: PathPart, path: Sequence[PathPart], message: str,
              fallback: Optional[Where] = None) -> None:
        self.diagnostics.append(self.diagnostic(container, key, path, message, "error",
                                                fallback))

    def check(self) -> None:
        """Raise the errors found so far, with every warning beside them."""
        if any(d.is_error for d in self.diagnostics):
            raise ComposeError(self.diagnostics)

    @property
    def warnings(self) -> List[Diagnostic]:
        return [d for d in sort_diagnostics(self.diagnostics) if not d.is_error]
