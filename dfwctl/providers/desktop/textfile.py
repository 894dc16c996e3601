"""Careful reads and writes of a settings text file (Docker Desktop's settings, .wslconfig).

Reads keep the bytes' digest and encoding (UTF-8 with or without BOM, UTF-16 with BOM) and
never translate line endings. Writes refuse a file that changed since it was read, keep the
previous content beside it (`<name>.dfwctl.bak`), and replace the file atomically: a
temporary file in the same folder, flushed to disk, then renamed over the original, so the
file is always either the old or the new content."""
from __future__ import annotations

import codecs
import hashlib
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Tuple

from dfwctl.errors import DfwctlError
from dfwctl.providers.desktop.model import BACKUP_SUFFIX

REPLAN = "run `dfwctl plan` again, review it, then apply"


@dataclass(frozen=True)
class TextFile:
    path: Path
    text: str  # "" when the file does not exist
    encoding: str  # utf-8 | utf-8-sig | utf-16
    digest: str  # sha256 of the bytes; "" when the file does not exist
    exists: bool = True


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def decode(data: bytes, path: Path) -> Tuple[str, str]:
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


def read(path: Path, missing_ok: bool = False) -> TextFile:
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        if missing_ok:
            return TextFile(Path(path), "", "utf-8", "", exists=False)
        raise DfwctlError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise DfwctlError(f"{path}: is a folder, not a settings file") from None
    except OSError as exc:
        raise DfwctlError(f"{path}: cannot read: {exc.strerror}") from None
    text, encoding = decode(data, Path(path))
    return TextFile(Path(path), text, encoding, digest(data))


def current_digest(path: Path) -> str:
    try:
        return digest(Path(path).read_bytes())
    except FileNotFoundError:
        return ""
    except OSError as exc:
        raise DfwctlError(f"{path}: cannot read: {exc.strerror}") from None


def check_unchanged(path: Path, planned: str) -> None:
    """Refuse when the file is not what the plan was made from."""
    if current_digest(path) != planned:
        what = "was created" if not planned else "changed"
        raise DfwctlError(
            f"{path} {what} since the plan was made (Docker Desktop, or someone else, wrote "
            "it); dfwctl wrote nothing to it", REPLAN)


def write(path: Path, text: str, encoding: str, planned: str) -> Optional[Path]:
    """Replace the file with `text` when it still has the digest `planned` ("" = absent).
    Returns the backup's path (None when there was no file before)."""
    path = Path(path)
    check_unchanged(path, planned)
    data = text.encode(encoding)
    try:
        mode = stat.S_IMODE(path.stat().st_mode) if planned else None
        backup = None
        if planned:
            backup = path.with_name(path.name + BACKUP_SUFFIX)
            _replace(backup, path.read_bytes(), mode)
            check_unchanged(path, planned)  # the window closes here: nothing written yet
        _replace(path, data, mode)
    except OSError as exc:
        raise DfwctlError(f"{path}: cannot write: {exc.strerror or exc}",
                          "close programs that hold the file open, check its permissions, "
                          "then run apply again") from None
    return backup


def _replace(path: Path, data: bytes, mode: Optional[int]) -> None:
    temp = path.with_name(f".{path.name}.{os.getpid()}.dfwctl.tmp")
    try:
        with open(temp, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if mode is not None:
            os.chmod(temp, mode)
        os.replace(temp, path)
    finally:
        if temp.exists():
            temp.unlink()
