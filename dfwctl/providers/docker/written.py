"""A playbook tree as YAML text, in block style with the playbook's key order."""
from __future__ import annotations

import io
from typing import Any, Mapping


def dump(tree: Mapping[str, Any]) -> str:
    from ruamel.yaml import YAML

    yaml = YAML(typ="rt")
    yaml.default_flow_style = False
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.width = 4096  # one value per line, however long
    out = io.StringIO()
    yaml.dump(dict(tree), out)
    return out.getvalue()
