"""Secrets in the Docker part: how each one reaches its container, and what a container's
record keeps of its value. Pure, but for the key's random bytes.

How it reaches the container. Never through the container's configuration (its environment,
command or labels), which `docker inspect` shows to anyone who may list containers:
- a secret from a file, with no uid, gid or mode, on an engine that runs on this computer, is
  bind-mounted read-only from that file (as compose does): Docker Desktop needs the file's
  drive shared, as for any bind mount;
- any other (from a variable; with a uid, gid or mode, which a bind mount cannot set; on the
  engine of a VM or of another computer, which cannot see this computer's files) is copied
  into the created container before it starts, as a file of that owner and mode, without
  write bits (compose's defaults: root, 0444).

What the record keeps. A keyed digest, HMAC-SHA256 of the secret's name and value, so a
changed file replaces exactly the containers granted it. The key is random, one per playbook
and engine, and the engine keeps it: in a label of a volume dfwctl owns (`<playbook>-dfwctl-
secrets`). So every run, from any computer, compares with the same key, and a digest says
nothing outside that engine (not the same for two playbooks or engines; a plan, a saved plan,
a log or a copied label holds no key to test guesses with). Whoever may use the engine's API
can read that label too, as they can read the secret's file in the container: against them
the digest is as good as a salted hash, no better. A record made with a key that is gone
cannot be compared: its container is given its secrets again.
"""
from __future__ import annotations

import io
import tarfile
import time
from dataclasses import dataclass, field
from typing import Iterator, List, Mapping, Tuple

from dfwctl.providers.docker.model import ContainerSpec, Pairs
from dfwctl.values.secrets import (
    DEFAULT_MODE,
    Grant,
    SecretsKey,
    SecretSource,
    SecretValue,
)

KEY_LABEL = "io.dfwctl.secrets-key"
BIND = "bind"
COPY = "copy"


def key_volume(playbook: str) -> str:
    """The volume whose label keeps the playbook's key on an engine."""
    return f"{playbook}-dfwctl-secrets"


def digests(spec: ContainerSpec, sources: Mapping[str, SecretSource], key: SecretsKey) -> Pairs:
    """The keyed digest of each secret the container is granted, by name."""
    names = sorted({g.source for g in spec.grants if g.source in sources})
    return tuple((n, key.digest(n, sources[n].value)) for n in names)


def delivery(found: Grant, source: SecretSource, local_engine: bool) -> str:
    """BIND or COPY (see the module's docstring): the one place that decides."""
    if source.file is not None and not found.owned and local_engine:
        return BIND
    return COPY


def bound(containers: Mapping[str, ContainerSpec], sources: Mapping[str, SecretSource]
          ) -> Iterator[Tuple[str, Grant, str]]:
    """(container, grant, file) of each secret an engine on this computer bind-mounts: what
    Docker Desktop must share, as for a bind mount."""
    for name in sorted(containers):
        for found in containers[name].grants:
            source = sources.get(found.source)
            if source is not None and source.file is not None and \
                    delivery(found, source, True) == BIND:
                yield name, found, source.file


@dataclass(frozen=True)
class SecretFile:
    """One secret file of a container, as the engine is given it."""

    target: str
    how: str  # BIND | COPY
    source: str = ""  # BIND: the file on this computer
    value: SecretValue = field(default=SecretValue(b""), repr=False)  # COPY
    uid: int = 0
    gid: int = 0
    mode: int = DEFAULT_MODE


def secret_files(spec: ContainerSpec, sources: Mapping[str, SecretSource],
                 local_engine: bool) -> Tuple[SecretFile, ...]:
    found: List[SecretFile] = []
    for grant in spec.grants:
        source = sources[grant.source]
        if delivery(grant, source, local_engine) == BIND:
            assert source.file is not None, "delivery() binds files only"
            found.append(SecretFile(grant.target, BIND, source=source.file))
            continue
        found.append(SecretFile(
            grant.target, COPY, value=source.value,
            uid=int(grant.uid) if grant.uid is not None else 0,
            gid=int(grant.gid) if grant.gid is not None else 0,
            mode=grant.mode if grant.mode is not None else DEFAULT_MODE))
    return tuple(found)


def archive(files: Tuple[SecretFile, ...]) -> bytes:
    """The copied secrets as one tar archive to unpack at the container's root: a file entry
    per secret, with its owner and mode (missing folders are made by the engine, root's)."""
    buffer = io.BytesIO()
    now = int(time.time())
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for item in files:
            if item.how != COPY:
                continue
            info = tarfile.TarInfo(item.target.lstrip("/"))
            info.size = len(item.value.data)
            info.mode = item.mode
            info.uid, info.gid = item.uid, item.gid
            info.mtime = now
            tar.addfile(info, io.BytesIO(item.value.data))
    return buffer.getvalue()
