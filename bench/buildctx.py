"""The build-context figure: a no-op `dfwctl plan` of the converge environment (N containers)
whose first container is built from a context of F files (`build:`), next to the no-op plan of
the same environment without `build:` (every container from busybox:latest), in the same run,
on the same engine, interleaved. The target: at most 1.3x, with at most 5 engine API calls
(counted through the proxy, as for the converge phases).

The context: F small files of distinct content in folders of 100, a Dockerfile that copies them
into the image, and a .dockerignore leaving out a folder of logs (as a project's would). dfwctl
fingerprints the context on every plan, keeping the digests of the files it read in its cache
(DFWCTL_CACHE_DIR, a folder of this run's): the first plan after the build reads what changed
within the cache's two-second "racy" window, the next ones only look at each file's stat. One
plan with an empty cache (every file read) is recorded too, for what the cache saves.
"""
from __future__ import annotations

import json
import os
import shutil
import statistics
from pathlib import Path
from typing import TYPE_CHECKING, Any, Dict, List, Optional

import envspec
import runner
from engine import EngineError
from proxy import CountingProxy
from tools.base import yaml_scalar
from tools.dfwctl import playbook

if TYPE_CHECKING:
    from run import Bench


def say(text: str) -> None:
    print(text, flush=True)

PER_FOLDER = 100
DOCKERFILE = "FROM busybox:latest\nCOPY . /ctx\n"
DOCKERIGNORE = "logs/\n*.tmp\n"
RATIO_TARGET = 1.3
CALLS_TARGET = 5


def make_context(folder: Path, files: int) -> Path:
    """`files` files (and the Dockerfile, the .dockerignore and ignored logs) under `folder`,
    made once per size: a marker records that it is complete."""
    marker = folder.with_name(folder.name + ".complete")
    if marker.exists() and folder.is_dir():
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    (folder / "Dockerfile").write_text(DOCKERFILE)
    (folder / ".dockerignore").write_text(DOCKERIGNORE)
    for index in range(files - 2):  # the Dockerfile and .dockerignore count
        sub = folder / f"src{index // PER_FOLDER:03d}"
        sub.mkdir(exist_ok=True)
        (sub / f"file{index % PER_FOLDER:03d}.txt").write_text(f"file {index}\n" * 4)
    (folder / "logs").mkdir()
    for index in range(20):
        (folder / "logs" / f"run{index}.log").write_text("ignored\n")
    marker.write_text(f"{files}\n")
    return folder


def with_build(text: str, image: str, context: Path) -> str:
    """The playbook `text` with its first container built from `context` instead of `image`."""
    line = f"    image: {yaml_scalar(image)}\n"
    assert line in text, "the playbook names its image on one line per container"
    return text.replace(line, f"    build: {{context: '{context}'}}\n", 1)


def run(bench: "Bench", n: int, files: int, reps: int) -> Optional[Dict[str, Any]]:
    """Measure both no-op plans; None when dfwctl is not among the tools."""
    tool = bench.tools.get("dfwctl")
    if tool is None:
        return None
    folder = bench.work / "buildctx"
    context = make_context(folder / f"context-{files}", files)
    cache = folder / "cache"
    shutil.rmtree(cache, ignore_errors=True)
    built_prefix, plain_prefix = bench.new_prefix("b"), bench.new_prefix("b")
    plain = folder / "without-build.yml"
    built = folder / "with-build.yml"
    plain.write_text(playbook(envspec.environment(n, "base", plain_prefix)))
    built.write_text(with_build(playbook(envspec.environment(n, "base", built_prefix)),
                                envspec.IMAGE, context))
    env = dict(bench.tool_env(tool), DFWCTL_CACHE_DIR=str(cache))
    dfwctl = tool.bin("dfwctl")
    logs = bench.logs / "buildctx"
    timeout = bench.args.timeout_base + bench.args.timeout_per_container * n + files / 100
    results: Dict[str, Any] = {"n": n, "files": files, "reps": reps, "ok": False}

    def plan(book: Path, label: str, environ: Dict[str, str]) -> runner.Run:
        done = runner.run([dfwctl, "plan", "--detailed-exitcode", str(book)], env=environ,
                          timeout=timeout, log=logs / f"{label}.log")
        if done.returncode != 0:  # 2 would be a change: a no-op plan has none
            raise RuntimeError(f"{label}: exit {done.returncode} (see {logs / label}.log)")
        return done

    bench.clean("before the build-context figure")
    try:
        for book, label in ((built, "apply-with-build"), (plain, "apply-without-build")):
            done = runner.run([dfwctl, "apply", "--auto-approve", str(book)], env=env,
                              timeout=timeout + 300, log=logs / f"{label}.log")
            if not done.ok:
                raise RuntimeError(f"{label}: exit {done.returncode} (see {logs / label}.log)")
            results[f"{label.replace('-', '_')}_seconds"] = round(done.seconds, 2)
            say(f"  {label:<22} {done.seconds:8.2f}s")
        for book, label in ((built, "warm-with-build"), (plain, "warm-without-build")):
            plan(book, label, env)  # the first plan after apply re-reads the racy files
        empty = folder / "empty-cache"
        shutil.rmtree(empty, ignore_errors=True)
        results["with_build_empty_cache_seconds"] = round(
            plan(built, "empty-cache", dict(env, DFWCTL_CACHE_DIR=str(empty))).seconds, 3)
        samples: Dict[str, List[runner.Run]] = {"with_build": [], "without_build": []}
        for rep in range(reps):
            order = [("with_build", built), ("without_build", plain)]
            for key, book in order if rep % 2 == 0 else order[::-1]:
                samples[key].append(plan(book, f"{key}-{rep}", env))
        for key, done in samples.items():
            results[key] = {"seconds": [round(d.seconds, 4) for d in done],
                            "median": round(statistics.median(d.seconds for d in done), 4),
                            "cpu_median": round(statistics.median(d.cpu_seconds for d in done), 3),
                            "max_rss_mib": round(max(d.max_rss_mib for d in done), 1)}
            say(f"  no-op plan {key:<14} {results[key]['median']:8.3f}s (median of {reps})")
        results["ratio"] = round(results["with_build"]["median"]
                                 / results["without_build"]["median"], 3)
        results["calls"] = _calls(bench, env, dfwctl, {"with_build": built,
                                                       "without_build": plain}, logs, timeout)
        results["ok"] = True
    except RuntimeError as exc:
        results["reason"] = str(exc)
        say(f"  build-context figure FAILED: {exc}")
    finally:
        for book in (built, plain):
            runner.run([dfwctl, "destroy", "--auto-approve", str(book)], env=env,
                       timeout=timeout, log=logs / f"destroy-{book.stem}.log")
        _remove_built_images(bench, built_prefix)
        bench.clean("after the build-context figure")
    return results


def _calls(bench: "Bench", env: Dict[str, str], dfwctl: str, books: Dict[str, Path],
           logs: Path, timeout: float) -> Dict[str, Any]:
    """Each no-op plan's engine API calls, by route, through the counting proxy."""
    if bench.engine.kind != "unix":
        return {}
    counted: Dict[str, Any] = {}
    socket_path = Path("/tmp") / f"bench-proxy-b{os.getpid()}.sock"
    with CountingProxy(socket_path, bench.engine.address) as proxy:
        for key, book in books.items():
            proxy.take()
            runner.run([dfwctl, "plan", "--detailed-exitcode", str(book)],
                       env=dict(env, DOCKER_HOST=proxy.docker_host), timeout=timeout,
                       log=logs / f"calls-{key}.log")
            routes = proxy.take()
            counted[key] = {"total": sum(routes.values()), "by_route": routes}
    return counted


def _remove_built_images(bench: "Bench", prefix: str) -> None:
    """The image the build made (owned by the playbook `prefix`)."""
    try:
        images = bench.engine.request("GET", "/images/json", params={
            "filters": json.dumps({"label": [f"io.dfwctl.playbook={prefix}"]})})
        for image in images or []:
            bench.engine.request("DELETE", f"/images/{image['Id']}", params={"force": "1"})
    except EngineError as exc:
        say(f"  could not remove the built image: {exc}")
