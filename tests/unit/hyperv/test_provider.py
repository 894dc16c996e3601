"""The provider against the simulator: gather reads what diff needs, perform runs the planned
operations, and a setting that fails after the VM was stopped starts the VM again."""
from __future__ import annotations

import json

import pytest

from dfwctl.apply import StepPerformer
from dfwctl.errors import DfwctlError
from dfwctl.plan import PlanOptions
from dfwctl.providers.base import RunSettings
from dfwctl.providers.hyperv.connect import transport_for
from dfwctl.providers.hyperv.gather import gather
from dfwctl.providers.hyperv.model import hyperv_desired
from dfwctl.providers.hyperv.provider import HyperVProvider
from dfwctl.providers.hyperv.simulator.seed import VmSeed, seed_host, seed_vm
from dfwctl.providers.hyperv.simulator.state import transaction
from dfwctl.providers.hyperv.simulator.transport import SimulatorTransport
from dfwctl.providers.hyperv.transport import HyperVError
from dfwctl.providers.select import providers_for
from dfwctl.values.sizes import GIB, MIB
from tests.fakes.hyperv import desired


@pytest.fixture
def sim(tmp_path):
    path = tmp_path / "hv.json"
    seed_vm(path, VmSeed("WIN10", dynamic_memory=(512 * MIB, 8 * GIB)))
    return path


def provider(path, vms):
    want = desired(vms, host=f"simulator:{path}")
    return HyperVProvider(want, RunSettings()), want


def states(path):
    return {vm["Name"]: vm for vm in json.loads(path.read_text())["vms"]}


def test_the_provider_is_registered_for_a_hyperv_section(sim):
    found = providers_for(desired({"WIN10": {}}, host=f"simulator:{sim}"), RunSettings())
    assert [(p.name, p.layer, p.endpoint) for p in found] == [("hyperv", 0, f"hyperv:simulator:{sim}")]


@pytest.mark.parametrize("host, endpoint", [
    ("local", "hyperv:local"),
    ("winrm://admin@hv01:5986", "hyperv:winrm://admin@hv01:5986"),
    ("simulator:/tmp/x.json", "hyperv:simulator:/tmp/x.json"),
])
def test_transports_by_host(host, endpoint):
    assert transport_for(host).endpoint == endpoint


def test_gather_reads_the_named_vms_fully(sim):
    seed_vm(sim, VmSeed("OTHER"))
    actual = gather(SimulatorTransport(str(sim)), hyperv_desired({"vms": {"WIN10": {
        "nested_virtualization": True}}}).vms)
    win10, other = actual.named("WIN10")[0], actual.named("OTHER")[0]
    assert win10.power == "Running" and win10.version == "9.0"
    assert win10.spec.dynamic_memory is True and win10.spec.memory_maximum == 8 * GIB
    assert win10.spec.nested_virtualization is False
    assert [(a.name, a.switch, a.mac_address_spoofing) for a in win10.spec.network_adapters] == [
        ("Network Adapter", "Default Switch", False)]
    assert other.spec.network_adapters == ()  # not named: not read in detail
    assert actual.switches == ("Default Switch",) and actual.cpu_vendor == "GenuineIntel"


def test_apply_then_nothing_left(sim):
    hv, want = provider(sim, {"WIN10": {"processors": 4, "memory": "4GiB",
                                        "dynamic_memory": False, "nested_virtualization": True,
                                        "network_adapters": [{"mac_address_spoofing": True}]}})
    plan = hv.plan(want, PlanOptions())
    lines = []
    StepPerformer({("hyperv", ""): hv})(plan.changes[0], lines.append)
    assert lines == [step.text for step in plan.changes[0].steps]
    vm = states(sim)["WIN10"]
    assert (vm["State"], vm["ProcessorCount"], vm["MemoryStartup"], vm["DynamicMemoryEnabled"],
            vm["ExposeVirtualizationExtensions"]) == (2, 4, 4 * GIB, False, True)
    assert vm["NetworkAdapters"][0]["MacAddressSpoofing"] == 0
    assert not hv.plan(want, PlanOptions()).has_changes


def test_processors_above_the_hosts_are_refused_before_anything_runs(sim):
    seed_host(sim, {"LogicalProcessors": 2})
    hv, want = provider(sim, {"WIN10": {"processors": 8}})
    before = sim.read_text()
    with pytest.raises(DfwctlError, match="would start with 8 processors, and .* has 2 logical"):
        hv.plan(want, PlanOptions())
    assert sim.read_text() == before


def test_a_failed_online_setting_is_reported_as_it_is(sim):
    hv, want = provider(sim, {"WIN10": {"network_adapters": [{"mac_address_spoofing": True}]}})
    change = hv.plan(want, PlanOptions()).changes[0]
    with transaction(sim) as doc:  # the adapter goes between plan and apply
        doc["vms"][0]["NetworkAdapters"] = []
    with pytest.raises(HyperVError, match="the VM has no network adapter with this Id") as caught:
        StepPerformer({("hyperv", ""): hv})(change, lambda line: None)
    assert caught.value.vm == "WIN10" and states(sim)["WIN10"]["State"] == 2


def test_a_plan_error_lists_hyperv_problems(sim):
    hv, want = provider(sim, {"WIN11": {}})
    with pytest.raises(DfwctlError, match="VM WIN11 does not exist"):
        hv.plan(want, PlanOptions())


def test_permission_problems_say_what_to_do(sim):
    seed_host(sim, {"Elevated": False})
    hv, want = provider(sim, {"WIN10": {}})
    with pytest.raises(DfwctlError, match="is not elevated") as caught:
        hv.plan(want, PlanOptions())
    assert "Hyper-V Administrators" in caught.value.hint


def test_without_hyperv_the_plan_enables_it_and_apply_does(sim):
    seed_host(sim, {"HyperVFeature": "Disabled"})
    hv, want = provider(sim, {"WIN10": {}})
    plan = hv.plan(want, PlanOptions())
    assert [c.address for c in plan.changes] == ["hyperv.host.simulator:" + str(sim)]
    StepPerformer({("hyperv", ""): hv})(plan.changes[0], lambda line: None)
    assert json.loads(sim.read_text())["host"]["HyperVFeature"] == "EnablePending"
    with pytest.raises(DfwctlError, match="reboot the host"):
        hv.plan(want, PlanOptions())


def test_a_home_edition_cannot_get_hyperv(sim):
    seed_host(sim, {"HyperVFeature": "Disabled", "Caption": "Microsoft Windows 10 Home"})
    hv, want = provider(sim, {"WIN10": {}})
    with pytest.raises(DfwctlError, match="this Windows edition cannot run Hyper-V"):
        hv.plan(want, PlanOptions())


def test_destroy_reads_nothing(tmp_path):
    hv, want = provider(tmp_path / "absent.json", {"WIN10": {}})
    assert hv.plan(want, PlanOptions(destroy=True)).changes == ()
