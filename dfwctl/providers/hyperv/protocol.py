"""The JSON protocol between dfwctl and invoke.ps1 (the same for every transport).

Request, UTF-8 JSON and pure ASCII (strings travel base64-encoded, so no console code page,
JSON parser or quoting rule can touch them):

    {"protocol": 1, "calls": [{"cmdlet": "Set-VMProcessor",
      "parameters": [{"name": "VM", "type": "vm", "value": "<guid>"},
                     {"name": "Count", "type": "int", "value": 4}],
      "properties": []}]}

Parameter types: string (base64 of UTF-8), strings (a list of those), int, bool (also for
switch parameters), vm (a VM Id), adapter ({"vm": <VM Id>, "id": base64 adapter Id}),
checkpoint ({"vm": <VM Id>, "name": base64 checkpoint name}: the newest of that exact name).

A request may carry `"guest": {"vm": b64 name, "user": b64, "password": b64}`: the calls then
run inside that VM of the host, through PowerShell Direct. When the VM cannot be entered, the
reply is `{"protocol": 1, "error": {...}, "guest": {"state": "Off", "heartbeat": ""}}`: the
VM's state and heartbeat as the host sees them.

Reply, one JSON document on the last line of stdout:

    {"protocol": 1, "replies": [{"ok": true, "output": [{...}], "warnings": []},
                                {"ok": false, "error": {"message": "...", "category": "...",
                                 "fullyQualifiedErrorId": "...", "reason": "..."}}]}

or {"protocol": 1, "error": {...}} when the request itself could not be run (its
fullyQualifiedErrorId is DfwctlLanguageMode when PowerShell runs in Constrained Language Mode,
where invoke.ps1 cannot work and answers at once). Enum values in
the output are names ("Running"), Guid/Version/DateTime values are strings, and an output
that is a single object instead of a list is accepted as a list of one.
"""
from __future__ import annotations

import base64
import json
import re
from typing import Any, Dict, List, Optional, Sequence, Tuple

from dfwctl.providers.hyperv.transport import (
    AdapterRef,
    Call,
    CheckpointRef,
    GuestError,
    GuestLogin,
    HyperVError,
    Reply,
    TransportError,
    VmRef,
)

PROTOCOL = 1
_GUID = re.compile(r"[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}")


def b64(text: str) -> str:
    return base64.b64encode(text.encode("utf-8")).decode("ascii")


def _guid(value: str) -> str:
    if not _GUID.fullmatch(value):
        raise ValueError(f"{value!r} is not a VM Id (a GUID)")
    return value


def encode_param(name: str, value: Any) -> Dict[str, Any]:
    if isinstance(value, bool):
        return {"name": name, "type": "bool", "value": value}
    if isinstance(value, int):
        return {"name": name, "type": "int", "value": value}
    if isinstance(value, str):
        return {"name": name, "type": "string", "value": b64(value)}
    if isinstance(value, VmRef):
        return {"name": name, "type": "vm", "value": _guid(value.id)}
    if isinstance(value, AdapterRef):
        return {"name": name, "type": "adapter",
                "value": {"vm": _guid(value.vm_id), "id": b64(value.id)}}
    if isinstance(value, CheckpointRef):
        return {"name": name, "type": "checkpoint",
                "value": {"vm": _guid(value.vm_id), "name": b64(value.name)}}
    if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
        return {"name": name, "type": "strings", "value": [b64(v) for v in value]}
    raise TypeError(f"parameter -{name}: cannot send a {type(value).__name__}")


def encode_request(calls: Sequence[Call], guest: Optional[GuestLogin] = None) -> str:
    """The request as ASCII JSON text."""
    doc: Dict[str, Any] = {"protocol": PROTOCOL}
    if guest is not None:
        doc["guest"] = {"vm": b64(guest.vm), "user": b64(guest.user),
                        "password": b64(guest.password)}
    return json.dumps({
        **doc,
        "calls": [{
            "cmdlet": call.cmdlet,
            "parameters": [encode_param(name, value) for name, value in call.params],
            "properties": list(call.properties),
        } for call in calls],
    }, ensure_ascii=True, separators=(",", ":"))


def _error(cmdlet: str, raw: Any) -> HyperVError:
    raw = raw if isinstance(raw, dict) else {"message": str(raw)}
    return HyperVError(cmdlet, str(raw.get("message") or "failed without a message"),
                       str(raw.get("category") or ""), str(raw.get("fullyQualifiedErrorId") or ""))


def _rows(output: Any) -> Tuple[Dict[str, Any], ...]:
    if output is None:
        return ()
    if isinstance(output, dict):
        return (output,)
    if isinstance(output, list) and all(isinstance(row, dict) for row in output):
        return tuple(output)
    raise TransportError(f"unexpected output shape from PowerShell: {str(output)[:200]}")


def last_json_line(text: str) -> Dict[str, Any]:
    """The reply document: the last non-empty line (anything a module prints before it is
    ignored). Raises TransportError when there is none."""
    for line in reversed(text.splitlines()):
        line = line.strip().lstrip("\ufeff")
        if not line:
            continue
        try:
            doc = json.loads(line)
        except ValueError:
            break
        if isinstance(doc, dict) and doc.get("protocol") == PROTOCOL:
            return doc
        break
    raise TransportError("PowerShell did not answer with a dfwctl reply")


LANGUAGE_MODE_ERROR = "DfwctlLanguageMode"


def _language_mode(raw: Dict[str, Any]) -> TransportError:
    mode = str(raw.get("reason") or "ConstrainedLanguage")
    return TransportError(
        f"PowerShell runs in {mode} mode, where dfwctl's invoke.ps1 cannot call .NET (an "
        "AppLocker or Windows Defender Application Control policy puts scripts it does not "
        "trust in that mode)",
        "ask the administrator to allow invoke.ps1 (an AppLocker or WDAC rule that trusts "
        "its folder or its signature), so it runs in FullLanguage mode; the policy applies to "
        "remote sessions on that host too")


def decode_reply(doc: Dict[str, Any], calls: Sequence[Call]) -> List[Reply]:
    if "error" in doc:
        refusal = doc["error"] if isinstance(doc["error"], dict) else {}
        if str(refusal.get("fullyQualifiedErrorId") or "") == LANGUAGE_MODE_ERROR:
            raise _language_mode(refusal)
        error = _error(calls[0].cmdlet if calls else "invoke.ps1", doc["error"])
        guest = doc.get("guest")
        if isinstance(guest, dict):  # PowerShell Direct into the VM failed
            raise GuestError("Invoke-Command", error.hyperv_message, error.category,
                             error.error_id, str(guest.get("state") or ""),
                             str(guest.get("heartbeat") or ""))
        raise error
    raw = doc.get("replies")
    if isinstance(raw, dict):
        raw = [raw]
    if not isinstance(raw, list):
        raise TransportError("PowerShell's reply has no replies list")
    replies: List[Reply] = []
    for call, item in zip(calls, raw):
        if not isinstance(item, dict):
            raise TransportError(f"PowerShell's reply to {call.cmdlet} is not an object")
        raw_warnings = item.get("warnings") or ()
        if isinstance(raw_warnings, str):
            raw_warnings = (raw_warnings,)
        warnings = tuple(str(w) for w in raw_warnings)
        if item.get("ok") is True:
            replies.append(Reply(_rows(item.get("output")), None, warnings))
        else:
            replies.append(Reply((), _error(call.cmdlet, item.get("error")), warnings))
    return replies
