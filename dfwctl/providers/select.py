"""Which providers a playbook needs, constructed without I/O, in layer order."""
from __future__ import annotations

from typing import List

from dfwctl.desired import Desired
from dfwctl.providers.base import Provider, RunSettings


def providers_for(desired: Desired, settings: RunSettings) -> List[Provider]:
    """The providers a playbook needs, in layer order. Each is constructed without I/O."""
    found: List[Provider] = []
    if desired.hyperv is not None:
        from dfwctl.providers.hyperv.provider import HyperVProvider

        found.append(HyperVProvider(desired, settings))
    docker = desired.docker
    if desired.desktop is not None or any(c.mounts for c in docker.containers.values()):
        from dfwctl.providers.desktop import provider as desktop

        if desktop.wanted(desired):  # a docker_desktop section, or binds from Windows paths
            found.append(desktop.DesktopProvider(desired, settings))
    if docker.present:
        from dfwctl.providers.docker.provider import DockerProvider

        found.append(DockerProvider(settings))
    return sorted(found, key=lambda p: p.layer)
