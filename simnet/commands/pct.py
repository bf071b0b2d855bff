"""pct (Proxmox VE 8) on the host: list, config, set, start, stop, reboot,
status, enter and exec for the LXC containers the lab file names.

``pct set`` writes /etc/pve/lxc/VMID.conf like the real one; what the conf
says about devices (/dev/net/tun) reaches the container when it starts, so
the seed's order "edit the conf, then restart the container" matters.
"""
from __future__ import annotations

from simnet.commands.base import Context
from simnet.commands.pve_cli import pve_command, vmid_argument
from simnet.commands.ssh import run_remote
from simnet.services.daemons import TcpDaemon
from simnet.services.nginx import Nginx
from simnet.services.pve import Pve, conf_path, parse_conf

__all__ = ["main"]

USAGE = ("USAGE: pct <COMMAND> [ARGS] [OPTIONS]\n\n"
         "       pct config <vmid> [OPTIONS]\n"
         "       pct enter <vmid> [OPTIONS]\n"
         "       pct exec <vmid> [<extra-args>] [OPTIONS]\n"
         "       pct list\n"
         "       pct reboot <vmid> [OPTIONS]\n"
         "       pct set <vmid> [OPTIONS]\n"
         "       pct shutdown <vmid> [OPTIONS]\n"
         "       pct start <vmid> [OPTIONS]\n"
         "       pct status <vmid> [OPTIONS]\n"
         "       pct stop <vmid> [OPTIONS]\n\n"
         "       pct help [<extra-args>] [OPTIONS]")
SETTABLE = {"arch", "cores", "cpulimit", "description", "features", "hostname", "memory", "nameserver", "onboot",
            "ostype", "protection", "searchdomain", "startup", "swap", "tags", "unprivileged"} | \
    {f"net{k}" for k in range(10)} | {f"dev{k}" for k in range(10)} | {f"mp{k}" for k in range(10)}
VERBS = ("list", "config", "set", "start", "stop", "shutdown", "reboot", "status", "enter", "exec")


def main(ctx: Context) -> int:
    found = pve_command(ctx, "pct", USAGE, VERBS)
    if isinstance(found, int):
        return found
    pve, verb = found
    args = ctx.args
    if verb == "list":
        ctx.print(f"{'VMID':<10} {'Status':<10} {'Lock':<12} {'Name':<20}")
        for ct in sorted(pve.containers):
            guest = pve.guest(ct)
            name = guest.hostname if guest is not None else str(ct)
            state = "running" if pve.running(ct) else "stopped"
            ctx.print(f"{ct:<10} {state:<10} {'':<12} {name:<20}")
        return 0
    vmid = vmid_argument(ctx, "pct", args, pve.containers, conf_path, "lxc")
    if vmid is None:
        return 255
    return {"config": _config, "set": _set, "start": _start, "stop": _stop, "shutdown": _stop,
            "reboot": _reboot, "status": _status, "enter": _enter, "exec": _exec}[verb](ctx, pve, vmid, args[2:])


def _config(ctx: Context, pve: Pve, vmid: int, rest: list[str]) -> int:
    """Keys sorted as the API returns them, raw lxc.* lines last in file order."""
    pairs = parse_conf(ctx.node.files.get(conf_path(vmid), ""))
    plain = sorted((k, v) for k, v in pairs if not k.startswith("lxc."))
    raw = [(k, v) for k, v in pairs if k.startswith("lxc.")]
    for key, value in plain + raw:
        ctx.print(f"{key}: {value}")
    return 0


def _set(ctx: Context, pve: Pve, vmid: int, rest: list[str]) -> int:
    path = conf_path(vmid)
    lines = ctx.node.files.get(path, "").splitlines()
    changes: list[tuple[str, str | None]] = []
    k = 0
    while k < len(rest):
        opt = rest[k].lstrip("-")
        if not rest[k].startswith("-"):
            ctx.eprint(f"400 too many arguments\npct set <vmid> [OPTIONS]")
            return 255
        if k + 1 >= len(rest):
            ctx.eprint(f"400 Parameter verification failed.\n{opt}: missing value\npct set <vmid> [OPTIONS]")
            return 255
        given = rest[k + 1]
        if opt == "delete":
            changes += [(key.strip(), None) for key in given.split(",") if key.strip()]
        elif opt in SETTABLE:
            changes.append((opt, given))
        else:
            ctx.eprint(f"400 Parameter verification failed.\n{opt}: property is not defined in schema and the "
                       "schema does not allow additional properties\npct set <vmid> [OPTIONS]")
            return 255
        k += 2
    for key, value in changes:
        found = False
        for n, line in enumerate(lines):
            if line.split(":", 1)[0].strip() == key and not line.startswith("["):
                found = True
                lines[n] = f"{key}: {value}" if value is not None else ""
                break
        if not found and value is not None:
            end = next((n for n, line in enumerate(lines) if line.startswith("[")), len(lines))
            lines.insert(end, f"{key}: {value}")
    ctx.node.files[path] = "\n".join(line for line in lines if line != "") + "\n"
    return 0


def _guest_services(ctx: Context, pve: Pve, vmid: int, up: bool) -> None:
    """Stop or boot what runs in the container: its links, sshd, tailscaled (enabled there)."""
    from simnet.commands.shell import run_line

    guest = pve.guest(vmid)
    if guest is None:
        return
    for name, iface in guest.interfaces.items():
        if not iface.is_loopback:
            guest.link_set(name, up)
    if up:        # at boot the container configures eth0 from the conf's net0 (ifupdown in the guest)
        for key, value in parse_conf(ctx.node.files.get(conf_path(vmid), "")):
            if key.startswith("net") and key[3:].isdigit():
                opts = dict(part.partition("=")[::2] for part in value.split(","))
                dev = opts.get("name", "eth0")
                if opts.get("ip", "dhcp") not in ("dhcp", "manual", ""):
                    run_line(guest, ctx.lab, f"ip addr replace {opts['ip']} dev {dev} 2>/dev/null", {})
                if opts.get("gw"):
                    run_line(guest, ctx.lab, f"ip route replace default via {opts['gw']} dev {dev} 2>/dev/null",
                             {})
    for svc in guest.services.values():
        if isinstance(svc, (TcpDaemon, Nginx)):          # sshd and the other small daemons, nginx
            svc.start() if up else svc.stop()
    if "tailscaled" in guest.services:
        run_line(guest, ctx.lab, f"systemctl {'start' if up else 'stop'} tailscaled 2>/dev/null", {})


def _start(ctx: Context, pve: Pve, vmid: int, rest: list[str]) -> int:
    if pve.running(vmid):
        ctx.eprint(f"CT {vmid} already running")
        return 255
    pve.stopped.discard(vmid)
    pve.apply_devices(vmid)               # the conf is read when the container starts
    _guest_services(ctx, pve, vmid, True)
    return 0


def _stop(ctx: Context, pve: Pve, vmid: int, rest: list[str]) -> int:
    if not pve.running(vmid):
        ctx.eprint(f"CT {vmid} not running")
        return 255
    _guest_services(ctx, pve, vmid, False)
    pve.stopped.add(vmid)
    return 0


def _reboot(ctx: Context, pve: Pve, vmid: int, rest: list[str]) -> int:
    if not pve.running(vmid):
        return _start(ctx, pve, vmid, rest)
    _stop(ctx, pve, vmid, rest)
    return _start(ctx, pve, vmid, rest)


def _status(ctx: Context, pve: Pve, vmid: int, rest: list[str]) -> int:
    ctx.print(f"status: {'running' if pve.running(vmid) else 'stopped'}")
    return 0


def _enter(ctx: Context, pve: Pve, vmid: int, rest: list[str]) -> int:
    if not pve.running(vmid):
        ctx.eprint(f"CT {vmid} not running")
        return 255
    guest = pve.guest(vmid)
    terminal = ctx.lab.terminal
    if terminal is not None and guest is not None:
        terminal.login(guest.name, "root", "", closing="exit")
        return 0
    if ctx.stdin.strip() and guest is not None:        # `pct enter 102 <<EOF …`: a shell reading its stdin
        return run_remote(ctx, guest, ctx.stdin, {})
    return 0


def _exec(ctx: Context, pve: Pve, vmid: int, rest: list[str]) -> int:
    if not pve.running(vmid):
        ctx.eprint(f"CT {vmid} not running")
        return 255
    words = rest[1:] if rest[:1] == ["--"] else rest
    guest = pve.guest(vmid)
    if not words or guest is None:
        return 0
    import shlex

    return run_remote(ctx, guest, " ".join(shlex.quote(w) for w in words), {})
