"""Service volumes as playbook mounts (a named volume by the name compose gives it on the
engine, a host path relative to the playbook's folder), and the keys that name host files:
build and env_file, mapped once the playbook format has them, warnings until then."""
from __future__ import annotations

import os
from typing import Any, Dict, List, Optional

from dfwctl.compose.context import Out, Translating
from dfwctl.compose.paths import is_relative_source, split_source

LONG = ("type", "source", "target", "read_only", "consistency", "bind", "volume", "tmpfs")
SETTINGS = {"bind": ("create_host_path", "propagation"), "volume": ("nocopy",),
            "tmpfs": ("size", "mode")}


def volumes(value: Any, out: Out, s: Translating) -> None:
    found: List[Any] = []
    for index, entry in enumerate(value or []):
        mount = _long(entry, index, value, s) if isinstance(entry, dict) \
            else _short(str(entry), index, value, s)
        if mount is not None:
            found.append(mount)
    if found:
        out["mounts"] = found
        for index, (entry, mount) in enumerate(zip(value or [], found)):
            written = s.ctx.origins.written.get(entry, entry) if isinstance(entry, str) else entry
            if written != mount and isinstance(mount, str):
                s.ctx.note(found, index, f"compose: {written}")


def _short(entry: str, index: int, holder: Any, s: Translating) -> Optional[str]:
    source, rest = split_source(entry)
    if rest is None:
        return entry  # an anonymous volume
    if is_relative_source(source):
        return s.ctx.relative(source) + rest
    key = s.ctx.volumes.get(source)
    if key is None:
        s.error("volumes", f"volume {source!r} is not defined under volumes", holder, index)
        return None
    return key + rest


def _long(entry: Dict[str, Any], index: int, holder: Any, s: Translating
          ) -> Optional[Dict[str, Any]]:
    kind = entry.get("type")
    mount: Dict[str, Any] = {}
    for key, value in entry.items():
        if key not in LONG:
            s.warn("volumes", f"volumes[{index}].{key} has no playbook equivalent: left out",
                   holder, index)
        elif key in SETTINGS:
            settings = {k: v for k, v in (value or {}).items() if k in SETTINGS[key]}
            for other in set(value or {}) - set(settings):
                s.warn("volumes", f"volumes[{index}].{key}.{other} has no playbook "
                       "equivalent: left out", holder, index)
            if settings:
                mount[key] = settings
        else:
            mount[key] = value
    source = entry.get("source")
    if kind == "bind" and isinstance(source, str):
        mount["source"] = s.ctx.relative(source)
        bind = mount.setdefault("bind", {})
        if "create_host_path" not in bind:
            # compose creates a missing folder only for the short syntax
            bind["create_host_path"] = False
            s.ctx.note(bind, "create_host_path", "compose's long syntax does not create it")
    elif kind == "volume" and isinstance(source, str):
        named = s.ctx.volumes.get(source)
        if named is None:
            s.error("volumes", f"volume {source!r} is not defined under volumes", holder, index)
            return None
        mount["source"] = named
    elif kind not in ("bind", "volume", "tmpfs", "npipe"):
        s.warn("volumes", f"volumes[{index}]: type {kind} has no playbook equivalent: left out",
               holder, index)
        return None
    return mount


def build(value: Any, out: Out, s: Translating) -> None:
    if "build" not in s.keys:
        s.warn("build", "build is not in the playbook format yet: build the image with `docker "
               "compose build` (or docker build) before apply")
        return
    from dfwctl.compose.context import build_keys

    known = build_keys()
    found: Dict[str, Any] = {}
    for key, item in (value or {}).items():
        if known is not None and key not in known:
            s.warn("build", f"build.{key} has no playbook equivalent: left out", value, key)
        elif key == "context" and isinstance(item, str) and os.path.isabs(item):
            found[key] = s.ctx.relative(item)
        else:
            found[key] = item
    out["build"] = found


def env_files(value: Any, out: Out, s: Translating) -> None:
    if "env_file" not in s.keys:
        _inline_env_files(value, out, s)
        return
    found: List[Any] = []
    for entry in value or []:
        if isinstance(entry, dict):
            path = s.ctx.relative(str(entry.get("path")))
            found.append(path if entry.get("required", True) is True else
                         {**entry, "path": path})
        else:
            found.append(s.ctx.relative(str(entry)))
    out["env_file"] = found


def _inline_env_files(value: Any, out: Out, s: Translating) -> None:
    """Until the playbook has env_file: the files' variables copied under env (environment
    wins over them, a later file over an earlier one, as in compose)."""
    from pathlib import Path

    from dfwctl.compose.environment import env_file
    from dfwctl.errors import DfwctlError

    written = s.service.get("environment") or {}
    env = out.setdefault("env", {})
    for index, entry in enumerate(value or []):
        spec = entry if isinstance(entry, dict) else {"path": entry}
        path = str(spec.get("path"))
        if not os.path.isfile(path):
            if spec.get("required", True) is not False:
                s.ctx.origins.error(value, index, s.path("env_file", index),
                                    f"{path}: no such env file")
            continue
        try:
            variables = env_file(Path(path), s.ctx.environ)
        except DfwctlError as exc:
            s.ctx.origins.error(value, index, s.path("env_file", index), str(exc))
            continue
        shown = s.ctx.relative(path)
        for name, item in variables.items():
            if name not in written:
                env[name] = item
                s.ctx.note(env, name, f"from env_file {shown}")
        s.warn("env_file", f"env_file {shown}: the playbook format has no env_file yet, so its "
               "variables were copied under env (keep secrets out of git: write them as "
               "${VAR})", value, index)
    if not env:
        del out["env"]
