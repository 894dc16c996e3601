"""The pipeline in one place: load -> interpolate -> validate -> model, then gather -> diff.
Commands compose these steps; each step lives in its own module."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Optional, Sequence, Tuple

from dfwctl import redact
from dfwctl.combine import combine
from dfwctl.diff import DiffOptions
from dfwctl.errors import Diagnostic, PlaybookError
from dfwctl.interpolate import interpolate, load_environment
from dfwctl.load import Document, load
from dfwctl.model import Desired, build
from dfwctl.plan import Plan
from dfwctl.validate import merge, validate


@dataclass(frozen=True)
class Playbook:
    document: Document
    desired: Desired
    warnings: Tuple[Diagnostic, ...]


def check_document(document: Document, environ: Mapping[str, str]):
    """Interpolate and validate; raise PlaybookError with every error at once.

    A document without positions (the fast path) that has anything to report is parsed again
    with positions and checked again, so messages always carry line and column."""
    environment = load_environment(document, environ)
    interpolation = interpolate(document, environment)
    diagnostics = merge(interpolation.diagnostics, validate(document))
    if diagnostics and not document.has_positions:
        document = document.round_trip()
        interpolation = interpolate(document, environment)
        diagnostics = merge(interpolation.diagnostics, validate(document))
    if any(d.is_error for d in diagnostics):
        raise PlaybookError(diagnostics)
    return document, interpolation, tuple(diagnostics)


def load_playbook(path: Path, environ: Optional[Mapping[str, str]] = None) -> Playbook:
    document, interpolation, warnings = check_document(
        load(path), os.environ if environ is None else environ)
    redact.register(interpolation.secrets)
    desired = build(document.data, document.directory, interpolation.secrets)
    return Playbook(document, desired, warnings)


def make_plan(desired: Desired, providers: Sequence, options: DiffOptions) -> Plan:
    """Gather and diff with every provider, then one plan in layer order."""
    plans = [provider.plan(desired, options) for provider in providers]
    return combine(desired, plans, [p.name for p in providers])
