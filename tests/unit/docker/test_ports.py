"""A host port a start was refused for: the engine's words parsed, the process that holds it
found and, when it is a docker-proxy a stopped engine left behind, stopped."""
from __future__ import annotations

import shutil
import subprocess
import sys
import time

import pytest

from dfwctl.providers.docker import ports


@pytest.mark.parametrize("message, expected", [
    ("driver failed programming external connectivity on endpoint web (ab): Bind for "
     "127.0.0.1:8080 failed: port is already allocated", ports.Refusal("127.0.0.1", 8080, True)),
    ("Error starting userland proxy: listen tcp4 0.0.0.0:5432: bind: address already in use",
     ports.Refusal("0.0.0.0", 5432, False)),
    ("Bind for [::]:80 failed: port is already allocated", ports.Refusal("::", 80, True)),
    ("OCI runtime create failed", None),
])
def test_refusals_are_read_from_the_engines_words(message, expected):
    assert ports.refusal(message) == expected


def test_each_case_has_its_own_advice():
    engine_held = ports.Refusal("127.0.0.1", 80, True)
    assert "publishes host port 80" in ports.hint(engine_held, ["web"], None)
    assert "restart the Docker engine" in ports.hint(engine_held, [], None)
    own_proxy = ports.Holder(9, "docker-proxy", orphaned=False, target="10.1.0.2:80")
    said = ports.hint(engine_held, [], own_proxy)
    assert "the engine itself holds it (its docker-proxy, pid 9, forwards it to 10.1.0.2:80)" \
        in said
    assert "restart the Docker engine" in said and "libnetwork/issues/1790" in said
    os_held = ports.Refusal("127.0.0.1", 80, False)
    proxy = ports.Holder(42, "docker-proxy", orphaned=True)
    assert "kill 42" in ports.hint(os_held, [], proxy)
    assert "(docker-proxy, pid 7)" in ports.hint(os_held, [], ports.Holder(7, "docker-proxy",
                                                                             False))


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_an_orphaned_proxy_on_this_machine_is_found_and_stopped(tmp_path):
    fake_proxy = tmp_path / "docker-proxy"  # a real process with a proxy's name and arguments
    shutil.copy(shutil.which("sh"), fake_proxy)  # a shell named docker-proxy that waits
    proc = subprocess.Popen([str(fake_proxy), "-c", "sleep 600; :", "docker-proxy",
                             "-host-port", "18999", "-host-ip", "127.0.0.1",
                             "-container-ip", "10.1.0.2", "-container-port", "80"])
    try:
        deadline = time.monotonic() + 5
        holder = None
        while holder is None and time.monotonic() < deadline:
            holder = ports.local_holder(18999)
            time.sleep(0.05)
        assert holder == ports.Holder(proc.pid, "docker-proxy", orphaned=True,  # no dockerd
                                      target="10.1.0.2:80")
        assert ports.local_holder(18998) is None
        assert ports.stop(holder)
        assert proc.wait(timeout=5) is not None
    finally:
        proc.kill()
