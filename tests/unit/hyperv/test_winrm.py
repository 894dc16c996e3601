"""The WinRM transport without a network: how a winrm:// host and the environment map to
pypsrp's options (TLS verified by default), and how failures read."""
from __future__ import annotations

import re
import sys

import pytest

from dfwctl.errors import DfwctlError
from dfwctl.providers.hyperv import winrm
from dfwctl.providers.hyperv.transport import Call, TransportError
from dfwctl.providers.hyperv.winrm import WinRMTransport, wsman_options

URL = "winrm://admin@hv01.lab.local"
PASSWORD = {"DFWCTL_WINRM_PASSWORD": "s3cret"}


@pytest.mark.parametrize("url, environ, expected", [
    (URL, {}, {"server": "hv01.lab.local", "port": 5986, "username": "admin", "ssl": True,
               "auth": "negotiate", "cert_validation": True}),
    (URL + ":15986", {}, {"port": 15986}),
    ("winrm://LAB\\admin@10.0.0.5", {}, {"username": "LAB\\admin", "server": "10.0.0.5"}),
    (URL, {"DFWCTL_WINRM_AUTH": "Kerberos"}, {"auth": "kerberos"}),
    (URL, {"DFWCTL_WINRM_CA_TRUST": "/etc/lab-ca.pem"}, {"cert_validation": "/etc/lab-ca.pem"}),
    (URL, {"DFWCTL_WINRM_SKIP_CERT_CHECK": "1"}, {"cert_validation": False}),
    (URL, {"DFWCTL_WINRM_HTTP": "1"}, {"ssl": False, "port": 5985}),
])
def test_options(url, environ, expected):
    options = wsman_options(url, {**PASSWORD, **environ})
    assert options["password"] == "s3cret"
    assert {k: options[k] for k in expected} == expected


@pytest.mark.parametrize("url, environ, words", [
    (URL, {}, "set DFWCTL_WINRM_PASSWORD"),
    ("winrm://hv01", PASSWORD, "write winrm://user@host[:port]"),
    (URL + ":70000", PASSWORD, "out of range"),
    (URL, {**PASSWORD, "DFWCTL_WINRM_AUTH": "digest"}, "use one of: negotiate"),
    (URL, {**PASSWORD, "DFWCTL_WINRM_AUTH": "basic", "DFWCTL_WINRM_HTTP": "1"}, "clear text"),
])
def test_refused_settings(url, environ, words):
    with pytest.raises(DfwctlError, match=re.escape(words)) as caught:
        wsman_options(url, environ)
    assert words in str(caught.value)


def test_construction_needs_no_network_and_no_password():
    transport = WinRMTransport(URL, {})
    assert transport.endpoint == "hyperv:" + URL


def test_pypsrp_accepts_the_options():
    wsman = pytest.importorskip("pypsrp.wsman")
    options = wsman_options(URL, {**PASSWORD, "DFWCTL_WINRM_CA_TRUST": "/etc/lab-ca.pem"})
    client = wsman.WSMan(**options)  # builds the client; connects only when used
    assert client.transport.server == "hv01.lab.local" and client.transport.port == 5986
    assert client.transport.cert_validation == "/etc/lab-ca.pem"


def test_without_pypsrp(monkeypatch):
    monkeypatch.setitem(sys.modules, "pypsrp", None)
    monkeypatch.setitem(sys.modules, "pypsrp.powershell", None)
    with pytest.raises(DfwctlError, match=r"pip install 'dfwctl\[winrm\]'"):
        WinRMTransport(URL, PASSWORD).exchange([Call.of("Get-VM")])


class _Refusing:
    def __init__(self, **options):
        raise ConnectionError("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed")


def test_connection_failures_name_the_host_and_a_fix(monkeypatch):
    monkeypatch.setattr(WinRMTransport, "_modules", lambda self: (_Refusing, None, None))
    with pytest.raises(TransportError,
                       match=r"cannot run PowerShell on winrm://admin@hv01\.lab\.local") as caught:
        WinRMTransport(URL, PASSWORD).exchange([Call.of("Get-VM")])
    assert caught.value.message.startswith(f"cannot run PowerShell on {URL} (https, port 5986, "
                                           "negotiate): ConnectionError")
    assert "DFWCTL_WINRM_CA_TRUST" in caught.value.hint
    assert "s3cret" not in str(caught.value)


class _Session:
    """Stands in for WSMan, RunspacePool and PowerShell: runs the request on the simulator."""

    state = None

    def __init__(self, *args, **kwargs):
        self.script = self.request = None
        self.streams = type("Streams", (), {"error": []})()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def add_script(self, script):
        self.script = script
        return self

    def add_parameter(self, name, value):
        assert name == "Request"
        self.request = value
        return self

    def invoke(self):
        from dfwctl.providers.hyperv.simulator.wire import serve

        assert "param([string]$Request)" in self.script
        return [serve(self.request, _Session.state)[0]]


def test_the_request_goes_to_the_script_parameter(monkeypatch, tmp_path):
    from dfwctl.providers.hyperv.simulator.seed import VmSeed, seed_vm

    _Session.state = tmp_path / "hv.json"
    seed_vm(_Session.state, VmSeed("WIN10"))
    monkeypatch.setattr(WinRMTransport, "_modules", lambda self: (_Session, _Session, _Session))
    replies = WinRMTransport(URL, PASSWORD).exchange([Call.of("Get-VM", {}, ("Name",))])
    assert replies[0].result() == [{"Name": "WIN10"}]
    assert winrm.SCRIPT.name == "invoke.ps1"
