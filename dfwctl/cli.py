"""The command line: parse options, run the pipeline, print, map errors to exit codes.

The only module that imports click. Everything it prints on stdout is the plan or the
result; progress and logs go to stderr.
"""
from __future__ import annotations

import os
import sys
import tempfile
import traceback
from pathlib import Path
from typing import Optional

import click

from dfwctl import __version__
from dfwctl.errors import DfwctlError, ExitStatus

HELP = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


class Context:
    def __init__(self, debug: bool, log_format: str):
        self.debug = debug
        self.log_format = log_format


def _echo_warnings(playbook) -> None:
    for warning in playbook.warnings:
        click.echo(str(warning), err=True)


def _providers(desired, exit_wait=None):
    from dfwctl.providers import RunSettings, providers_for

    return providers_for(desired, RunSettings(exit_wait=exit_wait))


def _lock(desired, providers, operation, timeout):
    from dfwctl.lock import ApplyLock

    target = " + ".join(p.endpoint for p in providers) or "this machine"
    return ApplyLock(target, desired.name, operation, timeout)


@click.group(context_settings=HELP)
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


@cli.command(context_settings=HELP)
@click.argument("playbooks", nargs=-1, required=True, type=click.Path(dir_okay=False))
def validate(playbooks) -> None:
    """Check playbooks: schema and rules, every problem as file:line:col."""
    from dfwctl.errors import PlaybookError
    from dfwctl.pipeline import load_playbook

    failed = 0
    for path in playbooks:
        try:
            playbook = load_playbook(Path(path))
        except PlaybookError as exc:
            click.echo(str(exc), err=True)
            failed += 1
            continue
        _echo_warnings(playbook)
        click.echo(f"{path}: valid")
    if failed:
        raise SystemExit(ExitStatus.ERROR)


def _diff_options(prune: bool, prune_volumes: bool, destroy: bool = False):
    from dfwctl.diff import DiffOptions

    return DiffOptions(prune=prune or prune_volumes, prune_volumes=prune_volumes, destroy=destroy)


def _prune_options(fn):
    fn = click.option("--prune", is_flag=True,
                      help="Also remove owned containers and networks no longer in the playbook.")(fn)
    fn = click.option("--prune-volumes", is_flag=True,
                      help="Also remove (or replace) owned volumes: their data is lost.")(fn)
    return fn


@cli.command(context_settings=HELP)
@click.argument("playbook", type=click.Path(dir_okay=False))
@click.option("--output", "-o", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="Plan format on stdout.")
@click.option("--out", "out_file", type=click.Path(dir_okay=False),
              help="Save the plan to FILE for `dfwctl apply FILE`.")
@click.option("--detailed-exitcode", is_flag=True,
              help="Exit 0 when there are no changes, 2 when there are, 1 on error.")
@_prune_options
def plan(playbook, output, out_file, detailed_exitcode, prune, prune_volumes) -> None:
    """Read the machine, diff it against PLAYBOOK and print what would change and why."""
    from dfwctl import planjson, report
    from dfwctl.pipeline import load_playbook, make_plan

    loaded = load_playbook(Path(playbook))
    _echo_warnings(loaded)
    options = _diff_options(prune, prune_volumes)
    the_plan = make_plan(loaded.desired, _providers(loaded.desired), options)
    click.echo(planjson.dumps(the_plan) if output == "json" else report.render_plan(the_plan),
               nl=False)
    if out_file:
        planjson.save(the_plan, Path(out_file), Path(playbook),
                      {"prune": options.prune, "prune_volumes": options.prune_volumes})
        click.echo(f"Saved the plan to {out_file}; apply it with: dfwctl apply {out_file}",
                   err=True)
    if detailed_exitcode and the_plan.has_changes:
        raise SystemExit(ExitStatus.CHANGES)


def _confirm(the_plan, auto_approve: bool) -> None:
    destructive = the_plan.destructive
    if not destructive or auto_approve:
        return
    names = ", ".join(c.address for c in destructive)
    if not sys.stdin.isatty():
        raise DfwctlError(
            f"the plan has {len(destructive)} destructive change(s) ({names}) and there is no "
            "terminal to confirm them", "review the plan, then re-run with --auto-approve")
    answer = click.prompt(
        f"{len(destructive)} change(s) replace or remove running things ({names}).\n"
        "Only 'yes' will be accepted to approve", default="", show_default=False, err=True)
    if answer.strip() != "yes":
        raise DfwctlError("apply cancelled; nothing was changed")


def _run_apply(the_plan, providers, *, auto_approve, parallelism, output):
    from dfwctl import planjson, report
    from dfwctl.apply import apply_plan
    from dfwctl.progress import Progress
    from dfwctl.providers import Dispatcher
    from dfwctl.redact import redact

    if output == "json":
        click.echo(planjson.dumps(the_plan), nl=False)
    else:
        click.echo(report.render_plan(the_plan), nl=False)
    if not the_plan.has_changes:
        return
    _confirm(the_plan, auto_approve)
    performer = Dispatcher(providers)
    todo = sum(1 for c in the_plan.changes if c.action.value != "no-op")
    progress = Progress(todo, quiet=click.get_current_context().obj.log_format == "json")
    try:
        result = apply_plan(the_plan, performer, progress, parallelism)
    finally:
        progress.close()
    click.echo(redact(report.render_result(result)), nl=False)
    if not result.ok:
        raise SystemExit(ExitStatus.ERROR)


def _apply_options(fn):
    fn = click.option("--auto-approve", "-y", is_flag=True,
                      help="Do not ask before replacing or removing things.")(fn)
    fn = click.option("--parallelism", type=click.IntRange(1, 256), default=8, show_default=True,
                      help="How many changes run at once.")(fn)
    fn = click.option("--lock-timeout", type=click.FloatRange(0), default=0, show_default=True,
                      help="Seconds to wait for another apply on the same playbook and engine.")(fn)
    fn = click.option("--exit-wait", type=click.FloatRange(0), default=None,
                      help="Seconds to wait for a `state: exited` container to finish "
                           "[default: no limit].")(fn)
    fn = click.option("--output", "-o", type=click.Choice(["text", "json"]), default="text",
                      show_default=True, help="Plan format on stdout.")(fn)
    return fn


@cli.command(context_settings=HELP)
@click.argument("target", type=click.Path(dir_okay=False))
@_apply_options
@_prune_options
def apply(target, auto_approve, parallelism, lock_timeout, exit_wait, output, prune,
          prune_volumes) -> None:
    """Make the machine match TARGET: a playbook, or a plan saved by `plan --out`."""
    from dfwctl import planjson
    from dfwctl.pipeline import load_playbook, make_plan

    saved = planjson.load_saved(Path(target)) if planjson.is_saved_plan(Path(target)) else None
    playbook_path = Path(saved["playbook_path"]) if saved else Path(target)
    if saved:
        prune = saved["options"].get("prune", False)
        prune_volumes = saved["options"].get("prune_volumes", False)
    loaded = load_playbook(playbook_path)
    _echo_warnings(loaded)
    providers = _providers(loaded.desired, exit_wait)
    with _lock(loaded.desired, providers, "apply", lock_timeout):
        the_plan = make_plan(loaded.desired, providers, _diff_options(prune, prune_volumes))
        if saved:
            _check_saved(saved, the_plan, target)
            auto_approve = True  # the saved plan was reviewed when it was made
        _run_apply(the_plan, providers, auto_approve=auto_approve, parallelism=parallelism,
                   output=output)


def _check_saved(saved, the_plan, target) -> None:
    recorded = saved["plan"]
    if recorded.get("desired_digest") != the_plan.desired_digest:
        raise DfwctlError(f"saved plan {target} is stale: the playbook (or its variables) "
                          "changed since the plan was made", "run `dfwctl plan --out` again")
    if recorded.get("fingerprint") != the_plan.fingerprint:
        raise DfwctlError(f"saved plan {target} is stale: the machine changed since the plan "
                          "was made", "run `dfwctl plan --out` again and review it")


@cli.command(context_settings=HELP)
@click.argument("playbook", type=click.Path(dir_okay=False))
@click.option("--volumes", is_flag=True, help="Also remove the playbook's named volumes (data is lost).")
@_apply_options
def destroy(playbook, volumes, auto_approve, parallelism, lock_timeout, exit_wait, output) -> None:
    """Remove everything PLAYBOOK owns (named volumes only with --volumes)."""
    from dfwctl.pipeline import load_playbook, make_plan

    loaded = load_playbook(Path(playbook))
    providers = _providers(loaded.desired, exit_wait)
    with _lock(loaded.desired, providers, "destroy", lock_timeout):
        options = _diff_options(False, volumes, destroy=True)
        the_plan = make_plan(loaded.desired, providers, options)
        _run_apply(the_plan, providers, auto_approve=auto_approve, parallelism=parallelism,
                   output=output)


def _internal_error(exc: BaseException) -> int:
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
            traceback.print_exc()
        status = _internal_error(exc)
    sys.exit(int(status))
