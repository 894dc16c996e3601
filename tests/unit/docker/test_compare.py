"""Comparing Docker specs: the field diffs a plan shows (mappings key by key, under the names
the playbook uses), which of them force a new container, drift in a container's run state,
and image ids as docker shows them."""
from __future__ import annotations

import pytest

from dfwctl.mask import masker, unmasked
from dfwctl.plan import Action, FieldDiff
from dfwctl.providers.docker.compare import (
    creation_diffs,
    field_diffs,
    removing_limit,
    short_digest,
    state_change,
)
from dfwctl.providers.docker.model import (
    UPDATABLE_FIELDS,
    ContainerSpec,
    ContainerState,
    NetworkSpec,
)

NEVER_STARTED_TEXT = ("the container was created but never started (an apply or the engine "
                      "stopped while it started): it is created again")
BASE = ContainerSpec("web", "busybox:latest", env=(("A", "1"), ("B", "2")), restart="no",
                     memory=1 << 30)


def test_mappings_are_compared_key_by_key_and_fields_under_their_playbook_names():
    after = ContainerSpec("web", "busybox:1.36", env=(("B", "3"), ("C", "4")), restart="always",
                          memory=1 << 30, log_driver="local",
                          network_aliases=(("front", ("w",)),))
    assert field_diffs(BASE, after, unmasked, UPDATABLE_FIELDS) == (
        FieldDiff("image", "busybox:latest", "busybox:1.36", True),
        FieldDiff("env.A", "1", None, True),
        FieldDiff("env.B", "2", "3", True),
        FieldDiff("env.C", None, "4", True),
        FieldDiff("networks.front.aliases", None, ("w",), True),
        FieldDiff("restart", "no", "always", False),
        FieldDiff("logging.driver", None, "local", True),
    )


def test_without_updatable_fields_every_diff_forces_a_new_object():
    diffs = field_diffs(BASE, ContainerSpec("web", "busybox:latest", env=BASE.env,
                                            restart="always", memory=1 << 30), unmasked)
    assert diffs == (FieldDiff("restart", "no", "always", True),)


def test_the_same_spec_and_a_hashed_secret_are_no_diff():
    assert field_diffs(BASE, BASE, unmasked) == ()
    mask = masker(["s3cret"], "salt")
    wanted = ContainerSpec("web", "busybox:latest", env=(("PASSWORD", "s3cret"),))
    recorded = ContainerSpec("web", "busybox:latest", env=(("PASSWORD", mask("s3cret")),))
    assert field_diffs(recorded, wanted, mask) == ()
    changed = ContainerSpec("web", "busybox:latest", env=(("PASSWORD", "other"),))
    assert [d.name for d in field_diffs(recorded, changed, mask)] == ["env.PASSWORD"]


def test_a_new_object_shows_each_field_it_sets():
    assert creation_diffs(NetworkSpec("front", internal=True, labels=(("a", "1"),)),
                          unmasked) == (FieldDiff("internal", False, True, True),
                                        FieldDiff("labels.a", None, "1", True))
    assert creation_diffs(ContainerSpec("web", "busybox:latest"), unmasked) == (
        FieldDiff("image", None, "busybox:latest", True),)


def _state(status: str, exit_code=None) -> ContainerState:
    return ContainerState("id", "web", status, "sha256:x", exit_code)


@pytest.mark.parametrize("status, change", [
    ("running", None),
    ("restarting", None),
    ("dead", (Action.REPLACE, "the container is dead")),
    ("paused", (Action.UPDATE, "the container is paused (changed outside dfwctl)")),
    ("created", (Action.REPLACE, NEVER_STARTED_TEXT)),
    ("exited", (Action.UPDATE, "the container is exited (stopped outside dfwctl)")),
])
def test_drift_of_a_container_that_should_run(status, change):
    assert state_change(ContainerSpec("web", "b", state="running"), _state(status)) == change


@pytest.mark.parametrize("status, exit_code, change", [
    ("running", None, None),
    ("restarting", None, None),
    ("paused", None, None),
    ("created", None, (Action.REPLACE, NEVER_STARTED_TEXT)),
    ("exited", 0, None),
    ("exited", None, None),
    ("exited", 3, (Action.REPLACE, "its last run failed (exit code 3); run it again")),
    ("dead", None, (Action.REPLACE, "its last run failed (exit code None); run it again")),
    # the exit code of an earlier run, kept while it runs again (restart: on-failure)
    ("running", 1, None),
    ("restarting", 1, None),
    ("paused", 137, None),
])
def test_drift_of_a_container_that_runs_once(status, exit_code, change):
    assert state_change(ContainerSpec("web", "b", state="exited"),
                        _state(status, exit_code)) == change


@pytest.mark.parametrize("diff, forces", [
    (FieldDiff("memory", 1 << 30, None, False), True),  # a limit taken away
    (FieldDiff("cpus", 1.5, None, False), True),
    (FieldDiff("memory", 1 << 30, 1 << 31, False), False),  # docker update changes it
    (FieldDiff("restart", "always", None, False), False),
])
def test_docker_update_cannot_take_a_limit_away(diff, forces):
    assert removing_limit(diff) == FieldDiff(diff.name, diff.before, diff.after, forces)


@pytest.mark.parametrize("digest, shown", [
    ("sha256:0123456789abcdef0123", "sha256:0123456789ab"),
    ("0123456789abcdef0123", "0123456789ab"),
    ("sha256:", "sha256:"),
    ("", ""),
    (None, None),
])
def test_image_ids_as_docker_shows_them(digest, shown):
    assert short_digest(digest) == shown
