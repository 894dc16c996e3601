"""What validate refuses in the hyperv section before any host is asked: the WinRM port, the
32MiB and 2MiB memory rules with their order, and the adapters of a VM with several."""
from __future__ import annotations

from pathlib import Path

import pytest

from dfwctl.load import parse
from dfwctl.validate import validate

HEAD = "version: 1\nname: x\nhyperv:\n"


def _messages(body: str):
    return [str(d) for d in validate(parse(HEAD + body, Path("p.yml"), display_name="p.yml"))]


@pytest.mark.parametrize("port", ["1", "5986", "65535"])
def test_a_winrm_port_from_1_to_65535_is_accepted(port):
    assert _messages(f"  host: winrm://me@hv01:{port}\n") == []


@pytest.mark.parametrize("port", ["0", "65536", "99999"])
def test_a_winrm_port_outside_tcps_range_is_refused_at_the_host(port):
    assert _messages(f"  host: winrm://me@hv01:{port}\n") == [
        f"p.yml:4:9: hyperv.host: port {port} is not a TCP port (1 to 65535): WinRM listens "
        "on 5986 (HTTPS) or 5985 (HTTP)"]


def test_a_winrm_host_the_schema_refuses_gets_the_schema_error_only():
    messages = _messages("  host: winrm://me@hv01:123456\n")
    assert len(messages) == 1 and messages[0].startswith("p.yml:4:9: hyperv.host: ")
    assert "not a TCP port" not in messages[0]


@pytest.mark.parametrize("host", ["simulator:0", "simulator:lab:99999", "local"])
def test_hosts_other_than_winrm_have_no_port(host):
    assert _messages(f"  host: '{host}'\n") == []


def test_32mib_is_the_smallest_memory_accepted():
    assert _messages("  vms:\n    V: {memory: 32MiB}\n") == []
    assert _messages("  vms:\n    V: {memory: 30MiB}\n") == [
        "p.yml:5:17: hyperv.vms.V.memory: 30MiB is less than the 32MiB Hyper-V needs: give "
        "the VM more memory"]


def test_minimum_memory_and_maximum_may_all_be_equal():
    assert _messages("  vms:\n    V:\n      memory: 2GiB\n"
                     "      dynamic_memory: {minimum: 2GiB, maximum: 2GiB}\n") == []


def test_a_minimum_above_the_maximum_is_refused_at_the_minimum():
    assert _messages("  vms:\n    V:\n      memory: 2GiB\n"
                     "      dynamic_memory: {minimum: 4GiB, maximum: 2GiB}\n") == [
        "p.yml:7:33: hyperv.vms.V.dynamic_memory.minimum: minimum (4GiB) is more than maximum "
        "(2GiB): Hyper-V needs minimum <= memory <= maximum"]


def test_an_adapter_that_is_not_a_mapping_gets_the_schema_error_only():
    messages = _messages("  vms:\n    V:\n      network_adapters: [Lab, {name: A}]\n")
    assert len(messages) == 1 and messages[0].startswith(
        "p.yml:6:26: hyperv.vms.V.network_adapters[0]: ")
