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
"""
from __future__ import annotations

from dataclasses import replace
from ipaddress import IPv6Address
TYPE_CHECKING = False      # typing's, without importing typing (tests/test_cold_imports.py)

from simnet.links.packet6 import REDIRECT, Icmp6, IPv6Packet

if TYPE_CHECKING:
    from simnet.kernel.interface import Interface
    from simnet.kernel.ipv6.fib6 import Route6
    from simnet.kernel.ipv6.stack6 import Stack6
    from simnet.kernel.node import Node

__all__ = ["Redirects6", "maybe_send", "receive", "apply"]

PEER_INTERVAL = 1.0          # inet_peer_xrlim_allow(peer, 1*HZ)


class Redirects6:
    """As a router: when the last redirect went out per destination and per sender; as a host:
    the learned first hops per destination (gateway, device)."""

    def __init__(self) -> None:
        self.last_dst: dict[IPv6Address, float] = {}
        self.last_src: dict[IPv6Address, float] = {}
        self.exceptions: dict[IPv6Address, tuple[IPv6Address, str]] = {}


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
    if p.lladdr is not None:
        stack.neigh.learn(dev, p.target, p.lladdr, solicited=False)
        entry = stack.neigh.get(dev, p.target)
        if entry is not None and p.target != inner.dst:
            entry.router = True
    stack.redirects.exceptions[inner.dst] = (p.target, dev)
    stack._step(pkt, "icmp", "redirect", dst=inner.dst, target=p.target, dev=dev)


def apply(node: "Node", dst: IPv6Address, route: "Route6") -> "Route6":
    """A learned first hop for ``dst`` replaces the route's gateway (what ``show cache`` lists)."""
    exc = node.ip6.stack.redirects.exceptions.get(dst)
    if exc is None or route.dev != exc[1] or route.type != "unicast":
        return route
    return replace(route, gateway=exc[0] if exc[0] != dst else None)
