"""``ip -6 route``: show, flush, add, del and get for the IPv6 FIB (iproute2 6.1 against Linux 6.1).

The IPv4 half stays in :mod:`simnet.commands.ip_route` and
:mod:`simnet.commands.ip_route_show`; they hand a request over as soon as its
family is IPv6. IPv6 routes print differently: no scope, a ``metric`` on
every route (256 for the kernel's, 1024 for added ones), ``pref medium`` at
the end of the line and no trailing space.
"""
from __future__ import annotations

from dataclasses import replace

from ipaddress import IPv4Address, IPv6Address, IPv6Network
from typing import TYPE_CHECKING

from simnet.commands.base import Context, UsageError
from simnet.commands.ip_color import IFNAME, INET6, paint
from simnet.commands.ip_parse import proto_name
from simnet.kernel.ipv6.addr import ntop, net_text
from simnet.kernel.ipv6.fib6 import ERROR_TYPES, LOCAL, MAIN, Route6
from simnet.kernel.ipv6.source import RouteError6, route_output, select_source
from simnet.kernel.routing import table_name

if TYPE_CHECKING:
    from simnet.commands.ip_route import RouteReq
    from simnet.commands.ip_route_show import Filter

__all__ = ["format6", "list6", "modify6", "delete6", "get6"]


def format6(r: Route6, flt: "Filter | None" = None, get_from: str | None = None, src: IPv6Address | None = None,
            dst: IPv6Address | None = None, dev: str | None = None, now: float | None = None,
            learned: tuple[int, float] | None = None, iif: str | None = None) -> str:
    """print_route for an IPv6 route (``get_from``/``src``/``dst``/``dev``: the answer of ``ip route get``)."""
    parts: list[str] = []
    if r.type != "unicast":
        parts.append(r.type)
    parts.append(paint(INET6, ntop(dst)) if dst is not None else
                 (net_text(r.dst) if r.dst.prefixlen in (0, 128) else paint(INET6, ntop(r.dst.network_address))
                  + f"/{r.dst.prefixlen}"))
    if get_from is not None:
        parts.append(f"from {get_from}")
    if r.gateway is not None:
        parts.append("via " + paint(INET6, ntop(r.gateway)))
    out_dev = dev or r.dev
    if out_dev is not None and (flt is None or flt.dev is None):
        parts.append("dev " + paint(IFNAME, out_dev))
    if r.table != MAIN and (flt is None or not flt.table):
        parts.append(f"table {table_name(r.table)}")
    if r.proto != "boot" and (flt is None or flt.proto is None):
        parts.append(f"proto {r.proto}")
    if src is not None:
        parts.append("src " + paint(INET6, ntop(src)))
    if flt is None or flt.metric is None:
        parts.append(f"metric {r.metric}")
    if iif is not None:                  # route get … iif: the input lookup of a forwarded packet
        parts.append(f"iif {iif}")
    if r.expires is not None and now is not None and get_from is None:      # route get: the cache entry's only
        parts.append(f"expires {max(0, int(r.expires - now))}sec")
    if learned is not None and now is not None:       # a cached exception: learned path MTU
        parts.append(f"expires {max(0, int(learned[1] - now))}sec mtu {learned[0]}")
    if r.hoplimit:
        parts.append(f"hoplimit {r.hoplimit}")
    parts.append(f"pref {r.pref}")
    return " ".join(parts)


def _accepts(flt: "Filter", r: Route6) -> bool:
    """An IPv6 route: the common selectors (no scope) and prefixes as IPv6 networks."""
    if not flt.accepts_fields(r):
        return False
    for p in (flt.root, flt.match):
        # ``default``, ``all`` and ``any`` are ::/0, selected exactly (root and match alike)
        if p is not None:
            if not p.v6:
                return False
            net = IPv6Network(f"{p.addr}/{p.plen}", strict=False)
            if p is flt.root and not r.dst.subnet_of(net):
                return False
            if p is flt.match and not net.subnet_of(r.dst):
                return False
    return True


def list6(ctx: Context, flt: "Filter", flush: bool = False, stats: int = 0) -> int:
    fib = ctx.node.ip6.fib
    if flt.table == -1:
        return _cached(ctx, flush)
    tables = [flt.table] if flt.table else fib.table_ids()
    routes = [r for t in tables for r in fib.routes(t) if _accepts(flt, r)]
    if flush:
        for r in routes:
            fib.remove(r)
        return 0
    for r in routes:
        ctx.print(format6(r, flt, now=ctx.sim.now))
    return 0


def _cached(ctx: Context, flush: bool) -> int:
    """``ip -6 route show cache``: the route exceptions (learned path MTUs, redirected first hops),
    a redirect once per route it hangs off."""
    from simnet.kernel.ipv6.redirect6 import live

    stack = ctx.node.ip6.stack
    redirected = live(ctx.node)
    if flush:
        stack.pmtu.clear()
        redirected.clear()
        return 0
    for dst in list(stack.pmtu):
        learned = stack.learned_mtu(dst)
        if learned is None or any(e.dst == dst for e in redirected):
            continue
        try:
            r = route_output(ctx.node, dst)
        except RouteError6:
            continue
        ctx.print(format6(r, None, dst=dst, now=ctx.sim.now, learned=learned))
    for e in list(redirected):
        r = replace(e.route, gateway=e.target if e.target != e.dst else None)
        ctx.print(format6(r, None, dst=e.dst, now=ctx.sim.now, learned=stack.learned_mtu(e.dst)))
    return 0


def _kernel(text: str) -> UsageError:
    return UsageError(f"RTNETLINK answers: {text}", 2)


def _extack(text: str) -> UsageError:
    return UsageError(f"Error: {text}.", 2)


def as_v6(addr: "IPv4Address | IPv6Address | None") -> IPv6Address | None:
    """An address of a request that ip_route handed over as IPv6."""
    assert not isinstance(addr, IPv4Address)
    return addr


def _dst6(req: "RouteReq") -> IPv6Network:
    """The destination of an IPv6 request (_check_v6 refused one without)."""
    assert req.dst is not None
    return IPv6Network(f"{req.dst.addr}/{req.dst.plen}", strict=False)


def build6(ctx: Context, req: "RouteReq") -> Route6:
    """ip6_route_info_create: validate the nexthop and fill in the device."""
    node = ctx.node
    rtype = req.type or "unicast"
    if rtype not in ("unicast", "local", "multicast", "anycast") + ERROR_TYPES:
        raise _kernel("Invalid argument")
    table = req.table or (LOCAL if rtype == "local" else MAIN)
    dst = _dst6(req)
    dev = req.dev
    gw = as_v6(req.gw)
    if rtype in ERROR_TYPES:
        dev = "lo"
        gw = None
    elif gw is not None and not gw.is_unspecified:
        if gw.is_link_local:
            if dev is None:
                raise _extack("Egress device not specified")
        else:
            hit = node.ip6.fib.lookup(MAIN, gw, dev)
            if hit is None or hit.gateway is not None or hit.type != "unicast":
                raise _kernel("No route to host")
            dev = hit.dev
    else:
        gw = None
        if dev is None:
            raise _kernel("No such device")
    if dev is not None and dev != "lo" and not node.interfaces[dev].admin_up and rtype not in ERROR_TYPES:
        raise _kernel("Network is down")
    proto = proto_name(req.proto if req.proto is not None else 3)
    return Route6(dst, dev, rtype, gw, proto, req.metric if req.metric else 1024, table, as_v6(req.src))


def modify6(ctx: Context, req: "RouteReq", create: bool, excl: bool, replace: bool) -> int:
    new = build6(ctx, req)
    fib = ctx.node.ip6.fib
    same = fib.find(new.table, new.dst, metric=new.metric)
    if same:
        if excl or not replace:
            raise _kernel("File exists")
        fib.remove(same[0])
    elif not create:
        raise _kernel("No such file or directory")
    fib.add(new)
    return 0


def delete6(ctx: Context, req: "RouteReq") -> int:
    fib = ctx.node.ip6.fib
    table = req.table or (LOCAL if req.type == "local" else MAIN)
    dst = _dst6(req)
    for r in fib.routes(table):
        if r.dst != dst or (req.type is not None and r.type != req.type):
            continue
        if (req.metric and r.metric != req.metric) or (req.dev is not None and r.dev != req.dev) or \
                (req.gw is not None and r.gateway != req.gw):
            continue
        if req.proto and r.proto != proto_name(req.proto):
            continue
        fib.remove(r)
        return 0
    raise _kernel("No such process")


GET_ERRORS = {"unreachable": "No route to host", "prohibit": "Permission denied", "blackhole": "Invalid argument",
              "no-route": "Network is unreachable"}


def get6(ctx: Context, dst: IPv6Address, src: IPv6Address | None, oif: str | None, iif: str | None = None,
         mark: int = 0) -> int:
    """inet6_rtm_getroute: the route, the device a local answer leaves by (lo) and the source;
    with ``iif`` the input lookup of a packet arriving there (no source chosen, ``iif`` shown).
    The mark steers the rules (tailscaled's bypass mark) but, unlike IPv4, is not printed."""
    node = ctx.node
    try:
        r = route_output(node, dst, oif, src, iif=iif, mark=mark)
    except RouteError6 as exc:
        raise _kernel(GET_ERRORS[exc.kind]) from None
    dev = "lo" if r.type == "local" else None
    chosen = src if src is not None else select_source(node, dst, r)
    learned = node.ip6.stack.learned_mtu(dst) if r.type != "local" else None
    ctx.print(format6(r, None, get_from=ntop(src) if src is not None else "::", src=None if iif else chosen, dst=dst,
                      dev=dev, now=ctx.sim.now, learned=learned, iif=iif))
    return 0
