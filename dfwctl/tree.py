"""Safe reads of a loaded playbook tree, for rules that run on possibly invalid parts."""
from __future__ import annotations

from typing import Any, Dict, List


def _mapping(node: Any, *keys: Any) -> Dict[Any, Any]:
    """node[keys...] when it is a mapping, else {}."""
    for key in keys:
        node = node.get(key) if isinstance(node, dict) else None
    return node if isinstance(node, dict) else {}


def _sequence(node: Any, key: Any) -> List[Any]:
    value = node.get(key) if isinstance(node, dict) else None
    return value if isinstance(value, list) else []
