"""Which providers a playbook needs, constructed without I/O, in layer order."""
from __future__ import annotations

from typing import List

from dfwctl.plan import Change
from dfwctl.providers.base import Progress, Provider, RunSettings
from dfwctl.providers.docker.model import Desired


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
