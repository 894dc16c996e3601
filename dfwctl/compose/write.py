"""The playbook as YAML text: keys in the order compose wrote them, short lists of plain
values in flow style, a comment on each translated value and a header naming the compose
files. A `$` of a value is written `$$` (playbooks interpolate ${VAR} too); a reference the
importer made (`${NAME}` for a variable compose takes from the environment) stays one."""
from __future__ import annotations

import io
from typing import Any, Dict, List, Sequence, Tuple

from dfwctl.compose.context import Raw

FLOW_WIDTH = 72


def to_yaml(playbook: Dict[str, Any], notes: Sequence[Tuple[Any, Any, str]],
            header: Sequence[str]) -> str:
    from ruamel.yaml import YAML

    converted: Dict[int, Any] = {}
    tree = _convert(playbook, converted)
    for holder, key, text in notes:
        target = converted.get(id(holder))
        if target is not None and (key in target if isinstance(target, dict)
                                   else isinstance(key, int) and key < len(target)):
            if isinstance(target, list):
                target.fa.set_block_style()  # type: ignore[attr-defined]
            target.yaml_add_eol_comment(_comment(text), key)
    yaml = YAML(typ="rt")
    yaml.width = 4096
    yaml.indent(mapping=2, sequence=4, offset=2)
    out = io.StringIO()
    yaml.dump(tree, out)
    body = out.getvalue()
    lines = [f"# {line}" if line else "#" for line in header]
    return "\n".join(lines) + "\n" + _spaced(body)


def _comment(text: str) -> str:
    return "# " + " ".join(text.split())


def _spaced(body: str) -> str:
    """A blank line before each section (secrets, networks, volumes, containers) and each container."""
    lines: List[str] = []
    section = ""
    for line in body.splitlines():
        top = bool(line) and not line[0].isspace()
        if top:
            section = line.split(":")[0]
            if section in ("secrets", "networks", "volumes", "containers"):
                lines.append("")
        elif section == "containers" and line.startswith("  ") and not line[2].isspace() \
                and not lines[-1].startswith("containers:"):
            lines.append("")
        lines.append(line)
    return "\n".join(lines) + "\n"


def _convert(value: Any, converted: Dict[int, Any]) -> Any:
    from ruamel.yaml.comments import CommentedMap, CommentedSeq
    from ruamel.yaml.scalarstring import DoubleQuotedScalarString

    if isinstance(value, dict):
        mapping = CommentedMap()
        for key, item in value.items():
            mapping[key] = _convert(item, converted)
        converted[id(value)] = mapping
        return mapping
    if isinstance(value, list):
        seq = CommentedSeq(_convert(item, converted) for item in value)
        if value and all(isinstance(v, (str, int, float, bool)) for v in value) \
                and sum(len(str(v)) + 2 for v in value) < FLOW_WIDTH \
                and not any(isinstance(v, str) and ("\n" in v or v != v.strip()) for v in value):
            seq.fa.set_flow_style()
        converted[id(value)] = seq
        return seq
    if isinstance(value, Raw):
        return str(value)
    if isinstance(value, str):
        escaped = value.replace("$", "$$")
        return DoubleQuotedScalarString(escaped) if "\n" in escaped else escaped
    return value


def header(files: Sequence[str], profiles: Sequence[str], dropped: Sequence[str],
           warnings: int) -> List[str]:
    lines = ["Written by `dfwctl import compose` from " + ", ".join(str(f) for f in files) + "."]
    if profiles:
        lines.append("Profiles selected: " + ", ".join(profiles) + ".")
    if dropped:
        lines.append("Services of profiles not selected (left out): " + ", ".join(dropped) + ".")
    if warnings:
        lines.append(f"{warnings} warning{'s' if warnings != 1 else ''} (left out or copied): "
                     "the import listed each (file:line: key).")
    lines.append("Check it with: dfwctl validate, then dfwctl plan.")
    return lines
