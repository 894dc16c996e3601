"""The seed end to end (playbooks/seed.yml): a simulated PC with WIN10 off; one apply changes
the VM, waits for it to come back, sets Docker Desktop inside it over PowerShell Direct, and
creates the containers on its engine (the real test engine, standing in for WIN10's); the
next plan is empty. And a lab of two VMs, where one that cannot be read stops only itself."""
from __future__ import annotations

import json
import os
import textwrap

import pytest

from dfwctl.providers.hyperv.simulator import guest as sim_guest
from dfwctl.providers.hyperv.simulator.seed import GuestSeed, VmSeed, seed_vm
from dfwctl.values.sizes import GIB, MIB
from tests.engine.project import one_at_a_time
from tests.paths import PLAYBOOKS
from tests.run import run_dfwctl

pytestmark = pytest.mark.engine

OWNER = "io.dfwctl.playbook"
PASSWORD = "hunter2"
SEED_IMAGES = ("hello-world:latest", "alpine:3.20")  # pulled through the test registry mirror


def _clean(api, owner):
    for c in api.containers(all=True, filters={"label": f"{OWNER}={owner}"}):
        api.remove_container(c["Id"], force=True, v=True)
    for v in (api.volumes(filters={"label": f"{OWNER}={owner}"}) or {}).get("Volumes") or []:
        api.remove_volume(v["Name"], force=True)
    for n in api.networks(filters={"label": f"{OWNER}={owner}"}):
        api.remove_network(n["Id"])


@pytest.fixture
def seed_lock():
    """The seed's names are fixed (playbook seed, volume alpine-cache), and the test engine is
    shared by every checkout on this machine: one seed test at a time, or one run's clean-up
    removes what another is applying (and Docker makes an unowned alpine-cache volume)."""
    with one_at_a_time("seed"):
        yield


@pytest.fixture
def seed_env(seed_lock, tmp_path, docker_api):
    """A simulated PC as the seed starts: WIN10 off, 2 processors, dynamic memory, MAC
    spoofing off, Docker Desktop 4.35 inside with nothing shared."""
    _clean(docker_api, "seed")
    for image in SEED_IMAGES:  # the apply pulls them
        if docker_api.images(name=image):
            docker_api.remove_image(image, force=True)
    pc = tmp_path / "pc.json"
    record = seed_vm(pc, VmSeed("WIN10", state="Off", processors=2, memory=2 * GIB,
                                dynamic_memory=(512 * MIB, 8 * GIB),
                                guest=GuestSeed("chicken", PASSWORD, boot_delay=2)))
    env = dict(os.environ, SEED_PC=f"simulator:{pc}", SEED_DOCKER=os.environ["DOCKER_HOST"],
               DFWCTL_PASSWORD_WIN10=PASSWORD, DFWCTL_LOCK_DIR=str(tmp_path / "locks"))
    yield pc, sim_guest.guest_dir(pc, record), env
    _clean(docker_api, "seed")


def _vm(pc, name="WIN10"):
    return next(v for v in json.loads(pc.read_text())["vms"] if v["Name"] == name)


def test_one_apply_takes_the_seed_from_a_bare_vm_to_running_containers(seed_env, docker_api):
    pc, guest_root, env = seed_env
    seed = PLAYBOOKS / "seed.yml"

    first = run_dfwctl("plan", "--detailed-exitcode", seed, env=env)
    assert first.code == 2, first
    checkpoint = "dfwctl seed: before apply (temporary)"
    assert f'1. take checkpoint "{checkpoint}"' in first.out  # once the VM is off, first
    assert "5. start the VM (Start-VM)" in first.out
    assert f'6. remove the checkpoint "{checkpoint}" (Remove-VMSnapshot)' in first.out
    assert ("  desktop on win10: VM WIN10 on pc is off, or this plan stops it: what runs inside "
            "it is read once pc:hyperv.vm.WIN10 is made") in first.out
    assert "Plan: 0 to create, 1 to update, 0 to replace, 0 to destroy; 2 parts planned after " \
           "them." in first.out
    doc = json.loads(run_dfwctl("plan", "-o", "json", seed, env=env).out)
    assert [(d["provider"], d["machine"], d["waits_for"]) for d in doc["deferred"]] == [
        ("desktop", "win10", ["pc:hyperv.vm.WIN10"]), ("docker", "win10", ["pc:hyperv.vm.WIN10"])]

    applied = run_dfwctl("apply", "-y", seed, env=env)
    assert applied.code == 0, applied
    assert "waiting for win10 to answer" in applied.err  # the guest took two attempts to boot
    progress = applied.err
    taken = progress.index(f'take checkpoint "{checkpoint}"')
    assert taken < progress.index("set processors 4, nested virtualization on") \
        < progress.index(f'remove the checkpoint "{checkpoint}"')
    assert "--- round 2: the parts that waited" in applied.out
    assert "win10:docker.container.shell: done" in applied.err

    vm = _vm(pc)  # the Hyper-V part
    assert (vm["State"], vm["ProcessorCount"], vm["MemoryStartup"]) == (2, 4, 4 * GIB)
    assert vm["Snapshots"] == []  # the checkpoint was taken and removed
    assert vm["ExposeVirtualizationExtensions"] and not vm["DynamicMemoryEnabled"]
    assert vm["NetworkAdapters"][0]["MacAddressSpoofing"] == 0  # On
    settings = sim_guest.disk_path(guest_root, r"C:\Users\chicken\AppData\Roaming\Docker"
                                               r"\settings-store.json")
    assert json.loads(settings.read_text())["FilesharingDirectories"] == ["C:\\"]
    assert vm["Guest"]["Restarts"] == 1  # Docker Desktop restarted inside WIN10

    containers = {c["Names"][0].lstrip("/"): c for c in docker_api.containers(
        all=True, filters={"label": f"{OWNER}=seed"})}
    assert containers["shell"]["State"] == "running"
    assert containers["hello"]["State"] == "exited" and "(0)" in containers["hello"]["Status"]
    run = docker_api.exec_create(containers["shell"]["Id"],
                                 ["sh", "-c", "echo from-the-container > /data/seen.txt"])
    docker_api.exec_start(run)
    shared = sim_guest.disk_path(guest_root, r"C:\Users\chicken\Docker\apline-data\seen.txt")
    assert shared.read_text() == "from-the-container\n"  # it reached "Windows": C is shared

    again = run_dfwctl("plan", "--detailed-exitcode", seed, env=env)
    assert again.code == 0, again
    assert again.out.startswith("No changes. Playbook seed matches the machine.")


LAB = """\
version: 1
name: lab
machines:
  pc: {{connect: 'simulator:{pc}'}}
  win10: {{vm: WIN10, host: pc, user: chicken, password_env: LAB_PW10}}
  win11: {{vm: WIN11, host: pc, user: chicken, password_env: LAB_PW11}}
hyperv:
  machine: pc
  vms:
    WIN10: {{processors: 4}}
    WIN11: {{processors: 4}}
docker_desktop:
  machine: [win10, win11]
  engine: hyperv
  shared_drives: [C]
engine:
  machine: win10
containers:
  web: {{image: busybox:latest, command: [sleep, '3600'], stop_signal: SIGKILL}}
"""


@pytest.fixture
def lab(tmp_path, docker_api):
    _clean(docker_api, "lab")
    pc = tmp_path / "pc.json"
    for name in ("WIN10", "WIN11"):
        seed_vm(pc, VmSeed(name, state="Off", guest=GuestSeed("chicken", PASSWORD,
                                                               boot_delay=0)))
    path = tmp_path / "lab.yml"
    path.write_text(textwrap.dedent(LAB.format(pc=pc)), encoding="utf-8")
    env = dict(os.environ, LAB_PW10=PASSWORD, LAB_PW11=PASSWORD,
               DFWCTL_LOCK_DIR=str(tmp_path / "locks"))
    yield pc, path, env
    _clean(docker_api, "lab")


def test_machines_of_a_lab_are_planned_apart_and_limited_by_machine(lab):
    pc, path, env = lab
    doc = json.loads(run_dfwctl("plan", "-o", "json", path, env=env).out)
    assert [c["address"] for c in doc["changes"]] == ["pc:hyperv.vm.WIN10", "pc:hyperv.vm.WIN11"]
    assert [(d["provider"], d["machine"], d["waits_for"]) for d in doc["deferred"]] == [
        ("desktop", "win10", ["pc:hyperv.vm.WIN10"]),
        ("desktop", "win11", ["pc:hyperv.vm.WIN11"]),
        ("docker", "win10", ["pc:hyperv.vm.WIN10"])]
    alone = run_dfwctl("plan", "--machine", "win11", path, env=env)
    assert alone.code == 1 and "VM WIN11 is Off" in alone.err
    assert "the Hyper-V part on pc, which could start VM WIN11, is not in this run: add " \
           "--machine pc" in alone.err
    only = json.loads(run_dfwctl("plan", "-o", "json", "--machine", "pc", "--machine", "win11",
                                 path, env=env).out)
    assert [c["address"] for c in only["changes"]] == ["pc:hyperv.vm.WIN10",
                                                       "pc:hyperv.vm.WIN11"]
    assert [d["machine"] for d in only["deferred"]] == ["win11"]
    unknown = run_dfwctl("plan", "--machine", "win12", path, env=env)
    assert unknown.code == 1 and "--machine win12: the playbook has no such machine" in unknown.err


def test_a_machine_that_cannot_be_read_stops_only_itself(lab, docker_api):
    pc, path, env = lab
    env = dict(env, LAB_PW11="wrong")  # WIN11 refuses the account
    applied = run_dfwctl("apply", "-y", path, env=env)
    assert applied.code == 1, applied
    assert "desktop on win11: win11 (VM WIN11 on pc): PowerShell Direct into VM WIN11 as " \
           "chicken failed: The credential is invalid." in applied.out
    assert "Error: what is on win11 could not be read and was left as it is" in applied.err
    assert _vm(pc, "WIN11")["State"] == 2  # its VM change was made
    # win10 went all the way: Docker Desktop shares C and its container runs
    assert _vm(pc, "WIN10")["Guest"]["Restarts"] == 1
    (web,) = docker_api.containers(filters={"label": f"{OWNER}=lab"})
    assert web["State"] == "running"
    fixed = run_dfwctl("apply", "-y", path, env=dict(env, LAB_PW11=PASSWORD))
    assert fixed.code == 0, fixed
    assert "win11:desktop.settings: done" in fixed.err
    assert run_dfwctl("plan", "--detailed-exitcode", path, env=env).code == 1  # still wrong
    assert run_dfwctl("plan", "--detailed-exitcode", path,
                      env=dict(env, LAB_PW11=PASSWORD)).code == 0
