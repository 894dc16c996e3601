"""A container's `build:` as a value, with compose's meanings: a string is the context; a
mapping names the context (default: the playbook's folder), the Dockerfile (relative to the
context, default `Dockerfile`), build args, the target stage, image labels and the images to
take cache from. The image is tagged with the container's `image:`, or `PLAYBOOK-CONTAINER`
without one (compose: PROJECT-SERVICE). Pure."""
from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Optional, Tuple

Pairs = Tuple[Tuple[str, str], ...]


@dataclass(frozen=True)
class BuildSpec:
    context: str  # absolute
    dockerfile: str = "Dockerfile"  # relative to the context, with /
    args: Pairs = ()
    target: Optional[str] = None
    labels: Pairs = ()
    cache_from: Tuple[str, ...] = ()


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def _pairs(value: Any) -> Pairs:
    """A mapping, or a list of NAME=VALUE, as sorted pairs."""
    if isinstance(value, list):
        items = dict(str(v).partition("=")[::2] for v in value)
    else:
        items = {str(k): _text(v) for k, v in (value or {}).items()}
    return tuple(sorted(items.items()))


def context_path(raw: Any, base: Path) -> Path:
    """The context folder a `build:` names (relative to the playbook's folder `base`)."""
    text = raw if isinstance(raw, str) else (raw or {}).get("context") or "."
    return Path(os.path.abspath(base / str(text)))


def build_spec(raw: Any, base: Path) -> Optional[BuildSpec]:
    """The `build:` of a validated container (a string or a mapping), or None."""
    if raw is None:
        return None
    context = str(context_path(raw, base))
    if isinstance(raw, str):
        return BuildSpec(context)
    return BuildSpec(
        context=context,
        dockerfile=str(raw.get("dockerfile") or "Dockerfile").replace("\\", "/"),
        args=_pairs(raw.get("args")),
        target=raw.get("target"),
        labels=_pairs(raw.get("labels")),
        cache_from=tuple(str(c) for c in raw.get("cache_from") or ()),
    )


def default_image(owner: str, container: str) -> str:
    """The image a container builds when it names none: PLAYBOOK-CONTAINER (lower case, as
    image names must be)."""
    return f"{owner}-{container}".lower()


def image_of(raw: Mapping[str, Any], owner: str, container: str) -> str:
    image = raw.get("image")
    return str(image) if image else default_image(owner, container)


@dataclass(frozen=True)
class Inputs:
    """What a built image depends on, as a plan compares it with the record on the image: the
    context's fingerprint, the Dockerfile (its name and content), args (secrets hashed), the
    target stage and the image's labels. cache_from only speeds a build up."""

    context: str
    dockerfile: str
    dockerfile_digest: str
    args: Pairs = ()
    target: Optional[str] = None
    labels: Pairs = ()


def inputs_record(inputs: Inputs) -> str:
    """The record of the inputs, as the label on the built image holds it."""
    data = {"context": inputs.context, "dockerfile": inputs.dockerfile,
            "dockerfile_digest": inputs.dockerfile_digest, "args": dict(inputs.args),
            "target": inputs.target, "labels": dict(inputs.labels)}
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def parse_inputs(text: Optional[str]) -> Optional[Inputs]:
    """The inputs an image was built from, or None when it has no readable record."""
    try:
        data = json.loads(text or "")
        return Inputs(str(data["context"]), str(data["dockerfile"]),
                      str(data["dockerfile_digest"]), _pairs(data.get("args")),
                      data.get("target"), _pairs(data.get("labels")))
    except (ValueError, TypeError, KeyError, AttributeError):
        return None
