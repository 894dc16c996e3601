"""`dfwctl export`: write a playbook from what runs on the engine."""
from __future__ import annotations

from pathlib import Path
from typing import Optional, Tuple

import click

from dfwctl.cli.app import HELP, cli
from dfwctl.errors import DfwctlError


@cli.command(context_settings=HELP)
@click.argument("containers", nargs=-1, metavar="[CONTAINER]...")
@click.option("--project", "-p", metavar="NAME",
              help="The containers of this docker compose project (its "
                   "com.docker.compose.project label).")
@click.option("--all", "everything", is_flag=True,
              help="Every container on the engine (those a playbook owns are left out).")
@click.option("--name", metavar="NAME", help="The playbook's name [default: the compose "
                                             "project's, else exported].")
@click.option("--out", "out_file", type=click.Path(dir_okay=False),
              help="Write the playbook to FILE instead of stdout (an existing file is kept "
                   "unless --force).")
@click.option("--force", is_flag=True, help="Overwrite --out FILE.")
def export(containers: Tuple[str, ...], project: Optional[str], everything: bool,
           name: Optional[str], out_file: Optional[str], force: bool) -> None:
    """Write a playbook from what runs on the engine (DOCKER_HOST): the CONTAINERs named, a
    compose project's (--project), or all of them (--all), with the networks and named
    volumes they use. Only what differs from each image's and the engine's defaults is
    written, so `dfwctl plan` of the playbook against the same engine has nothing to do.
    What a playbook cannot say is listed on stderr. The containers stay as they are: adopt
    them (dfwctl adopt, or apply --adopt) to let the playbook manage them."""
    from dfwctl.providers.docker.engine import Engine
    from dfwctl.providers.docker.export import Selection
    from dfwctl.providers.docker.export import export as read_engine
    from dfwctl.providers.docker.written import dump

    if sum(map(bool, (containers, project, everything))) != 1:
        raise click.UsageError("name the containers, or give --project NAME or --all")
    target = Path(out_file) if out_file else None
    if target is not None and target.exists() and not force:
        raise DfwctlError(f"{target} exists; dfwctl export does not overwrite it",
                          "pass --force, or another --out")
    engine = Engine()
    found = read_engine(engine, Selection(containers, project), name)
    header = (f"# written by dfwctl export from {engine.endpoint}: "
              f"{', '.join(found.containers)}\n")
    text = header + dump(found.tree)
    for note in found.notes:
        click.echo(f"note: {note}", err=True)
    if target is None:
        click.echo(text, nl=False)
        return
    temp = target.with_name(f".{target.name}.tmp")
    temp.write_text(text, encoding="utf-8")
    temp.replace(target)
    click.echo(f"Wrote {target}: {len(found.containers)} container(s); check it with: "
               f"dfwctl plan {target}", err=True)
