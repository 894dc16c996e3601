"""`dfwctl schema`: the playbook's JSON Schema, for editors and CI."""
from __future__ import annotations

import click

from dfwctl.cli.app import HELP, cli


@cli.command(context_settings=HELP)
def schema() -> None:
    """Print the playbook JSON Schema (draft 2020-12): point an editor or a CI check at it,
    e.g. dfwctl schema > playbook.schema.json"""
    from dfwctl.schema_messages import schema_text

    text = schema_text()
    click.echo(text if text.endswith("\n") else text + "\n", nl=False)
