"""PowerShell Direct into a VM of the simulated host: the guest's commands, and the refusals a
real host gives (a VM off or still starting, a wrong account) as dfwctl reads them."""
from __future__ import annotations

import base64
import hashlib
import json

import pytest

from dfwctl.errors import DfwctlError, UnreachableError
from dfwctl.providers.hyperv.direct import GuestTransport
from dfwctl.providers.hyperv.simulator import guest as sim_guest
from dfwctl.providers.hyperv.simulator.seed import GuestSeed, VmSeed, seed_vm
from dfwctl.providers.hyperv.simulator.transport import SimulatorTransport
from dfwctl.providers.hyperv.transport import invoke

PASSWORD = "hunter2"
SETTINGS = r"C:\Users\chicken\AppData\Roaming\Docker\settings-store.json"


def seeded(tmp_path, state="Running", boot_delay=0, **guest):
    path = tmp_path / "pc.json"
    record = seed_vm(path, VmSeed("WIN10", state=state, guest=GuestSeed(
        "chicken", PASSWORD, boot_delay=boot_delay, **guest)))
    return path, record


def into(path, password=PASSWORD, user="chicken"):
    return GuestTransport(SimulatorTransport(str(path)), "WIN10", user, "PW",
                          "win10 (VM WIN10 on pc)", environ={"PW": password} if password else {})


def state_of(path):
    return json.loads(path.read_text())["vms"][0]


def test_the_guest_says_what_the_provider_reads(tmp_path):
    path, record = seeded(tmp_path)
    (found,) = invoke(into(path), "Get-DfwctlSystem", {}, ("ComputerName", "APPDATA", "Path",
                                                           "ProcessorCount", "BuildNumber"))
    assert found["APPDATA"] == r"C:\Users\chicken\AppData\Roaming"
    assert found["ComputerName"] == "WIN10" and found["ProcessorCount"] == 2
    assert r"C:\Program Files\Docker\Docker\resources\bin" in found["Path"]
    assert found["BuildNumber"] == "19045"
    assert (sim_guest.guest_dir(path, record) / "C" / "Users" / "chicken").is_dir()


def test_files_read_and_written_inside_the_guest(tmp_path):
    path, record = seeded(tmp_path)
    t = into(path)
    (found,) = invoke(t, "Read-DfwctlFile", {"Path": SETTINGS}, ("Exists", "Folder", "Content"))
    old = base64.b64decode(found["Content"])
    assert found["Exists"] and not found["Folder"] and json.loads(old)["WslEngineEnabled"] is False
    new = b'{"Cpus": 4}\n'
    params = {"Path": SETTINGS, "Content": base64.b64encode(new).decode(),
              "Expected": hashlib.sha256(old).hexdigest(), "Backup": SETTINGS + ".dfwctl.bak"}
    assert invoke(t, "Write-DfwctlFile", params, ("Written",)) == [{"Written": True}]
    disk = sim_guest.disk_path(sim_guest.guest_dir(path, record), SETTINGS)
    assert disk.read_bytes() == new
    assert disk.with_name(disk.name + ".dfwctl.bak").read_bytes() == old
    # the content moved since: nothing is written
    assert invoke(t, "Write-DfwctlFile", {**params, "Content": ""}, ("Written",)) == [
        {"Written": False}]
    assert disk.read_bytes() == new
    (missing,) = invoke(t, "Read-DfwctlFile", {"Path": r"C:\nothing.json"}, ("Exists",))
    assert missing == {"Exists": False}


def test_docker_desktop_restarts_inside_the_guest(tmp_path):
    path, _ = seeded(tmp_path)
    t = into(path)
    (ran,) = invoke(t, "Invoke-DfwctlProgram", {"FilePath": "docker", "ArgumentList":
                    ["desktop", "restart"], "TimeoutSeconds": 60}, ("Found", "ExitCode"))
    assert ran == {"Found": True, "ExitCode": 0}
    assert state_of(path)["Guest"]["Restarts"] == 1
    (docker,) = invoke(t, "Get-DfwctlCommand", {"Name": "docker"}, ("Path",))
    assert docker["Path"].endswith(r"resources\bin\docker.exe")


def test_without_docker_desktop_there_is_no_docker(tmp_path):
    path, _ = seeded(tmp_path, docker_desktop=None)
    t = into(path)
    (ran,) = invoke(t, "Invoke-DfwctlProgram", {"FilePath": "docker", "ArgumentList":
                    ["desktop", "restart"], "TimeoutSeconds": 60}, ("Found",))
    assert ran == {"Found": False}
    assert invoke(t, "Get-DfwctlCommand", {"Name": "docker"}, ("Path",)) == [{"Path": ""}]


def test_a_vm_that_is_off_cannot_be_entered_and_says_so(tmp_path):
    path, _ = seeded(tmp_path, state="Off")
    with pytest.raises(UnreachableError,
                       match=r"win10 \(VM WIN10 on pc\): VM WIN10 is Off \(An error has") as caught:
        invoke(into(path), "Get-DfwctlSystem", {}, ("ComputerName",))
    assert caught.value.message == (
        "win10 (VM WIN10 on pc): VM WIN10 is Off (An error has occurred which Windows PowerShell "
        "cannot handle. A remote session might have ended.)")


def test_a_starting_guest_answers_after_its_boot_delay(tmp_path):
    path, _ = seeded(tmp_path, state="Off", boot_delay=2)
    from dfwctl.providers.hyperv.transport import VmRef

    host = SimulatorTransport(str(path))
    invoke(host, "Start-VM", {"VM": VmRef(state_of(path)["Id"])})
    for _ in range(2):
        with pytest.raises(UnreachableError, match="has not finished starting \\(heartbeat "
                                                   "NoContact\\)"):
            invoke(into(path), "Get-DfwctlSystem", {}, ("ComputerName",))
    (found,) = invoke(into(path), "Get-DfwctlSystem", {}, ("ComputerName",))
    assert found == {"ComputerName": "WIN10"}
    assert state_of(path)["Heartbeat"] == sim_guest.HEARTBEAT_OK


def test_a_wrong_account_is_an_error_not_a_wait(tmp_path):
    path, _ = seeded(tmp_path)
    with pytest.raises(DfwctlError,
                       match=r"win10 \(VM WIN10 on pc\): PowerShell Direct into VM WIN10 as") as caught:
        invoke(into(path, password="wrong"), "Get-DfwctlSystem", {}, ("ComputerName",))
    assert not isinstance(caught.value, UnreachableError)
    assert caught.value.message == ("win10 (VM WIN10 on pc): PowerShell Direct into VM WIN10 as "
                                    "chicken failed: The credential is invalid.")
    assert "check the account and its password (PW)" in caught.value.hint


class MemoryKeyring:
    """A credential store in memory (the keyring package's backend interface)."""

    def __init__(self, stored):
        import keyring.backend

        class Backend(keyring.backend.KeyringBackend):
            priority = 1

            def get_password(self, service, username):
                return stored.get((service, username))

            def set_password(self, service, username, password):
                stored[(service, username)] = password

            def delete_password(self, service, username):
                stored.pop((service, username), None)

        self.backend = Backend()


def test_no_password_is_asked_for_by_name(tmp_path, monkeypatch):
    keyring = pytest.importorskip("keyring", reason="the keyring extra is not installed")
    monkeypatch.setattr(keyring.core, "_keyring_backend", MemoryKeyring({}).backend)
    path, _ = seeded(tmp_path)
    with pytest.raises(DfwctlError, match="no password for chicken on VM WIN10") as caught:
        invoke(into(path, password=None), "Get-DfwctlSystem", {}, ("ComputerName",))
    assert caught.value.hint.startswith("set PW, or store it in the system's credential store "
                                        "as service dfwctl:WIN10, user chicken")


def test_the_password_may_come_from_the_credential_store(tmp_path, monkeypatch):
    keyring = pytest.importorskip("keyring", reason="the keyring extra is not installed")
    store = MemoryKeyring({("dfwctl:WIN10", "chicken"): PASSWORD}).backend
    monkeypatch.setattr(keyring.core, "_keyring_backend", store)
    path, _ = seeded(tmp_path)
    (found,) = invoke(into(path, password=None), "Get-DfwctlSystem", {}, ("ComputerName",))
    assert found == {"ComputerName": "WIN10"}


def test_a_vm_that_is_not_there_is_named(tmp_path):
    path, _ = seeded(tmp_path)
    t = GuestTransport(SimulatorTransport(str(path)), "WIN11", "chicken", "PW", "win11",
                       environ={"PW": PASSWORD})
    with pytest.raises(DfwctlError, match="the host has 0 VMs named 'WIN11'"):
        invoke(t, "Get-DfwctlSystem", {}, ("ComputerName",))


def test_the_guest_runs_only_the_guest_commands(tmp_path):
    path, _ = seeded(tmp_path)
    with pytest.raises(DfwctlError, match="dfwctl does not run this command: Get-VM"):
        invoke(into(path), "Get-VM", {}, ("Name",))


def test_the_stand_in_engine_answers_only_while_the_vm_runs(tmp_path):
    from dfwctl.errors import EngineUnreachableError
    from dfwctl.providers.hyperv.transport import VmRef

    path, _ = seeded(tmp_path, state="Off", boot_delay=1)
    gate = sim_guest.engine_gate(path, "WIN10", "win10")
    with pytest.raises(EngineUnreachableError, match="VM WIN10 is off"):
        gate()
    invoke(SimulatorTransport(str(path)), "Start-VM", {"VM": VmRef(state_of(path)["Id"])})
    with pytest.raises(EngineUnreachableError, match="VM WIN10 is starting"):
        gate()
    # the first PowerShell Direct attempt boots it
    with pytest.raises(UnreachableError,
                       match=r"VM WIN10 has not finished starting \(heartbeat NoContact\)"):
        invoke(into(path), "Get-DfwctlSystem", {}, ("ComputerName",))
    invoke(into(path), "Get-DfwctlSystem", {}, ("ComputerName",))
    gate()  # answers now


def test_binds_from_unshared_drives_land_inside_the_engines_vm(tmp_path):
    path, record = seeded(tmp_path)
    root = sim_guest.guest_dir(path, record)
    translate = sim_guest.bind_source(path, "WIN10")
    hidden = translate(r"C:\Users\chicken\data")
    assert hidden == str(root / ".engine-vm" / "host_mnt" / "c" / "Users" / "chicken" / "data")
    settings = sim_guest.disk_path(root, SETTINGS)
    doc = json.loads(settings.read_text())
    doc["FilesharingDirectories"] = ["C:\\"]
    settings.write_text(json.dumps(doc))
    assert translate(r"C:\Users\chicken\data") == str(root / "C" / "Users" / "chicken" / "data")
    assert (root / "C" / "Users" / "chicken" / "data").is_dir()
    assert translate("/srv/data") == "/srv/data" and translate("vol") == "vol"


def test_binds_are_absolute_when_the_simulated_host_is_named_relatively(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    seeded(tmp_path)
    found = sim_guest.bind_source(sim_guest.Path("pc.json"), "WIN10")(r"C:\data")
    assert sim_guest.Path(found).is_absolute() and found.startswith(str(tmp_path))
