"""``ip address``: add, change, replace, del, flush and show (iproute2 6.1 ip/ipaddress.c).

Arguments are parsed like ipaddr_modify; the kernel half (secondaries,
promotion, routes of an address) lives in :mod:`simnet.kernel.node`.
"""
from __future__ import annotations

from ipaddress import IPv4Address, IPv4Interface, IPv6Interface
from typing import TYPE_CHECKING

from simnet.commands.base import Context, UsageError
from simnet.commands.ip_color import INET, INET6, paint
from simnet.commands.ip_color import IFNAME, state
from simnet.commands.ip_link import (ADDR_FLAGS, ADDR_USAGE, brief_name_state, details, link, link_flags, link_header, link_line,
                                     link_name, select, stats)
from simnet.commands.ip_parse import (AF_INET, AF_INET6, Args, duparg, duparg2, get_addr, get_prefix, get_u32, invarg,
                                      matches, nodev, rtscope_a2n, scope_name)
from simnet.commands.ip_route import family_of
from simnet.kernel.interface import Interface
from simnet.kernel.ipv6.addr import ntop
from simnet.kernel.ipv6.addrconf import Addr6
from simnet.kernel.node import KernelError

if TYPE_CHECKING:
    from simnet.commands.ip import Options

__all__ = ["addr", "link", "link_flags", "link_name", "parse_prefix"]


def addr(ctx: Context, args: list[str], opts: "Options") -> int:
    if not args:
        return _addr_show(ctx, [], opts)
    cmd = args[0]
    if matches(cmd, "add"):
        return _addr_add(ctx, args[1:], opts, replace=False)
    if matches(cmd, "change") or cmd == "chg":
        return _addr_add(ctx, args[1:], opts, replace=True, create=False)
    if matches(cmd, "replace"):
        return _addr_add(ctx, args[1:], opts, replace=True)
    if matches(cmd, "delete"):
        return _addr_del(ctx, args[1:], opts)
    if matches(cmd, "list") or matches(cmd, "show") or matches(cmd, "lst"):
        return _addr_show(ctx, args[1:], opts)
    if matches(cmd, "flush"):
        return _addr_flush(ctx, args[1:], opts)
    if matches(cmd, "save"):
        select(ctx, args[1:], opts.family)      # same selectors as show; the binary dump is not modelled
        return 0
    if matches(cmd, "help"):
        raise UsageError(ADDR_USAGE, 255)
    ctx.eprint(f'Command "{cmd}" is unknown, try "ip address help".')
    return 255


def _addr_show(ctx: Context, args: list[str], opts: "Options") -> int:
    ifaces, flt = select(ctx, args, opts.family)
    family = opts.family or (None if flt.to is None or flt.to.any else ("inet6" if flt.to.v6 else "inet"))
    # the AF_INET6 link dump (ip -6 addr without a device) carries only name, flags, mtu, state, qlen
    compact = opts.family == "inet6" and flt.dev is None
    for iface in ifaces:
        addrs = [a for a in iface.addresses if flt.address_ok(a)] if family != "inet6" else []
        v6 = [a for a in iface.addresses6 if flt.address_ok(a)] if family != "inet" else []
        if not addrs and not v6:
            if family is not None or iface.addresses or iface.addresses6:
                continue                      # ipaddr_filter drops links without a matching address
        if opts.brief:
            text = "".join(f"{paint(INET, str(a.ip))}/{a.network.prefixlen} " for a in addrs) + \
                "".join(f"{paint(INET6, ntop(a.ip))}/{a.network.prefixlen} " for a in v6)
            ctx.print(f"{brief_name_state(iface)}{text}")
            continue
        if opts.oneline:
            for a in addrs:
                ctx.print(f"{iface.index}: {iface.name}    {_addr_line(a, iface).strip()}\\"
                          f"{_lifetimes(a, ctx.sim.now)}")
            for a6 in v6:
                ctx.print(f"{iface.index}: {iface.name}    {_inet6_line(a6).lstrip()}\\{_lifetimes(a6, ctx.sim.now)}")
            continue
        if flt.label is not None:
            pass                              # print_linkinfo stays silent under a label filter
        elif compact:
            qlen = f" qlen {iface.qlen}" if iface.kind != "tun" else " qlen 500"
            op = iface.operstate
            ctx.print(f"{iface.index}: {paint(IFNAME, link_name(iface) + ': ')}{link_flags(iface)} mtu {iface.mtu} "
                      f"state {state(op, op + ' ')}{qlen.lstrip()}")
        elif family is None:
            ctx.print(link_header(iface, False))
            if opts.details:
                tail, extra = details(iface, False)
                ctx.print(link_line(iface) + tail)
                for line in extra:
                    ctx.print(line)
                if iface.alias:
                    ctx.print(f"    alias {iface.alias}")
            else:
                ctx.print(link_line(iface))
        else:
            tail = " link-netnsid 0" if iface.kind == "veth" and iface.peer_index is not None else ""
            ctx.print(link_header(iface, False) + tail)
        for a in addrs:
            ctx.print(_addr_line(a, iface))
            ctx.print(_lifetimes(a, ctx.sim.now))
        for a6 in v6:
            ctx.print(_inet6_line(a6))
            ctx.print(_lifetimes(a6, ctx.sim.now))
        if opts.stats:
            stats(ctx, iface, opts.stats)
    return 0


def _inet6_line(a: Addr6) -> str:
    """print_addrinfo for AF_INET6: address, metric, scope, then the flags in ifa_flag_data order."""
    text = f"    inet6 {paint(INET6, ntop(a.ip))}/{a.network.prefixlen} "
    if a.metric:
        text += f"metric {a.metric} "
    text += f"scope {a.scope} "
    for flag in ADDR_FLAGS:
        if flag == "permanent":
            if not a.permanent:
                text += "dynamic "
        elif flag in a.flags:
            text += flag + " "
    return text


def _lifetimes(a, now: float) -> str:
    valid, preferred = a.remaining(now)
    v = "forever" if valid is None else f"{valid}sec"
    p = "forever" if preferred is None else f"{preferred}sec"
    return f"       valid_lft {v} preferred_lft {p}"


def _addr_line(a, iface: Interface) -> str:
    parts = [f"    inet {paint(INET, str(a.ip))}/{a.network.prefixlen}"]
    if a.peer is not None:
        parts = [f"    inet {paint(INET, str(a.ip))} peer {paint(INET, str(a.peer.ip))}/{a.peer.network.prefixlen}"]
    if a.metric:
        parts.append(f"metric {a.metric}")
    if a.broadcast is not None:
        parts.append("brd " + paint(INET, f"{a.broadcast} ") + f"scope {a.scope}")   # colour takes the space
    else:
        parts.append(f"scope {a.scope}")
    if a.secondary:
        parts.append("secondary")
    if a.valid_lft is not None:
        parts.append("dynamic")
    if a.noprefixroute:
        parts.append("noprefixroute")
    parts.append(a.label or iface.name)
    return " ".join(parts)


def parse_prefix(ctx: Context, text: str, what: str = "prefix") -> IPv4Interface | None:
    """iproute2's get_prefix: prints its error and returns None when invalid."""
    try:
        p = get_prefix(text)
    except UsageError as exc:
        ctx.eprint(exc.message.replace(" valid prefix ", f" valid {what} "))
        return None
    return IPv4Interface(f"{p.addr}/{p.plen}")


def _addr_args(ctx: Context, args: list[str], family: str) -> dict:
    """ipaddr_modify's argument loop (raises UsageError like iproute2 exits)."""
    spec: dict = {}
    a = Args(args)
    while a:
        w = a.cur
        if w in ("peer", "remote"):
            v = a.next()
            if "peer" in spec:
                raise duparg("peer", v)
            spec["peer"] = get_prefix(v, family, v6=True)
            family = AF_INET6 if spec["peer"].v6 else AF_INET
        elif matches(w, "broadcast") or w == "brd":
            v = a.next()
            if "brd" in spec:
                raise duparg("broadcast", v)
            spec["brd"] = v if v in ("+", "-") else get_addr(v, family)
            if v not in ("+", "-"):
                family = AF_INET
        elif w == "anycast":
            v = a.next()
            get_addr(v, family)
            family = AF_INET
        elif w == "scope":
            v = a.next()
            scope = rtscope_a2n(v)
            if scope is None:
                raise invarg("invalid scope value.", v)
            spec["scope"] = scope
        elif w == "dev":
            spec["dev"] = a.next()
        elif w == "label":
            spec["label"] = a.next()
        elif matches(w, "metric") or matches(w, "priority") or matches(w, "preference"):
            v = a.next()
            if get_u32(v) is None:
                raise invarg('"metric" value is invalid\n', v)
            spec["metric"] = get_u32(v)
        elif matches(w, "valid_lft") or matches(w, "preferred_lft"):
            key = "valid_lft" if matches(w, "valid_lft") else "preferred_lft"
            if key in spec:
                raise duparg(key, w)
            v = a.next()
            if v != "forever" and get_u32(v) is None:
                raise invarg(f"{key} value", v)
            spec[key] = v
        elif w in ADDR_FLAGS:
            if w in ("secondary", "temporary", "dadfailed", "deprecated", "tentative", "permanent", "stable-privacy"):
                ctx.eprint(f"Warning: {w} option is not mutable from userspace")
            elif w in ("home", "nodad", "optimistic", "mngtmpaddr") and family != "inet6":
                ctx.eprint(f"Warning: {w} option can be set only for IPv6 addresses")
            else:
                spec[w] = True
        else:
            if w == "local":
                w = a.next()
            if matches(w, "help"):
                raise UsageError(ADDR_USAGE, 255)
            if "local" in spec and not spec["local"].any:    # "default" has no bytes: not counted
                raise duparg2("local", w)
            spec["local"] = get_prefix(w, family, v6=True)
            spec["local_arg"] = w
            family = AF_INET6 if spec["local"].v6 else AF_INET
        a.advance()
    spec["family"] = family
    return spec



def _addr_add(ctx: Context, args: list[str], opts: "Options", replace: bool, create: bool = True) -> int:
    spec = _addr_args(ctx, args, family_of(opts))
    if "dev" not in spec:
        raise UsageError('Not enough information: "dev" argument is required.', 1)
    node = ctx.node
    dev = spec["dev"]
    if spec.get("brd") in ("+", "-") and spec["family"] != AF_INET:
        raise UsageError("Broadcast can be set only for IPv4 addresses", 1)
    if dev not in node.interfaces:
        raise nodev(dev)
    if spec["family"] == AF_INET6 and "local" in spec:
        return _addr_add6(ctx, spec, replace)
    if spec["family"] != AF_INET or "local" not in spec:
        raise UsageError("RTNETLINK answers: Operation not supported", 2)
    p = spec["local"]
    if p.any:
        raise UsageError("RTNETLINK answers: Invalid argument", 2)
    ifaddr = IPv4Interface(f"{p.addr}/{p.plen}")
    brd = None
    val = spec.get("brd")
    if val == "+" and p.plen <= 30:
        brd = ifaddr.network.broadcast_address
    elif val == "-" and p.plen <= 30:
        brd = ifaddr.network.network_address
    elif isinstance(val, IPv4Address):
        brd = val
    scope = spec.get("scope", 254 if p.addr.is_loopback else 0)
    scope_txt = scope_name(scope)
    iface = node.interfaces[dev]
    lifetimes = _lifetime_args(spec)
    if replace and any(a.ip == ifaddr.ip and a.network == ifaddr.network for a in iface.addresses):
        # inet_rtm_newaddr with NLM_F_REPLACE only refreshes lifetimes and metric
        node.addr_set_lifetimes(dev, ifaddr.ip, *lifetimes)
        return 0
    try:
        node.addr_add(dev, ifaddr, scope=scope_txt, broadcast=brd, label=spec.get("label", ""),
                      metric=spec.get("metric", 0), noprefixroute=bool(spec.get("noprefixroute")),
                      lifetimes=lifetimes)
    except KernelError as exc:
        ctx.eprint(exc.ip_message)
        return 2
    return 0


def _lifetime_args(spec: dict) -> tuple[int | None, int | None]:
    """valid_lft/preferred_lft of the command line (forever: None); preferred defaults to valid."""
    def value(key: str) -> int | None:
        text = spec.get(key)
        return None if text in (None, "forever") or int(text) >= 0xFFFFFFFF else int(text)
    valid = value("valid_lft")
    preferred = value("preferred_lft") if "preferred_lft" in spec else valid
    return valid, preferred


def _addr_add6(ctx: Context, spec: dict, replace: bool) -> int:
    """inet6_rtm_newaddr: the kernel picks the scope; flags from the command line."""
    p = spec["local"]
    ifaddr = IPv6Interface(f"{p.addr}/{p.plen}")
    iface = ctx.node.interfaces[spec["dev"]]
    if replace and any(a.ip == ifaddr.ip for a in iface.addresses6):
        return 0
    flags = {f for f in ("nodad", "noprefixroute", "home", "mngtmpaddr", "optimistic") if spec.get(f)}
    try:
        ctx.node.ip6.add(spec["dev"], ifaddr, flags, metric=spec.get("metric", 0))
    except KernelError as exc:
        ctx.eprint(exc.ip_message)
        return 2
    return 0


def _addr_del(ctx: Context, args: list[str], opts: "Options") -> int:
    spec = _addr_args(ctx, args, family_of(opts))
    if "dev" not in spec:
        raise UsageError('Not enough information: "dev" argument is required.', 1)
    node = ctx.node
    dev = spec["dev"]
    p = spec.get("local")
    if p is not None and "peer" not in spec and not p.plen_given and not p.v6:
        ctx.eprint("Warning: Executing wildcard deletion to stay compatible with old scripts.\n"
                   f"         Explicitly specify the prefix length ({spec['local_arg']}/32) to avoid this warning.\n"
                   "         This special behaviour is likely to disappear in further releases,\n"
                   "         fix your scripts!")
    if dev not in node.interfaces:
        raise nodev(dev)
    if spec["family"] == AF_INET6 and p is not None:
        try:
            node.ip6.delete(dev, p.addr, p.plen)
        except KernelError as exc:
            ctx.eprint(exc.ip_message)
            return 2
        return 0
    if spec["family"] != AF_INET:
        raise UsageError("RTNETLINK answers: Operation not supported", 2)
    iface = node.interfaces[dev]
    for addr in iface.addresses:                 # inet_rtm_deladdr: the first address that fits
        if p is not None and addr.ip != p.addr:
            continue
        if "label" in spec and addr.label != spec["label"]:
            continue
        if p is not None and p.plen_given and addr.network.prefixlen != p.plen:
            continue
        node.addr_del(dev, addr.ip)
        return 0
    ctx.eprint("Error: ipv4: Address not found.")
    return 2


def _addr_flush(ctx: Context, args: list[str], opts: "Options") -> int:
    if not args:
        raise UsageError("Flush requires arguments.", 1)
    ifaces, flt = select(ctx, args, opts.family)
    if opts.family != "inet":
        for iface in ifaces:
            for a6 in [a for a in iface.addresses6 if flt.address_ok(a)]:
                ctx.node.ip6.delete(iface.name, a6.ip, a6.network.prefixlen)
    if opts.family == "inet6":
        return 0
    doomed = [(i, a) for i in ifaces for a in i.addresses if flt.address_ok(a)]
    for iface, a in doomed:
        if iface.find_address(a.ip) is a:     # a secondary may have gone with its primary
            ctx.node.addr_del(iface.name, a.ip)
    if opts.stats:
        if doomed:
            ctx.print(f"\n*** Round 1, deleting {len(doomed)} addresses ***")
            ctx.print("*** Flush is complete after 1 round ***")
        else:
            ctx.print("Nothing to flush.")
    return 0


