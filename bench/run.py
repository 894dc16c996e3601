#!/usr/bin/env python3
"""Converge benchmark: dfwctl against the raw-SDK floor and peer tools, on the same engine,
in one run. See bench/README.md.

    python bench/run.py                                    # the full run (make bench)
    python bench/run.py --sizes 10 --reps 1 --tools dfwctl,floor     # a quick look

Needs DOCKER_HOST (`eval "$(scripts/testenv up)"`) and the image busybox:latest on that
engine. Writes bench/results/latest.{json,md,png}; scratch, venvs and logs go to bench/work/.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import secrets
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Dict, List, Optional

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

import buildctx  # noqa: E402
import check  # noqa: E402
import envspec  # noqa: E402
import report  # noqa: E402
import runner  # noqa: E402
import venvs  # noqa: E402
from engine import Engine, EngineError  # noqa: E402
from proxy import CountingProxy  # noqa: E402
from tools import PHASES, TOOLS, VARIANT, Context, Tool  # noqa: E402

DEFAULT_TOOLS = ",".join(TOOLS)
PLOT = venvs.Recipe(name="plot", steps=(("matplotlib",),))
# The tools whose engine API calls are counted (one more cycle each, through the proxy).
COUNTED_TOOLS = ("dfwctl", "floor")


def say(text: str) -> None:
    print(text, flush=True)


def parse_args(argv: Optional[List[str]]) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--sizes", default="10,40,200", help="container counts N")
    p.add_argument("--reps", type=int, default=3,
                   help="repetitions (medians are reported); 0 skips the timed runs")
    p.add_argument("--tools", default=DEFAULT_TOOLS, help="tools, comma-separated")
    p.add_argument("--floor-threads", type=int, default=4, help="the floor's thread pool")
    p.add_argument("--timeout-base", type=float, default=60.0,
                   help="seconds a phase may take, plus --timeout-per-container x N")
    p.add_argument("--timeout-per-container", type=float, default=2.0)
    p.add_argument("--startup-reps", type=int, default=10, help="runs of each start-up command")
    p.add_argument("--no-startup", action="store_true", help="skip the start-up measurements")
    p.add_argument("--no-calls", action="store_true", help="skip counting API calls")
    p.add_argument("--no-build", action="store_true",
                   help="skip the build-context figure (no-op plan with and without build:)")
    p.add_argument("--build-files", type=int, default=10_000,
                   help="files in the build context of the build-context figure")
    p.add_argument("--build-n", type=int, default=40,
                   help="containers of the build-context figure (the first one is built)")
    p.add_argument("--build-reps", type=int, default=10,
                   help="no-op plans of each kind in the build-context figure")
    p.add_argument("--profile", action="store_true",
                   help="also profile `dfwctl plan` (pyinstrument) on an applied environment "
                        "of --profile-n containers, and dfwctl's imports, into --out")
    p.add_argument("--profile-n", type=int, default=200)
    p.add_argument("--no-plot", action="store_true", help="skip the PNG (no matplotlib venv)")
    p.add_argument("--out", type=Path, default=BENCH / "results", help="results folder")
    p.add_argument("--work", type=Path, default=BENCH / "work", help="venvs, inputs, logs")
    p.add_argument("--python", default=sys.executable, help="interpreter for the tool venvs")
    args = p.parse_args(argv)
    args.sizes = sorted({int(s) for s in args.sizes.split(",") if s.strip()})
    args.out = args.out.resolve()
    args.tools = [t.strip() for t in args.tools.split(",") if t.strip()]
    unknown = [t for t in args.tools if t not in TOOLS]
    if unknown:
        p.error(f"unknown tools {unknown}; known: {DEFAULT_TOOLS}")
    if args.reps < 0 or not args.sizes or min(args.sizes) < 1 or args.profile_n < 1 or \
            args.build_n < 1 or args.build_files < 3 or args.build_reps < 1:
        p.error("--reps must be at least 0, and every size at least 1")
    return args


class Bench:
    def __init__(self, args: argparse.Namespace, engine: Engine, api_version: str):
        self.args = args
        self.engine = engine
        self.api_version = api_version
        self.work = args.work.resolve()
        self.logs = self.work / "logs"
        self.tools: Dict[str, Tool] = {}
        self.setup_failed: Dict[str, str] = {}  # tool -> why its venv could not be made
        self.token = secrets.token_hex(1)  # this run's part of the name prefixes
        self.cycles = 0
        self.stuck: List[str] = []  # networks the engine would not remove
        self.results: Dict[str, Any] = {"meta": {}, "runs": [], "calls": {}, "startup": {},
                                        "profile": {}, "build_context": {}}

    # set-up ------------------------------------------------------------------------------
    def setup(self) -> None:
        for name in self.args.tools:
            cls = TOOLS[name]
            try:
                venv = venvs.ensure(cls.setup(BENCH, self.work), self.work / "venvs", self.logs,
                                    self.args.python, say)
            except (venvs.SetupError, OSError) as exc:
                say(f"  {name}: set-up failed; every run of it is recorded as failed: {exc}")
                self.setup_failed[name] = str(exc)
                continue
            ctx = Context(bench_dir=BENCH, work=self.work, venv=venv,
                          api_version=self.api_version, floor_threads=self.args.floor_threads)
            self.tools[name] = cls(ctx)
        sizes = set(self.args.sizes)
        if "dfwctl" in self.tools and not self.args.no_startup:
            sizes.add(200)  # validate is timed on a 200-container playbook
        if self.args.profile:
            sizes.add(self.args.profile_n)
        for n in sorted(sizes):
            for tool in self.tools.values():
                self.write(tool, n, envspec.PREFIX)

    @staticmethod
    def write(tool: Tool, n: int, prefix: str) -> None:
        tool.write(envspec.environment(n, "base", prefix),
                   envspec.environment(n, "changed", prefix))

    def new_prefix(self, kind: str = "") -> str:
        self.cycles += 1
        return f"{envspec.PREFIX}{self.token}{kind}{self.cycles:03d}"

    def tool_env(self, tool: Tool, docker_host: Optional[str] = None) -> Dict[str, str]:
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("DOCKER_", "COMPOSE_", "ANSIBLE_", "DFWCTL_", "PYTHON"))}
        env["DOCKER_HOST"] = docker_host or self.engine.host
        env["PATH"] = f"{tool.ctx.venv / 'bin'}:{env.get('PATH', '/usr/bin:/bin')}"
        env.update(tool.env())
        return env

    def versions(self) -> Dict[str, str]:
        out = {}
        for name, tool in self.tools.items():
            argv = tool.version_command()
            if not argv:
                continue
            done = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                  env=self.tool_env(tool), check=False, timeout=120)
            lines = done.stdout.decode(errors="replace").strip().splitlines()
            out[name] = lines[0] if lines else f"(no version: exit {done.returncode})"
        return out

    def meta(self) -> Dict[str, Any]:
        version = self.engine.version()
        others = len(self.engine.containers({"status": ["running"]}))
        return {
            "started": time.strftime("%Y-%m-%d %H:%M:%S %z"),
            "command": " ".join(sys.argv),
            "sizes": self.args.sizes,
            "reps": self.args.reps,
            "tools": self.args.tools,
            "floor_threads": self.args.floor_threads,
            "engine": f"Docker Engine {version.get('Version')} (API {version.get('ApiVersion')}), "
                      f"storage {self._storage()}, {version.get('KernelVersion')}",
            "machine": f"{os.cpu_count()} cores, {_memory()}, {platform.platform()}",
            "python": platform.python_version(),
            "checkout": _git_describe(BENCH.parent),
            "versions": self.versions(),
            "running_containers_at_start": others,
            "load_at_start": round(os.getloadavg()[0], 2),
        }

    def _storage(self) -> str:
        try:
            return self.engine.request("GET", "/info").get("Driver", "?")
        except EngineError:
            return "?"

    # one tool, one N, one repetition: the five phases --------------------------------------
    def cycle(self, tool: Tool, n: int, rep: int, docker_host: Optional[str] = None,
              proxy: Optional[CountingProxy] = None) -> List[Dict[str, Any]]:
        self.clean(f"before {tool.name} n={n}")
        prefix = self.new_prefix()
        self.write(tool, n, prefix)
        records, ids, broken = [], None, None
        env = self.tool_env(tool, docker_host)
        timeout = self.args.timeout_base + self.args.timeout_per_container * n
        kind = "calls" if proxy else "time"
        for phase in PHASES:
            if phase not in tool.phases:
                continue
            record = {"tool": tool.name, "n": n, "rep": rep, "phase": phase, "kind": kind,
                      "prefix": prefix}
            if broken:
                record.update(ok=False, reason=f"skipped: {broken}")
                records.append(record)
                continue
            log = self.logs / "runs" / f"{kind}-{tool.name}-n{n}-r{rep}-{phase}.log"
            if proxy:
                proxy.take()
            record["load"] = round(os.getloadavg()[0], 2)
            try:
                command = tool.command(phase, n)
                done = runner.run(command.argv, env=env, timeout=timeout, log=log,
                                  cwd=tool.files(n), ok_codes=command.ok_codes)
            except OSError as exc:  # the tool's executable is missing or cannot run
                record.update(ok=False, reason=f"could not run: {exc}")
                records.append(record)
                say(f"  {tool.name:<10} n={n:<4} {phase:<6} FAILED: could not run: {exc}")
                broken = broken or ("cold could not run" if phase == "cold" else None)
                continue
            record.update(seconds=round(done.seconds, 4), cpu_seconds=round(done.cpu_seconds, 3),
                          max_rss_mib=round(done.max_rss_mib, 1), log=str(log))
            if proxy:
                record["calls"] = proxy.take()
            reason = None
            if done.timed_out:
                reason = f"timed out after {timeout:.0f}s"
            elif done.returncode != 0:
                reason = f"exit {done.returncode}"
            problem, ids = self.verify(phase, envspec.environment(n, VARIANT[phase], prefix), ids)
            if problem:
                reason = f"{reason}; {problem}" if reason else problem
            record.update(ok=reason is None, reason=reason)
            records.append(record)
            status = "ok" if reason is None else f"FAILED: {reason}"
            say(f"  {tool.name:<10} n={n:<4} {phase:<6} {done.seconds:8.2f}s  {status}")
            if phase == "cold" and reason:
                broken = "cold failed"
        self.clean(f"after {tool.name} n={n}")
        return records

    def verify(self, phase: str, env: envspec.Environment, ids):
        try:
            if phase == "down":
                return check.check_down(self.engine, env), None
            if phase == "cold":
                return check.check_up(self.engine, env)
            replaced = (env.changed_name,) if phase == "change" else ()
            return check.check_up(self.engine, env, before=ids, replaced=replaced)
        except EngineError as exc:
            return f"check failed: {exc}", ids

    def clean(self, when: str) -> None:
        swept = check.sweep(self.engine)
        if swept.removed:
            say(f"  (removed {swept.removed} leftover objects {when})")
        for network in swept.stuck_networks:
            if network not in self.stuck:  # later cycles use other names: report, go on
                say(f"  the engine will not remove network {network}; left in place")
                self.stuck.append(network)
                self.results["meta"]["stuck_networks"] = self.stuck
        if swept.containers_left:
            raise SystemExit(f"could not clean the engine {when}: "
                             f"{swept.containers_left} containers left")

    # the measurements ----------------------------------------------------------------------
    def timings(self) -> None:
        names = [t for t in self.args.tools if t in self.tools]
        for rep in range(1, self.args.reps + 1):
            turn = (rep - 1) % len(names) if names else 0
            order = names[turn:] + names[:turn]
            for n in self.args.sizes:
                say(f"repetition {rep}/{self.args.reps}, N={n}: {', '.join(order)}")
                for name in order:
                    self.results["runs"] += self.cycle(self.tools[name], n, rep)
                    self.save()
                for name, why in self.setup_failed.items():
                    self.results["runs"] += [
                        {"tool": name, "n": n, "rep": rep, "phase": phase, "kind": "time",
                         "ok": False, "reason": f"set-up failed: {why}"}
                        for phase in TOOLS[name].phases]

    def calls(self) -> None:
        kind, upstream = self.engine.kind, self.engine.address
        if kind != "unix":
            say("API calls not counted: the proxy needs the engine on a unix socket")
            return
        counted = [t for t in COUNTED_TOOLS if t in self.tools]
        if not counted:
            return
        socket_path = Path("/tmp") / f"bench-proxy-{os.getpid()}.sock"  # short: sun_path limit
        with CountingProxy(socket_path, upstream) as proxy:
            for n in self.args.sizes:
                say(f"API calls, N={n}: {', '.join(counted)} (through the counting proxy)")
                for name in counted:
                    records = self.cycle(self.tools[name], n, 0, proxy.docker_host, proxy)
                    for r in records:
                        self.results["calls"].setdefault(name, {}).setdefault(str(n), {})[
                            r["phase"]] = {"total": sum((r.get("calls") or {}).values()),
                                           "ok": r["ok"], "by_route": r.get("calls") or {}}
                    self.save()

    def startup(self) -> None:
        dfwctl = self.tools.get("dfwctl")
        if dfwctl is None:
            return
        playbook = dfwctl.files(200) / "base.yml"
        commands = [
            ("python -c pass", dfwctl, [dfwctl.bin("python"), "-c", "pass"]),
            ("dfwctl --version", dfwctl, [dfwctl.bin("dfwctl"), "--version"]),
            ("dfwctl validate (200 containers)", dfwctl,
             [dfwctl.bin("dfwctl"), "validate", playbook]),
        ]
        compose = self.tools.get("compose-v2")
        if compose is not None:
            commands += [
                ("compose v2 version", compose, [compose.executable(), "version"]),
                ("compose v2 config -q (200 services)", compose,
                 [compose.executable(), "-f", compose.files(200) / "base.yaml", "config", "-q"]),
            ]
        samples: Dict[str, List[float]] = {label: [] for label, _, _ in commands}
        say(f"start-up: {len(commands)} commands x {self.args.startup_reps}")
        for i in range(self.args.startup_reps):
            for k, (label, tool, argv) in enumerate(commands):
                log = self.logs / "startup" / f"{k}-{i}.log"
                done = runner.run(argv, env=self.tool_env(tool), timeout=120, log=log)
                if done.ok:
                    samples[label].append(round(done.seconds, 4))
                else:
                    say(f"  {label}: failed (exit {done.returncode}); see {log}")
        self.results["startup"] = {
            label: {"argv": " ".join(map(str, argv)), "seconds": samples[label],
                    "median": round(statistics.median(samples[label]), 4)
                    if samples[label] else None}
            for label, _, argv in commands}
        for label, data in self.results["startup"].items():
            median = "FAILED" if data["median"] is None else f"{data['median']:.3f}s"
            say(f"  {label:<40} {median}")

    def profile(self) -> None:
        dfwctl = self.tools.get("dfwctl")
        if dfwctl is None:
            say("--profile needs the dfwctl tool")
            return
        n = self.args.profile_n
        say(f"profiling dfwctl at N={n}")
        venvs.pip_install(dfwctl.ctx.venv, ["pyinstrument"], self.logs / "venv-dfwctl.log")
        env = self.tool_env(dfwctl)
        self.clean("before profiling")
        self.write(dfwctl, n, self.new_prefix("p"))
        playbook = dfwctl.files(n) / "base.yml"
        out = self.args.out
        out.mkdir(parents=True, exist_ok=True)
        timeout = self.args.timeout_base + self.args.timeout_per_container * n
        try:
            dfwctl_bin, python = dfwctl.bin("dfwctl"), dfwctl.bin("python")
            steps = [
                ("apply", [dfwctl_bin, "apply", "--auto-approve", playbook], None),
                ("plan 1", [dfwctl_bin, "plan", playbook], None),
                ("plan 2", [dfwctl_bin, "plan", playbook], None),
                ("plan 3", [dfwctl_bin, "plan", playbook], None),
                ("pyinstrument plan", [python, "-m", "pyinstrument", "--show", "*/site-packages/dfwctl/*",
                                       "-r", "text", "-o",
                                       out / f"profile-plan-n{n}.txt", "-m", "dfwctl", "plan",
                                       playbook], None),
                ("importtime plan", [python, "-X", "importtime", "-m", "dfwctl", "plan",
                                     playbook], self.logs / "importtime.log"),
                ("destroy", [dfwctl_bin, "destroy", "--auto-approve", playbook], None),
            ]
            seconds = {}
            for label, argv, log in steps:
                log = log or self.logs / f"profile-{label.replace(' ', '-')}.log"
                done = runner.run(argv, env=env, timeout=timeout, log=log)
                if not done.ok:
                    say(f"  profiling stopped: {label} failed; see {log}")
                    return
                seconds[label] = round(done.seconds, 3)
                say(f"  {label:<18} {done.seconds:8.2f}s")
            (out / "importtime.txt").write_text(report.importtime_summary(
                (self.logs / "importtime.log").read_text(), f"dfwctl plan (N={n})"))
            files = [f"profile-plan-n{n}.txt", "importtime.txt"]
            self.results["profile"] = {"n": n, "files": files, "seconds": seconds}
            say(f"  wrote {', '.join(str(out / f) for f in files)}")
        finally:
            self.clean("after profiling")

    # output --------------------------------------------------------------------------------
    def save(self) -> None:
        out = self.args.out
        out.mkdir(parents=True, exist_ok=True)
        tmp = out / "latest.json.tmp"
        tmp.write_text(json.dumps(self.results, indent=1, default=str))
        tmp.replace(out / "latest.json")

    def finish(self) -> None:
        self.results["meta"]["finished"] = time.strftime("%Y-%m-%d %H:%M:%S %z")
        self.results["meta"]["load_at_end"] = round(os.getloadavg()[0], 2)
        self.save()
        out = self.args.out
        table = report.markdown(self.results, plot_name=None if self.args.no_plot else "latest.png")
        (out / "latest.md").write_text(table)
        say(f"wrote {out / 'latest.md'} and {out / 'latest.json'}")
        if not self.args.no_plot:
            try:
                venv = venvs.ensure(PLOT, self.work / "venvs", self.logs, self.args.python, say)
                subprocess.run([str(venvs.python_of(venv)), str(BENCH / "plot.py"),
                                str(out / "latest.json"), str(out / "latest.png")], check=True)
                say(f"wrote {out / 'latest.png'}")
            except (venvs.SetupError, subprocess.CalledProcessError) as exc:
                say(f"no plot: {exc}")


def _memory() -> str:
    try:
        pages = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        return f"{pages / 2**30:.0f} GiB"
    except (ValueError, OSError):
        return "? GiB"


def _git_describe(repo: Path) -> str:
    def git(*args: str) -> str:
        done = subprocess.run(["git", "-C", str(repo), *args], stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL, check=False)
        return done.stdout.decode().strip()

    commit = git("rev-parse", "--short", "HEAD") or "unknown"
    dirty = git("status", "--porcelain", "--", "dfwctl", "schemas", "setup.cfg", "setup.py")
    return commit + (" + uncommitted changes" if dirty else "")


def _terminate(signum, frame):  # noqa: ARG001
    raise KeyboardInterrupt


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    host = os.environ.get("DOCKER_HOST")
    if not host:
        say('DOCKER_HOST is not set: run `eval "$(scripts/testenv up)"` first (or `make bench`)')
        return 1
    engine = Engine(host)
    try:
        version = engine.version()
    except EngineError as exc:
        say(f"the engine at {host} does not answer: {exc}")
        return 1
    if not engine.image_exists(envspec.IMAGE):
        say(f"the engine has no {envspec.IMAGE}: run `scripts/testenv up` first")
        return 1
    signal.signal(signal.SIGTERM, _terminate)
    bench = Bench(args, engine, version["ApiVersion"])
    started = time.monotonic()
    try:
        bench.setup()
        bench.results["meta"] = bench.meta()
        bench.clean("at the start")
        if not args.no_startup:
            bench.startup()
        bench.timings()
        if not args.no_calls:
            bench.calls()
        if not args.no_build:
            say(f"build context: a no-op plan of N={args.build_n} with a {args.build_files:,}-file "
                "context, and without build:")
            started = time.strftime("%Y-%m-%d %H:%M:%S %z")
            figure = buildctx.run(bench, args.build_n, args.build_files, args.build_reps) or {}
            if figure:
                figure["run"] = {"started": started, "load": round(os.getloadavg()[0], 2),
                                 "checkout": _git_describe(BENCH.parent)}
            bench.results["build_context"] = figure
            bench.save()
        if args.profile:
            bench.profile()
    except KeyboardInterrupt:
        say("interrupted: cleaning up; the results so far are kept")
        bench.results["meta"]["interrupted"] = True
        return_code = 130
    except venvs.SetupError as exc:
        say(f"set-up failed: {exc}")
        return_code = 1
    else:
        return_code = 0
    finally:
        try:
            check.sweep(engine)
        except EngineError as exc:
            say(f"clean-up failed: {exc}")
    bench.results["meta"]["wall_seconds"] = round(time.monotonic() - started, 1)
    if any(bench.results[k] for k in ("runs", "startup", "calls", "profile", "build_context")):
        bench.finish()
    return return_code


if __name__ == "__main__":
    sys.exit(main())
