"""Log drivers and their options (compose's `logging: {driver, options}`), checked as the
engine checks the drivers it ships with: json-file and local rotate their files with max-size
and max-file, which is what keeps a Docker Desktop VM's disk from filling. Pure."""
from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Tuple

from dfwctl.suggest import closest

# The drivers built into the engine. Any other name is a logging plugin (installed with
# `docker plugin install`, possibly under an alias), which only the engine knows.
BUILTIN = ("json-file", "local", "journald", "syslog", "gelf", "fluentd", "awslogs", "splunk",
           "etwlogs", "gcplogs", "logentries", "none")
# The options the engine accepts for its rotating file drivers; it refuses any other name
# when the container is created ("unknown log opt 'x' for json-file log driver").
OPTIONS: Dict[str, Tuple[str, ...]] = {
    "json-file": ("max-size", "max-file", "compress", "labels", "labels-regex", "env",
                  "env-regex", "tag"),
    "local": ("max-size", "max-file", "compress"),
    "none": (),
}
_SIZE = re.compile(r"[0-9]+(\.[0-9]+)? ?([kKmMgGtTpP]([iI]?[bB])?|[bB])?")
_BOOLEANS = ("1", "t", "T", "TRUE", "true", "True", "0", "f", "F", "FALSE", "false", "False")
_TRUE = ("1", "t", "T", "TRUE", "true", "True")


def option_text(value: Any) -> str:
    """Log options are strings to the engine: 3 -> "3", true -> "true"."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def unknown_driver(driver: str) -> Optional[str]:
    """A warning for a driver name that is neither built in nor looks like a plugin."""
    if driver in BUILTIN or "/" in driver or ":" in driver:
        return None
    match = closest(driver, BUILTIN)
    if match is None:
        return None
    return (f"log driver \"{driver}\" is not built into the engine; did you mean \"{match}\"? "
            "(a logging plugin of that name works only where it is installed)")


def option_problems(driver: Optional[str], options: Dict[str, str]) -> List[Tuple[str, str]]:
    """(option, message) for each option the engine would refuse, for the drivers whose
    options are known here (json-file, local, none)."""
    known = OPTIONS.get(driver or "")
    if known is None:
        return []
    found: List[Tuple[str, str]] = []
    for name, value in options.items():
        if name not in known:
            if not known:
                found.append((name, f'the {driver} log driver takes no options: remove "{name}"'))
                continue
            match = closest(name, known)
            hint = f'; did you mean "{match}"?' if match else f": known are {', '.join(known)}"
            found.append((name, f'"{name}" is not an option of the {driver} log driver{hint}'))
        elif name == "max-size" and value != "-1" and not _SIZE.fullmatch(value):
            found.append((name, f'max-size "{value}" is not a size: write one like 10m or 1g'))
        elif name == "max-file" and not (value.isdigit() and int(value) >= 1):
            found.append((name, f'max-file "{value}" must be a whole number of files, 1 or more'))
        elif name == "compress" and value not in _BOOLEANS:
            found.append((name, f'compress "{value}" must be true or false'))
    if options.get("compress") in _TRUE and options.get("max-file") == "1":
        found.append(("compress", "compress needs max-file above 1: with one file there is "
                      "nothing to compress"))
    return found
