"""Providers: the only code that talks to the outside world.

A provider owns one part of the machine and the first part of its addresses: `hyperv`
(Hyper-V VMs), `desktop` (Docker Desktop's settings), `docker` (the engine's networks,
volumes, images and containers). Each reads its part live and diffs it against the playbook
(`plan`, whose diff is a pure function of its own module), and carries out its own changes
(`perform`). Layers order them at apply time: hyperv, then desktop, then docker.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, List, Optional, Protocol

from dfwctl.diff import DiffOptions
from dfwctl.model import Desired
from dfwctl.plan import Change, Plan

Progress = Callable[[str], None]


@dataclass(frozen=True)
class RunSettings:
    """Options of a run that providers need (the CLI fills them)."""

    exit_wait: Optional[float] = None  # seconds to wait for a `state: exited` container
    no_restart: bool = False  # Docker Desktop: write settings but leave the restart to the user


class Provider(Protocol):
    name: str  # the first part of its addresses
    layer: int  # lower layers are applied first
    endpoint: str  # what it talks to, for messages and the apply lock

    def plan(self, desired: Desired, options: DiffOptions) -> Plan: ...

    def perform(self, change: Change, progress: Progress) -> None: ...


def providers_for(desired: Desired, settings: RunSettings) -> List[Provider]:
    """The providers a playbook needs, in layer order. Each is constructed without I/O."""
    found: List[Provider] = []
    if "hyperv" in desired.sections:
        from dfwctl.providers.hyperv.provider import HyperVProvider

        found.append(HyperVProvider(desired, settings))
    if "docker_desktop" in desired.sections or any(c.mounts for c in desired.containers.values()):
        from dfwctl.providers.desktop import provider as desktop

        if desktop.wanted(desired):  # a docker_desktop section, or binds from Windows paths
            found.append(desktop.DesktopProvider(desired, settings))
    if desired.has_docker:
        from dfwctl.providers.docker.provider import DockerProvider

        found.append(DockerProvider(desired, settings))
    return sorted(found, key=lambda p: p.layer)


class Dispatcher:
    """Routes each change of a combined plan to the provider that owns its address."""

    def __init__(self, providers: List[Provider]):
        self.by_name = {p.name: p for p in providers}

    def __call__(self, change: Change, progress: Progress) -> None:
        self.by_name[change.address.split(".", 1)[0]].perform(change, progress)
