"""Docker Desktop's settings file in each documented format: reading every era and casing,
edits that keep every other byte, atomic writes with a backup, and the staleness refusal."""
from __future__ import annotations

import codecs
import json
import os
import shutil
from pathlib import Path

import pytest

from dfwctl.errors import DfwctlError
from dfwctl.providers.desktop import jsonedit, settings, textfile
from dfwctl.providers.desktop.model import CLASSIC, HYPERV, LEGACY, STORE, WSL2
from dfwctl.providers.desktop.system import LocalSystem
from dfwctl.values.sizes import GIB, MIB
from tests import paths

FIXTURES = paths.FIXTURES / "desktop"
SYSTEM = LocalSystem()  # this machine: the files are in tmp_path


def installed(tmp_path: Path, fixture: str) -> Path:
    """A fixture under the name Docker Desktop gives the file of its era."""
    name = "settings-store.json" if fixture.startswith("store") else "settings.json"
    target = tmp_path / name
    shutil.copyfile(FIXTURES / fixture, target)
    return target


# fixture, era, engine, cpus, memory, swap, disk, sharing, pascal
READS = [
    ("legacy-2016-settings.json", LEGACY, HYPERV, 2, 2 * GIB, None, None, None, True),
    ("legacy-2018-settings.json", LEGACY, HYPERV, 42, 25856 * MIB, 4 * GIB, None, None, True),
    ("classic-2.1-settings.json", CLASSIC, HYPERV, 2, 2 * GIB, GIB, 64 * GIB, None, False),
    ("classic-3.5-settings.json", CLASSIC, HYPERV, 3, 2 * GIB, GIB, 64 * GIB,
     ("D:\\Projects",), False),
    ("store-4.35-settings-store.json", STORE, HYPERV, 4, 4 * GIB, GIB, 64 * GIB,
     ("C:\\", "D:\\Projects"), True),
    ("store-camel-settings-store.json", STORE, WSL2, 2, 2 * GIB, None, None, None, False),
    ("store-sparse-settings-store.json", STORE, None, None, None, None, None, None, True),
]


@pytest.mark.parametrize("fixture,era,engine,cpus,memory,swap,disk,sharing,pascal", READS,
                         ids=[r[0] for r in READS])
def test_each_format_is_read(tmp_path, fixture, era, engine, cpus, memory, swap, disk, sharing,
                             pascal):
    state = settings.read(SYSTEM, installed(tmp_path, fixture))
    assert (state.era, state.engine, state.cpus, state.memory, state.swap, state.disk,
            state.sharing, state.pascal) == (era, engine, cpus, memory, swap, disk, sharing,
                                             pascal)
    assert state.problems == {}


def test_both_casings_in_one_file_agree_or_are_reported():
    same = settings.parse(Path("settings-store.json"), '{"cpus": 2, "Cpus": 2}', "d")
    assert same.cpus == 2 and same.keys["cpus"] == ("cpus", "Cpus")
    clash = settings.parse(Path("settings-store.json"), '{"cpus": 2, "Cpus": 4}', "d")
    assert clash.cpus is None
    assert clash.problems == {"cpus": "it has both cpus=2 and Cpus=4: remove one of them"}


@pytest.mark.parametrize("text,field,problem", [
    ('{"cpus": "two"}', "cpus", 'cpus is "two": it should be a whole number'),
    ('{"MemoryMiB": -1}', "memory", "MemoryMiB is -1: it should be a whole number"),
    ('{"wslEngineEnabled": "yes"}', "engine", 'wslEngineEnabled is "yes": it should be true or false'),
    ('{"filesharingDirectories": "C:\\\\"}', "sharing",
     'filesharingDirectories is "C:\\\\": it should be a list of folder paths'),
])
def test_unreadable_values_are_problems_not_crashes(text, field, problem):
    assert settings.parse(Path("settings.json"), text, "d").problems == {field: problem}


@pytest.mark.parametrize("text,message", [
    ("", "not a JSON object dfwctl can read: not a JSON object"),
    ("[1, 2]", "not a JSON object"),
    ('{"a": 1,}', "not a JSON object dfwctl can read: expected a key in quotes at line 1 column 9"),
    ('{"a": tru}', "not valid JSON at line 1 column 7: Expecting value"),
])
def test_a_broken_file_is_a_clear_error(tmp_path, text, message):
    path = tmp_path / "settings.json"
    path.write_text(text)
    with pytest.raises(DfwctlError, match=message):
        settings.read(SYSTEM, path)


# writing: every other byte stays ---------------------------------------------------------
@pytest.mark.parametrize("fixture", [r[0] for r in READS])
def test_edit_changes_only_the_values_set(tmp_path, fixture):
    path = installed(tmp_path, fixture)
    before = path.read_text()
    state = settings.read(SYSTEM, path)
    values = {"cpus": 5, "memory": 3 * GIB}
    if state.era != LEGACY:
        values["sharing"] = ("C:\\", "E:\\src")
    after = jsonedit.edit(before, settings.updates(state, values))
    old, new = json.loads(before), json.loads(after)
    changed = {k for k in set(old) | set(new) if old.get(k) != new.get(k)}
    written = {k for k, _ in settings.updates(state, values)}
    assert changed == written
    assert [k for k in new if k in old] == list(old)  # the order of the keys is kept
    reread = settings.parse(path, after, "x")
    assert (reread.cpus, reread.memory) == (5, 3 * GIB)
    if state.era != LEGACY:
        assert reread.sharing == ("C:\\", "E:\\src")
    unchanged_lines = [line for line in before.splitlines()
                       if not any(f'"{k}"' in line for k in written)
                       and not line.strip().startswith('"D:')
                       and not line.strip().startswith('"C:')]
    for line in unchanged_lines[1:-1]:
        assert line in after, line


def test_new_keys_follow_the_file():
    store = settings.parse(Path("settings-store.json"), '{"AutoStart": true}', "d")
    camel = settings.parse(Path("settings-store.json"), '{"autoStart": true}', "d")
    legacy = settings.parse(Path("settings.json"), '{"VmCpus": 2}', "d")
    assert settings.updates(store, {"cpus": 2, "engine": WSL2}) == (("Cpus", 2),
                                                                    ("WslEngineEnabled", True))
    assert settings.updates(camel, {"memory": GIB}) == (("memoryMiB", 1024),)
    assert settings.updates(legacy, {"swap": GIB}) == (("VmSwap", 1024),)
    both = settings.parse(Path("settings-store.json"), '{"cpus": 2, "Cpus": 4}', "d")
    assert settings.updates(both, {"cpus": 8}) == (("cpus", 8), ("Cpus", 8))


def test_what_each_era_can_write():
    legacy = settings.parse(Path("settings.json"), '{"VmCpus": 2}', "d")
    smb = settings.parse(Path("settings.json"), '{"cpus": 2}', "d")
    store = settings.parse(Path("settings-store.json"), '{}', "d")
    assert [settings.writable(legacy, f) for f in ("cpus", "memory", "swap", "disk", "sharing",
                                                   "engine")] == [True, True, True, False, False,
                                                                  False]
    assert settings.writable(smb, "sharing") is False and settings.writable(smb, "disk")
    assert all(settings.writable(store, k.field) for k in settings.KEYS)


@pytest.mark.parametrize("text,updates,expected", [
    ('{"a": 1, "b": 2}', [("a", 5)], '{"a": 5, "b": 2}'),
    ('{"a":1,"b":2}', [("c", [1, 2])], '{"a":1,"b":2,"c":[1,2]}'),
    ('{\n  "a": 1\n}\n', [("b", ["x"])], '{\n  "a": 1,\n  "b": [\n    "x"\n  ]\n}\n'),
    ('{\r\n\t"a": 1\r\n}\r\n', [("a", 2), ("b", True)], '{\r\n\t"a": 2,\r\n\t"b": true\r\n}\r\n'),
    ('{\n    "l": [\n        "old"\n    ]\n}', [("l", [])], '{\n    "l": []\n}'),
    ('{"l": ["a", "b"]}', [("l", ["c"])], '{"l": ["c"]}'),
    ('{}', [("Cpus", 2)], '{\n  "Cpus": 2\n}'),
    ('{"VmCpus":2,\n"VmMemory":2048}', [("VmSwap", 1024)],
     '{"VmCpus":2,\n"VmMemory":2048,\n"VmSwap":1024}'),
    ('{"n": "caf\\u00e9", "x": 1}', [("x", "é")], '{"n": "caf\\u00e9", "x": "\\u00e9"}'),
    ('{"a": 1, "a": 2}', [("a", 3)], '{"a": 3, "a": 3}'),
    ('{"nested": {"cpus": 1}, "cpus": 1}', [("cpus", 2)], '{"nested": {"cpus": 1}, "cpus": 2}'),
])
def test_edit_in_the_files_own_style(text, updates, expected):
    assert jsonedit.edit(text, updates) == expected


@pytest.mark.parametrize("text,message", [
    ('{"a": 1', "expected , or } at line 1 column 8"),
    ('{"a" 1}', "expected : after the key"),
    ('{"a": 1} x', "unexpected text after the object"),
    ('{a: 1}', "expected a key in quotes"),
    ('[]', "not a JSON object"),
])
def test_edit_refuses_what_it_cannot_read(text, message):
    with pytest.raises(jsonedit.JsonEditError, match=message):
        jsonedit.edit(text, [("a", 2)])


# files: encoding, atomic replace, backup, staleness ------------------------------------------
@pytest.mark.parametrize("encoding,bom", [("utf-8", b""), ("utf-8-sig", codecs.BOM_UTF8),
                                          ("utf-16", codecs.BOM_UTF16_LE)])
def test_encodings_and_line_endings_survive_a_write(tmp_path, encoding, bom):
    path = tmp_path / "settings-store.json"
    path.write_bytes(bom + '{\r\n  "Cpus": 2,\r\n  "Other": "é"\r\n}\r\n'.encode(
        "utf-16-le" if encoding == "utf-16" else "utf-8"))
    found = textfile.read(SYSTEM, path)
    assert found.encoding == encoding
    text = jsonedit.edit(found.text, [("Cpus", 4)])
    textfile.write(SYSTEM, path, text, found.encoding, found.digest)
    data = path.read_bytes()
    assert data.startswith(bom) if bom else not data.startswith(codecs.BOM_UTF8)
    assert textfile.read(SYSTEM, path).text == '{\r\n  "Cpus": 4,\r\n  "Other": "é"\r\n}\r\n'


def test_write_keeps_a_backup_and_the_permissions(tmp_path):
    path = installed(tmp_path, "store-4.35-settings-store.json")
    os.chmod(path, 0o600)
    original = path.read_bytes()
    found = textfile.read(SYSTEM, path)
    backup = textfile.write(SYSTEM, path, jsonedit.edit(found.text, [("Cpus", 8)]), found.encoding,
                            found.digest)
    assert backup == tmp_path / "settings-store.json.dfwctl.bak"
    assert backup.read_bytes() == original
    assert json.loads(path.read_text())["Cpus"] == 8
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["settings-store.json",
                                                          "settings-store.json.dfwctl.bak"]


def test_a_file_changed_since_the_plan_is_refused(tmp_path):
    path = installed(tmp_path, "store-4.35-settings-store.json")
    found = textfile.read(SYSTEM, path)
    path.write_text(path.read_text().replace('"Cpus": 4', '"Cpus": 6'))  # Docker Desktop wrote
    with pytest.raises(DfwctlError, match="changed since the plan was made") as caught:
        textfile.write(SYSTEM, path, jsonedit.edit(found.text, [("Cpus", 8)]), found.encoding,
                       found.digest)
    assert json.loads(path.read_text())["Cpus"] == 6
    assert not (tmp_path / "settings-store.json.dfwctl.bak").exists()
    assert "run `dfwctl plan` again" in str(caught.value)


def test_a_file_created_since_the_plan_is_refused(tmp_path):
    path = tmp_path / ".wslconfig"
    path.write_text("[wsl2]\n")
    with pytest.raises(DfwctlError, match="was created since the plan was made"):
        textfile.write(SYSTEM, path, "[wsl2]\nmemory=4GB\n", "utf-8", "")


def test_a_new_file_has_no_backup(tmp_path):
    assert textfile.write(SYSTEM, tmp_path / ".wslconfig", "[wsl2]\n", "utf-8", "") is None
    assert (tmp_path / ".wslconfig").read_text() == "[wsl2]\n"


def test_a_failed_write_leaves_the_file_and_no_temporary(tmp_path, monkeypatch):
    path = installed(tmp_path, "store-4.35-settings-store.json")
    original = path.read_bytes()
    found = textfile.read(SYSTEM, path)

    def refuse(src, dst):
        raise PermissionError(13, "Access is denied")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(DfwctlError, match="cannot write: Access is denied"):
        textfile.write(SYSTEM, path, "{}", found.encoding, found.digest)
    assert path.read_bytes() == original
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


@pytest.mark.parametrize("fixture", [r[0] for r in READS])
def test_setting_what_the_file_has_changes_no_byte(tmp_path, fixture):
    path = installed(tmp_path, fixture)
    text = path.read_text()
    state = settings.read(SYSTEM, path)
    same = {f: getattr(state, f) for f in state.keys if f != "engine"}
    assert jsonedit.edit(text, settings.updates(state, same)) == text


def test_a_whole_file_after_an_edit(tmp_path):
    path = installed(tmp_path, "classic-3.5-settings.json")
    state = settings.read(SYSTEM, path)
    after = jsonedit.edit(path.read_text(), settings.updates(
        state, {"memory": 4 * GIB, "sharing": ("D:\\Projects", "C:\\")}))
    expected = path.read_text().replace('"memoryMiB": 2048', '"memoryMiB": 4096').replace(
        '"filesharingDirectories": [\n    "D:\\\\Projects"\n  ]',
        '"filesharingDirectories": [\n    "D:\\\\Projects",\n    "C:\\\\"\n  ]')
    assert expected != path.read_text()
    assert after == expected


def test_a_file_changed_between_the_check_and_the_write_is_refused(tmp_path, monkeypatch):
    """The window between textfile.write's check and the rename is closed again inside the
    write: a file changed there is left as it is, and the error says so."""
    path = tmp_path / "settings.json"
    path.write_text('{"cpus": 2}', encoding="utf-8")
    planned = textfile.read(SYSTEM, path).digest
    real_read = LocalSystem.read
    calls = []

    def read_then_change(self, target):
        calls.append(target)
        if len(calls) == 2:  # after the check: someone writes the file
            path.write_text('{"cpus": 8}', encoding="utf-8")
        return real_read(self, target)

    monkeypatch.setattr(LocalSystem, "read", read_then_change)
    with pytest.raises(DfwctlError, match="changed since the plan was made"):
        textfile.write(SYSTEM, path, '{"cpus": 4}', "utf-8", planned)
    assert path.read_text(encoding="utf-8") == '{"cpus": 8}'
    assert not list(tmp_path.glob("*.tmp"))
