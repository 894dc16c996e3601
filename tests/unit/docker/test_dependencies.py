"""What depends_on adds to a plan: waits where a condition asks for one, soft order for a
dependency that is not required, restarts for restart: true. Plans from the pure diff."""
from __future__ import annotations

from dfwctl.plan import Action
from dfwctl.providers.docker import steps as S
from tests.builders import converged, diff, empty, playbook, with_container, without

NAME = "deps"
DB = {"image": "postgres:16", "healthcheck": {"test": "pg_isready"}}


def book(app=None, db=None, **more):
    containers = {"db": {**DB, **(db or {})},
                  "app": {"image": "busybox:1.36", **(app or {})}}
    containers.update(more)
    return playbook({"name": NAME, "containers": containers})


def kinds(change):
    return [type(s).__name__ for s in change.steps]


def waits(change):
    return [(s.name, s.condition, s.required, s.timeout) for s in change.steps
            if isinstance(s, S.WaitFor)]


HEALTHY = {"depends_on": {"db": {"condition": "service_healthy"}}}


def test_a_new_dependency_waits_to_be_healthy_at_the_end_of_its_own_change():
    plan = diff(book(app=HEALTHY), empty())
    db, app = plan.find("docker.container.db"), plan.find("docker.container.app")
    assert kinds(db) == ["CreateContainer", "StartContainer", "WaitFor"]
    assert waits(db) == [("db", "healthy", True, None)]
    assert not db.fold_steps  # the plan shows the wait
    assert kinds(app) == ["CreateContainer", "StartContainer"]
    assert "docker.container.db" in app.depends_on


def test_a_running_dependency_is_checked_before_its_dependant_starts():
    desired = book(app=HEALTHY)
    actual = without(converged(desired), containers=["app"])
    (app,) = diff(desired, actual).changes
    assert kinds(app) == ["CreateContainer", "WaitFor", "StartContainer"]
    assert app.depends_on == ()


def test_a_replace_checks_before_it_stops_the_old_container():
    before, after = book(app=HEALTHY), book(app={**HEALTHY, "command": ["sleep", "1"]})
    (app,) = diff(after, converged(before)).changes
    assert app.action is Action.REPLACE
    assert kinds(app) == ["CreateContainer", "WaitFor", "StopContainer", "RemoveContainer",
                          "RenameContainer", "StartContainer"]


def test_nothing_to_start_nothing_to_wait_for():
    desired = book(app=HEALTHY)
    assert diff(desired, converged(desired)).changes == ()


def test_started_adds_no_wait():
    desired = book(app={"depends_on": ["db"]})
    actual = without(converged(desired), containers=["app"])
    (app,) = diff(desired, actual).changes
    assert kinds(app) == ["CreateContainer", "StartContainer"]
    assert app.fold_steps


def test_completed_successfully_on_a_finished_run():
    desired = book(app={"depends_on": {"migrate": {"condition": "completed_successfully"}}},
                   migrate={"image": "busybox:1.36", "state": "exited", "wait_timeout": "2m"})
    actual = without(converged(desired, status="exited", exit_code=0), containers=["app"])
    actual = with_container(actual, "db", status="running")
    (app,) = diff(desired, actual).changes
    assert waits(app) == [("migrate", "completed_successfully", True, 120.0)]


def test_a_dependency_that_is_not_required_orders_but_never_skips():
    desired = book(app={"depends_on": {"db": {"condition": "healthy", "required": False}}})
    plan = diff(desired, empty())
    app = plan.find("docker.container.app")
    assert "docker.container.db" not in app.depends_on
    assert app.after == ("docker.container.db",)
    assert [c.address for c in plan.changes].index("docker.container.db") < \
        [c.address for c in plan.changes].index("docker.container.app")


def test_a_wait_on_a_dependency_that_is_not_required_warns_only():
    desired = book(app={"depends_on": {"db": {"condition": "healthy", "required": False}}})
    (app,) = diff(desired, without(converged(desired), containers=["app"])).changes
    assert waits(app) == [("db", "healthy", False, None)]
    assert "required: false" in app.steps[1].text


def restarting(**db):
    return book(app={"depends_on": {"db": {"restart": True}}}, db=db,
                web={"image": "busybox:1.36", "depends_on": {"app": {"restart": True}}})


def test_restart_true_restarts_the_dependant_after_its_dependency_is_replaced():
    plan = diff(restarting(env={"V": "2"}), converged(restarting()))
    db, app, web = (plan.find(f"docker.container.{n}") for n in ("db", "app", "web"))
    assert db.action is Action.REPLACE
    assert app.action is Action.UPDATE and kinds(app) == ["RestartContainer"]
    assert app.depends_on == ("docker.container.db",)
    assert app.reasons == ("db is replaced or restarted, and it depends on it with restart: true",)
    assert kinds(web) == ["RestartContainer"]  # app's restart restarts web in turn
    assert web.depends_on == ("docker.container.app",)


def test_restart_true_does_nothing_without_a_change_of_the_dependency():
    assert diff(restarting(), converged(restarting())).changes == ()


def test_a_stopped_dependant_is_started_not_restarted():
    actual = with_container(converged(restarting()), "app", status="exited", exit_code=0)
    plan = diff(restarting(env={"V": "2"}), actual)
    assert kinds(plan.find("docker.container.app")) == ["StartContainer"]
