"""The model stage: a validated playbook tree becomes Desired, one typed part per provider,
built once. Providers read their part; none parses the playbook again."""
from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, FrozenSet, List, Mapping, Optional, Tuple

from dfwctl import secretfiles
from dfwctl.errors import DfwctlError
from dfwctl.machines.model import Machines, machines_of, prefix
from dfwctl.mask import Masker, mask_value, masker
from dfwctl.profiles import without
from dfwctl.providers.desktop.model import SETTINGS, DesktopSpec
from dfwctl.providers.docker.model import DockerDesired, docker_desired
from dfwctl.providers.docker.model import address as docker_address
from dfwctl.providers.hyperv.model import HyperVDesired, hyperv_desired
from dfwctl.providers.hyperv.model import address as hyperv_address
from dfwctl.tree import plain
from dfwctl.values.secrets import SecretValue


@dataclass(frozen=True)
class Desired:
    """Everything a playbook asks for. A part is None (or, for Docker, not `present`) when the
    playbook has no section for it."""

    name: str
    docker: DockerDesired = field(default_factory=DockerDesired)
    hyperv: Optional[HyperVDesired] = None
    desktop: Optional[DesktopSpec] = None
    machines: Machines = field(default_factory=Machines)
    secrets: FrozenSet[str] = frozenset()
    directory: Optional[Path] = field(default=None, compare=False)  # relative paths resolve here

    @property
    def mask(self) -> Masker:
        """Hides this playbook's secrets (salted with its name)."""
        return masker(self.secrets, self.name)

    def digest(self) -> str:
        """A digest of everything the playbook asks for, secrets hashed: a saved plan records
        it, and apply refuses the plan when the playbook moved since. The values of secrets
        handed to containers as files are left out: the Docker part adds their digests, made
        with the key its engine keeps (PlanPart.secrets_digest)."""
        doc = {"name": self.name, "docker": self.docker, "hyperv": self.hyperv,
               "desktop": self.desktop, "machines": self.machines}
        text = json.dumps(_plain(doc, self.mask), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()


def _plain(value: Any, mask: Masker) -> Any:
    """Dataclasses, mappings and tuples as JSON-ready values, secret strings hashed."""
    if isinstance(value, SecretValue):
        return "(sensitive value)"
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name), mask) for f in dataclasses.fields(value)
                if f.metadata.get("digest", True)}
    if isinstance(value, Mapping):
        return {str(k): _plain(v, mask) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v, mask) for v in value]
    if isinstance(value, (set, frozenset)):
        return sorted(_plain(v, mask) for v in value)
    return mask_value(value, mask)


def build(data: Mapping[str, Any], base: Path, secrets: FrozenSet[str] = frozenset(),
          inactive: FrozenSet[str] = frozenset(),
          environ: Optional[Mapping[str, str]] = None,
          variables: Optional[Mapping[str, str]] = None) -> Desired:
    """A validated playbook tree -> Desired. `base` is the playbook's folder: relative paths
    resolve against it; `inactive` are the containers no selected profile turns on;
    `environ`, the playbook's environment, fills the variables that env files use. `secrets`
    are the values to mask; `variables` the values of the variables secrets come from
    (Interpolation.variables); secret files are read here."""
    raw = without(plain(data), inactive)
    hyperv, desktop = raw.get("hyperv"), raw.get("docker_desktop")
    try:
        sources = secretfiles.sources(raw, base, variables or {})
    except ValueError as exc:  # validated a moment ago: the file changed since
        raise DfwctlError(str(exc)) from None
    docker = dataclasses.replace(docker_desired(raw, base, environ, sources), inactive=inactive)
    return Desired(
        name=raw["name"],
        docker=docker,
        hyperv=hyperv_desired(hyperv) if hyperv is not None else None,
        desktop=DesktopSpec.from_section(desktop),
        machines=machines_of(raw),
        secrets=secrets | docker.file_secrets,
        directory=base,
    )


def addresses(desired: Desired) -> Tuple[str, ...]:
    """The address of everything the playbook declares, as plans name them (with their
    machine when the playbook names machines), layer by layer: what `--machine`-style options
    and shell completion offer. External networks and volumes are left out: never changed."""
    machines = desired.machines  # an unnamed machine (THIS) adds no prefix

    def on(machine: str, found: List[str]) -> List[str]:
        return [prefix(machine, a) for a in found]

    out: List[str] = []
    if desired.hyperv is not None:
        out += on(machines.hyperv, [hyperv_address("vm", vm.name) for vm in desired.hyperv.vms])
    if desired.desktop is not None:
        for machine in machines.desktop:
            out += on(machine, [SETTINGS])
    docker = desired.docker
    if docker.present:
        found = [docker_address("image", r) for r in docker.images]
        found += [docker_address("network", n) for n, s in docker.networks.items()
                  if not s.external]
        found += [docker_address("volume", n) for n, s in docker.volumes.items()
                  if not s.external]
        found += [docker_address("container", n) for n in docker.containers]
        for machine in machines.engine:
            out += on(machine, found)
    return tuple(dict.fromkeys(out))
