"""gather with build contexts: each context is fingerprinted in a thread of its own while the
engine answers the list calls, and the outcome is the one of reading it after them: the same
state, the same error for a context that cannot be read, and an engine error still wins."""
from __future__ import annotations

import threading

import pytest

from dfwctl.desired import build
from dfwctl.errors import DfwctlError, EngineError
from dfwctl.providers.docker import build as build_module
from dfwctl.providers.docker.build import read_state
from dfwctl.providers.docker.gather import gather
from tests.unit.docker.fakeapi import FakeAPI, FakeEngine

REF = "web-app:latest"


def playbook_in(folder, contexts=("app",)):
    containers = {name: {"build": {"context": name}} for name in contexts}
    return build({"version": 1, "name": "web", "containers": containers}, folder)


def make_context(folder, name="app", files=30):
    root = folder / name
    (root / "src").mkdir(parents=True)
    (root / "Dockerfile").write_text("FROM busybox\nCOPY . /app\n")
    (root / ".dockerignore").write_text("*.log\n")
    for index in range(files):
        (root / "src" / f"f{index}.txt").write_text(f"{index}\n")
    (root / "debug.log").write_text("ignored\n")
    return root


def test_each_context_is_read_as_it_would_be_after_the_calls(tmp_path):
    threads = threading.active_count()
    make_context(tmp_path, "app")
    make_context(tmp_path, "api", files=5)
    desired = playbook_in(tmp_path, ("app", "api"))
    actual = gather(FakeEngine(FakeAPI()), desired)
    assert set(actual.builds) == {"web-app:latest", "web-api:latest"}
    for ref, state in actual.builds.items():
        spec = desired.docker.images[ref].build
        assert state == read_state(spec, None, desired.mask)
    assert threading.active_count() == threads  # the reading thread is gone


def test_the_context_is_read_while_the_engine_answers(tmp_path, monkeypatch):
    """The walk has started before the last list call is answered: it overlaps the calls."""
    make_context(tmp_path)
    started = threading.Event()
    reader = build_module.read_context_of

    def read(spec):
        started.set()
        return reader(spec)

    monkeypatch.setattr("dfwctl.providers.docker.gather.read_context_of", read)
    fake = FakeAPI()
    seen = []
    fake.meanwhile("images", lambda: seen.append(started.wait(timeout=10)))
    actual = gather(FakeEngine(fake), playbook_in(tmp_path))
    assert seen == [True]
    assert actual.builds[REF].inputs.context.startswith("sha256:")


def test_a_context_that_cannot_be_read_fails_with_its_message(tmp_path):
    threads = threading.active_count()
    with pytest.raises(DfwctlError, match=r"build context .*app is not a folder"):
        gather(FakeEngine(FakeAPI()), playbook_in(tmp_path))
    assert threading.active_count() == threads


def test_an_engine_error_wins_over_a_context_error(tmp_path):
    threads = threading.active_count()
    fake = FakeAPI()
    fake.fail("containers", explanation="the engine is shutting down")
    with pytest.raises(EngineError, match="the engine is shutting down"):
        gather(FakeEngine(fake), playbook_in(tmp_path))  # the context is not there either
    assert threading.active_count() == threads


def test_a_playbook_without_builds_starts_no_thread(tmp_path, monkeypatch):
    monkeypatch.setattr("dfwctl.providers.docker.gather.ThreadPoolExecutor",
                        lambda *a, **k: pytest.fail("a thread for no context"))
    desired = build({"version": 1, "name": "web",
                     "containers": {"side": {"image": "busybox:1.36"}}}, tmp_path)
    assert gather(FakeEngine(FakeAPI()), desired).builds == {}
