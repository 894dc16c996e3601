"""`dfwctl import compose` as one call: read the project, translate it, write the playbook's
text; the warnings come back with it, every one at a file, line and key."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable, List, Tuple

from dfwctl.compose import write
from dfwctl.compose.read import ReadOptions, read_project
from dfwctl.compose.translate import translate
from dfwctl.errors import Diagnostic


@dataclass(frozen=True)
class Imported:
    name: str
    text: str
    warnings: Tuple[Diagnostic, ...]
    services: int
    dropped: Tuple[str, ...]
    # a problem of the written playbook, at the compose key its value came from
    locate: Callable[[Diagnostic], Diagnostic]


def import_compose(options: ReadOptions, out_dir: Path) -> Imported:
    project = read_project(options)
    playbook, ctx = translate(project, out_dir.resolve())
    warnings: List[Diagnostic] = project.origins.warnings
    files = [ctx.relative(str(f.resolve())) for f in project.files]
    header = write.header(files, project.profiles, ctx.dropped, len(warnings))
    text = write.to_yaml(playbook, ctx.notes, header)
    return Imported(project.name, text, tuple(warnings), len(ctx.containers),
                    tuple(ctx.dropped), ctx.locate)
