"""The `dfwctl` command group and its global options; command modules add to it."""
from __future__ import annotations

import importlib
import os
from typing import Any, List, Optional

import click

from dfwctl import __version__
from dfwctl.cli.command import Command

HELP = {"help_option_names": ["-h", "--help"], "max_content_width": 100}
PROG = "dfwctl"
COMPLETE_VAR = "_DFWCTL_COMPLETE"  # set by the completion scripts when they ask for words


class Seconds(click.ParamType):  # type: ignore[type-arg]
    """Seconds: a number (30, 1.5) or a duration (90s, 1m30s)."""

    name = "seconds"

    def convert(self, value: Any, param: Optional[click.Parameter],
                ctx: Optional[click.Context]) -> float:
        if isinstance(value, (int, float)):
            return float(value)
        from dfwctl.timeouts import parse_seconds

        try:
            return parse_seconds(str(value))
        except ValueError as exc:
            self.fail(str(exc), param, ctx)


SECONDS = Seconds()


class Context:
    def __init__(self, debug: bool, log_format: str, colour: bool = False):
        self.debug = debug
        self.log_format = log_format
        self.colour = colour  # stdout is a terminal that gets colour (cli/terminal.py)


# Commands whose modules load only when they run (or when help lists them): start-up of
# the everyday commands does not pay for them.
_LAZY_COMMANDS = {"doctor": "dfwctl.cli.hyperv", "simulator": "dfwctl.cli.hyperv",
                  "desktop": "dfwctl.cli.desktop", "schema": "dfwctl.cli.schema",
                  "completion": "dfwctl.cli.complete", "export": "dfwctl.cli.export",
                  "import": "dfwctl.cli.imports"}


class _Group(click.Group):
    command_class = Command  # typed address and machine options, --no-color (cli/command.py)

    def main(self, *args: Any, **kwargs: Any) -> Any:
        # A completion request names its shell's class: dfwctl's must be there first.
        if os.environ.get(COMPLETE_VAR):
            from dfwctl.cli.shells import register

            register()
        return super().main(*args, **kwargs)

    def list_commands(self, ctx: click.Context) -> List[str]:
        return sorted(set(super().list_commands(ctx)) | set(_LAZY_COMMANDS))

    def get_command(self, ctx: click.Context, name: str) -> Optional[click.Command]:
        if name not in self.commands and name in _LAZY_COMMANDS:
            importlib.import_module(_LAZY_COMMANDS[name])  # registers the command
        return super().get_command(ctx, name)


@click.group(cls=_Group, context_settings=HELP)
@click.version_option(__version__, "--version", prog_name="dfwctl")
@click.option("--debug", is_flag=True, help="Show tracebacks and debug logs.")
@click.option("--log-format", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="Format of the events logged to stderr.")
@click.option("--log-level", type=click.Choice(["debug", "info", "warning", "error"]),
              default=None, help="Least severe event to log [default: warning, json: info].")
@click.option("--no-color", is_flag=True,
              help="Plain text even on a terminal (also: the NO_COLOR environment variable).")
@click.option("--timeout", type=SECONDS, default=None, envvar="DFWCTL_TIMEOUT",
              help="Bound on the whole command, in seconds or as 15m: what is still waiting "
                   "then fails, naming what it waited for [env DFWCTL_TIMEOUT; default: none].")
@click.option("--connect-timeout", type=SECONDS, default=10.0, show_default=True,
              envvar="DFWCTL_CONNECT_TIMEOUT",
              help="Seconds to open a connection to an engine [env DFWCTL_CONNECT_TIMEOUT].")
@click.option("--call-timeout", type=SECONDS, default=60.0, show_default=True,
              envvar="DFWCTL_CALL_TIMEOUT",
              help="Seconds one engine call may take to answer [env DFWCTL_CALL_TIMEOUT].")
@click.pass_context
def cli(ctx: click.Context, debug: bool, log_format: str, log_level: Optional[str],
        no_color: bool, timeout: Optional[float], connect_timeout: float,
        call_timeout: float) -> None:
    """dfwctl keeps a Docker-on-Windows developer environment in a playbook:
    validate it, plan the changes against the machine, apply them."""
    import sys

    from dfwctl import logs, timeouts
    from dfwctl.cli.terminal import colour_wanted, prepare_console

    level = log_level or ("debug" if debug else "info" if log_format == "json" else "warning")
    logs.configure(log_format, level)
    timeouts.configure(timeouts.Timeouts(connect=connect_timeout, call=call_timeout,
                                         total=timeout))
    colour = colour_wanted(no_color, sys.stdout)
    if colour:
        prepare_console()
    ctx.obj = Context(debug, log_format, colour)
