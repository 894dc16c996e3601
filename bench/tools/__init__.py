"""The tools under comparison, one adapter each, in the order of the table's columns."""
from __future__ import annotations

from typing import Dict, Type

from tools.ansible import Ansible
from tools.base import PHASES, VARIANT, Command, Context, Tool
from tools.compose import ComposeV1, ComposeV2
from tools.dfwctl import Dfwctl
from tools.floor import Floor

TOOLS: Dict[str, Type[Tool]] = {t.name: t for t in (Dfwctl, Floor, ComposeV2, ComposeV1, Ansible)}

__all__ = ["TOOLS", "PHASES", "VARIANT", "Command", "Context", "Tool"]
