"""The WinRM transport: invoke.ps1 on a remote Hyper-V host over PowerShell remoting (PSRP,
with pypsrp: `pip install dfwctl[winrm]`). The request is bound to the script's -Request
parameter, the reply comes back as its output: the same protocol as the local transport.

`hyperv.host: winrm://user@host[:port]`; the user may be a UPN (winrm://user@corp.com@host:
the host is what follows the last @) or DOMAIN\\user; the password comes from
DFWCTL_WINRM_PASSWORD.
HTTPS on port 5986 with the certificate verified, unless told otherwise:
  DFWCTL_WINRM_AUTH              negotiate (default), ntlm, kerberos, credssp or basic
  DFWCTL_WINRM_CA_TRUST          a CA bundle (PEM) to verify the host's certificate with
  DFWCTL_WINRM_SKIP_CERT_CHECK=1 do not verify the certificate (a lab host with a self-signed one)
  DFWCTL_WINRM_HTTP=1            plain HTTP on port 5985 (messages still encrypted, except basic)
"""
from __future__ import annotations

import os
import re
from typing import TYPE_CHECKING, Any, Dict, List, Mapping, Optional, Sequence, Tuple, Type

from dfwctl.errors import DfwctlError
from dfwctl.providers.hyperv.local import SCRIPT, round_trip_timeout
from dfwctl.providers.hyperv.protocol import (
    decode_reply,
    encode_request,
    last_json_line,
)
from dfwctl.providers.hyperv.transport import Call, GuestLogin, Reply, TransportError

if TYPE_CHECKING:  # pypsrp is an extra, imported when a winrm:// host is used
    from pypsrp.powershell import PowerShell, RunspacePool
    from pypsrp.wsman import WSMan

AUTHS = ("negotiate", "ntlm", "kerberos", "credssp", "basic")
_URL = re.compile(r"winrm://(?P<user>[^/\s]+)@(?P<host>[^@:/\s]+)(?::(?P<port>[0-9]{1,5}))?")


def wsman_options(url: str, environ: Mapping[str, str] = os.environ) -> Dict[str, Any]:
    """pypsrp.wsman.WSMan's keyword arguments for a winrm:// host. Pure."""
    match = _URL.fullmatch(url)
    if match is None:
        raise DfwctlError(f"{url!r} is not a WinRM host", "write winrm://user@host[:port]")
    password = environ.get("DFWCTL_WINRM_PASSWORD")
    if not password:
        raise DfwctlError(f"no password for {match['user']} on {match['host']}",
                          "set DFWCTL_WINRM_PASSWORD (dfwctl never reads it from the playbook)")
    auth = environ.get("DFWCTL_WINRM_AUTH", "negotiate").lower()
    if auth not in AUTHS:
        raise DfwctlError(f"DFWCTL_WINRM_AUTH={auth!r} is not an authentication dfwctl knows",
                          f"use one of: {', '.join(AUTHS)}")
    ssl = environ.get("DFWCTL_WINRM_HTTP") != "1"
    if not ssl and auth == "basic":
        raise DfwctlError("basic authentication over plain HTTP would send the password in "
                          "clear text", "use HTTPS (unset DFWCTL_WINRM_HTTP) or negotiate")
    port = int(match["port"]) if match["port"] else (5986 if ssl else 5985)
    if not 0 < port < 65536:
        raise DfwctlError(f"{url!r}: port {port} is out of range")
    if environ.get("DFWCTL_WINRM_SKIP_CERT_CHECK") == "1":
        validation: Any = False
    else:
        validation = environ.get("DFWCTL_WINRM_CA_TRUST") or True
    return {"server": match["host"], "port": port, "username": match["user"],
            "password": password, "ssl": ssl, "auth": auth, "cert_validation": validation,
            "read_timeout": 900, "operation_timeout": 60}


class WinRMTransport:
    def __init__(self, url: str, environ: Mapping[str, str] = os.environ):
        self.url = url
        self.environ = dict(environ)
        self.endpoint = f"hyperv:{url}"

    def _modules(self) -> Tuple[Type[WSMan], Type[RunspacePool], Type[PowerShell]]:
        try:
            from pypsrp.powershell import PowerShell, RunspacePool
            from pypsrp.wsman import WSMan
        except ImportError:
            raise DfwctlError("a winrm:// Hyper-V host needs pypsrp, which is not installed",
                              "pip install 'dfwctl[winrm]'") from None
        return WSMan, RunspacePool, PowerShell

    def exchange(self, calls: Sequence[Call], guest: Optional[GuestLogin] = None) -> List[Reply]:
        options = dict(wsman_options(self.url, self.environ),
                       read_timeout=int(round_trip_timeout(calls)))
        WSMan, RunspacePool, PowerShell = self._modules()
        script = SCRIPT.read_text(encoding="utf-8")
        try:
            with WSMan(**options) as wsman, RunspacePool(wsman) as pool:
                shell = PowerShell(pool)
                shell.add_script(script).add_parameter("Request", encode_request(calls, guest))
                output = shell.invoke()
                errors = [str(e) for e in shell.streams.error]
        except Exception as exc:  # noqa: BLE001 -- pypsrp, requests and spnego raise many kinds
            raise TransportError(_connection_message(self.url, options, exc),
                                 _connection_hint(exc)) from None
        try:
            return decode_reply(last_json_line("\n".join(str(o) for o in output)), calls)
        except TransportError:
            raise TransportError(f"{self.url} did not answer with a dfwctl reply:\n"
                                 + "\n".join(errors[-5:] or ["(no output)"])) from None


def _connection_message(url: str, options: Dict[str, Any], exc: Exception) -> str:
    scheme = "https" if options["ssl"] else "http"
    return (f"cannot run PowerShell on {url} ({scheme}, port {options['port']}, "
            f"{options['auth']}): {type(exc).__name__}: {exc}")


def _connection_hint(exc: Exception) -> str:
    text = f"{type(exc).__name__} {exc}".lower()
    if "certificate" in text or "ssl" in text:
        return ("the host's certificate is not trusted: set DFWCTL_WINRM_CA_TRUST to its CA "
                "bundle, or DFWCTL_WINRM_SKIP_CERT_CHECK=1 for a lab host")
    if "401" in text or "auth" in text or "credential" in text:
        return "check the user in hyperv.host and DFWCTL_WINRM_PASSWORD (and DFWCTL_WINRM_AUTH)"
    return ("check that WinRM listens on the host (Enable-PSRemoting; an HTTPS listener on 5986) "
            "and that the firewall lets the port through")
