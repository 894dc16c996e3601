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
from dfwctl.errors import Diagnostic
from dfwctl.interpolate import interpolate, load_environment
from dfwctl.load import Document, load
from dfwctl.model import Desired, build
from dfwctl.plan import Plan
from dfwctl.validate import check


@dataclass(frozen=True)
class Playbook:
    document: Document
    desired: Desired
    warnings: Tuple[Diagnostic, ...]


def check_document(document: Document, environ: Mapping[str, str]):
    """Interpolate and validate; raise PlaybookError with every error at once."""
    interpolation = interpolate(document, load_environment(document, environ))
    warnings = check(document, interpolation.diagnostics)
    return interpolation, tuple(warnings)


def load_playbook(path: Path, environ: Optional[Mapping[str, str]] = None) -> Playbook:
    document = load(path)
    interpolation, warnings = check_document(document, os.environ if environ is None else environ)
    redact.register(interpolation.secrets)
    desired = build(document.data, document.directory, interpolation.secrets)
    return Playbook(document, desired, warnings)


def make_plan(desired: Desired, providers: Sequence, options: DiffOptions) -> Plan:
    """Gather and diff with every provider, then one plan in layer order."""
    plans = [provider.plan(desired, options) for provider in providers]
    return combine(desired, plans, [p.name for p in providers])
