"""Neighbour discovery of one node's IPv6 stack (ndisc.c): solicitations out (for the
neighbour table's state machine, the same as ARP's), solicitations and advertisements in,
router solicitations out. Apart from :mod:`simnet.kernel.ipv6.stack6` so the packet path
stays readable; the neighbour table and the packet in hand stay the stack's."""
from __future__ import annotations

from ipaddress import IPv6Address
TYPE_CHECKING = False      # typing's, without importing typing: ~4 ms of every cold start (issue 20)

from simnet.kernel.ipv6 import redirect6
from simnet.links.mac import MacAddress
from simnet.links.packet6 import (ADDR_UNREACH, ALL_NODES, ALL_ROUTERS, DST_UNREACH, NEIGH_ADVERT, NEIGH_SOLICIT,
                                  ROUTER_SOLICIT, Icmp6, IPv6Packet, multicast_mac, solicited_node)
from simnet.trace import Disposition

if TYPE_CHECKING:
    from simnet.kernel.interface import Interface
    from simnet.kernel.ipv6.stack6 import Stack6
    from simnet.kernel.neighbour import NeighbourEntry

__all__ = ["Ndisc"]


class Ndisc:
    """The stack's neighbour discovery; its bound methods are the neighbour table's callbacks
    (bound methods, not closures, so a lab still pickles for the exercise snapshots)."""

    def __init__(self, stack: "Stack6") -> None:
        self.stack = stack

    def send_ns(self, dev: str, ip: IPv6Address, unicast: MacAddress | None) -> None:
        """ndisc_solicit: from the waiting packet's source if it is ours, else a chosen one."""
        node = self.stack.node
        iface = node.interfaces.get(dev)
        if iface is None or not iface.admin_up:
            return
        entry = self.stack.neigh.get(dev, ip)
        src = None
        waiting = entry.queue[-1] if entry is not None and entry.queue else self.stack._resolving
        if waiting is not None:
            queued = waiting.src
            if any(a.ip == queued and not a.tentative for a in iface.addresses6):
                src = queued
        if src is None:                # ndisc_send_ns without a source: the device's link-local
            src = next((a.ip for a in iface.addresses6 if a.scope == "link" and not a.tentative
                        and "dadfailed" not in a.flags), None)
            if src is None:
                return
        dst = ip if unicast is not None else solicited_node(ip)
        ns = IPv6Packet(src, dst, Icmp6(NEIGH_SOLICIT, target=ip, lladdr=iface.mac), hlim=255)
        self.stack.emit(iface, unicast or multicast_mac(dst), ns)

    def transmit(self, entry: "NeighbourEntry", pkt: IPv6Packet) -> None:
        iface = self.stack.node.interfaces.get(entry.dev)
        if iface is None or entry.mac is None:
            return
        self.stack._step(pkt, "ndisc", "resolved", ip=entry.ip, mac=entry.mac, dev=entry.dev, state=entry.state)
        self.stack._step(pkt, "transmit", "send", dev=entry.dev, nexthop=entry.ip)
        self.stack.emit(iface, entry.mac, pkt)

    def failed(self, entry: "NeighbourEntry", pkt: IPv6Packet) -> None:
        self.stack._step(pkt, "ndisc", "failed", ip=entry.ip, dev=entry.dev)
        self.stack._finish(pkt, Disposition.ND_FAILED, ip=entry.ip, dev=entry.dev)
        self.stack.icmp_error(pkt, DST_UNREACH, ADDR_UNREACH)

    def ns_rcv(self, pkt: IPv6Packet, p: Icmp6, iface: "Interface") -> None:
        """ndisc_recv_ns: learn the asker (STALE), answer with a solicited advertisement."""
        if p.target is None:
            return
        own = next((a for a in iface.addresses6 if a.ip == p.target), None)
        if own is None or own.tentative:
            return
        dad = pkt.src.is_unspecified
        if not dad and p.lladdr is not None:
            self.stack.neigh.learn(iface.name, pkt.src, p.lladdr, solicited=False)
        flags = ("R" if self.stack._forwarding(iface.name) else "") + \
            ("" if dad else "S") + "O"
        # the target's link-layer address rides along only for a multicast solicitation
        lladdr = iface.mac if pkt.dst.is_multicast else None
        na = IPv6Packet(p.target, ALL_NODES if dad else pkt.src,
                        Icmp6(NEIGH_ADVERT, target=p.target, lladdr=lladdr, flags=flags), hlim=255)
        if dad:
            self.stack.emit(iface, multicast_mac(ALL_NODES), na)
        else:
            self.stack._resolving = na
            try:
                self.stack.neigh.resolve(iface.name, pkt.src, na)
            finally:
                self.stack._resolving = None

    def send_rs(self, iface: "Interface", src: IPv6Address) -> None:
        """ndisc_send_rs: to all routers, with our link-layer address."""
        rs = IPv6Packet(src, ALL_ROUTERS, Icmp6(ROUTER_SOLICIT, lladdr=iface.mac), hlim=255)
        if iface.admin_up and (iface.segment is not None or iface.bridge is not None or iface.lower is not None):
            self.stack.emit(iface, multicast_mac(ALL_ROUTERS), rs)


    def na_rcv(self, p: Icmp6, iface: "Interface") -> None:
        """ndisc_recv_na for a neighbour's address: learn its link-layer address, and its router
        flag (a router turned host loses its routes through it: rt6_clean_tohost)."""
        stack = self.stack
        if p.target is None:
            return
        entry = stack.neigh.get(iface.name, p.target)
        mac = p.lladdr or (entry.mac if entry is not None else None)
        if mac is not None:
            stack.neigh.learn(iface.name, p.target, mac, solicited="S" in p.flags)
            entry = stack.neigh.get(iface.name, p.target)
            if entry is not None:
                if entry.router and "R" not in p.flags:       # router to host: rt6_clean_tohost
                    redirect6.clean_tohost(stack, p.target)
                entry.router = "R" in p.flags
