"""The unshared-drive check: every bind mount of the playbook's containers against what
Docker Desktop shares with its engine. Pure.

With the Hyper-V engine, Docker Desktop mounts only shared drives and folders; a bind from
anywhere else gives the container an empty folder and no error (the 2016 pitfall), or a
refusal in later versions. With the WSL 2 engine, and for Windows containers, every local
drive is shared. Network drives, UNC paths, subst drives and relative paths never work as
bind sources, whatever the engine."""
from __future__ import annotations

from dataclasses import dataclass
from typing import FrozenSet, List, Mapping, Optional, Tuple

from dfwctl.providers.desktop.model import HYPERV, WSL2, DriveInfo
from dfwctl.providers.docker.model import ContainerSpec
from dfwctl.providers.docker.secrets import bound
from dfwctl.values.mounts import BIND, parse_mount
from dfwctl.values.secrets import SecretSource
from dfwctl.values.winpath import (
    DRIVE,
    POSIX,
    RELATIVE,
    UNC,
    WINDOWS,
    WSL,
    HostPath,
    covering,
    parse_source,
)

CIFS_HINT = ("copy the files to a local drive, or mount the share as a named volume "
             "(volumes: {name: {driver: local, options: {type: cifs, device: //server/share}}})")


@dataclass(frozen=True)
class Sharing:
    """What Docker Desktop will share once the plan is applied."""

    host: str = WINDOWS
    engine: Optional[str] = None  # hyperv | wsl2 | None when nothing says
    drives: Optional[FrozenSet[str]] = None  # None: unknown
    folders: Optional[Tuple[str, ...]] = None  # None: unknown
    windows_containers: bool = False

    @property
    def known(self) -> bool:
        return self.drives is not None or self.folders is not None


@dataclass(frozen=True)
class Findings:
    errors: Tuple[str, ...] = ()
    warnings: Tuple[str, ...] = ()


@dataclass(frozen=True)
class _Bind:
    container: str
    text: str  # the mount as written
    target: str
    source: HostPath
    what: str = "mount"  # or "secret", for a secret's file

    @property
    def where(self) -> str:
        return f"container {self.container}: {self.what} {self.text}"

    @property
    def spelled(self) -> str:
        """The source, with its canonical form when written otherwise."""
        canonical = self.source.windows
        if canonical.rstrip("\\") == self.source.text.rstrip("\\/"):
            return self.source.text
        return f"{self.source.text} (that is {canonical})"


def binds(containers: Mapping[str, ContainerSpec], host: str = WINDOWS,
          secrets: Optional[Mapping[str, SecretSource]] = None) -> List[_Bind]:
    """The bind mounts of the containers; with `secrets`, also the files of the secrets the
    engine bind-mounts (Docker Desktop must share them as well)."""
    found = []
    for name in sorted(containers):
        for text in containers[name].mounts:
            mount = parse_mount(text)
            if mount.type == BIND:
                found.append(_Bind(name, text, mount.target, parse_source(mount.source, host)))
    for name, grant, path in bound(containers, secrets or {}):
        found.append(_Bind(name, f"{grant.source} ({path})", grant.target,
                           parse_source(path, host), "secret"))
    return found


def drive_letters(containers: Mapping[str, ContainerSpec],
                  secrets: Optional[Mapping[str, SecretSource]] = None) -> FrozenSet[str]:
    return frozenset(b.source.drive for b in binds(containers, secrets=secrets)
                     if b.source.kind == DRIVE)


def check(containers: Mapping[str, ContainerSpec], sharing: Sharing,
          drives: Mapping[str, DriveInfo],
          secrets: Optional[Mapping[str, SecretSource]] = None) -> Findings:
    """Every bind (and, with `secrets`, every secret file the engine bind-mounts) against
    what Docker Desktop shares."""
    errors: List[str] = []
    warnings: List[str] = []
    unchecked: List[str] = []
    for bind in binds(containers, sharing.host, secrets):
        kind = bind.source.kind
        if kind == RELATIVE:
            errors.append(_relative(bind))
        elif kind == UNC:
            errors.append(f"{bind.where}: {bind.source.windows} is a network share (a UNC "
                          f"path), which Docker Desktop cannot bind-mount: {CIFS_HINT}")
        elif kind == WSL and sharing.engine != WSL2 and not sharing.windows_containers:
            errors.append(
                f"{bind.where}: {bind.source.windows} is inside the WSL distribution "
                f"{bind.source.share}, which the Hyper-V engine cannot see: move the folder to "
                "a Windows drive, or use the WSL 2 engine (docker_desktop.engine: wsl2)")
        elif kind == DRIVE:
            problem = _drive_problem(bind, drives.get(bind.source.drive))
            if problem:
                errors.append(problem)
            elif sharing.host == WINDOWS and not sharing.windows_containers:
                _coverage(bind, sharing, errors, warnings, unchecked)
        elif kind == POSIX and sharing.host != WINDOWS:
            _coverage(bind, sharing, errors, warnings, unchecked)
        # PIPE, and POSIX paths inside Docker Desktop's VM: nothing to share
    if unchecked:
        warnings.append(
            "bind mounts from " + ", ".join(unchecked) + " could not be checked against "
            "Docker Desktop's file sharing: neither the playbook nor the settings file lists "
            "what is shared; name docker_desktop.shared_drives or file_sharing to check them")
    return Findings(tuple(errors), tuple(warnings))


def _relative(bind: _Bind) -> str:
    text = bind.source.text
    if bind.source.drive:
        return (f"{bind.where}: {text} is relative to the current folder of drive "
                f"{bind.source.drive}, which Docker cannot know: write the full path, like "
                f"{bind.source.drive}:\\{text[2:].lstrip(chr(92) + '/')}")
    return (f"{bind.where}: {text} is not an absolute path, so Docker would create a named "
            f"volume called {text!r} instead of mounting the folder: write ./{text} "
            "(relative to the playbook) or the full path, like C:\\Users\\me\\data")


def _drive_problem(bind: _Bind, info: Optional[DriveInfo]) -> Optional[str]:
    letter = bind.source.drive
    if info is None:
        return None
    if info.subst and info.target:
        real = info.target.rstrip("\\") + "\\" + "\\".join(bind.source.parts)
        return (f"{bind.where}: drive {letter} is a subst drive for {info.target}, and Docker "
                f"Desktop does not share subst drives, so the container would see an empty "
                f"folder at {bind.target}: write the source as {real.rstrip(chr(92))}")
    if info.kind == "network":
        share = f" ({info.target})" if info.target else ""
        return (f"{bind.where}: drive {letter} is a mapped network drive{share}, and Docker "
                f"Desktop cannot share network drives, so the container would see an empty "
                f"folder at {bind.target}: {CIFS_HINT}")
    if info.kind == "missing":
        return (f"{bind.where}: there is no drive {letter} on this machine, so the container "
                f"would see an empty folder at {bind.target}: connect the drive, or fix the "
                "path")
    return None


def _coverage(bind: _Bind, sharing: Sharing, errors: List[str], warnings: List[str],
              unchecked: List[str]) -> None:
    if sharing.engine == WSL2 and sharing.host == WINDOWS:
        return  # the WSL 2 engine sees every local drive
    if not sharing.known:
        unchecked.append(bind.source.windows)
        return
    cover = covering(bind.source, sharing.drives or (), sharing.folders or (), sharing.host)
    if cover is not None:
        if not cover.same_case:
            warnings.append(
                f"{bind.where}: the file-sharing entry {cover.entry} differs from the source "
                "in letter case; Docker Desktop wants shared folders used in their original "
                "case: write the source with the same case as the entry")
        return
    message = _unshared(bind, sharing)
    if sharing.engine == HYPERV or sharing.host != WINDOWS:
        errors.append(message)
    else:
        warnings.append(message + " (this matters with the Hyper-V engine; the settings file "
                        "does not say which engine runs: name docker_desktop.engine)")


def _unshared(bind: _Bind, sharing: Sharing) -> str:
    if sharing.host != WINDOWS:
        return (f"{bind.where}: {bind.source.windows} is not shared with Docker Desktop, so "
                "it would refuse to start the container: add it, or a folder above it, to "
                "docker_desktop.file_sharing")
    letter = bind.source.drive
    folder = bind.source.windows
    return (f"{bind.where}: drive {letter} is not shared with Docker Desktop, so the container "
            f"would see an empty folder at {bind.target} instead of {bind.spelled}, and nothing "
            f"it writes there would reach Windows: add {letter} to docker_desktop.shared_drives, "
            f"or {folder} (or a folder above it) to docker_desktop.file_sharing")
