"""What validate says about the networks, volumes and containers sections: each rule's
message in full, at the key it is about."""
from __future__ import annotations

from pathlib import Path

from dfwctl.load import parse
from dfwctl.validate import validate

PLAYBOOK = """\
version: 1
name: ab
networks:
  front: {}
volumes:
  data: {}
containers:
  web:
    image: busybox
    labels:
      io.dfwctl.mine: x
      ok: y
    env:
      A: "a\\0b"
    mounts:
      - cache:/cache
      - type: volume
        source: logs
        target: /logs
      - data:/data
      - /host:/data/
      - type: tmpfs
        target: /t
        bind:
          propagation: rshared
    tmpfs:
      - /run
      - /t2
    networks:
      - front
      - back
  app:
    image: busybox
    tmpfs: /run:size=1m
    mounts:
      - /x:/run
    networks:
      bridge:
        aliases: [a]
      nope: {}
    isolation: hyperv
    platform: linux/amd64
    memory: 1KiB
    cpus: 0
    stop_timeout: -1
    depends_on: [db]
  db:
    image: busybox
    depends_on: [app]
"""


def test_every_container_rule_at_its_key_in_full():
    doc = parse(PLAYBOOK, Path("p.yml"), display_name="p.yml")
    assert [str(d) for d in validate(doc)] == [
        "p.yml:11:7: containers.web.labels.io.dfwctl.mine: label 'io.dfwctl.mine' uses the "
        'prefix io.dfwctl., which dfwctl reserves for its own labels: rename it',
        'p.yml:14:10: containers.web.env.A: the value contains a NUL character (\\0), which '
        'the engine cannot pass to a process: remove it',
        "p.yml:16:9: containers.web.mounts[0]: volume 'cache' is not defined: add it under "
        'volumes, or declare it there with external: true if it is made elsewhere',
        "p.yml:18:17: containers.web.mounts[1].source: volume 'logs' is not defined: add it "
        'under volumes, or declare it there with external: true if it is made elsewhere',
        'p.yml:21:9: containers.web.mounts[3]: /data/ is already mounted by '
        'containers.web.mounts[2] (line 20): the engine mounts each target once; pick '
        'another',
        'p.yml:25:11: containers.web.mounts[4].bind: bind settings are for bind mounts, and '
        'this one is a tmpfs mount: remove them, or change its type',
        "p.yml:31:9: containers.web.networks[1]: network 'back' is not defined: add it "
        'under networks, or declare it there with external: true if it is made elsewhere',
        'p.yml:36:9: containers.app.mounts[0]: /run is already mounted by '
        'containers.app.tmpfs (line 34): the engine mounts each target once; pick another',
        "p.yml:39:18: containers.app.networks.bridge.aliases: the engine's own network "
        "'bridge' takes no aliases: only networks the playbook defines do; define one under "
        'networks and join it',
        "p.yml:40:7: containers.app.networks.nope: network 'nope' is not defined: add it "
        'under networks, or declare it there with external: true if it is made elsewhere',
        "p.yml:41:16: containers.app.isolation: isolation 'hyperv' is only for Windows "
        "containers, and the platform is 'linux/amd64': remove isolation, or use a windows "
        'platform',
        'p.yml:43:13: containers.app.memory: "1KiB" is out of range: it must be at least '
        "6291456 bytes (the engine's smallest memory limit is 6 MiB)",
        'p.yml:44:11: containers.app.cpus: must be more than 0 (got 0)',
        'p.yml:45:19: containers.app.stop_timeout: must be at least 0 (got -1)',
        'p.yml:46:18: containers.app.depends_on[0]: depends_on forms a cycle: app -> db -> '
        'app: remove one of these dependencies',
    ]


ADDRESSES = """\
version: 1
name: ab
networks:
  fixed:
    subnet: 10.5.0.0/24
  gw:
    subnet: 10.6.0.0/24
    gateway: 10.6.0.9
  bad:
    subnet: 10.7.0.1/24
  nosub: {}
  badgw:
    subnet: 10.8.0.0/24
    gateway: not-an-ip
  outside:
    external: true
    labels:
      io.dfwctl.x: y
volumes:
  data:
    labels:
      io.dfwctl.owner: me
containers:
  app:
    image: busybox
    ports: ["8080:80", "127.0.0.1:9090:90", "53:53/udp"]
    networks:
      fixed:
        ipv4_address: nonsense
      gw:
        ipv4_address: 10.6.0.9
      bad:
        ipv4_address: 10.7.0.5
      nosub:
        ipv4_address: 10.9.0.5
      outside:
        ipv4_address: 1.2.3.4
  bee:
    image: busybox
    ports: ["127.0.0.2:9090:90", "0.0.0.0:8080:81", "53:53/tcp"]
    networks:
      fixed:
        ipv4_address: 10.5.0.1
  cat:
    image: busybox
    ports: ["127.0.0.1:9090:91"]
    networks:
      fixed:
        ipv4_address: 10.5.0.255
      gw:
        ipv4_address: "fe80::1"
  dog:
    image: busybox
    networks:
      fixed:
        ipv4_address: 10.5.0.7
      gw:
        ipv4_address: 10.6.1.7
  eel:
    image: busybox
    networks:
      fixed:
        ipv4_address: 10.5.0.7
    isolation: process
    platform: windows/amd64
    depends_on: [fox, eel]
  fox:
    image: busybox
    isolation: hyperv
    platform: linux/amd64
    depends_on:
      gnu: {condition: service_started}
  gnu:
    image: busybox
    isolation: default
    platform: linux/arm64
    depends_on: [eel]
"""


def test_networks_addresses_ports_isolation_and_cycles_in_full():
    """Fixed addresses (not an address, IPv6, outside the subnet, the gateway, the network's
    own, another container's; none checked on an external network or a subnet that is itself
    wrong), host ports (the same port on another IP or protocol is free, 0.0.0.0 takes every
    IP), isolation by platform, a three-container cycle, and reserved labels on every kind."""
    doc = parse(ADDRESSES, Path("p.yml"), display_name="p.yml")
    assert [str(d) for d in validate(doc)] == [
        "p.yml:10:13: networks.bad.subnet: '10.7.0.1/24' has host bits set: write "
        '10.7.0.0/24',
        "p.yml:14:14: networks.badgw.gateway: 'not-an-ip' is not an IP address",
        "p.yml:17:5: networks.outside.labels: 'labels' cannot be set on an external "
        'network (dfwctl only checks that it exists): remove it, or remove external: true',
        "p.yml:18:7: networks.outside.labels.io.dfwctl.x: label 'io.dfwctl.x' uses the "
        'prefix io.dfwctl., which dfwctl reserves for its own labels: rename it',
        "p.yml:22:7: volumes.data.labels.io.dfwctl.owner: label 'io.dfwctl.owner' uses "
        'the prefix io.dfwctl., which dfwctl reserves for its own labels: rename it',
        "p.yml:29:23: containers.app.networks.fixed.ipv4_address: 'nonsense' is not an "
        'IPv4 address: write one like 172.28.0.10',
        'p.yml:31:23: containers.app.networks.gw.ipv4_address: 10.6.0.9 is the gateway of '
        "network 'gw', which the engine keeps: pick another address in the subnet",
        "p.yml:35:23: containers.app.networks.nosub.ipv4_address: network 'nosub' has no "
        'subnet, and the engine gives fixed addresses only on networks with one: add '
        'subnet: to networks.nosub',
        'p.yml:40:34: containers.bee.ports[1]: host port 8080/tcp is already published by '
        'containers.app.ports[0] (line 26): give one of them another host port',
        'p.yml:43:23: containers.bee.networks.fixed.ipv4_address: 10.5.0.1 is the gateway '
        "of network 'fixed', which the engine keeps: pick another address in the subnet",
        'p.yml:46:13: containers.cat.ports[0]: host port 9090/tcp is already published by '
        'containers.app.ports[1] (line 26): give one of them another host port',
        'p.yml:49:23: containers.cat.networks.fixed.ipv4_address: 10.5.0.255 is the '
        "network's own address of network 'fixed', which the engine keeps: pick another "
        'address in the subnet',
        "p.yml:51:23: containers.cat.networks.gw.ipv4_address: 'fe80::1' is an IPv6 "
        'address: ipv4_address takes an IPv4 address',
        'p.yml:58:23: containers.dog.networks.gw.ipv4_address: 10.6.1.7 is not in the '
        "subnet 10.6.0.0/24 of network 'gw': pick one inside it",
        'p.yml:63:23: containers.eel.networks.fixed.ipv4_address: address 10.5.0.7 on '
        "network 'fixed' is already containers.dog's (line 56): give each container its "
        'own',
        'p.yml:66:18: containers.eel.depends_on[0]: depends_on forms a cycle: eel -> fox '
        '-> gnu -> eel: remove one of these dependencies',
        'p.yml:66:23: containers.eel.depends_on[1]: a container cannot depend on itself: '
        'remove this entry',
        "p.yml:69:16: containers.fox.isolation: isolation 'hyperv' is only for Windows "
        "containers, and the platform is 'linux/amd64': remove isolation, or use a "
        'windows platform',
    ]


REFERENCES = """\
version: 1
name: ab
networks:
  front: {}
  wrong:
    subnet: nonsense
  fixed:
    subnet: 10.5.0.0/24
containers:
  app:
    image: busybox
    mounts:
      - ../outside:/o
      - /h1:/data
      - /h2:/dataX
    networks:
      front:
        aliases: 5
      nope: {}
      bridge:
        ipv4_address: 172.17.0.5
      fixed:
        ipv4_address: 10.5.0.0
"""


def test_network_references_and_mounts_in_full():
    """A network entry with a wrong value does not hide the next one; a fixed address on the
    engine's own network; a subnet that is no subnet; the network's own address; a bind that
    climbs out of the playbook's folder (a warning); /dataX is another target than /data."""
    doc = parse(REFERENCES, Path("/book/p.yml"), display_name="p.yml")
    assert [str(d) for d in validate(doc)] == [
        "p.yml:6:13: networks.wrong.subnet: 'nonsense' is not a subnet: write it in CIDR "
        "form, such as 172.28.0.0/16",
        "p.yml:13:9: warning: containers.app.mounts[0]: the relative source '../outside' "
        "leaves the playbook's folder: it mounts /outside; write that absolute path if it is "
        "what you mean",
        "p.yml:18:18: containers.app.networks.front.aliases: expected a list of strings, got "
        "an integer (5)",
        "p.yml:19:7: containers.app.networks.nope: network 'nope' is not defined: add it under "
        "networks, or declare it there with external: true if it is made elsewhere",
        "p.yml:21:23: containers.app.networks.bridge.ipv4_address: the engine's own network "
        "'bridge' takes no ipv4_address: only networks the playbook defines do; define one "
        "under networks and join it",
        "p.yml:23:23: containers.app.networks.fixed.ipv4_address: 10.5.0.0 is the network's "
        "own address of network 'fixed', which the engine keeps: pick another address in the "
        "subnet",
    ]


def test_a_playbook_at_the_root_of_a_drive_has_every_relative_bind_inside_its_folder():
    doc = parse(REFERENCES.replace("../outside", "./inside"), Path("/p.yml"),
                display_name="p.yml")
    assert not any("leaves the playbook's folder" in str(d) for d in validate(doc))
    doc = parse(REFERENCES, Path("/p.yml"), display_name="p.yml")  # /../outside is /outside
    assert not any("leaves the playbook's folder" in str(d) for d in validate(doc))


NUMBERS = """\
version: 1
name: ab
containers:
  first: null
  plain:
    image: busybox
    memory: 1024
  bigger:
    image: busybox
    memory: 9223372036854775807
  least:
    image: busybox
    memory: 6MiB
  lin:
    image: busybox
    isolation: process
    platform: linux/arm64
  badplat:
    image: busybox
    isolation: hyperv
    platform: linux
"""


def test_memory_bounds_and_isolation_in_full():
    """A container that is not a mapping does not stop the others being checked; a memory
    written as a number is shown as written; each bound says why; isolation is judged only
    against a platform the schema accepts."""
    doc = parse(NUMBERS, Path("p.yml"), display_name="p.yml")
    assert [str(d) for d in validate(doc)] == [
        "p.yml:4:3: containers.first: expected a mapping with image, got nothing (null)",
        "p.yml:7:13: containers.plain.memory: 1024 is out of range: it must be at least "
        "6291456 bytes (the engine's smallest memory limit is 6 MiB)",
        "p.yml:10:13: containers.bigger.memory: 9223372036854775807 is out of range: it must "
        "be at most 4611686018427387903 bytes (the engine holds a limit and its swap in 64 "
        "bits)",
        "p.yml:16:16: containers.lin.isolation: isolation 'process' is only for Windows "
        "containers, and the platform is 'linux/arm64': remove isolation, or use a windows "
        "platform",
        "p.yml:21:15: containers.badplat.platform: 'linux' is not a platform: write OS/ARCH "
        "such as linux/amd64 or windows/amd64",
    ]


def test_a_network_without_a_subnet_does_not_stop_the_next_being_checked():
    doc = parse("version: 1\nname: ab\nnetworks:\n  plain: {}\n  off:\n    subnet: 10.5.0.0/24\n"
                "    gateway: 10.6.0.1\n", Path("p.yml"), display_name="p.yml")
    assert [str(d) for d in validate(doc)] == [
        "p.yml:7:14: networks.off.gateway: gateway '10.6.0.1' is not an address in the subnet "
        "10.5.0.0/24: pick one inside it"]


def test_mounts_in_the_docker_clis_mount_text_are_checked_like_the_long_syntax():
    """Exported playbooks hold what -v cannot say as --mount text: read it with the same
    checks, at the entry."""
    doc = parse("""\
version: 1
name: p
containers:
  web:
    image: busybox
    mounts:
      - type=tmpfs,target=/cache,tmpfs-size=64m
      - type=bind,source=rel,target=/srv
      - type=volume,source=cache,target=/data
      - type=tmpfs,target=/cache
""", Path("p.yml"), display_name="p.yml")
    assert [str(d) for d in validate(doc)] == [
        'p.yml:8:9: containers.web.mounts[1]: "type=bind,source=rel,target=/srv": source "rel" '
        "is not a path: a bind mount's source is an absolute path or ./relative path",
        "p.yml:9:9: containers.web.mounts[2]: volume 'cache' is not defined: add it under "
        "volumes, or declare it there with external: true if it is made elsewhere",
        "p.yml:10:9: containers.web.mounts[3]: /cache is already mounted by "
        "containers.web.mounts[0] (line 7): the engine mounts each target once; pick another",
    ]


def test_an_image_reference_the_engine_cannot_read_is_refused_at_its_key():
    doc = parse("""\
version: 1
name: p
containers:
  web:
    image: Busybox:1.36
  db:
    image: postgres@16
  ok:
    image: localhost:5000/app:1.0
""", Path("p.yml"), display_name="p.yml")
    assert [str(d) for d in validate(doc)] == [
        'p.yml:5:12: containers.web.image: image "Busybox:1.36": the repository name must be '
        "lowercase: write busybox:1.36",
        'p.yml:7:12: containers.db.image: "postgres@16" is not an image reference: write '
        "[registry[:port]/]name[:tag][@sha256:digest], like alpine:3.20 or "
        "localhost:5000/app:1.0",
    ]
