"""``dnsmasq`` by hand and ``systemctl … dnsmasq`` (Debian 12's dnsmasq 2.90 package).

By hand, dnsmasq reads /etc/dnsmasq.conf (or ``-C FILE``) plus long options on
the command line and goes to the background; ``--test`` only checks. Its
errors start with an empty line: ``\\ndnsmasq: bad option at line 2 of
/etc/dnsmasq.conf`` (exit 1; a missing file: exit 3). The unit reads
/etc/dnsmasq.d too (the package's ``-7 /etc/dnsmasq.d,.dpkg-dist,…``); a broken
file fails the start with systemd's "Job for dnsmasq.service failed".
"""
from __future__ import annotations

from simnet.commands.base import Context
from simnet.services.dnsmasq import Dnsmasq, dnsmasq_of
from simnet.services.dnsmasq_conf import Config, ConfError, load, parse
from simnet.services.journal import entries, log

__all__ = ["main", "systemctl_dnsmasq"]

UNIT = "dnsmasq.service - dnsmasq - A lightweight DHCP and caching DNS server"
CMDLINE = ("/usr/sbin/dnsmasq -x /run/dnsmasq/dnsmasq.pid -u dnsmasq -7 /etc/dnsmasq.d,.dpkg-dist,.dpkg-old,"
           ".dpkg-new --local-service --trust-anchor=.,20326,8,2,e06d44b80b8f1d39a95c0b0d7c65d08458e880409bbc6834571"
           "02042e2e9ca2dc")


def _fail(ctx: Context, text: str, code: int) -> int:
    ctx.eprint(f"\ndnsmasq: {text}")
    return code


def main(ctx: Context) -> int:
    path = "/etc/dnsmasq.conf"
    test = False
    extra: list[str] = []
    args = list(ctx.args)
    while args:
        a = args.pop(0)
        if a in ("-C", "--conf-file"):
            if not args:
                return _fail(ctx, "missing parameter", 1)
            path = ctx.abspath(args.pop(0))
        elif a.startswith("--conf-file="):
            path = ctx.abspath(a.split("=", 1)[1])
        elif a == "--test":
            test = True
        elif a in ("-d", "--no-daemon", "-k", "--keep-in-foreground"):
            continue
        elif a in ("-v", "--version"):
            ctx.print(f"Dnsmasq version 2.90  Copyright (c) 2000-2024 Simon Kelley")
            return 0
        elif a.startswith("--"):
            extra.append(a[2:])
        else:
            return _fail(ctx, f"bad command line options: try --help", 1)
    try:
        conf = load(ctx.node, path) if path in ctx.node.files or not extra else Config()
        parse("\n".join(extra), "command line", conf)
    except ConfError as exc:
        return _fail(ctx, str(exc).replace(" at line 1 of command line", ""), 3 if "cannot read" in str(exc) else 1)
    if test:
        ctx.eprint("dnsmasq: syntax check OK.")
        return 0
    running = dnsmasq_of(ctx.node)
    if running is not None:
        what = ("failed to create listening socket for port 53: Address already in use" if conf.port
                else "failed to bind DHCP server socket: Address already in use")
        return _fail(ctx, what, 2)
    _start(ctx, conf)
    return 0


def _start(ctx: Context, conf: Config) -> Dnsmasq:
    daemon = Dnsmasq(ctx.node, conf)
    ctx.node.services["dnsmasq"] = daemon
    daemon.start()
    return daemon


def systemctl_dnsmasq(ctx: Context, verb: str, opts: list[str]) -> int:
    node = ctx.node
    running = dnsmasq_of(node)
    if verb in ("stop", "restart", "reload-or-restart", "force-reload") or (verb == "disable" and "--now" in opts):
        if running is not None:
            log(node, "dnsmasq", f"Stopping {UNIT}...")
            running.stop()
            log(node, "dnsmasq", f"{UNIT.split(' - ')[0]}: Deactivated successfully.")
            log(node, "dnsmasq", f"Stopped {UNIT}.")
        if verb in ("stop", "disable"):
            return 0
    if verb == "reload" and running is not None:          # SIGHUP: /etc/hosts and the lease file again
        if running.dns is not None:
            running.dns.reload()
        return 0
    if verb in ("start", "restart", "reload-or-restart", "force-reload", "reload") or \
            (verb == "enable" and "--now" in opts):
        if dnsmasq_of(node) is not None:
            return 0
        log(node, "dnsmasq", f"Starting {UNIT}...")
        try:
            conf = load(node, with_dir=True)
        except ConfError as exc:
            log(node, "dnsmasq", f"dnsmasq: {exc}", ident="dnsmasq[%d]" % (600 + len(node.history)))
            log(node, "dnsmasq", "dnsmasq.service: Control process exited, code=exited, status=1/FAILURE")
            log(node, "dnsmasq", "dnsmasq.service: Failed with result 'exit-code'.")
            log(node, "dnsmasq", f"Failed to start {UNIT}.")
            node.services["dnsmasq-failed"] = ctx.sim.now
            ctx.eprint('Job for dnsmasq.service failed because the control process exited with error code.\n'
                       'See "systemctl status dnsmasq.service" and "journalctl -xeu dnsmasq.service" for details.')
            return 1
        node.services.pop("dnsmasq-failed", None)
        _start(ctx, conf)
        log(node, "dnsmasq", f"Started {UNIT}.")
        return 0
    if verb == "is-active":
        state = "active" if running is not None else ("failed" if "dnsmasq-failed" in node.services else "inactive")
        ctx.print(state)
        return 0 if running is not None else 3
    if verb == "status":
        return _status(ctx, running)
    return 0


def _status(ctx: Context, running: Dnsmasq | None) -> int:
    from simnet.commands.systemctl import _journal_line, _since

    from simnet.commands.units import is_enabled

    node = ctx.node
    failed = node.services.get("dnsmasq-failed")
    enabled = "enabled" if is_enabled(ctx, "dnsmasq") else "disabled"
    head = [f"{'×' if failed is not None and running is None else '●'} {UNIT}",
            f"     Loaded: loaded (/lib/systemd/system/dnsmasq.service; {enabled}; preset: enabled)"]
    tail = [""] + [_journal_line(ctx, t, text) for t, text in entries(node, "dnsmasq")[-10:]]
    if running is None:
        if failed is not None:
            head.append(f"     Active: failed (Result: exit-code) since {_since(ctx, failed)}")
        else:
            head.append("     Active: inactive (dead)")
        ctx.print("\n".join(head + (tail if len(tail) > 1 else [])))
        return 3
    pid = running.pid
    head += [f"     Active: active (running) since {_since(ctx, running.started_at)}",
             f"    Process: {pid - 6} ExecStartPre=/etc/init.d/dnsmasq checkconfig (code=exited, status=0/SUCCESS)",
             f"    Process: {pid - 1} ExecStart=/etc/init.d/dnsmasq systemd-exec (code=exited, status=0/SUCCESS)",
             f"    Process: {pid + 1} ExecStartPost=/etc/init.d/dnsmasq systemd-start-resolvconf (code=exited, "
             "status=0/SUCCESS)",
             f"   Main PID: {pid} (dnsmasq)", "      Tasks: 1 (limit: 4915)", "     Memory: 1.1M",
             "        CPU: 12ms", "     CGroup: /system.slice/dnsmasq.service",
             f"             └─{pid} {CMDLINE}"]
    ctx.print("\n".join(head + tail))
    return 0
