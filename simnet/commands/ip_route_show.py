"""``ip route show/flush/get``: the dump filter and print_route of iproute2 6.1.

print_route leaves out what the filter already fixes (``ip route show dev
eth0`` prints no ``dev eth0``, ``proto kernel`` disappears with ``proto
kernel``), and ``ip route get`` prints a cloned route with ``uid`` and a
``cache`` line. Both are reproduced here.
"""
from __future__ import annotations

from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Network, IPv6Address
from typing import TYPE_CHECKING, Union

from simnet.commands.base import Context, UsageError
from simnet.commands.ip_color import IFNAME, INET, paint
from simnet.commands.ip_parse import (AF_INET, AF_INET6, AF_UNSPEC, Args, Prefix, get_prefix, get_u32, invarg, matches, nodev,
                                      proto_name, rtntype_a2n, rtprot_a2n, rtscope_a2n, rttable_a2n, scope_name)
from simnet.commands.ip_route import ROUTE_USAGE, as_v4, family_of
from simnet.kernel.redirect import should_redirect
from simnet.kernel.routing import LOCAL, MAIN, Route, RouteError, table_name
from simnet.links.packet import ECHO_REQUEST, Icmp, IPv4Packet

if TYPE_CHECKING:
    from simnet.commands.ip import Options
    from simnet.kernel.ipv6.fib6 import Route6

__all__ = ["list_routes", "get", "format_route"]


@dataclass
class Filter:
    """iproute2's ``filter`` for route dumps (only the fields IPv4 labs use)."""

    table: int = MAIN            # 0 = all tables
    proto: str | None = None
    scope: str | None = None
    type: str | None = None
    dev: str | None = None
    metric: int | None = None
    via: Prefix | None = None
    src: Prefix | None = None
    root: Prefix | None = None
    match: Prefix | None = None

    def accepts_fields(self, r: "Route | Route6") -> bool:
        """The selectors both families apply alike: table, protocol, type, device, metric."""
        return ((not self.table or r.table == self.table)
                and (self.proto is None or r.proto == self.proto)
                and (self.type is None or r.type == self.type)
                and (self.dev is None or r.dev == self.dev)
                and (self.metric is None or r.metric == self.metric))

    def accepts(self, r: Route) -> bool:
        """An IPv4 route: the common selectors, the scope, and prefixes compared bit by bit."""
        if not self.accepts_fields(r):
            return False
        if self.scope is not None and r.scope != self.scope:
            return False
        plen = r.dst.prefixlen
        if self.root is not None and (self.root.any and not self.root.plen_given) is False:
            if self.root.plen > plen or not _same_bits(r.dst.network_address, self.root.addr, self.root.plen):
                return False
        if self.match is not None and (self.match.any and not self.match.plen_given) is False:
            if self.match.plen < plen or not _same_bits(r.dst.network_address, self.match.addr, plen):
                return False
        if self.via is not None and (r.gateway is None or not _same_bits(r.gateway, self.via.addr, self.via.plen)):
            return False
        if self.src is not None and (r.src is None or not _same_bits(r.src, self.src.addr, self.src.plen)):
            return False
        return True


def _same_bits(a: IPv4Address, b: IPv4Address | IPv6Address, bits: int) -> bool:
    """The first ``bits`` bits agree (``b`` is IPv4 here: an IPv6 filter lists IPv6 routes)."""
    if bits == 0:
        return True
    shift = 32 - bits
    return int(a) >> shift == int(b) >> shift


def format_route(r: Route, flt: Filter | None = None, details: bool = False, node=None) -> str:
    """print_route for a FIB entry (``ip route show``)."""
    flt = flt or Filter(table=0)
    parts: list[Piece] = []
    if r.type != "unicast" or details:
        parts.append(r.type)
    parts.append("default" if r.dst.prefixlen == 0 else ("", INET, str(r.dst.network_address)
                                                          if r.dst.prefixlen == 32 else str(r.dst)))
    if r.gateway is not None and not (flt.via is not None and flt.via.plen == 32):
        parts.append(("via ", INET, str(r.gateway)))
    if r.dev is not None and flt.dev is None:
        parts.append(("dev ", IFNAME, r.dev))
    if not flt.table and (r.table != MAIN or details):
        parts.append(f"table {table_name(r.table)}")
    if (r.proto != "boot" or details) and flt.proto is None:
        parts.append(f"proto {r.proto}")
    if (r.scope != "global" or details) and flt.scope is None:
        parts.append(f"scope {r.scope}")
    if r.src is not None and not (flt.src is not None and flt.src.plen == 32):
        parts.append(("src ", INET, str(r.src)))
    if r.metric and flt.metric is None:
        parts.append(f"metric {r.metric}")
    if r.onlink:
        parts.append("onlink")
    if node is not None and r.dev is not None and r.type == "unicast":
        iface = node.interfaces.get(r.dev)
        if iface is not None and iface.admin_up and not iface.has_carrier:
            parts.append("linkdown")
    return _join(parts)


Piece = Union[str, tuple[str, str, str]]


def _join(parts: list[Piece]) -> str:
    """print_route's pieces, each followed by a space; ``(prefix, colour, value)`` pieces are
    coloured under ``ip -c`` together with their trailing space, as iproute2 does."""
    out = []
    for part in parts:
        if isinstance(part, tuple):
            prefix, color, value = part
            out.append(prefix + paint(color, value + " "))
        else:
            out.append(part + " ")
    return "".join(out)


def _parse_filter(ctx: Context, args: list[str], opts: "Options") -> Filter:
    """iproute_list_flush_or_save's argument loop."""
    family = family_of(opts)
    # without -4/-6 get_prefix reads either family; the dump itself stays AF_INET (see list_routes)
    any_family = family == AF_UNSPEC
    flt = Filter()
    a = Args(args)
    while a:
        w = a.cur
        if matches(w, "table"):
            v = a.next()
            t = rttable_a2n(v)
            if t is None:
                if v == "all":
                    t = 0
                elif v == "cache":
                    t = -1
                elif v == "help":
                    raise UsageError(ROUTE_USAGE.rstrip("\n"), 255)
                else:
                    raise invarg("table id value is invalid\n", v)
            flt.table = t
        elif matches(w, "vrf"):
            raise invarg("Invalid VRF\n", a.next())
        elif matches(w, "cached") or matches(w, "cloned"):
            flt.table = -1
        elif w == "tos" or matches(w, "dsfield"):
            v = a.next()
            if get_u32(v, 16) is None:
                raise invarg("TOS value is invalid\n", v)
        elif matches(w, "protocol"):
            v = a.next()
            p = rtprot_a2n(v)
            if p is None and v != "all":
                raise invarg('invalid "protocol"\n', v)
            flt.proto = None if p is None else proto_name(p)
        elif matches(w, "scope"):
            v = a.next()
            s = rtscope_a2n(v)
            if s is None and v != "all":
                raise invarg('invalid "scope"\n', v)
            flt.scope = None if s is None else scope_name(s)
        elif matches(w, "type"):
            v = a.next()
            rtype = rtntype_a2n(v)
            if rtype is None:
                raise invarg("node type value is invalid\n", v)
            flt.type = rtype
        elif w in ("dev", "oif"):
            flt.dev = a.next()
        elif w == "iif":
            a.next()
        elif w == "mark":
            v = a.next()
            if get_u32(v) is None:
                raise invarg("invalid mark value", v)
        elif matches(w, "metric") or matches(w, "priority") or w == "preference":
            v = a.next()
            flt.metric = get_u32(v)
            if flt.metric is None:
                raise invarg('"metric" value is invalid\n', v)
        elif w == "via":
            v = a.next()
            if v in ("inet", "inet6", "link"):
                v = a.next()
            flt.via = get_prefix(v, family, any_family)
        elif w == "src":
            flt.src = get_prefix(a.next(), family, any_family)
        elif matches(w, "realms"):
            a.next()
        elif matches(w, "from"):
            v = a.next()
            if matches(v, "root") or matches(v, "match") or matches(v, "exact"):
                v = a.next()
            get_prefix(v, family, any_family)
        else:
            if matches(w, "to"):
                w = a.next()
            if matches(w, "root"):
                flt.root = get_prefix(a.next(), family, any_family)
            elif matches(w, "match"):
                flt.match = get_prefix(a.next(), family, any_family)
            else:
                if matches(w, "exact"):
                    w = a.next()
                flt.root = flt.match = get_prefix(w, family, any_family)
        a.advance()
    for prefix in (flt.root, flt.match):
        if prefix is not None and prefix.any and not prefix.plen_given and family == AF_INET:
            object.__setattr__(prefix, "plen_given", True)   # `ip -4 route show all` means /0 exactly
    if flt.dev is not None and flt.dev not in ctx.node.interfaces:
        raise nodev(flt.dev)
    return flt


def list_routes(ctx: Context, args: list[str], opts: "Options", flush: bool) -> int:
    if flush and not args:
        raise UsageError('"ip route flush" requires arguments.', 1)
    flt = _parse_filter(ctx, args, opts)
    node = ctx.node
    if opts.family == "inet6":
        from simnet.commands.ip_route6 import list6

        return list6(ctx, flt, flush)
    # an IPv6 prefix without -6: iproute2 dumps AF_INET only (AF_UNSPEC for `table all`), so the
    # filter's family matches no IPv4 route and the answer is empty, as on the real box
    v6_filter = any(p is not None and p.v6 for p in (flt.root, flt.match, flt.via, flt.src))
    if v6_filter and flt.table == 0:
        from simnet.commands.ip_route6 import list6

        return list6(ctx, flt, flush)
    if flt.table == -1:
        return 0
    if flt.table and not node.table_exists(flt.table):
        ctx.eprint("Error: ipv4: FIB table does not exist.")
        raise UsageError("Flush terminated" if flush else "Dump terminated", 2)
    tables = [flt.table] if flt.table else sorted(node.routing.tables, key=lambda t: (t & 0xFF, t))
    # the trie keeps one leaf per network address, its aliases longest prefix first
    routes = [] if v6_filter else [r for t in tables
              for r in sorted(node.routing.routes(t), key=lambda r: (int(r.dst.network_address), -r.dst.prefixlen))
              if flt.accepts(r)]
    if flush:
        for r in routes:
            node.routing.remove(r)
        if opts.stats and routes:
            ctx.print(f"\n*** Round 1, deleting {len(routes)} entries ***")
            ctx.print("*** Flush is complete after 1 round ***")
        return 0
    for r in routes:
        ctx.print(format_route(r, flt, opts.details, node))
    if flt.table == 0 and opts.family is None and flt.root is None and flt.match is None:
        from simnet.commands.ip_route6 import list6      # table all: iproute2 dumps every family

        list6(ctx, flt)
    return 0


# ----------------------------------------------------------- ip route get
def get(ctx: Context, args: list[str], opts: "Options") -> int:
    """iproute_get plus the kernel's inet_rtm_getroute."""
    family = family_of(opts)
    dst: Prefix | None = None
    src: Prefix | None = None
    iif = oif = None
    mark = 0
    fibmatch = connected = False
    a = Args(args)
    while a:
        w = a.cur
        if w == "tos" or matches(w, "dsfield"):
            v = a.next()
            if get_u32(v, 16) is None:
                raise invarg("TOS value is invalid\n", v)
        elif matches(w, "from"):
            v = a.next()
            if matches(v, "help"):
                raise UsageError(ROUTE_USAGE.rstrip("\n"), 255)
            src = get_prefix(v, family, v6=True)
            family = AF_INET6 if src.v6 else AF_INET
        elif matches(w, "iif"):
            iif = a.next()
        elif matches(w, "mark"):
            v = a.next()
            m = get_u32(v)
            if m is None:
                raise invarg("invalid mark value", v)
            mark = m
        elif matches(w, "oif") or w == "dev":
            oif = a.next()
        elif matches(w, "notify"):
            pass
        elif matches(w, "connected"):
            connected = True
        elif matches(w, "vrf"):
            raise invarg("Invalid VRF\n", a.next())
        elif matches(w, "uid"):
            v = a.next()
            if get_u32(v) is None:
                raise invarg("invalid UID\n", v)
        elif matches(w, "fibmatch"):
            fibmatch = True
        elif matches(w, "sport") or matches(w, "dport"):
            v = a.next()
            port = get_u32(v)
            if port is None or port > 0xFFFF:
                raise invarg(f"invalid {'sport' if matches(w, 'sport') else 'dport'}\n", v)
        elif matches(w, "ipproto"):
            v = a.next()
            if v not in ("tcp", "udp", "icmp") and get_u32(v) is None:
                raise invarg('Invalid "ipproto" value\n', v)
        else:
            if w == "to":
                w = a.next()
            if matches(w, "help"):
                raise UsageError(ROUTE_USAGE.rstrip("\n"), 255)
            dst = get_prefix(w, family, v6=True)
            if not dst.any:
                family = AF_INET6 if dst.v6 else AF_INET
            if dst.plen != 32 and family == AF_INET:
                ctx.eprint(f"Warning: /{dst.plen} as prefix is invalid, only /32 (or none) is supported.")
        a.advance()
    if dst is None:
        raise UsageError("need at least a destination address", 1)
    node = ctx.node
    for dev in (iif, oif):
        if dev is not None and dev not in node.interfaces:
            raise nodev(dev)
    if isinstance(dst.addr, IPv6Address):        # get_prefix keeps dst and src in one family
        from simnet.commands.ip_route6 import as_v6, get6

        return get6(ctx, dst.addr, as_v6(src.addr if src is not None and not src.any else None), oif, iif, mark)
    if src is not None and src.plen not in (0, 32):
        raise UsageError("Error: ipv4: Invalid values in header for route get request.", 2)
    addr = dst.addr
    assert isinstance(addr, IPv4Address)     # get_prefix keeps dst and src in one family
    rc = _answer(ctx, addr, as_v4(src.addr if src is not None and not src.any else None), iif, oif, mark,
                 fibmatch, opts)
    if connected and src is None and rc == 0:
        # iproute2 asks again "from" the preferred source; it resends its first request, so the answer repeats
        if " src " not in ctx.out[-2]:
            raise UsageError("Failed to connect the route", 1)
        ctx.out.extend(ctx.out[-2:])
    return rc


def _answer(ctx: Context, dst: IPv4Address, src: IPv4Address | None, iif: str | None, oif: str | None,
            mark: int, fibmatch: bool, opts: "Options") -> int:
    node = ctx.node
    try:
        if iif is not None:
            r, chosen = _input_route(ctx, dst, src, iif, mark), src
        else:
            r, chosen = _output_route(ctx, dst, src, oif, mark)
    except RouteError as exc:
        raise UsageError(f"RTNETLINK answers: {exc.errno_text}", 2) from None
    if fibmatch:
        ctx.print(format_route(r, Filter(table=MAIN), opts.details, node))
        return 0
    parts: list[Piece] = []
    if r.type in ("local", "broadcast", "multicast") or opts.details:
        parts.append(r.type)
    parts.append(("", INET, str(dst)))
    if src is not None:
        parts.append(("", INET, f"from {src}"))
    if r.gateway is not None:
        parts.append(("via ", INET, str(r.gateway)))
    parts.append(("dev ", IFNAME, "lo" if r.type == "local" else str(r.dev)))
    if r.table not in (MAIN, LOCAL) or (opts.details and r.table == MAIN) or \
            (r.table == LOCAL and node.custom_rules):
        parts.append(f"table {table_name(r.table)}")
    if iif is None and src is None and chosen is not None:
        parts.append(("src ", INET, str(chosen)))
    if mark:
        parts.append(f"mark {hex(mark)}" if mark >= 16 else f"mark {mark}")
    if iif is None:
        parts.append("uid 0")
    ctx.print(_join(parts))
    cache = "    cache "
    redirected = node.stack.redirects.exceptions.get(dst) if iif is None else None
    if redirected is not None and redirected.expires > node.sim.now:
        cache += f"<redirected> expires {int(redirected.expires - node.sim.now)}sec "
    if r.type == "local" or (r.dev == "lo" and iif is None):
        cache += "<local> "
    elif r.type == "broadcast":
        cache += "<local,brd> "
    elif iif is not None and r.type == "unicast" and src is not None and \
            should_redirect(node.stack, IPv4Packet(src, dst, Icmp(ECHO_REQUEST)), node.interfaces[iif], r):
        cache += "<redirect> "                 # RTCF_DOREDIRECT: back out where it came in
    if iif is not None:
        cache += f"iif {iif} "
    learned = node.stack.pmtu_exception(dst) if iif is None else None
    if learned is not None:
        # fib_nh_exception with an MTU: rta_expires, then the route metric (print_rta_metrics)
        if redirected is None or redirected.expires <= node.sim.now:
            cache += f"expires {int(learned[1] - node.sim.now)}sec "
        cache += f"mtu {learned[0]} "
    ctx.print(cache)
    return 0


def _output_route(ctx: Context, dst: IPv4Address, src: IPv4Address | None, oif: str | None,
                  mark: int) -> tuple[Route, IPv4Address | None]:
    """ip_route_output_key_hash: a foreign source is ENETUNREACH; with ``oif`` and no
    route the kernel assumes the destination is on that link."""
    node = ctx.node
    if src is not None and (src.is_multicast or src == IPv4Address("255.255.255.255") or int(src) >> 24 == 0):
        raise RouteError("Invalid argument", "martian")
    if src is not None and node.local_type(src) != "local":
        raise RouteError("Network is unreachable", "no-route")
    if dst == IPv4Address(0):                 # "0.0.0.0" means this host: a local route over lo
        return Route(IPv4Network(dst), "local", dev="lo", table=LOCAL, scope="host"), src or IPv4Address("127.0.0.1")
    try:
        return node.stack.route_output(dst, src, oif, mark)
    except RouteError as exc:
        if oif is None or exc.kind != "no-route":
            raise
    iface = node.interfaces[oif]
    r = Route(IPv4Network(dst), dev=oif, scope="link")
    if src is None:
        src = node.stack.select_source(oif, dst, "link")
        if src is None and iface.addresses:
            src = iface.addresses[0].ip
    return r, src


def _input_route(ctx: Context, dst: IPv4Address, src: IPv4Address | None, iif: str, mark: int) -> Route:
    """ip_route_input_slow for ``ip route get … iif DEV``."""
    node = ctx.node
    # ip_route_input_slow: martian sources and destinations are EINVAL
    if src is None or int(src) >> 24 == 0 or src.is_loopback or src.is_multicast or \
            src == IPv4Address("255.255.255.255") or dst.is_loopback or int(dst) >> 24 == 0:
        raise RouteError("Invalid argument", "martian")
    try:
        r = node.routing.lookup(dst, src=src, iif=iif, mark=mark, usable=node.stack._usable).route
    except RouteError:
        if not node.sysctl.forwarding(iif):     # a host answers every failed input lookup with EHOSTUNREACH
            raise RouteError("No route to host", "no-route") from None
        raise
    if r.type == "unicast" and not node.sysctl.forwarding(iif):
        raise RouteError("No route to host", "no-route")
    mode = node.sysctl.rp_filter(iif)
    if mode and r.type in ("unicast", "local"):
        # fib_validate_source: the way back to the source must exist (loose) and leave by iif (strict)
        try:
            back = node.routing.lookup(src, src=dst, mark=mark, usable=node.stack._usable).route
        except RouteError:
            back = None
        if back is None or back.type not in ("unicast", "local") or (mode == 1 and back.dev != iif):
            raise RouteError("Invalid argument", "martian")
    return r
