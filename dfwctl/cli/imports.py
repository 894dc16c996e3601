"""`dfwctl import compose FILE...`: a playbook from compose files, read as docker compose
reads them; the written playbook is validated before the command says it is done."""
from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Optional, Tuple

import click

from dfwctl.cli.app import HELP, cli
from dfwctl.errors import DfwctlError

if TYPE_CHECKING:
    from dfwctl.compose.importer import Imported


@cli.group("import", context_settings=HELP)
def import_group() -> None:
    """Write a playbook from what another tool describes."""


@import_group.command("compose", context_settings=HELP)
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False))
@click.option("-o", "--output", default="playbook.yml", show_default=True, metavar="FILE",
              help="Where to write the playbook; - for stdout.")
@click.option("--force", is_flag=True, help="Overwrite the output file when it exists.")
@click.option("-p", "--project-name", default=None, metavar="NAME",
              help="The project name (the playbook's name) [default: compose's: "
                   "COMPOSE_PROJECT_NAME, the files' name:, the folder's name].")
@click.option("--profile", "profiles", multiple=True, metavar="PROFILE",
              help="Import only what docker compose --profile PROFILE runs (repeat for "
                   "several) [default: every service, with its profiles, to select with "
                   "dfwctl --profile].")
@click.option("--env-file", "env_files", multiple=True, type=click.Path(dir_okay=False),
              help="Variables for ${VAR} (repeat for several) [default: .env in the project "
                   "directory].")
@click.option("--project-directory", default=None, type=click.Path(file_okay=False),
              help="The folder relative paths start from [default: the first file's].")
def compose(files: Tuple[str, ...], output: str, force: bool, project_name: Optional[str],
            profiles: Tuple[str, ...], env_files: Tuple[str, ...],
            project_directory: Optional[str]) -> None:
    """Write a playbook from compose files (default: compose.yaml and compose.override.yaml
    here): several files merged in order, .env and ${VAR}, extends, include, profiles. What
    the playbook cannot say is listed as a warning with its file, line and key."""
    from dfwctl.compose.importer import import_compose
    from dfwctl.compose.read import ReadOptions

    to_stdout = output == "-"
    target = Path(output)
    if not to_stdout and target.exists() and not force:
        raise DfwctlError(f"{target}: already exists", hint="pass --force to overwrite it, or "
                          "-o to write another file")
    out_dir = Path.cwd() if to_stdout else target.resolve().parent
    options = ReadOptions(files=tuple(Path(f) for f in files), project_name=project_name,
                          profiles=profiles, env_files=tuple(Path(e) for e in env_files),
                          project_directory=Path(project_directory) if project_directory
                          else None, environ=dict(os.environ), cwd=Path.cwd())
    imported = import_compose(options, out_dir)
    for warning in imported.warnings:
        click.echo(str(warning), err=True)
    _validate(imported, out_dir, None if to_stdout else target)
    if to_stdout:
        sys.stdout.write(imported.text)
    count = len(imported.warnings)
    click.echo(f"{'stdout' if to_stdout else target}: playbook {imported.name}, "
               f"{imported.services} container{'s' if imported.services != 1 else ''}"
               + (f", {count} warning{'s' if count != 1 else ''}" if count else "")
               + (f"; not selected by a profile: {', '.join(imported.dropped)}"
                  if imported.dropped else ""), err=True)


def _validate(imported: "Imported", out_dir: Path, target: Optional[Path]) -> None:
    """Write the playbook (to `target`, or a scratch file beside where it would go) and
    validate it as `dfwctl validate` does; a playbook that does not validate is not kept, and
    its problems are shown at the compose keys their values came from."""
    import tempfile

    from dfwctl.compose.origins import ComposeError
    from dfwctl.errors import PlaybookError
    from dfwctl.pipeline import load_playbook
    from dfwctl.profiles import EVERY

    fd, scratch = tempfile.mkstemp(prefix=".dfwctl-import-", suffix=".yml", dir=out_dir)
    with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
        handle.write(imported.text)
    try:
        load_playbook(Path(scratch), selected=EVERY)  # every profile: all is checked
    except PlaybookError as exc:
        os.unlink(scratch)
        raise ComposeError([imported.locate(d) for d in exc.diagnostics],
                           "the playbook would refuse these values") from None
    except BaseException:
        os.unlink(scratch)
        raise
    if target is None:
        os.unlink(scratch)
    else:
        os.replace(scratch, target)


__all__ = ["import_group"]
