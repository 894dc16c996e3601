"""Nearest-word suggestions for misspelt keys and names ("did you mean 'image'?")."""
from __future__ import annotations

import difflib
from typing import Dict, Iterable, Optional, Tuple


def closest(word: str, candidates: Iterable[str], cutoff: float = 0.6) -> Optional[str]:
    """The candidate most like `word`, or None when none is close enough.

    Case is ignored for the comparison; the candidate is returned as spelt.
    """
    by_lower: Dict[str, str] = {}
    for candidate in candidates:
        by_lower.setdefault(str(candidate).lower(), str(candidate))
    matches = difflib.get_close_matches(str(word).lower(), list(by_lower), n=1, cutoff=cutoff)
    return by_lower[matches[0]] if matches else None


def best(word: str, candidates: Iterable[str], cutoff: float = 0.6) -> Optional[Tuple[str, float]]:
    """The candidate most like `word` with its likeness (0..1), or None below `cutoff`.
    Case is ignored; the candidate is returned as spelt."""
    found: Optional[Tuple[str, float]] = None
    lowered = str(word).lower()
    for candidate in candidates:
        score = difflib.SequenceMatcher(None, lowered, str(candidate).lower()).ratio()
        if score >= cutoff and (found is None or score > found[1]):
            found = (str(candidate), score)
    return found


def did_you_mean(word: str, candidates: Iterable[str]) -> str:
    """"; did you mean 'x'?" when a candidate is close, else ""."""
    match = closest(word, candidates)
    return f"; did you mean {match!r}?" if match is not None else ""
