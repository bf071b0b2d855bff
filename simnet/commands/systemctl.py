"""systemctl for the two units the tailnet lessons use: tailscaled and headscale.

start/stop/restart/enable [--now]/disable/is-active/status. Starting
``headscale`` creates the server on this node (config from
/etc/headscale/config.yaml); stopping ``tailscaled`` removes tailscale0 the
way the exiting daemon does.
"""
from __future__ import annotations

from datetime import datetime, timezone

from simnet.commands.base import Context
from simnet.services.daemons import TcpDaemon, daemon_for_unit
from simnet.services.journal import entries, log
from simnet.services.pve import tun_problem
from simnet.tailnet import hsunit
from simnet.tailnet.client import tailscaled_of
from simnet.tailnet.control import Headscale, tailnet_of

__all__ = ["main"]

UNITS = {
    "tailscaled": ("Tailscale node agent", "/lib/systemd/system/tailscaled.service", "https://tailscale.com/kb/",
                   "/usr/sbin/tailscaled --state=/var/lib/tailscale/tailscaled.state "
                   "--socket=/run/tailscale/tailscaled.sock --port=41641"),
    "headscale": ("headscale coordination server for Tailscale", "/lib/systemd/system/headscale.service",
                  "https://github.com/juanfont/headscale/tree/main/docs", "/usr/bin/headscale serve"),
}


def _unit(name: str) -> str:
    return name[:-8] if name.endswith(".service") else name


def _service(ctx: Context, unit: str, create: bool = False):
    node = ctx.node
    if unit == "tailscaled":
        return tailscaled_of(node, create=create)
    return hsunit.headscale_of(node, create=create)


def _start(ctx: Context, unit: str) -> int:
    if unit == "headscale":               # crashes on a broken config.yaml and is retried (simnet.tailnet.hsunit)
        hsunit.start(ctx.node)
        return 0
    svc = _service(ctx, unit, create=True)
    if svc.running:
        return 0
    if unit == "tailscaled" and tun_problem(ctx.node):      # an LXC container without /dev/net/tun
        _tailscaled_fails(ctx, svc, str(tun_problem(ctx.node)))
        return 1
    svc.unit_failed_at = None
    svc.running = True
    svc.started_at = ctx.lab.sim.now
    if unit == "tailscaled":
        # tailscaled logs in with its saved state at once: tailscale0, routes, presence, DERP
        svc.apply()
    tailnet_of(ctx.lab).sync()
    return 0


def _tailscaled_fails(ctx: Context, svc, problem: str) -> None:
    """tailscaled cannot create tailscale0 (Type=notify, Restart=on-failure: five quick tries, then failed)."""
    from simnet.commands.ssh import kernel_of

    kernel = kernel_of(ctx.node).split()[0]
    error = f'tstun.New("tailscale0"): CreateTUN("tailscale0") failed; {problem}'
    pid = 400 + sum(map(ord, "tailscaled")) % 500
    for attempt in range(5):
        ident = f"tailscaled[{pid + attempt}]"
        log(ctx.node, "tailscaled", "Starting tailscaled.service - Tailscale node agent...")
        for text in ('wgengine.NewUserspaceEngine(tun "tailscale0") ...', f"Linux kernel version: {kernel}",
                     "is CONFIG_TUN enabled in your kernel? `modprobe tun` failed with: modprobe: FATAL: Module tun "
                     f"not found in directory /lib/modules/{kernel}",
                     "tun module not loaded nor found on disk",
                     f'wgengine.NewUserspaceEngine(tun "tailscale0") error: {error}', "flushing log.",
                     "logger closing down", f"getLocalBackend error: createEngine: {error}"):
            log(ctx.node, "tailscaled", text, ident=ident)
        log(ctx.node, "tailscaled", "tailscaled.service: Main process exited, code=exited, status=1/FAILURE")
        log(ctx.node, "tailscaled", "tailscaled.service: Failed with result 'exit-code'.")
        log(ctx.node, "tailscaled", "Failed to start tailscaled.service - Tailscale node agent.")
        if attempt < 4:
            log(ctx.node, "tailscaled", f"tailscaled.service: Scheduled restart job, restart counter is at "
                                        f"{attempt + 1}.")
            log(ctx.node, "tailscaled", "Stopped tailscaled.service - Tailscale node agent.")
    log(ctx.node, "tailscaled", "tailscaled.service: Start request repeated too quickly.")
    svc.unit_failed_at = ctx.lab.sim.now
    ctx.eprint('Job for tailscaled.service failed because the control process exited with error code.\n'
               'See "systemctl status tailscaled.service" and "journalctl -xeu tailscaled.service" for details.')


def _stop(ctx: Context, unit: str) -> None:
    if unit == "headscale":
        hsunit.stop(ctx.node)
        return
    svc = _service(ctx, unit)
    if svc is None or not svc.running:
        return
    svc.running = False
    if unit == "tailscaled":
        me = svc.me
        if me is not None and svc.server is not None:
            svc.server.set_online(me, False)
        elif me is not None:
            me.online = False
        svc.teardown(keep_tun=False)
        tailnet_of(ctx.lab).sync()


def main(ctx: Context) -> int:
    args = [a for a in ctx.args if not a.startswith("-")]
    opts = [a for a in ctx.args if a.startswith("-")]
    if not args:
        ctx.eprint("Too few arguments.")
        return 1
    verb, units = args[0], [_unit(u) for u in args[1:]]
    if verb not in ("start", "stop", "restart", "reload", "enable", "disable", "status", "is-active",
                    "is-enabled", "daemon-reload", "reload-or-restart", "reboot", "poweroff", "halt"):
        ctx.eprint(f'Unknown command verb {verb}.')
        return 1
    if verb == "daemon-reload":
        return 0
    if verb in ("reboot", "poweroff", "halt"):
        from simnet.commands.power import power

        return power(ctx, verb)
    if not units and verb != "status":
        ctx.eprint("Too few arguments.")
        return 1
    if verb in ("enable", "disable", "is-enabled"):      # the wants links (simnet.commands.units)
        from simnet.commands.units import enablement

        done = enablement(ctx, verb, units, opts)
        if done is not None:
            return done
    if units == ["networking"] and verb in ("restart", "reload", "start") and \
            "/etc/network/interfaces" in ctx.node.files:        # ifupdown on the Debian VM
        from simnet.boot import restart_networking

        restart_networking(ctx.lab, ctx.node.name)
        return 0
    if units == ["netfilter-persistent"]:
        from simnet.commands.persistent import systemctl_unit

        return systemctl_unit(ctx, verb)
    if units == ["nftables"]:            # Debian's oneshot unit around nft -f /etc/nftables.conf
        from simnet.commands.nft_service import systemctl_nftables

        return systemctl_nftables(ctx, verb, opts)
    if units == ["nginx"]:               # the reverse proxy in front of headscale (simnet.services)
        from simnet.commands.nginx import systemctl_nginx

        return systemctl_nginx(ctx, verb, opts)
    if units == ["dnsmasq"]:              # DHCP and DNS of the LAN (simnet.services.dnsmasq)
        from simnet.commands.dnsmasq import systemctl_dnsmasq

        return systemctl_dnsmasq(ctx, verb, opts)
    if units == ["radvd"]:                # router advertisements for SLAAC (simnet.services.radvd)
        from simnet.commands.radvd import systemctl_radvd

        return systemctl_radvd(ctx, verb, opts)
    daemon = daemon_for_unit(ctx.node, units[0]) if len(units) == 1 else None
    if daemon is not None:                  # sshd, pveproxy
        return _daemon(ctx, verb, opts, daemon)
    for u in units:
        if u not in UNITS:
            if verb == "status":
                ctx.eprint(f"Unit {u}.service could not be found.")
                return 4
            if verb == "is-active":
                ctx.print("inactive")
                return 3
            ctx.eprint(f"Failed to {verb} {u}.service: Unit {u}.service not found.")
            return 5
    status = 0
    for u in units:
        if verb in ("start",) or (verb == "enable" and "--now" in opts):
            status = _start(ctx, u) or status
        elif verb == "stop" or (verb == "disable" and "--now" in opts):
            _stop(ctx, u)
        elif verb == "reload" and u == "headscale":       # ExecReload=kill -HUP: the policy, not config.yaml
            if not hsunit.reload(ctx.node):
                ctx.eprint("headscale.service is not active, cannot reload.")
                status = 1
        elif verb in ("restart", "reload-or-restart", "reload"):
            _stop(ctx, u)
            status = _start(ctx, u) or status
        elif verb == "is-active":
            svc = _service(ctx, u)
            state = hsunit.state_of(svc) if u == "headscale" else ("active" if svc is not None and svc.running
                                                                   else "failed" if svc is not None and svc.unit_failed_at
                                                                                           is not None
                                                                   else "inactive")
            ctx.print({"auto-restart": "activating"}.get(state, state))
            status = status or (0 if state == "active" else 3)
        elif verb == "status":
            status = max(status, _status(ctx, u))
    return status


def _status(ctx: Context, unit: str) -> int:
    desc, path, docs, cmd = UNITS[unit]
    svc = _service(ctx, unit)
    epoch = ctx.lab.epoch
    pid = svc.main_pid if isinstance(svc, Headscale) else 400 + sum(map(ord, unit)) % 500
    from simnet.commands.units import is_enabled

    enabled = "enabled" if is_enabled(ctx, unit) else "disabled"
    lines = [f"\u25cf {unit}.service - {desc}",
             f"     Loaded: loaded ({path}; {enabled}; preset: enabled)"]
    if svc is None or not svc.running:
        if unit == "headscale" and svc is not None and hsunit.state_of(svc) != "inactive":
            active, *rest = hsunit.status_lines(svc, lambda t: _since(ctx, t))
            lines += [active, f"       Docs: {docs}"] + rest + [""]
            lines[0] = lines[0].replace("\u25cf", "\u00d7") if hsunit.state_of(svc) == "failed" else lines[0]
            lines += [_journal_line(ctx, t, text) for t, text in entries(ctx.node, unit)[-10:]]
            ctx.print("\n".join(lines))
            return 3
        failed_at = svc.unit_failed_at if unit == "tailscaled" and svc is not None else None
        if failed_at is not None:
            lines[0] = lines[0].replace("\u25cf", "\u00d7")
            lines += [f"     Active: failed (Result: exit-code) since {_since(ctx, failed_at)}", f"       Docs: {docs}",
                      f"    Process: {402 + sum(map(ord, unit)) % 500} ExecStart={cmd} (code=exited, "
                      "status=1/FAILURE)",
                      f"   Main PID: {404 + sum(map(ord, unit)) % 500} (code=exited, status=1/FAILURE)",
                      "        CPU: 61ms", ""]
            lines += [_journal_line(ctx, t, text) for t, text in entries(ctx.node, unit)[-10:]]
            ctx.print("\n".join(lines))
            return 3
        lines.append("     Active: inactive (dead)")
        lines.append(f"       Docs: {docs}")
        ctx.print("\n".join(lines))
        return 3
    since = datetime.fromtimestamp(epoch + svc.started_at, timezone.utc)
    ago = ctx.lab.sim.now - svc.started_at
    ago_txt = f"{int(ago)}s ago" if ago < 60 else f"{int(ago // 60)}min ago"
    lines.append(f"     Active: active (running) since {since.strftime('%a %Y-%m-%d %H:%M:%S')} UTC; {ago_txt}")
    lines.append(f"       Docs: {docs}")
    lines.append(f"   Main PID: {pid} ({unit})")
    if unit == "tailscaled":
        me = svc.me
        state = svc.state
        text = (f"Connected; {svc.server.user_of(me).login}; {me.ipv4} {me.ipv6}"
                if state == "Running" and me is not None and svc.server is not None else
                "Stopped" if state == "Stopped" else "Needs login: " + (svc.auth_url or ""))
        lines.append(f'     Status: "{text}"')
    lines += ["      Tasks: 9 (limit: 4915)", "     Memory: 28.4M", "        CPU: 1.204s",
              f"     CGroup: /system.slice/{unit}.service",
              f"             \u2514\u2500{pid} {cmd}"]
    ctx.print("\n".join(lines))
    return 0


def _since(ctx: Context, t: float) -> str:
    epoch = ctx.lab.epoch
    stamp = datetime.fromtimestamp(epoch + t, timezone.utc).strftime("%a %Y-%m-%d %H:%M:%S UTC")
    ago = ctx.lab.sim.now - t
    return f"{stamp}; {int(ago)}s ago" if ago < 60 else (
        f"{stamp}; {int(ago // 60)}min ago" if ago < 3600 else f"{stamp}; {int(ago // 3600)}h ago")


def _daemon(ctx: Context, verb: str, opts: list[str], d: TcpDaemon) -> int:
    """systemctl for the small TCP daemons (ssh.service, pveproxy.service)."""
    if verb in ("start", "restart", "reload-or-restart", "reload") or (verb == "enable" and "--now" in opts):
        if verb != "start" and verb != "enable":
            d.stop()
        if d.start() is not None:          # its port is taken: the daemon exits with an error
            ctx.eprint(f"Job for {d.unit}.service failed because the control process exited with error code.\n"
                       f'See "systemctl status {d.unit}.service" and "journalctl -xeu {d.unit}.service" '
                       "for details.")
            return 1
    elif verb == "stop" or (verb == "disable" and "--now" in opts):
        d.stop()
    elif verb == "is-active":
        ctx.print("active" if d.running else "inactive")
        return 0 if d.running else 3
    elif verb == "status":
        return _daemon_status(ctx, d)
    return 0


def _daemon_status(ctx: Context, d: TcpDaemon) -> int:
    from simnet.commands.units import is_enabled

    enabled = "enabled" if is_enabled(ctx, d.unit) else "disabled"
    lines = [f"\u25cf {d.unit}.service - {d.description}",
             f"     Loaded: loaded (/lib/systemd/system/{d.unit}.service; {enabled}; preset: enabled)"]
    docs = [f"       Docs: {d.docs}"] if d.docs else []
    if not d.running:
        active = f"failed (Result: exit-code) since {_since(ctx, d.started_at)}" if d.failed else "inactive (dead)"
        ctx.print("\n".join(lines + [f"     Active: {active}"] + docs))
        return 3
    lines.append(f"     Active: active (running) since {_since(ctx, d.started_at)}")
    lines += docs
    if d.unit == "pveproxy":
        lines += [f"    Process: {d.pid - 3} ExecStartPre=/usr/bin/pvecm updatecerts --silent (code=exited, "
                  "status=0/SUCCESS)",
                  f"    Process: {d.pid - 1} ExecStart=/usr/bin/pveproxy start (code=exited, status=0/SUCCESS)"]
    lines += [f"   Main PID: {d.pid} ({d.process})",
              f"      Tasks: {len(d.cgroup())} (limit: 4915)",
              "     Memory: 5.3M" if d.unit == "ssh" else "     Memory: 165.4M",
              "        CPU: 62ms" if d.unit == "ssh" else "        CPU: 2.113s",
              f"     CGroup: /system.slice/{d.unit}.service"]
    lines += ["             " + row for row in d.cgroup()]
    ctx.print("\n".join(lines))
    return 0


def _journal_line(ctx: Context, t: float, text: str) -> str:
    epoch = ctx.lab.epoch
    stamp = datetime.fromtimestamp(epoch + t, timezone.utc).strftime("%b %d %H:%M:%S")
    return f"{stamp} {ctx.node.hostname} {text}"
