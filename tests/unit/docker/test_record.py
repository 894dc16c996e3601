"""The spec record: what dfwctl writes into a label on a container, network or volume, and
reads back on the next plan. A record that does not read back as written makes every apply
replace what it made."""
from __future__ import annotations

from pathlib import Path

import pytest

from dfwctl.mask import SENSITIVE_PREFIX, masker
from dfwctl.providers.docker.model import ContainerSpec, NetworkSpec, docker_desired
from dfwctl.providers.docker.record import dumps, from_record, is_pairs, loads, to_record


def _spec(**raw) -> ContainerSpec:
    return docker_desired({"containers": {"web": {"image": "busybox", **raw}}}, Path("/b")
                          ).containers["web"]


def _round_trip(spec):
    return from_record(type(spec), spec.name, loads(dumps(to_record(spec))))


def test_a_command_list_reads_back_as_the_same_list():
    spec = _spec(command=["ls", "-l"], entrypoint=["/bin/sh", "-c"])
    record = to_record(spec)
    assert record["command"] == ["ls", "-l"] and record["entrypoint"] == ["/bin/sh", "-c"]
    assert _round_trip(spec) == spec


def test_every_kind_of_field_reads_back_as_written():
    spec = _spec(command=["ab", "cd"], env={"TZ": "UTC", "A": ""}, ports=["8080:80"],
                 mounts=["data:/data"], labels={"team": "core"}, memory="1GiB", cpus=1.5,
                 privileged=True, networks={"front": {"aliases": ["w", "web"]}, "back": None},
                 restart="always")
    assert _round_trip(spec) == spec
    record = to_record(spec)
    assert record["env"] == {"A": "", "TZ": "UTC"}  # pairs as a mapping
    assert record["network_aliases"] == {"front": ["w", "web"]}  # a mapping of lists
    assert record["networks"] == ["back", "front"]
    assert (record["memory"], record["cpus"], record["privileged"]) == (1 << 30, 1.5, True)


def test_a_record_holds_only_what_differs_from_the_defaults():
    assert to_record(_spec()) == {"image": "busybox:latest"}
    assert to_record(NetworkSpec("n")) == {}
    assert to_record(NetworkSpec("n", internal=True, subnet="10.1.0.0/24")) == {
        "internal": True, "subnet": "10.1.0.0/24"}
    assert "name" not in to_record(_spec(restart="always"))
    assert "pull" not in to_record(_spec(pull="always"))  # not compared: not recorded


def test_the_record_text_is_canonical_and_keeps_non_ascii():
    assert dumps({"b": 1, "a": ["é", 2]}) == '{"a":["é",2],"b":1}'


@pytest.mark.parametrize("text", [None, "", "{not json", "[1, 2]", '"text"'])
def test_a_missing_or_unreadable_record_reads_as_none(text):
    assert loads(text) is None


def test_keys_a_newer_dfwctl_adds_are_ignored():
    spec = from_record(ContainerSpec, "web", {"image": "busybox:latest", "later": 1,
                                              "name": "other"})
    assert spec == ContainerSpec(name="web", image="busybox:latest")


def test_secrets_are_hashed_in_the_record_and_nothing_else_is():
    mask = masker(["s3cret"], "salt")
    record = to_record(_spec(env={"PASSWORD": "s3cret", "USER": "me"}, command=["x"]), mask)
    assert record["env"]["USER"] == "me" and record["command"] == ["x"]
    assert record["env"]["PASSWORD"].startswith(SENSITIVE_PREFIX)
    assert "s3cret" not in dumps(record)


@pytest.mark.parametrize("value, pairs", [
    ((("a", "1"), ("b", "2")), True),
    ((), True),
    (("ls", "-l"), False),  # two strings of two characters each are not two pairs
    ((("a", "1"), "b"), False),
    ((("a", "1", "x"),), False),
    ([("a", "1")], False),
])
def test_which_values_are_mappings_kept_as_pairs(value, pairs):
    assert is_pairs(value) is pairs
