"""Ownership of what a playbook adopted (`dfwctl adopt`, `apply --adopt`).

A container, network or volume made elsewhere cannot take labels once it exists, so the
playbook's claim on it lives in the labels of a small empty volume of its own, the adoption
record: `io.dfwctl.adoptions=<playbook>` marks that volume, and one label per adopted object,
`io.dfwctl.adopted.<kind>.<name>`, holds the object's identity (a container's or network's
id, a volume's creation time) and the spec record dfwctl compares it with, as the record
label on what dfwctl creates. An object whose identity no longer matches (removed, made
again) is not owned through an old entry.

Labels of a volume cannot change either: a new record is a new volume, named by a digest of
its labels, created before the old ones are removed. A crash between the two leaves both,
and they are read together (the newer entry of an object wins), so one more apply finishes
the job. The record volumes are read from the volume list a plan makes anyway: no extra call."""
from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import dataclass
from typing import Any, Dict, Iterable, List, Mapping, Optional, Tuple

from dfwctl.errors import NotFoundError
from dfwctl.providers.docker.engine import Engine

ADOPTIONS = "io.dfwctl.adoptions"  # on a record volume: the playbook it holds adoptions of
ADOPTED = "io.dfwctl.adopted."  # + kind.name: {"id": identity, "record": spec record}
_WRITING = threading.Lock()  # one record written at a time by this process (apply's lock
# keeps other dfwctl processes of the same playbook and engine out)


@dataclass(frozen=True)
class Adopted:
    """One adopted object: its kind (container | network | volume), name, identity, and the
    spec record (JSON text) it is compared with."""

    kind: str
    name: str
    identity: str
    record: str

    @property
    def key(self) -> Tuple[str, str]:
        return self.kind, self.name


@dataclass(frozen=True)
class Records:
    """The adoptions of one playbook, read from its record volumes (their names kept, so a
    new record can replace them)."""

    entries: Mapping[Tuple[str, str], Adopted]
    volumes: Tuple[str, ...] = ()

    def find(self, kind: str, name: str, identity: str) -> Optional[Adopted]:
        """The entry of the object, when it is still the one adopted."""
        found = self.entries.get((kind, name))
        return found if found is not None and found.identity == identity else None


def is_record(raw: Mapping[str, Any]) -> bool:
    """Whether a listed volume is an adoption record (of any playbook)."""
    return ADOPTIONS in (raw.get("Labels") or {})


def read(volumes: Iterable[Mapping[str, Any]], owner: str) -> Records:
    """The playbook's adoptions from the listed volumes (older records first, newer win)."""
    mine = sorted((v for v in volumes if (v.get("Labels") or {}).get(ADOPTIONS) == owner),
                  key=lambda v: (str(v.get("CreatedAt") or ""), str(v.get("Name"))))
    entries: Dict[Tuple[str, str], Adopted] = {}
    for volume in mine:
        for label, value in (volume.get("Labels") or {}).items():
            entry = _entry(label, value)
            if entry is not None:
                entries[entry.key] = entry
    return Records(entries, tuple(str(v.get("Name")) for v in mine))


def _entry(label: str, value: str) -> Optional[Adopted]:
    if not label.startswith(ADOPTED):
        return None
    kind, _, name = label[len(ADOPTED):].partition(".")
    try:
        data = json.loads(value)
    except ValueError:
        return None  # a damaged entry owns nothing
    if not name or not isinstance(data, dict) or not isinstance(data.get("id"), str):
        return None
    record = data.get("record")
    return Adopted(kind, name, data["id"], json.dumps(record if isinstance(record, dict) else {},
                                                      sort_keys=True, separators=(",", ":")))


def labels_of(owner: str, entries: Iterable[Adopted]) -> Dict[str, str]:
    labels = {ADOPTIONS: owner}
    for entry in sorted(entries, key=lambda e: e.key):
        labels[f"{ADOPTED}{entry.kind}.{entry.name}"] = json.dumps(
            {"id": entry.identity, "record": json.loads(entry.record)},
            sort_keys=True, separators=(",", ":"))
    return labels


def volume_name(owner: str, labels: Mapping[str, str]) -> str:
    digest = hashlib.sha256(json.dumps(labels, sort_keys=True).encode()).hexdigest()[:12]
    return f"dfwctl-adopted-{owner}-{digest}"


def write(engine: Engine, owner: str, adopted: Adopted) -> str:
    """Add `adopted` to the playbook's record: a new record volume with every entry, then
    the old ones removed. Returns the new volume's name."""
    api = engine.api
    with _WRITING:
        listed = engine.call("list adoption records", api.volumes,
                             filters={"label": f"{ADOPTIONS}={owner}"}) or {}
        current = read(listed.get("Volumes") or (), owner)
        entries = {**current.entries, adopted.key: adopted}
        labels = labels_of(owner, entries.values())
        name = volume_name(owner, labels)
        if name not in current.volumes:
            engine.call(f"create adoption record {name}", api.create_volume, name=name,
                        driver="local", labels=labels)
        remove(engine, [v for v in current.volumes if v != name])
    return name


def remove(engine: Engine, names: List[str]) -> None:
    for name in names:
        try:
            engine.call(f"remove adoption record {name}", engine.api.remove_volume, name)
        except NotFoundError:
            pass  # removed already
