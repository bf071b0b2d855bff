"""ICMP redirects: a router tells an on-link sender about a better next hop.

Linux sends one when it forwards a packet out of the interface it came in on
and the sender is directly connected (``send_redirects``, on by default), with
exponential back-off per sender. A host (not a router) that receives one
remembers a next-hop exception for that destination — but only once the new
gateway's MAC is known; otherwise it first asks ARP.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from ipaddress import IPv4Address
TYPE_CHECKING = False      # typing's, without importing typing: ~4 ms of every cold start (issue 20)

from simnet.kernel.routing import Route, RouteError
from simnet.links.packet import REDIR_HOST, REDIRECT, Icmp, IPv4Packet

if TYPE_CHECKING:
    from simnet.kernel.interface import Interface
    from simnet.kernel.stack import Stack

__all__ = ["should_redirect", "send_redirect", "receive_redirect", "apply_exception", "Exception_", "Redirects"]

REDIRECT_LOAD = 0.02          # ip_rt_redirect_load = HZ/50
REDIRECT_NUMBER = 9           # ip_rt_redirect_number
REDIRECT_SILENCE = 0.02 * (1 << 10)
EXCEPTION_LIFETIME = 300.0    # ip_rt_gc_timeout


@dataclass
class Exception_:
    """A learned next hop for one destination (fib_nh_exception)."""

    gateway: IPv4Address
    dev: str
    expires: float


@dataclass
class _Peer:
    """inet_peer's redirect bookkeeping for one sender: redirects sent and when the last one went out."""

    count: int = 0
    last: float = -1e9


@dataclass
class Redirects:
    """A stack's redirect state: as a router the back-off per sender (inet_peer), as a host the
    next hops learned per destination (fib_nh_exception, ``ip route get`` shows them)."""

    peers: dict[IPv4Address, _Peer] = field(default_factory=dict)
    exceptions: dict[IPv4Address, Exception_] = field(default_factory=dict)


def should_redirect(stack: "Stack", pkt: IPv4Packet, iface: "Interface", route: Route) -> bool:
    """RTCF_DOREDIRECT: same interface out as in, redirects enabled, sender on-link."""
    if route.dev != iface.name:
        return False
    sysctl = stack.node.sysctl
    if not (sysctl.get_int("net.ipv4.conf.all.send_redirects")
            or sysctl.get_int(f"net.ipv4.conf.{iface.name}.send_redirects")):
        return False
    try:
        back, _ = stack.route_output(pkt.src)
    except RouteError:
        return False
    return back.dev == iface.name and back.gateway is None and back.type == "unicast"


def send_redirect(stack: "Stack", pkt: IPv4Packet, route: Route) -> None:
    """ip_rt_send_redirect with its back-off per sender."""
    now = stack.node.sim.now
    peers = stack.redirects.peers
    peer = peers.setdefault(pkt.src, _Peer())
    if now - peer.last > REDIRECT_SILENCE:
        peer.count = 0
    if peer.count >= REDIRECT_NUMBER:
        peer.last = now
        return
    if peer.count and now < peer.last + (REDIRECT_LOAD * (1 << peer.count)):
        return
    peer.count += 1
    peer.last = now
    gateway = route.gateway or pkt.dst
    stack.icmp_error(pkt, REDIRECT, REDIR_HOST, gateway=gateway)


def receive_redirect(stack: "Stack", pkt: IPv4Packet, iface: "Interface") -> None:
    """__ip_do_redirect: accept only from the current gateway, only on hosts."""
    p = pkt.payload
    assert isinstance(p, Icmp)
    if p.inner is None or p.gateway is None:
        return
    node = stack.node
    sysctl = node.sysctl
    if sysctl.forwarding(iface.name):
        accept = (sysctl.get_int("net.ipv4.conf.all.accept_redirects")
                  and sysctl.get_int(f"net.ipv4.conf.{iface.name}.accept_redirects"))
    else:
        accept = (sysctl.get_int("net.ipv4.conf.all.accept_redirects")
                  or sysctl.get_int(f"net.ipv4.conf.{iface.name}.accept_redirects"))
    if not accept:
        return
    dst = p.inner.dst
    try:
        route, _ = stack.route_output(dst)
    except RouteError:
        return
    if route.gateway != pkt.src or route.dev != iface.name:
        return
    new_gw = p.gateway
    if new_gw in node.local_addresses() or not node.gateway_onlink(new_gw, iface.name):
        return
    entry = node.neigh.get(iface.name, new_gw)
    if entry is None or not entry.usable:
        node.neigh.resolve(iface.name, new_gw, None)
        return
    stack.redirects.exceptions[dst] = Exception_(new_gw, iface.name, node.sim.now + EXCEPTION_LIFETIME)


def apply_exception(stack: "Stack", dst: IPv4Address, route: Route) -> Route:
    """Use a learned next hop instead of the route's gateway (what ``cache <redirected>`` shows)."""
    exc = stack.redirects.exceptions.get(dst)
    if exc is None or route.gateway is None or route.type != "unicast":
        return route
    if exc.expires <= stack.node.sim.now:
        del stack.redirects.exceptions[dst]
        return route
    return replace(route, gateway=exc.gateway, dev=exc.dev)
