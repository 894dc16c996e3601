import re

import pytest

from dfwctl.values.sizes import GIB, KIB, MIB, TIB, format_size, parse_size

ACCEPTED = "use bytes or a number with a unit, like 512MiB or 4GiB"


@pytest.mark.parametrize(
    "value, expected",
    [
        (0, 0),
        (4096, 4096),
        (4 * GIB, 4 * GIB),
        ("0", 0),
        ("1000", 1000),
        ("4294967296", 4 * GIB),
        ("512B", 512),
        ("512b", 512),
        ("512 B", 512),
        ("1K", KIB),
        ("1k", KIB),
        ("1KB", KIB),
        ("1kb", KIB),
        ("1KiB", KIB),
        ("1kib", KIB),
        ("512M", 512 * MIB),
        ("512MB", 512 * MIB),
        ("512MiB", 512 * MIB),
        ("512 MiB", 512 * MIB),
        ("512mib", 512 * MIB),
        ("4G", 4 * GIB),
        ("4GB", 4 * GIB),  # GB means GiB in playbooks
        ("4gb", 4 * GIB),
        ("4GiB", 4 * GIB),
        ("4 GiB", 4 * GIB),
        ("4 gIb", 4 * GIB),
        ("2T", 2 * TIB),
        ("2TB", 2 * TIB),
        ("2TiB", 2 * TIB),
        ("1.5GiB", 1536 * MIB),
        ("1.5 GB", 1536 * MIB),
        ("0.5K", 512),
        ("0.25MiB", 256 * KIB),
        ("1.0GiB", GIB),
        ("1.50GiB", 1536 * MIB),
        ("64GiB", 64 * GIB),
        ("007MiB", 7 * MIB),
    ],
)
def test_parse_size(value, expected):
    assert parse_size(value) == expected


@pytest.mark.parametrize(
    "value, message",
    [
        ("4 gigs", f'"4 gigs" is not a size: {ACCEPTED}'),
        ("", f'"" is not a size: {ACCEPTED}'),
        ("GiB", f'"GiB" is not a size: {ACCEPTED}'),
        ("4XB", f'"4XB" is not a size: {ACCEPTED}'),
        ("4 PiB", f'"4 PiB" is not a size: {ACCEPTED}'),
        ("4  GiB", f'"4  GiB" is not a size: {ACCEPTED}'),
        (" 4GiB", f'" 4GiB" is not a size: {ACCEPTED}'),
        ("4GiB ", f'"4GiB " is not a size: {ACCEPTED}'),
        ("-1GiB", f'"-1GiB" is not a size: {ACCEPTED}'),
        ("-1", f'"-1" is not a size: {ACCEPTED}'),
        ("1.5", f'"1.5" is not a size: {ACCEPTED}'),
        (".5GiB", f'".5GiB" is not a size: {ACCEPTED}'),
        ("5.GiB", f'"5.GiB" is not a size: {ACCEPTED}'),
        ("1,5GiB", f'"1,5GiB" is not a size: {ACCEPTED}'),
        ("1e3", f'"1e3" is not a size: {ACCEPTED}'),
        ("1_000", f'"1_000" is not a size: {ACCEPTED}'),
        ("４GiB", f'"４GiB" is not a size: {ACCEPTED}'),  # a full-width digit
        ("9" * 31, f'"{"9" * 31}" is not a size: {ACCEPTED}'),
        (-1, "-1 is not a size: a size cannot be negative"),
        (True, f"true is not a size: {ACCEPTED}"),
        (False, f"false is not a size: {ACCEPTED}"),
        (1.5, f"1.5 is not a size: {ACCEPTED}"),
        (None, f"null is not a size: {ACCEPTED}"),
        ([4], f"[4] is not a size: {ACCEPTED}"),
        (
            "1.5B",
            '"1.5B" is not a whole number of bytes: '
            "use a smaller unit or a whole number, like 1536MiB",
        ),
        (
            "0.3KiB",
            '"0.3KiB" is not a whole number of bytes: '
            "use a smaller unit or a whole number, like 1536MiB",
        ),
    ],
)
def test_parse_size_rejects(value, message):
    with pytest.raises(ValueError, match=re.escape(message)) as error:
        parse_size(value)
    assert str(error.value) == message


@pytest.mark.parametrize(
    "n, expected",
    [
        (0, "0B"),
        (1, "1B"),
        (1000, "1000B"),
        (1023, "1023B"),
        (1024, "1KiB"),
        (1536, "1536B"),
        (2048, "2KiB"),
        (1000 * KIB, "1000KiB"),
        (MIB, "1MiB"),
        (512 * MIB, "512MiB"),
        (536870912, "512MiB"),
        (1536 * MIB, "1536MiB"),
        (1023 * MIB, "1023MiB"),
        (1024 * MIB, "1GiB"),
        (4294967296, "4GiB"),
        (64 * GIB, "64GiB"),
        (1025 * GIB, "1025GiB"),
        (TIB, "1TiB"),
        (2048 * TIB, "2048TiB"),
        (GIB + 1, "1073741825B"),
    ],
)
def test_format_size(n, expected):
    assert format_size(n) == expected


@pytest.mark.parametrize(
    "n", [0, 1, 1000, 1536, 2 * MIB, 1536 * MIB, 4 * GIB, 3 * TIB, GIB + 1, 7 * KIB]
)
def test_format_size_round_trips(n):
    assert parse_size(format_size(n)) == n


@pytest.mark.parametrize(
    "n, message",
    [
        (-1, "-1 is not a size: a size cannot be negative"),
        (True, "true is not a number of bytes"),
        (1.0, "1.0 is not a number of bytes"),
        ("4GiB", '"4GiB" is not a number of bytes'),
    ],
)
def test_format_size_rejects(n, message):
    with pytest.raises(ValueError, match=re.escape(message)) as error:
        format_size(n)
    assert str(error.value) == message


def test_constants():
    assert (KIB, MIB, GIB, TIB) == (1024, 1024 * 1024, 1024 * 1024 * 1024, 1024**4)
