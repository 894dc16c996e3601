"""The entry point: run the command line and map every outcome to an exit code."""
from __future__ import annotations

import os
import sys
from typing import Optional, Sequence

import click

import dfwctl.cli.commands  # noqa: F401 -- registers the everyday commands
from dfwctl.cli.app import cli
from dfwctl.errors import DfwctlError, ExitStatus


def _internal_error(exc: BaseException) -> int:
    import tempfile
    import traceback

    fd, path = tempfile.mkstemp(prefix="dfwctl-crash-", suffix=".log")
    with os.fdopen(fd, "w") as handle:
        traceback.print_exception(type(exc), exc, exc.__traceback__, file=handle)
    click.echo(f"internal error: {type(exc).__name__}: {exc}\n"
               f"  a traceback was written to {path}; please report it", err=True)
    return ExitStatus.INTERNAL


def main(argv: Optional[Sequence[str]] = None) -> None:
    """Entry point: exit codes 0 ok, 1 error, 2 changes (--detailed-exitcode), 3 internal
    error, 64 usage error, 130 interrupted."""
    from dfwctl import interrupt
    from dfwctl.printable import printable
    from dfwctl.redact import redact

    debug = "--debug" in (argv if argv is not None else sys.argv[1:])
    interrupt.install(lambda line: click.echo(line, err=True))
    try:
        cli.main(args=argv, prog_name="dfwctl", standalone_mode=False)
        status: int = ExitStatus.OK
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
        click.echo(f"Error: {printable(redact(str(exc)))}", err=True)
        status = exc.exit_status
    except KeyboardInterrupt as exc:
        click.echo(f"Interrupted{f' ({exc})' if str(exc) else ''}.", err=True)
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

