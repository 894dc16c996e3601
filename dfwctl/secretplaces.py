"""Where a secret may not go, and secrets out of every validation message.

A value of a variable listed under `secrets:` is masked wherever dfwctl prints or saves it,
but some places are read by anyone who can list containers, networks or volumes (`docker ps`,
`docker network ls`): labels, the image reference, and the playbook's name (dfwctl's owner
label). A secret there is refused, with the field and what to do instead; a secret in a
command or an entrypoint (shown by `docker ps`) is a warning."""
from __future__ import annotations

import dataclasses
from typing import Any, FrozenSet, Iterable, List, Tuple

from dfwctl.errors import Diagnostic
from dfwctl.load import Document
from dfwctl.redact import hide

ANY = object()  # any one key or index
Pattern = Tuple[Any, ...]

REFUSED: Tuple[Tuple[Pattern, str], ...] = (
    (("containers", ANY, "labels", ANY), "labels"),
    (("networks", ANY, "labels", ANY), "labels"),
    (("volumes", ANY, "labels", ANY), "labels"),
    (("containers", ANY, "image"), "an image reference"),
    (("name",), "the playbook's name, which dfwctl writes as a label,"),
)
WARNED: Tuple[Pattern, ...] = (("containers", ANY, "command"), ("containers", ANY, "entrypoint"))

REFUSED_MESSAGE = ("this value holds a secret, and {what} can be read by anyone who can list "
                   "containers, networks or volumes: pass the secret in env (or a file mounted "
                   "into the container) instead")
WARNED_MESSAGE = ("this value holds a secret, which `docker ps` shows to anyone who can list "
                  "containers: pass it in env instead")


def _matches(pattern: Pattern, path: Tuple[Any, ...], prefix: bool = False) -> bool:
    if len(path) < len(pattern) or (not prefix and len(path) != len(pattern)):
        return False
    return all(p is ANY or p == part for p, part in zip(pattern, path))


def placement(doc: Document, secret_paths: FrozenSet[Tuple[Any, ...]]) -> List[Diagnostic]:
    """An error for each secret where anyone can read it; a warning where `docker ps` shows it."""
    found = []
    for path in sorted(secret_paths, key=repr):
        refused = next((what for pattern, what in REFUSED if _matches(pattern, path)), None)
        if refused is not None:
            found.append(doc.diagnostic(path, REFUSED_MESSAGE.format(what=refused)))
        elif any(_matches(pattern, path, prefix=True) for pattern in WARNED):
            found.append(doc.diagnostic(path, WARNED_MESSAGE, severity="warning"))
    return found


def masked(diagnostics: Iterable[Diagnostic], secrets: Iterable[str]) -> List[Diagnostic]:
    """The diagnostics with every secret value in their messages masked."""
    secrets = tuple(secrets)
    if not secrets:
        return list(diagnostics)
    return [dataclasses.replace(d, message=hide(d.message, secrets), path=hide(d.path, secrets))
            for d in diagnostics]
