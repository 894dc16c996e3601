"""The spec record: the canonical JSON form of a resource's desired spec, stored in a label on
what dfwctl creates, so the next plan can tell which field changed without any state file.

Secret values never enter a record: a string that contains one is replaced by a salted hash
(dfwctl.mask).
"""
from __future__ import annotations

import json
from dataclasses import fields
from typing import Any, ClassVar, Dict, Optional, Protocol, Type, TypeVar

from dfwctl.mask import Masker, unmasked

RECORD_VERSION = "1"



class Spec(Protocol):
    """What a record is made from and rebuilt into: a spec dataclass with a `name` field."""

    __dataclass_fields__: ClassVar[Dict[str, Any]]

    def __init__(self, name: str, **values: Any) -> None: ...


T = TypeVar("T", bound=Spec)


def is_pairs(value: Any) -> bool:
    """A mapping field kept as sorted (key, value) tuples (env, labels, options)."""
    return isinstance(value, tuple) and all(isinstance(v, tuple) and len(v) == 2 for v in value)


def _encode(value: Any, mask: Masker) -> Any:
    if isinstance(value, str):
        return mask(value)
    if isinstance(value, tuple):
        if value and is_pairs(value):
            return {k: _encode(v, mask) for k, v in value}
        return [_encode(v, mask) for v in value]
    return value


def _decode(value: Any) -> Any:
    """JSON back to a spec's values: mappings to sorted pairs, lists to tuples, at any depth
    (network aliases are a mapping of lists)."""
    if isinstance(value, dict):
        return tuple(sorted((str(k), _decode(v)) for k, v in value.items()))
    if isinstance(value, list):
        return tuple(_decode(v) for v in value)
    return value


def to_record(spec: Any, mask: Optional[Masker] = None) -> Dict[str, Any]:
    """The compared fields of `spec` that differ from their defaults, JSON-ready."""
    mask = mask or unmasked
    out: Dict[str, Any] = {}
    for f in fields(spec):
        if not f.compare or f.name == "name":
            continue
        value = getattr(spec, f.name)
        if value != f.default:
            out[f.name] = _encode(value, mask)
    return out


def from_record(cls: Type[T], name: str, record: Dict[str, Any]) -> T:
    """Rebuild a spec from its record; keys a newer dfwctl may add are ignored."""
    known = {f.name for f in fields(cls) if f.compare and f.name != "name"}
    values = {k: _decode(v) for k, v in record.items() if k in known}
    return cls(name=name, **values)


def dumps(record: Dict[str, Any]) -> str:
    return json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def loads(text: Optional[str]) -> Optional[Dict[str, Any]]:
    if not text:
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None
