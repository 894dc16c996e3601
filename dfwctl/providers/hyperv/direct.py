"""PowerShell Direct: a VM of a Hyper-V host, reached through the host's transport with
Invoke-Command -VMId (no network between dfwctl and the VM). The calls run inside the VM; the
account's password comes from an environment variable, never from the playbook.

A VM that is off, or whose guest has not finished starting, is UnreachableError (apply waits
for it between rounds); a VM that runs and answers its heartbeat but refuses the account is a
plain error: waiting will not help."""
from __future__ import annotations

import os
from typing import List, Mapping, Optional, Sequence

from dfwctl.errors import DfwctlError, UnreachableError
from dfwctl.providers.hyperv.transport import (
    Call,
    GuestError,
    GuestLogin,
    Reply,
    Transport,
    TransportError,
)


def stored_password(vm: str, user: str) -> Optional[str]:
    """The password kept in the system's credential store (Windows Credential Manager, macOS
    Keychain, Secret Service) under service `dfwctl:<VM>`, when the keyring package is
    installed (`pip install 'dfwctl[keyring]'`); None otherwise."""
    try:
        import keyring
        from keyring.errors import KeyringError
    except ImportError:
        return None
    try:
        found: Optional[str] = keyring.get_password(f"dfwctl:{vm}", user)
    except KeyringError:
        return None
    return found


class GuestTransport:
    def __init__(self, host: Transport, vm: str, user: Optional[str], password_variable: str,
                 where: str, environ: Optional[Mapping[str, str]] = None):
        self.host = host
        self.vm = vm
        self.user = user
        self.password_variable = password_variable
        self.where = where  # the machine, for messages
        self.environ = os.environ if environ is None else environ
        self.endpoint = f"{host.endpoint} > PowerShell Direct {vm}"

    def login(self) -> GuestLogin:
        if not self.user:
            raise DfwctlError(f"{self.where}: no account to sign in to VM {self.vm} with",
                              "set machines.<name>.user in the playbook (the password comes "
                              f"from {self.password_variable})")
        password = self.environ.get(self.password_variable) or stored_password(self.vm, self.user)
        if not password:
            raise DfwctlError(f"{self.where}: no password for {self.user} on VM {self.vm}",
                              f"set {self.password_variable}, or store it in the system's "
                              f"credential store as service dfwctl:{self.vm}, user {self.user} "
                              "(with the keyring package installed); dfwctl never reads "
                              "passwords from the playbook")
        return GuestLogin(self.vm, self.user, password)

    def exchange(self, calls: Sequence[Call], guest: Optional[GuestLogin] = None) -> List[Reply]:
        if guest is not None:
            raise TransportError("PowerShell Direct reaches the VMs of a host, not a VM's VMs")
        try:
            return self.host.exchange(calls, self.login())
        except GuestError as exc:
            raise self.refused(exc) from None

    def refused(self, exc: GuestError) -> DfwctlError:
        said = exc.hyperv_message.strip()
        if exc.booted:
            return DfwctlError(
                f"{self.where}: PowerShell Direct into VM {self.vm} as {self.user} failed: {said}",
                f"check the account and its password ({self.password_variable}); the VM runs "
                "and its guest answers")
        if exc.state and exc.state != "Running":
            state = f"is {exc.state}"
        else:
            state = "has not finished starting" + (f" (heartbeat {exc.heartbeat})"
                                                   if exc.heartbeat else "")
        return UnreachableError(f"{self.where}: VM {self.vm} {state} ({said})",
                                "start the VM, or let the plan start it (hyperv.vms, "
                                "state: running), then run dfwctl again")
