"""The container options compose users write, on the real engine: each one applied reads back
from the engine as the playbook says (in the host config, and in what the container sees), a
second plan is empty, and changing one replaces the container with a diff on that field."""
from __future__ import annotations

import json
import re

import pytest

from tests.engine.project import Project

pytestmark = pytest.mark.engine

MIB = 1024 * 1024
CAP_NET_ADMIN, CAP_MKNOD = 12, 27  # bits of /proc/PID/status CapEff (linux/capability.h)

OPTIONS = """
        containers:
          {n}-opts:
            image: busybox:latest
            command: [sleep, '3600']
            extra_hosts: ["db.local:10.0.0.5", "host.docker.internal=host-gateway"]
            dns: 1.1.1.1
            dns_search: [example.com]
            cap_add: [net_admin]
            cap_drop: [CAP_MKNOD]
            devices: ["/dev/null:/dev/null0:rw"]
            logging:
              driver: json-file
              options: {{max-size: 10m, max-file: 3}}
            tmpfs: ["/run:size=64m"]
            shm_size: 128MiB
            ulimits:
              nofile: {{soft: {nofile}, hard: 4096}}
              nproc: 512
            sysctls: {{net.core.somaxconn: 1024}}
            init: true
            read_only: true
            stop_grace_period: 1m30s
            pids_limit: 100
            security_opt: ["no-new-privileges:true"]
        """


def write(project: Project, nofile: int = 1024) -> None:
    project.write(OPTIONS.format(n=project.name, nofile=nofile))


@pytest.fixture(scope="module")
def applied(docker_api, tmp_path_factory):
    """One container with every option, applied once; the plan that follows, as JSON."""
    project = Project(tmp_path_factory.mktemp("options"), docker_api)
    try:
        write(project)
        result = project.run("apply", project.path)
        assert result.code == 0, result
        plan = project.run("plan", "--detailed-exitcode", "--output", "json", project.path)
        cid = project.containers()[project.cname("opts")]["Id"]
        yield project, docker_api.inspect_container(cid), plan
    finally:
        project.cleanup()


def run_in(project: Project, *argv: str) -> str:
    cid = project.containers()[project.cname("opts")]["Id"]
    api = project.api
    return api.exec_start(api.exec_create(cid, list(argv))).decode()


def test_the_plan_after_apply_is_empty(applied):
    _, _, plan = applied
    assert plan.code == 0, plan
    assert json.loads(plan.out)["changes"] == []


# field -> (HostConfig/Config key, what the engine holds)
READ_BACK = {
    "extra_hosts": ("ExtraHosts", ["db.local:10.0.0.5", "host.docker.internal:host-gateway"]),
    "dns": ("Dns", ["1.1.1.1"]),
    "dns_search": ("DnsSearch", ["example.com"]),
    "cap_add": ("CapAdd", ["NET_ADMIN"]),
    "cap_drop": ("CapDrop", ["MKNOD"]),
    "devices": ("Devices", [{"PathOnHost": "/dev/null", "PathInContainer": "/dev/null0",
                             "CgroupPermissions": "rw"}]),
    "logging": ("LogConfig", {"Type": "json-file", "Config": {"max-size": "10m",
                                                              "max-file": "3"}}),
    "tmpfs": ("Tmpfs", {"/run": "size=64m"}),
    "shm_size": ("ShmSize", 128 * MIB),
    "ulimits": ("Ulimits", [{"Name": "nofile", "Soft": 1024, "Hard": 4096},
                            {"Name": "nproc", "Soft": 512, "Hard": 512}]),
    "sysctls": ("Sysctls", {"net.core.somaxconn": "1024"}),
    "init": ("Init", True),
    "read_only": ("ReadonlyRootfs", True),
    "pids_limit": ("PidsLimit", 100),
    "security_opt": ("SecurityOpt", ["no-new-privileges=true"]),
}


@pytest.mark.parametrize("field", READ_BACK)
def test_each_option_reads_back_from_the_engine(applied, field):
    _, inspected, _ = applied
    key, value = READ_BACK[field]
    assert inspected["HostConfig"][key] == value


def test_stop_grace_period_is_the_stop_timeout_in_seconds(applied):
    _, inspected, _ = applied
    assert inspected["Config"]["StopTimeout"] == 90


def test_the_container_runs_with_its_options(applied):
    """What the process inside sees: the options took effect, not only their record."""
    project, _, _ = applied
    hosts = run_in(project, "cat", "/etc/hosts")
    assert "10.0.0.5\tdb.local" in hosts
    resolv = run_in(project, "cat", "/etc/resolv.conf")
    assert "nameserver 1.1.1.1" in resolv and "search example.com" in resolv
    status = run_in(project, "cat", "/proc/self/status")
    fields = dict(line.split(":\t", 1) for line in status.splitlines() if ":\t" in line)
    caps = int(fields["CapEff"].strip(), 16)
    assert caps & (1 << CAP_NET_ADMIN) and not caps & (1 << CAP_MKNOD)
    assert fields["NoNewPrivs"].strip() == "1"
    # PID 1's limits: this runtime sometimes raises an exec'd process's soft nofile limit to
    # its hard one (a runc built with Go 1.19+), which would test the runtime, not dfwctl
    limits = run_in(project, "cat", "/proc/1/limits")
    assert re.search(r"^Max open files +1024 +4096 ", limits, re.M), limits
    assert run_in(project, "cat", "/proc/sys/net/core/somaxconn").strip() == "1024"
    assert run_in(project, "cat", "/proc/1/comm").strip() == "docker-init"
    mounts = run_in(project, "cat", "/proc/mounts")
    assert any(line.startswith("tmpfs /run tmpfs") for line in mounts.splitlines())
    assert "Read-only file system" in run_in(project, "sh", "-c", "touch /x 2>&1")
    assert run_in(project, "sh", "-c", "test -c /dev/null0 && echo device").strip() == "device"


def test_changing_an_option_replaces_the_container_and_converges(project, docker_api):
    write(project)
    assert project.run("apply", project.path).code == 0
    first = project.containers()[project.cname("opts")]["Id"]
    write(project, nofile=2048)
    plan = project.run("plan", "--detailed-exitcode", project.path)
    assert plan.code == 2, plan
    assert f"docker.container.{project.cname('opts')} must be replaced" in plan.out
    assert '~ ulimits.nofile = "1024:4096" -> "2048:4096"  # forces replacement' in plan.out
    assert project.run("apply", "-y", project.path).code == 0
    container = project.containers()[project.cname("opts")]
    assert container["Id"] != first
    ulimits = docker_api.inspect_container(container["Id"])["HostConfig"]["Ulimits"]
    assert {"Name": "nofile", "Soft": 2048, "Hard": 4096} in ulimits
    assert project.run("plan", "--detailed-exitcode", project.path).code == 0


def _container_diffs(project: Project, name: str):
    plan = project.run("plan", "--output", "json", project.path)
    changes = json.loads(plan.out)["changes"]
    return {f["name"] for c in changes if c["name"] == name for f in c["fields"]}


@pytest.mark.parametrize("option, key, value", [
    ("privileged: true", "Privileged", True),
    ("gpus: all", "DeviceRequests", [{"Driver": "", "Count": -1, "DeviceIDs": [],
                                      "Capabilities": [["gpu"]], "Options": {}}]),
    ("gpus: [{driver: nvidia, device_ids: ['0', '1'], capabilities: [gpu, utility]}]",
     "DeviceRequests", [{"Driver": "nvidia", "Count": 0, "DeviceIDs": ["0", "1"],
                         "Capabilities": [["gpu", "utility"]], "Options": {}}]),
])
def test_options_a_machine_may_not_run_are_still_recorded_as_asked(project, docker_api, option,
                                                                  key, value):
    """The test engine has no GPU and cannot grant every capability (privileged): the
    container is created as asked, the engine's refusal to start it is shown, and the next
    plan only wants to start it (no diff on the option itself)."""
    name = project.cname("special")
    project.write(f"""
        containers:
          {name}:
            image: busybox:latest
            command: [sleep, '3600']
            {option}
        """)
    result = project.run("apply", project.path)
    container = project.containers()[name]
    assert docker_api.inspect_container(container["Id"])["HostConfig"][key] == value
    if result.code != 0:  # the engine refused to start it: its own words are shown
        assert f"start container {name}" in result.out, result
        assert _container_diffs(project, name) == {"state"}
    else:
        assert project.run("plan", "--detailed-exitcode", project.path).code == 0


def _attachments(project: Project, aliases: str) -> str:
    n = project.name
    base = project.subnet().rsplit(".", 1)[0]
    return project.write(f"""
        networks:
          {n}-net: {{subnet: {project.subnet()}}}
          {n}-other: {{}}
        containers:
          {n}-api:
            image: busybox:latest
            command: [sleep, '3600']
            networks:
              {n}-net: {{aliases: {aliases}, ipv4_address: {base}.10}}
              {n}-other:
          {n}-client:
            image: busybox:latest
            command: [sleep, '3600']
            networks: [{n}-net]
        """)


def test_network_aliases_and_a_fixed_address_on_the_engine(project, docker_api):
    n = project.name
    base = project.subnet().rsplit(".", 1)[0]
    _attachments(project, "[api, api.local]")
    assert project.run("apply", project.path).code == 0
    assert project.run("plan", "--detailed-exitcode", project.path).code == 0
    api = project.containers()[f"{n}-api"]
    joined = docker_api.inspect_container(api["Id"])["NetworkSettings"]["Networks"]
    assert joined[f"{n}-net"]["IPAddress"] == f"{base}.10"
    assert joined[f"{n}-net"]["IPAMConfig"]["IPv4Address"] == f"{base}.10"
    # this engine adds the container's short id to the aliases itself: not a difference
    assert {f"{n}-api", "api", "api.local"} <= set(joined[f"{n}-net"]["Aliases"])
    assert f"{n}-api" in joined[f"{n}-other"]["Aliases"]
    client = project.containers()[f"{n}-client"]["Id"]
    out = docker_api.exec_start(docker_api.exec_create(
        client, ["sh", "-c", "ping -c 1 -W 1 api.local 2>&1 | head -n 1"])).decode()
    assert f"({base}.10)" in out, out

    _attachments(project, "[api]")
    plan = project.run("plan", "--detailed-exitcode", project.path)
    assert plan.code == 2, plan
    assert (f'~ networks.{n}-net.aliases = ["api", "api.local"] -> ["api"]  '
            "# forces replacement") in plan.out
    assert project.run("apply", "-y", project.path).code == 0
    assert project.run("plan", "--detailed-exitcode", project.path).code == 0


def test_a_container_on_the_engines_own_bridge_network_starts(project):
    """The engine refuses aliases on its own networks when the container starts: none are
    sent there."""
    name = project.cname("plain")
    project.write(f"""
        networks:
          {project.name}-net: {{}}
        containers:
          {name}:
            image: busybox:latest
            command: [sleep, '3600']
            networks: [bridge, {project.name}-net]
        """)
    result = project.run("apply", project.path)
    assert result.code == 0, result
    assert project.containers()[name]["State"] == "running"
    assert project.run("plan", "--detailed-exitcode", project.path).code == 0


def _long_mounts(project: Project, size: str, site: str = "./site") -> None:
    n = project.name
    project.write(f"""
        volumes:
          {n}-data: {{}}
        containers:
          {n}-long:
            image: busybox:latest
            command: [sleep, '3600']
            mounts:
              - type: bind
                source: {site}
                target: /site
                read_only: true
                bind: {{create_host_path: false}}
              - type: volume
                source: {n}-data
                target: /data
                volume: {{nocopy: true}}
              - type: tmpfs
                target: /cache
                tmpfs: {{size: {size}, mode: "1777"}}
              - type: volume
                target: /anon
        """)


def test_long_syntax_mounts_on_the_engine(project, docker_api):
    n = project.name
    (project.dir / "site").mkdir()
    (project.dir / "site" / "index.html").write_text("hello", encoding="utf-8")
    _long_mounts(project, "64m")
    result = project.run("apply", project.path)
    assert result.code == 0, result
    assert project.run("plan", "--detailed-exitcode", project.path).code == 0
    cid = project.containers()[f"{n}-long"]["Id"]
    host = docker_api.inspect_container(cid)["HostConfig"]
    assert host["Binds"] == [f"{n}-data:/data:nocopy"]
    assert host["Mounts"] == [
        {"Type": "bind", "Source": str(project.dir / "site"), "Target": "/site",
         "ReadOnly": True},
        {"Type": "tmpfs", "Target": "/cache",
         "TmpfsOptions": {"SizeBytes": 64 * MIB, "Mode": 0o1777}}]

    def run(*argv: str) -> str:
        return docker_api.exec_start(docker_api.exec_create(cid, list(argv))).decode()

    assert run("cat", "/site/index.html") == "hello"
    assert "Read-only file system" in run("sh", "-c", "touch /site/x 2>&1")
    assert run("stat", "-c", "%a", "/cache").strip() == "1777"
    assert any(line.split()[:3] == ["tmpfs", "/cache", "tmpfs"] and "size=65536k" in line
               for line in run("cat", "/proc/mounts").splitlines())

    _long_mounts(project, "128m")
    plan = project.run("plan", "--detailed-exitcode", project.path)
    assert plan.code == 2 and "~ mounts = " in plan.out and "tmpfs-size=134217728" in plan.out
    assert project.run("apply", "-y", project.path).code == 0
    assert project.run("plan", "--detailed-exitcode", project.path).code == 0


def test_a_bind_that_must_not_create_its_missing_source_is_refused_by_the_engine(project):
    _long_mounts(project, "64m", site="./missing")
    result = project.run("apply", project.path)
    assert result.code == 1, result
    assert "bind source path does not exist" in result.out, result
    assert not (project.dir / "missing").exists()


def _env_files(project: Project, token: str, mode: str) -> None:
    (project.dir / "config").mkdir(exist_ok=True)
    (project.dir / "config" / "app.env").write_text(
        f'# the app\nMODE={mode}\nGREETING="hello\\tworld"\nURL=http://db:${{DB_PORT:-5432}}/app\n',
        encoding="utf-8")
    (project.dir / "secret.env").write_text(f"TOKEN={token}\nMODE=overridden\n",
                                            encoding="utf-8")
    project.write(f"""
        containers:
          {project.name}-app:
            image: busybox:latest
            command: [sleep, '3600']
            env_file:
              - config/app.env
              - {{path: secret.env, secret: true}}
              - {{path: local.env, required: false}}
            env: {{MODE: from-playbook}}
        """)


def test_env_files_on_the_engine(project, docker_api):
    """Values of env files reach the process; a secret file's never show in the plan, the
    apply output or the spec label; a changed file replaces the container with a diff of env."""
    _env_files(project, "tok-5be01d77", "dev")
    applied = project.run("apply", project.path)
    assert applied.code == 0, applied
    assert "tok-5be01d77" not in applied.out + applied.err
    assert project.run("plan", "--detailed-exitcode", project.path).code == 0
    container = project.containers()[project.cname("app")]
    inspected = docker_api.inspect_container(container["Id"])
    assert {"MODE=from-playbook", "GREETING=hello\tworld", "URL=http://db:5432/app",
            "TOKEN=tok-5be01d77"} <= set(inspected["Config"]["Env"])
    assert "tok-5be01d77" not in container["Labels"]["io.dfwctl.spec"]
    seen = docker_api.exec_start(docker_api.exec_create(container["Id"], ["sh", "-c",
                                                                        "echo $TOKEN"]))
    assert seen.decode().strip() == "tok-5be01d77"

    _env_files(project, "tok-9c3e21aa", "dev")
    plan = project.run("plan", "--detailed-exitcode", project.path)
    assert plan.code == 2, plan
    assert "~ env.TOKEN = (sensitive value) -> (sensitive value)  # forces replacement" \
        in plan.out, plan.out
    assert "tok-" not in plan.out + plan.err
    _env_files(project, "tok-9c3e21aa", "prod")
    plan = project.run("plan", "--detailed-exitcode", project.path)
    assert plan.code == 2 and "~ env.TOKEN" in plan.out
    assert project.run("apply", "-y", project.path).code == 0
    assert project.run("plan", "--detailed-exitcode", project.path).code == 0
    env = docker_api.inspect_container(project.containers()[project.cname("app")]["Id"])
    assert "TOKEN=tok-9c3e21aa" in env["Config"]["Env"]


OTHER_FORMS = """
        containers:
          {n}-forms:
            image: busybox:latest
            command: [sleep, '3600']
            stop_signal: SIGKILL
            security_opt: ["seccomp:unconfined"]
            logging: {{driver: local, options: {{max-size: 5m}}}}
            extra_hosts: ["v6.local=[::1]"]
            dns_search: corp.example.com
            tmpfs: "/run:size=64m,mode=1777"
            shm_size: 0
            init: false
            pids_limit: -1
          {n}-quiet:
            image: busybox:latest
            command: [sleep, '3600']
            stop_signal: SIGKILL
            logging: {{driver: none}}
            mounts:
              - type: bind
                source: .
                target: /site
                consistency: cached
                bind: {{create_host_path: false, propagation: rprivate}}
        """

# container -> HostConfig key -> what the engine holds for the forms above
OTHER_READ_BACK = {
    "forms": {"SecurityOpt": ["seccomp=unconfined"],
              "LogConfig": {"Type": "local", "Config": {"max-size": "5m"}},
              "ExtraHosts": ["v6.local:::1"], "DnsSearch": ["corp.example.com"],
              "Tmpfs": {"/run": "size=64m,mode=1777"}, "ShmSize": 64 * MIB, "Init": False,
              "PidsLimit": None},
    "quiet": {"LogConfig": {"Type": "none", "Config": {}},
              "Mounts": [{"Type": "bind", "Source": "{dir}", "Target": "/site",
                          "Consistency": "cached", "BindOptions": {"Propagation": "rprivate"}}]},
}


def test_other_forms_of_the_options_read_back_from_the_engine(project, docker_api):
    """The forms the first container does not use: other log drivers, seccomp, an IPv6
    host, one search domain, tmpfs options, the engine's defaults written out (shm_size 0,
    pids_limit -1, init false), a bind's consistency and propagation."""
    project.write(OTHER_FORMS.format(n=project.name))
    result = project.run("apply", project.path)
    assert result.code == 0, result
    assert project.run("plan", "--detailed-exitcode", project.path).code == 0
    for name, wanted in OTHER_READ_BACK.items():
        cid = project.containers()[project.cname(name)]["Id"]
        host = docker_api.inspect_container(cid)["HostConfig"]
        expected = json.loads(json.dumps(wanted).replace("{dir}", str(project.dir)))
        assert {key: host[key] for key in expected} == expected
