"""Secrets as files, as values: where a grant puts its file, its owner and mode as compose
reads them, values that never show in a repr, and the key digests are made with."""
from __future__ import annotations

from pathlib import Path

import pytest

from dfwctl.load import parse
from dfwctl.values.secrets import (
    DEFAULT_MODE,
    Grant,
    SecretsKey,
    SecretSource,
    SecretValue,
    file_mode,
    grant,
    key_id_of,
    may_be_octal,
    owner_id,
    target_path,
    written_with_leading_zero,
)


@pytest.mark.parametrize("target, source, path", [
    (None, "db-password", "/run/secrets/db-password"),
    ("password.txt", "db-password", "/run/secrets/password.txt"),
    ("certs/server.pem", "tls", "/run/secrets/certs/server.pem"),
    ("/etc/app/token", "token", "/etc/app/token"),
    ("/etc//app/./token", "token", "/etc/app/token"),
])
def test_target_path(target, source, path):
    assert target_path(target, source) == path


@pytest.mark.parametrize("target, message", [
    ("", "the target is empty"),
    ("../etc/passwd", 'target "../etc/passwd" leaves /run/secrets'),
    ("/run/secrets", 'target "/run/secrets" is a folder'),
    ("/", 'target "/" is a folder'),
    ("a\0b", "NUL"),
])
def test_targets_that_are_no_file_path(target, message):
    with pytest.raises(ValueError, match=message.replace(".", r"\.")):
        target_path(target, "x")


@pytest.mark.parametrize("value, text", [("1000", "1000"), (1000, "1000"), ("0", "0"),
                                         (" 999 ", "999"), ("007", "7")])
def test_owner_ids_are_numbers(value, text):
    assert owner_id(value, "uid") == text


@pytest.mark.parametrize("value", ["postgres", "-1", "1.5", True, "4294967295"])
def test_owner_ids_that_are_not_numbers(value):
    with pytest.raises(ValueError, match="is not a numeric user id"):
        owner_id(value, "uid")


@pytest.mark.parametrize("value, leading_zero, mode", [
    (0o440, False, 0o440),  # written 0o440
    (288, False, 0o440),  # written as its decimal value
    (440, True, 0o440),  # written 0440: compose reads it as octal
    ("0440", False, 0o440),
    ("440", False, 0o440),
    ("0o400", False, 0o400),
    ("4755", False, 0o4755),
])
def test_file_modes_as_compose_reads_them(value, leading_zero, mode):
    assert file_mode(value, leading_zero) == mode


@pytest.mark.parametrize("value, message", [
    ("rw-r--r--", "is not an octal mode"),
    ("0890", "is not an octal mode"),
    (0o17777, "beyond 0o7777"),
    (-1, "beyond 0o7777"),
    (True, "not true or false"),
])
def test_file_modes_that_do_not_parse(value, message):
    with pytest.raises(ValueError, match=message):
        file_mode(value)


def test_the_positioned_loader_tells_a_leading_zero():
    doc = parse("a: 0440\nb: 440\nc: 0o440\n", Path("p.yml"))
    assert written_with_leading_zero(doc.data["a"])
    assert not written_with_leading_zero(doc.data["b"])
    assert not written_with_leading_zero(doc.data["c"])
    assert may_be_octal(440) and may_be_octal(400)
    assert not may_be_octal(288) and not may_be_octal(7) and not may_be_octal(True)


def test_a_grant_by_name_and_in_long_syntax():
    assert grant("db-password") == Grant("db-password", "/run/secrets/db-password")
    found = grant({"source": "key", "target": "mongo.key", "uid": "999", "gid": 999,
                   "mode": "0600"})
    assert found == Grant("key", "/run/secrets/mongo.key", "999", "999", 0o400)
    assert found.owned and not grant("x").owned
    assert found.options() == "uid 999, gid 999, mode 0400"  # the write bit is dropped


def test_a_value_never_shows_in_its_repr():
    value = SecretValue(b"hunter2\n")
    source = SecretSource("db", file="/x/db.txt", value=value)
    for shown in (repr(value), str(value), repr(source)):
        assert "hunter2" not in shown
    assert value.texts() == ("hunter2\n", "hunter2")
    assert SecretValue(b"\xff\xfe").texts() == ()  # not text: it cannot show in text
    assert source.origin == "file /x/db.txt"
    assert SecretSource("t", environment="TOKEN").origin == "variable TOKEN"


def test_digests_depend_on_the_key_the_name_and_the_value():
    one, two = SecretsKey(b"\1" * 32), SecretsKey(b"\2" * 32)
    value = SecretValue(b"s3cret")
    digest = one.digest("db", value)
    assert digest.startswith("sensitive:hmac-sha256:") and "s3cret" not in digest
    assert digest == one.digest("db", SecretValue(b"s3cret"))
    assert len({digest, two.digest("db", value), one.digest("api", value),
                one.digest("db", SecretValue(b"s3cret\n"))}) == 4
    assert key_id_of(digest) == one.id != two.id
    assert key_id_of("sensitive:sha256:abc") is None


def test_a_key_goes_into_a_label_and_back_and_never_into_a_repr():
    key = SecretsKey.generate()
    assert SecretsKey.from_label(key.label()) == key
    assert key.label() not in repr(key)
    assert SecretsKey.generate() != key
    for broken in (None, "", "xyz", key.label()[:-2], key.label().upper()):
        assert SecretsKey.from_label(broken) is None


def test_the_default_mode_is_world_readable_without_write_bits():
    assert DEFAULT_MODE == 0o444
