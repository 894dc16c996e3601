"""An error in a layered playbook is reported in the file that holds the value, at its line
and column: a value from an included base (through nested includes), one the override file
changed, one set again after a `!reset`, one an `!override` replaced."""
from __future__ import annotations

import os
from pathlib import Path
from typing import List, Tuple

import pytest

from dfwctl.errors import PlaybookError
from dfwctl.pipeline import load_playbook
from tests.unit.pipeline.test_layers import write

BASE = """
    version: 1
    name: team
    containers:
      db:
        image: postgres:16
        restart: unless-stopped
        cpus: 1
        ports: ['5432:5432']
        env: {POSTGRES_DB: app}
        labels: {tier: base}
    """


@pytest.fixture
def layers(tmp_path, monkeypatch) -> Path:
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "team" / "base.yml", BASE)
    return write(tmp_path / "me" / "dev.yml", """
        version: 1
        name: dev
        include: [../team/base.yml]
        containers:
          db:
            cpus: 2
        """)


def errors(playbook: Path) -> List[Tuple[str, int, int, str]]:
    """(file, line, column, path) of each error."""
    with pytest.raises(PlaybookError, match=r"error") as caught:
        load_playbook(playbook, environ={})
    return [(Path(os.path.relpath(d.file)).as_posix(), d.line, d.col, d.path)
            for d in caught.value.diagnostics if d.is_error]


def test_a_value_from_an_included_base_two_includes_deep(layers):
    write(Path("team/base.yml"), BASE + "include: [parts/cache.yml]\n")
    write(Path("team/parts/cache.yml"), """
        containers:
          cache:
            image: redis:7
            memory: lots
            ports: ['6379:6379', 'not a port']
        """)
    assert errors(layers) == [
        ("team/parts/cache.yml", 4, 13, "containers.cache.memory"),
        ("team/parts/cache.yml", 5, 26, "containers.cache.ports[1]"),
    ]


def test_a_value_of_a_base_the_playbook_merges_into_stays_in_the_base(layers):
    write(Path("team/base.yml"), BASE.replace("env: {POSTGRES_DB: app}",
                                              "env: {POSTGRES_DB: [app]}"))
    write(layers, layers.read_text() + "    env: {POSTGRES_USER: me}\n")
    assert errors(layers) == [("team/base.yml", 9, 24, "containers.db.env.POSTGRES_DB")]


def test_a_value_overridden_in_the_override_file_is_reported_there(layers):
    write(layers.with_name("dev.override.yml"), """
        containers:
          db:
            cpus: many
            labels: {mine: [1]}
        """)
    assert errors(layers) == [
        ("me/dev.override.yml", 3, 11, "containers.db.cpus"),
        ("me/dev.override.yml", 4, 20, "containers.db.labels.mine"),
    ]


def test_a_bad_base_value_the_override_file_replaces_is_no_error(layers):
    write(Path("team/base.yml"), BASE.replace("cpus: 1", "cpus: many"))
    write(layers, layers.read_text().replace("cpus: 2", "env: {EXTRA: '1'}"))
    assert errors(layers) == [("team/base.yml", 7, 11, "containers.db.cpus")]
    write(layers.with_name("dev.override.yml"), "containers:\n  db:\n    cpus: 0.5\n")
    assert load_playbook(layers, environ={}).desired.docker.containers["db"].cpus == 0.5


def test_a_value_set_again_after_a_reset_is_reported_where_it_is_set(layers):
    write(layers, layers.read_text() + "    ports: !reset []\n    restart: !reset null\n")
    write(layers.with_name("dev.override.yml"), """
        containers:
          db:
            restart: sometimes
            ports: ['127.0.0.1:5432:5432', '99999:5432']
        """)
    assert errors(layers) == [
        ("me/dev.override.yml", 3, 14, "containers.db.restart"),
        ("me/dev.override.yml", 4, 36, "containers.db.ports[1]"),
    ]


def test_a_reset_in_the_override_file_removes_the_bad_value_below(layers):
    write(Path("team/base.yml"), BASE.replace("restart: unless-stopped", "restart: sometimes"))
    assert errors(layers) == [("team/base.yml", 6, 14, "containers.db.restart")]
    write(layers.with_name("dev.override.yml"), "containers:\n  db:\n    restart: !reset null\n")
    assert load_playbook(layers, environ={}).desired.docker.containers["db"].restart == "no"


def test_a_value_an_override_replaced_is_reported_in_the_replacing_file(layers):
    write(layers, layers.read_text() + "    labels: !override {owner: me, count: [2]}\n"
          "    env: !override\n      DEBUG: {on: true}\n")
    assert errors(layers) == [
        ("me/dev.yml", 7, 42, "containers.db.labels.count"),
        ("me/dev.yml", 9, 14, "containers.db.env.DEBUG"),
    ]


def test_a_whole_container_an_override_replaced_is_its_files(layers):
    write(layers.with_name("dev.override.yml"), """
        containers:
          db: !override
            image: 16
            cpus: 1
        """)
    assert errors(layers) == [("me/dev.override.yml", 3, 12, "containers.db.image")]
