"""A PowerShell syntax check for the PowerShell text dfwctl ships (invoke.ps1, the completion
script): tree-sitter-powershell's grammar, from the test extras."""
from __future__ import annotations

import pytest

EXTRAS = ("is not installed: install the test extras (pip install -e '.[test]', which "
          "`make test` does) to syntax-check PowerShell text with the PowerShell grammar")


def syntax_errors(source: bytes):
    tree_sitter = pytest.importorskip("tree_sitter", reason=f"tree-sitter {EXTRAS}")
    powershell = pytest.importorskip("tree_sitter_powershell",
                                     reason=f"tree-sitter-powershell {EXTRAS}")
    parser = tree_sitter.Parser(tree_sitter.Language(powershell.language()))
    tree = parser.parse(source)
    found = []

    def walk(node):
        if node.type == "ERROR" or node.is_missing:
            line, col = node.start_point
            found.append(f"{line + 1}:{col + 1}: {node.type} "
                         f"{source[node.start_byte:node.end_byte][:60]!r}")
        for child in node.children:
            walk(child)

    walk(tree.root_node)
    return found
