"""Validation of the container options docker compose users write: what the engine would refuse
(at create, or when the container starts) that the playbook alone shows, each error at the
entry it is about."""
from __future__ import annotations

import os
from typing import Any, Callable, Dict, Iterator

from dfwctl.checker import Checker, Path
from dfwctl.errors import DfwctlError, Diagnostic
from dfwctl.providers.docker import envfiles
from dfwctl.tree import mapping
from dfwctl.values import devices, hosts, limits, security
from dfwctl.values.bounds import INT64_MAX, MAX_DURATION_SECONDS, Bound
from dfwctl.values.durations import whole_seconds
from dfwctl.values.logdrivers import option_problems, option_text, unknown_driver
from dfwctl.values.tmpfs import tmpfs_entry

Check = Callable[[Any], Any]  # raises ValueError with the user's message
STOP_TIMEOUT = Bound(0, MAX_DURATION_SECONDS, "seconds", integer=True,
                     why="the longest wait the engine counts, about 292 years")
BYTES = Bound(0, INT64_MAX, "bytes", integer=True, why="the engine holds sizes in 64 bits")

# Options whose value is one entry or a list of entries, each checked alone.
_ENTRIES: Dict[str, Check] = {
    "dns": hosts.dns_server,
    "dns_search": hosts.dns_domain,
    "cap_add": security.capability,
    "cap_drop": security.capability,
    "devices": devices.device,
    "tmpfs": tmpfs_entry,
    "security_opt": security.security_option,
}


def option_rules(c: Checker, path: Path, spec: Dict[Any, Any]) -> Iterator[Diagnostic]:
    """Every problem of one container's options."""
    for key, check in _ENTRIES.items():
        yield from _entries(c, path + (key,), spec.get(key), check)
    yield from _extra_hosts(c, path, spec)
    yield from _gpus(c, path, spec)
    yield from _logging(c, path, spec)
    yield from _ulimits(c, path, spec)
    yield from _sysctls(c, path, spec)
    yield from _stop_grace_period(c, path, spec)
    yield from _seccomp_files(c, path, spec)
    yield from _env_files(c, path, spec)
    size = c.sizes.get(path + ("shm_size",))
    problem = BYTES.problem(size, f'"{spec.get("shm_size")}"') if size is not None else None
    if problem:
        yield c.error(path + ("shm_size",), problem)


def _entries(c: Checker, where: Path, value: Any, check: Check) -> Iterator[Diagnostic]:
    if value is None or not c.ok(where):
        return
    items = list(enumerate(value)) if isinstance(value, list) else [(None, value)]
    for index, item in items:
        try:
            check(item)
        except ValueError as exc:
            yield c.error(where if index is None else where + (index,), str(exc))


def _extra_hosts(c: Checker, path: Path, spec: Dict[Any, Any]) -> Iterator[Diagnostic]:
    where = path + ("extra_hosts",)
    value = spec.get("extra_hosts")
    if not isinstance(value, dict):
        yield from _entries(c, where, value, hosts.extra_host)
        return
    if not c.ok(where):
        return
    for host, addresses in value.items():
        try:
            hosts.extra_host_pairs(host, addresses)
        except ValueError as exc:
            yield c.error(where + (host,), str(exc))


def _gpus(c: Checker, path: Path, spec: Dict[Any, Any]) -> Iterator[Diagnostic]:
    value = spec.get("gpus")
    if isinstance(value, list):
        yield from _entries(c, path + ("gpus",), value, devices.gpu_request)


def _logging(c: Checker, path: Path, spec: Dict[Any, Any]) -> Iterator[Diagnostic]:
    where = path + ("logging",)
    logging = mapping(spec, "logging")
    if not logging or not c.ok(where):
        return
    driver = logging.get("driver")
    if driver is not None:
        warning = unknown_driver(str(driver))
        if warning:
            yield c.warning(where + ("driver",), warning)
    options = {str(k): option_text(v) for k, v in mapping(logging, "options").items()}
    for name, message in option_problems(driver, options):
        yield c.error(where + ("options", name), message)


def _ulimits(c: Checker, path: Path, spec: Dict[Any, Any]) -> Iterator[Diagnostic]:
    where = path + ("ulimits",)
    if not c.ok(where):
        return
    for name, value in mapping(spec, "ulimits").items():
        try:
            limits.ulimit_name(name)
        except ValueError as exc:
            yield c.error(where + (name,), str(exc), key=True)
            continue
        try:
            limits.ulimit(name, value)
        except ValueError as exc:
            yield c.error(where + (name,), str(exc))


def _sysctls(c: Checker, path: Path, spec: Dict[Any, Any]) -> Iterator[Diagnostic]:
    where = path + ("sysctls",)
    value = spec.get("sysctls")
    if isinstance(value, list):
        yield from _entries(c, where, value, lambda e: limits.sysctl_name(str(e).partition("=")[0]))
        return
    if not c.ok(where):
        return
    for name in mapping(spec, "sysctls"):
        try:
            limits.sysctl_name(name)
        except ValueError as exc:
            yield c.error(where + (name,), str(exc), key=True)


def _stop_grace_period(c: Checker, path: Path, spec: Dict[Any, Any]) -> Iterator[Diagnostic]:
    where = path + ("stop_grace_period",)
    if "stop_grace_period" not in spec or not c.ok(where):
        return
    if "stop_timeout" in spec:
        yield c.error(where, "stop_grace_period and stop_timeout set the same thing: keep one",
                      key=True)
        return
    try:
        seconds = whole_seconds(spec["stop_grace_period"])
    except ValueError as exc:
        yield c.error(where, str(exc))
        return
    problem = STOP_TIMEOUT.problem(seconds, f'"{spec["stop_grace_period"]}"')
    if problem:
        yield c.error(where, problem)


def _env_files(c: Checker, path: Path, spec: Dict[Any, Any]) -> Iterator[Diagnostic]:
    """Each env file must be there (unless required: false), readable, and in compose's
    env-file syntax, with every variable its values use set: each error at the entry naming
    the file."""
    where = path + ("env_file",)
    value = spec.get("env_file")
    if value is None or not c.ok(where):
        return
    merged: Dict[str, str] = {}
    for index, entry in enumerate(envfiles.entries(value)):
        item = where + (index,) if isinstance(value, list) else where
        if isinstance(value, list) and isinstance(value[index], dict):
            item += ("path",)
        try:
            values = envfiles.read_entry(entry, c.doc.directory, c.environ, merged, {})
        except DfwctlError as exc:
            yield c.error(item, f"{exc.message}: {exc.hint}" if exc.hint else exc.message)
            continue
        merged.update(values)
        short = sorted(k for k, v in values.items() if 0 < len(v) < envfiles.SHORT_SECRET)
        if entry.secret and short:
            yield c.warning(item, (
                f"env file {entry.path} is secret, so each of its values is hidden wherever "
                f"dfwctl shows it, inside any text; the short values of {', '.join(short)} "
                "will hide much more (names, ports): keep only secrets in a secret file"))


def _seccomp_files(c: Checker, path: Path, spec: Dict[Any, Any]) -> Iterator[Diagnostic]:
    """A seccomp profile file must be there: the engine takes its text, read by dfwctl."""
    where = path + ("security_opt",)
    value = spec.get("security_opt")
    if not isinstance(value, list) or not c.ok(where):
        return
    for index, item in enumerate(value):
        try:
            profile = security.seccomp_profile(security.security_option(item))
        except ValueError:
            continue  # reported with the option
        if profile is not None and not os.path.isfile(c.doc.directory / profile):
            yield c.error(where + (index,), (
                f'seccomp profile "{profile}" is not a file (relative paths start at the '
                "playbook's folder): write the path of the profile's JSON file, or "
                "seccomp:unconfined"))
