"""The container option parsers: extra_hosts and dns, capabilities and security options,
ulimits and sysctls, tmpfs, devices and GPU requests, log drivers. Each gives the canonical
text records hold, and refuses (with the user's message) what the engine would refuse."""
from __future__ import annotations

import pytest

from dfwctl.values import devices, hosts, limits, logdrivers, security, tmpfs


# extra_hosts and dns ---------------------------------------------------------------------------
@pytest.mark.parametrize("entry, text", [
    ("db:10.0.0.5", "db:10.0.0.5"), ("db=10.0.0.5", "db:10.0.0.5"),
    ("host.docker.internal:host-gateway", "host.docker.internal:host-gateway"),
    ("v6:::1", "v6:::1"), ("v6=::1", "v6:::1"), ("v6=[::1]", "v6:::1"),
])
def test_extra_host(entry, text):
    assert hosts.extra_host(entry) == text


@pytest.mark.parametrize("entry, message", [
    ("db", "has no address"), ("db:10.0.0", "is not an IP address"), (":1.2.3.4", "no host name"),
    ("bad host:1.2.3.4", "is not a host name"), ("db=gateway", "is not an IP address"),
])
def test_extra_host_refuses(entry, message):
    with pytest.raises(ValueError, match=message):
        hosts.extra_host(entry)


def test_extra_hosts_mapping_keeps_order_and_lists():
    assert hosts.extra_hosts({"b": "1.1.1.1", "a": ["::1", "2.2.2.2"]}) == (
        "b:1.1.1.1", "a:::1", "a:2.2.2.2")


def test_dns():
    assert hosts.dns_server(" 1.1.1.1") == "1.1.1.1"
    with pytest.raises(ValueError, match="is not an IP address"):
        hosts.dns_server("dns.google")
    assert hosts.dns_domain("example.com") == "example.com"
    assert hosts.dns_domain(".") == "."
    with pytest.raises(ValueError, match="is not a DNS domain"):
        hosts.dns_domain(".example.com")
    assert hosts.one_or_many("a") == ["a"] and hosts.one_or_many(None) == []


# capabilities and security options --------------------------------------------------------------
def test_capabilities_are_a_sorted_set_without_prefix():
    assert security.capabilities(["net_admin", "CAP_SYS_PTRACE", "NET_ADMIN"]) == (
        "NET_ADMIN", "SYS_PTRACE")
    assert security.capability("all") == "ALL"
    assert len(security.CAPABILITIES) == 41  # linux/capability.h up to CHECKPOINT_RESTORE


def test_an_unknown_capability_suggests():
    with pytest.raises(ValueError, match="is not a Linux capability; did you mean 'NET_ADMIN'"):
        security.capability("NET_ADMN")


@pytest.mark.parametrize("option, text", [
    ("no-new-privileges", "no-new-privileges"),
    ("no-new-privileges:true", "no-new-privileges=true"),
    ("seccomp:unconfined", "seccomp=unconfined"),
    ("label:type:svirt_apache_t", "label=type:svirt_apache_t"),
    ("label=user:USER", "label=user:USER"),
    ("apparmor=docker-default", "apparmor=docker-default"),
    ("systempaths=unconfined", "systempaths=unconfined"),
])
def test_security_option(option, text):
    assert security.security_option(option) == text


@pytest.mark.parametrize("option, message", [
    ("bogus=1", "is not a security option"), ("seccomp", "has no value"),
    ("no-new-privileges=maybe", "takes true or false"), ("systempaths=x", "only the value"),
    ("apparmour=x", "did you mean 'apparmor'"),
])
def test_security_option_refuses(option, message):
    with pytest.raises(ValueError, match=message):
        security.security_option(option)


def test_seccomp_profile_is_a_file_unless_a_keyword_or_inline_json():
    assert security.seccomp_profile("seccomp=./p.json") == "./p.json"
    assert security.seccomp_profile("seccomp=unconfined") is None
    assert security.seccomp_profile('seccomp={"defaultAction": "SCMP_ACT_ALLOW"}') is None
    assert security.seccomp_profile("apparmor=p.json") is None


# ulimits and sysctls ------------------------------------------------------------------------------
def test_ulimits():
    assert limits.ulimits({"nproc": 100, "nofile": {"soft": 1024, "hard": 4096}}) == (
        ("nofile", "1024:4096"), ("nproc", "100:100"))
    assert limits.ulimit("memlock", -1) == (-1, -1)
    assert limits.ulimit("nofile", {"soft": 5, "hard": -1}) == (5, -1)
    assert limits.ulimit_values("1024:4096") == (1024, 4096)


@pytest.mark.parametrize("name, value, message", [
    ("nofle", 1, "is not a ulimit; did you mean 'nofile'"),
    ("nofile", {"soft": 5, "hard": 2}, "soft limit .5. is above the hard limit .2."),
    ("nofile", {"soft": -1, "hard": 2}, "is above the hard limit"),
    ("nofile", -2, "whole number, or -1"), ("nofile", True, "whole number"),
])
def test_ulimit_refuses(name, value, message):
    with pytest.raises(ValueError, match=message):
        limits.ulimit(name, value)


def test_sysctls():
    assert limits.sysctls(["net.core.somaxconn=1024", "kernel.shmmax=1"]) == {
        "net.core.somaxconn": "1024", "kernel.shmmax": "1"}
    assert limits.sysctls({"fs.mqueue.msg_max": 20, "net.ipv4.ip_forward": True}) == {
        "fs.mqueue.msg_max": "20", "net.ipv4.ip_forward": "1"}
    with pytest.raises(ValueError, match='sysctl "kernel.panic" is not namespaced'):
        limits.sysctls({"kernel.panic": 1})


# tmpfs ---------------------------------------------------------------------------------------
def test_tmpfs():
    assert tmpfs.tmpfs_entry("/run") == ("/run", "")
    assert tmpfs.tmpfs_entry("/run:rw,noexec,size=64m,mode=1777") == (
        "/run", "rw,noexec,size=64m,mode=1777")
    assert tmpfs.tmpfs_entry("/cache:size=50%") == ("/cache", "size=50%")


@pytest.mark.parametrize("entry, message", [
    ("run", "must be an absolute path"), ("/", "container's root"),
    ("/run:sizze=1m", "did you mean 'size'"), ("/run:noexc", "did you mean 'noexec'"),
    ("/run:size=big", "size=big is not valid"), ("/run:mode=999", "mode=999 is not valid"),
])
def test_tmpfs_refuses(entry, message):
    with pytest.raises(ValueError, match=message):
        tmpfs.tmpfs_entry(entry)


# devices and GPUs ------------------------------------------------------------------------------
@pytest.mark.parametrize("entry, text", [
    ("/dev/null", "/dev/null:/dev/null:rwm"), ("/dev/null:rw", "/dev/null:/dev/null:rw"),
    ("/dev/sda:/dev/xvda", "/dev/sda:/dev/xvda:rwm"), ("/dev/sda:/dev/xvda:r", "/dev/sda:/dev/xvda:r"),
    ("class/5B45201D-F2F2-4F3B-85BB-30FF1F953599", "class/5B45201D-F2F2-4F3B-85BB-30FF1F953599"),
    ("nvidia.com/gpu=all", "nvidia.com/gpu=all"),
])
def test_device(entry, text):
    assert devices.device(entry) == text


@pytest.mark.parametrize("entry, message", [
    ("/dev/x:/dev/y:rwx", "are not device permissions"), ("/dev/x:/dev/y:rr", "permissions"),
    ("dev/x", "is not an absolute path"), ("/a:/b:r:w", "is not a device"),
])
def test_device_refuses(entry, message):
    with pytest.raises(ValueError, match=message):
        devices.device(entry)


def test_gpus_all_is_every_gpu_with_the_gpu_capability():
    (text,) = devices.gpus("all")
    assert text == "count=all;capabilities=gpu"
    request = devices.gpu_request_from_text(text).request()
    assert request == {"driver": "", "count": -1, "device_ids": [], "capabilities": [["gpu"]],
                       "options": {}}


def test_gpu_requests_round_trip_through_their_text():
    (text,) = devices.gpus([{"driver": "nvidia", "device_ids": ["0", 1],
                             "capabilities": ["utility", "gpu"], "options": {"k": "v"}}])
    assert text == "driver=nvidia;device_ids=0,1;capabilities=gpu,utility;options.k=v"
    request = devices.gpu_request_from_text(text)
    assert request == devices.gpu_request({"driver": "nvidia", "device_ids": ["0", "1"],
                                           "capabilities": ["gpu", "utility"],
                                           "options": {"k": "v"}})
    assert request.request()["count"] == 0 and request.request()["device_ids"] == ["0", "1"]
    assert devices.gpus([{"count": 2}]) == ("count=2;capabilities=gpu",)


@pytest.mark.parametrize("value, message", [
    ({"count": 1, "device_ids": ["0"]}, "count or device_ids, not both"),
    ({"count": 0}, "count must be"), ("all", "is a mapping"),
])
def test_gpu_request_refuses(value, message):
    with pytest.raises(ValueError, match=message):
        devices.gpu_request(value)


# log drivers ---------------------------------------------------------------------------------
def test_log_options_the_engine_accepts():
    assert logdrivers.option_problems("json-file", {"max-size": "10m", "max-file": "3",
                                                    "compress": "true", "tag": "x"}) == []
    assert logdrivers.option_problems("local", {"max-size": "1g", "max-file": "1"}) == []
    assert logdrivers.option_problems("syslog", {"anything": "x"}) == []  # not known here
    assert logdrivers.option_problems(None, {"max-size": "x"}) == []  # the engine's default


@pytest.mark.parametrize("driver, options, message", [
    ("json-file", {"max-sizze": "1m"}, 'did you mean "max-size"'),
    ("local", {"tag": "x"}, "is not an option of the local log driver"),
    ("none", {"max-size": "1m"}, "takes no options"),
    ("json-file", {"max-size": "10q"}, "is not a size"),
    ("json-file", {"max-file": "0"}, "1 or more"),
    ("json-file", {"compress": "maybe"}, "true or false"),
    ("local", {"compress": "true", "max-file": "1"}, "compress needs max-file above 1"),
])
def test_log_options_the_engine_refuses(driver, options, message):
    problems = logdrivers.option_problems(driver, options)
    assert len(problems) == 1 and message in problems[0][1]


def test_unknown_log_driver_warns_only_when_it_looks_like_a_typo():
    assert 'did you mean "json-file"' in logdrivers.unknown_driver("json_file")
    assert logdrivers.unknown_driver("loki") is None  # a plugin's alias
    assert logdrivers.unknown_driver("grafana/loki-docker-driver:latest") is None
    assert logdrivers.unknown_driver("local") is None
    assert logdrivers.option_text(3) == "3" and logdrivers.option_text(True) == "true"
