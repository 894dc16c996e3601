"""The JSON protocol between dfwctl and invoke.ps1, and reading Hyper-V's enums."""
from __future__ import annotations

import base64
import json

import pytest

from dfwctl.providers.hyperv import enums
from dfwctl.providers.hyperv.protocol import (
    decode_reply,
    encode_param,
    encode_request,
    last_json_line,
)
from dfwctl.providers.hyperv.transport import (
    AdapterRef,
    Call,
    HyperVError,
    TransportError,
    VmRef,
)

GUID = "0d9c848c-9f58-4e91-8b8c-2b7f28b60772"


def _b64(text):
    return base64.b64encode(text.encode()).decode()


@pytest.mark.parametrize("value, expected", [
    ("WIN10", {"type": "string", "value": _b64("WIN10")}),
    ("x'; Remove-VM * ;'", {"type": "string", "value": _b64("x'; Remove-VM * ;'")}),
    (4, {"type": "int", "value": 4}),
    (4 * 1024**3, {"type": "int", "value": 4 * 1024**3}),
    (True, {"type": "bool", "value": True}),
    (False, {"type": "bool", "value": False}),
    (["a", "b"], {"type": "strings", "value": [_b64("a"), _b64("b")]}),
    (VmRef(GUID), {"type": "vm", "value": GUID}),
    (AdapterRef(GUID, "Microsoft:X\\Y"), {"type": "adapter",
                                          "value": {"vm": GUID, "id": _b64("Microsoft:X\\Y")}}),
])
def test_parameter_types(value, expected):
    assert encode_param("P", value) == {"name": "P", **expected}


@pytest.mark.parametrize("value", [1.5, None, {"a": 1}, [1, 2], VmRef("not-a-guid"),
                                   VmRef(GUID + "'; x")])
def test_values_that_cannot_be_sent(value):
    with pytest.raises((TypeError, ValueError),
                       match=r"^(parameter -P: cannot send a \w+|.* is not a VM Id \(a GUID\))$"):
        encode_param("P", value)


def test_requests_are_ascii_and_carry_no_raw_string():
    name = "Ünïcode 名前 'quote' $(x) `n"
    text = encode_request([Call.of("Set-VM", {"VM": VmRef(GUID), "Notes": name}, ())])
    assert text.isascii()
    assert "quote" not in text and "$(x)" not in text
    doc = json.loads(text)
    assert doc["protocol"] == 1 and doc["calls"][0]["cmdlet"] == "Set-VM"


CALLS = [Call.of("Get-VM", {}, ("Name",)), Call.of("Get-VMSwitch", {}, ("Name",))]


@pytest.mark.parametrize("output, rows", [
    ([{"Name": "a"}, {"Name": "b"}], 2),
    ({"Name": "a"}, 1),  # a single object instead of a list of one
    (None, 0),
    ([], 0),
])
def test_outputs_single_objects_and_arrays(output, rows):
    doc = {"protocol": 1, "replies": [{"ok": True, "output": output, "warnings": []},
                                      {"ok": True, "output": [], "warnings": "one warning"}]}
    replies = decode_reply(doc, CALLS)
    assert len(replies[0].result()) == rows
    assert replies[1].warnings == ("one warning",)


def test_an_error_reply_keeps_hyperv_message_category_and_error_id():
    doc = {"protocol": 1, "replies": [
        {"ok": False, "error": {"message": 'Hyper-V was unable to find a virtual machine with '
                                           'name "x".', "category": "InvalidArgument",
                                "fullyQualifiedErrorId": "InvalidParameter,Microsoft.HyperV."
                                                         "PowerShell.Commands.GetVM"}},
        {"ok": True, "output": []}]}
    first, second = decode_reply(doc, CALLS)
    assert second.result() == []
    with pytest.raises(HyperVError,
                       match="Get-VM failed: Hyper-V was unable to find a virtual machine") as caught:
        first.result()
    error = caught.value
    assert (error.cmdlet, error.category) == ("Get-VM", "InvalidArgument")
    assert error.error_id.startswith("InvalidParameter,")
    assert str(error).startswith('Get-VM failed: Hyper-V was unable to find a virtual machine')
    assert not error.command_missing


def test_a_request_level_error_is_raised():
    with pytest.raises(HyperVError, match="unsupported protocol"):
        decode_reply({"protocol": 1, "error": {"message": "unsupported protocol version: 9"}},
                     CALLS)


@pytest.mark.parametrize("doc", [{"protocol": 1}, {"protocol": 1, "replies": "x"},
                                 {"protocol": 1, "replies": [{"ok": True, "output": [1, 2]}]},
                                 {"protocol": 1, "replies": ["x"]}])
def test_malformed_replies(doc):
    with pytest.raises(TransportError, match=r"^(PowerShell's reply has no replies list|unexpected "
                       r"output shape from PowerShell: \[1, 2\]|PowerShell's reply to Get-VM is "
                       r"not an object)$"):
        [r.result() for r in decode_reply(doc, CALLS)]


@pytest.mark.parametrize("stdout", [
    '{"protocol":1,"replies":[]}',
    'WARNING: something chatty\n\n{"protocol":1,"replies":[]}\n',
    '\ufeff{"protocol":1,"replies":[]}\r\n',
])
def test_the_reply_is_the_last_line(stdout):
    assert last_json_line(stdout) == {"protocol": 1, "replies": []}


@pytest.mark.parametrize("stdout", ["", "not json", '{"protocol":1}\ntrailing text',
                                    '{"other": 1}', "[1, 2]"])
def test_no_reply(stdout):
    with pytest.raises(TransportError, match="^PowerShell did not answer with a dfwctl reply$"):
        last_json_line(stdout)


@pytest.mark.parametrize("value, name", [
    (2, "Running"), ("Running", "Running"), ("running", "Running"), (3, "Off"), (6, "Saved"),
    (9, "Paused"), (32782, "ForceReboot"), ("RunningCritical", "RunningCritical"),
    (32785, "Unknown(32785)"),  # numbers above 32782 differ between Windows versions
    ("Nonsense", "Unknown(Nonsense)"), (True, "Unknown(True)"),
])
def test_vm_state(value, name):
    assert enums.vm_state(value) == name


@pytest.mark.parametrize("value, on", [(0, True), (1, False), ("On", True), ("off", False),
                                       (7, None), (None, None)])
def test_on_off_state(value, on):
    assert enums.on_off(value) is on
