"""ICMPv6 redirects (RFC 4861 §8, net/ipv6/ndisc.c and route.c): a router tells a host on its
link about a better first hop, and the host's route cache takes it.

A router that forwards a packet out of the interface it came in on (ip6_forward) sends the
sender a Redirect — at most one a second per destination and per sender (inet_peer) — from its
link-local address, hop limit 255, naming the better next hop (the route's gateway, which must
be link-local, or the destination itself when it is on the link), with the target's link-layer
address when its neighbour entry is valid and as much of the packet as fits into 1280 bytes.
IPv6 has no ``send_redirects`` switch: every router does it (and forwards the packet anyway).

A host (forwarding off) takes it when the interface's own ``accept_redirects`` is on —
``conf.all`` is not consulted, unlike IPv4 — and it came from the router its route for that
destination uses: a route exception per destination (``ip -6 route show cache``, no expiry),
which ``ip -6 route get`` and every later packet follow; ``ip -6 route flush cache`` drops it.
The target becomes a STALE neighbour (a router, unless it is the destination itself).

The exception hangs off the route (fib6_info) the lookup found, as in the kernel: deleting or
replacing that route drops it, a more specific route added later hides it (and gets its own
when the router redirects again). It goes when the gateway turns out not to be a router (an
advertisement without the R flag: rt6_clean_tohost — on a LAN within seconds, when the
neighbour entry's probe is answered), and otherwise at the route garbage collector's next run
(every ``gc_interval``, 30 s, started by the first exception) once it was not used for 30 s.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from ipaddress import IPv6Address
TYPE_CHECKING = False      # typing's, without importing typing (tests/test_cold_imports.py)

from simnet.links.packet6 import REDIRECT, Icmp6, IPv6Packet

if TYPE_CHECKING:
    from simnet.kernel.interface import Interface
    from simnet.kernel.ipv6.fib6 import Route6
    from simnet.kernel.ipv6.stack6 import Stack6
    from simnet.kernel.node import Node

__all__ = ["Redirects6", "Exception6", "maybe_send", "receive", "apply", "live", "clean_tohost"]

PEER_INTERVAL = 1.0          # inet_peer_xrlim_allow(peer, 1*HZ)
GC_INTERVAL = 30.0           # net.ipv6.route.gc_interval: the GC timer, and how long unused counts as aged


@dataclass(eq=False)
class Exception6:
    """One RTF_CACHE route: ``dst`` goes via ``target`` (the destination itself when on-link)."""

    dst: IPv6Address
    target: IPv6Address
    dev: str
    route: "Route6"          # the fib6_info it belongs to
    lastuse: float


class Redirects6:
    """As a router: when the last redirect went out per destination and per sender; as a host:
    the learned first hops (route exceptions) and when the route GC runs next."""

    def __init__(self) -> None:
        self.last_dst: dict[IPv6Address, float] = {}
        self.last_src: dict[IPv6Address, float] = {}
        self.exceptions: list[Exception6] = []
        self.gc_at: float | None = None


def live(node: "Node") -> list[Exception6]:
    """The exceptions as they stand now: the GC runs that are due have run, and those whose
    route left the FIB are gone with it (fib6_purge_rt flushes a deleted route's exceptions)."""
    state = node.ip6.stack.redirects
    if not state.exceptions:
        return state.exceptions
    fib = node.ip6.fib
    state.exceptions = [e for e in state.exceptions if any(r is e.route for r in fib.tables.get(e.route.table, ()))]
    while state.gc_at is not None and state.gc_at <= node.sim.now:
        at = state.gc_at
        state.exceptions = [e for e in state.exceptions if at < e.lastuse + GC_INTERVAL and _via_router(node, e)]
        state.gc_at = at + GC_INTERVAL if state.exceptions else None
    return state.exceptions


def _via_router(node: "Node", e: Exception6) -> bool:
    """rt6_age_examine_exception: a gateway exception needs its gateway to be a known router."""
    if e.target == e.dst:
        return True
    entry = node.ip6.stack.neigh.get(e.dev, e.target)
    return entry is not None and entry.router


def clean_tohost(stack: "Stack6", gateway: IPv6Address) -> None:
    """rt6_clean_tohost: a neighbour stopped being a router; the exceptions through it go."""
    state = stack.redirects
    state.exceptions = [e for e in state.exceptions if e.target != gateway or e.target == e.dst]


def maybe_send(stack: "Stack6", pkt: IPv6Packet, iface: "Interface", route: "Route6") -> None:
    """ip6_forward's redirect check, then ndisc_send_redirect's own conditions."""
    if route.dev != iface.name:
        return
    target = route.gateway if route.gateway is not None else pkt.dst
    if target != pkt.dst and not target.is_link_local:
        return                      # "Redirect: target address is not link-local unicast"
    node = stack.node
    now = node.sim.now
    state = stack.redirects
    last = state.last_dst.get(pkt.dst)
    if last is not None and now - last < PEER_INTERVAL:
        return
    state.last_dst[pkt.dst] = now
    ll = next((a.ip for a in iface.addresses6 if a.scope == "link" and not a.tentative), None)
    if ll is None:
        return                      # "Redirect: no link-local address"
    try:
        back = stack.route(pkt.src)[0]
    except Exception:               # no way back: nothing to say
        return
    if back.gateway is not None or back.dev != iface.name:
        return                      # "Redirect: destination is not a neighbour"
    last = state.last_src.get(pkt.src)
    if last is not None and now - last < PEER_INTERVAL:
        return
    state.last_src[pkt.src] = now
    entry = stack.neigh.get(iface.name, target)
    mac = entry.mac if entry is not None and entry.usable else None
    msg = Icmp6(REDIRECT, target=target, lladdr=mac, inner=pkt)
    stack._step(pkt, "icmp", "redirect", to=pkt.src, dst=pkt.dst, target=target, dev=iface.name)
    stack.send_quiet(IPv6Packet(ll, pkt.src, msg, hlim=255))


def receive(stack: "Stack6", pkt: IPv6Packet, p: Icmp6, iface: "Interface") -> None:
    """ndisc_redirect_rcv and rt6_do_redirect: only from our current first hop, only on a host."""
    node = stack.node
    inner = p.inner
    if inner is None or p.target is None or not pkt.src.is_link_local or pkt.hlim != 255:
        return
    dev = iface.name
    if node.sysctl.get_int(f"net.ipv6.conf.{dev}.forwarding") or \
            not node.sysctl.get_int(f"net.ipv6.conf.{dev}.accept_redirects"):
        stack._step(pkt, "icmp", "redirect-ignored", dst=inner.dst, target=p.target)
        return
    from simnet.kernel.ipv6.source import RouteError6, route_output

    try:
        current = route_output(node, inner.dst)
    except RouteError6:
        return
    if current.gateway != pkt.src or current.dev != dev:
        return
    state = stack.redirects
    held, state.exceptions = live(node), []
    try:
        base = route_output(node, inner.dst)        # the fib6_info itself, without the exceptions
    finally:
        state.exceptions = held
    if p.lladdr is not None:
        stack.neigh.learn(dev, p.target, p.lladdr, solicited=False)
        entry = stack.neigh.get(dev, p.target)
        if entry is not None and p.target != inner.dst:
            entry.router = True
    now = node.sim.now
    state.exceptions = [e for e in state.exceptions if not (e.dst == inner.dst and e.route is base)]
    state.exceptions.append(Exception6(inner.dst, p.target, dev, base, now))
    if state.gc_at is None:
        state.gc_at = now + GC_INTERVAL           # fib6_force_start_gc
    stack._step(pkt, "icmp", "redirect", dst=inner.dst, target=p.target, dev=dev)


def apply(node: "Node", dst: IPv6Address, route: "Route6") -> "Route6":
    """A learned first hop for ``dst`` on this route replaces its gateway (a use: the GC spares it)."""
    exc = next((e for e in live(node) if e.dst == dst and e.route is route), None)
    if exc is None or route.dev != exc.dev or route.type != "unicast":
        return route
    exc.lastuse = node.sim.now
    return replace(route, gateway=exc.target if exc.target != dst else None)
