"""What invoke.ps1 does, done against the simulated host: read a request, bind each call's
typed parameters (base64 strings, VM and adapter references resolved by Id), run the cmdlet,
project the asked-for properties (enums by name), and answer with one reply.

Written from the protocol (dfwctl/providers/hyperv/protocol.py), not from the client's
encoder, so a mistake on either side shows up in the tests.
"""
from __future__ import annotations

import base64
import json
import re
from pathlib import Path
from typing import Any, Dict, Optional, Tuple

from dfwctl.providers.hyperv.enums import ENUM_PROPERTIES, VM_HEARTBEAT, VM_STATE, enum_name
from dfwctl.providers.hyperv.simulator import errors as E
from dfwctl.providers.hyperv.simulator import guest
from dfwctl.providers.hyperv.simulator.checkpoints import SnapshotObject
from dfwctl.providers.hyperv.simulator.cmdlets import (
    SPECS,
    AdapterObject,
    Host,
    VmObject,
)
from dfwctl.providers.hyperv.simulator.guest import Guest
from dfwctl.providers.hyperv.simulator.state import transaction

RESERVED = {p.lower() for p in (
    "ErrorAction", "ErrorVariable", "WarningAction", "WarningVariable", "InformationAction",
    "InformationVariable", "OutVariable", "OutBuffer", "PipelineVariable", "Debug", "Verbose",
    "WhatIf", "Confirm")}
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9]*")


class _ScriptError(Exception):
    """A `throw` in invoke.ps1: a RuntimeException whose error id is its message."""


def _text(value: Any) -> str:
    return base64.b64decode(str(value), validate=True).decode("utf-8")


def _resolve(host: Optional[Host], parameter: Dict[str, Any]) -> Any:
    kind = parameter.get("type")
    value: Any = parameter.get("value")
    if kind == "string":
        return _text(value)
    if kind == "strings":
        return [_text(v) for v in (value if isinstance(value, list) else [value])]
    if kind == "int":
        return int(value)
    if kind == "bool":
        return bool(value)
    if host is None:
        raise _ScriptError(f"unknown parameter type: {kind}")
    if kind == "vm":
        return VmObject(_vm_by_id(host, str(value)))
    if kind == "adapter":
        vm = _vm_by_id(host, str(value["vm"]))
        adapter_id = _text(value["id"])
        found = [a for a in vm["NetworkAdapters"] if a["Id"] == adapter_id]
        if len(found) != 1:
            raise _ScriptError(f"the VM has no network adapter with this Id: {adapter_id}")
        return AdapterObject(vm, found[0])
    if kind == "checkpoint":  # the newest of that exact name (-eq: case ignored)
        vm = _vm_by_id(host, str(value["vm"]))
        name = _text(value["name"])
        named = sorted((s for s in vm["Snapshots"] if s["Name"].casefold() == name.casefold()),
                       key=lambda s: str(s["CreationTime"]))
        if not named:
            raise _ScriptError(f"the VM has no checkpoint named: {name}")
        return SnapshotObject(vm, named[-1])
    raise _ScriptError(f"unknown parameter type: {kind}")


def _vm_by_id(host: Host, vm_id: str) -> Dict[str, Any]:
    host.run("Get-VM", {"Id": vm_id})  # the same checks (module, permission, not found)
    return next(v for v in host.state["vms"] if v["Id"].lower() == vm_id.lower())


def _value(name: str, value: Any) -> Any:
    table = ENUM_PROPERTIES.get(name)
    if table is not None and isinstance(value, int) and not isinstance(value, bool):
        return enum_name(table, value)
    if isinstance(value, list):
        return list(value)
    return value


def _error(exc: Exception) -> Dict[str, str]:
    if isinstance(exc, E.CmdletError):
        return {"message": exc.message, "category": exc.category,
                "fullyQualifiedErrorId": exc.error_id, "reason": exc.reason}
    text = str(exc)
    return {"message": text, "category": "OperationStopped", "fullyQualifiedErrorId": text,
            "reason": "RuntimeException"}


def _call(host: Host, call: Dict[str, Any]) -> Dict[str, Any]:
    try:
        name = str(call.get("cmdlet"))
        if name not in SPECS:
            raise _ScriptError(f"dfwctl does not run this command: {name}")
        params: Dict[str, Any] = {}
        for parameter in call.get("parameters") or []:
            key = str(parameter.get("name"))
            if not _NAME.fullmatch(key) or key.lower() in RESERVED:
                raise _ScriptError(f"parameter not allowed: {key}")
            params[key] = _resolve(host, parameter)
        output = host.run(name, params)
        properties = [str(p) for p in call.get("properties") or [] if p is not None]
        rows = [{p: _value(p, obj.get(p)) for p in properties} for obj in output] if properties else []
        return {"ok": True, "output": rows, "warnings": list(host.warnings)}
    except (E.CmdletError, _ScriptError, ValueError, KeyError, TypeError) as exc:
        return {"ok": False, "error": _error(exc), "warnings": list(host.warnings)}


def _guest_call(inside: Guest, call: Dict[str, Any]) -> Dict[str, Any]:
    """One call inside the VM: invoke.ps1's dispatch, run by the guest's PowerShell."""
    try:
        name = str(call.get("cmdlet"))
        if name not in Guest.COMMANDS:
            raise _ScriptError(f"dfwctl does not run this command: {name}")
        params: Dict[str, Any] = {}
        for parameter in call.get("parameters") or []:
            key = str(parameter.get("name"))
            if not _NAME.fullmatch(key) or key.lower() in RESERVED:
                raise _ScriptError(f"parameter not allowed: {key}")
            if parameter.get("type") in ("vm", "adapter"):
                raise _ScriptError("Hyper-V\\Get-VM: the Hyper-V module is not in the guest")
            params[key] = _resolve(None, parameter)
        output = inside.run(name, params)
        properties = [str(p) for p in call.get("properties") or [] if p is not None]
        rows = [{p: obj.get(p) for p in properties} for obj in output] if properties else []
        return {"ok": True, "output": rows, "warnings": []}
    except (E.CmdletError, _ScriptError, ValueError, KeyError, TypeError, OSError) as exc:
        return {"ok": False, "error": _error(exc), "warnings": []}


def _serve_guest(state: Dict[str, Any], doc: Dict[str, Any], state_path: Path) -> Dict[str, Any]:
    """invoke.ps1's Invoke-DfwctlGuest: PowerShell Direct into the VM named exactly (as
    `-eq`: case ignored), then its calls inside; a refusal carries the VM's state and
    heartbeat."""
    login = doc["guest"]
    name = _text(login.get("vm"))
    vms = [v for v in state["vms"] if v["Name"].casefold() == name.casefold()]
    if len(vms) != 1:
        raise _ScriptError(f"the host has {len(vms)} VMs named '{name}'")
    vm = vms[0]
    try:
        guest.enter(vm, _text(login.get("user")), _text(login.get("password")))
    except E.CmdletError as exc:
        heartbeat = vm.get("Heartbeat")
        return {"protocol": 1, "error": _error(exc), "guest": {
            "state": enum_name(VM_STATE, vm["State"]),
            "heartbeat": enum_name(VM_HEARTBEAT, heartbeat) if heartbeat is not None else ""}}
    inside = Guest(vm, guest.guest_dir(state_path, vm))
    return {"protocol": 1, "replies": [_guest_call(inside, c) for c in doc.get("calls") or []
                                       if c is not None]}


def language_mode_reply(mode: str) -> Dict[str, Any]:
    """What invoke.ps1 answers, before reading its request, in a language mode other than
    FullLanguage (Constrained Language Mode forbids the .NET calls it makes) [CLM:
    learn.microsoft.com/powershell/module/microsoft.powershell.core/about/about_language_modes;
    the error such a script meets otherwise: MethodInvocationNotSupportedInConstrainedLanguage,
    e.g. xpipe-io/xpipe#454]."""
    return {"protocol": 1, "error": {
        "message": f"PowerShell runs in {mode} mode: invoke.ps1 needs FullLanguage.",
        "category": "SecurityError", "fullyQualifiedErrorId": "DfwctlLanguageMode",
        "reason": mode}}


def serve(request: str, state_path: Path) -> Tuple[str, int]:
    """One request -> (the reply line, the exit code invoke.ps1 would give)."""
    try:
        doc = json.loads(request)
        if doc.get("protocol") != 1:
            raise _ScriptError(f"unsupported protocol version: {doc.get('protocol')}")
        with transaction(state_path) as state:
            mode = str(state["host"].get("LanguageMode") or "FullLanguage")
            if mode != "FullLanguage":
                return json.dumps(language_mode_reply(mode), separators=(",", ":")), 1
            if doc.get("guest") is not None:
                response: Dict[str, Any] = _serve_guest(state, doc, state_path)
            else:
                host = Host(state)
                response = {"protocol": 1, "replies": [
                    _call(host, c) for c in doc.get("calls") or [] if c is not None]}
        replies = response.get("replies") or []
        code = 0 if "error" not in response and all(r["ok"] for r in replies) else 1
    except (ValueError, AttributeError, KeyError, _ScriptError) as exc:
        response, code = {"protocol": 1, "error": _error(exc)}, 1
    return json.dumps(response, ensure_ascii=False, separators=(",", ":")), code
