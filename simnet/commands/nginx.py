"""``nginx -t/-T/-v/-s`` and what ``systemctl start|stop|reload|restart|status nginx`` does.

Texts follow nginx 1.22 and systemd 252 on Debian 12.
"""
from __future__ import annotations

from datetime import datetime, timezone

from simnet.commands.base import Context
from simnet.services.nginx import NGINX_VERSION, Nginx, check, nginx_of
from simnet.services.nginx_conf import MAIN_CONF
from simnet.services.road import road_of

__all__ = ["main", "systemctl_nginx"]

DESCRIPTION = "A high performance web server and a reverse proxy server"
TEST_OK = (f"nginx: the configuration file {MAIN_CONF} syntax is ok\n"
           f"nginx: configuration file {MAIN_CONF} test is successful")
TEST_FAILED = f"nginx: configuration file {MAIN_CONF} test failed"
JOB_FAILED = ('Job for nginx.service failed because the control process exited with error code.\n'
              'See "systemctl status nginx.service" and "journalctl -xeu nginx.service" for details.')


def _svc(ctx: Context) -> Nginx:
    road = road_of(ctx.lab)               # DNS, certificates and timers exist before nginx reads its files
    if road is not None and ctx.node.services.get("headscale") is not None:
        from simnet.services.road import bind_headscale

        bind_headscale(ctx.node)
    svc = nginx_of(ctx.node, create=True)
    assert svc is not None
    return svc


def main(ctx: Context) -> int:
    args = ctx.args
    svc = _svc(ctx)
    if not args:
        if svc.running:
            for _ in range(5):
                ctx.eprint("nginx: [emerg] bind() to 0.0.0.0:80 failed (98: Address already in use)")
            ctx.eprint("nginx: [emerg] still could not bind()")
            return 1
        error = svc.start()
        if error:
            ctx.eprint(f"nginx: [emerg] {error}")
            return 1
        return 0
    flag = args[0]
    if flag in ("-v",):
        ctx.eprint(f"nginx version: nginx/{NGINX_VERSION}")
        return 0
    if flag == "-V":
        ctx.eprint(f"nginx version: nginx/{NGINX_VERSION}\nbuilt with OpenSSL 3.0.15 3 Sep 2024\n"
                   "TLS SNI support enabled\nconfigure arguments: --with-cc-opt='-g -O2' --prefix=/usr/share/nginx "
                   "--conf-path=/etc/nginx/nginx.conf --with-http_ssl_module --with-http_v2_module")
        return 0
    if flag in ("-t", "-T", "-tq", "-qt") or (flag == "-q" and "-t" in args):
        config, error = check(ctx.node)
        quiet = "q" in flag or "-q" in args
        if error is not None:
            ctx.eprint(f"nginx: [emerg] {error}")
            ctx.eprint(TEST_FAILED)
            return 1
        if not quiet:
            ctx.eprint(TEST_OK)
        if flag == "-T" and config is not None:
            from simnet.services.nginx import enabled_sites

            links = enabled_sites(ctx.node)
            for shown in config.files:
                real = links.get(shown, shown)
                ctx.print(f"# configuration file {shown}:")
                ctx.print(ctx.node.files.get(real, "").rstrip("\n"))
                ctx.print()
        return 0
    if flag == "-s":
        if len(args) < 2:
            ctx.eprint('nginx: option "-s" requires parameter')
            return 1
        signal = args[1]
        if signal not in ("stop", "quit", "reopen", "reload"):
            ctx.eprint(f'nginx: invalid option: "-s {signal}"')
            return 1
        if not svc.running:
            ctx.eprint('nginx: [error] open() "/run/nginx.pid" failed (2: No such file or directory)')
            return 1
        if signal in ("stop", "quit"):
            svc.stop()
        elif signal == "reload":
            error = svc.reload()
            if error:
                _journal_error(ctx, svc, error)
        return 0
    ctx.eprint(f'nginx: invalid option: "{flag.lstrip("-")}"')
    return 1


def _log(ctx: Context, text: str, ident: str = "systemd[1]") -> None:
    road = road_of(ctx.lab)
    if road is not None:
        road.log(ctx.node, "nginx", text, ident=ident)


def _journal_error(ctx: Context, svc: Nginx, error: str) -> None:
    _log(ctx, f"nginx: [emerg] {error}", ident=f"nginx[{svc.pid}]")


def systemctl_nginx(ctx: Context, verb: str, opts: list[str]) -> int:
    """``systemctl VERB nginx`` (called from simnet.commands.systemctl)."""
    svc = _svc(ctx)
    if verb in ("start",) or (verb == "enable" and "--now" in opts):
        return _start(ctx, svc)
    if verb == "stop" or (verb == "disable" and "--now" in opts):
        if svc.running:
            _log(ctx, f"Stopping nginx.service - {DESCRIPTION}...")
            svc.stop()
            _log(ctx, "nginx.service: Deactivated successfully.")
            _log(ctx, f"Stopped nginx.service - {DESCRIPTION}.")
        return 0
    if verb in ("restart", "reload-or-restart") and not (verb == "reload-or-restart" and svc.running):
        if svc.running:
            _log(ctx, f"Stopping nginx.service - {DESCRIPTION}...")
            svc.stop()
            _log(ctx, f"Stopped nginx.service - {DESCRIPTION}.")
        return _start(ctx, svc)
    if verb in ("reload", "reload-or-restart"):
        if not svc.running:
            ctx.eprint("nginx.service is not active, cannot reload.")
            return 1
        _log(ctx, f"Reloading nginx.service - {DESCRIPTION}...")
        error = svc.reload()
        if error is not None:
            _log(ctx, f"nginx: [emerg] {error}", ident=f"nginx[{svc.pid + 10}]")
            _log(ctx, "nginx.service: Control process exited, code=exited, status=1/FAILURE")
            _log(ctx, f"Reload failed for nginx.service - {DESCRIPTION}.")
            ctx.eprint(JOB_FAILED)
            return 1
        _log(ctx, f"Reloaded nginx.service - {DESCRIPTION}.")
        return 0
    if verb == "is-active":
        ctx.print("active" if svc.running else ("failed" if svc.failed else "inactive"))
        return 0 if svc.running else 3
    if verb == "is-enabled":
        ctx.print("enabled")
        return 0
    if verb == "status":
        return _status(ctx, svc)
    if verb in ("enable", "disable"):
        ctx.eprint("Synchronizing state of nginx.service with SysV service script with "
                   f"/lib/systemd/systemd-sysv-install.\nExecuting: /lib/systemd/systemd-sysv-install {verb} nginx")
        return 0
    return 0


def _start(ctx: Context, svc: Nginx) -> int:
    if svc.running:
        return 0
    _log(ctx, f"Starting nginx.service - {DESCRIPTION}...")
    error = svc.start()
    if error is not None:
        _log(ctx, f"nginx: [emerg] {error}", ident=f"nginx[{svc.pid + 1}]")
        _log(ctx, TEST_FAILED, ident=f"nginx[{svc.pid + 1}]")
        _log(ctx, "nginx.service: Control process exited, code=exited, status=1/FAILURE")
        _log(ctx, "nginx.service: Failed with result 'exit-code'.")
        _log(ctx, f"Failed to start nginx.service - {DESCRIPTION}.")
        svc.failed_at = ctx.lab.sim.now
        ctx.eprint(JOB_FAILED)
        return 1
    _log(ctx, f"Started nginx.service - {DESCRIPTION}.")
    return 0


def _status(ctx: Context, svc: Nginx) -> int:
    epoch = ctx.lab.epoch

    def since(t: float) -> str:
        stamp = datetime.fromtimestamp(epoch + t, timezone.utc).strftime("%a %Y-%m-%d %H:%M:%S UTC")
        ago = ctx.lab.sim.now - t
        return f"{stamp}; {int(ago)}s ago" if ago < 60 else (
            f"{stamp}; {int(ago // 60)}min ago" if ago < 3600 else f"{stamp}; {int(ago // 3600)}h ago")
    mark = "\u25cf" if svc.running or not svc.failed else "\u00d7"
    lines = [f"{mark} nginx.service - {DESCRIPTION}",
             "     Loaded: loaded (/lib/systemd/system/nginx.service; enabled; preset: enabled)"]
    if svc.running:
        lines += [f"     Active: active (running) since {since(svc.started_at)}",
                  "       Docs: man:nginx(8)",
                  f"    Process: {svc.pid - 2} ExecStartPre=/usr/sbin/nginx -t -q -g daemon on; master_process on; "
                  "(code=exited, status=0/SUCCESS)",
                  f"    Process: {svc.pid - 1} ExecStart=/usr/sbin/nginx -g daemon on; master_process on; "
                  "(code=exited, status=0/SUCCESS)",
                  f"   Main PID: {svc.pid} (nginx)",
                  "      Tasks: 3 (limit: 2306)", "     Memory: 3.9M", "        CPU: 41ms",
                  "     CGroup: /system.slice/nginx.service",
                  f'             \u251c\u2500{svc.pid} "nginx: master process /usr/sbin/nginx -g daemon on; '
                  'master_process on;"',
                  f'             \u251c\u2500{svc.pid + 1} "nginx: worker process"',
                  f'             \u2514\u2500{svc.pid + 2} "nginx: worker process"']
    elif svc.failed:
        t = svc.failed_at if svc.failed_at is not None else ctx.lab.sim.now
        lines += [f"     Active: failed (Result: exit-code) since {since(t)}",
                  "       Docs: man:nginx(8)",
                  f"    Process: {svc.pid + 1} ExecStartPre=/usr/sbin/nginx -t -q -g daemon on; master_process on; "
                  "(code=exited, status=1/FAILURE)",
                  "        CPU: 12ms"]
    else:
        lines += ["     Active: inactive (dead)", "       Docs: man:nginx(8)"]
    from simnet.services.journal import entries

    tail = [_journal_line(ctx, t, text) for t, text in entries(ctx.node, "nginx")][-10:]
    if tail:
        lines.append("")
        lines += tail
    ctx.print("\n".join(lines))
    return 0 if svc.running else 3


def _journal_line(ctx: Context, t: float, text: str) -> str:
    epoch = ctx.lab.epoch
    stamp = datetime.fromtimestamp(epoch + t, timezone.utc).strftime("%b %d %H:%M:%S")
    return f"{stamp} {ctx.node.hostname} {text}"
