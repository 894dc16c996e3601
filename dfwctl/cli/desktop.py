"""`dfwctl desktop show`: what dfwctl reads from Docker Desktop on this machine."""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any, Dict, Optional

import click

from dfwctl.cli.app import HELP, cli


@cli.group(context_settings=HELP)
def desktop() -> None:
    """Docker Desktop's settings as dfwctl reads them."""


def _read(playbook: Optional[str], settings_file: Optional[str]) -> Dict[str, Any]:
    from dfwctl.errors import DfwctlError
    from dfwctl.providers.desktop import locate, restart, settings, wslconfig
    from dfwctl.providers.desktop.model import ERA_NAMES, command_text
    from dfwctl.providers.desktop.system import LocalSystem

    system = LocalSystem(os.environ, sys.platform)

    named, base = settings_file, None
    if playbook and not settings_file:
        from dfwctl.pipeline import load_playbook
        from dfwctl.profiles import EVERY

        loaded = load_playbook(Path(playbook), selected=EVERY)
        spec = loaded.desired.desktop
        named = spec.settings_file if spec else None
        base = loaded.desired.directory or Path(playbook).resolve().parent
    where = locate.locate(named, base, system)
    if where.path is None:
        raise DfwctlError(
            "Docker Desktop's settings file was not found (looked for "
            + " or ".join(str(p) for p in where.searched) + ")",
            "start Docker Desktop once, or name the file with --settings-file")
    state = settings.read(system, where.path)
    found: Dict[str, Any] = {
        "settings_file": str(where.path),
        "named_by": "--settings-file" if settings_file and where.source != locate.ENV_SETTINGS
        else where.source,
        "format": ERA_NAMES[state.era],
        "host": where.host,
        "engine": state.engine,
        "cpus": state.cpus,
        "memory": state.memory,
        "swap": state.swap,
        "disk": state.disk,
        "file_sharing": list(state.sharing) if state.sharing is not None else None,
        "windows_containers": state.windows_containers,
        "problems": dict(state.problems),
    }
    path = locate.wslconfig_path(system)
    if path is not None:
        wsl = wslconfig.read(system, path)
        found["wslconfig"] = {"path": str(path), "exists": wsl.exists, "processors": wsl.cpus,
                              "memory": wsl.memory, "swap": wsl.swap}
    command = restart.restart_command(system)
    found["restart_command"] = command_text(command) if command else None
    return found


def _text(found: Dict[str, Any]) -> str:
    from dfwctl.values.sizes import format_size

    def shown(key: str) -> str:
        value = found.get(key)
        if value is None:
            return "(not in the file: Docker Desktop's default)"
        if key in ("memory", "swap", "disk"):
            return format_size(value)
        if isinstance(value, list):
            return ", ".join(value) or "(nothing)"
        return str(value)

    lines = [f"settings file: {found['settings_file']}",
             f"  format: {found['format']} (named by: {found['named_by']})"]
    lines += [f"  {key}: {shown(key)}" for key in
              ("engine", "cpus", "memory", "swap", "disk", "file_sharing")]
    if found["windows_containers"]:
        lines.append("  Windows containers: on")
    lines += [f"  unreadable: {problem}" for problem in found["problems"].values()]
    wsl = found.get("wslconfig")
    if wsl:
        state = "" if wsl["exists"] else " (none yet)"
        lines.append(f".wslconfig: {wsl['path']}{state}")
        for key in ("processors", "memory", "swap"):
            value = wsl[key]
            text = "(not set)" if value is None else (
                format_size(value) if key != "processors" else str(value))
            lines.append(f"  {key}: {text}")
    command = found["restart_command"]
    lines.append(f"restart: {command}" if command else
                 "restart: no `docker desktop` command here (Docker Desktop 4.37 and later have "
                 "one); restart Docker Desktop by hand after apply")
    return "\n".join(lines) + "\n"


@desktop.command(context_settings=HELP)
@click.argument("playbook", required=False, type=click.Path(dir_okay=False))
@click.option("--settings-file", type=click.Path(dir_okay=False),
              help="Read this settings file instead of Docker Desktop's own.")
@click.option("--output", "-o", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
def show(playbook: Optional[str], settings_file: Optional[str], output: str) -> None:
    """Show where Docker Desktop's settings file is and what dfwctl reads from it (the file
    PLAYBOOK names, when given)."""
    found = _read(playbook, settings_file)
    if output == "json":
        click.echo(json.dumps(found, indent=2, ensure_ascii=False))
    else:
        click.echo(_text(found), nl=False)
