"""Whether a unit starts at boot: ``systemctl enable/disable/is-enabled`` write and read the
links in /etc/systemd/system/multi-user.target.wants, as systemd 252 does (and say so), and
:mod:`simnet.boot` starts what is linked there."""
from __future__ import annotations

from simnet.boot import WANTS
from simnet.commands.base import Context

__all__ = ["enablement", "is_enabled", "unit_file", "wants_link", "SYSV"]

# units whose package also ships an /etc/init.d script: systemctl syncs it with systemd-sysv-install
SYSV = frozenset({"nginx", "netfilter-persistent", "ssh", "ufw", "cron", "procps", "dnsmasq", "radvd"})
UNIT_FILES = {"tailscaled": "/lib/systemd/system/tailscaled.service",
              "headscale": "/lib/systemd/system/headscale.service",
              "nginx": "/lib/systemd/system/nginx.service",
              "netfilter-persistent": "/lib/systemd/system/netfilter-persistent.service",
              "ssh": "/lib/systemd/system/ssh.service",
              "pveproxy": "/lib/systemd/system/pveproxy.service",
              "nftables": "/lib/systemd/system/nftables.service",
              "dnsmasq": "/lib/systemd/system/dnsmasq.service",
              "radvd": "/lib/systemd/system/radvd.service"}
# a unit's [Install] WantedBy= when it is not multi-user.target (nftables loads before the network)
WANTED_BY = {"nftables": "/etc/systemd/system/sysinit.target.wants"}


def wants_link(unit: str) -> str:
    """The link ``systemctl enable`` creates for ``unit``."""
    return f"{WANTED_BY.get(unit, WANTS)}/{unit}.service"


def canonical(ctx: Context, unit: str) -> str:
    """The unit an alias names (``sshd`` is ``ssh``)."""
    from simnet.services.daemons import daemon_for_unit

    d = daemon_for_unit(ctx.node, unit)
    return d.unit if d is not None else unit


def unit_file(ctx: Context, unit: str) -> str | None:
    """Where the unit's file lives, if the node has that unit installed."""
    from simnet.services.daemons import daemon_for_unit

    if daemon_for_unit(ctx.node, unit) is not None:
        return f"/lib/systemd/system/{canonical(ctx, unit)}.service"
    if unit == "netfilter-persistent":
        from simnet.commands.apt import installed

        return UNIT_FILES[unit] if installed(ctx.node, "netfilter-persistent") else None
    return UNIT_FILES.get(unit)


def is_enabled(ctx: Context, unit: str) -> bool:
    return wants_link(canonical(ctx, unit)) in ctx.node.fs.links


def enablement(ctx: Context, verb: str, units: list[str], opts: list[str]) -> int | None:
    """enable/disable: the links and systemctl's messages; is-enabled: its answer and exit code.
    Returns the exit code when systemctl is done, None when ``--now`` still has to start/stop."""
    node = ctx.node
    status = 0
    for unit in units:
        path = unit_file(ctx, unit)
        if path is None:
            if verb == "is-enabled":
                ctx.eprint(f"Failed to get unit file state for {unit}.service: No such file or directory")
            else:
                ctx.eprint(f"Failed to {verb} unit: Unit file {unit}.service does not exist.")
            return 1
        unit = canonical(ctx, unit)
        link = wants_link(unit)
        if verb == "is-enabled":
            on = link in node.fs.links
            ctx.print("enabled" if on else "disabled")
            status = status or (0 if on else 1)
            continue
        if unit in SYSV:
            ctx.eprint(f"Synchronizing state of {unit}.service with SysV service script with "
                       f"/lib/systemd/systemd-sysv-install.\nExecuting: /lib/systemd/systemd-sysv-install {verb} {unit}")
        if verb == "enable" and link not in node.fs.links:
            node.fs.links[link] = path
            node.fs.mtimes[link] = node.wallclock()
            ctx.eprint(f"Created symlink {link} \u2192 {path}.")
        elif verb == "disable" and link in node.fs.links:
            node.fs.forget(link)
            ctx.eprint(f'Removed "{link}".')
    if verb == "is-enabled" or "--now" not in opts:
        return status
    return None
