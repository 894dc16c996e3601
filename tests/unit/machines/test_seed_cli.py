"""The seed playbook through the real command line, without an engine: what is planned while
WIN10 is off, and the plan refused when dfwctl runs inside the VM it would stop."""
from __future__ import annotations

import json
import os

from dfwctl.providers.hyperv.identity import encode_pool
from dfwctl.providers.hyperv.simulator.seed import GuestSeed, VmSeed, seed_vm
from dfwctl.values.sizes import GIB, MIB
from tests.paths import PLAYBOOKS
from tests.run import run_dfwctl

SEED = PLAYBOOKS / "seed.yml"


def environment(tmp_path, **extra):
    return dict(os.environ, SEED_PC=f"simulator:{tmp_path / 'pc.json'}",
                SEED_DOCKER="unix:///nonexistent/docker.sock", DFWCTL_PASSWORD_WIN10="pw",
                DFWCTL_LOCK_DIR=str(tmp_path / "locks"), **extra)


def test_while_win10_is_off_only_the_vm_is_planned_and_the_rest_waits(tmp_path):
    seed_vm(tmp_path / "pc.json", VmSeed("WIN10", state="Off", processors=2,
                                         dynamic_memory=(512 * MIB, 8 * GIB),
                                         guest=GuestSeed("chicken", "pw")))
    result = run_dfwctl("plan", "--detailed-exitcode", SEED, env=environment(tmp_path))
    assert result.code == 2, result  # no engine was needed to plan this
    assert "On pc:\n  # pc:hyperv.vm.WIN10 will be updated in place\n" in result.out
    assert "  docker on win10: it comes after desktop on win10 (VM WIN10 on pc), which waits " \
           "too\n" in result.out


def test_the_plan_is_refused_from_inside_the_vm_it_would_stop(tmp_path):
    record = seed_vm(tmp_path / "pc.json", VmSeed("WIN10", state="Running", processors=2,
                                                  guest=GuestSeed("chicken", "pw")))
    pool = tmp_path / ".kvp_pool_3"  # what Hyper-V tells the guest dfwctl runs in
    pool.write_bytes(encode_pool({"VirtualMachineId": record["Id"], "VirtualMachineName": "WIN10",
                                  "PhysicalHostNameFullyQualified": "pc.lab.local"}))
    result = run_dfwctl("plan", SEED, env=environment(tmp_path, DFWCTL_KVP_POOL=str(pool)))
    assert result.code == 1, result
    assert ("this plan stops VM WIN10 to change it, and dfwctl runs inside that VM: it would stop "
            "itself halfway and leave the VM off. Run dfwctl on the Hyper-V host (pc.lab.local)"
            ) in result.out
    assert "machine on win10: its VM WIN10 on pc waits for the Hyper-V part" in result.out
    assert "Traceback" not in result.err
    vm = json.loads((tmp_path / "pc.json").read_text())["vms"][0]
    assert vm["State"] == 2 and vm["ProcessorCount"] == 2  # nothing was touched
