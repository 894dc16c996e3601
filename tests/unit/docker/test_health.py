"""healthcheck as values (compose's forms -> canonical pairs -> the engine's HealthConfig), its
record round trip, and what a container's State says about a condition."""
from __future__ import annotations

import pytest

from dfwctl.providers.docker import record
from dfwctl.providers.docker.health import (
    COMPLETED,
    HEALTHY,
    READY,
    STARTED,
    engine_healthcheck,
    health_log,
    healthcheck_of,
    is_disabled,
    verdict,
)
from dfwctl.providers.docker.model import ContainerSpec, Dependency, dependencies
from tests.builders import playbook


def test_a_string_test_runs_in_the_shell():
    assert healthcheck_of({"test": "pg_isready -U app"}) == (
        ("test", ("CMD-SHELL", "pg_isready -U app")),)


def test_durations_are_canonical_so_equal_ones_compare_equal():
    assert healthcheck_of({"test": ["CMD", "true"], "interval": "90s"}) == \
        healthcheck_of({"test": ["CMD", "true"], "interval": "1m30s"})


def test_disable_is_test_none():
    assert healthcheck_of({"disable": True}) == healthcheck_of({"test": ["NONE"]})
    assert is_disabled(healthcheck_of({"disable": True}))
    assert not is_disabled(healthcheck_of({"test": "true"}))


def test_no_healthcheck_keeps_the_image_one():
    assert healthcheck_of(None) == ()
    assert engine_healthcheck(()) is None


def test_engine_form_in_nanoseconds():
    health = healthcheck_of({"test": ["CMD", "pg_isready"], "interval": "2s", "timeout": "500ms",
                             "start_period": "1m", "retries": 5})
    assert engine_healthcheck(health) == {
        "Test": ["CMD", "pg_isready"], "Interval": 2_000_000_000, "Timeout": 500_000_000,
        "StartPeriod": 60_000_000_000, "Retries": 5}


def test_only_the_keys_given_are_sent():
    """The engine keeps the image's value for every key left out."""
    assert engine_healthcheck(healthcheck_of({"interval": "5s"})) == {"Interval": 5_000_000_000}


def test_the_record_round_trip_keeps_the_test_list():
    spec = ContainerSpec(name="db", image="postgres:16",
                         healthcheck=healthcheck_of({"test": ["CMD", "pg_isready", "-U", "app"],
                                                     "retries": 3, "interval": "2s"}))
    text = record.dumps(record.to_record(spec))
    back = record.from_record(ContainerSpec, "db", record.loads(text))
    assert back == spec
    assert back.healthcheck == spec.healthcheck


def test_depends_on_both_forms():
    assert dependencies(["db", "cache"]) == (Dependency("db"), Dependency("cache"))
    assert dependencies({"db": {"condition": "service_healthy", "restart": True},
                         "cache": {"required": False}, "migrate": None}) == (
        Dependency("db", HEALTHY, True, True), Dependency("cache", STARTED, False, False),
        Dependency("migrate"))


def test_wait_timeout_is_seconds_and_not_compared():
    desired = playbook({"name": "p", "containers": {
        "db": {"image": "postgres:16", "wait_timeout": "1m30s"},
        "plain": {"image": "postgres:16"}}})
    db = desired.docker.containers["db"]
    assert db.wait_timeout == 90.0
    assert "wait_timeout" not in record.to_record(db)


# conditions -----------------------------------------------------------------------------------
RUNNING = {"Status": "running", "ExitCode": 0}


def health(status, *log):
    return {**RUNNING, "Health": {"Status": status, "Log": list(log)}}


@pytest.mark.parametrize("condition, state, done", [
    (STARTED, RUNNING, True),
    (READY, RUNNING, True),
    (READY, health("healthy"), True),
    (HEALTHY, health("healthy"), True),
    (COMPLETED, {"Status": "exited", "ExitCode": 0}, True),
])
def test_the_condition_holds(condition, state, done):
    assert verdict(condition, state).done is done


@pytest.mark.parametrize("condition, state, why", [
    (HEALTHY, health("unhealthy"), "it is unhealthy"),
    (READY, health("unhealthy"), "it is unhealthy"),
    (HEALTHY, RUNNING, "it has no healthcheck"),
    (HEALTHY, {"Status": "exited", "ExitCode": 3}, "it exited with code 3"),
    (STARTED, {"Status": "dead", "ExitCode": 137}, "it is dead"),
    (COMPLETED, {"Status": "exited", "ExitCode": 1}, "it exited with code 1"),
])
def test_the_condition_never_holds(condition, state, why):
    found = verdict(condition, state)
    assert not found.done
    assert found.failed.startswith(why)


@pytest.mark.parametrize("condition, state, status", [
    (HEALTHY, health("starting"), "health: starting"),
    (READY, health("starting"), "health: starting"),
    (HEALTHY, {"Status": "restarting"}, "restarting"),
    (STARTED, {"Status": "created"}, "created"),
    (COMPLETED, RUNNING, "running"),
])
def test_the_condition_may_hold_later(condition, state, status):
    found = verdict(condition, state)
    assert (found.done, found.failed, found.status) == (False, "", status)


def test_health_log_shows_the_last_checks():
    state = health("unhealthy",
                   {"ExitCode": 1, "Output": "old"},
                   {"ExitCode": 1, "Output": "no response\nfrom db:5432\n"},
                   {"ExitCode": 2, "Output": ""},
                   {"ExitCode": 1, "Output": "still no response"})
    assert health_log(state) == [
        "check exited with 1:", "  no response", "  from db:5432",
        "check exited with 2 (no output)",
        "check exited with 1:", "  still no response"]
