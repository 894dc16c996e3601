"""Helpers for the Hyper-V tests: a simulated host in a temp folder, and the environment that
puts the fake pwsh (this folder) first on PATH so `host: local` reaches the simulator through
the real local transport."""
from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Dict, Optional

from dfwctl.desired import build
from dfwctl.providers.hyperv.local import LocalTransport
from dfwctl.providers.hyperv.simulator.seed import VmSeed, seed_vm

FAKES = Path(__file__).resolve().parent


def fake_env(state: Path, base: Optional[Dict[str, str]] = None, **extra: str) -> Dict[str, str]:
    env = dict(os.environ if base is None else base)
    env["PATH"] = f"{FAKES}{os.pathsep}{env.get('PATH', '')}"
    env["DFWCTL_FAKE_PYTHON"] = sys.executable
    env["DFWCTL_SIMULATOR_STATE"] = str(state)
    env.pop("DFWCTL_POWERSHELL", None)
    env.update(extra)
    return env


def use_fake_pwsh(monkeypatch, state: Path, **extra: str) -> LocalTransport:
    """Point this process at the fake pwsh; the local transport then reaches `state`."""
    for key, value in fake_env(state, dict(os.environ), **extra).items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("DFWCTL_POWERSHELL", raising=False)
    return LocalTransport("pwsh")


def seeded(path: Path, *seeds: VmSeed) -> Path:
    for seed in seeds:
        seed_vm(path, seed)
    return path


def desired(vms: dict, host: str = "local", name: str = "hv-test"):
    """A Desired with just a hyperv section (plain dicts, as the model keeps it)."""
    return build({"version": 1, "name": name, "hyperv": {"host": host, "vms": vms}},
                 Path("/playbooks"))
