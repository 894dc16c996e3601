"""Secrets handed to containers as files, in compose's terms: a grant names a secret
(`source`) and where the container finds it (`target`, by default /run/secrets/<source>), with
the owner and mode of the file; and the key that digests of secrets are made with. Pure (but
for a new key's random bytes): values in, values out, ValueError with a message for the user
otherwise.

A secret's value travels as a SecretValue, whose repr never shows it, so a value that reaches
a log line or a traceback by mistake is still hidden."""
from __future__ import annotations

import hashlib
import hmac
import os
import posixpath
import re
from dataclasses import dataclass, field
from typing import Any, Mapping, Optional, Tuple

SECRETS_DIR = "/run/secrets"
DEFAULT_MODE = 0o444  # compose's and swarm's: world-readable, no write bits
WRITE_BITS = 0o222
MAX_SIZE = 1024 * 1024  # bytes; a secret is a password, a token, a key or a certificate
NAME = re.compile(r"[a-zA-Z0-9][a-zA-Z0-9_.-]*")  # compose's secret names
_NUMBER = re.compile(r"[0-9]+")
_OCTAL_TEXT = re.compile(r"(0o|0O|0)?([0-7]{1,4})")
KEYED_PREFIX = "sensitive:hmac-sha256:"  # a digest of a secret's value, made with a key
KEY_BYTES = 32
_KEY_TEXT = re.compile(r"[0-9a-f]{64}")


class SecretValue:
    """A secret's bytes. Its repr and str say nothing about them."""

    __slots__ = ("_data",)

    def __init__(self, data: bytes):
        self._data = bytes(data)

    @property
    def data(self) -> bytes:
        return self._data

    def texts(self) -> Tuple[str, ...]:
        """What output must never show: the value as text, with and without the line end a
        file usually has (nothing for bytes that are not UTF-8 text)."""
        try:
            text = self._data.decode("utf-8")
        except UnicodeDecodeError:
            return ()
        return tuple(t for t in dict.fromkeys((text, text.rstrip("\r\n"))) if t)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SecretValue) and other._data == self._data

    def __hash__(self) -> int:
        return hash(self._data)

    def __repr__(self) -> str:
        return "SecretValue(<sensitive>)"

    __str__ = __repr__


@dataclass(frozen=True)
class Grant:
    """One secret a container gets as a file."""

    source: str
    target: str  # absolute, normalised
    uid: Optional[str] = None
    gid: Optional[str] = None
    mode: Optional[int] = None  # without write bits

    @property
    def owned(self) -> bool:
        """It sets the file's owner or mode (which a bind mount cannot)."""
        return self.uid is not None or self.gid is not None or self.mode is not None

    def options(self) -> str:
        """"uid 999, gid 999, mode 0440": what it sets, in the words plans use."""
        found = []
        if self.uid is not None:
            found.append(f"uid {self.uid}")
        if self.gid is not None:
            found.append(f"gid {self.gid}")
        if self.mode is not None:
            found.append(f"mode {self.mode:04o}")
        return ", ".join(found)


def target_path(target: Optional[str], source: str) -> str:
    """Where the container finds the file: /run/secrets/<source> by default; a relative
    target is a name in /run/secrets, an absolute one is used as it is."""
    text = source if target is None else str(target)
    if not text.strip():
        raise ValueError("the target is empty: write a file name (in /run/secrets) or an "
                         "absolute path in the container")
    if "\0" in text:
        raise ValueError("the target contains a NUL character")
    if text.startswith("/"):
        path = posixpath.normpath(text)
    else:
        if any(part == ".." for part in text.replace("\\", "/").split("/")):
            raise ValueError(f'target "{text}" leaves {SECRETS_DIR}: write a name in it, or '
                             "an absolute path")
        path = posixpath.normpath(f"{SECRETS_DIR}/{text}")
    if path in ("/", SECRETS_DIR) or path.startswith("//"):
        raise ValueError(f'target "{text}" is a folder, not a file: write a file path, like '
                         f"{SECRETS_DIR}/{source}")
    return path


def owner_id(value: Any, key: str) -> str:
    """uid or gid: a number (compose writes them as strings, "1000")."""
    text = str(value).strip() if not isinstance(value, bool) else ""
    if not _NUMBER.fullmatch(text) or int(text) > 2**32 - 2:
        raise ValueError(f"{key} {value!r} is not a numeric {'user' if key == 'uid' else 'group'}"
                         " id: write the number, like \"1000\" (names are not looked up in the "
                         "image)")
    return str(int(text))


def file_mode(value: Any, leading_zero: bool = False) -> int:
    """A mode as compose reads it: an integer (0o440, or 288; written 0440, it is octal, as
    compose reads it), or octal text ("0440", "440", "0o440")."""
    if isinstance(value, bool):
        raise ValueError("mode must be a number such as 0o440, not true or false")
    if isinstance(value, int):
        mode = int(str(value), 8) if leading_zero else value
    else:
        match = _OCTAL_TEXT.fullmatch(str(value).strip())
        if match is None:
            raise ValueError(f"mode {value!r} is not an octal mode: write it like 0o440 or "
                             "\"0440\"")
        mode = int(match.group(2), 8)
    if not 0 <= mode <= 0o7777:
        raise ValueError(f"mode {value!r} is beyond 0o7777: write it like 0o440")
    return mode


def written_with_leading_zero(value: Any) -> bool:
    """Whether an integer was written with a leading zero (0440), as the positioned loader
    keeps it: YAML reads that as decimal, compose as octal."""
    width = getattr(value, "_width", None)
    return isinstance(width, int) and width > len(str(int(value)))


def may_be_octal(value: Any) -> bool:
    """An integer whose digits could be an octal mode written with its leading zero dropped
    by the loader: only its spelling tells (0o440, 0x120 spell their base)."""
    from ruamel.yaml.scalarint import ScalarInt

    if isinstance(value, ScalarInt) and type(value) is not ScalarInt:
        return False  # the positioned loader kept its base: OctalInt, HexInt, BinaryInt
    return isinstance(value, int) and not isinstance(value, bool) and \
        all(d in "01234567" for d in str(value)) and value >= 8


def grant(entry: Any) -> Grant:
    """A container's secrets entry (a name, or {source, target, uid, gid, mode}) as a Grant,
    write bits removed from the mode (compose: secrets are not writable)."""
    if isinstance(entry, str):
        return Grant(entry, target_path(None, entry))
    if not isinstance(entry, Mapping):
        raise ValueError(f"{entry!r} is not a secret: write its name, or "
                         "{source: NAME, target: PATH}")
    source = str(entry.get("source", ""))
    mode = entry.get("mode")
    return Grant(
        source=source,
        target=target_path(entry.get("target"), source),
        uid=owner_id(entry["uid"], "uid") if entry.get("uid") is not None else None,
        gid=owner_id(entry["gid"], "gid") if entry.get("gid") is not None else None,
        mode=(file_mode(mode, written_with_leading_zero(mode)) & ~WRITE_BITS
              if mode is not None else None),
    )


@dataclass(frozen=True)
class SecretSource:
    """A secret of the playbook (top-level `secrets:`): read from a file, or from a variable
    of the environment (or .env), and its value."""

    name: str
    file: Optional[str] = None  # the absolute path dfwctl read it from
    environment: Optional[str] = None  # the variable it came from
    value: SecretValue = field(default=SecretValue(b""), compare=False, repr=False)

    @property
    def origin(self) -> str:
        """"file C:\\x\\db.txt" or "variable DB_PASSWORD": where it comes from, in plans."""
        return f"file {self.file}" if self.file is not None else f"variable {self.environment}"


class SecretsKey:
    """The key of a playbook's secret digests on one engine. Its repr never shows it."""

    __slots__ = ("_key",)

    def __init__(self, key: bytes):
        self._key = bytes(key)

    @classmethod
    def generate(cls) -> SecretsKey:
        return cls(os.urandom(KEY_BYTES))

    @classmethod
    def from_label(cls, text: Optional[str]) -> Optional[SecretsKey]:
        """The key a label holds, or None when it holds none that dfwctl wrote."""
        if not text or not _KEY_TEXT.fullmatch(text):
            return None
        return cls(bytes.fromhex(text))

    def label(self) -> str:
        return self._key.hex()

    @property
    def id(self) -> str:
        """Names the key in digests (a digest made with another key is not compared); says
        nothing about it."""
        return hashlib.sha256(b"dfwctl secrets key id\0" + self._key).hexdigest()[:12]

    def digest(self, name: str, value: SecretValue) -> str:
        mac = hmac.new(self._key, b"dfwctl secret\0" + name.encode() + b"\0" + value.data,
                       hashlib.sha256).hexdigest()[:32]
        return f"{KEYED_PREFIX}{self.id}:{mac}"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SecretsKey) and hmac.compare_digest(self._key, other._key)

    def __hash__(self) -> int:
        return hash(self.id)

    def __repr__(self) -> str:
        return f"SecretsKey(id={self.id})"


def key_id_of(digest: object) -> Optional[str]:
    """The id of the key a recorded digest was made with."""
    if not isinstance(digest, str) or not digest.startswith(KEYED_PREFIX):
        return None
    return digest[len(KEYED_PREFIX):].partition(":")[0]
