"""diff(Desired, Actual) -> the Docker part of a plan: decide, field by field, what must change
and why, and the steps that carry each change out.

Pure: no I/O. Containers are compared with the spec records read from their labels, in which
secrets are hashed; field values are masked once, when the whole plan is finished.
"""
from __future__ import annotations

import dataclasses
import hashlib
import ipaddress
from dataclasses import dataclass
from typing import Any, Callable, Dict, FrozenSet, List, Optional, Tuple

from dfwctl.desired import Desired
from dfwctl.errors import PlanError
from dfwctl.mask import Masker
from dfwctl.plan import Action, Change, FieldDiff, PlanOptions, PlanPart, Step
from dfwctl.providers.docker import labels as L
from dfwctl.providers.docker import record, steps
from dfwctl.providers.docker.build import changed_text, input_diffs
from dfwctl.providers.docker.buildspec import BuildSpec, parse_inputs
from dfwctl.providers.docker.compare import (
    creation_diffs,
    field_diffs,
    removing_limit,
    short_digest,
    state_change,
)
from dfwctl.providers.docker.dependencies import with_dependencies
from dfwctl.providers.docker.model import (
    UPDATABLE_FIELDS,
    Actual,
    ContainerSpec,
    ContainerState,
    ImageSpec,
    NetworkSpec,
    NetworkState,
    VolumeSpec,
    VolumeState,
    address,
    volume_sources,
)
from dfwctl.providers.docker.order import order_changes
from dfwctl.providers.docker.secrets import COPY, KEY_LABEL, key_volume, secret_files
from dfwctl.providers.docker.secrets import digests as secret_digests
from dfwctl.values.secrets import SecretsKey, key_id_of

PROVIDER = "docker"


def temporary_name(spec: ContainerSpec, old: Optional[ContainerState],
                   taken: FrozenSet[str]) -> str:
    """The name a replacement (or a new container that is made in steps) is created under:
    the same for the same change (plans are repeatable), never one the engine has already."""
    for attempt in range(100):
        seed = f"{spec.name}\0{old.id if old else ''}\0{attempt}".encode()
        name = f"{spec.name}-dfwctl-{hashlib.sha256(seed).hexdigest()[:6]}"
        if name not in taken:
            return name
    raise PlanError(f"container {spec.name}: no free temporary name for its replacement")


@dataclass(frozen=True)
class Verdict:
    """What an existing container needs: REPLACE, UPDATE (in place) or NOOP, with the field
    diffs and the reasons; a conditional replace happens only if a re-pulled image differs."""

    action: Action
    diffs: Tuple[FieldDiff, ...]
    reasons: Tuple[str, ...]
    conditional: bool = False


KEY_REASON = ("it keeps the key of the digests of secrets that containers record (none on "
              "this engine yet)")
NewKey = Callable[[], SecretsKey]


class _Differ:
    def __init__(self, desired: Desired, actual: Actual, options: PlanOptions,
                 local_engine: bool, new_key: NewKey):
        self.desired = desired
        self.docker = desired.docker
        self.actual = actual
        self.options = options
        self.local_engine = local_engine
        self.new_key = new_key
        self.key: Optional[SecretsKey] = actual.secrets_key
        self.key_change: Optional[str] = None  # the address of the change that makes the key
        self.mask: Masker = desired.mask
        self.changes: Dict[str, Change] = {}
        self.specs: Dict[str, ContainerSpec] = {}  # container specs by address, for order
        self.orphans: List[str] = []
        self.warnings: List[str] = []
        self.errors: List[str] = []
        self.taken = frozenset(actual.containers) | frozenset(c.name for c in actual.leftovers)
        self.replace = frozenset(options.replace)  # addresses to make again (--replace)
        self.on_duplicate: Dict[str, List[str]] = {}  # container -> duplicate network addresses
        self.duplicate_of: Dict[str, str] = {}  # duplicate network address -> its name

    def add(self, change: Change) -> None:
        if change.action is not Action.NOOP:
            self.changes[change.address] = change

    def change(self, kind: str, name: str, action: Action, **details: Any) -> Change:
        return Change(PROVIDER, address(kind, name), kind, name, action, **details)

    def labels(self, spec: Any) -> Tuple[Tuple[str, str], ...]:
        return tuple(sorted(L.owned_labels(self.desired.name, spec, self.mask).items()))

    # images -------------------------------------------------------------------------------
    def image(self, spec: ImageSpec) -> None:
        if spec.build is not None:
            self.built_image(spec, spec.build)
            return
        local = self.actual.images.get(spec.reference)
        if local is None:
            if spec.pull == "never":
                self.errors.append(
                    f"image {spec.reference} is not in the engine and its containers say "
                    "pull: never; build or load it first, or set pull: missing"
                )
                return
            self.add(self.change("image", spec.reference, Action.CREATE,
                                 reasons=("not in the engine: pull it",),
                                 steps=steps.pull(spec.reference), fold_steps=True))
            return
        if address("image", spec.reference) in self.replace:
            if spec.pull == "never":
                self.errors.append(f"image {spec.reference} cannot be pulled again (--replace): "
                                   "its containers say pull: never")
                return
            self.add(self.change("image", spec.reference, Action.UPDATE,
                                 reasons=(REQUESTED,), steps=steps.pull(spec.reference),
                                 fold_steps=True))
            return
        if spec.pull == "always":
            remote = self.actual.remote_digests.get(spec.reference)
            digests = {d.partition("@")[2] for d in local.repo_digests}  # repo@sha256:...
            if remote and remote not in digests:
                self.add(self.change(
                    "image", spec.reference, Action.UPDATE,
                    diffs=(FieldDiff("digest", short_digest(sorted(digests)[0]) if digests else None,
                                     short_digest(remote)),),
                    reasons=("the registry has a newer image (pull: always)",),
                    steps=steps.pull(spec.reference), fold_steps=True))

    def built_image(self, spec: ImageSpec, build: BuildSpec) -> None:
        """An image built from a context: built when missing, built again when one of its
        inputs changed (the record on the image says), or when asked (--replace)."""
        ref = spec.reference
        state = self.actual.builds[ref]  # gather reads every context the playbook builds
        local = self.actual.images.get(ref)
        requested = address("image", ref) in self.replace
        make = steps.build(ref, build, state.inputs.args, self.desired.name,
                           fresh=requested and local is not None)
        if local is None:
            made = field_diffs(BuildSpec(context=""), build, self.mask)
            self.add(self.change("image", ref, Action.CREATE, reasons=("not in the engine: "
                                                                       "build it",),
                                 diffs=tuple(FieldDiff(f"build.{d.name}", None, d.after)
                                             for d in made), steps=make, fold_steps=True))
            return
        recorded = parse_inputs(local.built)
        diffs: Tuple[FieldDiff, ...] = ()
        if requested:
            reasons: Tuple[str, ...] = (REQUESTED,)
        elif recorded is None:
            reasons = ("it was not built by dfwctl from this build (it has no record of its "
                       "inputs): build it",)
        else:
            diffs = input_diffs(recorded, state.inputs, self.mask)
            if not diffs:
                return
            others = [d.name for d in diffs if d.name != "build.context"]
            reasons = tuple(([changed_text(state)] if len(others) < len(diffs) else []) +
                            ([f"{', '.join(others)} changed"] if others else []))
        self.add(self.change("image", ref, Action.UPDATE, diffs=diffs, reasons=reasons,
                             steps=make, fold_steps=not requested))

    def _built(self, reference: str) -> bool:
        """Whether this plan builds the image."""
        change = self.changes.get(address("image", reference))
        return change is not None and any(isinstance(s, steps.Build) for s in change.steps)

    # networks and volumes ----------------------------------------------------------------
    def network(self, spec: NetworkSpec) -> None:
        state = self.actual.networks.get(spec.name)
        diffs = self._shared("network", spec, state)
        if diffs is None:
            return
        if state is None:
            self.add(self.change("network", spec.name, Action.CREATE,
                                 diffs=creation_diffs(spec, self.mask),
                                 reasons=("not in the engine",),
                                 steps=steps.create_network(spec, self.labels(spec)),
                                 fold_steps=True))
            return
        requested = address("network", spec.name) in self.replace
        self.add(self.change("network", spec.name, Action.REPLACE, diffs=diffs,
                             reasons=(REQUESTED if requested else
                                      "network settings cannot change in place",),
                             destructive=True,
                             steps=(steps.remove_network(state.id, spec.name)
                                    + steps.create_network(spec, self.labels(spec)))))

    def volume(self, spec: VolumeSpec) -> None:
        state = self.actual.volumes.get(spec.name)
        diffs = self._shared("volume", spec, state)
        if diffs is None:
            return
        if state is None:
            self.add(self.change("volume", spec.name, Action.CREATE,
                                 diffs=creation_diffs(spec, self.mask),
                                 reasons=("not in the engine",),
                                 steps=steps.create_volume(spec, self.labels(spec)),
                                 fold_steps=True))
        elif self.options.prune_volumes:
            self.add(self.change("volume", spec.name, Action.REPLACE, diffs=diffs,
                                 reasons=("its settings changed; its data will be lost",),
                                 destructive=True,
                                 steps=steps.replace_volume(spec, self.labels(spec))))
        else:
            changed = ", ".join(d.name for d in diffs) or "its recorded settings"
            self.warnings.append(
                f"volume {spec.name}: {changed} changed, but replacing a volume deletes "
                "its data; dfwctl keeps it (run apply --prune-volumes to replace it)"
            )

    def _shared(self, kind: str, spec: Any, state: Any) -> Optional[Tuple[FieldDiff, ...]]:
        """The field diffs of a network or volume the engine has; () to create it; None when
        there is nothing to do (or it cannot be done)."""
        if spec.external:
            if state is None:
                self.errors.append(
                    f"{kind} {spec.name} is declared external but the engine has none; "
                    f"create it (docker {kind} create {spec.name}) or drop `external: true`"
                )
            return None
        if state is None:
            return ()
        if state.owner is None:
            return self.elsewhere(kind, spec, state)
        if state.owner != self.desired.name:
            self.errors.append(
                f"{kind} {spec.name} already exists and belongs to playbook {state.owner}; "
                "dfwctl never changes what it does not own: declare it with `external: true`, "
                "or remove it")
            return None
        if state.spec is None:
            return ()  # the record is unreadable: made again from the playbook
        diffs = field_diffs(state.spec, spec, self.mask)
        if not diffs and address(kind, spec.name) in self.replace:
            return ()
        return diffs or None

    # secrets ------------------------------------------------------------------------------
    def secrets_key(self) -> Optional[SecretsKey]:
        """The key of the digests of secrets: the one the engine keeps, or a new one that a
        change of this plan stores (in the playbook's key volume) before any container that
        records a digest made with it. None when the key's volume cannot be used."""
        if self.key is not None or self.key_change is not None:
            return self.key
        name = key_volume(self.desired.name)
        state = self.actual.volumes.get(name)
        if state is not None and state.owner != self.desired.name:
            owner = f"playbook {state.owner}" if state.owner else "no playbook (made elsewhere)"
            refused = (f"volume {name}, where dfwctl keeps the key of the playbook's secrets, "
                       f"already exists and belongs to {owner}: remove it, or rename the "
                       "playbook")
            if refused not in self.errors:  # said once, not for each container with secrets
                self.errors.append(refused)
            return None
        self.key = self.new_key()
        spec = VolumeSpec(name)
        labels = tuple(sorted(self.labels(spec) + ((KEY_LABEL, self.key.label()),)))
        made = steps.create_volume(spec, labels)
        if state is None:
            change = self.change("volume", name, Action.CREATE, reasons=(KEY_REASON,),
                                 steps=made, fold_steps=True)
        else:  # owned, but its label holds no key dfwctl can read: it holds no data either
            change = self.change("volume", name, Action.REPLACE,
                                 reasons=("its label holds no key dfwctl can read",),
                                 steps=steps.remove_volume(name) + made)
        self.add(change)
        self.key_change = change.address
        return self.key

    def with_secrets(self, spec: ContainerSpec) -> Optional[ContainerSpec]:
        """`spec` with the digests of the secrets it is granted, keyed; None when they cannot
        be made (the plan has errors)."""
        if not spec.grants:
            return spec
        if self.actual.engine.os_type == "windows":
            self.errors.append(f"container {spec.name}: secrets as files are for Linux "
                               "containers, and the engine runs Windows containers; remove "
                               "its secrets")
            return None
        key = self.secrets_key()
        if key is None:
            return None
        return dataclasses.replace(spec, secret_digests=secret_digests(
            spec, self.docker.secrets, key))

    def secrets_digest(self) -> str:
        """The values of the secrets containers are granted, keyed, for the playbook's digest
        (a saved plan is stale when one changed). With a key made by this plan every such
        container is made again anyway, with the values as they are when it is applied."""
        if self.key is None or self.key_change is not None:
            return ""
        sources = self.docker.secrets
        names = sorted({g.source for s in self.docker.containers.values() for g in s.grants
                        if g.source in sources})
        text = "\n".join(self.key.digest(n, sources[n].value) for n in names)
        return hashlib.sha256(text.encode()).hexdigest() if names else ""

    def create_steps(self, spec: ContainerSpec) -> Tuple[Step, ...]:
        """A new container's steps. One whose secret files are copied in after it is created
        is made under a temporary name and takes its own once it has them: an apply that
        stops in between leaves a leftover, which the next plan removes and makes again,
        never a container under its own name that lacks its secrets."""
        files = self.created(spec)
        if not any(f.how == COPY for f in files):
            return steps.create_container(spec, self.labels(spec), files)
        return steps.create_container(spec, self.labels(spec), files,
                                      temporary_name(spec, None, self.taken))

    def created(self, spec: ContainerSpec) -> Tuple[Any, ...]:
        """The secret files a new container of `spec` is made with."""
        return secret_files(spec, self.docker.secrets, self.local_engine)

    # containers ---------------------------------------------------------------------------
    def container(self, wanted: ContainerSpec) -> None:
        spec = self.with_secrets(wanted)
        if spec is None:
            return
        addr = address("container", spec.name)
        engine = self.actual.engine
        if spec.isolation and engine.os_type != "windows":
            self.errors.append(
                f"container {spec.name}: isolation {spec.isolation} needs a Windows engine, and "
                f"{engine.endpoint} runs {engine.os_type} containers; "
                "remove `isolation` (Linux containers only have the default)"
            )
            return
        self._check_addresses(spec)
        state = self.actual.containers.get(spec.name)
        self.specs[addr] = spec
        if state is None:
            if spec.name in self.actual.foreign_containers:
                self.elsewhere_container(spec)
                return
            self.add(self.change("container", spec.name, Action.CREATE,
                                 diffs=creation_diffs(spec, self.mask),
                                 reasons=("not in the engine",),
                                 steps=self.create_steps(spec),
                                 fold_steps=True))
            return
        self.existing(spec, state)

    # made elsewhere ----------------------------------------------------------------------
    def ownership(self, kind: str, spec: Any, identity: str) -> Tuple[Step, ...]:
        """The step that records the playbook's ownership of `spec`'s object."""
        text = record.dumps(record.to_record(spec, self.mask))
        return steps.record_adoption(self.desired.name, kind, spec.name, identity, text)

    def unowned(self, kind: str, name: str, differences: List[str]) -> None:
        """An object made elsewhere under a name the playbook gives, not adopted: left as it
        is when it matches, an error when it does not (`differences`: how, in words)."""
        adopt = (f"`dfwctl adopt PLAYBOOK {address(kind, name)}` (or apply --adopt) puts it "
                 "under the playbook's ownership")
        if not differences:
            self.warnings.append(f"{kind} {name} was made elsewhere and matches the playbook: "
                                 f"nothing is planned for it and the playbook does not own it; "
                                 f"{adopt}")
            return
        self.errors.append(f"{kind} {name} already exists, made elsewhere, and differs from "
                           f"the playbook ({'; '.join(differences)}); dfwctl never changes "
                           "what it does not "
                           f"own: {adopt} and makes it match, or remove it, or rename one of "
                           "them")

    def elsewhere(self, kind: str, spec: Any, state: Any) -> Optional[Tuple[FieldDiff, ...]]:
        """A network or volume made elsewhere (see _shared)."""
        seen = state.seen if state.seen is not None else type(spec)(name=spec.name)
        if kind == "network" and spec.subnet is None:  # the engine picked its addresses
            seen = dataclasses.replace(seen, subnet=None, gateway=None)
        elif kind == "network" and spec.gateway is None:
            seen = dataclasses.replace(seen, gateway=None)
        diffs = field_diffs(seen, spec, self.mask)
        addr = address(kind, spec.name)
        if not self.options.adopts(addr):
            self.unowned(kind, spec.name, _changed(diffs))
            return None
        identity = state.id if kind == "network" else state.created
        why = "made elsewhere: adopted, the playbook owns it from now on"
        if not diffs:
            self.add(self.change(kind, spec.name, Action.ADOPT, reasons=(why,),
                                 steps=self.ownership(kind, spec, identity), fold_steps=True))
            return None
        if kind == "volume":  # adopted as it is: its data is never dropped to make it match
            self.add(self.change(kind, spec.name, Action.ADOPT, reasons=(why,),
                                 steps=self.ownership(kind, seen, identity), fold_steps=True))
            changed = ", ".join(d.name for d in diffs)
            self.warnings.append(
                f"volume {spec.name}: {changed} differ from the playbook, but replacing a "
                "volume deletes its data; it is adopted as it is (apply --prune-volumes "
                "replaces it once adopted)")
            return None
        self.add(self.change(kind, spec.name, Action.REPLACE, diffs=diffs,
                             reasons=(why + "; network settings cannot change in place",),
                             destructive=True,
                             steps=(steps.remove_network(state.id, spec.name)
                                    + steps.create_network(spec, self.labels(spec)))))
        return None

    def elsewhere_container(self, spec: ContainerSpec) -> None:
        """A container made elsewhere under the name the playbook gives: adopted (as it is,
        updated in place, or replaced by the playbook's own), or left alone."""
        addr = address("container", spec.name)
        found = self.actual.foreign.get(spec.name)
        owner = self.actual.claimed.get(spec.name)
        if owner is not None:
            self.errors.append(
                f"container name {spec.name!r} is taken by a container of playbook {owner}; "
                "dfwctl never changes what another playbook owns: rename one of them")
            return
        if found is None or found.spec is None:
            self.errors.append(
                f"container name {spec.name!r} is taken by a container that playbook "
                f"{self.desired.name} does not own and that could not be read; rename one "
                f"of them, or remove the other one (docker rm -f {spec.name})")
            return
        # its run state is compared as an owned container's is (state_change)
        state = dataclasses.replace(found, spec=dataclasses.replace(found.spec, state=spec.state))
        if not self.options.adopts(addr):
            verdict = self.verdict(spec, state)
            self.unowned("container", spec.name,  # a NOOP has neither diffs nor reasons
                         _changed(verdict.diffs) or list(verdict.reasons))
            return
        self.existing(spec, state)
        why = "made elsewhere: adopted, the playbook owns it from now on"
        change = self.changes.get(addr)
        adopting = self.ownership("container", spec, state.id)
        if state.name != spec.name:  # adopted under another name: it takes the playbook's
            why += f" (it is named {state.name} now)"
            adopting = (steps.RenameContainer(f"rename container {state.name} to {spec.name}",
                                              state.id, spec.name),) + adopting
        if change is None:
            self.add(self.change("container", spec.name, Action.ADOPT, reasons=(why,),
                                 steps=adopting, fold_steps=True))
        elif change.action is Action.UPDATE:
            self.changes[addr] = dataclasses.replace(
                change, reasons=(why,) + change.reasons, steps=adopting + change.steps)
        else:  # the replacement is the playbook's own, with its labels
            self.changes[addr] = dataclasses.replace(
                change, reasons=("made elsewhere: adopted by replacing it with the playbook's "
                                 "container",) + change.reasons)

    def _check_addresses(self, spec: ContainerSpec) -> None:
        """A fixed address on an external network must be in its subnets (validate checks
        the playbook's own networks); the engine would refuse it only when the container
        starts."""
        for network, text in spec.ipv4_address:
            declared = self.docker.networks.get(network)
            state = self.actual.networks.get(network)
            if declared is None or not declared.external or state is None:
                continue
            subnets = [ipaddress.ip_network(s, strict=False) for s in state.subnets]
            if not any(ipaddress.ip_address(text) in s for s in subnets):
                pools = ", ".join(state.subnets) or "none"
                self.errors.append(
                    f"container {spec.name}: ipv4_address {text} is not in the subnets of "
                    f"external network {network} ({pools}); pick an address inside them")

    def existing(self, spec: ContainerSpec, state: ContainerState) -> None:
        """A container the engine has: replace, update in place, or leave it."""
        verdict = self.verdict(spec, state)
        in_place = steps.update_container(spec, state, tuple(d.name for d in verdict.diffs))
        if verdict.action is Action.REPLACE:
            temp = temporary_name(spec, state, self.taken)
            replacing = steps.replace_container(spec, state, temp, self.labels(spec),
                                                self.created(spec))
            condition = ""
            if verdict.conditional:
                made = "built" if self._built(spec.image) else "pulled"
                condition = IF_IMAGE_CHANGES.format(made=made,
                                                    image=short_digest(state.image_id))
                replacing = (steps.if_image_changed(spec, state, condition, in_place, made),
                             ) + replacing
            self.add(self.change("container", spec.name, Action.REPLACE, diffs=verdict.diffs,
                                 reasons=verdict.reasons, destructive=True, steps=replacing,
                                 condition=condition))
        elif verdict.action is Action.UPDATE:
            self.add(self.change("container", spec.name, Action.UPDATE, diffs=verdict.diffs,
                                 reasons=verdict.reasons, steps=in_place, fold_steps=True))

    def verdict(self, spec: ContainerSpec, state: ContainerState) -> Verdict:
        """What an existing container needs, and why: the one place that decides."""
        diffs, reasons = self.spec_diffs(spec, state)
        image_reason, image_unknown = self._image_drift(spec, state) or (None, False)
        network_reason = self._replaced_networks(spec) or self._on_duplicate(spec)
        reasons += [r for r in (image_reason, network_reason) if r]
        forced = state.spec is None or any(d.forces_replacement for d in diffs)
        if address("container", spec.name) in self.replace:
            reasons.append(REQUESTED)
            forced = True
        if forced or network_reason or (image_reason and not image_unknown):
            return Verdict(Action.REPLACE, diffs, tuple(reasons))
        drift = state_change(spec, state)
        if drift is not None:
            action, why = drift
            reasons.append(why)
            if action is Action.REPLACE:
                if state.status == "created":  # never started: say what it should be
                    diffs += (FieldDiff("state", state.status, spec.state),)
                return Verdict(Action.REPLACE, diffs, tuple(reasons))
            diffs += (FieldDiff("state", state.status, spec.state),)
        if image_unknown:  # the tag is pulled again: apply compares the images
            return Verdict(Action.REPLACE, diffs, tuple(reasons), conditional=True)
        return Verdict(Action.UPDATE if diffs else Action.NOOP, diffs, tuple(reasons))

    def spec_diffs(self, spec: ContainerSpec, state: ContainerState
                   ) -> Tuple[Tuple[FieldDiff, ...], List[str]]:
        """The fields that differ from the container's record, and the reason they give."""
        if state.spec is None:
            return (), ["its recorded spec is missing or unreadable"]
        diffs = tuple(removing_limit(d) for d in
                      field_diffs(state.spec, spec, self.mask, UPDATABLE_FIELDS))
        if not diffs:
            return diffs, []
        values = [d for d in diffs if d.name.startswith(SECRET_VALUE)]
        forcing = sorted({d.name.split(".")[0] for d in diffs
                          if d.forces_replacement and d not in values})
        reasons = [f"{', '.join(forcing)} changed (forces replacement)"] if forcing else []
        reasons += [secret_reason(d) for d in values if d.before is not None and d.after is not None]
        if reasons:
            return diffs, reasons
        return diffs, [f"{', '.join(d.name for d in diffs)} changed (updated in place)"]

    def _image_drift(self, spec: ContainerSpec, state: ContainerState
                     ) -> Optional[Tuple[str, bool]]:
        """Why the container's image is not the one the playbook's tag gives, and whether
        that is only known after the pull (the tag is gone from the engine); None when it
        is, or when the image field changed (that diff explains the replace)."""
        pull = self.changes.get(address("image", spec.image))
        if self._built(spec.image):
            if state.spec is not None and state.spec.image != spec.image:
                return None
            assert pull is not None, "_built() found the change"
            if pull.action is Action.CREATE:  # the same inputs may give the same image again
                return f"image {spec.image} is not in the engine any more and will be built", True
            # Its record of inputs changes, so a new build is another image: as a moved tag.
            return f"image {spec.image} will be built again", False
        if pull is not None and pull.action is Action.UPDATE and REQUESTED in pull.reasons:
            return f"image {spec.image} is pulled again (--replace)", True
        if pull is not None and pull.action is Action.UPDATE:
            return f"image {spec.image} will be updated by the pull", False
        if state.spec is not None and state.spec.image != spec.image:
            return None
        if pull is not None and pull.action is Action.CREATE:
            return (f"image {spec.image} is not in the engine any more and will be pulled",
                    True)
        local = self.actual.images.get(spec.image)
        if local is not None and local.id != state.image_id:
            return (f"image {spec.image} now points to {short_digest(local.id)} "
                    f"(the container runs {short_digest(state.image_id)})", False)
        return None

    def duplicates(self) -> None:
        """A second network of one name goes (containers on it are replaced after it): while
        two exist, every create that names the network fails as ambiguous. Only a second
        network the playbook owns goes; one made elsewhere, of a name the playbook uses, is a
        warning."""
        for state, attached in self.actual.duplicate_networks:
            if state.owner != self.desired.name:
                if state.name in self.desired.docker.networks:
                    self.warnings.append(
                        f"two networks are named {state.name} (the second, id "
                        f"{state.id[:12]}, is not this playbook's): the engine refuses every "
                        "container that joins it by name as ambiguous; remove one of them "
                        f"(docker network rm {state.id[:12]})")
                continue
            name = f"{state.name}~{state.id[:12]}"
            self.add(self.change(
                "network", name, Action.DELETE,
                reasons=(f"a second network named {state.name} (id {state.id[:12]}): two "
                         "applies created it at once, or another tool did; it is removed",),
                steps=steps.remove_network(state.id, state.name), fold_steps=True))
            for container in attached:
                self.on_duplicate.setdefault(container, []).append(address("network", name))
                self.duplicate_of[address("network", name)] = state.name

    def _on_duplicate(self, spec: ContainerSpec) -> Optional[str]:
        gone = self.on_duplicate.get(spec.name)
        if not gone:
            return None
        return f"it is on a second network named {self.duplicate_of[gone[0]]}, which is removed"

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
            self.add(self.change("container", state.name, Action.DELETE,
                                 reasons=("left over from an interrupted replace",),
                                 steps=steps.remove_container(state), fold_steps=True))

    def orphans_of(self, containers: FrozenSet[str], networks: FrozenSet[str],
                   volumes: FrozenSet[str]) -> None:
        """What the playbook owns that it no longer names (`containers` etc.: what it names).
        The key volume is named while a container is granted secrets; it holds no data, so
        it goes with the containers (prune, destroy)."""
        name, opts = self.desired.name, self.options
        prune = opts.prune or opts.destroy
        key = key_volume(name)
        if self.key_change is not None or any(
                s.grants for n, s in self.docker.containers.items() if n in containers):
            volumes |= {key}
        elif key in self.actual.volumes and self.actual.volumes[key].owner == name:
            self._orphan_key(key, prune)
            volumes |= {key}
        for cname, state in sorted(self.actual.containers.items()):
            if cname not in containers:
                self._orphan_container(state, prune)
        for nname, network in sorted(self.actual.networks.items()):
            if network.owner == name and nname not in networks:
                self._orphan_network(network, prune)
        for vname, volume in sorted(self.actual.volumes.items()):
            if volume.owner == name and vname not in volumes:
                self._orphan_volume(volume, opts.prune_volumes)

    def _why_gone(self) -> str:
        return "destroy" if self.options.destroy else "no longer in the playbook"

    def _orphan_container(self, state: ContainerState, remove: bool) -> None:
        if not remove:
            self.orphans.append(address("container", state.name))
            return
        if state.spec is not None:
            self.specs[address("container", state.name)] = state.spec  # the ports it frees
        self.add(self.change("container", state.name, Action.DELETE, reasons=(self._why_gone(),),
                             destructive=True, steps=steps.remove_container(state),
                             fold_steps=True))

    def _orphan_network(self, state: NetworkState, remove: bool) -> None:
        if not remove:
            self.orphans.append(address("network", state.name))
            return
        self.add(self.change("network", state.name, Action.DELETE, reasons=(self._why_gone(),),
                             destructive=True, steps=steps.remove_network(state.id, state.name),
                             fold_steps=True))

    def _orphan_key(self, name: str, remove: bool) -> None:
        if not remove:
            self.orphans.append(address("volume", name))
            return
        self.add(self.change("volume", name, Action.DELETE,
                             reasons=(self._why_gone() + "; it kept only the key of the "
                                      "digests of secrets",),
                             steps=steps.remove_volume(name), fold_steps=True))

    def _orphan_volume(self, state: VolumeState, remove: bool) -> None:
        if not remove:
            self.orphans.append(address("volume", state.name))
            return
        self.add(self.change("volume", state.name, Action.DELETE,
                             reasons=(self._why_gone() + "; its data will be lost",),
                             destructive=True, steps=steps.remove_volume(state.name),
                             fold_steps=True))


REQUESTED = "its replacement was requested (--replace)"


def _changed(diffs: Tuple[FieldDiff, ...]) -> List[str]:
    names = list(dict.fromkeys(d.name for d in diffs))
    return [f"{', '.join(names)} differ"] if names else []


SECRET_VALUE = "secret."  # the diffs of secrets' values (ContainerSpec.secret_digests)


def secret_reason(diff: FieldDiff) -> str:
    """Why a granted secret's digest differs: its value changed, or the digest was made with a
    key the engine no longer keeps (then whether it changed cannot be told)."""
    name = diff.name[len(SECRET_VALUE):]
    if key_id_of(diff.before) != key_id_of(diff.after):
        return (f"secret {name} was recorded with a key the engine no longer keeps, so whether "
                "it changed cannot be told: it is given again")
    return f"secret {name} changed"


# The condition of a replace that waits for a pull (`Change.condition`); its first step
# compares the pulled image with the container's.
IF_IMAGE_CHANGES = "only if the {made} image is not the one the container runs ({image})"


def _after_duplicates(changes: List[Change], on_duplicate: Dict[str, List[str]]) -> List[Change]:
    """A container on a duplicate network is made again only once that network is gone."""
    if not on_duplicate:
        return changes
    out = []
    for change in changes:
        gone = on_duplicate.get(change.name) if change.kind == "container" else None
        if gone and change.action is not Action.DELETE:
            change = dataclasses.replace(change, depends_on=tuple(
                dict.fromkeys(change.depends_on + tuple(gone))))
        out.append(change)
    return out


def diff(desired: Desired, actual: Actual, options: Optional[PlanOptions] = None,
         local_engine: bool = True, new_key: NewKey = SecretsKey.generate) -> PlanPart:
    """The changes that take `actual` to `desired` (or, with options.destroy, to nothing).
    `local_engine`: the engine runs on this computer and can bind-mount its files (secrets);
    `new_key` makes the key of secret digests when the engine keeps none."""
    options = options or PlanOptions()
    differ = _Differ(desired, actual, options, local_engine, new_key)
    docker = desired.docker
    differ.duplicates()  # first: the containers on a duplicate are replaced
    if options.destroy:  # everything the playbook owns goes, volumes only when asked
        differ.orphans_of(frozenset(), frozenset(), frozenset())
        if options.prune_volumes:  # nothing adopted is left to hold on to
            for name in actual.adoption_records:
                differ.add(differ.change("volume", name, Action.DELETE,
                                         reasons=("the record of what the playbook adopted",),
                                         steps=steps.remove_volume(name), fold_steps=True))
    else:
        for image in docker.images.values():
            differ.image(image)
        for network in docker.networks.values():
            differ.network(network)
        for volume in docker.volumes.values():
            differ.volume(volume)
        for container in docker.containers.values():
            differ.container(container)
        differ.orphans_of(frozenset(docker.containers) | docker.inactive, frozenset(docker.networks),
                          frozenset(docker.volumes))
    differ.leftovers_of()
    if differ.errors:
        raise PlanError("the plan cannot be made:\n" + "\n".join(f"  - {e}" for e in differ.errors))
    changes = differ.changes
    if not options.destroy:
        changes = with_dependencies(changes, docker.containers, actual)
    return PlanPart(
        provider=PROVIDER,
        endpoint=actual.engine.endpoint,
        changes=tuple(_after_duplicates(
            order_changes(list(changes.values()), differ.specs, differ.key_change),
            differ.on_duplicate)),
        orphans=tuple(differ.orphans),
        warnings=tuple(differ.warnings),
        fingerprint=actual.fingerprint(desired.name, docker),
        secrets_digest=differ.secrets_digest(),
    )
