"""What a validation rule sees: the loaded document, which places passed the schema, the sizes
parsed so far, and how to make a positioned diagnostic. Each provider's rules (rules.py) are
functions of a Checker; validate runs them all."""
from __future__ import annotations

from typing import Any, Dict, Iterable, Iterator, Mapping, Optional, Sequence, Tuple

from dfwctl.errors import Diagnostic
from dfwctl.load import Document
from dfwctl.tree import mapping
from dfwctl.values.sizes import parse_size

Path = Tuple[Any, ...]


class Checker:
    def __init__(self, doc: Document, bad: Sequence[Sequence[Any]],
                 environ: Optional[Mapping[str, str]] = None):
        self.doc = doc
        self.environ: Mapping[str, str] = environ or {}  # the playbook's variables
        self.data: Dict[Any, Any] = doc.data  # validate checks only a mapping's rules
        self.bad = [tuple(path) for path in bad]
        self.sizes: Dict[Path, int] = {}  # sizes that parsed, by path

    def ok(self, path: Path) -> bool:
        """True when the schema found nothing wrong at `path` or below it."""
        return not any(bad[: len(path)] == path for bad in self.bad)

    def error(self, path: Path, message: str, key: bool = False) -> Diagnostic:
        return self.doc.diagnostic(path, message, key=key)

    def warning(self, path: Path, message: str) -> Diagnostic:
        return self.doc.diagnostic(path, message, severity="warning")

    def parse_sizes(self, paths: Iterable[Path]) -> Iterator[Diagnostic]:
        """Parse the sizes at `paths` (those present and schema-valid) into self.sizes; an
        error for each that does not parse."""
        for path in paths:
            parent = mapping(self.data, *path[:-1])
            if path[-1] not in parent or not self.ok(path):
                continue
            try:
                self.sizes[path] = parse_size(parent[path[-1]])
            except ValueError as exc:
                yield self.error(path, str(exc))
