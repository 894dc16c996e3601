"""ContainerSpec -> the create call's host config: only the options a container sets are sent,
in the engine's terms; a seccomp profile goes as its text, as the docker CLI sends it."""
from __future__ import annotations

import json

import pytest

from dfwctl.errors import DfwctlError
from dfwctl.providers.docker.create import endpoint, option_arguments
from dfwctl.providers.docker.model import container_spec


def spec(tmp_path, **raw):
    return container_spec("app", {"image": "busybox", **raw}, tmp_path, "shop")


def test_a_container_without_options_sends_none(tmp_path):
    assert option_arguments(spec(tmp_path)) == {}


def test_false_is_sent_only_where_it_differs_from_the_engines_default(tmp_path):
    # init: false overrides a daemon configured with init; privileged and read_only false
    # are the engine's own defaults
    args = option_arguments(spec(tmp_path, init=False, privileged=False, read_only=False))
    assert args == {"init": False}


def test_a_seccomp_profile_file_is_sent_as_its_text(tmp_path):
    profile = {"defaultAction": "SCMP_ACT_ALLOW"}
    (tmp_path / "profile.json").write_text(json.dumps(profile), encoding="utf-8")
    app = spec(tmp_path, security_opt=["seccomp:./profile.json", "no-new-privileges"])
    assert app.security_opt == (f"seccomp={tmp_path / 'profile.json'}", "no-new-privileges")
    (sent, nnp) = option_arguments(app)["security_opt"]
    assert json.loads(sent.partition("=")[2]) == profile and nnp == "no-new-privileges"


def test_a_seccomp_profile_gone_since_validation_is_a_clear_error(tmp_path):
    app = spec(tmp_path, security_opt=["seccomp=gone.json"])
    with pytest.raises(DfwctlError, match="cannot read the seccomp profile .*gone.json"):
        option_arguments(app)


def test_ulimits_tmpfs_and_logging_in_the_sdks_terms(tmp_path):
    args = option_arguments(spec(tmp_path, ulimits={"nproc": 10}, tmpfs="/run",
                                 logging={"options": {"max-size": "1m"}}, shm_size="1g"))
    assert args == {"ulimits": [{"name": "nproc", "soft": 10, "hard": 10}],
                    "tmpfs": {"/run": ""}, "shm_size": 1024 ** 3,
                    "log_config": {"type": "", "config": {"max-size": "1m"}}}


def test_each_network_gets_the_containers_name_and_its_aliases_and_address(tmp_path):
    app = spec(tmp_path, networks={"front": {"aliases": ["api", "app"],
                                             "ipv4_address": "172.28.0.10"},
                                   "back": None, "bridge": None})
    assert endpoint(app, "front") == {"aliases": ["app", "api"], "ipv4_address": "172.28.0.10"}
    assert endpoint(app, "back") == {"aliases": ["app"]}
    # the engine refuses aliases on its own networks when the container starts
    assert endpoint(app, "bridge") == {}
