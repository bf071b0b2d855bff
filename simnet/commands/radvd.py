"""``radvd`` (2.19) and ``kill PID`` for the daemons simnet runs.

``radvd -c`` checks the configuration and says so on stderr with radvd's log
prefix ``[Mon DD HH:MM:SS] radvd (PID): …``; ``radvd`` alone starts the daemon
in the background (nothing printed, exit 0), a second one finds the pid file
locked and exits 255.
"""
from __future__ import annotations

from datetime import datetime, timezone

from simnet.commands.base import Context
from simnet.services.radvd import Radvd, RadvdConfigError, parse_config, radvd_of

__all__ = ["main", "kill"]

HELP = """usage: radvd 
  -C, --config=PATH       Set the config file.  Default is /etc/radvd.d.
  -c, --configtest        Parse the config file and exit.
  -d, --debug=NUM         Set the debug level.  Values can be 1, 2, 3, 4 or 5.
  -f, --facility=NUM      Set the logging facility.
  -h, --help              Show this help screen.
  -l, --logfile=PATH      Set the log file.
  -m, --logmethod=X       Set method to: syslog, stderr, stderr_syslog, logfile,
                          stderr_clean, or none.
  -n, --nodaemon          Prevent the daemonizing.
  -p, --pidfile=PATH      Set the pid file.
  -t, --chrootdir=PATH    Chroot to the specified path.
  -u, --username=USER     Switch to the specified user.
  -v, --version           Print the version and quit.
"""
VERSION = """Version: 2.19

Compiled in settings:
  default config file		"/etc/radvd.conf"
  default pidfile		"/run/radvd.pid"
  default logfile		"/var/log/radvd.log"
  default syslog facility	24
Please send bug reports or suggestions to Reuben Hawkins <reubenhwk@gmail.com>.
"""
WITH_VALUE = {"-C": "config", "--config": "config", "-p": "pidfile", "--pidfile": "pidfile", "-d": None,
              "--debug": None, "-f": None, "--facility": None, "-l": None, "--logfile": None, "-m": None,
              "--logmethod": None, "-t": None, "--chrootdir": None, "-u": None, "--username": None}


def _log(ctx: Context, pid: int, text: str) -> None:
    stamp = datetime.fromtimestamp(ctx.node.wallclock(), timezone.utc).strftime("%b %d %H:%M:%S")
    ctx.eprint(f"[{stamp}] radvd ({pid}): {text}")


def main(ctx: Context) -> int:
    opts = {"config": "/etc/radvd.conf", "pidfile": "/run/radvd.pid"}
    test = False
    args = list(ctx.args)
    while args:
        a = args.pop(0)
        key, eq, value = a.partition("=")
        if key in WITH_VALUE:
            if not eq:
                if not args:
                    ctx.err.append(HELP)
                    return 1
                value = args.pop(0)
            target = WITH_VALUE[key]
            if target:
                opts[target] = ctx.abspath(value)
        elif a in ("-c", "--configtest"):
            test = True
        elif a in ("-n", "--nodaemon"):
            pass
        elif a in ("-v", "--version"):
            ctx.out.append(VERSION)
            return 0
        else:
            ctx.err.append(HELP)
            return 1 if a not in ("-h", "--help") else 0
    pid = 2000 + sum(map(ord, ctx.node.name)) % 7000 + len(ctx.node.history)
    path = opts["config"]
    try:
        text = ctx.node.read_file(path)
    except (FileNotFoundError, IsADirectoryError, OSError):
        _log(ctx, pid, f"can't open {path}: No such file or directory")
        _log(ctx, pid, "Insecure file permissions, but continuing anyway")
        _log(ctx, pid, "exiting, failed to read config file")
        return 1
    try:
        ifaces = parse_config(text)
    except RadvdConfigError as exc:
        ctx.eprint(f"{path}:{exc.line} error: syntax error")
        if test:
            _log(ctx, pid, "exiting, failed to read config file")
        return 1
    if test:
        _log(ctx, pid, f"config file, {path}, syntax ok")
        return 0
    if radvd_of(ctx.node) is not None:
        return 255               # the pid file is locked by the running daemon
    daemon = Radvd(ctx.node, ifaces, opts["pidfile"])
    ctx.node.services["radvd"] = daemon
    daemon.start()
    return 0


def kill(ctx: Context) -> int:
    """bash's kill builtin, for the pids of simnet's daemons (SIGTERM)."""
    args = [a for a in ctx.args if not (a.startswith("-") and a[1:].isalnum())]
    if not args:
        ctx.eprint("bash: kill: usage: kill [-s sigspec | -n signum | -sigspec] pid | jobspec ... or kill -l [sigspec]")
        return 2
    rc = 0
    for a in args:
        if not a.isdigit():
            ctx.eprint(f"bash: kill: {a}: arguments must be process or job IDs")
            rc = 1
            continue
        daemon = radvd_of(ctx.node)
        if daemon is not None and daemon.pid == int(a):
            daemon.stop()
            continue
        ctx.eprint(f"bash: kill: ({a}) - No such process")
        rc = 1
    return rc


def systemctl_radvd(ctx: Context, verb: str, opts: list[str]) -> int:
    """radvd.service as Debian ships it: ConditionPathExists=/etc/radvd.conf, a config test
    before the start (ExecStartPre=radvd --configtest), then the daemon."""
    node = ctx.node
    running = radvd_of(node)
    if verb in ("stop", "restart", "reload-or-restart", "reload") or (verb == "disable" and "--now" in opts):
        if running is not None:
            running.stop()
        if verb in ("stop", "disable"):
            return 0
    if verb in ("start", "restart", "reload-or-restart", "reload") or (verb == "enable" and "--now" in opts):
        if radvd_of(node) is not None:
            return 0
        try:
            text = node.read_file("/etc/radvd.conf")
        except (FileNotFoundError, IsADirectoryError, OSError):
            return 0                     # the unit's condition fails: nothing starts, nothing is said
        try:
            ifaces = parse_config(text)
        except RadvdConfigError:
            ctx.eprint('Job for radvd.service failed because the control process exited with error code.\n'
                       'See "systemctl status radvd.service" and "journalctl -xeu radvd.service" for details.')
            return 1
        daemon = Radvd(node, ifaces, "/run/radvd.pid")
        node.services["radvd"] = daemon
        daemon.start()
        return 0
    if verb == "is-active":
        ctx.print("active" if running is not None else "inactive")
        return 0 if running is not None else 3
    if verb == "status":
        from simnet.commands.units import is_enabled

        state = "enabled" if is_enabled(ctx, "radvd") else "disabled"
        head = ["\u25cf radvd.service - Router advertisement daemon for IPv6",
                f"     Loaded: loaded (/lib/systemd/system/radvd.service; {state}; preset: enabled)"]
        if running is None:
            ctx.print("\n".join(head + ["     Active: inactive (dead)", "       Docs: man:radvd(8)"]))
            return 3
        since = datetime.fromtimestamp(node.wallclock() - (ctx.sim.now - running.started_at), timezone.utc)
        ago = int(ctx.sim.now - running.started_at)
        ctx.print("\n".join(head + [
            f"     Active: active (running) since {since.strftime('%a %Y-%m-%d %H:%M:%S')} UTC; "
            f"{ago}s ago" if ago < 60 else
            f"     Active: active (running) since {since.strftime('%a %Y-%m-%d %H:%M:%S')} UTC; {ago // 60}min ago",
            "       Docs: man:radvd(8)",
            f"   Main PID: {running.pid} (radvd)",
            f"     CGroup: /system.slice/radvd.service",
            f"             \u2514\u2500{running.pid} /usr/sbin/radvd --logmethod stderr_clean"]))
        return 0
    return 0
