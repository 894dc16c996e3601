"""The providers' parts become one plan, in layer order: digest taken once, secrets masked once."""
from __future__ import annotations

from dfwctl.combine import combine
from dfwctl.desired import Desired
from dfwctl.mask import is_sensitive
from dfwctl.plan import Action, Change, FieldDiff, PlanPart


def _part(endpoint, *changes, fingerprint="f"):
    return PlanPart(endpoint.split(":")[0], endpoint, tuple(changes), fingerprint=fingerprint)


def test_each_layer_waits_for_every_change_below_it():
    vm = Change("hyperv", "hyperv.vm.WIN10", "vm", "WIN10", Action.UPDATE)
    settings = Change("desktop", "desktop.settings.engine", "settings", "engine", Action.UPDATE)
    net = Change("docker", "docker.network.n", "network", "n", Action.CREATE)
    box = Change("docker", "docker.container.c", "container", "c", Action.CREATE,
                 depends_on=("docker.network.n",))
    plan = combine(Desired("p"), [_part("h", vm), _part("s", settings), _part("e", net, box)])
    deps = {c.address: c.depends_on for c in plan.changes}
    assert [c.address for c in plan.changes] == [vm.address, settings.address, net.address,
                                                 box.address]
    assert deps[vm.address] == ()
    assert deps[settings.address] == (vm.address,)
    assert deps[net.address] == (settings.address, vm.address)
    assert deps[box.address] == (settings.address, net.address, vm.address)
    assert plan.endpoint == "h, s, e"


def test_fingerprint_covers_every_provider():
    one = combine(Desired("p"), [_part("a", fingerprint="x"), _part("b", fingerprint="y")])
    two = combine(Desired("p"), [_part("a", fingerprint="x"), _part("b", fingerprint="z")])
    assert one.fingerprint != two.fingerprint
    single = combine(Desired("p"), [_part("a", fingerprint="x")])
    assert single.fingerprint == "x"


def test_the_digest_is_the_playbooks_and_moves_with_it():
    plan = combine(Desired("p"), [_part("a")])
    assert plan.desired_digest == Desired("p").digest()
    assert plan.desired_digest != combine(Desired("q"), [_part("a")]).desired_digest


def test_every_value_holding_a_secret_is_masked_once_the_plan_is_finished():
    secret = "hunter2"
    change = Change("docker", "docker.container.c", "container", "c", Action.REPLACE,
                    diffs=(FieldDiff("env.TOKEN", "old", f"x{secret}x"),
                           FieldDiff("command", None, ("run", f"--key={secret}")),
                           FieldDiff("restart", "no", "always")))
    plan = combine(Desired("p", secrets=frozenset({secret})), [_part("e", change)])
    token, command, restart = plan.changes[0].diffs
    assert token.before == "old" and is_sensitive(token.after)
    assert command.after[0] == "run" and is_sensitive(command.after[1])
    assert (restart.before, restart.after) == ("no", "always")
    assert secret not in repr(plan)
