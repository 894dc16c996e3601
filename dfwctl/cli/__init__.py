"""The command line: parse options, run the pipeline, print, map errors to exit codes.

Only this package imports click. Everything printed on stdout is the plan or the result;
progress and logs go to stderr. Commands live in the modules of this package.
"""
from __future__ import annotations

import importlib
import os
import sys
from typing import Optional

import click

from dfwctl import __version__
from dfwctl.errors import DfwctlError, ExitStatus

HELP = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


class Context:
    def __init__(self, debug: bool, log_format: str):
        self.debug = debug
        self.log_format = log_format


# Commands whose modules load only when they run (or when help lists them): start-up of
# the everyday commands does not pay for them.
_LAZY_COMMANDS = {"doctor": "dfwctl.cli.hyperv", "simulator": "dfwctl.cli.hyperv",
                  "desktop": "dfwctl.cli.desktop"}


class _Group(click.Group):
    def list_commands(self, ctx: click.Context):
        return sorted(set(super().list_commands(ctx)) | set(_LAZY_COMMANDS))

    def get_command(self, ctx: click.Context, name: str):
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
@click.pass_context
def cli(ctx: click.Context, debug: bool, log_format: str, log_level: Optional[str]) -> None:
    """dfwctl keeps a Docker-on-Windows developer environment in a playbook:
    validate it, plan the changes against the machine, apply them."""
    from dfwctl import logs

    level = log_level or ("debug" if debug else "info" if log_format == "json" else "warning")
    logs.configure(log_format, level)
    ctx.obj = Context(debug, log_format)


def _internal_error(exc: BaseException) -> int:
    import tempfile
    import traceback

    fd, path = tempfile.mkstemp(prefix="dfwctl-crash-", suffix=".log")
    with os.fdopen(fd, "w") as handle:
        traceback.print_exception(type(exc), exc, exc.__traceback__, file=handle)
    click.echo(f"internal error: {type(exc).__name__}: {exc}\n"
               f"  a traceback was written to {path}; please report it", err=True)
    return ExitStatus.INTERNAL


def main(argv=None) -> None:
    """Entry point: exit codes 0 ok, 1 error, 2 changes (--detailed-exitcode), 3 internal
    error, 64 usage error, 130 interrupted."""
    from dfwctl.redact import redact

    debug = "--debug" in (argv if argv is not None else sys.argv[1:])
    try:
        cli.main(args=argv, prog_name="dfwctl", standalone_mode=False)
        status = ExitStatus.OK
    except click.exceptions.Exit as exc:
        status = exc.exit_code
    except click.UsageError as exc:
        exc.show()
        status = ExitStatus.USAGE
    except click.Abort:
        click.echo("Aborted.", err=True)
        status = ExitStatus.INTERRUPTED
    except DfwctlError as exc:
        if debug:
            import traceback

            traceback.print_exc()
        click.echo(f"Error: {redact(str(exc))}", err=True)
        status = exc.exit_status
    except KeyboardInterrupt:
        click.echo("Interrupted.", err=True)
        status = ExitStatus.INTERRUPTED
    except SystemExit as exc:
        status = exc.code if isinstance(exc.code, int) else ExitStatus.ERROR
    except BrokenPipeError:
        status = ExitStatus.ERROR
    except Exception as exc:  # noqa: BLE001 -- the last resort: never a bare traceback
        if debug:
            import traceback

            traceback.print_exc()
        status = _internal_error(exc)
    sys.exit(int(status))


from dfwctl.cli import commands  # noqa: E402,F401 -- registers the commands
