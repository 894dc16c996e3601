"""End to end through the real command line: `dfwctl` in a child process, `host: local`, the
fake pwsh on PATH serving the simulator. The seed scenario from playbooks/nested-hyperv.yml:
plan, apply, and a second plan that is empty."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests import paths
from tests.fakes.hyperv import fake_env
from tests.paths import ROOT
from tests.run import run_dfwctl

SEED_PLAYBOOK = ROOT / "playbooks" / "nested-hyperv.yml"

SEED_PLAN = (paths.GOLDEN / "nested_hyperv.txt").read_text(encoding="utf-8")


@pytest.fixture
def env(tmp_path):
    state = tmp_path / "hyperv.json"
    environ = fake_env(state, DFWCTL_LOCK_DIR=str(tmp_path / "locks"))
    environ.pop("HYPERV_HOST", None)
    return environ


def dfwctl(env, *args):
    return run_dfwctl(*args, env=env, timeout=120)


def seed_win10(env):
    state = env["DFWCTL_SIMULATOR_STATE"]
    result = dfwctl(env, "simulator", "seed", state, "--vm", "WIN10", "--processors", "2",
                    "--memory", "2GiB", "--dynamic-memory", "512MiB:8GiB")
    assert result.code == 0, result
    return Path(state)


def test_the_seed_scenario_end_to_end(env):
    state = seed_win10(env)
    plan = dfwctl(env, "plan", "--detailed-exitcode", SEED_PLAYBOOK)
    assert plan.code == 2, plan
    assert plan.out == SEED_PLAN

    refused = dfwctl(env, "apply", SEED_PLAYBOOK)  # a VM restart: needs confirmation
    assert refused.code == 1 and "1 destructive change(s) (hyperv.vm.WIN10)" in refused.err
    assert json.loads(state.read_text())["vms"][0]["ProcessorCount"] == 2

    applied = dfwctl(env, "apply", "--auto-approve", SEED_PLAYBOOK)
    assert applied.code == 0, applied
    assert applied.out.endswith("Apply complete: 1 updated.\n")
    assert "stop the VM: shut down the guest and wait up to 300 s" in applied.err
    assert 'take checkpoint "dfwctl nested-hyperv: before apply (temporary)"' in applied.err
    win10 = json.loads(state.read_text())["vms"][0]
    assert (win10["LastStop"], win10["Snapshots"]) == ("Shutdown", [])  # taken, then removed

    again = dfwctl(env, "plan", "--detailed-exitcode", SEED_PLAYBOOK)
    assert again.code == 0, again
    assert again.out == "No changes. Playbook nested-hyperv matches the machine.\n"

    shown = dfwctl(env, "simulator", "show", state)
    assert "WIN10  Running  4     4GiB    yes     9.0      0 " in shown.out  # checkpoint gone


def test_the_plan_as_json_carries_steps_and_restart(env):
    seed_win10(env)
    result = dfwctl(env, "plan", "-o", "json", SEED_PLAYBOOK)
    change = json.loads(result.out)["changes"][0]
    assert change["restart"] == "VM restart" and change["requires_restart"]
    assert change["destructive"] and len(change["steps"]) == 7
    assert {"name": "memory", "before": 2 * 1024**3, "after": 4 * 1024**3} .items() <= \
        change["fields"][2].items()


def test_the_simulator_host_needs_no_powershell(env, tmp_path):
    state = seed_win10(env)
    environ = dict(env, PATH="/usr/bin:/bin", HYPERV_HOST=f"simulator:{state}")
    result = dfwctl(environ, "plan", SEED_PLAYBOOK)
    assert result.code == 0, result
    assert " on hyperv:simulator:" in result.out and "[VM restart, destructive]" in result.out


def test_errors_are_messages_not_tracebacks(env, tmp_path):
    seed_win10(env)
    playbook = tmp_path / "missing.yml"
    playbook.write_text("version: 1\nname: t\nhyperv:\n  vms:\n    WIN01: {processors: 2}\n")
    result = dfwctl(env, "plan", playbook)
    assert result.code == 1
    assert result.err.startswith("Error: the Hyper-V plan cannot be made:\n  - VM WIN01 does not "
                                 "exist on hyperv:local; did you mean 'WIN10'?")
    assert "Traceback" not in result.err


def test_processors_above_the_host_are_refused_at_plan_time(env, tmp_path):
    state = seed_win10(env)
    dfwctl(env, "simulator", "host", state, "--set", "LogicalProcessors=2")
    playbook = tmp_path / "many.yml"
    playbook.write_text("version: 1\nname: t\nhyperv:\n  vms:\n    WIN10: {processors: 8}\n")
    result = dfwctl(env, "apply", "-y", playbook)
    assert result.code == 1
    assert "VM WIN10 would start with 8 processors, and hyperv:local has 2 logical processors" \
        in result.err
    assert "Traceback" not in result.out + result.err
    doctor = dfwctl(env, "doctor", playbook)
    assert doctor.code == 1 and "[fail] VM WIN10: VM WIN10 would start with 8 processors" \
        in doctor.out
    assert json.loads(state.read_text())["vms"][0]["State"] == 2  # untouched, running


def test_a_host_short_of_memory_since_the_saved_plan_is_refused_at_apply_time(env, tmp_path):
    state = seed_win10(env)
    dfwctl(env, "simulator", "host", state, "--set", "TotalPhysicalMemory=16GiB",
           "--set", "HostMemoryInUse=4GiB")
    playbook = tmp_path / "big.yml"
    playbook.write_text("version: 1\nname: t\nhyperv:\n  vms:\n    WIN10:\n"
                        "      memory: 8GiB\n      checkpoint: {restore_on_failure: true}\n")
    saved = tmp_path / "plan.json"
    assert dfwctl(env, "plan", "--out", saved, playbook).code == 0
    # another VM starts before the apply reaches Start-VM: the apply re-reads the host and
    # refuses; a host that changes later still gets its VM back (test_recovery.py)
    result = dfwctl(env, "simulator", "seed", state, "--vm", "BIG", "--memory", "9GiB")
    assert result.code == 0
    refused = dfwctl(env, "apply", "-y", saved)
    assert refused.code == 1 and "would start with 8GiB of memory" in refused.err


def test_a_saved_plan_keeps_its_hyperv_options(env, tmp_path):
    state = seed_win10(env)
    saved = tmp_path / "plan.json"
    assert dfwctl(env, "plan", "--no-checkpoint", "--out", saved, SEED_PLAYBOOK).code == 0
    applied = dfwctl(env, "apply", "-y", saved)
    assert applied.code == 0, applied
    assert "take checkpoint" not in applied.err and "Set-VMProcessor" in applied.err
    assert json.loads(state.read_text())["vms"][0]["ProcessorCount"] == 4


def test_command_line_hyperv_options(env):
    state = seed_win10(env)
    plan = dfwctl(env, "plan", "--no-checkpoint", "--allow-turn-off", "--stop-timeout", "45",
                  SEED_PLAYBOOK)
    assert plan.code == 0, plan
    assert "take checkpoint" not in plan.out
    assert "wait up to 45 s for it to turn off, then turn the VM off (Stop-VM -TurnOff)" in plan.out
    dfwctl(env, "simulator", "seed", state, "--vm", "WIN10", "--processors", "2",
           "--dynamic-memory", "512MiB:8GiB", "--shutdown-hangs", "1")
    failed = dfwctl(env, "apply", "-y", SEED_PLAYBOOK)
    assert failed.code == 1
    assert "did not shut down within 300 seconds" in failed.out
    assert "hint: apply again to give the guest another 300 s" in failed.out
    assert json.loads(state.read_text())["vms"][0]["State"] == 2  # running, never turned off
    again = dfwctl(env, "apply", "-y", SEED_PLAYBOOK)
    assert again.code == 0, again


def test_enabling_hyperv_then_rebooting(env, tmp_path):
    state = seed_win10(env)
    dfwctl(env, "simulator", "host", state, "--set", "HyperVFeature=Disabled")
    plan = dfwctl(env, "plan", SEED_PLAYBOOK)
    assert '~ host "local"  [host reboot required]' in plan.out, plan
    assert dfwctl(env, "apply", SEED_PLAYBOOK).code == 0  # nothing destructive: no question
    assert "reboot the host" in dfwctl(env, "plan", SEED_PLAYBOOK).err
    assert dfwctl(env, "simulator", "reboot", state).code == 0
    assert "[VM restart, destructive]" in dfwctl(env, "plan", SEED_PLAYBOOK).out


def test_doctor_passes_on_a_good_host(env):
    seed_win10(env)
    result = dfwctl(env, "doctor", SEED_PLAYBOOK)
    assert result.code == 0, result
    for line in ("[pass] PowerShell: 5.1.19041.5607 (Desktop, 64-bit, FullLanguage)",
                 "[pass] execution policy: Bypass (-ExecutionPolicy Bypass",
                 "[pass] elevation: elevated (administrator) (HV-SIMULATOR\\chicken)",
                 "[pass] host resources: 16 logical processors, 32GiB of memory (24GiB free)",
                 "[pass] Hyper-V PowerShell module: version 2.0.0.0 (also listed: 1.1; dfwctl "
                 "loads the highest)",
                 "[pass] Hyper-V feature (Microsoft-Hyper-V): Enabled",
                 "[pass] VM WIN10: Running, configuration version 9.0"):
        assert line in result.out, result.out


def test_doctor_fails_with_a_line_each(env):
    state = seed_win10(env)
    dfwctl(env, "simulator", "host", state, "--set", "Caption=Microsoft Windows 10 Home",
           "--set", "HyperVFeature=Disabled", "--set", "Elevated=false",
           "--set", "VirtualizationFirmwareEnabled=false")
    result = dfwctl(env, "doctor", SEED_PLAYBOOK)
    assert result.code == 1
    for line in ("[fail] elevation: not elevated",
                 "[fail] Windows edition and build: Microsoft Windows 10 Home, build 19045: "
                 "Windows Home has no Hyper-V",
                 "[fail] virtualization in firmware:", "[fail] Hyper-V PowerShell module: not installed",
                 "[fail] Hyper-V feature (Microsoft-Hyper-V): cannot be read: The requested "
                 "operation requires elevation.", "[fail] VMs: cannot be read"):
        assert line in result.out, result.out


def test_doctor_without_powershell(env, tmp_path):
    environ = dict(env, PATH=str(tmp_path))
    result = dfwctl(environ, "doctor")
    assert result.code == 1
    assert "[fail] PowerShell: PowerShell (pwsh) is not on PATH" in result.out
    assert "[skip] Hyper-V feature: needs PowerShell" in result.out


NEEDS_A_PROFILE = ("version: 1\nname: t\nhyperv:\n  vms:\n    WIN10: {processors: 2}\n"
                   "containers:\n  web: {image: nginx:1.27, depends_on: [db]}\n"
                   "  db: {image: postgres:16, profiles: [data]}\n")


def test_doctor_reads_a_playbook_that_needs_a_profile_to_plan(env, tmp_path):
    """doctor acts on no container: a playbook that plan refuses without --profile (an
    always-on container needs one of a profile) is checked all the same."""
    seed_win10(env)
    playbook = tmp_path / "p.yml"
    playbook.write_text(NEEDS_A_PROFILE, encoding="utf-8")
    result = dfwctl(env, "doctor", playbook)
    assert result.code == 0, result
    assert "[pass] VM WIN10: Running, configuration version 9.0" in result.out
    assert "no selected profile" in dfwctl(env, "plan", playbook).err


def test_doctor_still_refuses_a_bad_playbook_at_its_line(env, tmp_path):
    playbook = tmp_path / "p.yml"
    playbook.write_text(NEEDS_A_PROFILE.replace("processors: 2", "processors: many"),
                        encoding="utf-8")
    result = dfwctl(env, "doctor", playbook)
    assert result.code == 1 and result.out == ""
    assert result.err.startswith(f"Error: {playbook}:5:25: hyperv.vms.WIN10.processors: "
                                 "expected an integer"), result
