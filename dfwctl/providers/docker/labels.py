"""Labels dfwctl puts on what it creates: the owner (the playbook's name) and the spec record."""
from __future__ import annotations

from typing import Any, Dict, Mapping, Optional, Type, TypeVar

from dfwctl.mask import Masker
from dfwctl.providers.docker import record

OWNER = "io.dfwctl.playbook"
SPEC = "io.dfwctl.spec"
RECORD_VERSION = "io.dfwctl.record-version"
REPLACING = "io.dfwctl.replacing"  # on the new container while a replace is under way

T = TypeVar("T", bound=record.Spec)


def owned_labels(owner: str, spec: Any, mask: Masker) -> Dict[str, str]:
    labels = dict(getattr(spec, "labels", ()) or ())
    labels[OWNER] = owner
    labels[SPEC] = record.dumps(record.to_record(spec, mask))
    labels[RECORD_VERSION] = record.RECORD_VERSION
    return labels


def owner_filter(owner: str) -> Dict[str, str]:
    return {"label": f"{OWNER}={owner}"}


def recorded_spec(cls: Type[T], name: str, labels: Optional[Mapping[str, str]]) -> Optional[T]:
    """The spec an object was created with, or None when its record is missing or broken."""
    data = record.loads((labels or {}).get(SPEC))
    if data is None:
        return None
    try:
        return record.from_record(cls, name, data)
    except (TypeError, ValueError):
        return None
