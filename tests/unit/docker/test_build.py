"""Built images in plans: made when missing, made again when and only when an input changed
(naming what changed), replacing the containers that run them; and the build step on the fake
engine: what is sent, the record on the image, a failure that shows its step."""
from __future__ import annotations

import dataclasses
import json

import pytest

from dfwctl.errors import EngineError
from dfwctl.plan import Action, PlanOptions
from dfwctl.providers.docker import steps as S
from dfwctl.providers.docker.build import BUILT, changed_text
from dfwctl.providers.docker.buildspec import parse_inputs
from dfwctl.providers.docker.model import BuildState
from tests.builders import converged, diff, inputs_now, merged, playbook, without
from tests.unit.docker.fakeapi import FakeAPI, FakeEngine

NAME = "web"
REF = "web-app:latest"


def book(build=None, **app):
    return playbook({"name": NAME, "containers": {
        "app": {"build": build or {"context": "app", "args": {"GREETING": "hi"}}, **app},
        "side": {"image": "busybox:1.36"}}})


def now(desired, **changed):
    """`converged(desired)` with the context read now differing as `changed` says."""
    actual = converged(desired)
    build = desired.docker.images[REF].build
    state = BuildState(inputs_now(build, desired, **{k: v for k, v in changed.items()
                                                     if k in ("context", "dockerfile")}),
                       changed.get("paths"))
    return merged(actual, builds={REF: state})


def test_the_image_is_named_after_the_playbook_and_container():
    desired = book()
    assert desired.docker.containers["app"].image == REF
    image = desired.docker.images[REF]
    assert image.build is not None and image.build.context == "/playbooks/app"
    assert image.build.args == (("GREETING", "hi"),)


def test_a_missing_image_is_built():
    desired = book()
    actual = without(converged(desired), containers=["app"], images=[REF])
    plan = diff(desired, actual)
    image = plan.find(f"docker.image.{REF}")
    assert image.action is Action.CREATE
    assert {d.name: d.after for d in image.diffs} == {
        "build.context": "/playbooks/app", "build.args.GREETING": "hi"}
    (step,) = image.steps
    assert isinstance(step, S.Build) and step.owner == NAME and not step.fresh
    assert f"docker.image.{REF}" in plan.find("docker.container.app").depends_on


def test_nothing_changed_nothing_to_build():
    desired = book()
    assert diff(desired, converged(desired)).changes == ()


def test_a_changed_file_builds_again_and_replaces_only_its_containers():
    desired = book()
    plan = diff(desired, now(desired, context="moved", paths=("index.html", "src/app.py")))
    image = plan.find(f"docker.image.{REF}")
    assert image.action is Action.UPDATE
    assert image.reasons == ("2 files of its build context changed: index.html, src/app.py",)
    assert [d.name for d in image.diffs] == ["build.context"]
    app = plan.find("docker.container.app")
    assert app.action is Action.REPLACE and not app.condition
    assert f"image {REF} will be built again" in app.reasons
    assert plan.find("docker.container.side") is None


def test_when_the_changed_files_are_not_known_it_says_so():
    assert changed_text(BuildState(inputs_now(book().docker.images[REF].build, book()))) == \
        "its build context changed"
    many = BuildState(inputs_now(book().docker.images[REF].build, book()),
                      tuple(f"f{i}" for i in range(8)))
    assert changed_text(many) == ("8 files of its build context changed: f0, f1, f2, f3, f4 "
                                  "and 3 more")


@pytest.mark.parametrize("change, field", [
    ({"build": {"context": "app", "args": {"GREETING": "hello"}}}, "build.args.GREETING"),
    ({"build": {"context": "app", "args": {"GREETING": "hi"}, "target": "dev"}},
     "build.target"),
    ({"build": {"context": "app", "args": {"GREETING": "hi"}, "labels": {"team": "web"}}},
     "build.labels.team"),
    ({"build": {"context": "app", "args": {"GREETING": "hi"}, "dockerfile": "Dockerfile.dev"}},
     "build.dockerfile"),
])
def test_each_input_builds_again(change, field):
    before, after = book(), book(**change)
    actual = merged(converged(before), builds={REF: BuildState(inputs_now(
        after.docker.images[REF].build, after, context=before.docker.images[REF].build.context))})
    image = diff(after, actual).find(f"docker.image.{REF}")
    assert image.action is Action.UPDATE
    assert [d.name for d in image.diffs] == [field]
    assert image.reasons == (f"{field} changed",)


def test_the_dockerfiles_content_is_an_input():
    desired = book()
    image = diff(desired, now(desired, dockerfile="edited")).find(f"docker.image.{REF}")
    assert [d.name for d in image.diffs] == ["build.dockerfile (its content)"]


def test_cache_from_changes_nothing():
    before = book()
    after = book({"context": "app", "args": {"GREETING": "hi"}, "cache_from": ["web-app:old"]})
    assert diff(after, converged(before)).changes == ()


def test_a_secret_build_arg_is_never_shown():
    desired = playbook({"name": NAME, "containers": {"app": {
        "build": {"context": "app", "args": {"TOKEN": "s3cret"}}}}}, secrets=["s3cret"])
    actual = merged(converged(desired), builds={REF: BuildState(dataclasses.replace(
        converged(desired).builds[REF].inputs, args=(("TOKEN", "other"),)))})
    image = diff(desired, actual).find(f"docker.image.{REF}")
    assert [d.name for d in image.diffs] == ["build.args.TOKEN"]
    assert "s3cret" not in repr(image) and "s3cret" not in actual.images[REF].built


def test_an_image_without_a_record_is_built():
    desired = book()
    actual = converged(desired)
    actual = merged(actual, images={REF: dataclasses.replace(actual.images[REF], built=None)})
    image = diff(desired, actual).find(f"docker.image.{REF}")
    assert image.reasons[0].startswith("it was not built by dfwctl from this build")


def test_replace_builds_again_without_the_cache():
    desired = book()
    plan = diff(desired, converged(desired), PlanOptions(replace=(f"docker.image.{REF}",)))
    image = plan.find(f"docker.image.{REF}")
    assert image.steps[0].fresh and not image.fold_steps
    assert "without the build cache" in image.steps[0].text
    assert plan.find("docker.container.app").action is Action.REPLACE


def test_a_container_whose_image_tag_is_gone_may_be_kept():
    desired = book()
    plan = diff(desired, without(converged(desired), images=[REF]))
    app = plan.find("docker.container.app")
    assert app.condition.startswith("only if the built image is not the one the container runs")
    assert app.steps[0].made == "built"


def test_a_build_image_used_by_another_container():
    desired = playbook({"name": NAME, "containers": {
        "app": {"image": "shared:1", "build": "app"},
        "worker": {"image": "shared:1"}}})
    assert desired.docker.images["shared:1"].build is not None
    plan = diff(desired, without(converged(desired), containers=["app", "worker"],
                                 images=["shared:1"]))
    assert {c.address for c in plan.changes} >= {"docker.image.shared:1",
                                                  "docker.container.worker"}


# The build step on the fake engine --------------------------------------------------------------
def context(tmp_path, dockerfile="FROM busybox:latest\nCOPY . /srv\n"):
    app = tmp_path / "app"
    app.mkdir()
    (app / "Dockerfile").write_text(dockerfile)
    (app / "index.html").write_text("hello\n")
    (app / "debug.log").write_text("noise\n")
    (app / ".dockerignore").write_text("*.log\n")
    return app


def build_with(tmp_path, dockerfile=None):
    from dfwctl.providers.docker.build import run_build
    from dfwctl.providers.docker.buildspec import BuildSpec

    app = context(tmp_path, *(dockerfile,) if dockerfile else ())
    fake = FakeAPI()
    engine = FakeEngine(fake)
    spec = BuildSpec(str(app), args=(("GREETING", "hi"),), labels=(("team", "web"),))
    step = S.build(REF, spec, (("GREETING", "hi"),), NAME)[0]
    lines = []
    from dfwctl.providers.docker.perform import DockerPerformer

    run_build(engine.api, engine.call, step, 60.0, DockerPerformer._events, lines.append)
    return fake, lines


def test_the_build_sends_the_context_and_records_its_inputs(tmp_path, monkeypatch):
    monkeypatch.setenv("DFWCTL_CACHE_DIR", str(tmp_path / "cache"))
    fake, lines = build_with(tmp_path)
    (sent,) = fake.sent_contexts
    assert set(sent) == {".dockerignore", "Dockerfile", "index.html"}
    assert sent["index.html"] == b"hello\n"
    (call,) = fake.calls_to("build")
    assert call.kwargs["tag"] == REF and call.kwargs["buildargs"] == {"GREETING": "hi"}
    labels = call.kwargs["labels"]
    assert labels["team"] == "web" and labels["io.dfwctl.playbook"] == NAME
    record = parse_inputs(labels[BUILT])
    assert record is not None and record.args == (("GREETING", "hi"),)
    assert json.loads(labels[BUILT])["dockerfile"] == "Dockerfile"
    assert "Step 2/4 : COPY hello.txt /hello.txt" in lines
    assert fake.image_id(REF)


def test_a_failed_build_names_its_step_and_last_lines(tmp_path, monkeypatch):
    monkeypatch.setenv("DFWCTL_CACHE_DIR", str(tmp_path / "cache"))
    with pytest.raises(EngineError, match=r"the build of image web-app:latest failed at Step "
                                          r"2/2 : RUN echo about to fail && false: The command"
                       ) as caught:
        build_with(tmp_path, "FROM busybox:latest\nRUN echo about to fail && false\n")
    assert "    | about to fail" in caught.value.message
    assert caught.value.hint == "fix the Dockerfile or the context, then run apply again"
