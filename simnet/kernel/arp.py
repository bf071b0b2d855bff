"""ARP for IPv4 over Ethernet (RFC 826): the request the neighbour table of
:mod:`simnet.kernel.stack` sends to resolve an address (what a node does with an ARP packet
that reaches it, arp_process, is the stack's ``_arp_rcv``)."""
from __future__ import annotations

from ipaddress import IPv4Address
TYPE_CHECKING = False      # typing's, without importing typing: on the cold path (issue 20)

from simnet.links.mac import BROADCAST, MacAddress
from simnet.links.packet import ArpPacket

if TYPE_CHECKING:
    from simnet.kernel.interface import Interface
    from simnet.kernel.stack import Stack

__all__ = ["send_request"]

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

