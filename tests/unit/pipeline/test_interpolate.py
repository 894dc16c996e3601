"""Interpolation of ${VAR} references in playbook values, and .env files."""
from __future__ import annotations

from pathlib import Path

import pytest

from dfwctl.errors import DfwctlError
from dfwctl.interpolate import (
    Interpolation,
    env_file_values,
    expand,
    interpolate,
    load_environment,
    read_env_file,
)
from dfwctl.load import parse
from dfwctl.values import dotenv

UNSET = (
    "variable ${X} is not set: export it, add it to .env beside the playbook, "
    "or give a default with ${X:-value}"
)


def _doc(text: str, directory: Path = Path(".")):
    return parse(text, directory / "playbook.yml", display_name="playbook.yml")


@pytest.mark.parametrize("text, env, result", [
    ("${A}", {"A": "1"}, "1"),
    ("$A", {"A": "1"}, "1"),
    ("x$A-y", {"A": "1"}, "x1-y"),
    ("${A}${A}", {"A": "1"}, "11"),
    ("${A:-d}", {}, "d"),
    ("${A:-d}", {"A": ""}, "d"),
    ("${A:-d}", {"A": "v"}, "v"),
    ("${A-d}", {}, "d"),
    ("${A-d}", {"A": ""}, ""),
    ("${A:-}", {}, ""),
    ("${A:-${B}/x}", {"B": "b"}, "b/x"),
    ("${A:-a:b-c}", {}, "a:b-c"),
    ("${A:+x}", {"A": "v"}, "x"),
    ("${A:+x}", {"A": ""}, ""),
    ("${A:+x}", {}, ""),
    ("${A+x}", {"A": ""}, "x"),
    ("${A+x}", {}, ""),
    ("${A:+${B}}", {"A": "v", "B": "b"}, "b"),
    ("$$", {}, "$"),
    ("$$A", {"A": "1"}, "$A"),
    ("$${A}", {"A": "1"}, "${A}"),
    ("$$$A", {"A": "1"}, "$1"),
    ("5$", {}, "5$"),
    ("a $ b", {}, "a $ b"),
    ("no variables", {}, "no variables"),
    ("C:\\Users\\$USER\\x", {"USER": "me"}, "C:\\Users\\me\\x"),
])
def test_expand(text, env, result):
    expansion = expand(text, env)
    assert expansion.errors == []
    assert expansion.text == result


@pytest.mark.parametrize("text, message", [
    ("${X}", UNSET),
    ("$X", UNSET),
    ("${X:?set X to the database password}",
     "variable ${X} is not set: set X to the database password"),
    ("${X?}", "variable ${X} is not set: export it or add it to .env beside the playbook"),
    ("a${X", "unclosed '${' in 'a${X': write ${NAME}, ${NAME:-default}, or $$ for a literal $"),
    ("${}", "invalid variable reference '${}': write ${NAME}, ${NAME:-default}, "
            "or $$ for a literal $"),
    ("${1X}", "invalid variable reference '${1X}': write ${NAME}, ${NAME:-default}, "
              "or $$ for a literal $"),
    ("${A B}", "invalid variable reference '${A B}': write ${NAME}, ${NAME:-default}, "
               "or $$ for a literal $"),
])
def test_expand_errors(text, message):
    assert expand(text, {}).errors == [message]


def test_an_unset_variable_keeps_its_reference():
    assert expand("x-${X}-y", {}).text == "x-${X}-y"


def test_interpolate_replaces_values_in_place_and_keeps_positions():
    doc = _doc("version: 1\nname: x\ncontainers:\n  web:\n    image: 'nginx:${TAG}'\n"
               "    command: [echo, $GREETING]\n    env: {$KEY: $$literal}\n")
    before = doc.position(("containers", "web", "command", 1))
    result = interpolate(doc, {"TAG": "1.27", "GREETING": "hi", "KEY": "no"})
    web = doc.data["containers"]["web"]
    assert result == Interpolation((), frozenset())
    assert web["image"] == "nginx:1.27"
    assert web["command"] == ["echo", "hi"]
    assert dict(web["env"]) == {"$KEY": "$literal"}  # keys are never interpolated
    assert doc.position(("containers", "web", "command", 1)) == before


def test_non_string_values_are_left_alone():
    doc = _doc("version: 1\nname: x\ncontainers:\n  a: {image: a, stop_timeout: 5, cpus: 1.5}\n")
    interpolate(doc, {})
    assert doc.data["containers"]["a"]["stop_timeout"] == 5


def test_errors_point_at_the_value():
    doc = _doc("version: 1\nname: x\ncontainers:\n  db:\n    image: postgres\n"
               "    env:\n      PASSWORD: ${X}\n      OTHER: ['${Y']\n")
    result = interpolate(doc, {})
    assert [str(d) for d in result.diagnostics] == [
        f"playbook.yml:7:17: containers.db.env.PASSWORD: {UNSET}",
        "playbook.yml:8:15: containers.db.env.OTHER[0]: unclosed '${' in '${Y': write ${NAME}, "
        "${NAME:-default}, or $$ for a literal $",
    ]


def test_secrets_collects_substituted_values_of_secret_variables():
    doc = _doc("version: 1\nname: x\nsecrets: [PW, TOKEN, EMPTY]\ncontainers:\n  a:\n"
               "    image: a\n    env:\n      A: ${PW}\n      B: 'Bearer ${TOKEN:-dev-token}'\n"
               "      C: ${USER}\n      D: ${EMPTY-}\n")
    result = interpolate(doc, {"PW": "s3cret", "USER": "me"})
    assert result.secrets == frozenset({"s3cret", "dev-token"})
    assert result.diagnostics == ()


def test_unused_secret_is_a_warning_at_its_name():
    doc = _doc("version: 1\nname: x\nsecrets: [PW, UNUSED]\n"
               "containers:\n  a: {image: '${PW:-x}'}\n")
    result = interpolate(doc, {})
    assert [str(d) for d in result.diagnostics] == [
        "playbook.yml:3:15: warning: secrets[1]: secret UNUSED is not used: no value "
        "references ${UNUSED}; remove it from secrets"
    ]


def test_a_secret_referenced_while_unset_counts_as_used():
    doc = _doc("version: 1\nname: x\nsecrets: [PW]\ncontainers:\n  a: {image: '${PW}'}\n")
    result = interpolate(doc, {})
    assert [d.severity for d in result.diagnostics] == ["error"]
    assert result.secrets == frozenset()


def test_secrets_from_variables_in_compose_spelling_are_collected_and_masked():
    doc = _doc("version: 1\nname: x\nsecrets:\n  api-token: {environment: API_TOKEN}\n"
               "  db: {file: ./db.txt}\ncontainers:\n  a:\n    image: a\n"
               "    env: {AUTH: 'Bearer ${API_TOKEN}'}\n    secrets: [api-token]\n")
    result = interpolate(doc, {"API_TOKEN": "tok-42", "OTHER": "x"})
    assert result.variables == {"API_TOKEN": "tok-42"}
    assert result.secrets == frozenset({"tok-42"})
    assert result.diagnostics == ()


def test_a_granted_secret_whose_variable_is_unset_is_an_error_at_the_variable():
    doc = _doc("version: 1\nname: x\nsecrets:\n  api-token: {environment: API_TOKEN}\n"
               "  spare: {environment: SPARE}\n"
               "containers:\n  a: {image: a, secrets: [{source: api-token}]}\n")
    result = interpolate(doc, {})
    assert [str(d) for d in result.diagnostics] == [
        "playbook.yml:4:28: secrets.api-token.environment: secret api-token comes from the "
        "variable API_TOKEN, which is not set, and a container is granted it: export "
        "API_TOKEN, or add it to .env beside the playbook"]
    assert result.variables == {}


def test_a_listed_secret_a_container_is_granted_is_used_and_must_be_set():
    text = ("version: 1\nname: x\nsecrets: [DB_PASSWORD]\n"
            "containers:\n  a: {image: a, secrets: [DB_PASSWORD]}\n")
    assert interpolate(_doc(text), {"DB_PASSWORD": "pw"}).diagnostics == ()
    (error,) = interpolate(_doc(text), {}).diagnostics
    assert str(error).startswith("playbook.yml:3:11: secrets[0]: secret DB_PASSWORD comes "
                                 "from the variable DB_PASSWORD, which is not set")


def test_read_env_file(tmp_path):
    env = tmp_path / ".env"
    env.write_text(
        "\ufeff# comment\n\nexport A=1\nB = two words \nC='single # not a comment'\n"
        'D="double"\nE=x # comment\nF=\nG=a=b\nH="quoted" # comment\nI=$NOT_EXPANDED\n',
        encoding="utf-8",
    )
    assert read_env_file(env) == {
        "A": "1", "B": "two words", "C": "single # not a comment", "D": "double", "E": "x",
        "F": "", "G": "a=b", "H": "quoted", "I": "$NOT_EXPANDED",
    }


def test_missing_env_file_is_empty(tmp_path):
    assert read_env_file(tmp_path / ".env") == {}


def test_bad_env_line_names_its_position(tmp_path):
    env = tmp_path / ".env"
    env.write_text("A=1\nnot a pair\n", encoding="utf-8")
    with pytest.raises(DfwctlError, match=r"\.env:2: expected NAME=VALUE"):
        read_env_file(env)


def test_process_environment_overrides_env_file(tmp_path):
    (tmp_path / ".env").write_text("A=from-file\nB=file-only\n", encoding="utf-8")
    doc = _doc("version: 1\nname: x\n", tmp_path)
    assert load_environment(doc, {"A": "from-process"}) == {"A": "from-process", "B": "file-only"}


def test_env_file_feeds_interpolation(tmp_path):
    (tmp_path / ".env").write_text("TAG=3.20\n", encoding="utf-8")
    doc = _doc("version: 1\nname: x\ncontainers:\n  a: {image: 'alpine:${TAG}'}\n", tmp_path)
    interpolate(doc, load_environment(doc, {}))
    assert doc.data["containers"]["a"]["image"] == "alpine:3.20"


@pytest.mark.parametrize("text, values, from_environment", [
    ("TOKEN\n", {"TOKEN": "env-secret"}, {"TOKEN": "env-secret"}),  # a name alone
    ("URL=https://${HOST}/\n", {"URL": "https://db/"}, {"HOST": "db"}),
    ("TOKEN=mine\nTOKEN\n", {"TOKEN": "mine"}, {}),  # the line above has it
    ("HOST=local\nURL=${HOST}:1\n", {"HOST": "local", "URL": "local:1"}, {}),
    ("EARLY\nURL=${EARLY}/x\n", {"EARLY": "before", "URL": "before/x"}, {}),  # earlier file
    ("MISSING\n", {}, {}),  # set nowhere: left out
])
def test_env_file_values_name_the_environment_variables_used(text, values, from_environment):
    """What an env file takes from the environment is listed, so that a secret one stays
    hidden; values of the file itself or of the files read before it are not."""
    environ = {"TOKEN": "env-secret", "HOST": "db", "EARLY": "env"}
    found = env_file_values(dotenv.parse(text), environ, earlier={"EARLY": "before"})
    assert (found.values, found.substituted) == (values, from_environment)


def test_unset_blank_takes_an_unset_variable_as_empty_and_names_it():
    result = expand("a${X}b${Y:-y}", {}, unset_blank=True)
    assert (result.text, result.errors, result.blank) == ("ab" + "y", [], ["X"])


def test_unset_blank_still_refuses_a_required_variable():
    result = expand("${X:?say X}", {}, unset_blank=True)
    assert result.errors == ["variable ${X} is not set: say X"]


@pytest.mark.parametrize("text", ["a${1X}b", "a $X b", "${X:+x}${X-}${X}!"])
def test_a_reference_that_cannot_be_substituted_stays_as_written(text):
    expansion = expand(text, {})
    assert expansion.text == text.replace("${X:+x}", "").replace("${X-}", "")
    assert len(expansion.errors) == 1


def test_a_message_after_a_question_mark_without_colon_is_the_error():
    assert expand("${X?say X}", {}).errors == ["variable ${X} is not set: say X"]
    assert expand("${X?say X}", {"X": ""}).errors == []


def test_unset_blank_reaches_variables_inside_a_default():
    result = expand("<${A:-${B}}>", {}, unset_blank=True)
    assert (result.text, result.errors, result.blank) == ("<>", [], ["B"])


def test_an_unclosed_brace_keeps_the_rest_of_the_text():
    assert expand("a${X:-{b}", {}).text == "a${X:-{b}"
    assert expand("${X:-{b}}c", {}).text == "{b}c"


def test_interpolated_values_keep_their_block_style():
    doc = _doc("version: 1\nname: x\nlabels:\n  a: \"${V}\"\n  b: ${V}\n"
               "  c: |\n    ${V}\n  d: >\n    ${V}\n")
    interpolate(doc, {"V": "v"})
    labels = doc.data["labels"]
    assert {k: type(v).__name__ for k, v in labels.items()} == {
        "a": "str", "b": "str", "c": "LiteralScalarString", "d": "FoldedScalarString"}
    assert dict(labels) == {"a": "v", "b": "v", "c": "v\n", "d": "v\n"}


def test_a_secret_named_twice_or_badly_is_reported_once_and_the_rest_still_checked():
    doc = _doc("version: 1\nname: x\nsecrets: ['1X', UNUSED, UNUSED]\n")
    assert [str(d) for d in interpolate(doc, {}).diagnostics] == [
        "playbook.yml:3:17: warning: secrets[1]: secret UNUSED is not used: no value "
        "references ${UNUSED}; remove it from secrets"]


def test_an_unused_secret_in_the_mapping_form_is_no_warning():
    # an env file (env_file:) may read the variable; only the list form promises a ${NAME}
    doc = _doc("version: 1\nname: x\nsecrets:\n  spare: {environment: SPARE}\n")
    assert interpolate(doc, {}).diagnostics == ()


def test_an_env_file_starting_with_a_byte_order_mark_names_its_first_variable(tmp_path):
    env = tmp_path / ".env"
    env.write_bytes(b"\xef\xbb\xbfA=1\n")
    assert read_env_file(env) == {"A": "1"}


def test_an_env_file_that_cannot_be_read_says_why(tmp_path):
    env = tmp_path / ".env"
    env.write_bytes(b"A=\xff\n")
    with pytest.raises(DfwctlError, match=r"\.env: not UTF-8 text; save it as UTF-8$"):
        read_env_file(env)
    folder = tmp_path / "dir.env"
    folder.mkdir()
    with pytest.raises(DfwctlError, match=r"dir\.env: cannot read: Is a directory$"):
        read_env_file(folder)
