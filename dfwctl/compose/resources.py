"""Top-level networks and volumes: named as docker compose names them on the engine (`name`,
else PROJECT_KEY; an external one by its own name), their driver, options, labels, IPAM
subnet and gateway; what the playbook has no field for is a warning at its key."""
from __future__ import annotations

from typing import Any, Dict, Optional

from dfwctl.compose.context import ENGINE_NETWORKS, Context


def engine_name(kind_entry: Any, key: str, project: str) -> str:
    entry = kind_entry if isinstance(kind_entry, dict) else {}
    if entry.get("name"):
        return str(entry["name"])
    if entry.get("external"):
        return key
    return f"{project}_{key}"


def network(key: str, entry: Any, ctx: Context) -> Optional[Dict[str, Any]]:
    path = ("networks", key)
    entry = entry if isinstance(entry, dict) else {}
    out: Dict[str, Any] = {}
    name = engine_name(entry, key, ctx.project)
    if entry.get("external"):
        return None if name in ENGINE_NETWORKS else {"external": True}
    for field, value in entry.items():
        if field in ("driver", "internal", "attachable", "labels"):
            out[field] = _labels(value) if field == "labels" else value
        elif field == "driver_opts":
            out["options"] = {str(k): str(v) for k, v in (value or {}).items()}
        elif field == "ipam":
            _ipam(key, value, ctx, out)
        elif field == "name":
            continue
        elif field == "enable_ipv6" and not value:
            continue
        elif not field.startswith("x-"):
            ctx.origins.warn(entry, field, path + (field,), f"{field} has no playbook "
                             "equivalent for a network: left out")
    return out


def _ipam(key: str, ipam: Any, ctx: Context, out: Dict[str, Any]) -> None:
    path = ("networks", key, "ipam")
    if not isinstance(ipam, dict):
        return
    for field, value in ipam.items():
        if field == "config" and isinstance(value, list):
            for index, pool in enumerate(value):
                if index > 0 or not isinstance(pool, dict):
                    ctx.origins.warn(value, index, path + ("config", index), "the playbook "
                                     "takes one subnet per network: this pool is left out")
                    continue
                for name, setting in pool.items():
                    if name in ("subnet", "gateway"):
                        out[name] = str(setting)
                    else:
                        ctx.origins.warn(pool, name, path + ("config", 0, name),
                                         f"{name} has no playbook equivalent: left out")
        elif field == "driver" and value == "default":
            continue
        else:
            ctx.origins.warn(ipam, field, path + (field,), f"ipam.{field} has no playbook "
                             "equivalent: left out")


def volume(key: str, entry: Any, ctx: Context) -> Dict[str, Any]:
    path = ("volumes", key)
    entry = entry if isinstance(entry, dict) else {}
    if entry.get("external"):
        return {"external": True}
    out: Dict[str, Any] = {}
    for field, value in entry.items():
        if field in ("driver", "labels"):
            out[field] = _labels(value) if field == "labels" else value
        elif field == "driver_opts":
            out["options"] = {str(k): str(v) for k, v in (value or {}).items()}
        elif field != "name" and not field.startswith("x-"):
            ctx.origins.warn(entry, field, path + (field,), f"{field} has no playbook "
                             "equivalent for a volume: left out")
    return out


def _labels(value: Any) -> Dict[str, str]:
    if isinstance(value, list):  # NAME=VALUE entries
        pairs = [str(v).partition("=") for v in value]
        return {name: rest for name, _, rest in pairs}
    if isinstance(value, dict):
        return {str(k): "" if v is None else text(v) for k, v in value.items()}
    return {}


def text(value: Any) -> str:
    """A scalar as compose passes it to the engine: true/false, numbers as written."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
