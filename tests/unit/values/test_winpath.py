"""Bind sources in every spelling users write, and what shares them."""
from __future__ import annotations

import pytest

from dfwctl.values.winpath import (
    DRIVE,
    PIPE,
    POSIX,
    RELATIVE,
    UNC,
    WINDOWS,
    WSL,
    Cover,
    covering,
    parse_source,
    same_folder,
)

# (source as written, kind, drive, canonical form)
FORMS = [
    (r"C:\Users\chicken\Docker\apline-data", DRIVE, "C", r"C:\Users\chicken\Docker\apline-data"),
    (r"c:\users\chicken", DRIVE, "C", r"C:\users\chicken"),
    ("c:/Users/chicken", DRIVE, "C", r"C:\Users\chicken"),
    ("C://Users//chicken/", DRIVE, "C", r"C:\Users\chicken"),
    ("/c/Users/chicken", DRIVE, "C", r"C:\Users\chicken"),
    ("/C/Users/chicken", DRIVE, "C", r"C:\Users\chicken"),
    ("//c/Users/chicken", DRIVE, "C", r"C:\Users\chicken"),
    ("/host_mnt/c/Users/chicken", DRIVE, "C", r"C:\Users\chicken"),
    ("/run/desktop/mnt/host/d/work", DRIVE, "D", r"D:\work"),
    (r"D:\My Projects\web site", DRIVE, "D", r"D:\My Projects\web site"),
    ("/d/My Projects/web site", DRIVE, "D", r"D:\My Projects\web site"),
    (r"\\?\C:\very\long", DRIVE, "C", r"C:\very\long"),
    (r"C:\a\.\b\..\c", DRIVE, "C", r"C:\a\c"),
    ("C:\\", DRIVE, "C", "C:\\"),
    ("/c", DRIVE, "C", "C:\\"),
    (r"\\fileserver\share\data", UNC, "", r"\\fileserver\share\data"),
    ("//fileserver/share/data", UNC, "", r"\\fileserver\share\data"),
    (r"\\?\UNC\fileserver\share", UNC, "", r"\\fileserver\share"),
    (r"\\wsl$\Ubuntu\home\me", WSL, "", r"\\wsl$\Ubuntu\home\me"),
    ("//wsl.localhost/Ubuntu/home/me", WSL, "", r"\\wsl.localhost\Ubuntu\home\me"),
    (r"\\.\pipe\docker_engine", PIPE, "", r"\\.\pipe\docker_engine"),
    ("/home/me/data", POSIX, "", "/home/me/data"),
    ("/var/run/docker.sock", POSIX, "", "/var/run/docker.sock"),
    ("data", RELATIVE, "", "data"),
    (r"data\sub", RELATIVE, "", r"data\sub"),
    (r"\Users\me", RELATIVE, "", r"\Users\me"),
    ("C:data", RELATIVE, "C", "C:data"),
]


@pytest.mark.parametrize("text,kind,drive,canonical", FORMS)
def test_every_spelling_is_read(text, kind, drive, canonical):
    parsed = parse_source(text)
    assert (parsed.kind, parsed.drive, parsed.windows) == (kind, drive, canonical)
    assert parsed.text == (text[4:] if text.startswith("\\\\?\\C") else text)


@pytest.mark.parametrize("text, kind, canonical", [
    ("//?/C:/very/long", DRIVE, r"C:\very\long"),
    ("//?/UNC/fileserver/share/x", UNC, r"\\fileserver\share\x"),
    (r"\\?\unc\fileserver\share", UNC, r"\\fileserver\share"),
    (r"\\?\Volume{b75e2c83-0000}\x", RELATIVE, r"\\?\Volume{b75e2c83-0000}\x"),
    ("//./pipe/docker_engine", PIPE, "//./pipe/docker_engine"),
])
def test_long_path_and_pipe_prefixes_in_forward_slashes_too(text, kind, canonical):
    parsed = parse_source(text)
    assert (parsed.kind, parsed.windows) == (kind, canonical)
    assert parsed.text == (text[4:] if kind == DRIVE else text)


@pytest.mark.parametrize("text, server, share", [
    (r"\\server", "server", ""),
    ("\\\\", "", ""),
    (r"\\server\share", "server", "share"),
])
def test_a_network_path_without_share_or_server_has_them_empty(text, server, share):
    parsed = parse_source(text)
    assert (parsed.kind, parsed.text, parsed.server, parsed.share, parsed.parts) == (
        UNC, text, server, share, ())


def test_wsl_share_names_the_distribution():
    parsed = parse_source(r"\\wsl$\Ubuntu-22.04\home\me")
    assert (parsed.server, parsed.share, parsed.parts) == ("wsl$", "Ubuntu-22.04", ("home", "me"))


@pytest.mark.parametrize("text", ["/c/Users/me", "/host_mnt/c/x", "/home/me"])
def test_on_macos_and_linux_every_absolute_path_is_a_host_path(text):
    parsed = parse_source(text, host="darwin")
    assert (parsed.kind, parsed.text, parsed.windows) == (POSIX, text, text)


def test_on_macos_and_linux_a_double_slash_is_a_network_share():
    assert parse_source("//srv/share/x", host="linux").kind == UNC


def test_windows_paths_stay_windows_paths_on_other_hosts():
    assert parse_source(r"C:\x", host="linux").kind == DRIVE
    assert parse_source(r"\\srv\share", host="linux").kind == UNC


# (source, shared drives, shared folders, the entry that covers it or None)
COVERAGE = [
    (r"C:\Users\me\x", ["C"], [], "C"),
    (r"C:\Users\me\x", ["c"], [], "C"),
    ("/c/Users/me/x", ["C"], [], "C"),
    (r"C:\Users\me\x", ["D"], [], None),
    (r"C:\Users\me\x", [], [], None),
    (r"C:\Users\me\x", [], [r"C:\Users"], r"C:\Users"),
    (r"C:\Users\me\x", [], ["c:/Users/me/x"], "c:/Users/me/x"),
    ("/host_mnt/c/Users/me", [], [r"C:\Users"], r"C:\Users"),
    (r"C:\Users\me\x", [], [r"C:\Users\me\x\deeper"], None),
    (r"C:\Users\meadow", [], [r"C:\Users\me"], None),
    (r"D:\Projects\web", [], [r"C:\Projects"], None),
    (r"D:\My Projects\site", [], [r"D:\My Projects"], r"D:\My Projects"),
]


@pytest.mark.parametrize("source,drives,folders,entry", COVERAGE)
def test_coverage(source, drives, folders, entry):
    found = covering(parse_source(source), drives, folders)
    assert (found.entry if found else None) == entry


def test_a_folder_matching_only_in_letter_case_is_flagged():
    found = covering(parse_source(r"C:\users\ME\x"), [], [r"C:\Users\me"])
    assert found.entry == r"C:\Users\me" and not found.same_case
    assert covering(parse_source(r"c:\Users\me\x"), [], [r"C:\Users\me"]).same_case


def test_linux_folders_are_case_sensitive():
    assert covering(parse_source("/home/Me/x", "linux"), [], ["/home/me"], "linux") is None
    assert covering(parse_source("/home/me/x", "linux"), [], ["/home/me"], "linux")


@pytest.mark.parametrize("a,b,same", [
    (r"C:\Users\me", "c:/users/me/", True),
    (r"C:\Users\me", "/c/Users/me", True),
    (r"C:\Users\me", r"C:\Users\you", False),
    (r"C:\Users", r"D:\Users", False),
])
def test_same_folder(a, b, same):
    assert same_folder(a, b) is same


@pytest.mark.parametrize("a, b, host, same", [
    ("data", "data", WINDOWS, True),  # relative texts: only the same text is the same
    ("./data", "./Data", WINDOWS, False),
    ("data", r"C:\data", WINDOWS, False),  # other kinds
    ("/home/Me", "/home/me", "linux", False),  # Linux folders keep their case
    ("/home/me/", "/home/me", "linux", True),
    ("/home/me", "/home//me", "linux", True),
    ("/Users/Me", "/users/me", "darwin", True),
    ("/c/Users/me", r"C:\Users\me", WINDOWS, True),  # on Windows /c/ is drive C
    ("/c/x", "/c/x/", "linux", True),  # elsewhere it is a folder of the host
])
def test_same_folder_by_kind_and_host(a, b, host, same):
    assert same_folder(a, b, host) is same


def test_a_folder_covers_past_entries_of_other_drives_and_deeper_folders():
    source = parse_source(r"C:\a\b")
    assert covering(source, [], [r"D:\a", r"C:\a\b\c", r"\\srv\share", r"C:\a"]) == Cover(r"C:\a")
    assert covering(source, ["d"], [r"c:\A"]) == Cover(r"c:\A", same_case=False)
    assert covering(source, ["c"], []) == Cover("C")
    assert covering(source, [], ["/c/a"]) == Cover("/c/a")


def test_on_linux_folders_are_read_as_linux_paths():
    source = parse_source("/home/me/x", "linux")
    assert covering(source, [], ["/srv", "/home/me"], "linux") == Cover("/home/me")
