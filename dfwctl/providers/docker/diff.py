"""diff(Desired, Actual) -> Plan: decide, field by field, what must change and why.

Pure: no I/O, no provider. Containers are compared through their spec records (secrets
hashed), so a plan never holds a secret value.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import MISSING, dataclass, fields
from typing import Any, Dict, List, Optional, Tuple

from dfwctl.errors import PlanError
from dfwctl.plan import Action, Change, FieldDiff, Plan
from dfwctl.providers.docker.model import (
    UPDATABLE_FIELDS,
    Actual,
    ContainerSpec,
    ContainerState,
    Desired,
    ImageSpec,
    NetworkSpec,
    VolumeSpec,
)
from dfwctl.providers.docker.order import order_changes
from dfwctl.providers.docker.record import Masker, is_pairs, masked, masker, to_record
from dfwctl.values.mounts import parse_mount


@dataclass(frozen=True)
class DiffOptions:
    prune: bool = False  # delete owned containers and networks no longer in the playbook
    prune_volumes: bool = False  # ... and owned volumes (their data is lost)
    destroy: bool = False  # delete everything the playbook owns


def address(kind: str, name: str) -> str:
    return f"docker.{kind}.{name}"


def field_diffs(before: Any, after: Any, updatable=frozenset()) -> Tuple[FieldDiff, ...]:
    """Compare two specs of one type; mappings are compared key by key (env.TZ)."""
    diffs: List[FieldDiff] = []
    for f in fields(after):
        if not f.compare or f.name == "name":
            continue
        old, new = getattr(before, f.name), getattr(after, f.name)
        if old == new:
            continue
        forces = f.name not in updatable
        if is_pairs(old) and is_pairs(new):
            old_map, new_map = dict(old), dict(new)
            for key in sorted(set(old_map) | set(new_map)):
                if old_map.get(key) != new_map.get(key):
                    name = f"{f.name}.{key}"
                    diffs.append(FieldDiff(name, old_map.get(key), new_map.get(key), forces))
        else:
            diffs.append(FieldDiff(f.name, old, new, forces))
    return tuple(diffs)


def creation_diffs(spec: Any) -> Tuple[FieldDiff, ...]:
    """Every non-default field of a new object, as `+ field = value` lines."""
    required = {f.name: None for f in fields(spec)
                if f.default is MISSING and f.default_factory is MISSING and f.name != "name"}
    return field_diffs(type(spec)(name=spec.name, **required), spec)


def volume_sources(spec: ContainerSpec) -> List[str]:
    sources = []
    for text in spec.mounts:
        mount = parse_mount(text)
        if mount.type == "volume" and mount.source:
            sources.append(mount.source)
    return sources


def _state_change(spec: ContainerSpec, state: ContainerState) -> Optional[Tuple[Action, str]]:
    """Drift in the container's run state (the spec itself unchanged)."""
    status = state.status
    if spec.state == "running":
        if status in ("running", "restarting"):
            return None
        if status == "dead":
            return Action.REPLACE, "the container is dead"
        if status == "paused":
            return Action.UPDATE, "the container is paused (changed outside dfwctl)"
        if status == "created":
            return Action.UPDATE, "the container was created but never started"
        return Action.UPDATE, f"the container is {status} (stopped outside dfwctl)"
    # state: exited -- run to completion once
    if status in ("running", "restarting", "paused"):
        return None  # still doing its one run
    if status == "created":
        return Action.UPDATE, "the container has not run yet"
    if status == "dead" or (state.exit_code not in (None, 0)):
        return Action.REPLACE, f"its last run failed (exit code {state.exit_code}); run it again"
    return None


class _Differ:
    def __init__(self, desired: Desired, actual: Actual, options: DiffOptions):
        self.desired = desired
        self.actual = actual
        self.options = options
        self.mask: Masker = masker(desired.secrets, desired.name)
        self.changes: Dict[str, Change] = {}
        self.orphans: List[str] = []
        self.warnings: List[str] = []
        self.errors: List[str] = []

    def add(self, change: Change) -> None:
        if change.action is not Action.NOOP:
            self.changes[change.address] = change

    # images -------------------------------------------------------------------------------
    def image(self, spec: ImageSpec) -> None:
        local = self.actual.images.get(spec.reference)
        addr = address("image", spec.reference)
        if local is None:
            if spec.pull == "never":
                self.errors.append(
                    f"image {spec.reference} is not in the engine and its containers say "
                    "pull: never; build or load it first, or set pull: missing"
                )
                return
            self.add(Change(addr, "image", spec.reference, Action.CREATE,
                            reasons=("not in the engine: pull it",), desired=spec))
            return
        if spec.pull == "always":
            remote = self.actual.remote_digests.get(spec.reference)
            digests = {d.rsplit("@", 1)[-1] for d in local.repo_digests}
            if remote and remote not in digests:
                self.add(Change(
                    addr, "image", spec.reference, Action.UPDATE,
                    diffs=(FieldDiff("digest", _short(sorted(digests)[0]) if digests else None,
                                     _short(remote)),),
                    reasons=("the registry has a newer image (pull: always)",),
                    desired=spec, actual=local))

    # networks and volumes ----------------------------------------------------------------
    def network(self, spec: NetworkSpec) -> None:
        self._shared("network", spec, self.actual.networks.get(spec.name))

    def volume(self, spec: VolumeSpec) -> None:
        self._shared("volume", spec, self.actual.volumes.get(spec.name))

    def _shared(self, kind: str, spec: Any, state: Any) -> None:
        addr = address(kind, spec.name)
        if spec.external:
            if state is None:
                self.errors.append(
                    f"{kind} {spec.name} is declared external but the engine has none; "
                    f"create it (docker {kind} create {spec.name}) or drop `external: true`"
                )
            return
        shown = masked(spec, self.mask)  # as its record holds it: secrets hashed
        if state is None:
            self.add(Change(addr, kind, spec.name, Action.CREATE, creation_diffs(shown),
                            reasons=("not in the engine",), desired=spec))
            return
        if state.owner != self.desired.name:
            owner = f"playbook {state.owner}" if state.owner else "no playbook (made elsewhere)"
            self.errors.append(
                f"{kind} {spec.name} already exists and belongs to {owner}; dfwctl never "
                f"changes what it does not own: declare it with `external: true`, or remove it"
            )
            return
        diffs = field_diffs(masked(state.spec, self.mask), shown) if state.spec else ()
        if not diffs and state.spec is not None:
            return
        if kind == "volume":
            if self.options.prune_volumes:
                self.add(Change(addr, kind, spec.name, Action.REPLACE, diffs,
                                reasons=("its settings changed; its data will be lost",),
                                destructive=True, desired=spec, actual=state))
            else:
                changed = ", ".join(d.name for d in diffs) or "its recorded settings"
                self.warnings.append(
                    f"volume {spec.name}: {changed} changed, but replacing a volume deletes "
                    "its data; dfwctl keeps it (run apply --prune-volumes to replace it)"
                )
            return
        self.add(Change(addr, kind, spec.name, Action.REPLACE, diffs,
                        reasons=("network settings cannot change in place",),
                        destructive=True, desired=spec, actual=state))

    # containers ---------------------------------------------------------------------------
    def container(self, spec: ContainerSpec) -> None:
        addr = address("container", spec.name)
        if spec.isolation and self.actual.engine.os_type != "windows":
            self.errors.append(
                f"container {spec.name}: isolation {spec.isolation} needs a Windows engine, and "
                f"{self.actual.engine.endpoint} runs {self.actual.engine.os_type} containers; "
                "remove `isolation` (Linux containers only have the default)"
            )
            return
        state = self.actual.containers.get(spec.name)
        after = masked(spec, self.mask)
        if state is None:
            if spec.name in self.actual.foreign_containers:
                self.errors.append(
                    f"container name {spec.name!r} is taken by a container that playbook "
                    f"{self.desired.name} does not own; rename one of them, or remove the "
                    f"other one (docker rm -f {spec.name})"
                )
                return
            self.add(Change(addr, "container", spec.name, Action.CREATE, creation_diffs(after),
                            reasons=("not in the engine",), desired=spec))
            return
        reasons: List[str] = []
        if state.spec is None:
            diffs: Tuple[FieldDiff, ...] = ()
            reasons.append("its recorded spec is missing or unreadable")
        else:
            before = masked(state.spec, self.mask)  # a secret declared after creation
            diffs = tuple(_removing_limit(d) for d in field_diffs(before, after, UPDATABLE_FIELDS))
        replace = state.spec is None or any(d.forces_replacement for d in diffs)
        if diffs:
            forcing = sorted({d.name.split(".")[0] for d in diffs if d.forces_replacement})
            if forcing:
                reasons.append(f"{', '.join(forcing)} changed (forces replacement)")
            else:
                reasons.append(f"{', '.join(d.name for d in diffs)} changed (updated in place)")
        image_reason, image_may_change = self._image_drift(spec, state)
        if image_reason:
            reasons.append(image_reason)
            replace = replace or not image_may_change
        network_reason = self._replaced_networks(spec)
        if network_reason:
            reasons.append(network_reason)
            replace = True
        if not replace:
            drift = _state_change(spec, state)
            if drift:
                action, why = drift
                reasons.append(why)
                if action is Action.REPLACE:
                    replace = True
                elif not diffs or state.status != "running":
                    diffs = diffs + (FieldDiff("state", state.status, spec.state),)
        if replace:
            self.add(Change(addr, "container", spec.name, Action.REPLACE, diffs, tuple(reasons),
                            destructive=True, desired=spec, actual=state))
        elif image_may_change:
            self.add(Change(addr, "container", spec.name, Action.REPLACE, diffs, tuple(reasons),
                            destructive=True, desired=spec, actual=state,
                            condition=IF_IMAGE_CHANGES.format(image=_short(state.image_id))))
        elif diffs:
            self.add(Change(addr, "container", spec.name, Action.UPDATE, diffs, tuple(reasons),
                            desired=spec, actual=state))

    def _image_drift(self, spec: ContainerSpec, state: ContainerState) -> Tuple[Optional[str], bool]:
        """Why the container's image is not the one the playbook's tag gives, and whether
        that is only known after the pull (the tag is gone from the engine)."""
        pull = self.changes.get(address("image", spec.image))
        if pull is not None and pull.action is Action.UPDATE:
            return f"image {spec.image} will be updated by the pull", False
        if state.spec is not None and state.spec.image != spec.image:
            return None, False  # the image field changed: that diff already explains the replace
        if pull is not None and pull.action is Action.CREATE:
            return (f"image {spec.image} is not in the engine any more and will be pulled",
                    True)
        local = self.actual.images.get(spec.image)
        if local is not None and local.id != state.image_id:
            return (f"image {spec.image} now points to {_short(local.id)} "
                    f"(the container runs {_short(state.image_id)})", False)
        return None, False

    def _replaced_networks(self, spec: ContainerSpec) -> Optional[str]:
        used = [("network", n) for n in spec.networks]
        used += [("volume", v) for v in volume_sources(spec)]
        for kind, name in used:
            change = self.changes.get(address(kind, name))
            if change is not None and change.action is Action.REPLACE:
                return f"{kind} {name} is replaced"
        return None

    # orphans ------------------------------------------------------------------------------
    def leftovers_of(self) -> None:
        for state in self.actual.leftovers:
            self.add(Change(address("container", state.name), "container", state.name,
                            Action.DELETE, reasons=("left over from an interrupted replace",),
                            actual=state))

    def orphans_of(self) -> None:
        d, opts = self.desired, self.options
        for name, state in sorted(self.actual.containers.items()):
            if name not in d.containers:
                self._orphan("container", name, state, opts.prune or opts.destroy)
        for name, state in sorted(self.actual.networks.items()):
            if state.owner == d.name and name not in d.networks:
                self._orphan("network", name, state, opts.prune or opts.destroy)
        for name, state in sorted(self.actual.volumes.items()):
            if state.owner == d.name and name not in d.volumes:
                self._orphan("volume", name, state, opts.prune_volumes)

    def _orphan(self, kind: str, name: str, state: Any, remove: bool) -> None:
        addr = address(kind, name)
        if not remove:
            self.orphans.append(addr)
            return
        why = "no longer in the playbook" if not self.options.destroy else "destroy"
        if kind == "volume":
            why += "; its data will be lost"
        self.add(Change(addr, kind, name, Action.DELETE, reasons=(why,), destructive=True,
                        actual=state))


# The condition of a replace that waits for a pull (`Change.condition`); the performer
# compares the pulled image with the container's.
IF_IMAGE_CHANGES = "only if the pulled image is not the one the container runs ({image})"


def _removing_limit(diff: FieldDiff) -> FieldDiff:
    """`docker update` can change a limit but not take one away: that needs a new container."""
    if diff.name in ("memory", "cpus") and diff.after is None:
        return FieldDiff(diff.name, diff.before, diff.after, forces_replacement=True)
    return diff


def _short(digest: Optional[str]) -> Optional[str]:
    if not digest:
        return digest
    algo, _, hexpart = digest.partition(":")
    return f"{algo}:{hexpart[:12]}" if hexpart else digest[:12]


def _mask_tree(value: Any, mask: Masker) -> Any:
    if isinstance(value, str):
        return mask(value)
    if isinstance(value, dict):
        return {str(k): _mask_tree(v, mask) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_mask_tree(v, mask) for v in value]
    return value


def desired_digest(desired: Desired) -> str:
    """A digest of the desired state with secrets hashed: a saved plan records it."""
    mask = masker(desired.secrets, desired.name)
    doc = {
        "name": desired.name,
        "containers": {n: to_record(s, mask) for n, s in sorted(desired.containers.items())},
        "pull": {n: s.pull for n, s in sorted(desired.containers.items())},
        "networks": {n: to_record(s, mask) for n, s in sorted(desired.networks.items())},
        "volumes": {n: to_record(s, mask) for n, s in sorted(desired.volumes.items())},
        "sections": _mask_tree(desired.sections, mask),
    }
    return hashlib.sha256(json.dumps(doc, sort_keys=True).encode()).hexdigest()


def diff(desired: Desired, actual: Actual, options: DiffOptions = DiffOptions()) -> Plan:
    """The plan that takes `actual` to `desired` (or, with options.destroy, to nothing)."""
    differ = _Differ(desired, actual, options)
    if not options.destroy:
        for image in desired.images.values():
            differ.image(image)
        for network in desired.networks.values():
            differ.network(network)
        for volume in desired.volumes.values():
            differ.volume(volume)
        for container in desired.containers.values():
            differ.container(container)
        differ.orphans_of()
        differ.leftovers_of()
    else:
        _destroy(differ)
    if differ.errors:
        raise PlanError("the plan cannot be made:\n" + "\n".join(f"  - {e}" for e in differ.errors))
    changes = order_changes(list(differ.changes.values()))
    return Plan(
        playbook=desired.name,
        endpoint=actual.engine.endpoint,
        changes=tuple(changes),
        orphans=tuple(differ.orphans),
        warnings=tuple(differ.warnings),
        fingerprint=actual.fingerprint(),
        desired_digest=desired_digest(desired),
    )


def _destroy(differ: _Differ) -> None:
    """Everything the playbook owns goes, volumes only when asked."""
    empty = Desired(differ.desired.name, {}, {}, {}, {}, differ.desired.secrets)
    differ.desired = empty
    differ.orphans_of()
    differ.leftovers_of()
