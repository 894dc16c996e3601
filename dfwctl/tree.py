"""Safe reads of a loaded playbook tree, for rules that run on possibly invalid parts, and the
tree as plain dicts and lists."""
from __future__ import annotations

from typing import Any, Dict, List


def mapping(node: Any, *keys: Any) -> Dict[Any, Any]:
    """node[keys...] when it is a mapping, else {}."""
    for key in keys:
        node = node.get(key) if isinstance(node, dict) else None
    return node if isinstance(node, dict) else {}


def sequence(node: Any, key: Any) -> List[Any]:
    value = node.get(key) if isinstance(node, dict) else None
    return value if isinstance(value, list) else []


def plain(value: Any) -> Any:
    """ruamel's round-trip containers -> plain dicts and lists."""
    if isinstance(value, dict):  # CommentedMap is a dict too
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value
