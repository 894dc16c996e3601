"""tmpfs mounts of a container, as `docker run --tmpfs` and compose write them:
"/run" or "/run:size=64m,mode=1777". Pure: text in, (target, options) out, ValueError with a
message for the user otherwise."""
from __future__ import annotations

import re
from typing import Any, Tuple

from dfwctl.suggest import did_you_mean

# The options the engine's tmpfs parser takes: mount flags, and tmpfs(5)'s own settings.
FLAGS = ("ro", "rw", "exec", "noexec", "suid", "nosuid", "dev", "nodev", "sync", "async",
         "dirsync", "atime", "noatime", "diratime", "nodiratime", "relatime", "norelatime",
         "strictatime", "nostrictatime", "mand", "nomand", "remount", "bind", "rbind",
         "private", "rprivate", "shared", "rshared", "slave", "rslave", "unbindable",
         "runbindable", "recursive", "tmpcopyup", "notmpcopyup")
SETTINGS = ("size", "mode", "uid", "gid", "nr_inodes", "nr_blocks", "mpol", "huge")
_SIZE = re.compile(r"[0-9]+[kKmMgGtTpPeE%]?")
_MODE = re.compile(r"[0-7]{3,4}")
_NUMBER = re.compile(r"[0-9]+[kKmMgG]?")


def _option(item: str, entry: str) -> None:
    name, equals, setting = item.partition("=")
    if not equals:
        if item not in FLAGS:
            hint = did_you_mean(item, FLAGS + SETTINGS)
            raise ValueError(f'"{entry}": "{item}" is not a tmpfs option{hint}')
        return
    if name not in SETTINGS:
        hint = did_you_mean(name, SETTINGS)
        raise ValueError(f'"{entry}": "{name}" is not a tmpfs setting{hint}')
    pattern = {"size": _SIZE, "mode": _MODE, "nr_inodes": _NUMBER, "nr_blocks": _NUMBER,
               "uid": re.compile(r"[0-9]+"), "gid": re.compile(r"[0-9]+")}.get(name)
    if pattern is not None and not pattern.fullmatch(setting):
        examples = {"size": "64m or 50%", "mode": "1777"}.get(name, "a number")
        raise ValueError(f'"{entry}": {name}={setting} is not valid: write {name}= with '
                         f"{examples}")


def tmpfs_entry(value: Any) -> Tuple[str, str]:
    """"/run:size=64m" -> ("/run", "size=64m")."""
    entry = str(value).strip()
    target, _, options = entry.partition(":")
    if not target.startswith("/"):
        raise ValueError(f'"{entry}": the tmpfs target must be an absolute path in the '
                         "container, like /run")
    if target.rstrip("/") == "":
        raise ValueError(f'"{entry}": a tmpfs cannot be mounted on the container\'s root')
    for item in options.split(",") if options else ():
        _option(item, entry)
    return target, options
