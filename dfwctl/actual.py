"""What the machine has now: a snapshot read live by the providers (see gather.py).

Values only; no I/O. Specs of owned objects are rebuilt from their recorded labels, in the
same dataclasses as the desired state, so diff can compare them field by field.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
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
        # The reprs of frozen dataclasses of strings, numbers and tuples are deterministic.
        relevant = (
            sorted(self.containers.items()),
            sorted((n, s) for n, s in self.networks.items() if s.owner),
            sorted((n, s) for n, s in self.volumes.items() if s.owner),
            sorted((r, s.id) for r, s in self.images.items()),
            sorted(self.remote_digests.items(), key=lambda item: item[0]),
            sorted(self.foreign_containers),
            sorted(c.id for c in self.leftovers),
        )
        return hashlib.sha256(repr(relevant).encode()).hexdigest()
