"""doctor, and the simulator commands (a simulated Hyper-V host in a JSON file)."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable, Dict, Optional, Tuple, TypeVar

import click

from dfwctl.cli.app import HELP, cli
from dfwctl.errors import ExitStatus
from dfwctl.values.sizes import parse_size

F = TypeVar("F", bound=Callable[..., Any])
VM_OPTIONS = ("checkpoint", "allow_turn_off", "stop_timeout")  # RunSettings' names


def vm_options(fn: F) -> F:
    """How plan and apply change Hyper-V VMs, over each VM's checkpoint and shutdown."""
    fn = click.option("--checkpoint/--no-checkpoint", "checkpoint", default=None,
                      help="Take a Hyper-V checkpoint before changing VM settings that need the "
                           "VM off, and remove it after [default: the playbook's checkpoint, "
                           "else on].")(fn)
    fn = click.option("--allow-turn-off", "allow_turn_off", is_flag=True,
                      help="When a guest has not shut down within its stop timeout, turn its "
                           "VM off (a power cut) instead of failing.")(fn)
    fn = click.option("--stop-timeout", "stop_timeout", type=click.IntRange(1, 86400),
                      default=None, metavar="SECONDS",
                      help="Seconds a guest gets to shut down when a change needs its VM off "
                           "[default: the playbook's shutdown.timeout, else 300].")(fn)
    return fn


@cli.command(context_settings=HELP)
@click.argument("playbook", required=False, type=click.Path(dir_okay=False))
@click.option("--host", "host", metavar="HOST",
              help="Hyper-V host to check: local, winrm://user@host[:port] or simulator:PATH "
                   "[default: the playbook's hyperv.host, else local].")
def doctor(playbook: Optional[str], host: Optional[str]) -> None:
    """Check that a host can run Hyper-V (one pass/fail line each), and with PLAYBOOK,
    what its VMs need. Exits 1 when a check fails."""
    from dfwctl.providers.hyperv import doctor as checks
    from dfwctl.providers.hyperv.connect import transport_for
    from dfwctl.providers.hyperv.model import HyperVDesired

    section, title, name = HyperVDesired(), "", ""
    if playbook:
        from dfwctl.pipeline import load_playbook
        from dfwctl.profiles import EVERY

        loaded = load_playbook(Path(playbook), selected=EVERY)
        section = loaded.desired.hyperv or section
        name = loaded.desired.name
        title = f"{name} ({playbook})"
    transport = transport_for(host or section.host)
    sections = checks.run(transport, section.vms, title, name)
    click.echo(checks.render(sections), nl=False)
    if checks.failed(sections):
        raise SystemExit(ExitStatus.ERROR)


@cli.group(context_settings=HELP)
def simulator() -> None:
    """A simulated Hyper-V host kept in a JSON file, for trying playbooks on any machine:
    seed it with VMs, then set `hyperv.host: simulator:PATH` in the playbook."""


def _size(value: str) -> int:
    try:
        return parse_size(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


def _dynamic(text: Optional[str]) -> Optional[Tuple[int, int]]:
    if text in (None, "off", "false"):
        return None
    low, sep, high = text.partition(":")
    if not sep:
        raise click.BadParameter("write MIN:MAX, like 512MiB:8GiB, or off")
    return _size(low), _size(high)


def _adapter(text: str) -> Tuple[str, str]:
    name, _, switch = text.partition("=")
    return name, switch


@simulator.command("seed", context_settings=HELP)
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--vm", "name", required=True, help="The VM's name (replaces a VM of that name).")
@click.option("--state", default="Running", show_default=True,
              help="Hyper-V state: Running, Off, Saved, Paused, RunningCritical, ...")
@click.option("--processors", type=click.IntRange(1), default=2, show_default=True)
@click.option("--memory", default="2GiB", show_default=True, help="Startup memory.")
@click.option("--dynamic-memory", default="off", show_default=True, metavar="MIN:MAX|off")
@click.option("--nested/--no-nested", default=False, show_default=True,
              help="ExposeVirtualizationExtensions.")
@click.option("--version", "version", default="9.0", show_default=True,
              help="VM configuration version.")
@click.option("--adapter", "adapters", multiple=True, metavar="NAME=SWITCH",
              help="A network adapter (repeat for more) [default: Network Adapter=Default Switch].")
@click.option("--mac-spoofing/--no-mac-spoofing", default=False, show_default=True)
@click.option("--duplicate", is_flag=True, help="Add beside a VM of the same name.")
@click.option("--guest-user", metavar="USER",
              help="Give the VM a Windows guest that PowerShell Direct signs in to as USER "
                   "(its disk is a folder beside PATH).")
@click.option("--guest-password", envvar="DFWCTL_SIMULATOR_GUEST_PASSWORD", metavar="TEXT",
              help="The guest account's password [env: DFWCTL_SIMULATOR_GUEST_PASSWORD].")
@click.option("--guest-build", default="19045", show_default=True,
              help="The guest's Windows build.")
@click.option("--boot-delay", type=click.IntRange(0), default=1, show_default=True,
              help="PowerShell Direct attempts a started guest refuses before it answers.")
@click.option("--docker-desktop", default="4.35", show_default=True,
              type=click.Choice(["4.35", "2.1", "none"]),
              help="Docker Desktop in the guest: 4.35 (settings-store.json), 2.1 "
                   "(settings.json) or none.")
@click.option("--checkpoint-type", default="Production", show_default=True,
              type=click.Choice(["Disabled", "Production", "ProductionOnly", "Standard"]),
              help="Hyper-V's CheckpointType of the VM (Disabled: checkpoints are refused).")
@click.option("--shutdown-hangs", type=click.IntRange(0), default=0, show_default=True,
              help="Shutdown requests the guest ignores (each one times out) before it obeys.")
@click.option("--shutdown-service/--no-shutdown-service", default=True, show_default=True,
              help="Whether the guest's shutdown integration service answers (off: a guest "
                   "without integration services, which only a turn-off stops).")
def seed(path: str, name: str, state: str, processors: int, memory: str, dynamic_memory: str,
         nested: bool, version: str, adapters: Tuple[str, ...], mac_spoofing: bool,
         duplicate: bool, guest_user: Optional[str], guest_password: Optional[str],
         guest_build: str, boot_delay: int, docker_desktop: str, checkpoint_type: str,
         shutdown_hangs: int, shutdown_service: bool) -> None:
    """Add a VM to the simulated host at PATH (created when missing)."""
    from dfwctl.providers.hyperv.simulator.guest import guest_dir
    from dfwctl.providers.hyperv.simulator.seed import GuestSeed, VmSeed, seed_vm

    kwargs: Dict[str, Any] = {"adapters": tuple(_adapter(a) for a in adapters)} if adapters else {}
    guest = None
    if guest_user:
        if not guest_password:
            raise click.UsageError("--guest-user needs --guest-password (or "
                                   "DFWCTL_SIMULATOR_GUEST_PASSWORD)")
        guest = GuestSeed(guest_user, guest_password, guest_build, boot_delay,
                          None if docker_desktop == "none" else docker_desktop)
    record = seed_vm(Path(path), VmSeed(
        name=name, state=state, processors=processors, memory=_size(memory),
        dynamic_memory=_dynamic(dynamic_memory), nested=nested, version=version,
        mac_address_spoofing=mac_spoofing, duplicate=duplicate, guest=guest,
        checkpoint_type=checkpoint_type, shutdown_hangs=shutdown_hangs,
        shutdown_service=shutdown_service, **kwargs))
    click.echo(f"{path}: VM {record['Name']} ({record['Id']})")
    if guest is not None:
        click.echo(f"  its guest's disk: {guest_dir(Path(path), record)}")


INT_FACTS = ("LogicalProcessors", "OEMCodePage")
SIZE_FACTS = ("TotalPhysicalMemory", "HostMemoryInUse")


def _fact(key: str, value: str) -> Any:
    if key in INT_FACTS:
        try:
            return int(value)
        except ValueError:
            raise click.BadParameter(f"{key} is a number, not {value!r}",
                                     param_hint="--set") from None
    if key in SIZE_FACTS:
        return _size(value)
    return {"true": True, "false": False}.get(value.lower(), value)


@simulator.command("host", context_settings=HELP)
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--set", "pairs", multiple=True, metavar="FACT=VALUE",
              help="A host fact, e.g. HyperVFeature=Disabled, Caption='Microsoft Windows 10 Home', "
                   "BuildNumber=10586, Elevated=false, VirtualizationFirmwareEnabled=false, "
                   "Manufacturer=AuthenticAMD, LogicalProcessors=4, TotalPhysicalMemory=16GiB, "
                   "HostMemoryInUse=6GiB, NestedDynamicMemory=Refuse, "
                   "LanguageMode=ConstrainedLanguage, MachinePolicy=AllSigned, "
                   "PSProcess64Bit=false, OEMCodePage=850, UICulture=de-DE (see docs/hyperv.md).")
@click.option("--switch", "switches", multiple=True, help="Add a virtual switch (repeatable).")
def host(path: str, pairs: Tuple[str, ...], switches: Tuple[str, ...]) -> None:
    """Show or change the simulated host's facts (what doctor reads)."""
    from dfwctl.providers.hyperv.simulator.seed import seed_host, seed_switches

    values: Dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep:
            raise click.BadParameter(f"{pair!r}: write FACT=VALUE", param_hint="--set")
        values[key] = _fact(key, value)
    if switches:
        seed_switches(Path(path), switches)
    click.echo(json.dumps(seed_host(Path(path), values), indent=2))


@simulator.command("reboot", context_settings=HELP)
@click.argument("path", type=click.Path(dir_okay=False))
def reboot(path: str) -> None:
    """Reboot the simulated host: a pending Hyper-V feature becomes enabled."""
    from dfwctl.providers.hyperv.simulator.seed import reboot as do_reboot

    click.echo(f"{path}: rebooted; Hyper-V feature {do_reboot(Path(path))}")


@simulator.command("show", context_settings=HELP)
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="The whole state file.")
def show(path: str, as_json: bool) -> None:
    """List the simulated host's VMs."""
    from dfwctl.providers.hyperv.simulator.state import read
    from dfwctl.providers.hyperv.simulator.view import table

    doc = read(Path(path))
    click.echo(json.dumps(doc, indent=2, ensure_ascii=False) if as_json else table(doc), nl=False)
