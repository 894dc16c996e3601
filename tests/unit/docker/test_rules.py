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
