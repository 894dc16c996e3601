"""Which providers a playbook needs, one per part and machine, constructed without I/O, in
layer order; `only` limits a run to some machines."""
from __future__ import annotations

from typing import Collection, List, Optional

from dfwctl.desired import Desired
from dfwctl.errors import DfwctlError
from dfwctl.providers import reach
from dfwctl.providers.base import Provider, RunSettings


def providers_for(desired: Desired, settings: RunSettings,
                  only: Optional[Collection[str]] = None) -> List[Provider]:
    """The providers a playbook needs, in layer order. Each is constructed without I/O."""
    machines = desired.machines
    if only:
        unknown = sorted(set(only) - set(machines.specs))
        if unknown:
            known = ", ".join(sorted(machines.specs)) or "none: the playbook names no machines"
            raise DfwctlError(f"--machine {unknown[0]}: the playbook has no such machine "
                              f"(its machines: {known})")

    def wanted(machine: str) -> bool:
        return not only or machine in only

    found: List[Provider] = []
    if desired.hyperv is not None and wanted(machines.hyperv):
        from dfwctl.providers.hyperv.provider import HyperVProvider

        host = reach.transport(machines, machines.hyperv) if machines.named else None
        found.append(HyperVProvider(desired, settings, host, machine=machines.hyperv))
    docker = desired.docker
    if desired.desktop is not None or any(c.mounts for c in docker.containers.values()):
        from dfwctl.providers.desktop import provider as desktop

        if desktop.wanted(desired):  # a docker_desktop section, or binds from Windows paths
            for m in machines.desktop:
                if wanted(m):
                    found.append(desktop.DesktopProvider(
                        desired, settings, reach.system(machines, m),
                        connect=reach.engine_factory(machines, m), machine=m))
    if docker.present:
        from dfwctl.providers.docker.provider import DockerProvider

        for m in machines.engine:
            if wanted(m):
                engine, bind_source = reach.engine(machines, m)
                found.append(DockerProvider(settings, engine, machine=m,
                                            bind_source=bind_source,
                                            local_engine=reach.sees_local_files(
                                                machines, m, engine)))
    return sorted(found, key=lambda p: p.layer)
