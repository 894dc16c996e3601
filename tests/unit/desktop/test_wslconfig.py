"""`.wslconfig`: reading [wsl2] resources and edits that touch only their lines."""
from __future__ import annotations

import pytest

from dfwctl.providers.desktop import wslconfig
from dfwctl.providers.desktop.system import LocalSystem
from dfwctl.values.sizes import GIB, MIB
from tests import paths

FIXTURE = (paths.FIXTURES / "desktop" / "wslconfig").read_text()


def test_the_fixture_is_read():
    assert wslconfig.values(FIXTURE) == ({"memory": 4 * GIB, "cpus": 2}, {})


@pytest.mark.parametrize("text,found,problems", [
    ("", {}, {}),
    ("[wsl2]\nmemory = 512MB\nswap=0\n", {"memory": 512 * MIB, "swap": 0}, {}),
    ("[WSL2]\nProcessors=4\n", {"cpus": 4}, {}),
    ("[wsl2]\nmemory=8GB\n[wsl2]\nmemory=2GB\n", {"memory": 2 * GIB}, {}),
    ("[experimental]\nmemory=8GB\n", {}, {}),
    ("[wsl2]\n# memory=8GB\n;processors=9\n", {}, {}),
    ("[wsl2]\nmemory=lots\nprocessors=two\n", {},
     {"memory": "memory=lots is not readable", "cpus": "processors=two is not readable"}),
    ('[wsl2]\nmemory="6GB"\n', {"memory": 6 * GIB}, {}),
])
def test_values(text, found, problems):
    assert wslconfig.values(text) == (found, problems)


@pytest.mark.parametrize("text,updates,expected", [
    ("", {"memory": "4GB"}, "[wsl2]\nmemory=4GB\n"),
    ("[boot]\nsystemd=true", {"processors": "2"},
     "[boot]\nsystemd=true\n\n[wsl2]\nprocessors=2\n"),
    ("[wsl2]\r\nmemory = 2GB\r\n", {"memory": "4GB", "swap": "0"},
     "[wsl2]\r\nmemory = 4GB\r\nswap = 0\r\n"),
    ("[wsl2]\n", {"memory": "4GB"}, "[wsl2]\nmemory=4GB\n"),
    ("[wsl2]\nmemory=2GB # keep\n\n[other]\nx=1\n", {"memory": "3GB", "processors": "4"},
     "[wsl2]\nmemory=3GB # keep\nprocessors=4\n\n[other]\nx=1\n"),
])
def test_edit(text, updates, expected):
    assert wslconfig.edit(text, updates) == expected


def test_edit_keeps_everything_else_of_the_fixture():
    after = wslconfig.edit(FIXTURE, {"memory": "6GB", "processors": "4", "swap": "2GB"})
    assert after == FIXTURE.replace("memory=4GB", "memory=6GB").replace(
        "processors=2   # inline comment",
        "processors=4   # inline comment").replace(
        "localhostForwarding=true\n", "localhostForwarding=true\nswap=2GB\n")
    assert wslconfig.values(after)[0] == {"memory": 6 * GIB, "cpus": 4, "swap": 2 * GIB}


@pytest.mark.parametrize("n,text", [(4 * GIB, "4GB"), (1536 * MIB, "1536MB"), (0, "0"),
                                    (512 * 1024, "512KB")])
def test_size_text(n, text):
    assert wslconfig.size_text(n) == text and wslconfig.parse_size(text) == n


def test_read_a_missing_file(tmp_path):
    state = wslconfig.read(LocalSystem(), tmp_path / ".wslconfig")
    assert (state.exists, state.digest, state.memory) == (False, "", None)
