"""Devices of a container: host devices ("/dev/ttyUSB0[:/dev/ttyUSB0[:rwm]]", Windows
device classes "class/GUID", CDI names "vendor.com/class=name") and GPU requests (compose's
`gpus: all` or a list of requests). Pure: values in, canonical text out (what records hold and
plans show), and back to the engine's terms; ValueError with a message for the user."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Dict, Optional, Tuple

PERMISSIONS = "rwm"
DEVICE_USAGE = "write HOST_PATH[:CONTAINER_PATH[:PERMISSIONS]], like /dev/ttyUSB0:/dev/ttyUSB0:rw"
_WINDOWS_CLASS = re.compile(r"class(/|://)\{?[0-9A-Fa-f-]{36}\}?")
_CDI = re.compile(r"[a-z0-9.-]+/[a-zA-Z0-9_.-]+=[a-zA-Z0-9_.:-]+")


def device(value: Any) -> str:
    """One device -> "host:container:permissions" (or a device class / CDI name as written)."""
    text = str(value).strip()
    if _WINDOWS_CLASS.fullmatch(text) or _CDI.fullmatch(text):
        return text
    parts = text.split(":")
    if len(parts) > 3 or not parts[0]:
        raise ValueError(f'"{text}" is not a device: {DEVICE_USAGE}')
    host = parts[0]
    container = parts[1] if len(parts) > 1 else host
    if len(parts) == 2 and _permissions(parts[1]):  # /dev/x:rw
        container = host
        permissions = parts[1]
    else:
        permissions = parts[2] if len(parts) == 3 else PERMISSIONS
    for path in (host, container):
        if not path.startswith("/"):
            raise ValueError(f'"{text}": "{path}" is not an absolute path: {DEVICE_USAGE}')
    if not _permissions(permissions):
        raise ValueError(f'"{text}": "{permissions}" are not device permissions: use r, w '
                         "and m (read, write, mknod), each at most once, like rw or rwm")
    return f"{host}:{container}:{permissions}"


def _permissions(text: str) -> bool:
    return bool(text) and all(c in PERMISSIONS for c in text) and len(set(text)) == len(text)


@dataclass(frozen=True)
class GpuRequest:
    """One request for GPUs: the engine's DeviceRequest."""

    driver: str = ""  # "": the engine picks (nvidia)
    count: int = 0  # -1: all
    device_ids: Tuple[str, ...] = ()
    capabilities: Tuple[str, ...] = ("gpu",)
    options: Tuple[Tuple[str, str], ...] = ()

    def text(self) -> str:
        """The canonical text records hold and plans show: count=all;capabilities=gpu."""
        parts = []
        if self.driver:
            parts.append(f"driver={self.driver}")
        if self.count:
            parts.append(f"count={'all' if self.count == -1 else self.count}")
        if self.device_ids:
            parts.append(f"device_ids={','.join(self.device_ids)}")
        parts.append(f"capabilities={','.join(self.capabilities)}")
        parts.extend(f"options.{k}={v}" for k, v in self.options)
        return ";".join(parts)

    def request(self) -> Dict[str, Any]:
        """The SDK's DeviceRequest arguments."""
        return {"driver": self.driver, "count": self.count, "device_ids": list(self.device_ids),
                "capabilities": [list(self.capabilities)], "options": dict(self.options)}


def gpu_request_from_text(text: str) -> GpuRequest:
    fields: Dict[str, Any] = {}
    options = []
    for part in text.split(";"):
        key, _, value = part.partition("=")
        if key.startswith("options."):
            options.append((key[len("options."):], value))
        elif key == "count":
            fields["count"] = -1 if value == "all" else int(value)
        elif key in ("device_ids", "capabilities"):
            fields[key] = tuple(value.split(","))
        else:
            fields[key] = value
    return GpuRequest(options=tuple(options), **fields)


def _count(value: Any) -> int:
    if value == "all" or value == -1:
        return -1
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"count must be a number of GPUs (1 or more) or all, not {value!r}")
    return value


def gpu_request(value: Any) -> GpuRequest:
    """One entry of compose's gpus list: driver, count, device_ids, capabilities, options."""
    if not isinstance(value, dict):
        raise ValueError("a GPU request is a mapping of driver, count, device_ids, "
                         "capabilities and options")
    count: Optional[int] = _count(value["count"]) if "count" in value else None
    ids = tuple(str(i) for i in value.get("device_ids") or ())
    if count is not None and ids:
        raise ValueError("a GPU request takes count or device_ids, not both: the engine "
                         "refuses both")
    capabilities = tuple(sorted({str(c) for c in value.get("capabilities") or ("gpu",)}))
    return GpuRequest(
        driver=str(value.get("driver") or ""),
        count=count if count is not None else (0 if ids else -1),
        device_ids=ids,
        capabilities=capabilities,
        options=tuple(sorted((str(k), str(v)) for k, v in (value.get("options") or {}).items())),
    )


def gpus(value: Any) -> Tuple[str, ...]:
    """`gpus: all` or a list of requests -> their canonical texts."""
    if value is None:
        return ()
    if value == "all":
        return (GpuRequest(count=-1).text(),)
    return tuple(gpu_request(v).text() for v in value)
