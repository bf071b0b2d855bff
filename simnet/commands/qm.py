"""qm (Proxmox VE 8) on the host: list, config, status, start, stop, shutdown, reboot for the
QEMU VMs the lab file names (``pve: {qemu: {100: debian}}``).

The seed only looks at its VMs (the Debian VM at 192.168.0.158); starting and stopping one
takes its lab node off and back on the network, as pct does for the container. Everything a VM
needs beyond that (disks, consoles, migration) is not modelled: qm says so in German.
"""
from __future__ import annotations

from simnet.boot import power_down, power_up
from simnet.commands.base import Context
from simnet.commands.pve_cli import pve_command, vmid_argument
from simnet.services.pve import Pve, parse_conf, qemu_conf_path

__all__ = ["main"]

USAGE = ("USAGE: qm <COMMAND> [ARGS] [OPTIONS]\n\n"
         "       qm config <vmid> [OPTIONS]\n"
         "       qm list  [OPTIONS]\n"
         "       qm reboot <vmid> [OPTIONS]\n"
         "       qm shutdown <vmid> [OPTIONS]\n"
         "       qm start <vmid> [OPTIONS]\n"
         "       qm status <vmid> [OPTIONS]\n"
         "       qm stop <vmid> [OPTIONS]\n\n"
         "       qm help [<extra-args>] [OPTIONS]")
VERBS = ("list", "config", "status", "start", "stop", "shutdown", "reboot")
OTHER = ("agent", "cleanup", "clone", "cloudinit", "create", "destroy", "disk", "guest", "importdisk", "importovf",
         "migrate", "monitor", "move-disk", "mtunnel", "nbdstop", "pending", "remote-migrate", "rescan", "reset",
         "resize", "resume", "rollback", "sendkey", "set", "showcmd", "snapshot", "suspend", "template",
         "terminal", "unlink", "unlock", "vncproxy", "wait", "delsnapshot", "listsnapshot")


def main(ctx: Context) -> int:
    found = pve_command(ctx, "qm", USAGE, VERBS, unmodelled=OTHER)
    if isinstance(found, int):
        return found
    pve, verb = found
    args = ctx.args
    if verb == "list":
        ctx.print(f"{'VMID':>10} {'NAME':<20} {'STATUS':<10} {'MEM(MB)':<10} {'BOOTDISK(GB)':>12} {'PID':<10}")
        for vm in sorted(pve.vms):
            pairs = dict(parse_conf(ctx.node.files.get(qemu_conf_path(vm), "")))
            running = pve.running(vm)
            pid = 1000 + vm * 7 if running else 0
            ctx.print(f"{vm:>10} {pairs.get('name', f'VM {vm}'):<20} {'running' if running else 'stopped':<10} "
                      f"{pairs.get('memory', '512'):<10} {_disk_gb(pairs):>12.2f} {pid:<10}")
        return 0
    vmid = vmid_argument(ctx, "qm", args, pve.vms, qemu_conf_path, "qemu-server")
    if vmid is None:
        return 255
    return {"config": _config, "status": _status, "start": _start, "stop": _stop, "shutdown": _shutdown,
            "reboot": _reboot}[verb](ctx, pve, vmid)


def _disk_gb(pairs: dict[str, str]) -> float:
    """The boot disk's size=…G from its scsi0/virtio0/sata0/ide0 line."""
    for key in ("scsi0", "virtio0", "sata0", "ide0"):
        for part in pairs.get(key, "").split(","):
            if part.startswith("size=") and part[5:-1].replace(".", "", 1).isdigit():
                unit = {"G": 1.0, "M": 1 / 1024, "T": 1024.0}.get(part[-1], 1.0)
                return float(part[5:-1]) * unit
    return 0.0


def _config(ctx: Context, pve: Pve, vmid: int) -> int:
    for key, value in sorted(parse_conf(ctx.node.files.get(qemu_conf_path(vmid), ""))):
        ctx.print(f"{key}: {value}")
    return 0


def _status(ctx: Context, pve: Pve, vmid: int) -> int:
    ctx.print(f"status: {'running' if pve.running(vmid) else 'stopped'}")
    return 0


def _start(ctx: Context, pve: Pve, vmid: int) -> int:
    if pve.running(vmid):
        ctx.eprint(f"VM {vmid} already running")
        return 255
    pve.stopped.discard(vmid)
    guest = pve.guest(vmid)
    if guest is not None:                 # the VM boots: ifupdown, sysctl files, enabled services
        power_up(ctx.lab, guest.name)
    return 0


def _stop(ctx: Context, pve: Pve, vmid: int) -> int:
    if pve.running(vmid):                 # stopping a stopped VM is no error
        guest = pve.guest(vmid)
        if guest is not None:
            power_down(ctx.lab, guest.name)
        pve.stopped.add(vmid)
    return 0


def _shutdown(ctx: Context, pve: Pve, vmid: int) -> int:
    if not pve.running(vmid):
        ctx.eprint(f"VM {vmid} not running")
        return 255
    return _stop(ctx, pve, vmid)


def _reboot(ctx: Context, pve: Pve, vmid: int) -> int:
    if not pve.running(vmid):
        ctx.eprint(f"VM {vmid} not running")
        return 255
    _stop(ctx, pve, vmid)
    return _start(ctx, pve, vmid)
