"""``ip rule``: policy routing rules (iproute2 6.1 ip/iprule.c and the kernel's fib_rules.c).

A rule without ``pref`` gets one less than the second rule in the list (so
right above ``0: from all lookup local`` the first time); ``del`` removes the
first rule that matches every attribute given; ``flush`` removes all but the
priority-0 rule; deleting that one is refused with EPERM.
"""
from __future__ import annotations

from ipaddress import IPv4Network, IPv6Network
from typing import TYPE_CHECKING

from simnet.commands.base import Context, UsageError
from simnet.commands.ip_parse import (AF_INET, AF_INET6, AF_UNSPEC, Args, Prefix, _prefix, get_prefix, get_u32,
                                      invarg, matches, proto_name, rtntype_a2n, rtprot_a2n, rttable_a2n)
from simnet.commands.ip_route import family_of
from simnet.kernel.routing import MAIN, Rule, table_name

if TYPE_CHECKING:
    from simnet.commands.ip import Options

__all__ = ["rule", "rule_text"]

RULE_USAGE = """Usage: ip rule { add | del } SELECTOR ACTION
       ip rule { flush | save | restore }
       ip rule [ list [ SELECTOR ]]
SELECTOR := [ not ] [ from PREFIX ] [ to PREFIX ] [ tos TOS ]
            [ fwmark FWMARK[/MASK] ]
            [ iif STRING ] [ oif STRING ] [ pref NUMBER ] [ l3mdev ]
            [ uidrange NUMBER-NUMBER ]
            [ ipproto PROTOCOL ]
            [ sport [ NUMBER | NUMBER-NUMBER ]
            [ dport [ NUMBER | NUMBER-NUMBER ] ]
ACTION := [ table TABLE_ID ]
          [ protocol PROTO ]
          [ nat ADDRESS ]
          [ realms [SRCREALM/]DSTREALM ]
          [ goto NUMBER ]
          SUPPRESSOR
SUPPRESSOR := [ suppress_prefixlength NUMBER ]
              [ suppress_ifgroup DEVGROUP ]
TABLE_ID := [ local | main | default | NUMBER ]"""


def _net(p: Prefix) -> IPv4Network | IPv6Network | None:
    if p.v6 and not p.plen:
        return None             # fib6: a zero-length prefix is no selector ("from all")
    return None if p.any and not p.plen_given else p.network


def _store(ctx: Context, family: str):  # type: ignore[no-untyped-def]
    """Where the rules live: the IPv4 routing tables or the IPv6 FIB (same add/remove API)."""
    return ctx.node.ip6.fib if family == AF_INET6 else ctx.node.routing


def _side(text: str, family: str, which: str) -> Prefix:
    """``from``/``to``: without -6 an IPv6 prefix still goes out (in an AF_INET message) and the
    kernel refuses its length."""
    if family == AF_UNSPEC and ":" in text and _prefix(text, AF_INET6) is not None:
        raise UsageError(f"Error: Invalid {which} address.", 2)
    return get_prefix(text, family)


def rule_text(r: Rule, node, details: bool = False) -> str:
    """print_rule."""
    def net(n: IPv4Network | IPv6Network) -> str:
        return str(n.network_address) if n.prefixlen == n.max_prefixlen else str(n)

    out = f"{r.priority}:\t"
    if r.invert:
        out += "not "
    out += f"from {net(r.src)}" if r.src is not None else "from all"
    if r.dst is not None:
        out += f" to {net(r.dst)}"
    if r.fwmark is not None:
        out += f" fwmark {r.fwmark:#x}" if r.fwmark else " fwmark 0"
        if r.fwmask != 0xFFFFFFFF:
            out += f"/{r.fwmask:#x}" if r.fwmask else "/0"
    if r.iif is not None:
        out += f" iif {r.iif}" + ("" if r.iif in node.interfaces else " [detached]")
    if r.oif is not None:
        out += f" oif {r.oif}" + ("" if r.oif in node.interfaces else " [detached]")
    if r.table and r.action != "goto":
        out += f" lookup {table_name(r.table)}"
        if r.suppress_prefixlength is not None:
            out += f" suppress_prefixlength {r.suppress_prefixlength}"
    if r.action == "goto":
        out += f" goto {r.table}"
    elif r.action != "lookup":
        out += f" {r.action}"
    proto = r.proto
    if proto is None and r.priority in (0, 32766, 32767) and r.src is None and r.fwmark is None \
            and r.action == "lookup" and r.dst is None:
        proto = "kernel"      # the three default rules come from the kernel
    if details or (proto not in (None, "kernel", "unspec")):
        out += f" proto {proto or 'unspec'}"
    return out


def rule(ctx: Context, args: list[str], opts: "Options") -> int:
    if not args:
        return _list(ctx, [], opts, flush=False)
    c, rest = args[0], args[1:]
    if matches(c, "list") or matches(c, "lst") or matches(c, "show"):
        return _list(ctx, rest, opts, flush=False)
    if matches(c, "save"):
        if rest:
            raise UsageError('"ip rule save" does not take any arguments.', 1)
        raise UsageError("Not sending a binary stream to stdout", 255)
    if matches(c, "restore"):
        raise UsageError("Magic mismatch (0 elems, 0 magic)", 255)     # stdin holds no saved rules
    if matches(c, "add"):
        return _modify(ctx, rest, opts, add=True)
    if matches(c, "delete"):
        return _modify(ctx, rest, opts, add=False)
    if matches(c, "flush"):
        return _list(ctx, rest, opts, flush=True)
    if matches(c, "help"):
        raise UsageError(RULE_USAGE, 255)
    raise UsageError(f'Command "{c}" is unknown, try "ip rule help".', 255)


def _ifname(name: str, msg: str) -> str:
    """check_ifname: no slash, no blank, shorter than IFNAMSIZ."""
    if not name or len(name) >= 16 or "/" in name or any(c.isspace() for c in name):
        raise invarg(msg, name)
    return name


def _fwmark(text: str) -> tuple[int, int | None]:
    value, slash, mask = text.partition("/")
    mark = get_u32(value)
    if mark is None:
        raise invarg("fwmark value is invalid\n", value)
    if not slash:
        return mark, None
    m = get_u32(mask)
    if m is None:
        raise invarg("fwmask value is invalid\n", mask)
    return mark, m


def _modify(ctx: Context, args: list[str], opts: "Options", add: bool) -> int:
    if not args:
        raise UsageError(f'"ip rule {"add" if add else "del"}" requires arguments.', 1)
    family = family_of(opts)
    f: dict = {"invert": False}
    a = Args(args)
    while a:
        w = a.cur
        if w == "not":
            f["invert"] = True
        elif w == "from":
            f["src"] = _side(a.next(), family, "source")
        elif w == "to":
            f["dst"] = _side(a.next(), family, "destination")
        elif matches(w, "preference") or matches(w, "order") or matches(w, "priority"):
            v = a.next()
            f["pref"] = get_u32(v)
            if f["pref"] is None:
                raise invarg("preference value is invalid\n", v)
        elif w == "tos" or matches(w, "dsfield"):
            v = a.next()
            if get_u32(v, 16) is None:
                raise invarg("TOS value is invalid\n", v)
        elif w == "fwmark":
            f["fwmark"], f["fwmask"] = _fwmark(a.next())
        elif matches(w, "realms"):
            a.next()
        elif matches(w, "protocol"):
            v = a.next()
            p = rtprot_a2n(v)
            if p is None:
                raise invarg('"protocol" value is invalid\n', v)
            f["proto"] = proto_name(p)
        elif matches(w, "tun_id"):
            v = a.next()
            if get_u32(v) is None:
                raise invarg('"tun_id" value is invalid\n', v)
            f["tun_id"] = v
        elif matches(w, "table") or w == "lookup":
            v = a.next()
            t = rttable_a2n(v)
            if t is None:
                raise invarg("invalid table ID\n", v)
            f["table"] = t
        elif matches(w, "suppress_prefixlength") or w == "sup_pl":
            v = a.next()
            pl = get_u32(v)
            if pl is None or pl > 0x7FFFFFFF:
                raise invarg("suppress_prefixlength value is invalid\n", v)
            f["spl"] = pl
        elif w in ("dev", "iif"):
            f["iif"] = _ifname(a.next(), '"iif"/"dev" not a valid ifname')
        elif w == "oif":
            f["oif"] = _ifname(a.next(), '"oif" not a valid ifname')
        else:
            if w == "type":
                w = a.next()
            if matches(w, "help"):
                raise UsageError(RULE_USAGE, 255)
            if matches(w, "goto"):
                v = a.next()
                target = get_u32(v)
                if target is None:
                    raise invarg("invalid target\n", v)
                f["action"], f["goto"] = "goto", target
            elif matches(w, "nop"):
                f["action"] = "nop"
            else:
                rtype = rtntype_a2n(w)
                if rtype is None:
                    raise invarg("Failed to parse rule type", w)
                f["action"] = "lookup" if rtype == "unicast" else rtype
            f["table_ok"] = True
        a.advance()
    store = _store(ctx, family)
    return _add(ctx, f, store) if add else _del(ctx, f, store)


def _add(ctx: Context, f: dict, routing) -> int:  # type: ignore[no-untyped-def]
    rules = routing.rules
    if "pref" in f:
        pref = f["pref"]
    else:                                    # fib_default_rule_pref
        pref = rules[1].priority - 1 if len(rules) > 1 and rules[1].priority else 0
    action = f.get("action", "lookup")
    table = f.get("table", MAIN if not f.get("table_ok") else 0)
    if action == "goto":
        table = f["goto"]
    if action == "lookup" and table == 0:
        raise UsageError("RTNETLINK answers: Invalid argument", 2)
    mark = f.get("fwmark")
    mask = f.get("fwmask")
    new = Rule(pref, table, action,
               _net(f["src"]) if "src" in f else None, _net(f["dst"]) if "dst" in f else None,
               f.get("iif"), f.get("oif"), mark,
               mask if mask is not None else 0xFFFFFFFF, f["invert"], f.get("spl"), f.get("proto"))
    if any(r == new for r in rules):
        raise UsageError("RTNETLINK answers: File exists", 2)
    routing.add_rule(new)
    ctx.node.custom_rules = True
    return 0


def _del(ctx: Context, f: dict, routing) -> int:  # type: ignore[no-untyped-def]
    """rule_find: every attribute given must match; the others are wildcards."""
    action = f.get("action")
    for r in routing.rules:
        if action is not None and r.action != action:
            continue
        if f.get("table") and r.table != f["table"]:
            continue
        if "pref" in f and r.priority != f["pref"]:
            continue
        if "iif" in f and r.iif != f["iif"]:
            continue
        if "oif" in f and r.oif != f["oif"]:
            continue
        if f.get("fwmark") and r.fwmark != f["fwmark"]:
            continue
        if f.get("fwmask") and r.fwmask != f["fwmask"]:
            continue
        if "spl" in f and r.suppress_prefixlength != f["spl"]:
            continue
        if f.get("proto") not in (None, "unspec") and r.proto != f["proto"]:
            continue
        if "src" in f and f["src"].plen and r.src != _net(f["src"]):
            continue
        if "dst" in f and f["dst"].plen and r.dst != _net(f["dst"]):
            continue
        routing.remove_rule(r)
        ctx.node.custom_rules = True
        return 0
    raise UsageError("RTNETLINK answers: No such file or directory", 2)


def _list(ctx: Context, args: list[str], opts: "Options", flush: bool) -> int:
    family = AF_INET if opts.family != AF_INET6 else AF_INET6
    flt: dict = {}
    a = Args(args)
    while a:
        w = a.cur
        if matches(w, "preference") or matches(w, "order") or matches(w, "priority"):
            v = a.next()
            flt["pref"] = get_u32(v)
            if flt["pref"] is None:
                raise invarg("preference value is invalid\n", v)
        elif w == "not":
            flt["not"] = True
        elif w in ("tos", "dsfield"):
            v = a.next()
            if get_u32(v, 16) is None:
                raise invarg("TOS value is invalid\n", v)
        elif w == "fwmark":
            flt["fwmark"], flt["fwmask"] = _fwmark(a.next())
        elif w in ("dev", "iif"):
            flt["iif"] = _ifname(a.next(), '"iif"/"dev" not a valid ifname')
        elif w == "oif":
            flt["oif"] = _ifname(a.next(), '"oif" not a valid ifname')
        elif matches(w, "tun_id"):
            v = a.next()
            if get_u32(v) is None:
                raise invarg('"tun_id" value is invalid\n', v)
        elif matches(w, "lookup") or matches(w, "table"):
            v = a.next()
            t = rttable_a2n(v)
            if t is None:
                raise invarg("table id value is invalid\n", v)
            flt["table"] = t
        elif matches(w, "from") or matches(w, "src"):
            flt["src"] = get_prefix(a.next(), family)
        elif matches(w, "protocol"):
            v = a.next()
            p = rtprot_a2n(v)
            if p is None and v != "all":
                raise invarg('invalid "protocol"\n', v)
            if p is not None:
                flt["proto"] = proto_name(p)
        else:
            if matches(w, "dst") or matches(w, "to"):
                w = a.next()
            flt["dst"] = get_prefix(w, family)
        a.advance()
    node = ctx.node
    store = _store(ctx, family)      # fib6 starts with two rules (no 32767 for table default)
    for r in list(store.rules):
        if not _shown(r, flt):
            continue
        if flush:
            if r.priority:
                store.remove_rule(r)
            continue
        ctx.print(rule_text(r, node, opts.details))
    return 0


def _shown(r: Rule, flt: dict) -> bool:
    """filter_nlmsg of ip/iprule.c."""
    if "pref" in flt and r.priority != flt["pref"]:
        return False
    if flt.get("not") and not r.invert:
        return False
    for key, value in (("src", r.src), ("dst", r.dst)):
        p = flt.get(key)
        if p is None or (p.any and not p.plen_given):
            continue
        plen = value.prefixlen if value is not None else 0
        if p.plen > plen:
            return False
        bits = value.max_prefixlen if value is not None else 0
        if value is not None and p.plen and int(value.network_address) >> (bits - p.plen) != int(p.addr) >> (bits - p.plen):
            return False
    if flt.get("fwmark") and (r.fwmark or 0) != flt["fwmark"]:
        return False
    if flt.get("fwmask") and (r.fwmask if r.fwmark is not None else 0) != flt["fwmask"]:
        return False
    if "iif" in flt and r.iif != flt["iif"]:
        return False
    if "oif" in flt and r.oif != flt["oif"]:
        return False
    if "proto" in flt and (r.proto or "unspec") != flt["proto"]:
        return False
    if flt.get("table") and r.table != flt["table"]:
        return False
    return True
