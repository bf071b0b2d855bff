"""ufw 0.36 (Debian 12): status [verbose|numbered], allow/deny/reject/limit, delete,
enable/disable, default, reset. Every change rewrites ufw's iptables chains
when the firewall is active (see simnet.services.ufw)."""
from __future__ import annotations

from simnet.commands.base import Context
from simnet.services.ufw import APP_PROFILES, Ufw, UfwError, UfwRule, parse_rule_spec, ufw_of

__all__ = ["main"]

PROMPT = "Command may disrupt existing ssh connections. Proceed with operation (y|n)? "
USAGE = """ERROR: Invalid syntax

Usage: ufw COMMAND

Commands:
 enable                          enables the firewall
 disable                         disables the firewall
 default ARG                     set default policy
 logging LEVEL                   set logging to LEVEL
 allow ARGS                      add allow rule
 deny ARGS                       add deny rule
 reject ARGS                     add reject rule
 limit ARGS                      add limit rule
 delete RULE|NUM                 delete RULE
 insert NUM RULE                 insert RULE at NUM
 prepend RULE                    prepend RULE
 route RULE                      add route RULE
 route delete RULE|NUM           delete route RULE
 route insert NUM RULE           insert route RULE at NUM
 reload                          reload firewall
 reset                           reset firewall
 status                          show firewall status
 status numbered                 show firewall status as numbered list of RULES
 status verbose                  show verbose firewall status
 show ARG                        show firewall report
 version                         display version information

Application profile commands:
 app list                        list application profiles
 app info PROFILE                show information on PROFILE
 app update PROFILE              update PROFILE
 app default ARG                 set default application policy
"""


def main(ctx: Context) -> int:
    args = [a for a in ctx.args if a not in ("--force", "--dry-run")]
    force = "--force" in ctx.args
    if not args:
        ctx.eprint(USAGE, end="")
        return 1
    ufw = ufw_of(ctx.node)
    verb, rest = args[0], args[1:]
    try:
        if verb == "status":
            return _status(ctx, ufw, rest[0] if rest else "")
        if verb == "enable":
            if not force:
                ctx.print(PROMPT, end="")
                if not _yes(ctx):
                    ctx.print("Aborted")
                    return 0
            ufw.enabled = True
            ufw.apply(ctx.node)
            ctx.print("Firewall is active and enabled on system startup")
            return 0
        if verb == "disable":
            ufw.enabled = False
            ufw.apply(ctx.node)
            ctx.print("Firewall stopped and disabled on system startup")
            return 0
        if verb == "reload":
            if ufw.enabled:
                ufw.apply(ctx.node)
                ctx.print("Firewall reloaded")
            else:
                ctx.print("Firewall not enabled (skipping reload)")
            return 0
        if verb == "reset":
            if not force:
                ctx.print("Resetting all rules to installed defaults. Proceed with operation (y|n)? ", end="")
                if not _yes(ctx):
                    ctx.print("Aborted")
                    return 0
            fresh = Ufw()
            ctx.node.services["ufw"] = fresh
            fresh.apply(ctx.node)
            ctx.print("Backing up 'user.rules' to '/etc/ufw/user.rules.20260118_100000'")
            return 0
        if verb in ("allow", "deny", "reject", "limit"):
            if rest and rest[0] in ("in", "out"):
                if rest[0] == "out":
                    raise UfwError("ERROR: simnet bildet nur eingehende Regeln (in) nach.")
                rest = rest[1:]
            return _add(ctx, ufw, parse_rule_spec(verb, rest))
        if verb == "delete":
            return _delete(ctx, ufw, rest)
        if verb == "default":
            return _default(ctx, ufw, rest)
        if verb == "logging":
            if not rest or rest[0] not in ("on", "off", "low", "medium", "high", "full"):
                raise UfwError("ERROR: Invalid syntax")
            ufw.logging = "low" if rest[0] == "on" else rest[0]
            ctx.print("Logging enabled" if rest[0] != "off" else "Logging disabled")
            return 0
        if verb == "version":
            ctx.print("ufw 0.36.2\nCopyright 2008-2023 Canonical Ltd.")
            return 0
        if verb == "app" and rest[:1] == ["list"]:
            ctx.print("Available applications:")
            for name in sorted(APP_PROFILES):
                ctx.print(f"  {name}")
            return 0
    except UfwError as exc:
        ctx.eprint(str(exc))
        return 1
    ctx.eprint(USAGE, end="")
    return 1


def _yes(ctx: Context) -> bool:
    """ufw reads one line for its (y|n) question: only y or yes proceeds (Enter alone aborts)."""
    answer = ctx.stdin.split("\n", 1)[0].strip().lower()
    return answer in ("y", "yes")


def _add(ctx: Context, ufw: Ufw, rule: UfwRule) -> int:
    if ufw.find(rule) is not None:
        ctx.print("Skipping adding existing rule")
        ctx.print("Skipping adding existing rule (v6)")
        return 0
    # a rule for the same port with another action is updated in place
    for k, r in enumerate(ufw.rules):
        if (r.port, r.proto, r.app) == (rule.port, rule.proto, rule.app):
            ufw.rules[k] = rule
            if ufw.enabled:
                ufw.apply(ctx.node)
            ctx.print("Rule updated")
            ctx.print("Rule updated (v6)")
            return 0
    ufw.rules.append(rule)
    if ufw.enabled:
        ufw.apply(ctx.node)
    ctx.print("Rule added")
    ctx.print("Rule added (v6)")
    return 0


def _delete(ctx: Context, ufw: Ufw, rest: list[str]) -> int:
    if not rest:
        raise UfwError("ERROR: Invalid syntax")
    if len(rest) == 1 and rest[0].isdigit():
        number = int(rest[0])
        listing = _numbered(ufw)
        if not 1 <= number <= len(listing):
            raise UfwError("ERROR: Could not find rule '%d'" % number)
        rule, v6 = listing[number - 1]
        if "--force" not in ctx.args:
            ctx.print("Deleting:")
            ctx.print(f" {rule.spec}" + (" (v6)" if v6 else ""))
            ctx.print("Proceed with operation (y|n)? ", end="")
            if not _yes(ctx):
                ctx.print("Aborted")
                return 0
        if v6:                       # the IPv4 twin stays
            ctx.print("Rule deleted (v6)")
            rule.v6_deleted = True
            return 0
        ufw.rules.remove(rule)
        if ufw.enabled:
            ufw.apply(ctx.node)
        ctx.print("Rule deleted")
        return 0
    if rest[0] not in ("allow", "deny", "reject", "limit"):
        raise UfwError("ERROR: Invalid syntax")
    rule = parse_rule_spec(rest[0], rest[1:])
    k = ufw.find(rule)
    if k is None:
        ctx.print("Could not delete non-existent rule")
        ctx.print("Could not delete non-existent rule (v6)")
        return 0
    del ufw.rules[k]
    if ufw.enabled:
        ufw.apply(ctx.node)
    ctx.print("Rule deleted")
    ctx.print("Rule deleted (v6)")
    return 0


def _default(ctx: Context, ufw: Ufw, rest: list[str]) -> int:
    if not rest or rest[0] not in ("allow", "deny", "reject"):
        raise UfwError("ERROR: Invalid syntax")
    direction = rest[1] if len(rest) > 1 else "incoming"
    if direction in ("incoming", "in"):
        ufw.default_incoming = rest[0]
        direction = "incoming"
    elif direction in ("outgoing", "out"):
        ufw.default_outgoing = rest[0]
        direction = "outgoing"
    elif direction == "routed":
        ufw.default_routed = rest[0]
    else:
        raise UfwError("ERROR: Invalid syntax")
    if ufw.enabled:
        ufw.apply(ctx.node)
    ctx.print(f"Default {direction} policy changed to '{rest[0]}'")
    ctx.print("(be sure to update your rules accordingly)")
    return 0


def _numbered(ufw: Ufw) -> list[tuple[UfwRule, bool]]:
    v4 = [(r, False) for r in ufw.rules]
    v6 = [(r, True) for r in ufw.rules if not r.v6_deleted]
    return v4 + v6


def _status(ctx: Context, ufw: Ufw, mode: str) -> int:
    if mode not in ("", "verbose", "numbered"):
        raise UfwError("ERROR: Invalid syntax")
    if not ufw.enabled:
        ctx.print("Status: inactive")
        return 0
    ctx.print("Status: active")
    if mode == "verbose":
        ctx.print(f"Logging: on ({ufw.logging})")
        # ufw says "disabled" for routed traffic while the kernel does not forward at all
        routed = ufw.default_routed
        if not ctx.node.sysctl.get_int("net.ipv4.ip_forward"):
            routed = "disabled"
        elif routed == "disabled":
            routed = "deny"              # DEFAULT_FORWARD_POLICY="DROP"
        ctx.print(f"Default: {ufw.default_incoming} (incoming), {ufw.default_outgoing} (outgoing), "
                  f"{routed} (routed)")
        ctx.print("New profiles: skip")
    if not ufw.rules:
        return 0
    ctx.print()
    indent = "     " if mode == "numbered" else ""
    ctx.print(f"{indent}{'To':<27}{'Action':<12}From")
    ctx.print(f"{indent}{'--':<27}{'------':<12}----")
    for k, (rule, v6) in enumerate(_numbered(ufw), 1):
        action = rule.action.upper() + (" IN" if mode in ("verbose", "numbered") else "")
        to = rule.to_text + (" (v6)" if v6 else "")
        if mode == "verbose" and not rule.app:
            to = f"{rule.port}/{rule.proto}" if rule.proto else rule.port
            to += " (v6)" if v6 else ""
        src = "Anywhere (v6)" if v6 else "Anywhere"
        prefix = f"[{k:>2}] " if mode == "numbered" else ""
        ctx.print(f"{prefix}{to:<27}{action:<12}{src}".rstrip())
    ctx.print()
    return 0
