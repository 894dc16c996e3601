"""Shell completion: `dfwctl completion SHELL` prints the script for PowerShell, bash, zsh or
fish, and the option types whose values complete from the playbook on the command line.

Commands, options and files complete through click's own completion (bash, zsh, fish) and,
for PowerShell, through click-pwsh, which adds a PowerShell class to it (cli/shells.py). An option whose value
is a playbook address or machine declares `type=ADDRESS` or `type=MACHINE`: that is all it
takes for its values to complete, in every shell."""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, List, Optional

import click

from dfwctl.cli.app import COMPLETE_VAR, HELP, PROG, cli
from dfwctl.logs import get_logger

if TYPE_CHECKING:
    from click.shell_completion import CompletionItem

    from dfwctl.desired import Desired

    StrType = click.ParamType[str]  # generic in click 8.5; plain in the 8.1 of Python 3.9
else:
    StrType = click.ParamType

log = get_logger(__name__)

# What users type -> the name of click's completion class.
SHELLS = {"powershell": "pwsh", "pwsh": "pwsh", "bash": "bash", "zsh": "zsh", "fish": "fish"}
# The parameters that name the playbook (or a saved plan of it), in the commands that have one.
PLAYBOOK_PARAMS = ("playbook", "target")


def _playbook_path(ctx: click.Context) -> Optional[Path]:
    """The playbook argument. Completing an option's value, click parses the words before it
    with the option still lacking its value, and leaves the positional words unassigned in
    ctx.args: the playbook is then the first of them."""
    names = [n for n in PLAYBOOK_PARAMS if n in ctx.params]
    if not names:
        return None
    value = ctx.params[names[0]] or next((a for a in ctx.args if not a.startswith("-")), None)
    if not isinstance(value, str) or not value:
        return None
    path = Path(value)
    from dfwctl import planjson

    if planjson.is_saved_plan(path):
        return Path(planjson.load_saved(path)["playbook_path"])
    return path


def _desired(ctx: click.Context) -> Optional[Desired]:
    """The playbook already on the command line, or None (none yet, or it does not load: a
    completion never prints an error into the shell)."""
    from dfwctl.pipeline import load_playbook

    try:
        path = _playbook_path(ctx)
        if path is None or not path.is_file():
            return None
        return load_playbook(path, use_cache=True).desired
    except Exception as exc:  # noqa: BLE001 -- never a message or a traceback in a shell prompt
        log.debug("completion_without_playbook", error=str(exc))
        return None


class FromPlaybook(StrType):
    """A value that completes from the playbook named earlier on the command line (the text
    itself is taken as it is: what it names is checked where it is used)."""

    def choices(self, desired: Desired) -> List[str]:
        raise NotImplementedError

    def shell_complete(self, ctx: click.Context, param: click.Parameter,  # noqa: ARG002
                       incomplete: str) -> List[CompletionItem]:
        from click.shell_completion import CompletionItem

        desired = _desired(ctx)
        if desired is None:
            return []
        return [CompletionItem(v) for v in self.choices(desired) if v.startswith(incomplete)]


class PlaybookAddress(FromPlaybook):
    """An address of something the playbook declares: docker.container.web, and with
    machines win10:docker.container.web."""

    name = "address"

    def choices(self, desired: Desired) -> List[str]:
        from dfwctl.desired import addresses

        return list(addresses(desired))


class MachineName(FromPlaybook):
    """A machine the playbook names."""

    name = "machine"

    def choices(self, desired: Desired) -> List[str]:
        return sorted(desired.machines.specs)


ADDRESS = PlaybookAddress()
MACHINE = MachineName()


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
