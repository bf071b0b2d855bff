"""ICMP errors a node sends, and the path MTUs it learns from them.

``send_error`` is the kernel's icmp_send: never about an ICMP error, never to
0.0.0.0 or multicast, held back by the per-destination rate limit
(:mod:`simnet.kernel.icmplimit`), from the address the packet was for if it was
ours. :class:`PathMtu` keeps what "fragmentation needed" taught a sender
(fib_nh_exception with an MTU): the next packet to that destination is cut
to fit, for ten minutes.
"""
from __future__ import annotations

from dataclasses import replace
from ipaddress import IPv4Address
TYPE_CHECKING = False      # typing's, without importing typing: ~4 ms of every cold start (issue 20)

from simnet.kernel.icmplimit import DEFAULT_RATEMASK, ROUTE_ERROR_BURST, ROUTE_ERROR_COST, limited_type
from simnet.kernel.routing import RouteError
from simnet.kernel.sockets import answer_leg
from simnet.links.packet import REDIRECT, Icmp, IPv4Packet

if TYPE_CHECKING:
    from simnet.kernel.stack import Stack

__all__ = ["send_error", "route_error_allowed", "PathMtu", "PMTU_MIN", "PMTU_EXPIRES"]

ANY = IPv4Address(0)
PMTU_MIN = 552            # net.ipv4.route.min_pmtu
PMTU_EXPIRES = 600.0      # net.ipv4.route.mtu_expires (seconds)


def send_error(stack: "Stack", offending: IPv4Packet, icmp_type: int, code: int,
               force_src: IPv4Address | None = None, gateway: IPv4Address | None = None, mtu: int = 0) -> None:
    """icmp_send: the source is the address the packet was for if it was ours, else
    whatever the route back to the sender chooses."""
    p = offending.payload
    if isinstance(p, Icmp) and p.is_error:
        return
    if offending.src == ANY or offending.src.is_multicast:
        return
    if not _allowed(stack, offending, icmp_type, code):
        return
    node = stack.node
    src = force_src
    if src is None and node.is_local(offending.dst):
        src = offending.dst
    err = IPv4Packet(src or ANY, offending.src,
                     Icmp(icmp_type, code, inner=replace(offending, journey=None), gateway=gateway, mtu=mtu),
                     ttl=node.sysctl.get_int("net.ipv4.ip_default_ttl"), tos=0xC0,
                     journey=offending.journey, dont_fragment=False)
    if icmp_type == REDIRECT:
        # the original packet goes on; the redirect is a side note, not its answer
        err = replace(err, journey=None)
    else:
        stack._step(err, "icmp", "error", type=icmp_type, code=code, to=offending.src)
        answer_leg(err)
    stack.send_local_error(err)


def route_error_allowed(stack: "Stack", pkt: IPv4Packet) -> bool:
    """ip_error: a packet without a route costs the sender's bucket a token before the
    "unreachable" is even built (ip_rt_error_cost 1 s, burst 5 s)."""
    if stack.icmp_limiter.allow(pkt.src, stack.node.sim.now * 1000.0, ROUTE_ERROR_COST, ROUTE_ERROR_BURST):
        return True
    stack._step(pkt, "icmp", "ratelimited", to=pkt.src, ratelimit=ROUTE_ERROR_COST)
    return False


def _allowed(stack: "Stack", offending: IPv4Packet, icmp_type: int, code: int) -> bool:
    """icmpv4_xrlim_allow: the per-destination token bucket, unless the type is not
    in icmp_ratemask or the error goes out over loopback (to ourselves)."""
    sysctl = stack.node.sysctl
    key = "net.ipv4.icmp_ratemask"
    mask = sysctl.get_int(key) if key in sysctl else DEFAULT_RATEMASK
    if not limited_type(icmp_type, code, mask):
        return True
    try:
        route, _ = stack.route_output(offending.src)
    except RouteError:
        return True                       # the error fails later, where the trace shows it
    if route.type == "local" or route.dev == "lo":
        return True
    timeout = sysctl.get_int("net.ipv4.icmp_ratelimit") if "net.ipv4.icmp_ratelimit" in sysctl else 1000
    if stack.icmp_limiter.allow(offending.src, stack.node.sim.now * 1000.0, timeout):
        return True
    stack._step(offending, "icmp", "ratelimited", type=icmp_type, code=code, to=offending.src,
                ratelimit=timeout)
    return False


class PathMtu:
    """Learned path MTUs of one node: destination -> (mtu, expires at)."""

    def __init__(self, stack: "Stack") -> None:
        self._stack = stack
        self._learned: dict[IPv4Address, tuple[int, float]] = {}

    def device_mtu(self, dev: str | None) -> int:
        iface = self._stack.node.interfaces.get(dev or "lo")
        return iface.mtu if iface is not None else 65536

    def path_mtu(self, dst: IPv4Address, dev: str | None) -> int:
        mtu = self.device_mtu(dev)
        learned = self.exception(dst)
        return min(mtu, learned[0]) if learned else mtu

    def exception(self, dst: IPv4Address) -> tuple[int, float] | None:
        entry = self._learned.get(dst)
        if entry is not None and entry[1] <= self._stack.node.sim.now:
            del self._learned[dst]
            return None
        return entry

    def learn(self, err: Icmp) -> None:
        """__ip_rt_update_pmtu: remember a smaller MTU towards the quoted packet's destination."""
        inner = err.inner
        if inner is None or not err.mtu:
            return
        try:
            route, _ = self._stack.route_output(inner.dst)
        except RouteError:
            return
        old = self.path_mtu(inner.dst, route.dev)
        mtu = err.mtu
        if old < mtu:
            return                            # only ever lowered
        if mtu < PMTU_MIN:
            mtu = min(old, PMTU_MIN)
        self._learned[inner.dst] = (mtu, self._stack.node.sim.now + PMTU_EXPIRES)

    def clear(self) -> None:
        self._learned.clear()
