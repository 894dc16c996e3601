"""Hostile VM names reach the simulator byte for byte through the local transport (a child
process and the protocol), and the provider changes exactly the VM a playbook names, never one
whose name a wildcard or a quote would have matched."""
from __future__ import annotations

import json

from dfwctl.apply import StepPerformer
from dfwctl.plan import PlanOptions
from dfwctl.providers.base import RunSettings
from dfwctl.providers.hyperv.provider import HyperVProvider
from dfwctl.providers.hyperv.simulator.errors import CmdletError
from dfwctl.providers.hyperv.simulator.seed import VmSeed
from dfwctl.providers.hyperv.simulator.wildcard import has_wildcards, matches
from dfwctl.providers.hyperv.transport import Call, VmRef, invoke, invoke_all
from tests.fakes.hyperv import desired, seeded, use_fake_pwsh

HOSTILE = [
    # quotes and PowerShell syntax
    "x'; Remove-VM * ;'", 'x"; Remove-VM * ;"', "it's", "''", '""', "'", '"',
    "a;b", ";", "$(Remove-VM -Name *)", "$env:USERNAME", "${x}", "$null", "$true", "@(1,2)",
    "@{a=1}", "`whoami`", "a`nb", "tick`", "`", "& calc.exe", "| Out-Null", "a > b", "a < b",
    "#comment", "<#block#>", "-Name", "--%", "(1+1)", "{ scriptblock }", "a,b", "'+'", "%",
    # wildcards
    "*", "?", "[", "]", "[abc]", "WIN*", "WIN?0", "W[I]N10", "[*?]", "a*b?c[d]",
    # whitespace and control characters
    "line\nbreak", "cr\rlf", "tab\tname", " leading", "trailing ", "two  spaces", "\u00a0nbsp",
    "nul-free\x1bescape",
    # non-ASCII
    "Ünïcödé", "名前のVM", "виртуалка", "😀 emoji", "e\u0301 combining", "\u202eright-to-left",
    "ß-Straße", "İstanbul", "back\\slash", "C:\\VMs\\x", "/slash/", "100%",
]


def test_the_corpus_is_large_and_distinct():
    assert len(HOSTILE) >= 50
    assert len(set(HOSTILE)) == len(HOSTILE)


def test_names_round_trip_byte_for_byte(monkeypatch, tmp_path):
    state = seeded(tmp_path / "hv.json", *(VmSeed(f"vm{i}") for i in range(len(HOSTILE))))
    transport = use_fake_pwsh(monkeypatch, state)
    rows = invoke(transport, "Get-VM", {}, ("Name", "Id"))
    ids = {row["Name"]: row["Id"] for row in rows}
    renames = [Call.of("Set-VM", {"VM": VmRef(ids[f"vm{i}"]), "NewVMName": name,
                                  "Notes": name})
               for i, name in enumerate(HOSTILE)]
    replies = invoke_all(transport, renames)
    assert [r.error for r in replies] == [None] * len(HOSTILE)
    on_disk = json.loads(state.read_text(encoding="utf-8"))["vms"]
    assert [vm["Name"] for vm in on_disk] == HOSTILE
    assert [vm["Notes"] for vm in on_disk] == HOSTILE
    back = invoke(transport, "Get-VM", {}, ("Name", "Notes"))
    assert [row["Name"] for row in back] == HOSTILE
    assert [row["Notes"] for row in back] == HOSTILE


def test_names_as_parameter_values_are_data(monkeypatch, tmp_path):
    """Get-VM -Name takes a wildcard pattern: each value arrives as sent, and only Hyper-V's
    wildcard rules (never PowerShell parsing) decide what it matches."""
    state = seeded(tmp_path / "hv.json", *(VmSeed(n) for n in HOSTILE))
    transport = use_fake_pwsh(monkeypatch, state)
    replies = invoke_all(transport, [Call.of("Get-VM", {"Name": n}, ("Name",)) for n in HOSTILE])
    for name, reply in zip(HOSTILE, replies):
        if not has_wildcards(name) and "`" not in name:
            assert reply.error is None, name
            assert [row["Name"] for row in reply.output] == [name]
            continue
        # a pattern (or its escape character): what PowerShell's wildcard rules match
        try:
            expected = [n for n in HOSTILE if matches(name, n)]
        except CmdletError:
            assert "wildcard character pattern is not valid" in reply.error.message
            continue
        if not expected and not has_wildcards(name):
            assert "unable to find a virtual machine" in reply.error.message
        else:
            assert [row["Name"] for row in reply.result()] == expected, name


def test_the_provider_changes_exactly_the_named_vms(monkeypatch, tmp_path):
    names = ["WIN*", "x'; Remove-VM * ;'", "[abc]", "名前のVM", "line\nbreak"]
    bystanders = ["WIN10", "WINXP", "a", "x"]
    state = seeded(tmp_path / "hv.json", *(VmSeed(n) for n in names + bystanders))
    use_fake_pwsh(monkeypatch, state)
    want = desired({name: {"processors": 3, "network_adapters": [{"mac_address_spoofing": True}]}
                    for name in names})
    provider = HyperVProvider(want, RunSettings())
    plan = provider.plan(want, PlanOptions())
    assert sorted(c.steps[0].vm for c in plan.changes) == sorted(names)
    assert "hyperv.vm.line\\nbreak" in [c.address for c in plan.changes]
    for change in plan.changes:
        StepPerformer({("hyperv", ""): provider})(change, lambda line: None)
    vms = {vm["Name"]: vm for vm in json.loads(state.read_text(encoding="utf-8"))["vms"]}
    assert {n: vms[n]["ProcessorCount"] for n in names} == dict.fromkeys(names, 3)
    assert {n: vms[n]["ProcessorCount"] for n in bystanders} == dict.fromkeys(bystanders, 2)
    assert not provider.plan(want, PlanOptions()).has_changes
