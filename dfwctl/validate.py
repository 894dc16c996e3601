"""Validate a loaded playbook: the JSON schema first, then the rules a schema cannot say, which
each provider keeps beside it (providers/*/rules.py: sizes, mounts, ports, references,
dependency cycles, Hyper-V and Docker Desktop facts).

Every problem is collected and returned at once, each with its position. Rules only look at
parts that passed the schema, so one mistake gives one message."""
from __future__ import annotations

from typing import Iterable, List, Mapping, Optional

from dfwctl.checker import Checker
from dfwctl.errors import Diagnostic, PlaybookError, sort_diagnostics
from dfwctl.load import Document
from dfwctl.machines import rules as machine_rules
from dfwctl.providers.desktop import rules as desktop_rules
from dfwctl.providers.docker import rules as docker_rules
from dfwctl.providers.hyperv import rules as hyperv_rules
from dfwctl.schema_messages import problems
from dfwctl.values.bounds import number_problems

# Where each part applies, then the rules of each provider, in layer order.
RULES = (machine_rules.rules, hyperv_rules.rules, desktop_rules.rules, docker_rules.rules)


def validate(doc: Document, schema_known_valid: bool = False,
             environ: Optional[Mapping[str, str]] = None) -> List[Diagnostic]:
    """Every error and warning of a playbook, sorted by position. Never raises for content.
    `schema_known_valid` skips the schema pass for a tree it already accepted; `environ` is
    the playbook's environment (what env files may use)."""
    numbers = list(number_problems(doc.data))  # no field takes NaN, infinity or 2^64
    bad_numbers = {path for path, _ in numbers}
    found = [] if schema_known_valid else \
        [p for p in problems(doc.data) if tuple(p.path) not in bad_numbers]
    diagnostics = [doc.diagnostic(path, message) for path, message in numbers]
    diagnostics += [doc.diagnostic(p.path, p.message, key=p.key) for p in found]
    version = doc.data.get("version") if isinstance(doc.data, dict) else None
    if isinstance(version, int) and not isinstance(version, bool) and version > 1:
        # another format: its other keys may mean other things, so say only this
        return [d for d in diagnostics if d.path == "version"]
    if not isinstance(doc.data, dict):
        return sort_diagnostics(diagnostics)
    checker = Checker(doc, [p.path for p in found] + sorted(bad_numbers, key=repr), environ)
    for rules in RULES:
        diagnostics.extend(rules(checker))
    return sort_diagnostics(diagnostics)


def check(doc: Document, prior: Iterable[Diagnostic] = ()) -> List[Diagnostic]:
    """Validate, adding `prior` diagnostics (e.g. from interpolation). Raises PlaybookError
    when there is any error; otherwise returns the warnings. A place that already has a prior
    error gets no second message."""
    diagnostics = merge(prior, validate(doc))
    if any(d.is_error for d in diagnostics):
        raise PlaybookError(diagnostics)
    return diagnostics


def merge(prior: Iterable[Diagnostic], found: Iterable[Diagnostic]) -> List[Diagnostic]:
    """Prior diagnostics plus found ones, except found ones at a place a prior error covers."""
    prior = list(prior)
    taken = {(d.file, d.line, d.col) for d in prior if d.is_error}
    return sort_diagnostics(prior + [d for d in found if (d.file, d.line, d.col) not in taken])
