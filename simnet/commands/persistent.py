"""``netfilter-persistent`` (Debian's netfilter-persistent 1.0.20, installed with
iptables-persistent): the main script runs its plugins with ``run-parts -v -a VERB``, which
names each one on stderr; iptables-persistent brings two of them.

- 15-ip4tables: ``save`` writes ``iptables-save`` into /etc/iptables/rules.v4; ``start``
  (also ``reload``, ``restart``, and the boot, :mod:`simnet.boot`) test-loads the file
  (``IPTABLES_TEST_RULESET=yes`` in /etc/default/netfilter-persistent) and then loads it with
  ``iptables-restore``; ``flush`` sets the built-in chains to ACCEPT and empties every table.
- 25-ip6tables: the same with ``ip6tables-save``/``ip6tables-restore`` and rules.v6. Without
  rules.v6 its ``load_rules`` warns but still tries the test load (it lacks 15-ip4tables'
  ``return``), so dash's "cannot open" and the failed-test message follow the warning.

Only ``save`` writes a rules file: what a learner edited by hand stays as it is.
"""
from __future__ import annotations

from simnet.commands.base import Context

__all__ = ["main", "save_rules", "systemctl_unit"]

PLUGINS = "/usr/share/netfilter-persistent/plugins.d"
RULES_V4 = "/etc/iptables/rules.v4"
RULES_V6 = "/etc/iptables/rules.v6"
SELF = "/usr/sbin/netfilter-persistent"
# plugin → (the tool's name, its rules file, the family's name in the messages)
PLUGIN_TOOLS = {"15-ip4tables": ("iptables", RULES_V4, "IPv4"), "25-ip6tables": ("ip6tables", RULES_V6, "IPv6")}


def _sh(ctx: Context, command: str):
    from simnet.commands.shell import run_line

    return run_line(ctx.node, ctx.lab, command, {"PWD": "/root"})


def _relay(ctx: Context, res) -> None:
    if res.stdout:
        ctx.print(res.stdout, end="")
    if res.stderr:
        ctx.err.append(res.stderr)


def save_rules(ctx: Context, private: bool = True) -> int:
    """iptables-save > rules.v4, ip6tables-save > rules.v6: the plugins' save_rules (``private``:
    chmod 0640) or iptables-persistent's postinst (a plain redirection: 0644)."""
    status = 0
    for tool, path, _ in PLUGIN_TOOLS.values():
        status |= _save(ctx, tool, path, private)
    return status


def _save(ctx: Context, tool: str, path: str, private: bool = True) -> int:
    ctx.node.fs.dirs.add("/etc/iptables")
    res = _sh(ctx, f"{tool}-save")
    ctx.node.write_file(path, res.stdout)
    if private:
        ctx.node.fs.modes[path] = 0o640      # touch; chmod 0640 (the rules are not world-readable)
    else:
        ctx.node.fs.modes.pop(path, None)
    if res.stderr:
        ctx.err.append(res.stderr)
    return 0 if res.returncode == 0 else 1


def _load(ctx: Context, plugin: str) -> None:
    """load_rules: warn without a file, test-load it, load it only if the test passed."""
    tool, path, family = PLUGIN_TOOLS[plugin]
    if path not in ctx.node.files:
        ctx.print(f"Warning: skipping {family} (no rules to load)")
        if plugin == "15-ip4tables":
            return
        # 25-ip6tables goes on to ``ip6tables-restore --test < rules.v6`` (its line 39)
        ctx.eprint(f"{PLUGINS}/{plugin}: 39: cannot open {path}: No such file")
        ctx.print(f"Error: {family} rules failed test load. New rules NOT loaded")
        return
    test = _sh(ctx, f"{tool}-restore --test < {path}")
    _relay(ctx, test)
    if test.returncode != 0:
        ctx.print(f"Error: {family} rules failed test load. New rules NOT loaded")
        return
    _relay(ctx, _sh(ctx, f"{tool}-restore < {path}"))


def _flush(ctx: Context, tool: str) -> None:
    """flush_rules: for every table ``*-save`` lists, the built-in chains' policies to ACCEPT,
    then ``-F``, ``-Z``, ``-X``."""
    dump = _sh(ctx, f"{tool}-save").stdout
    tables = [line[1:] for line in dump.splitlines() if line.startswith("*")]
    for table in tables:
        chains = _sh(ctx, f"{tool}-save -t {table}").stdout
        for line in chains.splitlines():
            parts = line[1:].split()
            if line.startswith(":") and len(parts) >= 2 and parts[0].isupper() and parts[1] != "-":
                _relay(ctx, _sh(ctx, f"{tool} -t {table} -P {parts[0]} ACCEPT"))
        for opt in ("-F", "-Z", "-X"):
            _relay(ctx, _sh(ctx, f"{tool} -t {table} {opt}"))


def _installed(node) -> bool:
    from simnet.commands.apt import installed

    return installed(node, "netfilter-persistent")


def main(ctx: Context) -> int:
    """The main script: ``start|save|flush`` run the plugins, ``reload|restart`` start them;
    ``stop`` only says that flushing is off (FLUSH_ON_STOP=0); anything else prints its usage."""
    verb = ctx.args[0] if ctx.args else ""
    verb = {"reload": "start", "restart": "start"}.get(verb, verb)
    if verb == "stop":
        ctx.print(f"Automatic flush disabled; use '{SELF} flush'")
        return 0
    if verb not in ("start", "save", "flush"):
        ctx.print(f"Usage: {SELF} (start|stop|restart|reload|flush|save)")
        return 0
    for plugin, (tool, path, _) in PLUGIN_TOOLS.items():
        ctx.eprint(f"run-parts: executing {PLUGINS}/{plugin} {verb}")
        if verb == "save":
            _save(ctx, tool, path)
        elif verb == "start":
            _load(ctx, plugin)
        else:
            _flush(ctx, tool)
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
        _sh(ctx, "netfilter-persistent start")          # its output goes to the journal
        return 0
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
