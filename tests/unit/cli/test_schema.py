"""`dfwctl schema` prints the playbook JSON Schema: the file editors point at, a valid draft
2020-12 schema that accepts the playbooks dfwctl ships."""
from __future__ import annotations

import json

import jsonschema
import pytest
from ruamel.yaml import YAML

from tests.paths import PLAYBOOKS, SCHEMA
from tests.run import run_dfwctl


@pytest.fixture(scope="module")
def printed():
    result = run_dfwctl("schema")
    assert result.code == 0 and result.err == "", result
    return result.out


def test_it_prints_the_schema_file(printed):
    assert json.loads(printed) == json.loads(SCHEMA.read_text(encoding="utf-8"))
    assert printed.endswith("}\n")


def test_it_is_a_draft_2020_12_schema_that_accepts_the_shipped_playbooks(printed):
    schema = json.loads(printed)
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    # The schema checks a playbook after ${VAR} interpolation: those with variables are left
    # to `dfwctl validate`.
    shipped = [p for p in sorted(PLAYBOOKS.glob("*.yml"))
               if "${" not in p.read_text(encoding="utf-8")]
    assert shipped
    for path in shipped:
        tree = YAML(typ="safe").load(path.read_text(encoding="utf-8"))
        assert [e.message for e in validator.iter_errors(tree)] == [], path
    assert list(validator.iter_errors({"version": 1, "name": "x", "containerz": {}}))
