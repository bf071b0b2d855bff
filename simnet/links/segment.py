"""A segment is one Ethernet broadcast domain (a switch, a bridge, a cable).

Frames take ``delay`` simulated seconds to cross it. Broadcasts reach every
other interface; unicast frames reach the interface with that MAC (a learning
switch that already knows everyone), so tcpdump on a third node does not see
them — just like on a Linux bridge after the first exchange. A MAC that lives
behind a node's bridge (or a switch node) is learned from the frames that port
sends; a unicast to a MAC nobody owns or sent from is flooded to every other
interface (a segment of two is a cable and hands everything to the other end), where the receiving stack drops it after tcpdump saw it
(:meth:`~simnet.kernel.stack.Stack.receive_flooded`).

A segment of a thousand hosts (issue 20) answers its frequent questions from an index of its ports
(:class:`Plan`: who has a MAC, who holds an IPv6 address, who could observe a frame), built on first
use and dropped by :meth:`Segment.touch` whenever a port's MAC, IPv6 addresses, bridge role or
captures change. ``Segment.check_index`` (switched on by the tests) compares every answer with the
plain scan of all ports.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from ipaddress import IPv4Address
TYPE_CHECKING = False      # typing's, without importing typing: ~4 ms of every cold start (issue 20)

from simnet.links.packet import ArpPacket, Frame
from simnet.links.mac import BROADCAST

if TYPE_CHECKING:
    from simnet.core.events import Simulator
    from simnet.kernel.interface import Counters, Interface
    from simnet.kernel.node import Node

__all__ = ["Segment"]

DEFAULT_DELAY = 0.00003   # 30 µs: about what a veth pair through a bridge costs


@dataclass(eq=False)
class Segment:
    """A layer-2 segment (a cable, switch or Wi-Fi) joining interfaces; delivers frames after ``delay``."""

    name: str
    sim: "Simulator"
    delay: float = DEFAULT_DELAY
    ports: list[tuple["Node", "Interface"]] = field(default_factory=list)
    up: bool = True
    label: str | None = None     # caption from the lab file, for drawings
    prefix: str | None = None    # the prefix the lab file names for it
    # MACs seen as the source of frames from an interface: the hosts behind a bridge port
    learned: dict[int, "Interface"] = field(default_factory=dict)
    _plan: "Plan | None" = field(default=None, repr=False)

    #: tests switch this on: every indexed answer is checked against a fresh scan of the ports
    check_index = False

    def attach(self, node: "Node", iface: "Interface") -> None:
        self.ports = [*self.ports, (node, iface)]      # a new list: a frame in flight keeps its receivers
        iface.segment = self
        self._plan = None

    def detach(self, iface: "Interface") -> None:
        self.ports = [(n, i) for n, i in self.ports if i is not iface]
        iface.segment = None
        self.learned = {mac: i for mac, i in self.learned.items() if i is not iface}
        self._plan = None

    def touch(self) -> None:
        """A port's MAC, IPv6 addresses, bridge role or its node's captures changed: rebuild the index."""
        self._plan = None

    @property
    def plan(self) -> "Plan":
        """The index of the ports (see the module docstring)."""
        plan = self._plan
        if plan is None:
            plan = self._plan = Plan(self.ports)
        elif self.check_index:
            fresh = Plan(self.ports)
            assert (plan.ports, plan.by_mac, plan.v6, plan.observers, plan.arp) == \
                (fresh.ports, fresh.by_mac, fresh.v6, fresh.observers, fresh.arp), \
                f"segment {self.name}: stale index (a change without Segment.touch)"
        return plan

    def holds_ip6(self, iface: "Interface", ip: int) -> bool:
        """Does a port other than ``iface`` carry the IPv6 address ``ip`` (an int), in any state?"""
        return any(i is not iface for i in self.plan.v6.get(ip, ()))

    def observed(self, iface: "Interface") -> bool:
        """Could a port other than ``iface`` show a frame nobody acts on: a capture on its node,
        or a bridge (port) that passes it on? (:func:`simnet.kernel.ipv6.mld.observed`)"""
        return any(i is not iface for i in self.plan.observers)

    def transmit(self, frame: Frame, sender: "Interface") -> None:
        """Put ``frame`` on the wire; it arrives after ``delay``."""
        if not self.up:
            return
        dst = frame.dst.value
        ports = self.ports
        if len(ports) > 2:
            self.learned[frame.src.value] = sender
        if dst == _BROADCAST_VALUE or dst & _GROUP_BIT:
            # broadcast and multicast (IPv6's 33:33:…) reach every port; each receiver filters
            # one timer for all receivers: a broadcast on a segment of a thousand hosts
            # should not cost a thousand heap operations (nor a list of them: the port list is
            # never changed in place, so the frame keeps the ports it was sent to)
            if any(i is not sender for _, i in ports):
                self.sim.post(self.delay, _deliver_all, frame, ports, sender)
            return
        for node, iface in self.plan.by_mac.get(dst, ()):       # the first port with that MAC
            if iface is not sender:
                self.sim.post(self.delay, node.stack.receive_frame, frame, iface)
                return
        behind = self.learned.get(dst) if len(ports) > 2 else None     # two ports: a cable
        if behind is not None:
            if behind is not sender:
                for node, iface in self.ports:
                    if iface is behind:
                        self.sim.post(self.delay, node.stack.receive_frame, frame, iface)
            return
        receivers = [(n, i) for n, i in self.ports if i is not sender]
        if receivers:
            self.sim.post(self.delay, _deliver_flooded, frame, receivers)

    def neighbours(self, iface: "Interface") -> list[tuple["Node", "Interface"]]:
        return [(n, i) for n, i in self.ports if i is not iface]


_BROADCAST_VALUE = BROADCAST.value
_GROUP_BIT = 1 << 40          # the I/G bit of the first octet


class Plan:
    """The index of a segment's ports, in port order: by MAC (unicast delivery), by IPv6 address
    (DAD: does a neighbour hold it?), the ports where a frame could be observed, and every port
    with the counters of a plain receiver (up, no bridge, no capture: for ARP requests) or None."""

    __slots__ = ("ports", "by_mac", "v6", "observers", "arp")

    def __init__(self, ports: list[tuple["Node", "Interface"]]) -> None:
        self.ports = ports
        self.by_mac: dict[int, list[tuple["Node", "Interface"]]] = {}
        self.v6: dict[int, list["Interface"]] = {}
        self.observers: list["Interface"] = []
        self.arp: list[tuple["Node", "Interface", "Counters | None"]] = []
        for node, iface in ports:
            plain = (iface.admin_up and iface.master is None and not node.captures
                     and node.interfaces.get(iface.name) is iface)
            self.arp.append((node, iface, iface.counters if plain else None))
            self.by_mac.setdefault(iface.mac.value, []).append((node, iface))
            for a in iface.addresses6:
                self.v6.setdefault(a.interface._ip, []).append(iface)  # type: ignore[attr-defined]
            if node.captures or iface.master is not None or iface.bridge is not None:
                self.observers.append(iface)


def _deliver_all(frame: Frame, ports: list[tuple["Node", "Interface"]], sender: "Interface") -> None:
    """A broadcast or multicast frame reaches every port but the sender's, in port order."""
    payload = frame.payload
    if type(payload) is ArpPacket and payload.op == 1 and not frame.vlan and type(payload.target_ip) is IPv4Address:
        _deliver_arp_request(frame, payload, ports, sender)
        return
    for node, iface in ports:
        if iface is not sender:
            node.stack.receive_frame(frame, iface)


def _deliver_arp_request(frame: Frame, arp: ArpPacket, ports: list[tuple["Node", "Interface"]],
                         sender: "Interface") -> None:
    """A broadcast ARP request, as :meth:`~simnet.kernel.stack.Stack.receive_frame` and
    :func:`~simnet.kernel.arp.receive` take it on every receiver, with the common case inline: a
    plain, up port of a node without captures that does not own the target only counts the frame
    (on a segment of a thousand hosts that is all but one receiver of every request)."""
    seg = sender.segment
    plan = seg.plan if seg is not None else None
    if plan is None or plan.ports is not ports:      # the ports changed while the frame was on the wire
        for node, iface in ports:
            if iface is not sender:
                node.stack.receive_frame(frame, iface)
        return
    target = arp.target_ip._ip  # type: ignore[attr-defined]
    size = frame.size
    check = Segment.check_index
    for node, iface, counters in plan.arp:
        if iface is sender:
            continue
        if check:
            assert (target in node.own_ips()) == node.is_own_address(arp.target_ip), f"{node.name}: stale own_ips"
        if counters is not None and target not in (node._own4 or node.own_ips()):
            counters.rx_packets += 1
            counters.rx_bytes += size
        else:
            node.stack.receive_frame(frame, iface)


def _deliver_flooded(frame: Frame, receivers: list[tuple["Node", "Interface"]]) -> None:
    for node, iface in receivers:
        node.stack.receive_flooded(frame, iface)
