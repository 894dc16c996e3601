"""`dfwctl completion SHELL`: the script that completes dfwctl in PowerShell, bash, zsh or fish.

Commands, options and files complete through click's own completion (bash, zsh, fish) and,
for PowerShell, through click-pwsh, which adds a PowerShell class to it (cli/shells.py);
playbook addresses and machines through their types (cli/addresses.py)."""
from __future__ import annotations

import click

from dfwctl.cli.app import COMPLETE_VAR, HELP, PROG, cli

# What users type -> the name of click's completion class.
SHELLS = {"powershell": "pwsh", "pwsh": "pwsh", "bash": "bash", "zsh": "zsh", "fish": "fish"}


def script(shell: str) -> str:
    """The completion script for `shell` (a key of SHELLS)."""
    from click.shell_completion import get_completion_class

    from dfwctl.cli.shells import register

    register()
    name = SHELLS[shell]
    completer = get_completion_class(name)
    assert completer is not None, f"click has a completion class for {name}"
    return completer(cli, {}, PROG, COMPLETE_VAR).source()


@cli.command(context_settings=HELP)
@click.argument("shell", type=click.Choice(sorted(SHELLS)))
def completion(shell: str) -> None:
    """Print the script that completes dfwctl's commands, options, files, playbook addresses
    and machine names in SHELL (powershell, bash, zsh or fish). Install it from your shell's
    profile, e.g. in PowerShell: dfwctl completion powershell | Out-String | Invoke-Expression"""
    text = script(shell)
    click.echo(text if text.endswith("\n") else text + "\n", nl=False)
