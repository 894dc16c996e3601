"""Layered playbooks: include:, the override file beside the playbook, the merge (maps merge,
lists replace, !reset, !override), x- fields, profiles; every message in the file that holds
the value."""
from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from dfwctl import layers
from dfwctl.errors import DfwctlError, PlaybookError
from dfwctl.layers import compose, override_file
from dfwctl.pipeline import load_playbook
from dfwctl.tree import plain
from tests import paths


def write(path: Path, body: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(body).lstrip(), encoding="utf-8")
    return path


BASE = """
    version: 1
    name: team
    x-common: &common
      restart: unless-stopped
      labels: {team: 'yes', tier: base}
    networks:
      backend: {}
    containers:
      db:
        <<: *common
        image: postgres:16
        command: [postgres, -c, fsync=off]
        env: {POSTGRES_DB: app, POSTGRES_USER: app}
        networks: [backend]
        ports: ['5432:5432']
      tools:
        image: busybox:latest
        profiles: [debug]
        depends_on: [db]
    """


@pytest.fixture
def layered(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "team" / "base.yml", BASE)
    write(tmp_path / "me" / "dev.yml", """
        version: 1
        name: dev
        include: [../team/base.yml]
        containers:
          db:
            env: {POSTGRES_USER: me}
            labels: !override {mine: '1'}
            command: [postgres]
          web:
            image: nginx:1.27
            ports: ['8080:80']
            depends_on: [db]
        """)
    return Path("me/dev.yml")


def test_maps_merge_lists_replace_and_override_replaces_a_mapping(layered):
    data = plain(compose(layered).data)
    db = data["containers"]["db"]
    assert data["name"] == "dev"
    assert db["env"] == {"POSTGRES_DB": "app", "POSTGRES_USER": "me"}
    assert db["command"] == ["postgres"]
    assert db["labels"] == {"mine": "1"}
    assert db["restart"] == "unless-stopped"  # from the base's x- anchor
    assert db["ports"] == ["5432:5432"]
    assert "include" not in data
    assert set(data["containers"]) == {"db", "tools", "web"}


def test_the_override_file_is_merged_last_and_reset_removes_a_key(layered):
    write(layered.with_name("dev.override.yml"), """
        containers:
          db:
            ports: !reset []
            env: {POSTGRES_USER: !reset null, EXTRA: '1'}
          web:
            image: !override nginx:1.28
        """)
    assert override_file(layered) == layered.with_name("dev.override.yml")
    data = plain(compose(layered).data)
    assert "ports" not in data["containers"]["db"]
    assert data["containers"]["db"]["env"] == {"POSTGRES_DB": "app", "EXTRA": "1"}
    assert data["containers"]["web"]["image"] == "nginx:1.28"


def test_an_override_of_the_yaml_spelling_is_found(tmp_path):
    playbook = write(tmp_path / "compose.yaml", "version: 1\nname: x\n")
    assert override_file(playbook) is None
    write(tmp_path / "compose.override.yaml", "containers: {}\n")
    assert override_file(playbook) == tmp_path / "compose.override.yaml"
    assert override_file(tmp_path / "compose.override.yaml") is None


def test_an_error_in_an_included_file_is_at_its_own_position(layered):
    base = Path("team/base.yml")
    base.write_text(base.read_text().replace("image: postgres:16", "image: 16"))
    with pytest.raises(PlaybookError, match=r"team/base\.yml:11:12: containers\.db\.image: "
                                            r"expected a string, got an integer"):
        load_playbook(layered, environ={})


def test_an_error_in_a_list_item_of_an_included_file_is_at_its_own_position(layered):
    base = Path("team/base.yml")
    base.write_text(base.read_text().replace("ports: ['5432:5432']", "ports: ['5432:99999']"))
    with pytest.raises(PlaybookError, match=r"team/base\.yml:15:13: containers\.db\.ports\[0\]: "
                                            r"container port"):
        load_playbook(layered, environ={})


def test_an_error_in_the_override_file_is_at_its_own_position(layered):
    write(layered.with_name("dev.override.yml"), """
        containers:
          web:
            cpus: many
        """)
    with pytest.raises(PlaybookError, match=r"me/dev\.override\.yml:3:11: containers\.web\.cpus"):
        load_playbook(layered, environ={})


def test_a_syntax_error_two_includes_deep_is_at_its_own_position(layered):
    write(Path("team/base.yml"), BASE + "include: [parts/more.yml]\n")
    write(Path("team/parts/more.yml"), "containers:\n  x: [\n")
    with pytest.raises(PlaybookError, match=r"team/parts/more\.yml:3:1: YAML syntax error"):
        compose(layered)


def test_a_missing_include_is_an_error_at_its_entry(layered):
    write(Path("team/base.yml"), BASE + "include: [gone.yml]\n")
    with pytest.raises(PlaybookError, match=r"team/base\.yml:20:11: include\[0\]: .*gone\.yml: "
                                            r"no such file"):
        compose(layered)


def test_an_include_cycle_is_an_error_at_the_entry_that_closes_it(layered):
    write(Path("team/base.yml"), BASE + "include: [../me/dev.yml]\n")
    with pytest.raises(PlaybookError, match=r"team/base\.yml:20:11: include\[0\]: include "
                                            r"cycle: dev\.yml -> base\.yml -> dev\.yml"):
        compose(layered)


def test_include_entries_must_be_paths(tmp_path):
    playbook = write(tmp_path / "p.yml", "version: 1\nname: x\ninclude: [{a: 1}, '']\n")
    with pytest.raises(PlaybookError, match=r"include\[0\]") as caught:
        compose(playbook)
    assert [(d.line, d.col, d.path) for d in caught.value.diagnostics] == \
        [(3, 11, "include[0]"), (3, 19, "include[1]")]
    write(playbook, "version: 1\nname: x\ninclude: base.yml\n")
    with pytest.raises(PlaybookError, match=r"p\.yml:3:10: include: expected a list"):
        compose(playbook)


def test_an_included_file_must_be_a_mapping(tmp_path):
    write(tmp_path / "base.yml", "- a\n")
    playbook = write(tmp_path / "p.yml", "version: 1\nname: x\ninclude: [base.yml]\n")
    with pytest.raises(PlaybookError, match=r"base\.yml:1:1: an included playbook must be a "
                                            r"mapping"):
        compose(playbook)


def test_includes_are_bounded(tmp_path, monkeypatch):
    monkeypatch.setattr(layers, "MAX_FILES", 3)
    for i in range(5):
        write(tmp_path / f"l{i}.yml", f"include: [l{i + 1}.yml]\n" if i < 4 else "name: x\n")
    playbook = write(tmp_path / "p.yml", "version: 1\nname: x\ninclude: [l0.yml]\n")
    with pytest.raises(PlaybookError, match=r"l2\.yml:1:11: include\[0\]: a playbook reads at "
                                            r"most 3 files"):
        compose(playbook)
    monkeypatch.setattr(layers, "MAX_FILES", 32)
    monkeypatch.setattr(layers, "MAX_DEPTH", 2)
    with pytest.raises(PlaybookError, match=r"l1\.yml:1:10: include: includes nest more than "
                                            r"2 levels"):
        compose(playbook)


def test_unknown_tags_and_reset_on_a_list_item_are_refused(tmp_path):
    playbook = write(tmp_path / "p.yml", """
        version: 1
        name: x
        containers:
          web:
            image: !weird nginx
            dns: [!reset 1.1.1.1]
        """)
    with pytest.raises(PlaybookError, match="unknown tag !weird") as caught:
        compose(playbook)
    assert [(d.line, d.col, d.message.split(":")[0]) for d in caught.value.diagnostics] == \
        [(5, 12, "unknown tag !weird"), (6, 11, "!reset removes a key's value")]


def test_a_single_file_with_tags_resolves_them(tmp_path):
    playbook = write(tmp_path / "p.yml", """
        version: 1
        name: x
        containers:
          web:
            image: nginx
            cpus: !override 2
            ports: !reset ['80:80']
        """)
    assert plain(compose(playbook).data)["containers"]["web"] == {"image": "nginx", "cpus": 2}


def test_x_fields_are_accepted_at_the_top_only(tmp_path):
    playbook = write(tmp_path / "p.yml", """
        version: 1
        name: x
        x-image: &image nginx:1.27
        containers:
          web: {image: *image, x-note: no}
        """)
    with pytest.raises(PlaybookError, match=r"p\.yml:5:24: containers\.web\.x-note: unknown key"):
        load_playbook(playbook, environ={})
    playbook.write_text(playbook.read_text().replace(", x-note: no", ""))
    assert load_playbook(playbook, environ={}).desired.docker.containers["web"].image == \
        "nginx:1.27"


def test_a_plain_playbook_is_read_from_itself_only(tmp_path):
    playbook = write(tmp_path / "p.yml", "version: 1\nname: x\n")
    loaded = load_playbook(playbook, environ={})
    assert loaded.files == (playbook,)
    assert loaded.document.sources is None


def test_profiles_select_containers(layered):
    plain_run = load_playbook(layered, environ={})
    assert set(plain_run.desired.docker.containers) == {"db", "web"}
    assert plain_run.desired.docker.inactive == frozenset({"tools"})
    assert [p.name for p in plain_run.files] == ["dev.yml", "base.yml"]
    for selected in (("debug",), ("*",)):
        debug = load_playbook(layered, environ={}, selected=selected)
        assert set(debug.desired.docker.containers) == {"db", "web", "tools"}
        assert debug.desired.docker.inactive == frozenset()
    assert plain_run.desired.digest() != debug.desired.digest()


def test_an_unknown_profile_is_refused(layered):
    with pytest.raises(DfwctlError, match=r"--profile debg: no container in me/dev\.yml has "
                                          r"this profile"):
        load_playbook(layered, environ={}, selected=("debg",))


def test_a_selected_container_needing_an_unselected_one_is_an_error(tmp_path):
    playbook = write(tmp_path / "p.yml", """
        version: 1
        name: x
        containers:
          db: {image: postgres, profiles: [data]}
          cache: {image: redis, profiles: [data]}
          web:
            image: nginx
            depends_on:
              db: {condition: service_started}
              cache: {condition: service_started, required: false}
        """)
    with pytest.raises(PlaybookError, match=r"p\.yml:9:11: containers\.web\.depends_on\.db: "
                                            r"web depends on db, which is in no selected "
                                            r"profile: add --profile data"):
        load_playbook(playbook, environ={})
    playbook.write_text(playbook.read_text().replace("db: {condition: service_started}",
                                                     "db: {required: false}"))
    web = load_playbook(playbook, environ={}).desired.docker.containers["web"]
    assert web.depends_on == ()


def test_the_shipped_team_example(monkeypatch):
    monkeypatch.chdir(paths.ROOT)
    monkeypatch.setattr(layers, "override_file", lambda _path: None)  # a developer's own
    plain_run = load_playbook(Path("playbooks/team-dev.yml"), environ={})
    docker = plain_run.desired.docker
    assert plain_run.desired.name == "team-dev"
    assert set(docker.containers) == {"db", "web"} and docker.inactive == {"debug-shell"}
    assert docker.containers["db"].restart == "unless-stopped"  # from the base's anchor
    assert [f.resolve().relative_to(paths.ROOT).as_posix() for f in plain_run.files] == \
        ["playbooks/team-dev.yml", "playbooks/team/base.yml"]
    debug = load_playbook(Path("playbooks/team-dev.yml"), environ={}, selected=("debug",))
    assert "debug-shell" in debug.desired.docker.containers
