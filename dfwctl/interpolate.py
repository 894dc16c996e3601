"""Variables in playbook values: ${VAR}, ${VAR:-default} (default when unset or empty),
${VAR-default} (default when unset), ${VAR:?message} / ${VAR?message} (error when unset),
${VAR:+other} / ${VAR+other} (other when set and not empty / when set, else nothing), $VAR,
and $$ for a literal $. Keys are never interpolated.

The environment is a .env file beside the playbook, overridden by the process environment.
Values of the variables secrets come from (top-level `secrets:`, either spelling) are collected
so that everything dfwctl prints or saves can mask them, and so that the containers granted
those secrets get them as files."""
from __future__ import annotations

import re
from collections import ChainMap
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Dict, FrozenSet, Iterator, List, Mapping, Optional, Sequence, Set, Tuple, Union

from dfwctl import secretfiles
from dfwctl.errors import DfwctlError, Diagnostic
from dfwctl.load import Document
from dfwctl.values import dotenv

NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_REFERENCE = re.compile(r"(?s)(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?+])(?P<arg>.*))?")
FORMS = "write ${NAME}, ${NAME:-default}, or $$ for a literal $"


@dataclass(frozen=True)
class Interpolation:
    """What interpolating a document found: problems, the secret values it substituted, and
    the values of the variables secrets come from (those that are set)."""

    diagnostics: Tuple[Diagnostic, ...] = ()
    secrets: FrozenSet[str] = frozenset()
    # where a secret's value was put: the paths of the values that hold one
    secret_paths: FrozenSet[Tuple[Any, ...]] = frozenset()
    # the variables it read from (.env and the process): env files read them too
    environment: Mapping[str, str] = field(default_factory=dict, compare=False, repr=False)
    # the warning for each secret variable no playbook value uses (an env file may use it)
    unused: Mapping[str, Diagnostic] = field(default_factory=dict, compare=False, repr=False)
    variables: Mapping[str, str] = field(default_factory=dict)


@dataclass
class Expansion:
    """One string after substitution; `errors` are messages, `used` the names referenced and
    `values` each (name, value) substituted."""

    text: str = ""
    errors: List[str] = field(default_factory=list)
    used: List[str] = field(default_factory=list)
    values: List[Tuple[str, str]] = field(default_factory=list)
    blank: List[str] = field(default_factory=list)  # unset names taken as "" (unset_blank)
    unset_blank: bool = False


def read_env_entries(path: Union[str, Path]) -> List[dotenv.Entry]:
    """The statements of a .env file ([] when there is none), in compose's syntax
    (values/dotenv.py)."""
    path = Path(path)
    try:
        text = path.read_bytes().decode("utf-8-sig")  # never the locale's encoding
    except FileNotFoundError:
        return []
    except UnicodeDecodeError:
        raise DfwctlError(f"{path}: not UTF-8 text; save it as UTF-8") from None
    except OSError as exc:
        raise DfwctlError(f"{path}: cannot read: {exc.strerror}") from None
    try:
        return dotenv.parse(text)
    except dotenv.DotenvError as exc:
        raise DfwctlError(f"{path}:{exc.line}: {exc.message}") from None


def read_env_file(path: Union[str, Path]) -> Dict[str, str]:
    """NAME=VALUE lines of a .env file ({} when there is none); nothing inside is
    interpolated. A name alone on its line is left out: the process environment, which wins
    over the file, has it or nobody does."""
    return {e.name: e.value for e in read_env_entries(path) if e.value is not None}


@dataclass(frozen=True)
class EnvFileValues:
    """The variables of one env file, and each variable of the environment a value used
    (name -> value), so that a secret one used only there is still hidden."""

    values: Dict[str, str]
    substituted: Dict[str, str]


def env_file_values(entries: Sequence[dotenv.Entry], environ: Mapping[str, str],
                    earlier: Mapping[str, str] = MappingProxyType({}),
                    unset_blank: bool = False) -> EnvFileValues:
    """An env file's statements as compose takes them. A name alone takes its value from the
    lines above, `earlier` (the files read before this one) or `environ`, in that order, and
    is left out when none has it; an unquoted or double-quoted value has ${VAR} substituted
    from the same; a single-quoted one is taken as written. A variable set nowhere, without a
    default, is an error, or with `unset_blank` an empty string (compose reading a project's
    .env). Raises dotenv.DotenvError at the line of a value that cannot be substituted."""
    values: Dict[str, str] = {}
    substituted: Dict[str, str] = {}
    lookup = ChainMap(values, dict(earlier), dict(environ))
    for statement in entries:
        if statement.value is None:
            inherited = lookup.get(statement.name)
            if inherited is not None:
                if statement.name not in values and statement.name not in earlier:
                    substituted[statement.name] = inherited
                values[statement.name] = inherited
            continue
        if not statement.substitute:
            values[statement.name] = statement.value
            continue
        expansion = expand(statement.value, lookup, unset_blank=unset_blank)
        if expansion.errors:
            raise dotenv.DotenvError(statement.line, expansion.errors[0])
        substituted.update((n, v) for n, v in expansion.values
                           if n not in values and n not in earlier)
        values[statement.name] = expansion.text
    return EnvFileValues(values, substituted)


def load_environment(doc: Document, environ: Mapping[str, str]) -> Dict[str, str]:
    """The .env file beside the playbook, overridden by `environ` (the process environment)."""
    return {**read_env_file(doc.directory / ".env"), **environ}


def expand(text: str, environ: Mapping[str, str], unset_blank: bool = False) -> Expansion:
    """Substitute every variable of one string. An unset variable without default keeps its
    reference text and adds an error message; with `unset_blank` (docker compose's way) it is
    an empty string, and its name is listed in `blank`."""
    result = Expansion(unset_blank=unset_blank)
    out: List[str] = []
    i = 0
    while True:  # _dollar never goes past the end of the text
        dollar = text.find("$", i)
        if dollar < 0:
            out.append(text[i:])
            break
        out.append(text[i:dollar])
        i = _dollar(text, dollar, environ, out, result)
    result.text = "".join(out)
    return result


def _dollar(text: str, at: int, environ: Mapping[str, str], out: List[str], result: Expansion) -> int:
    """Handle the `$` at `at`; append its replacement to `out`; return where to go on."""
    follower = text[at + 1: at + 2]
    if follower == "$":
        out.append("$")
        return at + 2
    if follower == "{":
        end = _closing_brace(text, at + 2)
        if end is None:
            result.errors.append(f"unclosed '${{' in {text!r}: {FORMS}")
            out.append(text[at:])
            return len(text)
        out.append(_braced(text[at + 2: end], environ, result))
        return end + 1
    match = NAME.match(text, at + 1)
    if match is None:
        out.append("$")  # a lone $ (e.g. "cost: 5$") stays as written
        return at + 1
    out.append(_lookup(match.group(), None, None, environ, result, "$" + match.group()))
    return match.end()


def _closing_brace(text: str, start: int) -> Optional[int]:
    depth = 1
    for index in range(start, len(text)):
        if text[index] == "{":
            depth += 1
        elif text[index] == "}":
            depth -= 1
            if depth == 0:
                return index
    return None


def _braced(inner: str, environ: Mapping[str, str], result: Expansion) -> str:
    match = _REFERENCE.fullmatch(inner)
    if match is None:
        result.errors.append(f"invalid variable reference '${{{inner}}}': {FORMS}")
        return "${" + inner + "}"
    name, op, arg = match.group("name", "op", "arg")
    return _lookup(name, op, arg, environ, result, "${" + inner + "}")


def _lookup(name: str, op: Optional[str], arg: Optional[str], environ: Mapping[str, str],
            result: Expansion, written: str) -> str:
    result.used.append(name)
    value = environ.get(name)
    missing = value is None or (value == "" and op is not None and op.startswith(":"))
    if value is not None and not missing and op not in ("+", ":+"):
        result.values.append((name, value))  # `missing` covers None; mypy needs it said
        return value
    if op in ("+", ":+"):
        assert arg is not None, "_REFERENCE matches an arg with every op"
        return _nested(arg, environ, result) if not missing else ""
    if op in ("-", ":-"):
        assert arg is not None, "_REFERENCE matches an arg with every op"
        default = _nested(arg, environ, result)
        result.values.append((name, default))
        return default
    if op is None and result.unset_blank:
        result.blank.append(name)
        return ""
    if op in ("?", ":?") and arg:
        result.errors.append(f"variable ${{{name}}} is not set: {arg}")
    elif op is None:
        result.errors.append(
            f"variable ${{{name}}} is not set: export it, add it to .env beside the playbook, "
            f"or give a default with ${{{name}:-value}}"
        )
    else:
        result.errors.append(f"variable ${{{name}}} is not set: export it or add it to .env "
                             "beside the playbook")
    return written


def _nested(arg: str, environ: Mapping[str, str], result: Expansion) -> str:
    """A default or alternative value: variables in it are substituted too."""
    inner = expand(arg, environ, result.unset_blank)
    result.errors.extend(inner.errors)
    result.used.extend(inner.used)
    result.values.extend(inner.values)
    result.blank.extend(inner.blank)
    return inner.text


def interpolate(doc: Document, environ: Mapping[str, str]) -> Interpolation:
    """Substitute variables in every string value of `doc.data`, in place (positions are
    kept). Returns the problems found, the values substituted for secret variables, and the
    values of the variables secrets come from."""
    diagnostics: List[Diagnostic] = []
    used: Set[str] = set()
    substituted: List[Tuple[Tuple[Any, ...], str, str]] = []
    for path, parent, key, value in _string_values(doc.data, ()):
        expansion = expand(value, environ)
        diagnostics.extend(doc.diagnostic(path, message) for message in expansion.errors)
        used.update(expansion.used)
        substituted.extend((path, n, v) for n, v in expansion.values)
        if expansion.text != value:
            parent[key] = _same_kind(value, expansion.text)
    sources = _secret_variables(doc.data)  # after substitution: `environment: ${X}` is X
    held = [(path, v) for path, n, v in substituted if n in sources and v]
    secrets = {v for _, v in held}
    secret_paths = frozenset(path for path, _ in held)
    values = {v: environ[v] for v in sources if environ.get(v) is not None}
    secrets.update(v for v in values.values() if v)
    unused: Dict[str, Diagnostic] = {}
    for variable, problem in _unset_or_unused(doc, environ, used):
        diagnostics.append(problem)
        if problem.severity == "warning":
            unused[variable] = problem
    return Interpolation(tuple(diagnostics), frozenset(secrets), secret_paths,
                         environment=environ, unused=unused, variables=values)


def _secret_variables(data: Any) -> Set[str]:
    """The variables secrets come from (names, as the schema wants them)."""
    return {v for _, v, _ in secretfiles.variables(data) if NAME.fullmatch(v)}


def _unset_or_unused(doc: Document, environ: Mapping[str, str], used: Set[str]
                     ) -> Iterator[Tuple[str, Diagnostic]]:
    """(variable, problem): a secret a container is granted whose variable is not set (an
    error: the container would get nothing), and a listed secret no playbook value uses (a
    warning; an env file may use it)."""
    granted = secretfiles.granted(doc.data)
    listed = secretfiles.is_list_form(doc.data)
    seen: Set[str] = set()
    for name, variable, where in secretfiles.variables(doc.data):
        if not NAME.fullmatch(variable) or name in seen:
            continue  # the schema reports a bad name; a name listed twice is said once
        seen.add(name)
        if name in granted and environ.get(variable) is None:
            yield variable, doc.diagnostic(where, (
                f"secret {name} comes from the variable {variable}, which is not set, and a "
                f"container is granted it: export {variable}, or add it to .env beside the "
                "playbook"))
        elif listed and variable not in used and name not in granted:
            yield variable, doc.diagnostic(where, (
                f"secret {name} is not used: no value references ${{{name}}}; "
                "remove it from secrets"), severity="warning")


def _string_values(node: Any, path: Tuple[Any, ...], seen: Optional[Set[int]] = None
                   ) -> Iterator[Tuple[Tuple[Any, ...], Any, Any, str]]:
    """(path, parent, key, value) of every string value under `node`, in document order. A
    mapping or list that several places share (a YAML alias) is visited once: substituting
    twice would expand the `${X}` that a `$${X}` became."""
    seen = set() if seen is None else seen
    if isinstance(node, dict):
        items = list(node.items())
    elif isinstance(node, list):
        items = list(enumerate(node))
    else:
        return
    if id(node) in seen:
        return
    seen.add(id(node))
    for key, value in items:
        if isinstance(value, str):
            yield path + (key,), node, key, value
        else:
            yield from _string_values(value, path + (key,), seen)


def _same_kind(original: str, text: str) -> str:
    """`text` as the same string type as `original` (ruamel keeps quoting styles in types,
    str subclasses that take the text alone)."""
    return type(original)(text)
