"""invoke.ps1, the PowerShell text dfwctl ships: it parses with a PowerShell grammar, it never
turns request data into code, and it allows exactly the commands the simulator models."""
from __future__ import annotations

import re

import pytest

from dfwctl.providers.hyperv.local import SCRIPT
from dfwctl.providers.hyperv.simulator.cmdlets import SPECS
from dfwctl.providers.hyperv.simulator.guest import Guest
from tests.powershell import syntax_errors


def test_the_shipped_script_parses_without_errors():
    assert syntax_errors(SCRIPT.read_bytes()) == []


@pytest.mark.parametrize("broken", [
    b"function f { if ($x -eq 1) { 'a' }\n",
    b"$a = @{ 'k' = 1\n",
    b"\"unterminated\n",
    b"param([string]$a\n",
    b"$h = @{ a = }\n",
])
def test_the_check_finds_broken_powershell(broken):
    assert syntax_errors(broken)


TEXT = SCRIPT.read_text(encoding="utf-8")


@pytest.mark.parametrize("pattern", [r"Invoke-Expression", r"\biex\b", r"ScriptBlock\]::Create",
                                     r"Add-Type", r"-EncodedCommand", r"NewScriptBlock"])
def test_no_request_data_ever_becomes_code(pattern):
    assert not re.search(pattern, TEXT, re.IGNORECASE)


def test_errors_stop_and_warnings_are_collected():
    assert "$ErrorActionPreference = 'Stop'" in TEXT
    assert "$splat['WarningVariable']" in TEXT


def test_the_allowed_commands_are_the_modelled_ones():
    table = TEXT[TEXT.index("$Commands = @{"):TEXT.index("}", TEXT.index("$Commands = @{"))]
    allowed = dict(re.findall(r"'([A-Za-z-]+)'\s*=\s*'([A-Za-z.\\-]+)'", table))
    assert set(allowed) == set(SPECS) | set(Guest.COMMANDS)
    for name, qualified in allowed.items():
        assert qualified.endswith("\\" + name) or (qualified == name and "Dfwctl" in name)
    assert all(q.startswith("Hyper-V\\") for n, q in allowed.items()
               if "VM" in n and "Dfwctl" not in n)
