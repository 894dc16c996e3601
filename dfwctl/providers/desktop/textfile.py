"""Careful reads and writes of a settings text file (Docker Desktop's settings, .wslconfig).

Reads keep the bytes' digest and encoding (UTF-8 with or without BOM, UTF-16 with BOM) and
never translate line endings. Writes refuse a file that changed since it was read, keep the
previous content beside it (`<name>.dfwctl.bak`), and replace the file atomically: a
temporary file in the same folder, flushed to disk, then renamed over the original, so the
file is always either the old or the new content."""
from __future__ import annotations

import codecs
import hashlib
from dataclasses import dataclass
from pathlib import PurePath
from typing import Optional, Tuple

from dfwctl.errors import DfwctlError
from dfwctl.providers.desktop.model import BACKUP_SUFFIX
from dfwctl.providers.desktop.system import System

REPLAN = "run `dfwctl plan` again, review it, then apply"


@dataclass(frozen=True)
class TextFile:
    path: PurePath
    text: str  # "" when the file does not exist
    encoding: str  # utf-8 | utf-8-sig | utf-16
    digest: str  # sha256 of the bytes; "" when the file does not exist
    exists: bool = True


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def decode(data: bytes, path: PurePath) -> Tuple[str, str]:
    """(text, encoding) of a file's bytes."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"
    elif data.startswith(codecs.BOM_UTF8):
        encoding = "utf-8-sig"
    else:
        encoding = "utf-8"
    try:
        return data.decode(encoding), encoding
    except UnicodeDecodeError:
        raise DfwctlError(f"{path}: not UTF-8 or UTF-16 text",
                          "open it in an editor and save it as UTF-8") from None


def read(system: System, path: PurePath, missing_ok: bool = False) -> TextFile:
    data = system.read(path)
    if data is None:
        if missing_ok:
            return TextFile(path, "", "utf-8", "", exists=False)
        raise DfwctlError(f"{path}: no such file")
    text, encoding = decode(data, path)
    return TextFile(path, text, encoding, digest(data))


def current_digest(system: System, path: PurePath) -> str:
    data = system.read(path)
    return "" if data is None else digest(data)


def changed(path: PurePath, planned: str) -> DfwctlError:
    what = "was created" if not planned else "changed"
    return DfwctlError(f"{path} {what} since the plan was made (Docker Desktop, or someone "
                       "else, wrote it); dfwctl wrote nothing to it", REPLAN)


def check_unchanged(system: System, path: PurePath, planned: str) -> None:
    """Refuse when the file is not what the plan was made from."""
    if current_digest(system, path) != planned:
        raise changed(path, planned)


def write(system: System, path: PurePath, text: str, encoding: str,
          planned: str) -> Optional[PurePath]:
    """Replace the file with `text` when it still has the digest `planned` ("" = absent).
    Returns the backup's path (None when there was no file before)."""
    check_unchanged(system, path, planned)
    backup = path.with_name(path.name + BACKUP_SUFFIX) if planned else None
    if not system.replace(path, text.encode(encoding), backup, planned):
        raise changed(path, planned)
    return backup
