"""Validation: example playbooks (valid ones pass, invalid ones give exactly the expected
lines), the schema file itself, and the rewording of schema errors."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from dfwctl.errors import Diagnostic, PlaybookError
from dfwctl.interpolate import interpolate
from dfwctl.load import parse
from dfwctl.schema_messages import (
    _PATTERNS,
    describe_schema,
    load_schema,
    quote,
    schema_validator,
    version_message,
)
from dfwctl.suggest import closest, did_you_mean
from dfwctl.validate import check, merge, validate
from tests import paths

EXAMPLES = paths.EXAMPLES
VALID = sorted((EXAMPLES / "valid").glob("*.yml"))
INVALID = sorted((EXAMPLES / "invalid").glob("*.yml"))
REPO_SCHEMA = paths.SCHEMA


def _document(path: Path):
    name = path.relative_to(EXAMPLES).as_posix()
    return parse(path.read_text(encoding="utf-8"), path, display_name=name)


def _diagnostics(path: Path):
    """What `dfwctl validate` reports for an example, with an empty environment."""
    doc = _document(path)
    interpolation = interpolate(doc, {})
    return merge(interpolation.diagnostics, validate(doc))


def _doc(text: str):
    return parse(text, Path("p.yml"), display_name="p.yml")


def _messages(text: str):
    return [str(d) for d in validate(_doc(text))]


def test_there_are_enough_examples():
    assert len(VALID) >= 3
    assert len(INVALID) >= 15


@pytest.mark.parametrize("path", VALID, ids=lambda p: p.name)
def test_valid_example(path):
    assert [str(d) for d in _diagnostics(path)] == []


@pytest.mark.parametrize("path", INVALID, ids=lambda p: p.name)
def test_invalid_example(path):
    expected = path.with_suffix(".expected").read_text(encoding="utf-8").splitlines()
    lines = [str(d) for d in _diagnostics(path)]
    assert lines == expected
    assert any(d.is_error for d in _diagnostics(path))


# the schema file ------------------------------------------------------------------------
def test_schema_is_a_valid_draft_2020_12_schema():
    from jsonschema import Draft202012Validator

    schema = json.loads(REPO_SCHEMA.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    assert schema["$id"] and schema["$schema"].endswith("2020-12/schema")
    assert load_schema() == schema


def _walk(node, path=()):
    if isinstance(node, dict):
        yield path, node
        for key, value in node.items():
            yield from _walk(value, path + (key,))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _walk(value, path + (index,))


def test_every_object_schema_is_closed():
    for path, node in _walk(load_schema()):
        if node.get("type") == "object" and "properties" in node:
            assert node.get("additionalProperties") is False, path


def test_every_property_has_help_for_editors():
    schema = load_schema()
    for path, node in _walk(schema):
        if "properties" in node and path[-1:] != ("then",) and "if" not in path:
            for name, prop in node["properties"].items():
                target = prop
                if set(prop) == {"$ref"}:
                    target = schema["$defs"][prop["$ref"].rsplit("/", 1)[-1]]
                assert "description" in target or "title" in target, path + (name,)


def test_every_pattern_has_a_plain_message():
    named = {"^[a-z0-9][a-z0-9_.-]*$", "^[a-zA-Z0-9][a-zA-Z0-9_.-]*$", "^[a-zA-Z0-9][a-zA-Z0-9_.-]+$",
             load_schema()["$defs"]["size"]["anyOf"][1]["pattern"]}
    for path, node in _walk(load_schema()):
        if isinstance(node.get("pattern"), str):
            assert node["pattern"] in _PATTERNS or node["pattern"] in named, path


def test_validator_is_compiled_once():
    assert schema_validator() is schema_validator()


# rewording --------------------------------------------------------------------------------
def test_unknown_key_points_at_the_key_and_suggests():
    lines = _messages("version: 1\nname: x\ncontainers:\n  web:\n    image: a\n    prots: []\n")
    assert lines == ["p.yml:6:5: containers.web.prots: unknown key 'prots'; did you mean 'ports'?"]


def test_unknown_key_without_a_near_one_lists_the_few_known_keys():
    lines = _messages("version: 1\nname: x\nvolumes:\n  vv: {zzz: 1}\n")
    assert lines == [
        "p.yml:4:8: volumes.vv.zzz: unknown key 'zzz'; expected one of: driver, options, labels, "
        "external"
    ]


def test_misspelt_required_key_is_one_message():
    lines = _messages("version: 1\nnmae: x\n")
    assert lines == ["p.yml:2:1: nmae: unknown key 'nmae'; did you mean 'name'?"]


def test_missing_version_and_name():
    assert _messages("containers: {}\n") == [
        "p.yml:1:1: missing required key 'name'",
        "p.yml:1:1: missing required key 'version'",
    ]


def test_a_list_at_the_top_is_one_message():
    assert _messages("- a\n- b\n") == [
        "p.yml:1:1: expected a mapping with version and name, got a list"
    ]


@pytest.mark.parametrize("value, message", [
    (2, "unsupported version 2: this dfwctl reads playbooks of version 1; upgrade dfwctl"),
    (0, "must be the integer 1 (got an integer (0))"),
    ("1", "must be the integer 1 (got the string '1'): remove the quotes"),
    (True, "must be the integer 1 (got true)"),
    (1.0, "must be the integer 1 (got 1.0)"),
])
def test_version_messages(value, message):
    assert version_message(value) == message


def test_version_1_0_is_not_an_integer():
    assert _messages("version: 1.0\nname: x\n") == [
        "p.yml:1:10: version: must be the integer 1 (got 1.0)"
    ]


def test_integers_written_as_floats_are_refused():
    lines = _messages("version: 1\nname: x\ncontainers:\n  aa: {image: a, stop_timeout: 2.0}\n")
    assert lines == [
        "p.yml:4:32: containers.aa.stop_timeout: expected an integer, got a number (2.0)"
    ]


def test_describe_schema():
    defs = load_schema()["$defs"]
    assert describe_schema(defs["string_or_list"]) == "a string or a list of strings"
    assert describe_schema(defs["names"]) == "a list of strings"
    assert describe_schema({"type": ["string", "integer"]}) == "a string or an integer"
    assert describe_schema(defs["size"]) == "a size such as 4GiB or a number of bytes"


def test_quote_keeps_windows_paths_readable():
    assert quote("C:\\Users") == "'C:\\Users'"
    assert quote("it's") == '"it\'s"'


def test_null_mapping_points_at_its_key_and_says_how_to_write_an_empty_one():
    assert _messages("version: 1\nname: x\nnetworks:\n  backend:\n") == [
        "p.yml:4:3: networks.backend: expected a mapping, got nothing (null): "
        "write {} for an empty mapping"
    ]


# rules --------------------------------------------------------------------------------------
def test_rules_skip_values_the_schema_refused():
    text = "version: 1\nname: x\ncontainers:\n  aa: {image: a, depends_on: [1], memory: [1]}\n"
    lines = _messages(text)
    assert len(lines) == 2
    assert all("expected" in line for line in lines)


def test_builtin_networks_need_no_definition():
    text = "version: 1\nname: x\ncontainers:\n  aa: {image: a, networks: [host, bridge, none]}\n"
    assert _messages(text) == []


def test_unknown_dependency_suggests_a_near_name():
    text = ("version: 1\nname: x\ncontainers:\n  db: {image: a}\n"
            "  web: {image: a, depends_on: [dbb]}\n")
    assert _messages(text) == [
        "p.yml:5:32: containers.web.depends_on[0]: container 'dbb' is not defined in this "
        "playbook; did you mean 'db'?"
    ]


def test_same_port_on_other_ip_or_protocol_is_fine():
    text = ("version: 1\nname: x\ncontainers:\n"
            "  aa: {image: a, ports: ['127.0.0.1:80:80', '80:80/udp']}\n"
            "  bb: {image: a, ports: ['127.0.0.2:80:80', '81']}\n")
    assert _messages(text) == []


def test_wsl2_engine_shares_every_drive():
    text = ("version: 1\nname: x\ndocker_desktop: {engine: wsl2, shared_drives: [C]}\n"
            "containers:\n  aa: {image: a, mounts: ['D:\\x:/x']}\n")
    assert _messages(text) == []


def test_shared_drives_are_not_checked_when_the_playbook_does_not_set_them():
    text = "version: 1\nname: x\ncontainers:\n  aa: {image: a, mounts: ['D:\\x:/x']}\n"
    assert _messages(text) == []


def test_with_only_one_sharing_list_named_the_settings_file_may_share_the_rest():
    for named in ("shared_drives: [C]", "file_sharing: ['C:\\x']"):
        text = ("version: 1\nname: x\ndocker_desktop: {engine: hyperv, %s}\n"
                "containers:\n  aa: {image: a, mounts: ['D:\\x:/x']}\n" % named)
        assert _messages(text) == []


def test_every_unshared_bind_is_checked_after_one_that_is_wrong():
    text = ("version: 1\nname: x\n"
            "docker_desktop: {engine: hyperv, shared_drives: [C], file_sharing: []}\n"
            "containers:\n  aa: {image: a, mounts: [7, ':/x', 'D:\\x:/x']}\n")
    assert [m for m in _messages(text) if "not shared" in m] == [
        "p.yml:5:37: containers.aa.mounts[2]: 'D:\\x' is not shared with Docker Desktop, so "
        "the engine would mount an empty folder: add its drive to "
        "docker_desktop.shared_drives or the folder to docker_desktop.file_sharing"]


def test_a_desktop_swap_size_is_read_and_kept_to_whole_mib():
    text = "version: 1\nname: x\ndocker_desktop: {swap: 1.5MiB}\n"
    assert _messages(text) == [
        "p.yml:3:24: docker_desktop.swap: '1.5MiB' is not a whole number of MiB, and Docker "
        "Desktop keeps its sizes in MiB: use 1MiB or 2MiB"]


@pytest.mark.parametrize("body, messages", [
    ("docker_desktop: {file_sharing: ['']}\n",
     ["p.yml:3:33: docker_desktop.file_sharing[0]: must not be empty"]),
    ("docker_desktop: {file_sharing: [7, data]}\n",
     ["p.yml:3:33: docker_desktop.file_sharing[0]: expected a string, got an integer (7): put "
      "it in quotes",
      "p.yml:3:36: docker_desktop.file_sharing[1]: 'data' is not an absolute path: write the "
      "whole folder path, like C:\\Users\\me\\projects"]),
    ("cpus: x\ndocker_desktop: {file_sharing: [data]}\n",
     ["p.yml:3:1: cpus: unknown key 'cpus'; expected one of: version, name, include, secrets, "
      "machines, hyperv, docker_desktop, engine, networks, volumes, containers, or x-NAME for "
      "YAML anchors",
      "p.yml:4:33: docker_desktop.file_sharing[0]: 'data' is not an absolute path: write the "
      "whole folder path, like C:\\Users\\me\\projects"]),
    ("docker_desktop: {memory: 1048577, disk: 1.5MiB}\n",
     ["p.yml:3:26: docker_desktop.memory: 1048577B is not a whole number of MiB, and Docker "
      "Desktop keeps its sizes in MiB: use 1MiB or 2MiB",
      "p.yml:3:41: docker_desktop.disk: '1.5MiB' is not a whole number of MiB, and Docker "
      "Desktop keeps its sizes in MiB: use 1MiB or 2MiB"]),
])
def test_file_sharing_entries_and_sizes_are_each_judged_once(body, messages):
    assert _messages("version: 1\nname: x\n" + body) == messages


def test_check_raises_with_every_error_and_returns_warnings():
    warning_only = ("version: 1\nname: x\nhyperv:\n  vms:\n    V:\n      memory: 8GiB\n"
                    "      nested_virtualization: true\n")
    warnings = check(_doc(warning_only))
    assert [d.severity for d in warnings] == ["warning"]
    with pytest.raises(PlaybookError,
                       match=r"p\.yml:2:7: name: 'X' is not a valid name: use lowercase") as caught:
        check(_doc("version: 1\nname: X\ncontainers:\n  aa: {}\n"))
    assert len(caught.value.diagnostics) == 2
    assert "2 errors in the playbook" in str(caught.value)


def test_check_adds_prior_diagnostics_and_skips_places_they_cover():
    doc = _doc("version: 1\nname: x\ncontainers:\n  aa: {image: a, memory: '${MEM}'}\n")
    interpolation = interpolate(doc, {})
    with pytest.raises(PlaybookError,
                       match=r"p\.yml:4:26: containers\.aa\.memory: variable \$\{MEM\} is not") as caught:
        check(doc, interpolation.diagnostics)
    assert [d.message for d in caught.value.diagnostics] == [
        "variable ${MEM} is not set: export it, add it to .env beside the playbook, or give a "
        "default with ${MEM:-value}"
    ]


def test_merge_keeps_warnings_at_a_taken_place_only_when_prior_is_a_warning():
    prior = [Diagnostic("f", 1, 1, "a", "w", "warning")]
    found = [Diagnostic("f", 1, 1, "a", "e")]
    assert merge(prior, found) == sorted(prior + found, key=lambda d: d.message)


def test_validate_never_raises_on_odd_trees():
    for text in ("", "version: 1\nname: x\ncontainers: []\n", "42\n",
                 "version: 1\nname: x\nhyperv: {vms: {V: null}}\n",
                 "version: 1\nname: x\ncontainers: {a: {image: a, ports: null, mounts: [null]}}\n"):
        assert all(isinstance(d, Diagnostic) for d in validate(_doc(text)))


def test_numbers_dfwctl_cannot_use_under_number_and_text_keys_are_all_reported():
    """A mapping may mix number and text keys; each bad number is reported at its place."""
    assert _messages("version: 1\nname: x\nx-a: {1: .nan, b: .inf}\n") == [
        "p.yml:3:10: x-a[1]: NaN is not a number dfwctl can use: write a finite number",
        "p.yml:3:19: x-a.b: infinity is not a number dfwctl can use: write a finite number"]


# suggest --------------------------------------------------------------------------------------
def test_closest():
    assert closest("imgae", ["image", "ports", "env"]) == "image"
    assert closest("Image", ["image"]) == "image"
    assert closest("zzz", ["image", "ports"]) is None
    assert closest("x", []) is None


def test_did_you_mean():
    assert did_you_mean("prots", ["ports"]) == "; did you mean 'ports'?"
    assert did_you_mean("qqq", ["ports"]) == ""


@pytest.mark.parametrize("key, suggested", [
    ("ulimit", "ulimits"), ("pid_limit", "pids_limit"), ("pids_limits", "pids_limit"),
    ("mem_limit", "memory"), ("memlimit", "memory"), ("enviroment", "env"),
    ("environment", "env"), ("volume", "mounts"), ("add_host", "extra_hosts"),
    ("cap-add", "cap_add"), ("security_opts", "security_opt"), ("stop_grace", "stop_grace_period"),
    ("log_opt", "logging"), ("readonly", "read_only"), ("sysctl", "sysctls"),
    ("env_files", "env_file"), ("envfile", "env_file"),
])
def test_unknown_container_key_suggests_the_right_key(key, suggested):
    (line,) = _messages(f"version: 1\nname: x\ncontainers:\n  web:\n    image: a\n    {key}: 1\n")
    assert line.endswith(f"unknown key '{key}'; did you mean '{suggested}'?"), line


@pytest.mark.parametrize("key", ["shm_limit", "cpu_limit", "swap_limit", "blkio_limit"])
def test_a_loose_likeness_to_another_tools_name_suggests_nothing(key):
    # mem_limit is compose's name for memory: only a near spelling of it suggests memory
    (line,) = _messages(f"version: 1\nname: x\ncontainers:\n  web:\n    image: a\n    {key}: 1\n")
    assert "memory" not in line, line


def test_subnets_with_host_bits_and_gateways_outside_them_are_refused_at_their_keys():
    """The engine refuses both when it creates the network; validate says so first."""
    assert _messages(
        "version: 1\nname: p\nnetworks:\n"
        "  front:\n    subnet: 172.28.0.1/16\n"
        "  back:\n    subnet: 10.5.0.0/24\n    gateway: 10.6.0.1\n"
        "  side:\n    subnet: nonsense\n    gateway: 10.6.0.1\n"
        "  ok:\n    subnet: 10.7.0.0/24\n    gateway: 10.7.0.254\n") == [
        "p.yml:5:13: networks.front.subnet: '172.28.0.1/16' has host bits set: "
        "write 172.28.0.0/16",
        "p.yml:8:14: networks.back.gateway: gateway '10.6.0.1' is not an address in the "
        "subnet 10.5.0.0/24: pick one inside it",
        "p.yml:10:13: networks.side.subnet: 'nonsense' is not a subnet: write it in CIDR "
        "form, such as 172.28.0.0/16",
    ]


def test_a_drive_relative_bind_source_is_refused_in_both_syntaxes():
    """C:data names a folder relative to drive C's current folder, which Docker cannot know;
    validate refuses it where it is written, so it never reaches Docker Desktop's check."""
    assert _messages(
        "version: 1\nname: p\ncontainers:\n  app:\n    image: busybox\n    mounts:\n"
        "      - C:data:/x\n"
        "      - type: bind\n        source: D:logs\n        target: /y\n") == [
        'p.yml:7:9: containers.app.mounts[0]: source "C:data" is not an absolute Windows '
        "path: write it like C:\\data",
        'p.yml:9:17: containers.app.mounts[1].source: source "D:logs" is not an absolute '
        "Windows path: write it like D:\\logs",
    ]
