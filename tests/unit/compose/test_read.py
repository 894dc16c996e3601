"""Reading compose files as docker compose does: interpolation, merge of several files,
!reset and !override, extends, include, profiles, and positioned errors and warnings."""
from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest

from dfwctl.compose.importer import import_compose
from dfwctl.compose.origins import ComposeError
from dfwctl.compose.read import ReadOptions, read_project
from dfwctl.compose.translate import translate


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def read(folder: Path, *names: str, environ=None, profiles=(), name="proj"):
    return read_project(ReadOptions(files=tuple(folder / n for n in names), project_name=name,
                                    profiles=tuple(profiles), environ=environ or {},
                                    cwd=folder))


def playbook(folder: Path, *names: str, **kwargs):
    project = read(folder, *names, **kwargs)
    tree, _ = translate(project, folder)
    return tree, project.origins.warnings


def test_interpolation_forms_and_dollar_escapes(tmp_path):
    write(tmp_path, ".env", "FROM_DOTENV=dotenv\nSHADOWED=dotenv\n")
    write(tmp_path, "compose.yaml", """\
        services:
          app:
            image: busybox:${TAG:-latest}
            environment:
              A: ${FROM_DOTENV}
              B: ${SHADOWED}
              C: ${EMPTY-unset-only}
              D: ${EMPTY:-empty-too}
              E: ${FROM_DOTENV:+alternative}
              F: "5$$"
        """)
    tree, warnings = playbook(tmp_path, "compose.yaml",
                              environ={"SHADOWED": "process", "EMPTY": ""})
    app = tree["containers"]["proj-app"]
    assert app["image"] == "busybox:latest"
    assert app["env"] == {"A": "dotenv", "B": "process", "C": "", "D": "empty-too",
                          "E": "alternative", "F": "5$"}
    assert warnings == []


def test_an_unset_variable_is_empty_with_a_warning_at_its_value(tmp_path):
    write(tmp_path, "compose.yaml", """\
        services:
          app:
            image: busybox
            command: ["echo", "${NOPE}"]
        """)
    tree, warnings = playbook(tmp_path, "compose.yaml")
    assert tree["containers"]["proj-app"]["command"] == ["echo", ""]
    assert [str(w) for w in warnings] == [
        f"{tmp_path / 'compose.yaml'}:4:23: warning: services.app.command[1]: variable "
        "${NOPE} is not set: an empty string is used, as docker compose does"]


def test_a_required_variable_is_an_error_at_its_value(tmp_path):
    write(tmp_path, "compose.yaml", """\
        services:
          app:
            image: ${IMAGE:?name the image in IMAGE}
        """)
    with pytest.raises(ComposeError, match=r"compose.yaml:3:5: services.app.image: variable "
                       r"\$\{IMAGE\} is not set: name the image in IMAGE"):
        read(tmp_path, "compose.yaml")


def test_files_merge_by_compose_rules(tmp_path):
    write(tmp_path, "compose.yaml", """\
        services:
          app:
            image: busybox
            command: [sleep, "1"]
            environment: [A=1, B=2]
            ports: ["8080:80"]
            volumes: ["one:/data", "./x:/x"]
            labels: {keep: "yes", drop: "no"}
            dns: 1.1.1.1
        volumes:
          one: {}
          two: {}
        """)
    write(tmp_path, "compose.override.yaml", """\
        services:
          app:
            command: [sleep, "2"]
            environment: {B: 3, C: 4}
            ports: ["8080:80", "9090:90"]
            volumes: ["two:/data"]
            labels: {drop: !reset null}
            dns: [8.8.8.8]
        """)
    tree, _ = playbook(tmp_path, "compose.yaml", "compose.override.yaml")
    app = tree["containers"]["proj-app"]
    assert app["command"] == ["sleep", "2"]
    assert app["env"] == {"A": "1", "B": "3", "C": "4"}
    assert app["ports"] == ["8080:80", "9090:90"]
    assert app["mounts"] == ["proj_two:/data", "./x:/x"]
    assert app["labels"] == {"keep": "yes"}
    assert app["dns"] == ["1.1.1.1", "8.8.8.8"]


def test_override_replaces_a_value_whole(tmp_path):
    write(tmp_path, "a.yaml", """\
        services:
          app: {image: busybox, ports: ["8080:80"], environment: {A: "1"}}
        """)
    write(tmp_path, "b.yaml", """\
        services:
          app:
            ports: !override ["8443:443"]
            environment: !reset {}
        """)
    tree, _ = playbook(tmp_path, "a.yaml", "b.yaml")
    app = tree["containers"]["proj-app"]
    assert app["ports"] == ["8443:443"]
    assert "env" not in app


def test_extends_from_another_file_resolves_its_paths_from_that_file(tmp_path):
    write(tmp_path, "common/base.yaml", """\
        services:
          base:
            image: busybox
            volumes: ["./conf:/conf:ro"]
            environment: {LEVEL: base, KEEP: "1"}
        """)
    write(tmp_path, "compose.yaml", """\
        services:
          mid:
            extends: {file: common/base.yaml, service: base}
            environment: {LEVEL: mid}
          app:
            extends: mid
            command: [true]
        """)
    tree, _ = playbook(tmp_path, "compose.yaml")
    app = tree["containers"]["proj-app"]
    assert app["mounts"] == [os.path.join(".", "common", "conf") + ":/conf:ro"]
    assert app["env"] == {"LEVEL": "mid", "KEEP": "1"}
    assert app["command"] == [True]


def test_an_extends_cycle_is_an_error_at_the_extends_key(tmp_path):
    write(tmp_path, "compose.yaml", """\
        services:
          a: {image: busybox, extends: b}
          b: {image: busybox, extends: a}
        """)
    with pytest.raises(ComposeError, match=r"compose.yaml:2:23: services.a.extends: extends "
                       r"makes a cycle: a -> b -> a"):
        read(tmp_path, "compose.yaml")


def test_include_adds_services_and_refuses_a_conflict(tmp_path):
    write(tmp_path, "lib/compose.yaml", """\
        services:
          side: {image: busybox, volumes: ["./data:/data"]}
        """)
    write(tmp_path, "compose.yaml", """\
        include: [lib/compose.yaml]
        services:
          app: {image: busybox}
        """)
    tree, _ = playbook(tmp_path, "compose.yaml")
    assert sorted(tree["containers"]) == ["proj-app", "proj-side"]
    assert tree["containers"]["proj-side"]["mounts"] == [os.path.join(".", "lib", "data") + ":/data"]
    write(tmp_path, "clash.yaml", """\
        include: [lib/compose.yaml]
        services:
          side: {image: alpine}
        """)
    with pytest.raises(ComposeError, match=r"clash.yaml:3:3: services.side: service 'side' is "
                       r"also defined by an included file"):
        read(tmp_path, "clash.yaml")


def test_profiles_are_kept_or_select_services_and_a_dependency_left_out_is_an_error(tmp_path):
    write(tmp_path, "compose.yaml", """\
        services:
          app: {image: busybox}
          tools: {image: busybox, profiles: [debug]}
          extra:
            image: busybox
            profiles: [extra]
            depends_on: [tools]
        """)
    tree, _ = playbook(tmp_path, "compose.yaml")  # none selected: every service, profiles kept
    assert {n: c.get("profiles") for n, c in tree["containers"].items()} == {
        "proj-app": None, "proj-tools": ["debug"], "proj-extra": ["extra"]}
    tree, _ = playbook(tmp_path, "compose.yaml", profiles=["debug"])
    assert sorted(tree["containers"]) == ["proj-app", "proj-tools"]
    assert "profiles" not in tree["containers"]["proj-tools"]  # selected: always part of it
    with pytest.raises(ComposeError, match=r"compose.yaml:7:18: services.extra.depends_on.tools: "
                       r"depends on service 'tools', which no selected profile enables"):
        playbook(tmp_path, "compose.yaml", profiles=["extra"])


def test_an_unknown_key_is_an_error_with_a_suggestion(tmp_path):
    write(tmp_path, "compose.yaml", """\
        services:
          app:
            image: busybox
            enviroment: {A: "1"}
        x-anything: {ignored: true}
        """)
    with pytest.raises(ComposeError, match=r"compose.yaml:4:5: services.app.enviroment: compose "
                       r"has no service key 'enviroment'; did you mean 'environment'\?"):
        read(tmp_path, "compose.yaml")


def test_a_yaml_error_is_positioned(tmp_path):
    write(tmp_path, "compose.yaml", "services:\n  app: [unclosed\n")
    with pytest.raises(ComposeError, match=r"compose.yaml:3:1: YAML syntax error"):
        read(tmp_path, "compose.yaml")


def test_what_has_no_equivalent_is_a_warning_at_the_file_line_and_key(tmp_path):
    write(tmp_path, "compose.yaml", """\
        x-tty: &tty
          tty: true
        services:
          app:
            <<: *tty
            image: busybox
            cpu_shares: 512
            healthcheck: {test: [CMD, "true"], start_interval: 1s}
        configs:
          token: {file: ./token.txt}
        """)
    tree, warnings = playbook(tmp_path, "compose.yaml")
    assert tree["containers"]["proj-app"]["healthcheck"] == {"test": ["CMD", "true"]}
    shown = [str(w).replace(str(tmp_path / "compose.yaml"), "compose.yaml") for w in warnings]
    assert shown == [
        "compose.yaml:2:3: warning: services.app.tty: tty has no playbook equivalent: left out "
        "(dfwctl runs containers detached, without a terminal)",
        "compose.yaml:7:5: warning: services.app.cpu_shares: cpu_shares has no playbook "
        "equivalent: left out (only cpus limits CPU in the playbook)",
        "compose.yaml:8:40: warning: services.app.healthcheck.start_interval: "
        "healthcheck.start_interval has no playbook equivalent: left out",
        "compose.yaml:9:1: warning: configs: top-level configs have no playbook equivalent: "
        "mount the file",
    ]


def test_names_are_compose_names_and_the_service_stays_an_alias(tmp_path):
    write(tmp_path, "compose.yaml", """\
        name: shop
        services:
          web:
            image: busybox
            depends_on: {db: {condition: service_healthy}}
          db:
            image: busybox
            container_name: shop-database
            networks: {back: {aliases: [database]}}
        networks:
          back: {}
          outside: {external: true}
        volumes:
          data: {name: shared-data}
        """)
    project = read_project(ReadOptions(files=(tmp_path / "compose.yaml",), cwd=tmp_path))
    tree, _ = translate(project, tmp_path)
    assert tree["name"] == "shop"
    assert tree["networks"] == {"shop_default": {}, "shop_back": {},
                                "outside": {"external": True}}
    assert tree["volumes"] == {"shared-data": {}}
    assert tree["containers"]["shop-web"]["depends_on"] == {
        "shop-database": {"condition": "service_healthy"}}
    assert tree["containers"]["shop-web"]["networks"] == {"shop_default": {"aliases": ["web"]}}
    assert tree["containers"]["shop-database"]["networks"] == {
        "shop_back": {"aliases": ["db", "database"]}}


def test_the_text_carries_comments_where_a_value_was_translated(tmp_path):
    write(tmp_path, "compose.yaml", """\
        services:
          app:
            image: busybox
            mem_limit: 64m
            volumes: [data:/data]
            environment: [FROM_SHELL]
        volumes:
          data: {}
        """)
    text = import_compose(ReadOptions(files=(tmp_path / "compose.yaml",), project_name="p",
                                      environ={"FROM_SHELL": "x"}, cwd=tmp_path),
                          tmp_path).text
    assert "memory: 64m  # compose's mem_limit" in text
    assert "- p_data:/data  # compose: data:/data" in text
    assert "FROM_SHELL: ${FROM_SHELL}  # taken from the environment, as compose does" in text


def test_a_warning_points_into_the_file_that_won_the_merge(tmp_path):
    write(tmp_path, "compose.yaml", """\
        services:
          app: {image: busybox, tty: false}
        """)
    write(tmp_path, "compose.override.yaml", """\
        services:
          app:
            tty: true
        """)
    _, warnings = playbook(tmp_path, "compose.yaml", "compose.override.yaml")
    assert [(Path(w.file).name, w.line, w.col, w.path) for w in warnings] == [
        ("compose.override.yaml", 3, 5, "services.app.tty")]


def test_env_files_substitute_variables_unless_single_quoted(tmp_path):
    write(tmp_path, ".env", "HOST=db\nURL=postgres://${HOST}/app\nRAW='${HOST}'\n")
    write(tmp_path, "app.env", "GREETING=hi ${USER_NAME}\n")
    write(tmp_path, "compose.yaml", """\
        services:
          app:
            image: busybox
            env_file: app.env
            environment: {URL: "${URL}", RAW: "${RAW}"}
        """)
    tree, _ = playbook(tmp_path, "compose.yaml", environ={"USER_NAME": "ann"})
    app = tree["containers"]["proj-app"]
    assert app["env"] == {"URL": "postgres://db/app", "RAW": "${HOST}"}
    assert app["env_file"] == ["./app.env"]  # read by dfwctl, with its own environment


def test_references_to_undefined_services_volumes_and_networks_are_errors(tmp_path):
    write(tmp_path, "compose.yaml", """\
        services:
          app:
            image: busybox
            depends_on: [db]
            volumes: [data:/data]
            networks: [back]
        """)
    with pytest.raises(ComposeError, match="depends on undefined service") as caught:
        playbook(tmp_path, "compose.yaml")
    assert [(d.line, d.col, d.path, d.message) for d in caught.value.diagnostics] == [
        (4, 18, "services.app.depends_on.db", "depends on undefined service 'db'"),
        (5, 15, "services.app.volumes[0]", "volume 'data' is not defined under volumes"),
        (6, 16, "services.app.networks.back", "network 'back' is not defined under networks"),
    ]


def test_env_files_are_read_with_the_one_env_file_reader(tmp_path):
    """As docker compose reads them (checked against `docker compose config` v2.40): a single
    quoted value is literal, whatever its name; a double-quoted one spans lines and is
    substituted; a name alone takes the environment's value; ${VAR:?} unset is an error."""
    from dfwctl.compose.environment import env_file
    from dfwctl.errors import DfwctlError

    env = write(tmp_path, ".env", "HOST=db\nA.B='${HOST}'\nML=\"first\nX='${HOST}\nlast\"\n"
                "NAMEALONE\nGONE\nBLANK=${UNSET}\n")
    assert env_file(env, {"NAMEALONE": "from-env"}) == {
        "HOST": "db", "A.B": "${HOST}", "ML": "first\nX='db\nlast", "NAMEALONE": "from-env",
        "BLANK": ""}
    write(tmp_path, ".env", "HOST=db\nREQ=${MISSING:?set MISSING}\n")
    with pytest.raises(DfwctlError, match=r"\.env:2: .*MISSING.*set MISSING"):
        env_file(env, {})
