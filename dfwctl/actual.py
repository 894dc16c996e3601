"""What the machine has now: a snapshot read live by the providers (see gather.py).

Values only; no I/O. Specs of owned objects are rebuilt from their recorded labels, in the
same dataclasses as the desired state, so diff can compare them field by field.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from typing import Mapping, Optional, Tuple

from dfwctl.model import ContainerSpec, NetworkSpec, VolumeSpec


@dataclass(frozen=True)
class EngineInfo:
    endpoint: str
    os_type: str = "linux"
    api_version: str = ""
    server_version: str = ""


@dataclass(frozen=True)
class ContainerState:
    id: str
    name: str
    status: str  # created | running | paused | restarting | removing | exited | dead
    image_id: str
    exit_code: Optional[int] = None
    spec: Optional[ContainerSpec] = None  # None: the record label is missing or unreadable


@dataclass(frozen=True)
class NetworkState:
    id: str
    name: str
    owner: Optional[str]  # the playbook that owns it, None when made elsewhere
    spec: Optional[NetworkSpec] = None


@dataclass(frozen=True)
class VolumeState:
    name: str
    owner: Optional[str]
    spec: Optional[VolumeSpec] = None


@dataclass(frozen=True)
class ImageState:
    reference: str
    id: str
    repo_digests: Tuple[str, ...] = ()


@dataclass(frozen=True)
class Actual:
    engine: EngineInfo
    containers: Mapping[str, ContainerState] = field(default_factory=dict)  # owned, by name
    networks: Mapping[str, NetworkState] = field(default_factory=dict)  # all, by name
    volumes: Mapping[str, VolumeState] = field(default_factory=dict)  # all, by name
    images: Mapping[str, ImageState] = field(default_factory=dict)  # tagged, by reference
    remote_digests: Mapping[str, Optional[str]] = field(default_factory=dict)  # pull: always
    foreign_containers: Tuple[str, ...] = ()  # names the playbook wants, used by others
    leftovers: Tuple[ContainerState, ...] = ()  # replacements an interrupted apply left behind

    def fingerprint(self) -> str:
        """A digest of everything a plan depends on; a saved plan is stale when it moves."""
        relevant = {
            "containers": {n: asdict(c) for n, c in sorted(self.containers.items())},
            "networks": {n: asdict(s) for n, s in sorted(self.networks.items()) if s.owner},
            "volumes": {n: asdict(s) for n, s in sorted(self.volumes.items()) if s.owner},
            "images": {r: s.id for r, s in sorted(self.images.items())},
            "remote": dict(sorted(self.remote_digests.items())),
            "foreign": sorted(self.foreign_containers),
            "leftovers": sorted(c.id for c in self.leftovers),
        }
        text = json.dumps(relevant, sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()
