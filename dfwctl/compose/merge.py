"""Several compose files as one, by docker compose's merge rules: mappings merge key by key,
sequences append (without repeating an entry), `command`, `entrypoint` and `healthcheck.test`
are replaced, `volumes` merge by target and `ports` by their text; `!reset` removes a value
and `!override` replaces it whole. Values are first brought to one shape (environment,
labels and the like as mappings, networks and depends_on as mappings, a build as a mapping),
so the two spellings of a value merge with each other. Positions follow every value."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Tuple

from dfwctl.compose.origins import Origins

RESET = "!reset"
OVERRIDE = "!override"
# Values that are lists of NAME=VALUE or mappings; merged as mappings.
MAPPINGS = ("environment", "labels", "annotations", "sysctls", "extra_hosts")
NESTED_MAPPINGS = (("build", "args"), ("build", "labels"), ("deploy", "labels"),
                   ("logging", "options"))
STRING_LISTS = ("dns", "dns_search", "dns_opt", "tmpfs", "env_file", "cap_add", "cap_drop",
                "profiles", "expose", "security_opt", "devices", "group_add", "links",
                "external_links", "volumes_from", "label_file", "device_cgroup_rules")
REPLACED = ("command", "entrypoint")


@dataclass
class Tagged:
    """A value written with !reset or !override, until the merge has used the tag."""

    tag: str
    value: Any


def _tag(node: Any) -> Optional[str]:
    tag = getattr(node, "tag", None)
    text = getattr(tag, "value", tag)
    return text if text in (RESET, OVERRIDE) else None


def plain(node: Any, origins: Origins) -> Any:
    """ruamel's tree (or a merged one) as new dicts and lists, positions copied; tags kept as
    Tagged."""
    tag = _tag(node)
    if tag is not None:
        inner = getattr(node, "value", node) if type(node).__name__ == "TaggedScalar" else node
        return Tagged(tag, plain(inner, origins) if inner is not node else _untagged(node, origins))
    return _untagged(node, origins)


def _untagged(node: Any, origins: Origins) -> Any:
    if isinstance(node, dict):
        out: Dict[Any, Any] = {}
        for key, value in node.items():
            out[key] = plain(value, origins)
            origins.copy(node, key, out, key)
        return out
    if isinstance(node, list):
        items: List[Any] = []
        for index, value in enumerate(node):
            items.append(plain(value, origins))
            origins.copy(node, index, items, index)
        return items
    if type(node).__name__ == "TaggedScalar":
        return node.value
    if isinstance(node, str):
        return str(node)
    return node


def normalize(data: Dict[str, Any], origins: Origins) -> Dict[str, Any]:
    """A parsed file as plain values of one shape per key (see the module's docstring)."""
    model: Dict[str, Any] = plain(data, origins)
    model.pop("include", None)
    services = model.get("services")
    if isinstance(services, dict):
        for service in services.values():
            if isinstance(service, dict):
                normalize_service(service, origins)
    return model


def normalize_service(service: Dict[str, Any], origins: Origins) -> None:
    for key in MAPPINGS:
        _as_mapping(service, key, origins)
    for outer, inner in NESTED_MAPPINGS:
        if isinstance(service.get(outer), dict):
            _as_mapping(service[outer], inner, origins)
    for key in STRING_LISTS:
        if isinstance(service.get(key), str):
            service[key] = [service[key]]
            origins.copy(service, key, service[key], 0)
    for key in ("networks", "depends_on"):
        value = service.get(key)
        if isinstance(value, list):
            service[key] = {}
            for index, name in enumerate(value):
                service[key][str(name)] = None if key == "networks" else {}
                origins.copy(value, index, service[key], str(name))
    if isinstance(service.get("build"), str):
        service["build"] = {"context": service["build"]}
        origins.copy(service, "build", service["build"], "context")


def _as_mapping(parent: Dict[str, Any], key: str, origins: Origins) -> None:
    value = parent.get(key)
    if not isinstance(value, list):
        return
    mapping: Dict[str, Any] = {}
    for index, entry in enumerate(value):
        text = str(entry)
        separator = "=" if "=" in text or key != "extra_hosts" else ":"
        name, found, rest = text.partition(separator)
        mapping[name.strip()] = rest if found else None
        origins.copy(value, index, mapping, name.strip())
    parent[key] = mapping


def files(model: Dict[str, Any], override: Dict[str, Any], origins: Origins) -> None:
    """Merge `override` (a later file) into `model`, in place."""
    for key, value in override.items():
        if key == "services" and isinstance(value, dict) and isinstance(model.get(key), dict):
            services = model[key]
            for name, service in value.items():
                merged = merge_value(services.get(name), service, (key, name), origins)
                _set(services, name, merged, value, origins)
            continue
        merged = merge_value(model.get(key), value, (key,), origins)
        _set(model, key, merged, override, origins)


def _set(target: Dict[str, Any], key: Any, value: Any, source: Dict[str, Any],
         origins: Origins) -> None:
    if value is _REMOVED:
        target.pop(key, None)
        return
    target[key] = value
    origins.copy(source, key, target, key)


_REMOVED = object()


def merge_value(base: Any, over: Any, path: Tuple[Any, ...], origins: Origins) -> Any:
    if isinstance(over, Tagged):
        return _REMOVED if over.tag == RESET else strip_tags(over.value)
    if base is None:
        return strip_tags(over)
    last = path[-1] if path else None
    in_service = len(path) >= 3 and path[0] == "services"
    if in_service and (len(path) == 3 and last in REPLACED
                       or path[2:] == ("healthcheck", "test")):
        return strip_tags(over)
    if isinstance(base, dict) and isinstance(over, dict):
        out = dict(base)
        for key in base:
            origins.copy(base, key, out, key)
        for key, value in over.items():
            _set(out, key, merge_value(base.get(key), value, path + (key,), origins), over,
                 origins)
        return out
    if isinstance(base, list) and isinstance(over, list):
        if in_service and len(path) == 3 and last in ("volumes", "secrets", "configs"):
            return _by_target(base, strip_tags(over), origins)
        return _appended(base, strip_tags(over), origins)
    return strip_tags(over)


def strip_tags(value: Any) -> Any:
    """A value whose inner !reset / !override tags have nothing to merge with: !reset removes
    the entry, !override is the value itself."""
    if isinstance(value, Tagged):
        return None if value.tag == RESET else strip_tags(value.value)
    if isinstance(value, dict):
        for key in [k for k, v in value.items() if isinstance(v, Tagged) and v.tag == RESET]:
            del value[key]
        for key, inner in value.items():
            value[key] = strip_tags(inner)
    elif isinstance(value, list):
        value[:] = [strip_tags(v) for v in value if not (isinstance(v, Tagged) and v.tag == RESET)]
    return value


def _appended(base: List[Any], over: List[Any], origins: Origins) -> List[Any]:
    out = list(base)
    for index in range(len(base)):
        origins.copy(base, index, out, index)
    for index, value in enumerate(over):
        if value not in out:
            out.append(value)
            origins.copy(over, index, out, len(out) - 1)
    return out


def mount_target(entry: Any) -> Optional[str]:
    """The target of a volume entry (short or long syntax), its key when merged."""
    if isinstance(entry, dict):
        target = entry.get("target")
        return str(target) if target is not None else None
    if not isinstance(entry, str):
        return None
    from dfwctl.values.mounts import parse_mount

    try:
        return parse_mount(entry).target
    except ValueError:
        parts = entry.split(":")
        return parts[1] if len(parts) > 1 else parts[0]


def _by_target(base: List[Any], over: List[Any], origins: Origins) -> List[Any]:
    out = list(base)
    for index in range(len(base)):
        origins.copy(base, index, out, index)
    for index, value in enumerate(over):
        target = mount_target(value)
        found = [i for i, v in enumerate(out) if target is not None and mount_target(v) == target]
        if found:
            out[found[0]] = value
            origins.copy(over, index, out, found[0])
        elif value not in out:
            out.append(value)
            origins.copy(over, index, out, len(out) - 1)
    return out


def include(model: Dict[str, Any], included: Dict[str, Any], origins: Origins) -> None:
    """Add an included project's services, networks, volumes, secrets and configs; one that
    the including file defines too is an error, as in docker compose."""
    for section in ("services", "networks", "volumes", "secrets", "configs"):
        theirs = included.get(section)
        if not isinstance(theirs, dict):
            continue
        ours = model.setdefault(section, {})
        if not isinstance(ours, dict):
            continue
        for name, value in theirs.items():
            if name in ours and ours[name] != value:
                where = origins.of(theirs, name)
                origins.error(ours, name, (section, name),
                              f"{section[:-1]} {name!r} is also defined by an included file"
                              + (f" ({where})" if where else "")
                              + ": rename one of them, or extend it in the including file")
                continue
            ours[name] = value
            origins.copy(theirs, name, ours, name)
