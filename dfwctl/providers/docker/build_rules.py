"""Validation rules for images and builds (the schema makes a container name an image or build one): a build's
context is a folder and its Dockerfile is there; an image built by two containers is built the
same way; a built image is never pulled; a name dfwctl makes up for a built image is one the
engine takes."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Dict, Generator, Iterator, Optional, Tuple

from dfwctl.checker import Checker
from dfwctl.checker import Path as Where
from dfwctl.errors import Diagnostic
from dfwctl.providers.docker.buildspec import BuildSpec, build_spec, context_path, default_image
from dfwctl.schema_messages import quote
from dfwctl.tree import mapping
from dfwctl.values.images import REPOSITORY


def rules(c: Checker) -> Iterator[Diagnostic]:
    owner = c.data.get("name")
    built: Dict[str, Tuple[Where, BuildSpec]] = {}
    for name, spec in mapping(c.data, "containers").items():
        if not isinstance(spec, dict):
            continue
        path = ("containers", name)
        if "build" not in spec:
            continue
        if "pull" in spec:
            yield c.error(path + ("pull",), "a built image is never pulled: remove pull "
                                            "(or build:, to pull the image instead)", key=True)
        if not c.ok(path + ("build",)):
            continue
        found = yield from _context(c, path + ("build",), spec["build"])
        if found is None:
            continue
        if "image" not in spec and isinstance(owner, str):
            image = default_image(owner, str(name))
            if not REPOSITORY.fullmatch(image):
                yield c.error(path, f"the image it builds would be named {quote(image)}, which "
                                    "is not an image name: give it an image: name")
                continue
        reference = str(spec.get("image") or default_image(str(owner), str(name)))
        earlier = built.get(reference)
        if earlier is not None and earlier[1] != found:
            yield c.error(path + ("build",), (
                f"image {quote(reference)} is also built by {earlier[0][1]} in another way: "
                "build it in one place, and let the other container use image: "
                f"{reference}"))
        built.setdefault(reference, (path, found))


def _context(c: Checker, where: Where, raw: Any
             ) -> Generator[Diagnostic, None, Optional[BuildSpec]]:
    """Check that the context and the Dockerfile are there; return the build's spec."""
    base = c.doc.directory
    folder = context_path(raw, base)
    at_context = where + (("context",) if isinstance(raw, dict) and "context" in raw else ())
    if not os.path.isdir(folder):
        written = raw if isinstance(raw, str) else raw.get("context", ".")
        yield c.error(at_context, f"the build context {quote(written)} is not a folder (it "
                                  "is relative to the playbook's folder): give the folder "
                                  "that holds the Dockerfile")
        return None
    spec = build_spec(raw, base)
    assert spec is not None, "a build: value gives a spec"
    if not os.path.isfile(Path(spec.context) / spec.dockerfile):
        at = where + (("dockerfile",) if isinstance(raw, dict) and "dockerfile" in raw else ())
        yield c.error(at, f"there is no {quote(spec.dockerfile)} in the build context: "
                          "build.dockerfile is relative to the context")
        return None
    return spec
