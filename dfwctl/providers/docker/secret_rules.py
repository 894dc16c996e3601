"""Validation of secrets: the top-level definitions (a file that dfwctl must read now, or a
variable) and each container's grants (a defined secret, at a target nothing else mounts,
with an owner and mode the engine takes), each error at the entry it is about."""
from __future__ import annotations

import posixpath
from typing import Any, Dict, Iterator, List, Tuple

from dfwctl import secretfiles
from dfwctl.checker import Checker, Path
from dfwctl.errors import Diagnostic
from dfwctl.providers.docker.secrets import key_volume
from dfwctl.schema_messages import quote
from dfwctl.suggest import did_you_mean
from dfwctl.tree import mapping, sequence
from dfwctl.values import secrets as S
from dfwctl.values.mounts import mount_of
from dfwctl.values.tmpfs import tmpfs_entry

SECTION = secretfiles.SECTION


def rules(c: Checker) -> Iterator[Diagnostic]:
    yield from definition_rule(c)
    defined = _defined(c)
    for name, spec in mapping(c.data, "containers").items():
        if isinstance(spec, dict) and spec.get(SECTION) is not None:
            yield from grant_rule(c, ("containers", name), spec, defined)
    yield from key_volume_rule(c)


def _defined(c: Checker) -> Dict[str, Dict[Any, Any]]:
    """The secrets a container may be granted, by name: {file: ...} or {environment: ...}."""
    listed = c.data.get(SECTION)
    if isinstance(listed, list):
        return {str(n): {"environment": n} for n in listed if isinstance(n, str)}
    return {str(n): s for n, s in mapping(c.data, SECTION).items() if isinstance(s, dict)}


def definition_rule(c: Checker) -> Iterator[Diagnostic]:
    for name, spec in mapping(c.data, SECTION).items():
        where = (SECTION, name)
        if not isinstance(spec, dict) or not c.ok(where):
            continue
        if spec.get("external") is True:
            yield c.error(where + ("external",), (
                "external secrets are made in a swarm, and dfwctl runs containers without "
                "one: give the secret a file or an environment variable instead"), key=True)
            continue
        given = [k for k in ("file", "environment") if k in spec]
        if len(given) != 1:
            yield c.error(where, (
                f"secret {name} needs exactly one of file or environment, and has "
                f"{' and '.join(given) or 'neither'}: say where its value comes from, like "
                "{file: ./secrets/db-password.txt}"), key=not given)
    for _, written, where in secretfiles.files(c.data):
        if not isinstance(written, str) or not c.ok(where):
            continue
        try:
            secretfiles.read_file(secretfiles.path_of(written, c.doc.directory), written)
        except ValueError as exc:
            yield c.error(where, str(exc))


def grant_rule(c: Checker, path: Path, spec: Dict[Any, Any],
               defined: Dict[str, Dict[Any, Any]]) -> Iterator[Diagnostic]:
    targets: Dict[str, Path] = {}
    copied: List[Tuple[Path, S.Grant]] = []
    for index, entry in enumerate(sequence(spec, SECTION)):
        item = path + (SECTION, index)
        if not c.ok(item) or (isinstance(entry, dict) and "\0" in str(entry.get("target"))):
            continue  # a NUL anywhere in a container is reported once, by the NUL rule
        problem = _unparsable(c, item, entry)
        if problem is not None:
            yield problem
            continue
        found = S.grant(entry)
        yield from _mode_warnings(c, item, entry)
        if found.source not in defined:
            where = item + ("source",) if isinstance(entry, dict) else item
            yield c.error(where, (
                f"secret {quote(found.source)} is not defined: add it under the top-level "
                f"secrets{did_you_mean(found.source, defined)}"))
            continue
        if found.target in targets:
            yield c.error(item, (
                f"{found.target} is already the target of secrets[{targets[found.target][-1]}]"
                ": give one of them another target"))
            continue
        targets[found.target] = item
        if found.owned or "environment" in defined[found.source]:
            copied.append((item, found))
    yield from _mount_clashes(c, spec, targets)
    if spec.get("read_only") is True and copied:
        item, found = copied[0]
        yield c.error(item, (
            f"secret {found.source} must be copied into the container (it comes from a "
            "variable, or sets uid, gid or mode, which a bind mount cannot), and the engine "
            "does not write into a read-only root filesystem: drop read_only, or give the "
            "secret from a file without uid, gid and mode (then it is bind-mounted)"))


def _unparsable(c: Checker, item: Path, entry: Any) -> Any:
    """The error of an entry whose target, uid, gid or mode does not parse, at that key."""
    keys = ("target", "uid", "gid", "mode") if isinstance(entry, dict) else ()
    for key in keys:
        if entry.get(key) is None:
            continue
        try:
            S.grant({"source": entry.get("source", ""), key: entry[key]})
        except ValueError as exc:
            return c.error(item + (key,), str(exc))
    try:
        S.grant(entry)
    except ValueError as exc:
        return c.error(item, str(exc))
    return None


def _mode_warnings(c: Checker, item: Path, entry: Any) -> Iterator[Diagnostic]:
    mode = entry.get("mode") if isinstance(entry, dict) else None
    if mode is None:
        return
    where = item + ("mode",)
    if S.may_be_octal(mode) and not S.written_with_leading_zero(mode):
        # The loader without positions reads 0440 as 440 too: this warning makes the
        # playbook be read again with them, and then only `mode: 440` keeps it.
        yield c.warning(where, (
            f"mode {mode} is the decimal number {mode}, which is mode "
            f"{S.file_mode(mode):04o}: for mode 0{mode} write 0o{mode} or \"0{mode}\""))
        return
    value = S.file_mode(mode, S.written_with_leading_zero(mode))
    if value & S.WRITE_BITS:
        yield c.warning(where, (
            f"mode {value:04o} has write bits, and secrets are read-only: the file gets mode "
            f"{value & ~S.WRITE_BITS:04o}"))


def _mount_clashes(c: Checker, spec: Dict[Any, Any],
                   targets: Dict[str, Path]) -> Iterator[Diagnostic]:
    """A secret where a mount is, or inside a folder a mount or tmpfs covers (a copied file
    would land in the volume, or be hidden by the tmpfs)."""
    mounted: List[str] = []
    for text in sequence(spec, "mounts"):
        try:
            mounted.append(posixpath.normpath(mount_of(text).target))
        except (ValueError, TypeError):
            continue  # the mount rules say what is wrong with it
    tmpfs = spec.get("tmpfs")
    for text in (tmpfs if isinstance(tmpfs, list) else [tmpfs] if tmpfs else []):
        try:
            mounted.append(posixpath.normpath(tmpfs_entry(text)[0]))
        except ValueError:
            continue
    for target, item in targets.items():
        for folder in mounted:
            if target == folder:
                yield c.error(item, f"{target} is also the target of a mount: give the secret "
                              "another target")
            elif target.startswith(folder.rstrip("/") + "/"):
                yield c.error(item, (
                    f"{target} is inside {folder}, where a mount or tmpfs is: the secret "
                    f"would land in it or be hidden by it; give it a target outside {folder}"))


def key_volume_rule(c: Checker) -> Iterator[Diagnostic]:
    """The volume that keeps the key of secret digests must not be one the playbook names."""
    name = c.data.get("name")
    if not isinstance(name, str) or not secretfiles.granted(c.data):
        return
    volume = key_volume(name)
    if volume in mapping(c.data, "volumes"):
        yield c.error(("volumes", volume), (
            f"volume {volume} is where dfwctl keeps the key of the playbook's secrets: "
            "give your volume another name"), key=True)
