"""validate, plan, apply, destroy and status."""
from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Dict, List, Optional, Sequence, Tuple, TypeVar

import click

from dfwctl.cli.addresses import ADDRESS
from dfwctl.cli.app import HELP, cli
from dfwctl.cli.hyperv import VM_OPTIONS, vm_options
from dfwctl.cli.terminal import echo, palette
from dfwctl.errors import DfwctlError, ExitStatus

if TYPE_CHECKING:  # the commands import these when they run, not at start-up
    from dfwctl.apply import ApplyResult
    from dfwctl.desired import Desired
    from dfwctl.lock import Locks
    from dfwctl.pipeline import Playbook
    from dfwctl.plan import Plan, PlanOptions
    from dfwctl.providers.base import Provider

F = TypeVar("F", bound=Callable[..., Any])


def _echo_warnings(playbook: Playbook) -> None:
    for warning in playbook.warnings:
        click.echo(str(warning), err=True)


def _providers(desired: Desired, exit_wait: Optional[float] = None,
               no_restart: bool = False, machines: Sequence[str] = (),
               wait_timeout: Optional[float] = None, locks: Optional[Locks] = None,
               **vm: Any) -> List[Provider]:
    """The providers of a run; `locks`: those an apply or destroy holds (a provider adds the
    lock of what it manages); `vm`: the Hyper-V options (cli/hyperv.py vm_options)."""
    from dfwctl.providers.base import RunSettings
    from dfwctl.providers.select import providers_for
    from dfwctl.waits import DEFAULT_WAIT, WaitBounds

    waits = WaitBounds(timeout=DEFAULT_WAIT if wait_timeout is None else wait_timeout)
    return providers_for(desired, RunSettings(exit_wait=exit_wait, no_restart=no_restart,
                                              waits=waits, locks=locks, **vm), only=machines)


def _profile_option(fn: F) -> F:
    return click.option(
        "--profile", "selected", multiple=True, metavar="NAME", envvar="DFWCTL_PROFILES",
        callback=lambda _ctx, _param, value: tuple(
            p.strip() for v in value for p in v.split(",") if p.strip()),
        help="Turn on the containers of this profile (repeat for several; * for all). "
             "DFWCTL_PROFILES takes a comma-separated list.")(fn)


def _machine_option(fn: F) -> F:
    return click.option("--machine", "machines", multiple=True, metavar="NAME",
                        help="Only the parts on this machine (repeat for several).")(fn)


def _locks(desired: Desired, operation: str, timeout: float) -> Locks:
    """The locks of an apply or destroy: the Docker provider adds its engine's (keyed on the
    engine's identity, held on the engine) when it first reads it; `_hold` the others."""
    from dfwctl.lock import Locks

    return Locks(desired.name, operation, timeout, say=lambda line: click.echo(line, err=True))


def _hold(locks: Locks, providers: Sequence[Provider]) -> None:
    """The file lock on what the other providers talk to (a Hyper-V host, Docker Desktop)."""
    from dfwctl.lock import ApplyLock

    others = [p.endpoint for p in providers if p.name != "docker"]
    if others:
        locks.hold("endpoints", lambda: ApplyLock(" + ".join(others), locks.playbook,
                                                  locks.operation, locks.timeout))


@cli.command(context_settings=HELP)
@click.argument("playbooks", nargs=-1, required=True, type=click.Path(dir_okay=False))
@_profile_option
def validate(playbooks: Tuple[str, ...], selected: Tuple[str, ...]) -> None:
    """Check playbooks: schema and rules, every problem as file:line:col. Every container is
    checked; what depends on what, for the profiles selected (none without --profile), as
    plan and apply check it."""
    from dfwctl.errors import PlaybookError
    from dfwctl.pipeline import load_playbook

    failed = 0
    for path in playbooks:
        try:
            playbook = load_playbook(Path(path), selected=selected)
        except PlaybookError as exc:
            click.echo(str(exc), err=True)
            failed += 1
            continue
        _echo_warnings(playbook)
        layers = [_shown(f) for f in playbook.files[1:]]
        click.echo(f"{path}: valid" + (f" (with {', '.join(layers)})" if layers else ""))
    if failed:
        raise SystemExit(ExitStatus.ERROR)


def _shown(path: Path) -> str:
    """A file as messages name it: from the current folder when it is below it."""
    try:
        relative = os.path.relpath(path)
    except ValueError:  # another drive, on Windows
        return str(path)
    return str(path) if relative.startswith("..") else relative


def _plan_options(prune: bool, prune_volumes: bool, destroy: bool = False,
                  targets: Sequence[str] = (), replace: Sequence[str] = (),
                  adopt: bool = False) -> PlanOptions:
    from dfwctl.plan import PlanOptions

    return PlanOptions(prune=prune or prune_volumes, prune_volumes=prune_volumes, destroy=destroy,
                       targets=tuple(targets), replace=tuple(replace), adopt_all=adopt)


def _saved_options(options: PlanOptions) -> Dict[str, Any]:
    """What a saved plan records of its options, for `apply FILE`."""
    return {"prune": options.prune, "prune_volumes": options.prune_volumes,
            "targets": list(options.targets), "replace": list(options.replace),
            "adopt": options.adopt_all}


def _adopt_option(fn: F) -> F:
    return click.option(
        "--adopt", is_flag=True,
        help="Take the containers, networks and volumes the playbook names that were made "
             "elsewhere under its ownership (the plan shows each adoption) instead of "
             "stopping on their names.")(fn)


def _target_option(fn: F) -> F:
    return click.option("--target", "targets", multiple=True, metavar="ADDRESS", type=ADDRESS,
                        help="Only this address (docker.container.web; a group such as "
                             "docker.container; win10:... on a machine) and what it depends "
                             "on. Repeat for several.")(fn)


def _replace_option(fn: F) -> F:
    return click.option("--replace", "replace", multiple=True, metavar="ADDRESS", type=ADDRESS,
                        help="Make this container, image or network again even when nothing "
                             "changed (an image is pulled or built again). Repeat for "
                             "several.")(fn)


def _prune_options(fn: F) -> F:
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
@_machine_option
@_target_option
@_replace_option
@_adopt_option
@_profile_option
@vm_options
def plan(playbook: str, output: str, out_file: Optional[str], detailed_exitcode: bool, prune: bool,
         prune_volumes: bool, machines: Tuple[str, ...], targets: Tuple[str, ...],
         replace: Tuple[str, ...], adopt: bool, selected: Tuple[str, ...], **vm: Any) -> None:
    """Read the machine, diff it against PLAYBOOK and print what would change and why."""
    from dfwctl.pipeline import load_playbook, make_plan

    loaded = load_playbook(Path(playbook), use_cache=True, selected=selected)
    _echo_warnings(loaded)
    options = _plan_options(prune, prune_volumes, targets=targets, replace=replace, adopt=adopt)
    the_plan = make_plan(loaded.desired, _providers(loaded.desired, machines=machines, **vm),
                         options)
    if output == "json" or out_file:
        from dfwctl import planjson
    if output == "json":
        click.echo(planjson.dumps(the_plan), nl=False)
    else:
        from dfwctl.report import render_plan

        echo(render_plan(the_plan, palette()))
    if out_file:
        planjson.save(the_plan, Path(out_file), Path(playbook),
                      {**_saved_options(options), **vm, "profiles": list(selected)},
                      loaded.files)
        click.echo(f"Saved the plan to {out_file}; apply it with: dfwctl apply {out_file}",
                   err=True)
    if the_plan.unreadable:
        raise SystemExit(ExitStatus.ERROR)
    if detailed_exitcode and the_plan.pending:
        raise SystemExit(ExitStatus.CHANGES)


def _confirm(the_plan: Plan, auto_approve: bool) -> None:
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


def _round(the_plan: Plan, number: int, providers: Sequence[Provider], *, auto_approve: bool,
           parallelism: int, output: str, command: str = "Apply") -> ApplyResult:
    """One round of apply: show the plan, ask before destructive changes, apply it."""
    from dfwctl import interrupt, planjson, report
    from dfwctl.apply import ApplyResult, StepPerformer, apply_plan
    from dfwctl.plan import Action
    from dfwctl.progress import Progress
    from dfwctl.redact import redact

    if number > 1 and output != "json":
        click.echo(f"\n--- round {number}: the parts that waited\n")
    if output == "json":
        click.echo(planjson.dumps(the_plan), nl=False)
    else:
        echo(report.render_plan(the_plan, palette()))
    if not the_plan.has_changes:
        return ApplyResult(())
    _confirm(the_plan, auto_approve)
    performer = StepPerformer.of(providers)
    todo = sum(1 for c in the_plan.changes if c.action is not Action.NOOP)
    progress = Progress(todo, quiet=click.get_current_context().obj.log_format == "json")
    try:
        with interrupt.graceful():  # Ctrl-C or SIGTERM: no new change, the running ones finish
            result = apply_plan(the_plan, performer, progress, parallelism)
    finally:
        progress.close()
    echo(redact(report.render_result(result, command, palette())))
    return result


def _run_apply(the_plan: Plan, replan: Callable[[], Plan], providers: Sequence[Provider], *,
               auto_approve: bool, parallelism: int, output: str,
               wait_timeout: float = 600.0, first_approved: bool = False,
               command: str = "Apply", settle: Optional[Desired] = None) -> None:
    """Apply the plan, and the rounds its deferred parts need (stages.converge). `command`
    names the run in its summary (Apply, Destroy). With `settle`, then wait until what that
    playbook made is ready (apply --wait)."""
    from dfwctl import interrupt
    from dfwctl.apply import SKIPPED
    from dfwctl.stages import Waiting, converge

    unread: List[str] = []

    def run_round(plan: Plan, number: int) -> ApplyResult:
        approved = auto_approve or (first_approved and number == 1)
        unread.extend(u.machine for u in plan.unreadable)
        return _round(plan, number, providers, auto_approve=approved,
                      parallelism=parallelism, output=output, command=command)

    def say(line: str) -> None:
        click.echo(line, err=True)

    result = converge(the_plan, replan, run_round, say, Waiting(timeout=wait_timeout))
    if interrupt.requested():
        left = result.count(SKIPPED)
        click.echo(f"Interrupted: {left} change(s) not started. Run apply again to finish.",
                   err=True)
        raise SystemExit(ExitStatus.INTERRUPTED)
    if unread:
        click.echo(f"Error: what is on {', '.join(sorted(set(unread)))} could not be read and was "
                   "left as it is (see above)", err=True)
    if not result.ok or unread:
        raise SystemExit(ExitStatus.ERROR)
    if settle is not None:
        with interrupt.graceful():
            _settle(settle, providers, say)


def _settle(desired: Desired, providers: Sequence[Provider], say: Callable[[str], None]) -> None:
    """apply --wait: every provider that can tell waits until what it made is ready."""
    from dfwctl.providers.base import Settles

    for provider in providers:
        if isinstance(provider, Settles):
            provider.settle(desired, say)


def _apply_options(fn: F) -> F:
    fn = click.option("--auto-approve", "-y", is_flag=True,
                      help="Do not ask before replacing or removing things.")(fn)
    fn = click.option("--parallelism", type=click.IntRange(1, 256), default=8, show_default=True,
                      help="How many changes run at once.")(fn)
    fn = click.option("--lock-timeout", type=click.FloatRange(0), default=0, show_default=True,
                      help="Seconds to wait for another apply on the same playbook and engine.")(fn)
    fn = click.option("--exit-wait", type=click.FloatRange(0), default=None,
                      help="Seconds to wait for a `state: exited` container to finish "
                           "[default: --wait-timeout].")(fn)
    fn = click.option("--output", "-o", type=click.Choice(["text", "json"]), default="text",
                      show_default=True, help="Plan format on stdout.")(fn)
    fn = click.option("--no-restart", is_flag=True,
                      help="Write Docker Desktop settings but do not restart it "
                           "(the new settings take effect at its next start).")(fn)
    fn = click.option("--wait-timeout", type=click.FloatRange(0), default=600.0,
                      show_default=True,
                      help="Seconds apply waits for something to come up: a VM it started or "
                           "restarted to answer, a container to be healthy or to complete "
                           "(depends_on conditions, --wait), unless the container sets "
                           "wait_timeout.")(fn)
    fn = _machine_option(fn)
    fn = _profile_option(fn)
    return fn


@cli.command(context_settings=HELP)
@click.argument("target", type=click.Path(dir_okay=False))
@_apply_options
@_prune_options
@_target_option
@_replace_option
@_adopt_option
@click.option("--wait", is_flag=True,
              help="After applying, wait until every container is healthy (running, when it "
                   "has no healthcheck; completed, for state: exited), within --wait-timeout.")
@vm_options
def apply(target: str, auto_approve: bool, parallelism: int, lock_timeout: float,
          exit_wait: Optional[float], output: str, no_restart: bool, wait_timeout: float,
          machines: Tuple[str, ...], selected: Tuple[str, ...], prune: bool,
          prune_volumes: bool, targets: Tuple[str, ...], replace: Tuple[str, ...], adopt: bool,
          wait: bool, **vm: Any) -> None:
    """Make the machine match TARGET: a playbook, or a plan saved by `plan --out`."""
    from dfwctl import planjson
    from dfwctl.pipeline import load_playbook, make_plan

    saved = planjson.load_saved(Path(target)) if planjson.is_saved_plan(Path(target)) else None
    playbook_path = Path(saved["playbook_path"]) if saved else Path(target)
    if saved:
        if targets or replace:
            raise DfwctlError("a saved plan keeps the --target and --replace it was made with",
                              "give them to `dfwctl plan --out`, or apply the playbook")
        prune = saved["options"].get("prune", False)
        prune_volumes = saved["options"].get("prune_volumes", False)
        vm = {k: saved["options"].get(k) if vm[k] in (None, False) else vm[k] for k in VM_OPTIONS}
        targets = tuple(saved["options"].get("targets", ()))
        replace = tuple(saved["options"].get("replace", ()))
        selected = tuple(saved["options"].get("profiles", ()))
        adopt = bool(saved["options"].get("adopt", False))
    loaded = load_playbook(playbook_path, use_cache=True, selected=selected)
    _echo_warnings(loaded)
    locks = _locks(loaded.desired, "apply", lock_timeout)
    providers = _providers(loaded.desired, exit_wait, no_restart, machines, wait_timeout, locks,
                           **vm)
    options = _plan_options(prune, prune_volumes, targets=targets, replace=replace, adopt=adopt)
    with locks:
        _hold(locks, providers)
        the_plan = make_plan(loaded.desired, providers, options)
        if saved:
            _check_saved(saved, the_plan, target, loaded.files)
        later = _after_first_round(options, the_plan)
        _run_apply(the_plan, lambda: make_plan(loaded.desired, providers, later), providers,
                   auto_approve=auto_approve, parallelism=parallelism, output=output,
                   wait_timeout=wait_timeout,
                   first_approved=bool(saved),  # a saved plan was reviewed when it was made
                   settle=loaded.desired if wait else None)


def _after_first_round(options: PlanOptions, first: Plan) -> PlanOptions:
    """The options of the plans after the first round: what the first one replaces is not
    replaced again (a --replace of a part that waited for its machine still is)."""
    import dataclasses

    from dfwctl.targets import matches

    done = [r for r in options.replace if any(matches(r, c.address) for c in first.changes)]
    return dataclasses.replace(options, replace=tuple(r for r in options.replace
                                                      if r not in done))


def _check_saved(saved: Dict[str, Any], the_plan: Plan, target: str,
                 files: Sequence[Path]) -> None:
    layers = saved.get("playbook_files")
    if layers is not None and layers != [str(f.resolve()) for f in files]:
        raise DfwctlError(f"saved plan {target} is stale: the playbook is read from other "
                          "files now (an include or its override file was added or removed)",
                          "run `dfwctl plan --out` again")
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
@_target_option
def destroy(playbook: str, volumes: bool, auto_approve: bool, parallelism: int,
            lock_timeout: float, exit_wait: Optional[float], output: str, no_restart: bool,
            wait_timeout: float, machines: Tuple[str, ...], selected: Tuple[str, ...],
            targets: Tuple[str, ...]) -> None:
    """Remove everything PLAYBOOK owns (named volumes only with --volumes), the containers
    of every profile too: --profile only checks the selection as plan and apply do."""
    from dfwctl.pipeline import load_playbook, make_plan

    loaded = load_playbook(Path(playbook), use_cache=True, selected=selected)
    locks = _locks(loaded.desired, "destroy", lock_timeout)
    providers = _providers(loaded.desired, exit_wait, no_restart, machines, wait_timeout, locks)
    options = _plan_options(False, volumes, destroy=True, targets=targets)
    with locks:
        _hold(locks, providers)
        the_plan = make_plan(loaded.desired, providers, options)
        _run_apply(the_plan, lambda: make_plan(loaded.desired, providers, options), providers,
                   auto_approve=auto_approve, parallelism=parallelism, output=output,
                   wait_timeout=wait_timeout, command="Destroy")


@cli.command(context_settings=HELP)
@click.argument("playbook", type=click.Path(dir_okay=False))
@click.argument("address", type=ADDRESS)
@click.argument("name", required=False)
@_apply_options
def adopt(playbook: str, address: str, name: Optional[str], auto_approve: bool, parallelism: int,
          lock_timeout: float, exit_wait: Optional[float], output: str, no_restart: bool,
          wait_timeout: float, machines: Tuple[str, ...], selected: Tuple[str, ...]) -> None:
    """Put what another tool made under PLAYBOOK's ownership: ADDRESS (docker.container.web,
    docker.network.backend, docker.volume.data) names what the playbook declares, NAME the
    container the engine has, when it is not the playbook's name (it is renamed). One that
    matches the playbook is adopted as it is; one that differs is changed to match (updated
    in place or replaced, as apply would), and the plan says so. Nothing else is changed."""
    from dfwctl.pipeline import load_playbook, make_plan
    from dfwctl.plan import PlanOptions

    loaded = load_playbook(Path(playbook), use_cache=True, selected=selected)
    _echo_warnings(loaded)
    kind, _, wanted = address.rpartition(".")
    if name is not None and name != wanted and kind.endswith(("network", "volume")):
        raise click.BadParameter(f"a {kind.rpartition('.')[2]} cannot be renamed: give it "
                                 f"the name {name} in the playbook", param_hint="NAME")
    renames = ((address, name),) if name is not None and name != wanted else ()
    locks = _locks(loaded.desired, "apply", lock_timeout)
    providers = _providers(loaded.desired, exit_wait, no_restart, machines, wait_timeout, locks)
    # the adoption, and only what it needs (as --target plans it)
    options = PlanOptions(adopt=frozenset({address}), adopt_names=renames, targets=(address,))
    with locks:
        _hold(locks, providers)
        the_plan = make_plan(loaded.desired, providers, options)
        change = the_plan.find(address)
        if change is None or not any(r.startswith("made elsewhere") for r in change.reasons):
            raise DfwctlError(f"{address}: nothing to adopt: the engine has nothing made "
                              "elsewhere under that name (the playbook owns it already, or "
                              "it does not exist)", "see `dfwctl status PLAYBOOK`")
        _run_apply(the_plan, lambda: make_plan(loaded.desired, providers, options), providers,
                   auto_approve=auto_approve, parallelism=parallelism, output=output,
                   wait_timeout=wait_timeout, command="Adopt")


@cli.command(context_settings=HELP)
@click.argument("playbook", type=click.Path(dir_okay=False))
@click.argument("addresses", nargs=-1, type=ADDRESS)
@click.option("--output", "-o", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="Format on stdout.")
@_machine_option
@_profile_option
def status(playbook: str, addresses: Tuple[str, ...], output: str,
           machines: Tuple[str, ...], selected: Tuple[str, ...]) -> None:
    """Show what PLAYBOOK owns on each machine and layer, and in what state: containers
    (running, exited with their code, healthy or not), VMs, Docker Desktop's settings in
    force; what differs from the playbook (drift), and orphans. It reads what a plan reads,
    and changes nothing. ADDRESS... limits it to those (as plans name them). Exits 1 when a
    part cannot be read or planned."""
    from dfwctl import status as status_text
    from dfwctl.desired import addresses as all_addresses
    from dfwctl.pipeline import load_playbook, read_status

    loaded = load_playbook(Path(playbook), use_cache=True, selected=selected)
    _echo_warnings(loaded)
    found = read_status(loaded.desired, _providers(loaded.desired, machines=machines))
    known = set(all_addresses(loaded.desired)) | {i.address for p in found.parts for i in p.items}
    unknown = sorted(set(addresses) - known)
    if unknown:
        raise click.BadParameter(f"{', '.join(unknown)}: not in playbook {found.playbook} "
                                 "(see `dfwctl status PLAYBOOK` for its addresses)",
                                 param_hint="ADDRESS")
    found = status_text.only(found, addresses)
    if output == "json":
        click.echo(status_text.dumps(found), nl=False)
    else:
        echo(status_text.render_status(found, palette()))
    if found.plan.unreadable or any(p.problem for p in found.parts):
        raise SystemExit(ExitStatus.ERROR)


@cli.command(context_settings=HELP)
@click.argument("playbook", type=click.Path(dir_okay=False))
@_machine_option
def unlock(playbook: str, machines: Tuple[str, ...]) -> None:
    """Remove PLAYBOOK's apply lock from its Docker engines, whoever holds it: for a run that
    is over but could not remove its lock (its machine stopped). A lock of a run on this
    machine whose process is gone is removed by the next apply on its own."""
    from dfwctl.pipeline import load_playbook
    from dfwctl.profiles import EVERY
    from dfwctl.providers.docker.enginelock import unlock as remove_lock

    # the engines of every profile: a run with any of them may have left its lock there
    loaded = load_playbook(Path(playbook), use_cache=True, selected=EVERY)
    engines = [p for p in _providers(loaded.desired, machines=machines) if p.name == "docker"]
    for provider in engines:
        held = remove_lock(provider.engine, loaded.desired.name)  # type: ignore[attr-defined]
        where = f"the Docker Engine at {provider.endpoint}"
        click.echo(f"{where}: removed the lock of {held}" if held else f"{where}: no lock")
