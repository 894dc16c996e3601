"""The one interface every Hyper-V call goes through: a cmdlet name plus a parameter map.

A transport sends a batch of calls in one round trip (`exchange`); each call gets its own
reply, the output objects projected to the properties asked for, or Hyper-V's error.
Parameter values are data (strings, numbers, booleans, references to a VM or an adapter by
id), never script text.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Optional, Protocol, Sequence, Tuple, Union

from dfwctl.errors import DfwctlError
from dfwctl.logs import get_logger

log = get_logger(__name__)


@dataclass(frozen=True)
class VmRef:
    """A VM by its Id, bound to a cmdlet's -VM parameter (exact: no name, no wildcard)."""

    id: str
    name: str = field(default="", compare=False)  # for messages only


@dataclass(frozen=True)
class AdapterRef:
    """A network adapter by its Id, bound to a cmdlet's -VMNetworkAdapter parameter."""

    vm_id: str
    id: str


@dataclass(frozen=True)
class CheckpointRef:
    """A checkpoint of a VM by its exact name (the newest of that name), bound to a cmdlet's
    -VMSnapshot parameter: a name is never read as a wildcard pattern."""

    vm_id: str
    name: str


Value = Union[str, int, bool, Sequence[str], VmRef, AdapterRef, CheckpointRef]


@dataclass(frozen=True)
class Call:
    cmdlet: str  # e.g. Get-VM, Set-VMProcessor
    params: Tuple[Tuple[str, Any], ...] = ()
    properties: Tuple[str, ...] = ()  # output properties to return; none: output is discarded

    @classmethod
    def of(cls, cmdlet: str, params: Optional[Mapping[str, Any]] = None,
           properties: Sequence[str] = ()) -> "Call":
        return cls(cmdlet, tuple((params or {}).items()), tuple(properties))

    @property
    def param_map(self) -> Dict[str, Any]:
        return dict(self.params)


class HyperVError(DfwctlError):
    """A cmdlet failed: Hyper-V's (or PowerShell's) own message, category and error id."""

    def __init__(self, cmdlet: str, message: str, category: str = "",
                 error_id: str = "", hint: Optional[str] = None, vm: str = ""):
        self.cmdlet = cmdlet
        self.hyperv_message = message
        self.category = category
        self.error_id = error_id  # FullyQualifiedErrorId
        self.vm = vm
        where = f" on VM {vm!r}" if vm else ""
        text = f"{cmdlet} failed{where}: {message.strip()}"
        if category or error_id:
            text += f"\n  ({', '.join(p for p in (category, error_id) if p)})"
        super().__init__(text, hint)

    def for_vm(self, vm: str, hint: Optional[str] = None) -> "HyperVError":
        return HyperVError(self.cmdlet, self.hyperv_message, self.category, self.error_id,
                           hint or self.hint, vm)

    @property
    def command_missing(self) -> bool:
        """PowerShell does not know the cmdlet (the Hyper-V module is not installed)."""
        return "CommandNotFoundException" in self.error_id


class TransportError(DfwctlError):
    """PowerShell (or the remote host) could not be reached or answered nonsense."""


@dataclass(frozen=True)
class GuestLogin:
    """Run the calls inside a VM of the host, with PowerShell Direct (Invoke-Command -VMId):
    the VM by its exact name, the account to sign in with."""

    vm: str
    user: str
    password: str = field(repr=False)


class GuestError(HyperVError):
    """PowerShell Direct into the VM failed: the VM's power state and heartbeat (as the host
    reported them with the error) tell whether it is off, still starting, or refusing."""

    def __init__(self, cmdlet: str, message: str, category: str = "", error_id: str = "",
                 state: str = "", heartbeat: str = ""):
        super().__init__(cmdlet, message, category, error_id)
        self.state = state  # VMState name, "" when the host did not say
        self.heartbeat = heartbeat  # VMHeartbeatStatus name, "" when none

    @property
    def booted(self) -> bool:
        """The VM runs and its guest answers the heartbeat: PowerShell should answer too."""
        return self.state == "Running" and self.heartbeat.startswith("Ok")


@dataclass(frozen=True)
class Reply:
    output: Tuple[Dict[str, Any], ...] = ()
    error: Optional[HyperVError] = None
    warnings: Tuple[str, ...] = ()

    def result(self) -> List[Dict[str, Any]]:
        if self.error is not None:
            raise self.error
        return list(self.output)


class Transport(Protocol):
    endpoint: str  # e.g. hyperv:local, hyperv:winrm://admin@host:5986

    def exchange(self, calls: Sequence[Call], guest: Optional[GuestLogin] = None) -> List[Reply]:
        """Run every call (each on its own: one failing does not stop the others), in one
        round trip, on the host or, with `guest`, inside that VM of the host; raise
        TransportError when the round trip itself fails, GuestError when the VM cannot be
        entered."""
        ...


def invoke_all(transport: Transport, calls: Sequence[Call]) -> List[Reply]:
    """The choke point: every Hyper-V call passes here (and is logged here)."""
    for call in calls:
        log.debug("hyperv_call", endpoint=transport.endpoint, cmdlet=call.cmdlet,
                  params=sorted(name for name, _ in call.params))
    replies = transport.exchange(list(calls))
    if len(replies) != len(calls):
        raise TransportError(f"{transport.endpoint} answered {len(replies)} of {len(calls)} "
                             "Hyper-V calls")
    for call, reply in zip(calls, replies):
        for warning in reply.warnings:
            log.warning("hyperv_warning", cmdlet=call.cmdlet, warning=warning)
    return replies


def invoke(transport: Transport, cmdlet: str, params: Optional[Mapping[str, Any]] = None,
           properties: Sequence[str] = ()) -> List[Dict[str, Any]]:
    """One call; its output objects, or its HyperVError raised."""
    return invoke_all(transport, [Call.of(cmdlet, params, properties)])[0].result()
