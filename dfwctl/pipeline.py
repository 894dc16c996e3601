"""The pipeline in one place: load -> interpolate -> validate -> model, then gather -> diff.
Commands compose these steps; each step lives in its own module."""
from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, List, Mapping, Optional, Sequence, Tuple

from dfwctl import parsecache, profiles, redact, schemacache, targets
from dfwctl.combine import combine
from dfwctl.desired import Desired, addresses, build
from dfwctl.errors import DfwctlError, Diagnostic, PlaybookError, UnreachableError
from dfwctl.interpolate import Interpolation, interpolate, load_environment
from dfwctl.layers import compose
from dfwctl.load import Document
from dfwctl.machines.deferral import deferral
from dfwctl.plan import Deferred, Plan, PlanOptions, PlanPart, Unreadable
from dfwctl.providers.base import Provider
from dfwctl.secretplaces import masked, placement
from dfwctl.status import Status, StatusPart, combine_status
from dfwctl.validate import merge, validate


@dataclass(frozen=True)
class Playbook:
    document: Document
    desired: Desired
    warnings: Tuple[Diagnostic, ...]

    @property
    def files(self) -> Tuple[Path, ...]:
        """Every file the playbook was read from: itself, its includes, its override file."""
        sources = self.document.sources
        return sources.files if sources is not None else (self.document.path,)


def _diagnostics(document: Document, interpolation: Interpolation,
                 schema_known_valid: bool = False) -> List[Diagnostic]:
    """Interpolation's problems, secrets where anyone can read them, then validation's."""
    prior = interpolation.diagnostics + tuple(placement(document, interpolation.secret_paths))
    return merge(prior, validate(document, schema_known_valid=schema_known_valid,
                                 environ=interpolation.environment))


def check_document(document: Document, environ: Mapping[str, str], use_cache: bool = False
                   ) -> Tuple[Document, Interpolation, Tuple[Diagnostic, ...]]:
    """Interpolate and validate; raise PlaybookError with every error at once.

    A document without positions (the fast path) that has anything to report is parsed again
    with positions and checked again, so messages always carry line and column. With
    `use_cache`, a tree the schema accepted before skips the schema pass (schemacache), and
    the parsed tree of a valid playbook is kept for next time (parsecache)."""
    parsed = document
    environment = load_environment(document, environ)
    interpolation = interpolate(document, environment)
    cached = use_cache and not interpolation.diagnostics and schemacache.known_valid(document.data)
    diagnostics = _diagnostics(document, interpolation, cached)
    if use_cache and not cached and not any(d.is_error for d in diagnostics):
        schemacache.remember_valid(document.data)
    if diagnostics and not document.has_positions:
        document = document.round_trip()
        interpolation = interpolate(document, environment)
        diagnostics = _diagnostics(document, interpolation)
    diagnostics = masked(diagnostics, interpolation.secrets)  # no message shows a secret
    if any(d.is_error for d in diagnostics):
        raise PlaybookError(diagnostics)
    if use_cache and parsed.parsed_json is not None:
        assert parsed.text is not None, "only the fast path, which keeps the text, sets parsed_json"
        parsecache.remember(parsed.text, parsed.parsed_json)
    return document, interpolation, tuple(diagnostics)


def load_playbook(path: Path, environ: Optional[Mapping[str, str]] = None,
                  use_cache: bool = False, selected: Sequence[str] = ()) -> Playbook:
    """A playbook with its layers (include:, the override file beside it), checked, as
    Desired; `selected` are the profiles turned on (see profiles.py)."""
    document, interpolation, warnings = check_document(
        compose(path, cache=use_cache), os.environ if environ is None else environ, use_cache)
    refused = profiles.check(document, selected)
    if refused:
        if not document.has_positions:
            document = document.round_trip()
            interpolate(document, load_environment(document, os.environ if environ is None
                                                   else environ))
            refused = profiles.check(document, selected)
        raise PlaybookError(refused)
    desired = build(document.data, document.directory, interpolation.secrets,
                    profiles.inactive(document.data, selected), interpolation.environment,
                    interpolation.variables)
    # the playbook's secret variables, secret env files, and secret files
    redact.register(desired.secrets)
    redact.register(t for s in desired.docker.secrets.values() for t in s.value.texts())
    used = [interpolation.unused[n] for n in desired.docker.file_variables
            if n in interpolation.unused]
    return Playbook(document, desired, tuple(w for w in warnings if w not in used))


def _left_out_host(desired: Desired, providers: Sequence[Provider], machine: str,
                   error: UnreachableError) -> UnreachableError:
    """A VM that does not answer, whose host's Hyper-V part --machine left out of the run:
    say that the plan could have started it."""
    machines = desired.machines
    spec = machines.specs.get(machine)
    if spec is None or not spec.is_guest or machines.hyperv != spec.host or \
            any(p.name == "hyperv" for p in providers):
        return error
    return UnreachableError(error.message, f"the Hyper-V part on {spec.host}, which could start "
                            f"VM {spec.vm}, is not in this run: add --machine {spec.host}")


def read_parts(desired: Desired, providers: Sequence[Provider],
               read: Callable[[Provider], PlanPart], tolerant: bool = False
               ) -> Tuple[List[PlanPart], List[Deferred], List[Unreadable]]:
    """Read every provider (in layer order) with `read`, which gathers and diffs: the parts,
    what waits for them, and what could not be read. A provider whose machine an earlier
    change takes down or brings up is not read: its part is deferred.

    On a playbook that names its machines, a part that fails to read leaves out its machine's
    later parts and is reported; the other machines are read. A machine that does not answer
    (UnreachableError) fails the whole read, unless `tolerant`: apply waits on that between
    rounds, a status lists it."""
    parts: List[PlanPart] = []
    deferred: List[Deferred] = []
    unreadable: List[Unreadable] = []
    for provider in providers:
        if any(u.machine == provider.machine for u in unreadable):
            continue
        waiting = deferral(desired.machines, provider.name, provider.machine, parts, deferred)
        if waiting is not None:
            deferred.append(waiting)
            continue
        try:
            part = read(provider)
        except UnreachableError as exc:
            if not (tolerant and desired.machines.named):
                raise _left_out_host(desired, providers, provider.machine, exc) from None
            unreadable.append(Unreadable(provider.name, provider.machine, str(exc)))
            continue
        except DfwctlError as exc:
            if not desired.machines.named:
                raise
            unreadable.append(Unreadable(provider.name, provider.machine, str(exc)))
            if provider.name == "hyperv":  # the VMs it runs: their state is not planned
                unreadable.extend(
                    Unreadable("machine", guest, f"its VM {vm} on {provider.machine} waits for "
                               "the Hyper-V part, which could not be read")
                    for vm, guest in sorted(desired.machines.guests_of(provider.machine).items()))
            continue
        parts.append(dataclasses.replace(part, machine=provider.machine))
    return parts, deferred, unreadable


def make_plan(desired: Desired, providers: Sequence[Provider], options: PlanOptions) -> Plan:
    """Gather and diff with every provider (in layer order), then one plan (read_parts);
    with --target, only what the targets name and what it depends on."""
    known = addresses(desired)
    targets.check_replace(options.replace, known)

    def read(provider: Provider) -> PlanPart:
        mine = targets.for_machine(options.replace, provider.machine)
        return provider.plan(desired, dataclasses.replace(options, replace=tuple(sorted(mine))))

    plan = combine(desired, *read_parts(desired, providers, read))
    targets.check_targets(options.targets,
                          known + tuple(c.address for c in plan.changes) + plan.orphans)
    return dataclasses.replace(targets.restrict(plan, options.targets), replace=options.replace)


def read_status(desired: Desired, providers: Sequence[Provider]) -> Status:
    """What the playbook owns and in what state, read with the calls of a plan (each provider
    gathers once, and diffs that snapshot for the drift); what a plan would defer is not read,
    and a machine that does not answer is listed as such."""
    found: List[StatusPart] = []

    def read(provider: Provider) -> PlanPart:
        part = provider.status(desired)
        found.append(dataclasses.replace(part, machine=provider.machine))
        return part.plan

    parts, deferred, unreadable = read_parts(desired, providers, read, tolerant=True)
    return combine_status(desired, found, combine(desired, parts, deferred, unreadable))
