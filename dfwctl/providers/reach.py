"""How dfwctl reaches each machine of a playbook, for each provider: the PowerShell transport
(Hyper-V, and the Docker Desktop provider on a machine that is not this one), the machine as
the Docker Desktop provider sees it (a System), and its Docker Engine. Everything here is
constructed without I/O."""
from __future__ import annotations

from pathlib import Path
from typing import Callable, Optional, Tuple

from dfwctl.errors import DfwctlError
from dfwctl.machines.model import LOCAL, SIMULATOR, THIS, Machines
from dfwctl.providers.desktop.system import LocalSystem, System
from dfwctl.providers.docker.create import SourceMap
from dfwctl.providers.docker.engine import Engine
from dfwctl.providers.hyperv.transport import Transport


def is_here(machines: Machines, name: str) -> bool:
    """The machine dfwctl runs on: unnamed, or named with connect: local."""
    if name == THIS:
        return True
    spec = machines.spec(name)
    return not spec.is_guest and spec.connect == LOCAL


def transport(machines: Machines, name: str) -> Transport:
    """PowerShell on the machine: its host's transport, or PowerShell Direct into a VM."""
    from dfwctl.providers.hyperv.connect import transport_for

    spec = machines.spec(name)
    if not spec.is_guest:
        return transport_for(spec.connect)
    from dfwctl.providers.hyperv.direct import GuestTransport

    assert spec.host is not None and spec.vm is not None, "validated: a VM names both"
    return GuestTransport(transport(machines, spec.host), spec.vm, spec.user,
                          spec.password_variable, machines.shown(name))


def system(machines: Machines, name: str) -> System:
    if is_here(machines, name):
        return LocalSystem()
    from dfwctl.providers.desktop.remote import PowerShellSystem

    return PowerShellSystem(transport(machines, name), machines.shown(name))


def simulated_host(machines: Machines, name: str) -> Optional[Path]:
    """The state file of a simulated host that runs machine `name` as a VM, else None."""
    spec = machines.spec(name)
    if not spec.is_guest or spec.host is None:
        return None
    host = machines.spec(spec.host).connect
    return Path(host[len(SIMULATOR):]) if host.startswith(SIMULATOR) else None


def engine_factory(machines: Machines, name: str) -> Callable[[], Engine]:
    """Fresh connections to the machine's engine (Docker Desktop's restart waits for it); a
    machine whose engine dfwctl cannot name fails when one is asked for, not before."""
    try:
        found, _ = engine(machines, name)
    except DfwctlError as exc:
        error = exc

        def refuse() -> Engine:
            raise error
        return refuse
    return found.fresh


_LOCAL_HOSTS = ("localhost", "127.0.0.1", "[::1]")


def sees_local_files(machines: Machines, name: str, engine: Engine) -> bool:
    """Whether the machine's engine runs on this computer, so that a bind mount of one of its
    files reaches the container: not the engine of a VM, nor one behind ssh:// or a tcp://
    address of another host."""
    if not is_here(machines, name) or simulated_host(machines, name) is not None:
        return False
    scheme, _, rest = engine.endpoint.partition("://")
    if scheme == "ssh":
        return False
    if scheme == "tcp":
        host = rest.split("/")[0].rpartition(":")[0] or rest.split("/")[0]
        return host in _LOCAL_HOSTS
    return not engine.endpoint.startswith("context:")


def engine(machines: Machines, name: str) -> Tuple[Engine, Optional[SourceMap]]:
    """The machine's Docker Engine, and how its engine finds the folders of bind mounts
    (None: as written)."""
    spec = machines.spec(name)
    state = simulated_host(machines, name)
    if state is not None:
        # A VM of a simulated host: its engine (the one `docker` names, else the one dfwctl
        # itself is pointed at) stands in for the VM's Docker Desktop engine: it answers only
        # while the simulated VM runs, and finds Windows folders in the VM's disk folder.
        from dfwctl.providers.hyperv.simulator import guest

        assert spec.vm is not None
        where = machines.shown(name)
        return (Engine(spec.docker, gate=guest.engine_gate(state, spec.vm, where)),
                guest.bind_source(state, spec.vm))
    if spec.docker:
        return Engine(spec.docker), None
    if is_here(machines, name):
        return Engine(), None
    raise DfwctlError(f"machine {name}: dfwctl does not know where its Docker Engine answers",
                      f"set machines.{name}.docker (ssh://USER@HOST, tcp://HOST:2376 or "
                      "context:NAME)")
