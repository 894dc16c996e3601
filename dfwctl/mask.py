"""Secret values in plans and records: a string that contains one of the playbook's secrets is
replaced by a salted hash, which still changes when the secret changes (so a change is seen)
but reveals nothing.

A plan is masked once, when it is finished (`mask_plan`); records that dfwctl writes on what it
creates hold the same hashes, and `same` compares a playbook value with a recorded one.
"""
from __future__ import annotations

import dataclasses
import hashlib
from typing import Any, Callable, Iterable

from dfwctl.plan import FieldDiff, Plan
from dfwctl.values.secrets import KEYED_PREFIX

SENSITIVE_PREFIX = "sensitive:sha256:"

Masker = Callable[[str], str]


def is_sensitive(value: Any) -> bool:
    """A hashed secret: a masked value, or the keyed digest of a secret file's value."""
    return isinstance(value, str) and value.startswith((SENSITIVE_PREFIX, KEYED_PREFIX))


def unmasked(text: str) -> str:
    return text


def masker(secrets: Iterable[str], salt: str) -> Masker:
    """A function that hides every string containing one of `secrets` (the identity when
    there are none)."""
    found = tuple(s for s in secrets if s)
    if not found:
        return unmasked

    def mask(text: str) -> str:
        if any(s in text for s in found):
            digest = hashlib.sha256(f"{salt}\0{text}".encode()).hexdigest()[:32]
            return SENSITIVE_PREFIX + digest
        return text

    return mask


def mask_value(value: Any, mask: Masker) -> Any:
    """`value` with every string in it masked: strings, tuples (of pairs too), lists, dicts."""
    if mask is unmasked:
        return value
    if isinstance(value, str):
        return mask(value)
    if isinstance(value, tuple):
        return tuple(mask_value(v, mask) for v in value)
    if isinstance(value, list):
        return [mask_value(v, mask) for v in value]
    if isinstance(value, dict):
        return {k: mask_value(v, mask) for k, v in value.items()}
    return value


def same(wanted: Any, recorded: Any, mask: Masker) -> bool:
    """Whether a playbook value matches a recorded one, which holds secrets hashed (or in
    clear text, when the secret was declared after the record was written)."""
    return wanted == recorded or (mask is not unmasked and mask_value(wanted, mask) == recorded)


def mask_plan(plan: Plan, mask: Masker) -> Plan:
    """The plan with every field value that holds a secret hashed: one pass, when it is
    finished. Reasons and step texts never carry values."""
    if mask is unmasked:
        return plan
    changes = []
    for change in plan.changes:
        diffs = tuple(FieldDiff(d.name, mask_value(d.before, mask), mask_value(d.after, mask),
                                d.forces_replacement) for d in change.diffs)
        changes.append(dataclasses.replace(change, diffs=diffs) if diffs != change.diffs
                       else change)
    return dataclasses.replace(plan, changes=tuple(changes))
