"""One part at a time, as terraform's -target and -replace: `--target ADDRESS` limits a plan
to the changes at those addresses and every change they depend on; `--replace ADDRESS` asks for
a new object even when nothing differs. Pure: addresses and plans in, plans out.

An address is `[machine:]provider.kind.name` (`docker.container.web`, `win10:hyperv.vm.WIN10`,
`docker.image.busybox:1.36`). A target may also name a group by leading whole parts
(`docker.container`, `win10:docker`), and one without a machine matches on every machine.
"""
from __future__ import annotations

import dataclasses
from typing import FrozenSet, Iterable, List, Sequence, Set, Tuple

from dfwctl.errors import DfwctlError, ExitStatus
from dfwctl.plan import Plan
from dfwctl.suggest import closest

PROVIDERS = ("docker", "hyperv", "desktop")
# What a replace can make again: a container, an image (pulled or built again), a network.
# A volume's data would be lost (--prune-volumes replaces changed volumes); Hyper-V VMs and
# Docker Desktop's settings are changed in place, never made again.
REPLACEABLE = ("docker.container.", "docker.image.", "docker.network.")


class AddressError(DfwctlError):
    """A --target or --replace that names nothing this playbook has (a usage error)."""

    exit_status = ExitStatus.USAGE


def split(address: str) -> Tuple[str, str]:
    """(machine, the rest): `win10:docker.container.web` -> ("win10", "docker.container.web");
    an address that starts with a provider has no machine (an image tag has a colon too)."""
    if address.split(".", 1)[0] in PROVIDERS:
        return "", address
    machine, sep, rest = address.partition(":")
    return (machine, rest) if sep else ("", address)


def matches(target: str, address: str) -> bool:
    """Whether `target` names `address`: the same, or leading whole parts of it; a target
    without a machine matches on every machine."""
    machine, rest = split(target)
    where, what = split(address)
    if machine and machine != where:
        return False
    if not rest:  # `win10:` names everything on the machine
        return True
    return what == rest or what.startswith(rest + ".")


def _unknown(option: str, address: str, known: Sequence[str]) -> AddressError:
    match = closest(address, known) or closest(split(address)[1], [split(k)[1] for k in known])
    hint = f"did you mean {match}?" if match else \
        "`dfwctl plan` lists the addresses of the changes; `dfwctl status` what the playbook has"
    return AddressError(f"{option} {address}: the playbook has nothing at that address", hint)


def check_replace(replace: Iterable[str], known: Sequence[str]) -> None:
    """Each --replace names one object the playbook has, of a kind that can be made again."""
    for address in replace:
        if address not in known and not any(split(k)[1] == address for k in known):
            raise _unknown("--replace", address, known)
        if not split(address)[1].startswith(REPLACEABLE):
            raise AddressError(
                f"--replace {address}: only containers, images and networks are made again",
                "a volume's data would be lost (apply --prune-volumes replaces a volume whose "
                "settings changed); Hyper-V VMs and Docker Desktop settings change in place")


def check_targets(targets: Iterable[str], known: Sequence[str]) -> None:
    """Each --target names something the playbook has, or a change of the plan (an orphan)."""
    for target in targets:
        if not any(matches(target, k) for k in known):
            raise _unknown("--target", target, known)


def for_machine(addresses: Iterable[str], machine: str) -> FrozenSet[str]:
    """The addresses (without their machine) that apply to a provider part on `machine`."""
    found = set()
    for address in addresses:
        where, rest = split(address)
        if not where or where == machine:
            found.add(rest)
    return frozenset(found)


def restrict(plan: Plan, targets: Sequence[str]) -> Plan:
    """Only the changes `targets` name and every change they depend on (transitively), and
    the deferred parts a target may be in, with the changes they wait for."""
    if not targets:
        return plan
    by_address = {c.address: c for c in plan.changes}
    deferred = tuple(d for d in plan.deferred if any(_may_hold(t, d.provider, d.machine)
                                                     for t in targets))
    todo: List[str] = [c.address for c in plan.changes
                       if any(matches(t, c.address) for t in targets)]
    todo += [a for d in deferred for a in d.waits_for]
    keep: Set[str] = set()
    while todo:
        address = todo.pop()
        change = by_address.get(address)
        if change is None or address in keep:
            continue
        keep.add(address)
        todo.extend(change.depends_on + change.after)
    changes = tuple(c for c in plan.changes if c.address in keep)
    orphans = tuple(o for o in plan.orphans if any(matches(t, o) for t in targets))
    note = ("only the targeted changes and what they depend on are planned (--target "
            f"{', '.join(targets)}): other changes the playbook needs are left for a later "
            "plan")
    return dataclasses.replace(plan, changes=changes, orphans=orphans, deferred=deferred,
                               warnings=plan.warnings + (note,), targets=tuple(targets))


def _may_hold(target: str, provider: str, machine: str) -> bool:
    """Whether a deferred part (a provider on a machine) may hold what `target` names."""
    where, rest = split(target)
    if where and where != machine:
        return False
    return not rest or rest.split(".", 1)[0] == provider
