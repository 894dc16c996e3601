"""Colour for text meant for a terminal, by meaning: what is added is green, what is changed in
place yellow, what is replaced or removed red, what puts data or uptime at risk bold. The
conventions of terraform and docker compose, so a long plan can be scanned.

A Palette wraps text in ANSI SGR sequences, or, switched off, returns it as it is: report code
renders through one and stays free of any terminal library. Whether colour is on is the command
line's decision (a terminal, NO_COLOR, --no-color)."""
from __future__ import annotations

from dataclasses import dataclass

from dfwctl.plan import Action

RESET = "\033[0m"
BOLD, RED, GREEN, YELLOW, CYAN = "1", "31", "32", "33", "36"

_ACTION = {Action.CREATE: GREEN, Action.UPDATE: YELLOW, Action.REPLACE: RED, Action.DELETE: RED,
           Action.ADOPT: CYAN}


@dataclass(frozen=True)
class Palette:
    enabled: bool = False

    def paint(self, text: str, *codes: str) -> str:
        if not self.enabled or not text or not codes:
            return text
        return f"\033[{';'.join(codes)}m{text}{RESET}"

    def action(self, action: Action, text: str) -> str:
        """Text in the colour of an action: a plan symbol, a headline."""
        colour = _ACTION.get(action)
        return self.paint(text, colour) if colour else text

    def strong(self, text: str, colour: str = "") -> str:
        """Bold (and in `colour`, one of RED, GREEN, YELLOW, CYAN)."""
        return self.paint(text, BOLD, colour) if colour else self.paint(text, BOLD)

    def good(self, text: str) -> str:
        return self.paint(text, GREEN)

    def warn(self, text: str) -> str:
        return self.paint(text, YELLOW)

    def bad(self, text: str) -> str:
        return self.paint(text, RED)

    def note(self, text: str) -> str:
        """Secondary facts: where something is, what waits."""
        return self.paint(text, CYAN)


PLAIN = Palette(False)
COLOUR = Palette(True)
