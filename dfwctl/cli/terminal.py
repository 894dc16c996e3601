"""Where the command line's text goes, and whether it is coloured.

Colour is on only for a terminal: never in a pipe or a file, never with `--no-color`, a
non-empty NO_COLOR (https://no-color.org) or TERM=dumb. On Windows, colorama makes the console
understand the colour codes: it switches on the console's own ANSI support (Windows 10 and
later), or, on a console without it (the legacy console, older Windows), turns the codes into
console calls on sys.stdout, which is therefore what coloured text is written to there."""
from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, Mapping, Optional, TextIO

import click

if TYPE_CHECKING:  # imported when something is rendered, not at start-up
    from dfwctl.colour import Palette


def colour_wanted(no_color: bool, stream: TextIO,
                  environ: Optional[Mapping[str, str]] = None) -> bool:
    environ = os.environ if environ is None else environ
    if no_color or environ.get("NO_COLOR") or environ.get("TERM") == "dumb":
        return False
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # a closed or replaced stream
        return False


def prepare_console() -> None:
    """Make this console show ANSI colour (Windows only; elsewhere terminals do)."""
    if sys.platform == "win32":
        import colorama

        colorama.just_fix_windows_console()


def palette() -> Palette:
    """The palette of the running command (plain outside one)."""
    from dfwctl.colour import COLOUR, PLAIN

    ctx = click.get_current_context(silent=True)
    colour = bool(ctx and ctx.find_root().obj and ctx.find_root().obj.colour)
    return COLOUR if colour else PLAIN


def echo(text: str) -> None:
    """Text for stdout, coloured or not as the palette says, printed as it is (no newline
    added)."""
    coloured = palette().enabled
    stream = sys.stdout if coloured and sys.platform == "win32" else None
    click.echo(text, file=stream, nl=False, color=coloured)
