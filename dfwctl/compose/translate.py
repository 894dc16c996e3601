"""A read project as a playbook tree: the project name as the playbook's name, secrets as
the playbook's file secrets, networks and volumes by their engine names, each service as a
container (with its profiles, or only the services the profiles selected at import enable,
then always part of a run). A service's container is named as compose names it on the
engine without the replica number (PROJECT-SERVICE), or by its container_name; the service's
name stays an alias on each of its networks, so the others find it as before."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, List

from dfwctl.compose import profiles, resources, secrets
from dfwctl.compose.context import Context, playbook_keys
from dfwctl.compose.read import Project
from dfwctl.compose.services import Service

IGNORED = ("version", "name", "include")
LEFT_OUT = {"configs": "top-level configs have no playbook equivalent: mount the file",
            "models": "models have no playbook equivalent"}


def translate(project: Project, out_dir: Path) -> "tuple[Dict[str, Any], Context]":
    origins = project.origins
    model = project.model
    carried = not project.profiles and "profiles" in playbook_keys("container")
    dropped = [] if carried else profiles.select(model, project.profiles, origins)
    origins.check()
    ctx = Context(project.name, origins, out_dir, project.environ, carry_profiles=carried)
    services: Dict[str, Any] = {k: v or {} for k, v in (model.get("services") or {}).items()}
    for name, service in services.items():
        ctx.containers[name] = str(service.get("container_name") or f"{project.name}-{name}")
    networks = dict(model.get("networks") or {})
    if any(_uses_default(s) for s in services.values()):
        networks.setdefault("default", None)
    for key, entry in networks.items():
        ctx.networks[key] = resources.engine_name(entry, key, project.name)
    for key, entry in (model.get("volumes") or {}).items():
        ctx.volumes[key] = resources.engine_name(entry, key, project.name)
    for key in model:
        if key in LEFT_OUT:
            origins.warn(model, key, (key,), LEFT_OUT[key])
    playbook: Dict[str, Any] = {"version": 1, "name": project.name}
    written_secrets = secrets.definitions(model, ctx)
    if written_secrets:
        playbook["secrets"] = written_secrets
    written_networks = {}
    for key, entry in networks.items():
        spec = resources.network(key, entry, ctx)
        if spec is not None:
            written_networks[ctx.networks[key]] = spec
            ctx.source(("networks", ctx.networks[key], ""),
                       origins.of(model.get("networks") or {}, key))
    if written_networks:
        playbook["networks"] = written_networks
    volumes = {ctx.volumes[k]: resources.volume(k, e, ctx)
               for k, e in (model.get("volumes") or {}).items()}
    for key in model.get("volumes") or {}:
        ctx.source(("volumes", ctx.volumes[key], ""), origins.of(model["volumes"], key))
    if volumes:
        playbook["volumes"] = volumes
    containers = {}
    for name, service in services.items():
        if _uses_default(service):
            joined = {**service, "networks": {"default": None}}
            for key in service:
                origins.copy(service, key, joined, key)
            service = joined
        containers[ctx.containers[name]] = Service(name, service, ctx).translate()
    for name in _run_once(services):
        container = containers[ctx.containers[name]]
        container["state"] = "exited"
        ctx.note(container, "state", "others wait for it to complete "
                 "(service_completed_successfully): it runs once")
    if containers:
        playbook["containers"] = containers
    ctx.dropped = dropped
    origins.check()
    return playbook, ctx


def _run_once(services: Dict[str, Any]) -> List[str]:
    """The services another waits for with service_completed_successfully."""
    found: List[str] = []
    for service in services.values():
        for name, spec in (service.get("depends_on") or {}).items():
            if isinstance(spec, dict) and spec.get("condition") == \
                    "service_completed_successfully" and name in services and name not in found:
                found.append(name)
    return found


def _uses_default(service: Dict[str, Any]) -> bool:
    return "networks" not in service and "network_mode" not in service
