"""``netfilter-persistent`` (Debian's netfilter-persistent 1.0.20, installed with
iptables-persistent): ``save`` writes ``iptables-save`` into /etc/iptables/rules.v4 (and
rules.v6), ``start``/``reload`` load them with ``iptables-restore`` – which is what the boot
does (:mod:`simnet.boot`), ``flush`` empties the rules. Its plugins run under ``run-parts -v``,
which names each one on stderr."""
from __future__ import annotations

from simnet.commands.base import Context

__all__ = ["main", "save_rules", "load_rules", "systemctl_unit"]

PLUGINS = "/usr/share/netfilter-persistent/plugins.d"
RULES_V4 = "/etc/iptables/rules.v4"
RULES_V6 = "/etc/iptables/rules.v6"


def _sh(ctx: Context, command: str):
    from simnet.commands.shell import run_line

    return run_line(ctx.node, ctx.lab, command, {"PWD": "/root"})


def save_rules(ctx: Context) -> int:
    """iptables-save > rules.v4, ip6tables-save > rules.v6 (the 15-ip4tables/25-ip6tables plugins)."""
    node = ctx.node
    node.fs.dirs.add("/etc/iptables")
    v4 = _sh(ctx, "iptables-save")
    node.write_file(RULES_V4, v4.stdout)
    v6 = _sh(ctx, "ip6tables-save")
    node.write_file(RULES_V6, v6.stdout if v6.returncode == 0 else "")
    return 0 if v4.returncode == 0 else 1


def load_rules(ctx: Context) -> int:
    """iptables-restore < rules.v4 (nothing to do without the file)."""
    from simnet.commands.registry import lookup

    text = ctx.node.files.get(RULES_V4)
    if text is None:
        return 0
    if lookup("iptables-restore") is not None:
        res = _sh(ctx, f"iptables-restore < {RULES_V4}")
        ctx.err.append(res.stderr)
        return res.returncode
    return _restore_by_hand(ctx, text)


def _restore_by_hand(ctx: Context, text: str) -> int:
    """iptables-restore's effect, line by line, where simnet has no iptables-restore."""
    table = "filter"
    status = 0
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or line == "COMMIT":
            continue
        if line.startswith("*"):
            table = line[1:]
            _sh(ctx, f"iptables -t {table} -F")
            continue
        if line.startswith(":"):
            chain, policy = (line[1:].split() + ["-"])[:2]
            if policy == "-":
                _sh(ctx, f"iptables -t {table} -N {chain}")
            else:
                _sh(ctx, f"iptables -t {table} -P {chain} {policy}")
            continue
        res = _sh(ctx, f"iptables -t {table} {line}")
        if res.returncode != 0:
            ctx.err.append(res.stderr)
            status = 1
    return status


def _flush(ctx: Context) -> int:
    for table in ("filter", "nat", "mangle", "raw"):
        _sh(ctx, f"iptables -t {table} -F")
        _sh(ctx, f"iptables -t {table} -X")
    for chain in ("INPUT", "FORWARD", "OUTPUT"):
        _sh(ctx, f"iptables -P {chain} ACCEPT")
    return 0


def _installed(node) -> bool:
    from simnet.commands.apt import installed

    return installed(node, "netfilter-persistent")


def main(ctx: Context) -> int:
    args = ctx.args
    if len(args) != 1 or args[0] not in ("start", "restart", "reload", "force-reload", "save", "flush", "stop"):
        ctx.eprint("Usage: /usr/sbin/netfilter-persistent {start|restart|reload|force-reload|save|flush}")
        return 1
    verb = {"restart": "start", "reload": "start", "force-reload": "start"}.get(args[0], args[0])
    if verb == "stop":
        ctx.eprint("Automatic flushing disabled, use \"flush\" instead of \"stop\"")
        return 0
    for plugin in ("15-ip4tables", "25-ip6tables"):
        ctx.eprint(f"run-parts: executing {PLUGINS}/{plugin} {verb}")
        if plugin == "15-ip4tables":
            if verb == "save":
                save_rules(ctx)
            elif verb == "start":
                load_rules(ctx)
            else:
                _flush(ctx)
    return 0


main.installed = _installed      # type: ignore[attr-defined]  # the shell says "command not found" before


def systemctl_unit(ctx: Context, verb: str) -> int:
    """``systemctl start|restart|status netfilter-persistent`` (a oneshot unit)."""
    from simnet.commands.apt import installed
    from simnet.commands.units import is_enabled

    if not installed(ctx.node, "netfilter-persistent"):
        if verb == "status":
            ctx.eprint("Unit netfilter-persistent.service could not be found.")
            return 4
        ctx.eprint(f"Failed to {verb} netfilter-persistent.service: Unit netfilter-persistent.service not found.")
        return 5
    if verb in ("start", "restart", "reload", "reload-or-restart"):
        return load_rules(ctx)
    if verb == "status":
        enabled = "enabled" if is_enabled(ctx, "netfilter-persistent") else "disabled"
        ctx.print("\u25cf netfilter-persistent.service - netfilter persistent configuration\n"
                  f"     Loaded: loaded (/lib/systemd/system/netfilter-persistent.service; {enabled}; preset: enabled)\n"
                  "    Drop-In: /usr/lib/systemd/system/netfilter-persistent.service.d\n"
                  "             \u2514\u2500iptables.conf\n"
                  "     Active: active (exited)\n"
                  "       Docs: man:netfilter-persistent(8)")
        return 0
    if verb == "is-active":
        ctx.print("active")
        return 0
    return 0
