"""Images built from a context: what a build depends on (read by gather, compared by diff),
and the build itself (perform), through the Docker SDK's build API on the engine's builder.

The built image carries a label with the record of its inputs (buildspec.Inputs), so the next
plan rebuilds when, and only when, one of them changed, and says which. The build streams the
engine's output as progress; a failed build names the step that failed and its last lines.
"""
from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, List, Mapping, Optional, Tuple

from dfwctl.errors import EngineError
from dfwctl.mask import Masker
from dfwctl.plan import FieldDiff
from dfwctl.providers.docker import context as ctx
from dfwctl.providers.docker.buildspec import BuildSpec, Inputs, inputs_record, parse_inputs
from dfwctl.providers.docker.compare import field_diffs, short_digest
from dfwctl.providers.docker.labels import OWNER
from dfwctl.providers.docker.model import BuildState, ImageState
from dfwctl.providers.docker.steps import Build

BUILT = "io.dfwctl.build"  # the label that records a built image's inputs
SHOWN_PATHS = 5  # changed files a plan names
LAST_LINES = 15  # output lines a failed build shows
_STEP = re.compile(r"^Step \d+/\d+ : ")
Progress = Callable[[str], None]


def inputs_of(spec: BuildSpec, context: ctx.Context, mask: Masker) -> Inputs:
    return Inputs(context.digest, spec.dockerfile, context.dockerfile_digest,
                  tuple((k, mask(v)) for k, v in spec.args), spec.target, spec.labels)


def read_context_of(spec: BuildSpec) -> ctx.Context:
    """The build's context as it is now."""
    return ctx.read_context(Path(spec.context), spec.dockerfile)


def read_state(spec: BuildSpec, image: Optional[ImageState], mask: Masker,
               context: Optional[ctx.Context] = None) -> BuildState:
    """The context now (`context`, when already read), and what changed in it since the image
    was built (when known)."""
    context = context if context is not None else read_context_of(spec)
    inputs = inputs_of(spec, context, mask)
    recorded = parse_inputs(image.built) if image is not None else None
    changed = None
    if recorded is not None and recorded.context != inputs.context:
        found = ctx.changed_paths(recorded.context, context)
        changed = tuple(found) if found is not None else None
    return BuildState(inputs, changed)


def input_diffs(before: Inputs, after: Inputs, mask: Masker) -> Tuple[FieldDiff, ...]:
    """The inputs that changed, as build.NAME diffs."""
    found = []
    for diff in field_diffs(before, after, mask):
        name = diff.name
        if name == "dockerfile_digest":
            name = "dockerfile (its content)"
        digests = name in ("context", "dockerfile (its content)")
        found.append(FieldDiff(f"build.{name}",
                               short_digest(diff.before) if digests else diff.before,
                               short_digest(diff.after) if digests else diff.after))
    return tuple(found)


def changed_text(state: BuildState) -> str:
    """Which files of the context changed, for a plan's reason."""
    if state.changed is None:
        return "its build context changed"
    count = len(state.changed)
    shown = ", ".join(state.changed[:SHOWN_PATHS])
    more = f" and {count - SHOWN_PATHS} more" if count > SHOWN_PATHS else ""
    return f"{count} file{'s' if count != 1 else ''} of its build context changed: {shown}{more}"


# The build ---------------------------------------------------------------------------------------
def build_arguments(reference: str, spec: BuildSpec, context: ctx.Context, record: str,
                    owner: str, fresh: bool) -> Mapping[str, Any]:
    """APIClient.build's arguments, for the tar of `context`."""
    return dict(custom_context=True, tag=reference, dockerfile=context.dockerfile,
                buildargs=dict(spec.args) or None, target=spec.target,
                labels={**dict(spec.labels), BUILT: record, OWNER: owner},
                cache_from=list(spec.cache_from) or None, rm=True, forcerm=True,
                nocache=fresh, pull=False, decode=True)


def run_build(api: Any, call: Callable[..., Any], step: Build, inactive: float,
              events: Callable[[Iterable[Mapping[str, Any]], str], Iterator[Mapping[str, Any]]],
              progress: Progress) -> None:
    """Build the step's image: read the context again (the fingerprint on the image is the
    one of what is sent), send it, stream the output as progress. `inactive`: seconds the
    engine may stay silent before the build is given up."""
    reference, spec = step.reference, step.spec
    what = f"build image {reference}"
    context = ctx.read_context(Path(spec.context), spec.dockerfile)
    record = inputs_record(Inputs(context.digest, spec.dockerfile, context.dockerfile_digest,
                                  step.args_recorded, spec.target, spec.labels))
    progress(f"sending the build context ({len(context.entries)} paths)")
    with tempfile.TemporaryFile() as tar:
        ctx.write_tar(context, tar)
        tar.seek(0)
        stream = call(what, api.build, fileobj=tar, timeout=inactive,
                      **build_arguments(reference, spec, context, record, step.owner,
                                        step.fresh))
        _follow(events(stream, what), reference, progress)
    ctx.remember(context)


def _follow(stream: Iterable[Mapping[str, Any]], reference: str, progress: Progress) -> None:
    """Show the build's output; raise with the failing step and its last lines on an error."""
    last: List[str] = []
    step = ""
    for event in stream:
        if "errorDetail" in event or "error" in event:
            detail = event.get("errorDetail") or {}
            message = str(detail.get("message") or event.get("error") or "unknown error")
            raise EngineError(_failure(reference, step, message, last),
                              "fix the Dockerfile or the context, then run apply again")
        text = event.get("stream") or event.get("status") or ""
        for line in str(text).splitlines():
            line = line.rstrip()
            if not line:
                continue
            if _STEP.match(line):
                step = line
            last = (last + [line])[-LAST_LINES:]
            progress(line)


def _failure(reference: str, step: str, message: str, last: List[str]) -> str:
    where = f" at {step}" if step else ""
    lines = "\n".join(f"    | {line}" for line in last) or "    | (no output)"
    return (f"the build of image {reference} failed{where}: {message.strip()}\n"
            f"  its last output lines:\n{lines}")
