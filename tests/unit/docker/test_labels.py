"""The labels dfwctl writes on what it creates are a contract with every engine that already
has dfwctl's objects: their names never change, and the spec record reads back as written."""
from __future__ import annotations

from dfwctl.mask import is_sensitive, masker
from dfwctl.providers.docker import labels as L
from dfwctl.providers.docker.model import ContainerSpec


def test_the_label_names_are_fixed():
    assert (L.OWNER, L.SPEC, L.RECORD_VERSION, L.REPLACING) == (
        "io.dfwctl.playbook", "io.dfwctl.spec", "io.dfwctl.record-version",
        "io.dfwctl.replacing")


def test_owned_labels_keep_the_users_and_add_owner_record_and_version():
    spec = ContainerSpec("web", "busybox:latest", env=(("TOKEN", "s3cret"),),
                         labels=(("team", "a"),))
    found = L.owned_labels("demo", spec, masker({"s3cret"}, "demo"))
    assert found["team"] == "a" and found[L.OWNER] == "demo"
    assert found[L.RECORD_VERSION] == "1"
    assert "s3cret" not in found[L.SPEC]
    back = L.recorded_spec(ContainerSpec, "web", found)
    assert back is not None and back.image == "busybox:latest"
    assert is_sensitive(dict(back.env)["TOKEN"])


def test_an_unreadable_record_reads_as_none():
    assert L.recorded_spec(ContainerSpec, "web", {L.SPEC: "{not json"}) is None
    newer = L.recorded_spec(ContainerSpec, "web", {L.SPEC: '{"image": "x", "later": 1}'})
    assert newer == ContainerSpec("web", "x")  # keys a newer dfwctl may add are ignored
    assert L.recorded_spec(ContainerSpec, "web", None) is None
