"""The chaos suite's scenarios. Each runs trials against the private engine and returns a Row:
how many trials, how many converged within one more apply, whether volume data was lost,
what temporary or duplicate thing was left, and how many runs printed a traceback."""
from __future__ import annotations

import signal
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, List, Optional, Sequence, Tuple

from chaos.engine import PrivateEngine
from chaos.harness import Project, Run, dfwctl
from chaos.latency import LatencyProxy

Say = Callable[[str], None]
# (what the table calls the moment, the text a stderr line has, how many such lines first)
Moment = Tuple[str, str, int]

COLD_MOMENTS: Sequence[Moment] = (
    ("at the 1st container create", ": create container", 1),
    ("at the 6th container create", ": create container", 6),
    ("at the 1st container start", ": start container", 1),
    ("at the 8th container start", ": start container", 8),
)
# (what the table calls the moment, the runc command held, which service): dockerd killed
# while runc is held there, so the same thing happens every time (PrivateEngine.hold)
HeldMoment = Tuple[str, str, int]
COLD_HELD: Sequence[HeldMoment] = (
    ("in runc start of the 3rd service (its task made, the start not recorded)", "start", 2),
    ("in runc create of the 8th service (its host port already programmed)", "create", 7),
)
REPLACE_MOMENTS: Sequence[Moment] = (
    ("at the 1st new container", ": create the new container as", 1),
    ("at the 4th stop of an old one", ": stop container", 4),
    ("at the 1st rename", ": rename ", 1),
    ("at the 6th start", ": start container", 6),
)


@dataclass
class Trial:
    label: str
    converged: bool
    data_lost: bool = False
    leftovers: List[str] = field(default_factory=list)
    tracebacks: int = 0
    note: str = ""


@dataclass
class Row:
    scenario: str
    trials: List[Trial]
    detail: str = ""

    @property
    def runs(self) -> int:
        return len(self.trials)

    @property
    def converged(self) -> int:
        return sum(t.converged for t in self.trials)

    @property
    def data_lost(self) -> int:
        return sum(t.data_lost for t in self.trials)

    @property
    def leftovers(self) -> List[str]:
        return [f"{t.label}: {item}" for t in self.trials for item in t.leftovers]

    @property
    def tracebacks(self) -> int:
        return sum(t.tracebacks for t in self.trials)


def port_range(scenario: int, trial: int) -> int:
    """The first host port of a trial's playbook: every trial publishes its own ports, so a
    port an earlier trial's engine crash left allocated never meets a later trial."""
    return 18000 + 200 * scenario + 20 * trial


def counting(text: str, nth: int) -> Callable[[str], bool]:
    """A trigger that fires on the nth stderr line containing `text`."""
    seen = [0]

    def trigger(line: str) -> bool:
        if text in line:
            seen[0] += 1
        return seen[0] >= nth

    return trigger


def _finish(project: Project, label: str, runs: List[Run], expect_data: bool = True,
            note: str = "") -> Trial:
    """One more apply, then the checks; the project is cleaned afterwards."""
    again = project.apply()
    runs.append(again)
    converged = again.code == 0 and project.converged()
    if again.code != 0:
        note = (note + "; " if note else "") + _first_error(again)
        if RESTART_HINT in again.out + again.err:  # what the error asks the user to do
            project.engine.restart()
            after = project.apply()
            runs.append(after)
            done = after.code == 0 and project.converged()
            note += ("; after the engine restart that error asks for, one more apply "
                     f"{'converged' if done else 'did not converge: ' + _first_error(after)}")
    trial = Trial(label, converged,
                  data_lost=expect_data and project.data() != project.marker,
                  leftovers=project.leftovers(),
                  tracebacks=sum(r.traceback for r in runs), note=note)
    project.clean()
    return trial


RESTART_HINT = "restart the Docker engine"


def _first_error(run: Run) -> str:
    for line in (run.out + run.err).splitlines():
        if "FAILED" in line or line.startswith("Error"):
            return line.strip()[:400]
    return f"exit {run.code}"


# the engine killed ----------------------------------------------------------------------------
def kill_cold(engine: PrivateEngine, work: Path, say: Say,
              moments: Sequence[Moment] = COLD_MOMENTS,
              held: Sequence[HeldMoment] = COLD_HELD) -> Row:
    trials = []
    for number, (label, text, nth) in enumerate(moments):
        project = Project(engine, work / f"cold{number}", f"chaos-cold{number}",
                          base_port=port_range(0, number))
        project.write()
        first = project.apply(trigger=counting(text, nth), fault=lambda _p: engine.kill())
        engine.start()
        note = "" if first.fired else "the moment never came: the apply finished first"
        trials.append(_finish(project, label, [first], note=note))
        say(f"  engine killed {label}: converged={trials[-1].converged}")
    for number, (label, verb, index) in enumerate(held, start=len(moments)):
        project = Project(engine, work / f"cold{number}", f"chaos-cold{number}",
                          base_port=port_range(0, number))
        project.write()
        first = kill_in_runc(engine, project, verb, f"{project.name}-c{index:02d}")
        note = "" if first.fired else "the moment never came: the apply finished first"
        trials.append(_finish(project, label, [first], note=note))
        say(f"  engine killed {label}: converged={trials[-1].converged}")
    return Row("engine killed during a cold apply (12 containers, ports, a volume)", trials)


def kill_in_runc(engine: PrivateEngine, project: Project, verb: str,
                 container: str) -> Run:
    """Apply the project with `runc VERB` of `container` held; when it is held, kill dockerd,
    let runc go on while dockerd is down, and start dockerd again."""
    def fault(_process: "subprocess.Popen[str]") -> None:
        try:
            engine.wait_held(verb)
            engine.kill()
        finally:
            engine.release(verb)

    engine.hold(verb, project.spec_text(container))
    try:
        first = project.apply(trigger=lambda line: f"start container {container}" in line,
                              fault=fault)
    finally:
        engine.release(verb)
    engine.start()
    return first


def kill_replace(engine: PrivateEngine, work: Path, say: Say,
                 moments: Sequence[Moment] = REPLACE_MOMENTS) -> Row:
    trials = []
    for number, (label, text, nth) in enumerate(moments):
        project = Project(engine, work / f"replace{number}", f"chaos-repl{number}",
                          base_port=port_range(1, number))
        project.write("a")
        setup = project.apply()
        if setup.code != 0:
            trials.append(Trial(label, False, note=f"setup failed: {_first_error(setup)}"))
            project.clean()
            continue
        project.write("b")  # every container's env changes: 13 replaces
        first = project.apply(trigger=counting(text, nth), fault=lambda _p: engine.kill())
        engine.start()
        note = "" if first.fired else "the moment never came: the apply finished first"
        trials.append(_finish(project, label, [setup, first], note=note))
        say(f"  engine killed {label}: converged={trials[-1].converged}")
    return Row("engine killed during a replace of 13 containers", trials)


# the engine frozen ----------------------------------------------------------------------------
def frozen(engine: PrivateEngine, work: Path, say: Say) -> Row:
    """SIGSTOP of dockerd: before an apply, and in the middle of one; apply must fail within
    the configured bound and name what it waited for; after SIGCONT one apply converges."""
    cases = (("frozen before the apply, --timeout 20", ["--timeout", "20"], None, 20.0),
             ("frozen at the 3rd create, --timeout 30", ["--timeout", "30"],
              (": create container", 3), 30.0),
             ("frozen at the 2nd start, --call-timeout 10 only", ["--call-timeout", "10"],
              (": start container", 2), 2 * 10.0))
    trials, details = [], []
    for number, (label, options, moment, bound) in enumerate(cases):
        project = Project(engine, work / f"frozen{number}", f"chaos-frz{number}",
                          base_port=port_range(2, number))
        project.write()
        if moment is None:
            engine.freeze()
            first = dfwctl([*options, "apply", "-y", str(project.path)], project.env)
        else:
            first = dfwctl([*options, "apply", "-y", str(project.path)], project.env,
                           trigger=counting(*moment), fault=lambda _p: engine.freeze())
        engine.thaw()
        slack = 10.0  # Python's start-up, reading the playbook, the summary
        within = first.code != 0 and first.seconds <= bound + slack
        said = first.err + first.out  # the call it waited for, or --timeout before it
        named = "did not answer within" in said or "--timeout of" in said
        details.append(f"{label}: failed after {first.seconds:.0f}s (bound {bound:.0f}s)"
                       f"{'' if named else ', without naming the call'}")
        trial = _finish(project, label, [first])
        trial.converged = trial.converged and within and named
        trials.append(trial)
        say(f"  {details[-1]}; converged after SIGCONT={trial.converged}")
    return Row("engine frozen (SIGSTOP), then SIGCONT", trials, "; ".join(details))


# a slow engine --------------------------------------------------------------------------------
def slow(engine: PrivateEngine, work: Path, say: Say, delay: float = 0.05) -> Row:
    work.mkdir(parents=True, exist_ok=True)
    proxy = LatencyProxy(work / "slow.sock", engine.sock, delay)
    try:
        project = Project(engine, work / "slow", "chaos-slow", base_port=port_range(3, 0),
                          env={"DOCKER_HOST": proxy.host})
        project.write("a")
        runs = [project.apply()]
        project.write("b")
        runs.append(project.apply())
        ok = all(r.code == 0 for r in runs)
        label = f"{delay * 1000:.0f} ms each way on every read: cold apply, then 13 replaces"
        trial = _finish(project, label, runs,
                        note=f"cold {runs[0].seconds:.0f}s, replace {runs[1].seconds:.0f}s")
        trial.converged = trial.converged and ok
    finally:
        proxy.close()
    say(f"  slow engine: converged={trial.converged} ({trial.note})")
    return Row(f"slow engine (a latency proxy, {delay * 1000:.0f} ms per read)", [trial])


# dfwctl stopped ------------------------------------------------------------------------------
def signals(engine: PrivateEngine, work: Path, say: Say) -> Row:
    def send(sig: int, twice: bool = False) -> Callable[["subprocess.Popen[str]"], None]:
        def fault(proc: "subprocess.Popen[str]") -> None:
            proc.send_signal(sig)
            if twice:
                threading.Timer(0.5, proc.send_signal, (sig,)).start()
        return fault

    cases = (("SIGINT at the 1st create", ": create container", 1, send(signal.SIGINT)),
             ("SIGTERM at the 6th start", ": start container", 6, send(signal.SIGTERM)),
             ("SIGTERM during the run-once wait", "to run to completion", 1,
              send(signal.SIGTERM)),
             ("SIGINT twice at the 3rd create", ": create container", 3,
              send(signal.SIGINT, twice=True)))
    trials = []
    for number, (label, text, nth, fault) in enumerate(cases):
        project = Project(engine, work / f"signal{number}", f"chaos-sig{number}",
                          base_port=port_range(4, number))
        project.write()
        first = project.apply(trigger=counting(text, nth), fault=fault)
        trial = _finish(project, label, [first])
        if first.fired and first.code != 130:
            trial.converged = False
            trial.note = f"exit {first.code}, not 130"
        elif not first.fired:
            trial.note = "the moment never came"
        trials.append(trial)
        say(f"  {label}: exit {first.code}, converged={trial.converged}")
    return Row("dfwctl interrupted (SIGINT, SIGTERM, twice)", trials)


# two applies at once -------------------------------------------------------------------------
def concurrent(engine: PrivateEngine, work: Path, say: Say, trials_count: int = 5) -> Row:
    """Two applies of one playbook at once, on two spellings of DOCKER_HOST and with two lock
    folders and temp folders (two CI jobs sharing an engine)."""
    spellings = (engine.host, f"unix://{engine.sock.parent}/./{engine.sock.name}")
    trials = []
    for number in range(trials_count):
        project = Project(engine, work / f"conc{number}", f"chaos-conc{number}", count=6,
                          ports=False)
        path = project.write()
        text = path.read_text().replace("networks:\n", "networks:\n" + "".join(
            f"  {project.name}-extra{k}: {{}}\n" for k in range(5)), 1)
        path.write_text(text)
        done = _at_once(project, path, spellings)
        both_ok = all(r.code == 0 for r in done)
        note = "" if both_ok else "; ".join(_first_error(r) for r in done if r.code != 0)
        trial = _finish(project, f"trial {number + 1}", done, note=note)
        trial.converged = trial.converged and both_ok
        trials.append(trial)
        say(f"  concurrent trial {number + 1}: converged={trial.converged} "
            f"leftovers={trial.leftovers}")
    return Row("two applies at once, two DOCKER_HOST spellings, two temp folders", trials)


def _at_once(project: Project, path: Path, spellings: Sequence[str]) -> List[Run]:
    """Apply `path` from two processes at once, one per DOCKER_HOST spelling, each with its
    own lock folder and temp folder."""
    runs: List[Optional[Run]] = [None] * len(spellings)

    def one(index: int) -> None:
        env = dict(project.env, DOCKER_HOST=spellings[index],
                   DFWCTL_LOCK_DIR=str(project.work / f"locks{index}"),
                   TMPDIR=str(project.work / f"tmp{index}"))
        (project.work / f"tmp{index}").mkdir(exist_ok=True)
        runs[index] = dfwctl(["apply", "-y", "--lock-timeout", "300", str(path)], env)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(len(spellings))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return [r for r in runs if r is not None]


def settle(engine: PrivateEngine) -> None:
    """Between scenarios: the engine answering, nothing frozen."""
    engine.thaw()
    engine.start()
    time.sleep(0.5)
