"""The schema pass: load schemas/playbook.schema.json once, validate a playbook tree against it,
and reword every jsonschema error in plain words ("missing required key 'image'").

Each error becomes a `Problem` (a path in the tree, a message, and whether it points at the
key rather than the value); validate.py turns problems into positioned diagnostics."""
from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Dict, Iterable, List, Tuple, Type

from dfwctl.suggest import best, closest, did_you_mean
from dfwctl.values.sizes import ACCEPTED, parse_size

if TYPE_CHECKING:  # jsonschema is imported when a playbook is validated
    # An error's instance, schema and validator_value are typed "or Unset" (a sentinel for an
    # error made by hand); iter_errors() always sets them, so they are read into Any locals.
    from jsonschema import ValidationError
    from jsonschema.protocols import Validator

SCHEMA_FILE = "playbook.schema.json"
MAX_LISTED_KEYS = 10

_NAME_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789_.-"
_PATTERNS = {
    "^[A-Za-z_][A-Za-z0-9_]*$":
        "{v} is not a valid variable name: use letters, digits and '_', not starting with a digit",
    "^(local|winrm://[^/\\s]+@[^@:/\\s]+(:[0-9]{1,5})?|simulator:.+)$":
        "{v} is not a way to reach a machine: write local, winrm://user@host[:port] or "
        "simulator:PATH",
    "^[A-Za-z]$": "{v} is not a drive letter: write a single letter such as C",
    "^(unix|npipe|tcp|ssh)://.+|^context:.+$":
        "{v} is not a Docker Engine address: write unix://PATH, npipe://PIPE, tcp://HOST:PORT, "
        "ssh://USER@HOST or context:NAME",
    "^[0-9A-Fa-f:.]+/[0-9]{1,3}$":
        "{v} is not a subnet: write it in CIDR form, such as 172.28.0.0/16",
    "^[0-9A-Fa-f:.]+$": "{v} is not an IP address",
    "^(no|always|unless-stopped|on-failure(:[0-9]+)?)$":
        "must be one of: no, always, unless-stopped, on-failure[:N] (got {v})",
    "^[a-z0-9]+/[a-z0-9_]+(/[a-z0-9]+)?$":
        "{v} is not a platform: write OS/ARCH such as linux/amd64 or windows/amd64",
    "^(SIG)?[A-Z][A-Z0-9]*([+-][0-9]+)?$":
        "{v} is not a signal: write a name such as SIGTERM or TERM, or a number",
    "^[^=]+=[\\s\\S]*$": "{v} is not NAME=VALUE: write it as NAME=VALUE",
    "^[^=]+$": "{v} is not a variable name: it must not contain '='",
}
# Names docker compose and the docker CLI use for settings that have another name here.
_RENAMED = {
    "environment": "env", "volumes": "mounts", "mem_limit": "memory", "cmd": "command",
    "workdir": "working_dir", "working_directory": "working_dir", "entry_point": "entrypoint",
    "restart_policy": "restart", "publish": "ports", "log_opt": "logging",
    "log_driver": "logging", "add_host": "extra_hosts", "device_requests": "gpus",
}
# How nearly a key must match another tool's name for that name's key to be suggested.
ALIAS_LIKENESS = 0.8
_PLURALS = {"string": "strings", "integer": "integers", "number": "numbers", "object": "mappings"}
_TYPES = {
    "string": "a string", "integer": "an integer", "number": "a number",
    "boolean": "true or false", "null": "nothing", "object": "a mapping", "array": "a list",
}


@dataclass(frozen=True)
class Problem:
    """One schema problem: where (`path`, at the key when `key`) and what, in plain words."""

    path: Tuple[Any, ...]
    message: str
    key: bool = False


def schema_text() -> str:
    """The playbook schema's JSON text: from schemas/ in a checkout, else the package data."""
    in_repo = Path(__file__).resolve().parent.parent / "schemas" / SCHEMA_FILE
    if in_repo.is_file():
        return in_repo.read_text(encoding="utf-8")
    from importlib import resources  # installed: the schema ships as package data

    return resources.files("dfwctl.schemas").joinpath(SCHEMA_FILE).read_text(encoding="utf-8")


@functools.lru_cache(maxsize=1)
def load_schema() -> Dict[str, Any]:
    """The playbook schema (parsed once)."""
    schema: Dict[str, Any] = json.loads(schema_text())
    return schema


@functools.lru_cache(maxsize=1)
def schema_validator() -> Validator:
    """The compiled validator; YAML's 2.0 is a number here, never an integer."""
    from jsonschema import Draft202012Validator, validators

    checker = Draft202012Validator.TYPE_CHECKER.redefine(
        "integer", lambda _checker, value: isinstance(value, int) and not isinstance(value, bool)
    )
    # types-jsonschema leaves validators.extend unannotated; it returns a validator class.
    cls: Type[Validator] = validators.extend(  # type: ignore[no-untyped-call]
        Draft202012Validator, type_checker=checker)
    return cls(load_schema())


def problems(data: Any) -> List[Problem]:
    """Every schema problem of a playbook tree, reworded (unsorted, without duplicates). A key
    that is not text (null, or tagged) is a problem of its own, and the schema checks the
    tree without it (its key patterns match text only)."""
    found: List[Problem] = []
    odd: List[Tuple[Any, ...]] = []
    checked = _text_keys(data, (), odd)
    for path in odd:
        key = path[-1]
        what = f"tagged {key.tag.value}" if hasattr(key, "tag") else "empty (null)"
        found.append(Problem(path, f"this key is {what}: a key must be plain text; write the "
                                   "name, in quotes if it could be read as something else",
                             key=True))
    for error in schema_validator().iter_errors(checked):
        for problem in reword(error):
            if problem not in found:
                found.append(problem)
    return found


def _text_keys(value: Any, path: Tuple[Any, ...], odd: List[Tuple[Any, ...]]) -> Any:
    """`value` with the keys that are neither text nor numbers left out (their paths added to
    `odd`) and numbers as text (as JSON has them); the tree itself when it has neither.
    Nesting is bounded at load (loadlimits)."""
    if isinstance(value, list):
        items = [_text_keys(v, path + (i,), odd) for i, v in enumerate(value)]
        return value if all(a is b for a, b in zip(items, value)) else items
    if not isinstance(value, dict):
        return value
    out: Dict[Any, Any] = {}
    changed = False
    for key, item in value.items():
        if key is None or (not isinstance(key, (str, int, float)) and hasattr(key, "tag")):
            odd.append(path + (key,))
            changed = True
            continue
        inner = _text_keys(item, path + (key,), odd)
        changed = changed or inner is not item or not isinstance(key, str)
        out[key if isinstance(key, str) else str(key)] = inner  # as JSON has it: text
    return out if changed else value


def reword(error: ValidationError) -> List[Problem]:
    """One jsonschema error -> the problems a user should read (several for anyOf branches)."""
    path = tuple(error.absolute_path)
    if path == ("version",):
        return [Problem(path, version_message(error.instance))]
    if "propertyNames" in error.absolute_schema_path:
        return [Problem(path + (error.instance,), _value_message(error), key=True)]
    if error.validator in ("anyOf", "oneOf"):
        return _reword_alternatives(error, path)
    if error.validator == "additionalProperties" and "then" in error.absolute_schema_path:
        return _external_keys(error, path)
    if error.validator == "additionalProperties":
        return _unknown_keys(error, path)
    if error.validator == "required":
        return _missing_keys(error, path)
    return [Problem(path, _value_message(error), key=error.instance is None and bool(path))]


def version_message(value: Any) -> str:
    if isinstance(value, float):
        written = _written_float(value)
        if written != repr(value):
            return (f"must be the integer 1 (got {value!r}; "
                    f"YAML reads {written} as the number {value!r})")
        return f"must be the integer 1 (got {value!r})"
    if isinstance(value, int) and not isinstance(value, bool) and value > 1:
        return (f"unsupported version {value}: "
                "this dfwctl reads playbooks of version 1; upgrade dfwctl")
    if isinstance(value, str) and value.strip() == "1":
        return f"must be the integer 1 (got the string {quote(value)}): remove the quotes"
    return f"must be the integer 1 (got {describe_value(value)})"


def _written_float(value: float) -> str:
    """The text a YAML float was written as, when ruamel kept its width (1.10 -> '1.10')."""
    text = repr(value)
    width = getattr(value, "_width", None)
    if getattr(value, "_exp", None) is None and "." in text and isinstance(width, int):
        return text + "0" * max(0, width - len(text))
    return text


def _reword_alternatives(error: ValidationError, path: Tuple[Any, ...]) -> List[Problem]:
    branches: Dict[Any, List[ValidationError]] = {}
    for sub in error.context or ():
        branches.setdefault(sub.relative_schema_path[0], []).append(sub)
    for subs in branches.values():
        if not any(_is_kind_mismatch(sub) for sub in subs):
            found: List[Problem] = []
            for sub in subs:
                found.extend(p for p in reword(sub) if p not in found)
            return found
    message = _type_message(error.schema, error.instance)
    return [Problem(path, message, key=error.instance is None and bool(path))]


def _is_kind_mismatch(sub: ValidationError) -> bool:
    return (
        not sub.relative_path
        and len(sub.relative_schema_path) == 2
        and sub.validator in ("type", "const", "enum")
    )


def _unknown_keys(error: ValidationError, path: Tuple[Any, ...]) -> List[Problem]:
    schema: Any = error.schema
    instance: Any = error.instance
    known = list(schema.get("properties", {}))
    # the top level also takes x-NAME, extension fields for YAML anchors
    extension = "^x-" in schema.get("patternProperties", {})
    found = []
    for key in instance:
        if key in known:
            continue
        hint = _suggestion(str(key), known)
        if not hint and len(known) <= MAX_LISTED_KEYS + extension:
            hint = "; expected one of: " + ", ".join(known) + \
                (", or x-NAME for YAML anchors" if extension else "")
        elif not hint:
            hint = ": remove it or fix its spelling"
        found.append(Problem(path + (key,), f"unknown key {quote(key)}{hint}", key=True))
    return found


def _suggestion(key: str, known: List[str]) -> str:
    """"; did you mean 'env'?" from the nearest known key, or from the name other tools
    (docker compose) give the same setting. Another tool's name must be nearly the key written
    (environment, enviroment -> env): a loose likeness to it says nothing (ulimits is not
    mem_limit, so it never suggests memory)."""
    renamed = {alias: name for alias, name in _RENAMED.items()
               if name in known and alias not in known}
    direct = best(key, known)
    alias = best(key, renamed, cutoff=ALIAS_LIKENESS)
    if alias is not None and (direct is None or alias[1] > direct[1]):
        return f"; did you mean {quote(renamed[alias[0]])}?"
    if direct is not None:
        return f"; did you mean {quote(direct[0])}?"
    return ""


def _missing_keys(error: ValidationError, path: Tuple[Any, ...]) -> List[Problem]:
    schema: Any = error.schema
    instance: Any = error.instance
    required: Any = error.validator_value
    known = list(schema.get("properties", {}))
    unknown = [k for k in instance if k not in known]
    found = []
    for name in required:
        # (a subschema that only requires, as `else: {required: [image]}`, lists no properties:
        # then any key close to the missing one is taken for it)
        if name in instance or any(closest(k, known or [name]) == name for k in unknown):
            continue  # a misspelt key already says so
        found.append(Problem(path, f"missing required key {quote(name)}", key=bool(path)))
    return found


def _external_keys(error: ValidationError, path: Tuple[Any, ...]) -> List[Problem]:
    """`external: true` allows no other key; unknown keys are reported by the main schema."""
    kind = "volume" if path[:1] == ("volumes",) else "network"
    known = load_schema()["$defs"][kind]["properties"]
    instance: Any = error.instance
    return [
        Problem(
            path + (key,),
            f"{quote(key)} cannot be set on an external {kind} "
            "(dfwctl only checks that it exists): remove it, or remove external: true",
            key=True,
        )
        for key in instance
        if key in known and key != "external"
    ]


def _value_message(error: ValidationError) -> str:
    value: Any = error.instance
    limit: Any = error.validator_value
    validator = error.validator
    if validator == "type":
        return _type_message(error.schema, value)
    if validator == "enum":
        choices = ", ".join(str(c) for c in limit)
        if isinstance(value, str):
            hint = did_you_mean(value, [str(c) for c in limit])
            return f"must be one of: {choices} (got {quote(value)}){hint}"
        return f"must be one of: {choices} (got {describe_value(value)})"
    if validator == "pattern":
        return _pattern_message(limit, value)
    if validator == "minimum":
        return f"must be at least {limit} (got {value})"
    if validator == "exclusiveMinimum":
        return f"must be more than {limit} (got {value})"
    if validator == "minLength":
        return "must not be empty"
    if validator == "const":
        return f"must be {json.dumps(limit)} (got {describe_value(value)})"
    return error.message


def _pattern_message(pattern: str, value: str) -> str:
    if pattern == "^[a-z0-9][a-z0-9_.-]*$":
        return _name_message(value, _NAME_CHARS, "use lowercase letters, digits, '_', '.', '-'")
    if pattern == _size_pattern():
        return _size_message(value)
    if pattern in ("^[a-zA-Z0-9][a-zA-Z0-9_.-]*$", "^[a-zA-Z0-9][a-zA-Z0-9_.-]+$"):
        allowed = _NAME_CHARS + _NAME_CHARS.upper()
        if len(value) == 1 and value in allowed and value not in "_.-":
            return (f"{quote(value)} is too short: the engine needs a name of at least two "
                    "characters")
        return _name_message(value, allowed, "use letters, digits, '_', '.', '-'")
    if pattern == "^[^=]+$" and value == "":
        return "a variable needs a name: write NAME: value"
    if pattern == "^[^=]+=[\\s\\S]*$" and value.startswith("="):
        return f"{quote(value)} has no variable name before '=': write NAME=value"
    template = _PATTERNS.get(pattern, "{v} does not have the expected form " + pattern)
    return template.format(v=quote(value))


def _size_pattern() -> str:
    pattern: str = load_schema()["$defs"]["size"]["anyOf"][1]["pattern"]
    return pattern


def _size_message(value: str) -> str:
    """The sizes module's own words, so a size reads the same from the schema or the rules."""
    try:
        parse_size(value)
    except ValueError as exc:
        return str(exc)
    return f'"{value}" is not a size: {ACCEPTED}'


def _name_message(value: str, allowed: str, rule: str) -> str:
    if value and all(c in allowed for c in value):
        rule = "start it with a letter or a digit"
    return f"{quote(value)} is not a valid name: {rule}"


def _type_message(schema: Any, value: Any) -> str:
    message = f"expected {describe_schema(schema)}, got {describe_value(value)}"
    expected = describe_schema(schema)
    if value is None and expected == "a mapping":
        return message + ": write {} for an empty mapping"
    if expected == "a string" and isinstance(value, (int, float)):
        return message + ": put it in quotes"
    return message


def quote(value: Any) -> str:
    """A value as messages show it: 'text' in single quotes, without escaping backslashes."""
    if not isinstance(value, str):
        return repr(value)
    return f'"{value}"' if "'" in value and '"' not in value else f"'{value}'"


def describe_value(value: Any) -> str:
    """How a YAML value reads in a message: "a string ('x')", "a list", "true"."""
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return f"an integer ({value})"
    if isinstance(value, float):
        return f"a number ({_written_float(value)})"
    if isinstance(value, str):
        text = value if len(value) <= 40 else value[:37] + "..."
        return f"a string ({quote(text)})"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


def describe_schema(schema: Any) -> str:
    """What a schema accepts, in words: "a list of strings", "false or a mapping"."""
    if not isinstance(schema, dict):
        return "nothing"
    defs = load_schema()["$defs"]
    if schema == defs["size"]:
        return "a size such as 4GiB or a number of bytes"
    if "$ref" in schema:
        return describe_schema(defs[schema["$ref"].rsplit("/", 1)[-1]])
    if "const" in schema:
        return json.dumps(schema["const"])
    if "enum" in schema:
        return "one of: " + ", ".join(str(c) for c in schema["enum"])
    if "anyOf" in schema or "oneOf" in schema:
        alternatives: Any = schema.get("anyOf", schema.get("oneOf"))  # a list: one of them is there
        return _join_or(describe_schema(b) for b in alternatives)
    kinds = schema.get("type", [])
    kinds = [kinds] if isinstance(kinds, str) else kinds
    if kinds == ["array"]:
        return _describe_list(schema.get("items"))
    required = schema.get("required") or (schema.get("else") or {}).get("required")
    if kinds == ["object"] and required:
        return "a mapping with " + " and ".join(required)
    if len(kinds) > 1:  # "a string, a number, true/false or nothing"
        return _join_or(_TYPES.get(k, k).replace("true or false", "true/false") for k in kinds)
    return _join_or(_TYPES.get(k, k) for k in kinds) or "a value"


def _describe_list(items: Any) -> str:
    if isinstance(items, dict) and "$ref" in items:
        items = load_schema()["$defs"][items["$ref"].rsplit("/", 1)[-1]]
    kinds = items.get("type") if isinstance(items, dict) else None
    kinds = [kinds] if isinstance(kinds, str) else kinds or []
    if kinds and all(kind in _PLURALS for kind in kinds):
        return "a list of " + _join_or(_PLURALS[kind] for kind in kinds)
    return "a list"


def _join_or(parts: Iterable[str]) -> str:
    """"a", "a or b", "a, b or c"."""
    unique: List[str] = []
    for part in parts:
        if part not in unique:
            unique.append(part)
    if len(unique) <= 2:
        return " or ".join(unique)
    return ", ".join(unique[:-1]) + " or " + unique[-1]
