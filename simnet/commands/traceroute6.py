"""traceroute 2.1.2 to an IPv6 address: the probe loop of :mod:`simnet.commands.traceroute`
with IPv6 probes (80 bytes by default: 40 of IPv6 header, 8 of UDP, 32 of data).

ICMPv6 answers end a probe: "time exceeded" names a hop, "port unreachable"
from the target ends the trace, and the other unreachables mark it as
traceroute does for IPv6 (no route ``!N``, administratively prohibited ``!X``,
address unreachable or beyond scope ``!H``).
"""
from __future__ import annotations

from ipaddress import IPv6Address
from typing import TYPE_CHECKING, Any

from simnet.commands.traceroute import Family, NoRoute
from simnet.commands.traceroute_args import Opts
from simnet.kernel.ipv6.source import ROUTE_ERRNO, RouteError6
from simnet.kernel.ipv6.stack6 import ROUTE_DISPOSITION
from simnet.links.packet6 import DST_UNREACH, ECHO_REPLY, ECHO_REQUEST, TIME_EXCEED, Icmp6, IPv6Packet
from simnet.trace import Journey

if TYPE_CHECKING:
    from simnet.kernel.node import Node

__all__ = ["INET6"]

UNREACH6 = {0: "!N", 1: "!X", 2: "!H", 3: "!H", 4: ""}


class _Inet6(Family):
    address = IPv6Address
    icmp = Icmp6
    icmp_key = "icmp6"
    hops_field = "hlim"
    headers = 48
    echo_request, echo_reply = ECHO_REQUEST, ECHO_REPLY
    time_exceeded, dest_unreach = TIME_EXCEED, DST_UNREACH
    unreach_marks = UNREACH6

    def size(self, o: Opts) -> int:
        return 80 if o.packetlen is None else max(o.packetlen, self.headers)

    def is_local(self, node: "Node", src: IPv6Address) -> bool:
        return node.ip6.local_address(src) is not None

    def route(self, node: "Node", dst: IPv6Address, src: IPv6Address | None, iface: str | None) -> IPv6Address | None:
        try:
            return node.ip6.stack.route(dst, iface)[1]
        except RouteError6 as exc:
            raise NoRoute(ROUTE_ERRNO[exc.kind], exc.kind) from None

    def no_route(self, node: "Node", dst: IPv6Address, kind: str, journey: Journey) -> None:
        # unroutable(): tailscaled notes a subnet route it could have offered (not approved, ...)
        journey.finish(ROUTE_DISPOSITION[kind], node.name, dst=str(dst), local=True, ipv6=True,
                       **node.ip6.stack.unroutable(dst, journey))

    def probe(self, src: IPv6Address | None, dst: IPv6Address, payload: Any, ttl: int, journey: Journey) -> IPv6Packet:
        return IPv6Packet(src or IPv6Address(0), dst, payload, hlim=ttl, journey=journey)

    def send(self, node: "Node", pkt: IPv6Packet, oif: str | None) -> None:
        node.ip6.stack.send(pkt, oif=oif)

    def mark_probe(self, journey: Journey, ttl: int) -> None:
        journey.probe_ttl = ttl          # the hop limit it was sent with: its expiry is an answer


INET6 = _Inet6()
