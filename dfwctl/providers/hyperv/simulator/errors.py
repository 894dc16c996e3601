"""The refusals of the simulated host, worded and classified the way Hyper-V and PowerShell
word them.

Verbatim where the wording was captured from real hosts: VM not found, memory alignment,
permission, command not found, parameter not found, the multi-line "Failed to modify device"
layout. Modelled on that layout where no real text was captured: which state a change needs
(Hyper-V's generic "...while the virtual machine is in its current state."), the memory
order and the nested virtualization checks.
"""
from __future__ import annotations

from typing import Any, Dict, List


class CmdletError(Exception):
    """What PowerShell's ErrorRecord carries: message, category, FullyQualifiedErrorId."""

    def __init__(self, message: str, category: str, error_id: str, reason: str = ""):
        super().__init__(message)
        self.message = message
        self.category = category
        self.error_id = error_id
        self.reason = reason or "VirtualizationException"


def _type(cmdlet: str) -> str:
    """Set-VMProcessor -> Microsoft.HyperV.PowerShell.Commands.SetVMProcessor"""
    return "Microsoft.HyperV.PowerShell.Commands." + cmdlet.replace("-", "")


def vm_not_found(cmdlet: str, name: str) -> CmdletError:
    message = f'Hyper-V was unable to find a virtual machine with name "{name}".'
    if cmdlet == "Get-VM":
        return CmdletError(message, "InvalidArgument", f"InvalidParameter,{_type(cmdlet)}")
    return CmdletError(message, "ObjectNotFound", f"ObjectNotFound,{_type(cmdlet)}")


def vm_id_not_found(cmdlet: str, vm_id: str) -> CmdletError:
    return CmdletError(f'Hyper-V was unable to find a virtual machine with id "{vm_id}".',
                       "InvalidArgument", f"InvalidParameter,{_type(cmdlet)}")


def modify_failed(cmdlet: str, vm: Dict[str, Any], device: str, summary: str, detail: str = "",
                  error_id: str = "InvalidState") -> CmdletError:
    """Hyper-V's multi-line device error: what failed, why, which VM (by name and Id)."""
    lines: List[str] = [f"Failed to modify device '{device}'.", summary,
                        f"'{vm['Name']}' failed to modify device '{device}'. "
                        f"(Virtual machine ID {vm['Id']})"]
    if detail:
        lines.append(f"{detail} (Virtual machine ID {vm['Id']})")
    return CmdletError("\n".join(lines), "InvalidOperation", f"{error_id},{_type(cmdlet)}")


WRONG_STATE = "The operation cannot be performed while the virtual machine is in its current state."


def wrong_state(cmdlet: str, vm: Dict[str, Any], device: str, detail: str) -> CmdletError:
    return modify_failed(cmdlet, vm, device, WRONG_STATE, detail)


def memory_not_aligned(cmdlet: str, vm: Dict[str, Any], size: int) -> CmdletError:
    megabytes = size // (1024 * 1024) if size % (1024 * 1024) == 0 else round(size / 1048576, 2)
    return modify_failed(
        cmdlet, vm, "Memory",
        f"Invalid memory value assigned for '{vm['Name']}'. Memory values must be properly aligned.",
        f"Invalid memory value assigned for '{vm['Name']}'. The memory value assigned "
        f"('{megabytes}' MB) is not properly aligned. Try again with a memory value that is "
        "properly aligned.", error_id="InvalidParameter")


def state_change_failed(cmdlet: str, vm: Dict[str, Any], verb: str, detail: str) -> CmdletError:
    return CmdletError(f"'{vm['Name']}' failed to {verb}.\n{detail} "
                       f"(Virtual machine ID {vm['Id']})",
                       "InvalidOperation", f"InvalidState,{_type(cmdlet)}")


def no_permission(cmdlet: str, computer: str) -> CmdletError:
    return CmdletError(
        "You do not have the required permission to complete this task. Contact the "
        f"administrator of the authorization policy for the computer '{computer}'.",
        "PermissionDenied", f"Unspecified,{_type(cmdlet)}")


def command_not_found(command: str) -> CmdletError:
    return CmdletError(
        f"The term '{command}' is not recognized as the name of a cmdlet, function, script "
        "file, or operable program. Check the spelling of the name, or if a path was included, "
        "verify that the path is correct and try again.",
        "ObjectNotFound", "CommandNotFoundException", "CommandNotFoundException")


def parameter_not_found(cmdlet: str, name: str, type_name: str = "") -> CmdletError:
    return CmdletError(f"A parameter cannot be found that matches parameter name '{name}'.",
                       "InvalidArgument",
                       f"NamedParameterNotFound,{type_name or _type(cmdlet)}",
                       "ParameterBindingException")


def cannot_convert(cmdlet: str, name: str, value: object, type_name: str, hint: str = "") -> CmdletError:
    text = (f"Cannot bind parameter '{name}'. Cannot convert value \"{value}\" to type "
            f"\"{type_name}\".")
    if hint:
        text += f" Error: \"{hint}\""
    return CmdletError(text, "InvalidArgument",
                       f"CannotConvertArgumentNoMessage,{_type(cmdlet)}",
                       "ParameterBindingException")


def missing_parameter(cmdlet: str, names: str) -> CmdletError:
    return CmdletError(f"Parameter set cannot be resolved using the specified named parameters. "
                       f"One of these is needed: {names}.", "InvalidArgument",
                       f"AmbiguousParameterSet,{_type(cmdlet)}", "ParameterBindingException")


def needs_elevation(cmdlet: str) -> CmdletError:
    return CmdletError("The requested operation requires elevation.", "NotSpecified",
                       f"Microsoft.Dism.Commands.{cmdlet.replace('-', '')}Command",
                       "COMException")


def invalid_wildcard(pattern: str) -> CmdletError:
    return CmdletError(f"The specified wildcard character pattern is not valid: {pattern}",
                       "InvalidArgument", "RuntimeException", "WildcardPatternException")
