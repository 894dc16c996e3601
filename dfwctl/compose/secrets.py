"""Compose secrets as the playbook's file secrets: the top-level definitions (`file`, relative
to the playbook, or `environment`) and each service's grants (a name, or source, target, uid,
gid and mode), written so that the container gets what `docker compose up` gives it. What
compose does without a swarm decides what is kept: a secret from a file is bind-mounted, so
compose ignores its uid, gid and mode; one from a variable is copied with them. Whatever has
no playbook equivalent is a warning at its file, line and key."""
from __future__ import annotations

import posixpath
from typing import Any, Dict, Optional

from dfwctl.compose.context import Context, Out, Translating
from dfwctl.values import secrets as S

SWARM_ONLY = ("name", "driver", "driver_opts", "labels", "template_driver")


def definitions(model: Dict[str, Any], ctx: Context) -> Dict[str, Any]:
    """The playbook's top-level secrets; ctx.secrets learns each written one's kind (file or
    environment) and ctx.unwritten why the others are left out."""
    written: Dict[str, Any] = {}
    section = model.get("secrets")
    if not isinstance(section, dict):
        return written
    for name, entry in section.items():
        spec = _definition(str(name), entry, section, ctx)
        if spec is not None:
            written[str(name)] = spec
            ctx.source(("secrets", str(name), ""), ctx.origins.of(section, name))
    return written


def _definition(name: str, entry: Any, section: Dict[str, Any], ctx: Context
                ) -> Optional[Dict[str, Any]]:
    path = ("secrets", name)
    entry = entry if isinstance(entry, dict) else {}
    if not S.NAME.fullmatch(name):
        ctx.unwritten[name] = "its name is not one the playbook takes"
        ctx.origins.warn(section, name, path, f"secret name {name!r} has no playbook "
                         "equivalent (letters, digits, '_', '.' and '-', starting with a letter "
                         "or digit): left out, with its grants")
        return None
    if entry.get("external"):
        ctx.unwritten[name] = "it is external"
        ctx.origins.warn(entry, "external", path + ("external",), "external secrets are made "
                         "in a swarm (docker compose up refuses them without one): left out, "
                         "with its grants; give it a file or an environment variable")
        return None
    out: Dict[str, Any] = {}
    for field, value in entry.items():
        if field == "file" and isinstance(value, str):
            out["file"] = ctx.relative(value)
            shown = ctx.origins.written.get(value, value)
            if shown != out["file"]:
                ctx.note(out, "file", f"compose: {shown}")
        elif field == "environment" and value is not None:
            out["environment"] = str(value)
        elif field in SWARM_ONLY:
            ctx.origins.warn(entry, field, path + (field,), f"{field} has no playbook "
                             "equivalent (it is for secrets of a swarm; without one, docker "
                             "compose does not use it): left out")
        elif field != "external" and not str(field).startswith("x-"):
            ctx.origins.warn(entry, field, path + (field,), f"{field} has no playbook "
                             "equivalent for a secret: left out")
    if len([k for k in ("file", "environment") if k in out]) != 1:
        ctx.unwritten[name] = "it has no file or environment"
        ctx.origins.warn(section, name, path, "a secret needs one of file or environment: left "
                         "out, with its grants")
        return None
    ctx.secrets[name] = "file" if "file" in out else "environment"
    return out


def grants(value: Any, out: Out, s: Translating) -> None:
    """A service's secrets as the container's."""
    found = []
    for index, entry in enumerate(value or []):
        grant = _grant(entry, index, value, s)
        if grant is not None:
            found.append(grant)
    if found:
        out["secrets"] = found


def _grant(entry: Any, index: int, holder: Any, s: Translating) -> Any:
    source = str(entry.get("source", "")) if isinstance(entry, dict) else str(entry)
    if source in s.ctx.unwritten:
        s.warn("secrets", f"secret {source!r} is left out ({s.ctx.unwritten[source]}): so is "
               "this grant", holder, index)
        return None
    kind = s.ctx.secrets.get(source)
    if kind is None:
        s.error("secrets", f"service refers to undefined secret {source!r}", holder, index)
        return None
    if not isinstance(entry, dict):
        return source
    grant: Dict[str, Any] = {"source": source}
    for key, item in entry.items():
        if key == "target" and item is not None:
            target = _target(str(item), source, s, entry, index)
            if target is None:
                return None
            grant["target"] = target
            if target != str(item):
                s.ctx.note(grant, "target", f"compose: {item}")
        elif key in ("uid", "gid", "mode") and item is not None:
            _owner(key, item, kind, grant, entry, index, s)
        elif key != "source" and not str(key).startswith("x-"):
            s.warn("secrets", f"{key} has no playbook equivalent: left out", entry, key,
                   (index,))
    return source if list(grant) == ["source"] else grant


def _target(text: str, source: str, s: Translating, entry: Dict[str, Any], index: int
            ) -> Optional[str]:
    """A target as the engine gets it from compose: a relative one joined to /run/secrets
    (and `..` resolved, which the playbook's relative targets may not have)."""
    if text.startswith("/") or ".." not in text.replace("\\", "/").split("/"):
        return text
    path = posixpath.normpath(f"{S.SECRETS_DIR}/{text}")
    if path in ("/", S.SECRETS_DIR) or path.startswith("//"):
        s.warn("secrets", f"target {text!r} is the folder {path}, not a file (docker compose "
               f"up fails on it): the grant of {source} is left out", entry, "target", (index,))
        return None
    return path


def _owner(key: str, item: Any, kind: str, grant: Dict[str, Any], entry: Dict[str, Any],
           index: int, s: Translating) -> None:
    if kind == "file":
        s.warn("secrets", f"{key} is left out: docker compose bind-mounts a secret from a file "
               f"and ignores its uid, gid and mode (written in the playbook, {key} makes dfwctl "
               "copy the file into the container instead)", entry, key, (index,))
        return
    try:
        if key == "mode":
            from ruamel.yaml.scalarint import OctalInt

            mode = S.file_mode(item, S.written_with_leading_zero(item))
            if mode & S.WRITE_BITS:
                s.warn("secrets", f"mode {mode:04o} has write bits, and the playbook's secrets "
                       f"are read-only: written as {mode & ~S.WRITE_BITS:04o}", entry, key, (index,))
            grant[key] = OctalInt(mode & ~S.WRITE_BITS)
        else:
            grant[key] = S.owner_id(item, key)
    except ValueError as exc:
        s.warn("secrets", f"{exc}: left out", entry, key, (index,))
