"""Image references as the engine reads them (the distribution reference grammar):
[registry[:port]/]path[:tag][@algorithm:hex]. Pure: text in, a problem for the user out."""
from __future__ import annotations

import re
from typing import Optional

# A repository path: lowercase parts joined by '.', '_', '__' or dashes, separated by '/'.
_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
REPOSITORY = re.compile(rf"{_COMPONENT}(?:/{_COMPONENT})*")
_DOMAIN_PART = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
_DOMAIN = rf"{_DOMAIN_PART}(?:\.{_DOMAIN_PART})*(?::[0-9]+)?"
_TAG = r"[\w][\w.-]{0,127}"
_DIGEST = r"[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}"
_REFERENCE = re.compile(rf"(?P<name>(?:{_DOMAIN}/)?{_COMPONENT}(?:/{_COMPONENT})*)"
                        rf"(?::(?P<tag>{_TAG}))?(?:@(?P<digest>{_DIGEST}))?")
# the digest algorithms the engine verifies, and the length of their hex digests
DIGEST_LENGTHS = {"sha256": 64, "sha384": 96, "sha512": 128}
NAME_MAX = 255
EXAMPLE = "write [registry[:port]/]name[:tag][@sha256:digest], like alpine:3.20 or " \
    "localhost:5000/app:1.0"


def reference_problem(text: str) -> Optional[str]:
    """Why the engine would refuse `text` as an image reference, or None."""
    match = _REFERENCE.fullmatch(text)
    if match is None:
        lowered = _lowered_path(text)
        if lowered != text and _REFERENCE.fullmatch(lowered):
            return (f"image {_shown(text)}: the repository name must be lowercase: write "
                    f"{lowered}")
        return f"{_shown(text)} is not an image reference: {EXAMPLE}"
    name, digest = match.group("name"), match.group("digest")
    if len(name) > NAME_MAX:
        return (f"image {_shown(text)}: the name is {len(name)} characters long, and the "
                f"engine takes at most {NAME_MAX}")
    if digest is not None:
        algorithm, _, hexdigits = digest.partition(":")
        length = DIGEST_LENGTHS.get(algorithm)
        if length is None:
            return (f"image {_shown(text)}: the engine verifies {', '.join(DIGEST_LENGTHS)} "
                    f"digests, not {algorithm}")
        if len(hexdigits) != length or hexdigits != hexdigits.lower():
            return (f"image {_shown(text)}: a {algorithm} digest is {length} lowercase hex "
                    f"digits, this one has {len(hexdigits)}")
    return None


def _lowered_path(text: str) -> str:
    """`text` with its registry and repository lowercased (tag and digest kept)."""
    rest, at, digest = text.partition("@")
    tagged = ":" in rest.rpartition("/")[2]
    name, colon, tag = rest.rpartition(":") if tagged else (rest, "", "")
    return name.lower() + colon + tag + at + digest


def _shown(text: str) -> str:
    return f'"{text}"'
