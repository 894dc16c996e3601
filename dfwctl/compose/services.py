"""One compose service as one playbook container, key by key: a key with the same name and
meaning is copied, one written differently is translated (with a comment in the playbook),
one the playbook has no field for is a warning at its file, line and key."""
from __future__ import annotations

from typing import Any, Callable, Dict, List, Optional, Tuple

from dfwctl.compose import mounts, secrets
from dfwctl.compose.context import Context, Out, Raw, playbook_keys
from dfwctl.compose.resources import text

Handler = Callable[[Any, Out, "Service"], None]

# Read elsewhere: the container's name, extends (resolved).
CONSUMED = ("container_name", "extends")
WHY = {
    "cpu_shares": "only cpus limits CPU in the playbook",
    "cpu_quota": "only cpus limits CPU in the playbook (cpus = quota / period)",
    "cpu_period": "only cpus limits CPU in the playbook",
    "cpuset": "the playbook cannot pin CPUs",
    "expose": "expose only marks ports in the container's config; publish them with ports",
    "links": "links are legacy: containers on one network find each other by name; add an "
             "alias under networks for the link's other name",
    "network_mode": "the playbook has no service: and container: network modes",
    "stdin_open": "dfwctl runs containers detached, without stdin",
    "tty": "dfwctl runs containers detached, without a terminal",
    "configs": "mount the config's file with mounts (read-only)",
    "scale": "a playbook container is one container",
    "develop": "compose watch has no equivalent",
    "attach": "dfwctl does not attach to logs",
}


class Service:
    """Translates one service."""

    def __init__(self, name: str, service: Dict[str, Any], ctx: Context):
        self.name = name
        self.service = service
        self.ctx = ctx
        self.keys = playbook_keys("container")

    def path(self, *more: Any) -> Tuple[Any, ...]:
        return ("services", self.name) + more

    def warn(self, key: str, message: str, holder: Any = None, at: Any = None,
             inner: Tuple[Any, ...] = ()) -> None:
        """A warning at the service's `key`, or at `at` inside `holder` (a value of it, found
        at `key`, then `inner`, then `at`)."""
        if holder is None:
            self.ctx.origins.warn(self.service, key, self.path(key), message)
        else:
            self.ctx.origins.warn(holder, at, self.path(key, *inner, at), message)

    def error(self, key: str, message: str, holder: Any, at: Any) -> None:
        """An error at `at` inside `holder`, a value of the service's `key`: compose refuses
        it too."""
        self.ctx.origins.error(holder, at, self.path(key, at), message)

    def left_out(self, key: str) -> None:
        reason = WHY.get(key, "")
        self.warn(key, f"{key} has no playbook equivalent: left out"
                  + (f" ({reason})" if reason else ""))

    def note(self, out: Out, key: str, text_: str) -> None:
        self.ctx.note(out, key, text_)

    def translate(self) -> Out:
        out: Out = {}
        if "image" not in self.service:
            out["image"] = f"{self.ctx.project}-{self.name}"
            self.note(out, "image", "the image docker compose builds for this service")
        for key, value in self.service.items():
            if key.startswith("x-") or key in CONSUMED:
                continue
            before = set(out)
            self._key(key, value, out)
            for written in set(out) - before:
                self.ctx.source(("containers", self.ctx.containers[self.name], written),
                                self.ctx.origins.of(self.service, key))
        return out

    def _key(self, key: str, value: Any, out: Out) -> None:
        """Write one compose key into the container `out`."""
        handler = HANDLERS.get(key)
        if handler is not None:
            handler(value, out, self)
        elif key == "scale" and value == 1:
            return
        elif key == "profiles" and self.ctx.carry_profiles:
            out["profiles"] = [str(p) for p in value or []]
        elif key == "profiles":
            self.note(out, "image", f"compose profiles {', '.join(map(str, value))}: "
                      "selected when imported")
        elif key in self.keys:
            out[key] = value
        else:
            self.left_out(key)


def _environment(value: Any, out: Out, s: Service) -> None:
    env: Dict[str, Any] = out.get("env", {})
    for name, item in (value or {}).items():
        if item is not None:
            env[str(name)] = text(item)
        elif name in s.ctx.environ:
            env[str(name)] = Raw("${" + str(name) + "}")
            s.note(env, str(name), "taken from the environment, as compose does")
        else:
            s.warn("environment", f"{name} has no value and is not set here: left out, as "
                   "docker compose leaves it out", value, name)
    if env:
        out["env"] = env


def _labels(value: Any, out: Out, _s: Service) -> None:
    labels = {str(k): "" if v is None else text(v) for k, v in (value or {}).items()}
    if labels:
        out["labels"] = labels


def _string_map(key: str) -> Handler:
    def handle(value: Any, out: Out, _s: Service) -> None:
        if value:
            out[key] = {str(k): "" if v is None else v for k, v in value.items()}
    return handle


def _cpus(value: Any, out: Out, s: Service) -> None:
    try:
        out["cpus"] = float(value)
    except (TypeError, ValueError):
        s.warn("cpus", f"cpus {value!r} is not a number: left out")
        return
    if out["cpus"] == 0:
        del out["cpus"]  # compose: 0 is no limit


def _memory(value: Any, out: Out, s: Service) -> None:
    out["memory"] = value
    s.note(out, "memory", "compose's mem_limit")


def _pull(value: Any, out: Out, s: Service) -> None:
    policies = {"always": "always", "never": "never", "missing": "missing",
                "if_not_present": "missing"}
    if str(value) in policies:
        out["pull"] = policies[str(value)]
        if str(value) != out["pull"] or True:
            s.note(out, "pull", f"compose's pull_policy: {value}")
    else:
        s.warn("pull_policy", f"pull_policy {value} has no playbook equivalent (missing, "
               "always or never): left out")


def _devices(value: Any, out: Out, _s: Service) -> None:
    found: List[str] = []
    for entry in value or []:
        if isinstance(entry, dict):
            parts = [str(entry.get("source", "")), str(entry.get("target", entry.get("source",
                                                                                     "")))]
            if entry.get("permissions"):
                parts.append(str(entry["permissions"]))
            found.append(":".join(parts))
        else:
            found.append(str(entry))
    if found:
        out["devices"] = found


def _extra_hosts(value: Any, out: Out, _s: Service) -> None:
    if value:
        out["extra_hosts"] = {str(k): v for k, v in value.items()}


def _logging(value: Any, out: Out, _s: Service) -> None:
    if not isinstance(value, dict):
        return
    logging: Dict[str, Any] = {}
    if value.get("driver"):
        logging["driver"] = value["driver"]
    if value.get("options"):
        logging["options"] = {str(k): text(v) for k, v in value["options"].items()
                              if v is not None}
    if logging:
        out["logging"] = logging


HEALTH = ("test", "interval", "timeout", "retries", "start_period", "disable")


def _healthcheck(value: Any, out: Out, s: Service) -> None:
    if not isinstance(value, dict):
        return
    check: Dict[str, Any] = {}
    for key, item in value.items():
        if key in HEALTH:
            check[key] = item
        else:
            s.warn("healthcheck", f"healthcheck.{key} has no playbook equivalent: left out",
                   value, key)
    if check:
        out["healthcheck"] = check


def _depends_on(value: Any, out: Out, s: Service) -> None:
    depends: Dict[str, Any] = {}
    plain = True
    for name, spec in (value or {}).items():
        key = s.ctx.containers.get(str(name))
        if key is None:
            if isinstance(spec, dict) and spec.get("required") is False:
                s.warn("depends_on", f"{name!r} is not a service of the project: left out "
                       "(required: false)", value, name)
            else:
                s.error("depends_on", f"depends on undefined service {name!r}", value, name)
            continue
        entry = {k: v for k, v in (spec or {}).items() if k in ("condition", "required",
                                                               "restart")}
        if entry.get("condition") in (None, "service_started"):
            entry.pop("condition", None)
        if entry.get("required") is True:
            entry.pop("required")
        if entry.get("restart") is False:
            entry.pop("restart")
        plain = plain and not entry
        depends[key] = entry
    if depends:
        out["depends_on"] = list(depends) if plain else depends


def _ports(value: Any, out: Out, s: Service) -> None:
    from dfwctl.values.ports import parse_ports

    found: List[Any] = []
    for index, entry in enumerate(value or []):
        spec = _port_text(entry, s, value, index)
        if spec is None:
            continue
        try:
            parse_ports(spec)
        except ValueError as exc:
            s.warn("ports", f"{exc}: left out", value, index)
            continue
        found.append(spec)
    if found:
        out["ports"] = found


def _port_text(entry: Any, s: Service, holder: Any, index: int) -> Optional[Any]:
    if not isinstance(entry, dict):
        return entry
    for extra in ("name", "app_protocol"):
        if extra in entry:
            s.warn("ports", f"ports[{index}].{extra} has no playbook equivalent: left out",
                   holder, index)
    if entry.get("mode") not in (None, "host", "ingress"):
        s.warn("ports", f"port mode {entry['mode']} is not known: left out", holder, index)
    target = entry.get("target")
    if target is None:
        s.warn("ports", "a port without target: left out", holder, index)
        return None
    head = ""
    if entry.get("published") is not None:
        head = f"{entry['published']}:"
    if entry.get("host_ip"):
        head = f"{entry['host_ip']}:{head or ':'}"
    protocol = f"/{entry['protocol']}" if entry.get("protocol") else ""
    return f"{head}{target}{protocol}"


def _networks(value: Any, out: Out, s: Service) -> None:
    from dfwctl.compose.context import ENGINE_NETWORKS

    attachments: Dict[str, Any] = {}
    for name, spec in (value or {}).items():
        key = s.ctx.networks.get(str(name))
        if key is None:
            s.error("networks", f"network {name!r} is not defined under networks", value, name)
            continue
        entry: Dict[str, Any] = {}
        if key not in ENGINE_NETWORKS:
            entry["aliases"] = [s.name]
        for field, item in (spec or {}).items():
            if field == "aliases" and key not in ENGINE_NETWORKS:
                entry["aliases"] += [str(a) for a in item or [] if str(a) not in entry["aliases"]]
            elif field == "ipv4_address":
                entry["ipv4_address"] = str(item)
            elif not field.startswith("x-"):
                s.warn("networks", f"networks.{name}.{field} has no playbook equivalent: left "
                       "out", spec, field)
        attachments[key] = entry or None
        if key not in ENGINE_NETWORKS:
            s.note(attachments, key, f"compose: {name}")
    if attachments:
        out["networks"] = attachments


def _deploy(value: Any, out: Out, s: Service) -> None:
    if not isinstance(value, dict):
        return
    for key, item in value.items():
        if key == "resources" and isinstance(item, dict):
            _resources(item, out, s)
        elif key == "replicas" and item == 1:
            continue
        elif key == "restart_policy" and isinstance(item, dict) and "restart" not in s.service:
            _restart_policy(item, out, s)
        else:
            s.warn("deploy", f"deploy.{key} has no playbook equivalent: left out", value, key)


def _resources(resources: Dict[str, Any], out: Out, s: Service) -> None:
    for kind, settings in resources.items():
        for key, item in (settings or {}).items():
            if kind == "limits" and key == "cpus" and "cpus" not in s.service:
                _cpus(item, out, s)
            elif kind == "limits" and key == "memory" and "mem_limit" not in s.service:
                out["memory"] = item
            elif kind == "limits" and key == "pids" and "pids_limit" not in s.service:
                out["pids_limit"] = item
            elif kind == "reservations" and key == "devices":
                _gpu_devices(item, out, s)
            else:
                s.warn("deploy", f"deploy.resources.{kind}.{key} has no playbook equivalent: "
                       "left out", settings, key, ("resources", kind))


def _gpu_devices(devices: Any, out: Out, s: Service) -> None:
    requests = []
    for entry in devices or []:
        request = {k: v for k, v in entry.items()
                   if k in ("driver", "count", "device_ids", "capabilities", "options")}
        requests.append(request)
    if requests:
        out["gpus"] = requests
        s.note(out, "gpus", "compose's deploy.resources.reservations.devices")


def _restart_policy(policy: Dict[str, Any], out: Out, s: Service) -> None:
    condition = policy.get("condition", "any")
    if condition == "none":
        out["restart"] = "no"
    elif condition == "on-failure":
        attempts = policy.get("max_attempts")
        out["restart"] = f"on-failure:{attempts}" if attempts else "on-failure"
    else:
        out["restart"] = "always"
    s.note(out, "restart", f"compose's deploy.restart_policy.condition: {condition}")


def _network_mode(value: Any, out: Out, s: Service) -> None:
    """host, none and bridge are networks of the engine in a playbook (the first network a
    container joins is its network mode); service: and container: have no equivalent."""
    if str(value) in ("host", "none", "bridge"):
        out["networks"] = [str(value)]
        s.note(out, "networks", f"compose's network_mode: {value}")
    else:
        s.left_out("network_mode")


def _gpus(value: Any, out: Out, _s: Service) -> None:
    out["gpus"] = value


HANDLERS: Dict[str, Handler] = {
    "environment": _environment,
    "labels": _labels,
    "sysctls": _string_map("sysctls"),
    "cpus": _cpus,
    "mem_limit": _memory,
    "pull_policy": _pull,
    "devices": _devices,
    "extra_hosts": _extra_hosts,
    "logging": _logging,
    "healthcheck": _healthcheck,
    "depends_on": _depends_on,
    "ports": _ports,
    "networks": _networks,
    "deploy": _deploy,
    "gpus": _gpus,
    "network_mode": _network_mode,
    "volumes": mounts.volumes,
    "build": mounts.build,
    "env_file": mounts.env_files,
    "secrets": secrets.grants,
}
