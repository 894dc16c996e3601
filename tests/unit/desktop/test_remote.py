"""Docker Desktop inside a VM: the provider reads and writes its settings file over PowerShell
Direct (the simulated host's guest), restarts it there, and the next plan is empty."""
from __future__ import annotations

import json

import pytest

from dfwctl.apply import StepPerformer
from dfwctl.errors import DfwctlError
from dfwctl.plan import PlanOptions
from dfwctl.providers.base import RunSettings
from dfwctl.providers.desktop.provider import DesktopProvider
from dfwctl.providers.desktop.remote import PowerShellSystem
from dfwctl.providers.hyperv.direct import GuestTransport
from dfwctl.providers.hyperv.simulator import guest as sim_guest
from dfwctl.providers.hyperv.simulator.seed import GuestSeed, VmSeed, seed_vm
from dfwctl.providers.hyperv.simulator.transport import SimulatorTransport
from tests.builders import playbook

SETTINGS = r"C:\Users\chicken\AppData\Roaming\Docker\settings-store.json"


class Answering:
    """An engine stand-in that answers /info (the restart waits for it)."""

    def __init__(self):
        self.api = self

    def info(self):
        return {"NCPU": 2, "MemTotal": 2 << 30}

    def call(self, what, fn, *args, **kwargs):
        return fn(*args, **kwargs)


@pytest.fixture
def guest_vm(tmp_path):
    path = tmp_path / "pc.json"
    record = seed_vm(path, VmSeed("WIN10", guest=GuestSeed("chicken", "pw", boot_delay=0)))
    system = PowerShellSystem(GuestTransport(SimulatorTransport(str(path)), "WIN10", "chicken",
                                             "PW", "win10", environ={"PW": "pw"}), "win10")
    return path, sim_guest.guest_dir(path, record), system


def provider_for(system, desktop):
    desired = playbook({"name": "seed", "docker_desktop": desktop,
                        "containers": {"shell": {"image": "alpine", "mounts": [
                            r"C:\Users\chicken\Docker\data:/data"]}}})
    return desired, DesktopProvider(desired, RunSettings(), system, connect=Answering,
                                    machine="win10")


def test_settings_inside_a_vm_are_planned_written_and_kept(guest_vm):
    path, root, system = guest_vm
    desired, provider = provider_for(system, {"engine": "hyperv", "shared_drives": ["C"]})
    assert provider.endpoint == "desktop:win10"  # constructing it read nothing
    part = provider.plan(desired, PlanOptions())
    (change,) = part.changes
    assert [(d.name, d.before, d.after) for d in change.diffs] == [("shared_drives", (), ("C",))]
    assert change.name == SETTINGS
    assert [s.text for s in change.steps] == [
        "write settings-store.json (the previous one kept as settings-store.json.dfwctl.bak)",
        "run `docker desktop restart`", "wait for the Docker Engine to answer"]
    lines = []
    StepPerformer({("desktop", ""): provider})(change, lines.append)
    disk = sim_guest.disk_path(root, SETTINGS)
    assert json.loads(disk.read_text())["FilesharingDirectories"] == ["C:\\"]
    assert json.loads(disk.with_name(disk.name + ".dfwctl.bak").read_text())[
        "FilesharingDirectories"] == []
    assert json.loads(path.read_text())["vms"][0]["Guest"]["Restarts"] == 1
    assert provider.plan(desired, PlanOptions()).changes == ()


def test_a_file_changed_inside_the_vm_since_the_plan_is_refused(guest_vm):
    _, root, system = guest_vm
    desired, provider = provider_for(system, {"engine": "hyperv", "shared_drives": ["C"]})
    (change,) = provider.plan(desired, PlanOptions()).changes
    disk = sim_guest.disk_path(root, SETTINGS)
    disk.write_text(disk.read_text().replace('"Cpus": 2', '"Cpus": 3'))
    with pytest.raises(DfwctlError, match="changed since the plan was made"):
        StepPerformer({("desktop", ""): provider})(change, lambda line: None)
    assert '"Cpus": 3' in disk.read_text()


def test_the_unshared_drive_check_reads_the_vms_settings(guest_vm):
    _, _, system = guest_vm
    desired, provider = provider_for(system, {"engine": "hyperv"})
    with pytest.raises(DfwctlError, match="drive C is not shared with Docker Desktop"):
        provider.plan(desired, PlanOptions())
