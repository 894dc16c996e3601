"""Option and argument types whose values complete from the playbook on the command line:
ADDRESS (what the playbook declares, as plans address it) and MACHINE (a machine it names).

An option whose value is an address needs nothing more than its flag in cli/command.py's
ADDRESS_OPTIONS (or `type=ADDRESS`); it then completes in every shell."""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, List, Optional

import click

from dfwctl.logs import get_logger

if TYPE_CHECKING:
    from click.shell_completion import CompletionItem

    from dfwctl.desired import Desired

    StrType = click.ParamType[str]  # generic in click 8.5; plain in the 8.1 of Python 3.9
else:
    StrType = click.ParamType

log = get_logger(__name__)

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
    completion never prints an error into the shell). It is read with the profiles given
    before (--profile, DFWCTL_PROFILES) in a command that takes them, as the command will
    read it; with every profile in one that does not act on containers."""
    from dfwctl.pipeline import load_playbook
    from dfwctl.profiles import EVERY

    try:
        path = _playbook_path(ctx)
        if path is None or not path.is_file():
            return None
        selected = ctx.params.get("selected") if "selected" in ctx.params else EVERY
        return load_playbook(path, use_cache=True, selected=tuple(selected or ())).desired
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
