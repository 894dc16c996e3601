import operator
import re

import pytest

from dfwctl.values.ports import Port, parse_ports

QUOTE = "; quote mappings in YAML, like '8080:80'"
USAGE = (
    "write [host_ip:][host_port:]container_port[/protocol], like 8080:80 or 127.0.0.1:5432:5432"
)


@pytest.mark.parametrize(
    "value, expected",
    [
        (80, [Port(80)]),
        (65535, [Port(65535)]),
        (1, [Port(1)]),
        ("80", [Port(80)]),
        ("0080", [Port(80)]),
        ("80/tcp", [Port(80)]),
        ("80/udp", [Port(80, "udp")]),
        ("80/UDP", [Port(80, "udp")]),
        ("80/sctp", [Port(80, "sctp")]),
        ("8080:80", [Port(80, host_port=8080)]),
        ("8080:80/udp", [Port(80, "udp", host_port=8080)]),
        ("127.0.0.1:8080:80", [Port(80, "tcp", "127.0.0.1", 8080)]),
        ("127.0.0.1:5432:5432/tcp", [Port(5432, "tcp", "127.0.0.1", 5432)]),
        ("0.0.0.0:80:80", [Port(80, "tcp", "0.0.0.0", 80)]),
        ("127.0.0.1::80", [Port(80, "tcp", "127.0.0.1")]),
        ("127.0.0.1::53/udp", [Port(53, "udp", "127.0.0.1")]),
        ("[::1]:8080:80/tcp", [Port(80, "tcp", "::1", 8080)]),
        ("[::1]:8080:80", [Port(80, "tcp", "::1", 8080)]),
        ("[::1]::80", [Port(80, "tcp", "::1")]),
        ("[::]:80:80", [Port(80, "tcp", "::", 80)]),
        ("[0:0::1]:80:80", [Port(80, "tcp", "::1", 80)]),  # the canonical text of the IP
        ("[2001:DB8::1]:443:443", [Port(443, "tcp", "2001:db8::1", 443)]),
        ("[127.0.0.1]:80:80", [Port(80, "tcp", "127.0.0.1", 80)]),
        ("80-82", [Port(80), Port(81), Port(82)]),
        ("80-80", [Port(80)]),
        ("80-81/udp", [Port(80, "udp"), Port(81, "udp")]),
        (
            "8000-8002:80-82",
            [Port(80, host_port=8000), Port(81, host_port=8001), Port(82, host_port=8002)],
        ),
        ("8000-8000:80", [Port(80, host_port=8000)]),
        (
            "127.0.0.1::80-81",
            [Port(80, "tcp", "127.0.0.1"), Port(81, "tcp", "127.0.0.1")],
        ),
        (
            "[::1]:9000-9001:80-81/udp",
            [Port(80, "udp", "::1", 9000), Port(81, "udp", "::1", 9001)],
        ),
        ("65535:65535", [Port(65535, host_port=65535)]),
    ],
)
def test_parse_ports(value, expected):
    assert parse_ports(value) == expected


@pytest.mark.parametrize(
    "value, message",
    [
        ("", f'"" is not a port: {USAGE}'),
        (True, f"true is not a port: {USAGE}"),
        (None, f"null is not a port: {USAGE}"),
        (80.0, f"80.0 is not a port: {USAGE}"),
        ([80], f"[80] is not a port: {USAGE}"),
        (0, "port 0 is out of range: use 1 to 65535"),
        (-80, "port -80 is out of range: use 1 to 65535"),
        (65536, f"port 65536 is out of range: use 1 to 65535{QUOTE}"),
        (484880, f"port 484880 is out of range: use 1 to 65535{QUOTE}"),  # YAML 1.1 8080:80
        ("0", 'container port "0" is out of range: use 1 to 65535'),
        ("65536", 'container port "65536" is out of range: use 1 to 65535'),
        ("8080:0", 'container port "0" is out of range: use 1 to 65535'),
        ("70000:80", 'host port "70000" is out of range: use 1 to 65535'),
        ("http", 'container port "http" is not a port number or a range like 8000-8002'),
        (" 80", 'container port " 80" is not a port number or a range like 8000-8002'),
        ("+80", 'container port "+80" is not a port number or a range like 8000-8002'),
        ("8_0", 'container port "8_0" is not a port number or a range like 8000-8002'),
        ("80-", 'container port "80-" is not a port number or a range like 8000-8002'),
        ("a:80", 'host port "a" is not a port number or a range like 8000-8002'),
        ("82-80", 'container port range "82-80" runs backwards: write 80-82'),
        ("8002-8000:80-82", 'host port range "8002-8000" runs backwards: write 8000-8002'),
        ("80/http", 'protocol "http" in "80/http" is not known: use tcp, udp or sctp'),
        ("80/", 'protocol "" in "80/" is not known: use tcp, udp or sctp'),
        ("80/tcp/udp", 'protocol "tcp/udp" in "80/tcp/udp" is not known: use tcp, udp or sctp'),
        (
            "0:80",
            'host port 0 in "0:80" is not allowed: leave the host port out to let Docker pick '
            "one, like 80",
        ),
        (
            "127.0.0.1:0:80",
            'host port 0 in "127.0.0.1:0:80" is not allowed: leave the host port out to let '
            "Docker pick one, like 127.0.0.1::80",
        ),
        (
            "[::1]:0:53/udp",
            'host port 0 in "[::1]:0:53/udp" is not allowed: leave the host port out to let '
            "Docker pick one, like [::1]::53/udp",
        ),
        (
            "::1:8080:80",
            '"::1:8080:80" is ambiguous: put the IPv6 address in brackets, like [::1]:8080:80',
        ),
        (
            "::1:8080:80/udp",
            '"::1:8080:80/udp" is ambiguous: put the IPv6 address in brackets, '
            "like [::1]:8080:80/udp",
        ),
        (
            "::1::80",
            '"::1::80" is ambiguous: put the IPv6 address in brackets, like [::1]::80',
        ),
        (
            "2001:db8::1:443:443",
            '"2001:db8::1:443:443" is ambiguous: put the IPv6 address in brackets, '
            "like [2001:db8::1]:443:443",
        ),
        (
            "1.2.3.4:80:80:80",
            f'"1.2.3.4:80:80:80" has too many colons: {USAGE}; put an IPv6 address in '
            "brackets, like [::1]:8080:80",
        ),
        ("[::1]:1:2:3", f'"[::1]:1:2:3" has too many colons: {USAGE}'),
        (
            "[::1",
            '"[::1" is not a port mapping: write an IPv6 address in brackets followed by host '
            "and container ports, like [::1]:8080:80 or [::1]::80",
        ),
        (
            "[::1]",
            '"[::1]" is not a port mapping: write an IPv6 address in brackets followed by host '
            "and container ports, like [::1]:8080:80 or [::1]::80",
        ),
        (
            "[::1]8080:80",
            '"[::1]8080:80" is not a port mapping: write an IPv6 address in brackets followed '
            "by host and container ports, like [::1]:8080:80 or [::1]::80",
        ),
        (
            "127.0.0.1:80",
            '"127.0.0.1:80" has a host IP but no host port: write 127.0.0.1:80:80, or '
            "127.0.0.1::80 to let Docker pick the host port",
        ),
        (
            "[::1]:53/udp",
            '"[::1]:53/udp" has a host IP but no host port: write [::1]:53:53/udp, or '
            "[::1]::53/udp to let Docker pick the host port",
        ),
        (
            ":80",
            '":80" has an empty host port: write 80 to let Docker pick the host port',
        ),
        (
            ":8080:80",
            '":8080:80" has an empty host IP: leave it out with its colon, like 8080:80',
        ),
        ("::80", '"::80" has an empty host IP: leave it out with its colon, like 80'),
        (
            "[]:80:80/udp",
            '"[]:80:80/udp" has an empty host IP: leave it out with its colon, like 80:80/udp',
        ),
        (
            "300.1.1.1:80:80",
            'host IP "300.1.1.1" in "300.1.1.1:80:80" is not an IP address',
        ),
        ("localhost:80:80", 'host IP "localhost" in "localhost:80:80" is not an IP address'),
        ("[::g]:80:80", 'host IP "::g" in "[::g]:80:80" is not an IP address'),
        (
            "[fe80::1%eth0]:80:80",
            'host IP "fe80::1%eth0" in "[fe80::1%eth0]:80:80" has a zone (%): Docker takes none',
        ),
        (
            "8000-8002:80",
            '"8000-8002:80" maps the host port range 8000-8002 to one container port: Docker '
            "would pick any free port of the range; give one host port, like 8000:80",
        ),
        (
            "8080:80-82",
            '"8080:80-82" maps 3 container ports to a host range of another length: give 3 '
            "host ports, like 8080-8082:80-82",
        ),
        (
            "8000-8001:80-82",
            '"8000-8001:80-82" maps 3 container ports to a host range of another length: '
            "give 3 host ports, like 8000-8002:80-82",
        ),
    ],
)
def test_parse_ports_rejects(value, message):
    with pytest.raises(ValueError, match=re.escape(message)) as error:
        parse_ports(value)
    assert str(error.value) == message


@pytest.mark.parametrize(
    "port, spec",
    [
        (Port(80), "80/tcp"),
        (Port(53, "udp"), "53/udp"),
        (Port(80, host_port=8080), "8080:80/tcp"),
        (Port(80, "tcp", "127.0.0.1", 8080), "127.0.0.1:8080:80/tcp"),
        (Port(80, "tcp", "127.0.0.1"), "127.0.0.1::80/tcp"),
        (Port(80, "tcp", "::1", 8080), "[::1]:8080:80/tcp"),
        (Port(80, "udp", "::1"), "[::1]::80/udp"),
        (Port(80, "sctp", "0.0.0.0", 80), "0.0.0.0:80:80/sctp"),
    ],
)
def test_spec(port, spec):
    assert port.spec() == spec
    assert parse_ports(spec) == [port]


@pytest.mark.parametrize(
    "value, specs",
    [
        (80, ["80/tcp"]),
        ("80/UDP", ["80/udp"]),
        ("0080:080", ["80:80/tcp"]),
        ("[0:0::1]:80:80", ["[::1]:80:80/tcp"]),
        ("127.0.0.1::80-81", ["127.0.0.1::80/tcp", "127.0.0.1::81/tcp"]),
        ("8000-8001:80-81/udp", ["8000:80/udp", "8001:81/udp"]),
    ],
)
def test_specs_are_canonical(value, specs):
    assert [port.spec() for port in parse_ports(value)] == specs


def test_ports_sort_with_and_without_host_port():
    ports = [
        Port(80, host_port=8080),
        Port(80, "udp"),
        Port(80),
        Port(22, "tcp", "127.0.0.1", 2222),
        Port(80, "tcp", "127.0.0.1"),
        Port(80, host_port=80),
    ]
    assert sorted(ports) == [
        Port(22, "tcp", "127.0.0.1", 2222),
        Port(80),
        Port(80, host_port=80),
        Port(80, host_port=8080),
        Port(80, "tcp", "127.0.0.1"),
        Port(80, "udp"),
    ]
    assert Port(80) < Port(80, host_port=1) <= Port(80, host_port=1)
    assert Port(81) > Port(80, host_port=9000) >= Port(80, host_port=9000)


def test_port_compared_with_another_type_fails():
    with pytest.raises(TypeError, match="'<' not supported between instances of 'Port' and 'tuple'"):
        Port(80) < (80, "tcp")  # noqa: B015


def test_port_is_frozen_and_hashable():
    port = Port(80, host_port=8080)
    with pytest.raises(AttributeError, match="cannot assign to field 'host_port'"):
        port.host_port = 9090  # type: ignore[misc]
    assert {port, Port(80, "tcp", "", 8080)} == {port}


@pytest.mark.parametrize("op, compare", [("<", operator.lt), ("<=", operator.le),
                                         (">", operator.gt), (">=", operator.ge)])
def test_every_order_with_another_type_fails(op, compare):
    with pytest.raises(TypeError, match=f"'{op}' not supported between instances of 'Port' "
                                        "and 'int'"):
        compare(Port(80), 80)


def test_an_ipv6_address_closes_at_its_first_bracket():
    with pytest.raises(ValueError, match=r'"\[::1\]\]:8080:80" is not a port mapping: write an '
                                         "IPv6 address in brackets"):
        parse_ports("[::1]]:8080:80")


def test_a_port_is_not_less_nor_greater_than_itself():
    assert not Port(80) < Port(80) and not Port(80) > Port(80)
    assert Port(80) <= Port(80) and Port(80) >= Port(80)


@pytest.mark.parametrize("value, message", [
    (True, "true is not a port: write [host_ip:][host_port:]container_port[/protocol], like "
           "8080:80 or 127.0.0.1:5432:5432"),
    (False, "false is not a port: write [host_ip:][host_port:]container_port[/protocol], like "
            "8080:80 or 127.0.0.1:5432:5432"),
])
def test_a_yaml_boolean_is_named_as_yaml_writes_it(value, message):
    with pytest.raises(ValueError, match="is not a port") as error:
        parse_ports(value)
    assert str(error.value) == message


def test_container_port_1_is_a_port():
    assert parse_ports("8080:1") == [Port(1, host_port=8080)]
    assert parse_ports("1-2") == [Port(1), Port(2)]
