"""The "because" of each Docker change: a plan without its reasons is a plan the user cannot
check, so each reason is asserted in full."""
from __future__ import annotations

import pytest

from dfwctl.errors import PlanError
from dfwctl.plan import PlanOptions
from tests.builders import converged, diff, empty, merged, playbook

NAME = "chicken-dev"
BOOK = {"name": NAME, "networks": {"front": {}}, "volumes": {"data": {}},
        "containers": {"web": {"image": "busybox:1.36", "env": {"A": "1"}, "restart": "no",
                               "mounts": ["data:/data"], "networks": ["front"]}}}


def _reasons(plan):
    return [(c.address, c.action.name, c.reasons) for c in plan.changes]


def test_everything_new():
    assert _reasons(diff(playbook(BOOK), empty())) == [
        ("docker.image.busybox:1.36", "CREATE", ("not in the engine: pull it",)),
        ("docker.network.front", "CREATE", ("not in the engine",)),
        ("docker.volume.data", "CREATE", ("not in the engine",)),
        ("docker.container.web", "CREATE", ("not in the engine",)),
    ]


def test_changed_settings_and_what_they_replace():
    changed = {"name": NAME, "networks": {"front": {"internal": True}},
               "volumes": {"data": {"driver": "other"}},
               "containers": {"web": {**BOOK["containers"]["web"], "env": {"A": "2"}}}}
    plan = diff(playbook(changed), converged(playbook(BOOK)))
    assert _reasons(plan) == [
        ("docker.network.front", "REPLACE", ("network settings cannot change in place",)),
        ("docker.container.web", "REPLACE", ("env changed (forces replacement)",
                                             "network front is replaced")),
    ]
    assert plan.warnings == (
        "volume data: driver changed, but replacing a volume deletes its data; dfwctl keeps it "
        "(run apply --prune-volumes to replace it)",)


def test_a_change_in_place_says_so():
    updated = {"name": NAME, "containers": {"web": {"image": "busybox:1.36",
                                                    "restart": "always", "memory": "64MiB"}}}
    before = {"name": NAME, "containers": {"web": {"image": "busybox:1.36"}}}
    assert _reasons(diff(playbook(updated), converged(playbook(before)))) == [
        ("docker.container.web", "UPDATE", ("restart, memory changed (updated in place)",))]


def test_a_volume_replaced_and_objects_pruned():
    plan = diff(playbook({"name": NAME, "volumes": {"data": {"driver": "other"}}}),
                converged(playbook(BOOK)), PlanOptions(prune=True, prune_volumes=True))
    assert _reasons(plan) == [
        ("docker.volume.data", "REPLACE", ("its settings changed; its data will be lost",)),
        ("docker.container.web", "DELETE", ("no longer in the playbook",)),
        ("docker.network.front", "DELETE", ("no longer in the playbook",)),
    ]


def test_destroy():
    plan = diff(playbook(BOOK), converged(playbook(BOOK)),
                PlanOptions(destroy=True, prune_volumes=True))
    assert _reasons(plan) == [
        ("docker.container.web", "DELETE", ("destroy",)),
        ("docker.network.front", "DELETE", ("destroy",)),
        ("docker.volume.data", "DELETE", ("destroy; its data will be lost",)),
    ]


def test_a_requested_replace_and_a_newer_image():
    book = playbook(BOOK)
    plan = diff(book, converged(book), PlanOptions(replace=("docker.container.web",
                                                            "docker.image.busybox:1.36")))
    assert _reasons(plan) == [
        ("docker.image.busybox:1.36", "UPDATE", ("its replacement was requested (--replace)",)),
        ("docker.container.web", "REPLACE", ("image busybox:1.36 is pulled again (--replace)",
                                             "its replacement was requested (--replace)")),
    ]
    always = playbook({"name": NAME, "containers": {"web": {"image": "busybox:1.36",
                                                            "pull": "always"}}})
    newer = merged(converged(always), remote_digests={"busybox:1.36": "sha256:" + "f" * 64})
    assert _reasons(diff(always, newer)) == [
        ("docker.image.busybox:1.36", "UPDATE", ("the registry has a newer image (pull: always)",)),
        ("docker.container.web", "REPLACE", ("image busybox:1.36 will be updated by the pull",)),
    ]


@pytest.mark.parametrize("options, actual, message", [
    (None, "empty", "image busybox:1.36 is not in the engine and its containers say pull: never; "
                    "build or load it first, or set pull: missing"),
    (PlanOptions(replace=("docker.image.busybox:1.36",)), "converged",
     "image busybox:1.36 cannot be pulled again (--replace): its containers say pull: never"),
])
def test_an_image_that_must_not_be_pulled(options, actual, message):
    never = playbook({"name": NAME, "containers": {"web": {"image": "busybox:1.36",
                                                           "pull": "never"}}})
    state = empty() if actual == "empty" else converged(never)
    with pytest.raises(PlanError, match="pull: never") as caught:
        diff(never, state, options)
    assert str(caught.value) == "the plan cannot be made:\n  - " + message
