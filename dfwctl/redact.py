"""The last line of defence for secrets: every text dfwctl prints or logs passes through
`redact`, which hides the values of the playbook's secret variables."""
from __future__ import annotations

from typing import Any, Iterable, MutableMapping, Set

MASK = "(sensitive value)"
_secrets: Set[str] = set()


def register(values: Iterable[str]) -> None:
    _secrets.update(v for v in values if v)


def redact(text: str) -> str:
    return hide(text, _secrets)


def hide(text: str, secrets: Iterable[str]) -> str:
    """`text` with each of `secrets` replaced by MASK (the longest first)."""
    for secret in sorted((s for s in secrets if s), key=len, reverse=True):
        text = text.replace(secret, MASK)
    return text


def processor(_logger: Any, _method: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """structlog processor: redact every string in an event."""
    if _secrets:
        for key, value in event.items():
            if isinstance(value, str):
                event[key] = redact(value)
    return event
