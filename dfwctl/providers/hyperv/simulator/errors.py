"""The refusals of the simulated host, worded and classified the way Hyper-V and PowerShell
word them.

Verbatim where the wording was captured from real hosts: VM not found, memory alignment,
command not found, parameter not found, the multi-line "Failed to modify device" layout,
Start-VM on a host without the processors or memory, checkpoints disabled, the Store's DISM
failure. Modelled on those layouts where no real text was captured: which state a change needs
(Hyper-V's generic "...while the virtual machine is in its current state."), the memory
order, the nested virtualization checks, checkpoints of a running nested VM. Each function
names its source.
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


# Start-VM on a host that cannot run the VM: Hyper-V accepts the setting (Set-VMProcessor,
# Set-VMMemory), and it is Start-VM that fails. Verbatim from real hosts:
# https://github.com/canonical/multipass/issues/3352 (processors above the host's),
# https://github.com/canonical/multipass/issues/3345 and
# https://github.com/kubernetes/minikube/issues/18049 (memory).
def start_processors(cmdlet: str, vm: Dict[str, Any]) -> CmdletError:
    name, vm_id = vm["Name"], vm["Id"]
    return CmdletError("\n".join([
        f"'{name}' failed to start.",
        f"'{name}' could not initialize.",
        "The processor settings for the virtual machine are incompatible with the host.",
        f"'{name}' failed to start. (Virtual machine ID {vm_id})",
        f"'{name}' failed to start worker process: Unspecified error (0x80004005). "
        f"(Virtual machine ID {vm_id})",
        f"'{name}' could not initialize. (Virtual machine ID {vm_id})",
        "The processor topology specified for the virtual machine cannot be supported by this "
        "host. For instance, this can happen when the virtual processor or socket count for "
        "the virtual machine exceeds the logical processor or socket count for the host."]),
        "NotSpecified", f"OperationFailed,{_type(cmdlet)}")


def start_memory(cmdlet: str, vm: Dict[str, Any], size: int) -> CmdletError:
    name, vm_id = vm["Name"], vm["Id"]
    denied = ("Not enough memory resources are available to complete this operation. "
              "(0x8007000E).")
    return CmdletError("\n".join([
        f"'{name}' failed to start.",
        f"Not enough memory in the system to start the virtual machine {name}.",
        f"Could not initialize memory: {denied}",
        f"'{name}' failed to start. (Virtual machine ID {vm_id})",
        f"Not enough memory in the system to start the virtual machine {name} with ram size "
        f"{size // (1024 * 1024)} megabytes. (Virtual machine ID {vm_id})",
        f"'{name}' could not initialize memory: {denied} (Virtual machine ID {vm_id})"]),
        "FromStdErr", f"OutOfMemory,{_type(cmdlet)}")


# Checkpoint-VM on a VM whose checkpoints are off, verbatim (its category and error id were
# not captured): https://github.com/hashicorp/vagrant/issues/9977
def checkpoints_disabled(cmdlet: str, vm: Dict[str, Any]) -> CmdletError:
    name, vm_id = vm["Name"], vm["Id"]
    return CmdletError("\n".join([
        "Checkpoint operation failed.", "Checkpoints have been disabled.",
        f"Checkpoint operation for '{name}' failed. (Virtual machine ID {vm_id})",
        f"Checkpoints have been disabled for '{name}'. (Virtual machine ID {vm_id})."]),
        "InvalidOperation", f"InvalidOperation,{_type(cmdlet)}")


def checkpoint_failed(cmdlet: str, vm: Dict[str, Any], detail: str) -> CmdletError:
    """The layout of the error above, for refusals whose words were not captured."""
    name, vm_id = vm["Name"], vm["Id"]
    return CmdletError("\n".join([
        "Checkpoint operation failed.", detail,
        f"Checkpoint operation for '{name}' failed. (Virtual machine ID {vm_id})"]),
        "InvalidOperation", f"InvalidOperation,{_type(cmdlet)}")


# A VM that exposes virtualization extensions and runs: Microsoft's nested virtualization
# preview notes say "Applying checkpoints to a running VM will fail" and "Save/restore will
# fail" (MicrosoftDocs/Virtualization-Documentation, virtualization/hyperv_on_windows/
# user_guide/nesting.md, 2015-2016; the current page no longer lists them). Wording modelled.
NESTED_RUNNING = ("The operation is not supported while the virtual machine runs with "
                  "virtualization extensions exposed to its guest.")


def snapshot_not_found(cmdlet: str, vm: Dict[str, Any], name: str) -> CmdletError:
    return CmdletError(f"Hyper-V was unable to find a checkpoint named \"{name}\" of virtual "
                       f"machine \"{vm['Name']}\".", "ObjectNotFound",
                       f"ObjectNotFound,{_type(cmdlet)}")


# The PowerShell 7 package from the Microsoft Store (MSIX) cannot run the DISM cmdlets:
# https://github.com/PowerShell/PowerShell/issues/13866 ("Class not registered").
def class_not_registered(cmdlet: str) -> CmdletError:
    return CmdletError("Class not registered", "NotSpecified",
                       f"Microsoft.Dism.Commands.{cmdlet.replace('-', '')}Command",
                       "COMException")


# invoke.ps1's own Stop-DfwctlVM (a bounded guest shutdown): its error ids and words.
def stop_timeout(vm: Dict[str, Any], seconds: int, state: str) -> CmdletError:
    return CmdletError(f"The guest of '{vm['Name']}' did not shut down within {seconds} "
                       f"seconds; the virtual machine is {state}.", "OperationTimeout",
                       "DfwctlStopTimeout,Stop-DfwctlVM", "TimeoutException")


def no_shutdown_service(vm: Dict[str, Any], detail: str) -> CmdletError:
    return CmdletError(f"The guest of '{vm['Name']}' cannot be shut down from the host: "
                       f"{detail}", "ResourceUnavailable", "DfwctlNoShutdownService,Stop-DfwctlVM",
                       "InvalidOperationException")
