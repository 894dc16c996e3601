"""The shape of the package, read from its source: no import cycles, no private names imported
across modules, one set of roles per provider, and nothing provider-specific at the root."""
from __future__ import annotations

import ast
from pathlib import Path
from typing import Dict, Iterator, List, Set, Tuple

import pytest

from tests.paths import ROOT

PACKAGE = ROOT / "dfwctl"
PROVIDERS = ("docker", "desktop", "hyperv")
ROLES = ("model", "rules", "gather", "diff", "status", "steps", "perform", "provider")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES: Dict[str, Path] = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def imports(path: Path) -> Iterator[Tuple[str, List[str]]]:
    """(module, names) for every import in the file, at any depth (lazy imports count)."""
    package = module_name(path) if path.name == "__init__.py" else \
        module_name(path).rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(parent + ([node.module] if node.module else []))
            yield base, [a.name for a in node.names]
        elif isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, []


def graph() -> Dict[str, Set[str]]:
    """Which dfwctl module imports which (a `from package import module` names the module)."""
    edges: Dict[str, Set[str]] = {m: set() for m in MODULES}
    for name, path in MODULES.items():
        for target, names in imports(path):
            for candidate in [target] + [f"{target}.{n}" for n in names]:
                if candidate in MODULES and candidate != name:
                    edges[name].add(candidate)
    return edges


def cycles(edges: Dict[str, Set[str]]) -> List[List[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: Dict[str, int] = {}
    low: Dict[str, int] = {}
    stack: List[str] = []
    found: List[List[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in sorted(edges[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def test_the_cycle_finder_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycles_in_the_package():
    assert cycles(graph()) == []


def test_no_private_name_is_imported_from_another_module():
    offenders = [f"{name}: from {target} import {n}"
                 for name, path in MODULES.items() for target, names in imports(path)
                 if target.startswith("dfwctl") for n in names
                 if n.startswith("_") and not n.startswith("__")]
    assert offenders == []


@pytest.mark.parametrize("provider", PROVIDERS)
def test_every_provider_has_the_same_roles(provider):
    folder = PACKAGE / "providers" / provider
    assert [r for r in ROLES if not (folder / f"{r}.py").exists()] == []


def test_the_root_holds_only_what_every_provider_shares():
    """A root module may import a provider's model (the desired state is built from them) and
    the provider interface, never a provider's working parts."""
    allowed = {f"dfwctl.providers.{p}.{m}" for p in PROVIDERS for m in ("model", "rules")}
    allowed |= {"dfwctl.providers", "dfwctl.providers.base"}
    allowed |= {f"dfwctl.providers.{p}" for p in PROVIDERS}  # packages: a docstring each
    roots = [n for n, p in MODULES.items() if p.parent == PACKAGE]
    edges = graph()
    reaching = {n: sorted(t for t in edges[n]
                          if t.startswith("dfwctl.providers") and t not in allowed)
                for n in roots}
    assert {n: t for n, t in reaching.items() if t} == {}


def _raises_without_match(source: str) -> List[int]:
    """Lines of `pytest.raises(...)` calls that do not say which message they expect."""
    return [node.lineno for node in ast.walk(ast.parse(source))
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and node.func.attr == "raises" and isinstance(node.func.value, ast.Name)
            and node.func.value.id == "pytest"
            and not any(k.arg == "match" for k in node.keywords)]


def test_the_match_finder_finds_a_raises_without_match():
    assert _raises_without_match("with pytest.raises(ValueError):\n    f()\n") == [1]
    assert _raises_without_match("with pytest.raises(ValueError, match='x'):\n    f()\n") == []


def test_every_expected_exception_says_which_message_it_expects():
    """An exception of the right type with the wrong message is a failure too."""
    found = [f"{path.relative_to(ROOT)}:{line}"
             for path in sorted((ROOT / "tests").rglob("*.py"))
             for line in _raises_without_match(path.read_text(encoding="utf-8"))]
    assert found == []
