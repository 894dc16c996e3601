"""validate on the shapes of depends_on graphs and port lists that the main rules tests do not
write: several cycles at once, the long form's key as the place of a cycle, a long chain of
dependencies, and host ports still compared after an entry of the same list is refused."""
from __future__ import annotations

from pathlib import Path

from dfwctl.load import parse
from dfwctl.validate import validate


def _errors(text: str):
    doc = parse("version: 1\nname: ab\n" + text, Path("p.yml"), display_name="p.yml")
    return [str(d) for d in validate(doc)]


TWO_CYCLES = """\
containers:
  api:
    image: busybox
    depends_on:
      db: {condition: service_started}
      cache:
        condition: service_healthy
  db:
    image: busybox
    depends_on: [api]
  cache:
    image: busybox
    healthcheck: {test: [CMD, "true"]}
    depends_on: [api]
"""


def test_each_cycle_is_reported_at_the_key_of_its_long_form_entry():
    assert _errors(TWO_CYCLES) == [
        'p.yml:7:7: containers.api.depends_on.db: depends_on forms a cycle: api -> db -> api: '
        'remove one of these dependencies',
        'p.yml:8:7: containers.api.depends_on.cache: depends_on forms a cycle: api -> cache -> '
        'api: remove one of these dependencies',
    ]


def test_a_long_chain_of_shared_dependencies_validates():
    """Each container waits for the next two: a graph of a few dozen nodes with more paths
    than can be walked one by one (each container is looked at once)."""
    names = [f"c{i:02d}" for i in range(60)]
    text = "containers:\n" + "".join(
        f"  {name}:\n    image: busybox\n    depends_on: [{', '.join(names[i + 1:i + 3])}]\n"
        for i, name in enumerate(names[:-2]))
    text += "".join(f"  {name}:\n    image: busybox\n" for name in names[-2:])
    assert _errors(text) == []


def test_ports_after_a_refused_entry_are_still_checked_for_clashes():
    assert _errors("""\
containers:
  web:
    image: busybox
    ports: [true, "99999:80", "8080:80"]
  api:
    image: busybox
    ports: ["8080:81"]
""") == [
        'p.yml:6:13: containers.web.ports[0]: expected a string or an integer, got true',
        'p.yml:6:19: containers.web.ports[1]: host port "99999" is out of range: use 1 to '
        '65535',
        'p.yml:9:13: containers.api.ports[0]: host port 8080/tcp is already published by '
        'containers.web.ports[2] (line 6): give one of them another host port',
    ]
