"""The steps a Docker Desktop change is carried out with: write a file (refused when it changed
since the plan), restart Docker Desktop, wait for its engine, check that the settings took.
diff chooses them (pure); perform runs them."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional, Tuple

from dfwctl.plan import Step


@dataclass(frozen=True)
class WriteSettings(Step):
    path: str
    digest: str  # of the file when the plan was made
    updates: Tuple[Tuple[str, Any], ...]  # (key exactly as written in the file, JSON value)


@dataclass(frozen=True)
class WriteWslconfig(Step):
    path: str
    digest: str
    updates: Tuple[Tuple[str, str], ...]  # ([wsl2] key, value text)


@dataclass(frozen=True)
class RestartDesktop(Step):
    command: Tuple[str, ...]


@dataclass(frozen=True)
class WaitForEngine(Step):
    """Until the engine answers /info again (bounded: DFWCTL_DESKTOP_RESTART_WAIT)."""


@dataclass(frozen=True)
class CheckSettingsKept(Step):
    """Docker Desktop keeps its settings in memory while it runs, and may write them back over
    ours when it quits: the file must still have what was written."""

    path: str
    expect: Tuple[Tuple[str, Any], ...]  # (field, value)


@dataclass(frozen=True)
class CheckResources(Step):
    """The engine's /info (NCPU, MemTotal) must show the CPUs and memory asked for."""

    cpus: Optional[int]
    memory: Optional[int]
    wsl: bool  # the WSL 2 engine: .wslconfig is read only when WSL's VM starts


@dataclass(frozen=True)
class Stop(Step):
    """End the apply here on purpose, so that what depends on this change waits: `message`
    says why and what to do."""

    message: str
