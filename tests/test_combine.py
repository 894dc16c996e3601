"""Plans of several providers become one, in layer order."""
from __future__ import annotations

from dfwctl.combine import combine
from dfwctl.plan import Action, Change, Plan
from dfwctl.providers.docker.model import Desired


def _plan(endpoint, *changes, fingerprint="f"):
    return Plan("p", endpoint, tuple(changes), fingerprint=fingerprint, desired_digest="d")


def _desired(**sections):
    return Desired("p", {}, {}, {}, {}, sections=sections)


def test_each_layer_waits_for_every_change_below_it():
    vm = Change("hyperv.vm.WIN10", "vm", "WIN10", Action.UPDATE)
    settings = Change("desktop.settings.engine", "settings", "engine", Action.UPDATE)
    net = Change("docker.network.n", "network", "n", Action.CREATE)
    box = Change("docker.container.c", "container", "c", Action.CREATE,
                 depends_on=("docker.network.n",))
    plan = combine(_desired(), [_plan("h", vm), _plan("s", settings), _plan("e", net, box)],
                   ["hyperv", "desktop", "docker"])
    deps = {c.address: c.depends_on for c in plan.changes}
    assert [c.address for c in plan.changes] == [vm.address, settings.address, net.address,
                                                 box.address]
    assert deps[vm.address] == ()
    assert deps[settings.address] == (vm.address,)
    assert deps[net.address] == (settings.address, vm.address)
    assert deps[box.address] == (settings.address, net.address, vm.address)
    assert plan.endpoint == "h, s, e"


def test_fingerprint_covers_every_provider():
    one = combine(_desired(), [_plan("a", fingerprint="x"), _plan("b", fingerprint="y")], ["a", "b"])
    two = combine(_desired(), [_plan("a", fingerprint="x"), _plan("b", fingerprint="z")], ["a", "b"])
    assert one.fingerprint != two.fingerprint
    single = combine(_desired(), [_plan("a", fingerprint="x")], ["docker"])
    assert single.fingerprint == "x"


def test_a_section_without_its_provider_is_never_silently_ignored():
    plan = combine(_desired(hyperv={"vms": {}}), [_plan("e")], ["docker"])
    assert plan.warnings == ("the hyperv section is validated, but this version of dfwctl "
                             "does not plan or apply it yet",)
    assert combine(_desired(), [_plan("e")], ["docker"]).warnings == ()
