"""ARP for IPv4 over Ethernet (RFC 826), as the stack of :mod:`simnet.kernel.stack` speaks it:
the request the neighbour table sends to resolve an address, and what a node does with a
request or a reply that reaches it (arp_process)."""
from __future__ import annotations

from ipaddress import IPv4Address
TYPE_CHECKING = False      # typing's, without importing typing: on the cold path (issue 20)

from simnet.links.mac import BROADCAST, MacAddress
from simnet.links.packet import ArpPacket

if TYPE_CHECKING:
    from simnet.kernel.interface import Interface
    from simnet.kernel.stack import Stack

__all__ = ["send_request", "receive"]

ANY = IPv4Address(0)


def send_request(stack: "Stack", dev: str, ip: IPv4Address, unicast: MacAddress | None) -> None:
    """arp_solicit: who has ``ip``? Broadcast, or unicast to the cached MAC when re-probing.
    The request carries the waiting packet's journey, so that a switch that drops it can say
    why where the learner looks (that packet's trace)."""
    node = stack.node
    iface = node.interfaces.get(dev)
    if iface is None or not iface.oper_up:
        return
    entry = node.neigh.get(dev, ip)
    src = None
    if entry is not None and entry.queue:
        # arp_announce=0: the newest queued packet's source, if it is ours on any interface
        queued_src = entry.queue[-1].src
        if queued_src in node.local_addresses():
            src = queued_src
    if src is None:
        src = stack.select_source(dev, ip, "link") or ANY
    request = ArpPacket(1, iface.mac, src, MacAddress(0), ip,
                        entry.queue[-1].journey if entry is not None and entry.queue else None)
    stack._emit(iface, unicast or BROADCAST, request)


def receive(stack: "Stack", arp: ArpPacket, iface: "Interface") -> None:
    """arp_process: a request for one of our addresses teaches us the sender and is answered;
    a reply completes the neighbour entry that asked. Every node on a segment asks this for
    every broadcast request, so the address test is is_own_address (ints, no address list)."""
    node = stack.node
    if arp.is_request:
        if not node.is_own_address(arp.target_ip) or arp.sender_ip == ANY:
            return
        node.neigh.learn(iface.name, arp.sender_ip, arp.sender_mac, solicited=False)
        reply = ArpPacket(2, iface.mac, arp.target_ip, arp.sender_mac, arp.sender_ip)
        stack._emit(iface, arp.sender_mac, reply)
    else:
        node.neigh.learn(iface.name, arp.sender_ip, arp.sender_mac, solicited=True)
