"""What the engine has of a playbook, as status items: each image, network, volume and
container the playbook declares, in playbook order, then what it owns and no longer declares
(orphans) and what an interrupted replace left. Pure: from the snapshot gather read."""
from __future__ import annotations

from typing import List, Optional, Tuple, Union

from dfwctl.desired import Desired
from dfwctl.providers.docker.model import (
    Actual,
    ContainerSpec,
    ContainerState,
    NetworkState,
    VolumeState,
    address,
)
from dfwctl.providers.docker.secrets import key_volume
from dfwctl.status import Item

MISSING = "missing"
# Run states that are a problem whatever the playbook says.
_TROUBLE = {"dead", "removing"}


def _short(image_id: str) -> str:
    algo, _, digest = image_id.partition(":")
    return f"{algo}:{digest[:12]}" if digest else image_id[:12]


def container_state(state: ContainerState) -> str:
    """"running", "running (healthy)", "exited (137)", "created", "paused"..."""
    if state.status == "exited" and state.exit_code is not None:
        return f"exited ({state.exit_code})"
    if state.health and state.status == "running":
        return f"running ({state.health})"
    return state.status


def _container_ok(spec: Optional[ContainerSpec], state: ContainerState) -> bool:
    if state.status in _TROUBLE or state.health == "unhealthy":
        return False
    run_once = spec is not None and spec.state == "exited"
    return not (run_once and state.exit_code not in (None, 0))


def _container(name: str, spec: Optional[ContainerSpec], state: Optional[ContainerState],
               orphan: bool = False) -> Item:
    image = spec.image if spec is not None else (state.spec.image if state and state.spec
                                                 else "")
    facts: Tuple[Tuple[str, str], ...] = (("image", image),) if image else ()
    if state is None:
        return Item(address("container", name), "container", name, MISSING, facts)
    return Item(address("container", name), "container", name, container_state(state),
                facts + (("id", state.id[:12]),), _container_ok(spec, state), orphan)


def _unowned(name: str, spec: ContainerSpec, actual: Actual) -> Optional[Item]:
    """A container under the playbook's name that the playbook does not own (made
    elsewhere, or another playbook's), as networks and volumes of others are shown."""
    owner = actual.claimed.get(name)
    state = actual.foreign.get(name)
    if owner is None and state is None:
        return None
    facts: Tuple[Tuple[str, str], ...] = (("image", spec.image),)
    if owner is not None:
        return Item(address("container", name), "container", name,
                    f"present, owned by playbook {owner}", facts, ok=False)
    assert state is not None, "one of the two is there"
    return Item(address("container", name), "container", name,
                f"{container_state(state)}, made outside dfwctl",
                facts + (("id", state.id[:12]),), ok=False)


def _shared(kind: str, name: str, state: Union[NetworkState, VolumeState, None], owner: str,
            external: bool) -> Item:
    if state is None:
        return Item(address(kind, name), kind, name, MISSING, ok=not external)
    if external:
        return Item(address(kind, name), kind, name, "present (external)")
    if state.owner != owner:
        made = f"owned by playbook {state.owner}" if state.owner else "made outside dfwctl"
        return Item(address(kind, name), kind, name, f"present, {made}", ok=False)
    return Item(address(kind, name), kind, name, "present")


def items(desired: Desired, actual: Actual) -> Tuple[Item, ...]:
    docker, owner = desired.docker, desired.name
    found: List[Item] = []
    for ref in docker.images:
        image = actual.images.get(ref)
        found.append(Item(address("image", ref), "image", ref,
                          "present" if image else MISSING,
                          (("id", _short(image.id)),) if image else ()))
    for name, network in docker.networks.items():
        found.append(_shared("network", name, actual.networks.get(name), owner,
                             network.external))
    for name, volume in docker.volumes.items():
        found.append(_shared("volume", name, actual.volumes.get(name), owner, volume.external))
    declared = set(docker.volumes)
    if any(spec.grants for spec in docker.containers.values()):  # the key of its secrets
        key = key_volume(owner)
        declared.add(key)
        found.append(_shared("volume", key, actual.volumes.get(key), owner, False))
    for name, spec in docker.containers.items():
        found.append(_unowned(name, spec, actual) or
                     _container(name, spec, actual.containers.get(name)))
    found += [_container(name, None, state, orphan=True)
              for name, state in sorted(actual.containers.items())
              if name not in docker.containers]
    found += [Item(address("network", name), "network", name, "present", orphan=True)
              for name, state in sorted(actual.networks.items())
              if state.owner == owner and name not in docker.networks]
    found += [Item(address("volume", name), "volume", name, "present", orphan=True)
              for name, state in sorted(actual.volumes.items())
              if state.owner == owner and name not in declared]
    found += [Item(address("container", state.name), "container", state.name,
                   f"{container_state(state)}, left by an interrupted replace", ok=False)
              for state in actual.leftovers]
    return tuple(found)
