"""What every dfwctl command has, whoever declares it: options whose values are playbook
addresses or machines complete from the playbook (by their flag alone), and `--no-color`
after the command name too (`dfwctl plan --no-color ...`, as terraform users type it)."""
from __future__ import annotations

from typing import Any

import click

from dfwctl.cli.addresses import ADDRESS, MACHINE

# The options whose values are playbook addresses or machines, by flag.
ADDRESS_OPTIONS = ("--target", "--replace")
MACHINE_OPTIONS = ("--machine",)


def _no_color(ctx: click.Context, param: click.Parameter, value: bool) -> None:  # noqa: ARG001
    root = ctx.find_root().obj
    if value and root is not None:
        root.colour = False


def no_color_option() -> click.Option:
    return click.Option(["--no-color"], is_flag=True, expose_value=False, callback=_no_color,
                        help="Plain text even on a terminal (also: the NO_COLOR environment "
                             "variable).")


class Command(click.Command):
    """A dfwctl command: typed address and machine options, and --no-color."""

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        for param in self.params:
            if not isinstance(param, click.Option) or \
                    not isinstance(param.type, click.types.StringParamType):
                continue
            if any(flag in ADDRESS_OPTIONS for flag in param.opts):
                param.type = ADDRESS
            elif any(flag in MACHINE_OPTIONS for flag in param.opts):
                param.type = MACHINE
        if not any("--no-color" in p.opts for p in self.params if isinstance(p, click.Option)):
            self.params.append(no_color_option())
