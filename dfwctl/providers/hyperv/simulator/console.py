"""What the PowerShell executable does around invoke.ps1 on the simulated host, for a stand-in
PowerShell (the tests' fake pwsh): whether it runs the script at all, and the code page it
writes its own messages in.

`-ExecutionPolicy Bypass` sets the Process scope, and Group Policy's scopes (MachinePolicy,
UserPolicy) win over it [POLICY: learn.microsoft.com/powershell/module/
microsoft.powershell.core/about/about_execution_policies; JabRef/user-documentation#446].
Restricted refuses every script, AllSigned an unsigned one, with PowerShell's words (English:
microsoft/MixedReality-SpectatorView#239, ThioJoe/Windows-Super-God-Mode#18; German: the same
error as quoted in public READMEs, e.g. "...kann nicht geladen werden, da die Ausführung von
Skripts auf diesem System deaktiviert ist."), category SecurityError, error id
UnauthorizedAccess, on stderr, exit code 1, no reply. Windows PowerShell writes to a redirected
stderr in the console's OEM code page (437 in the US, 850 in Western Europe).
"""
from __future__ import annotations

from typing import Any, Dict, Optional

LINK = "https:/go.microsoft.com/fwlink/?LinkID=135170"
SCOPES = ("MachinePolicy", "UserPolicy")
_RESTRICTED = {
    "en-US": ("File {path} cannot be loaded because running scripts is disabled on this system. "
              "For more information, see about_Execution_Policies at {link}."),
    "de-DE": ('Die Datei "{path}" kann nicht geladen werden, da die Ausführung von Skripts auf '
              'diesem System deaktiviert ist. Weitere Informationen finden Sie unter '
              '"about_Execution_Policies" ({link}).'),
}
_UNSIGNED = ("File {path} cannot be loaded. The file {path} is not digitally signed. You cannot "
             "run this script on the current system. For more information about running scripts "
             "and setting execution policy, see about_Execution_Policies at {link}.")
_RECORD = {"en-US": ("    + CategoryInfo          : SecurityError: (:) [], "
                     "ParentContainsErrorRecordException\n"
                     "    + FullyQualifiedErrorId : UnauthorizedAccess"),
           "de-DE": ("    + CategoryInfo          : Sicherheitsfehler: (:) [], "
                     "ParentContainsErrorRecordException\n"
                     "    + FullyQualifiedErrorId : UnauthorizedAccess")}


def effective_policy(host: Dict[str, Any], command_line: str = "Bypass") -> str:
    """The execution policy a script meets: Group Policy's, else the command line's."""
    for scope in SCOPES:
        policy = str(host.get(scope) or "Undefined")
        if policy != "Undefined":
            return policy
    return command_line


def script_refused(host: Dict[str, Any], script: str) -> Optional[str]:
    """PowerShell's error when it will not run `script` (an unsigned local file), else None."""
    policy = effective_policy(host)
    culture = str(host.get("UICulture") or "en-US")
    if policy == "Restricted":
        text = _RESTRICTED.get(culture, _RESTRICTED["en-US"])
    elif policy == "AllSigned":
        text = _UNSIGNED  # its German wording was not captured
    else:
        return None
    return (text.format(path=script, link=LINK) + "\n"
            + _RECORD.get(culture, _RECORD["en-US"]) + "\n")


def code_page(host: Dict[str, Any]) -> str:
    """The Python codec of the host's OEM code page."""
    return f"cp{int(host.get('OEMCodePage') or 437)}"
