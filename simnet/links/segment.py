"""A segment is one Ethernet broadcast domain (a switch, a bridge, a cable).

Frames take ``delay`` simulated seconds to cross it. Broadcasts reach every
other interface; unicast frames reach the interface with that MAC (a learning
switch that already knows everyone), so tcpdump on a third node does not see
them — just like on a Linux bridge after the first exchange. A MAC that lives
behind a node's bridge (or a switch node) is learned from the frames that port
sends; a unicast to a MAC nobody owns or sent from is flooded to every other
interface (a segment of two is a cable and hands everything to the other end), where the receiving stack drops it after tcpdump saw it
(:meth:`~simnet.kernel.stack.Stack.receive_flooded`).
"""
from __future__ import annotations

from dataclasses import dataclass, field
TYPE_CHECKING = False      # typing's, without importing typing: ~4 ms of every cold start (issue 20)

from simnet.links.packet import Frame
from simnet.links.mac import BROADCAST

if TYPE_CHECKING:
    from simnet.core.events import Simulator
    from simnet.kernel.interface import Interface
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

    def attach(self, node: "Node", iface: "Interface") -> None:
        self.ports.append((node, iface))
        iface.segment = self

    def detach(self, iface: "Interface") -> None:
        self.ports = [(n, i) for n, i in self.ports if i is not iface]
        iface.segment = None
        self.learned = {mac: i for mac, i in self.learned.items() if i is not iface}

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
            # should not cost a thousand heap operations
            receivers = [(n, i) for n, i in self.ports if i is not sender]
            if receivers:
                self.sim.post(self.delay, _deliver_all, frame, receivers)
            return
        for node, iface in self.ports:
            if iface is not sender and iface.mac.value == dst:
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


def _deliver_all(frame: Frame, receivers: list[tuple["Node", "Interface"]]) -> None:
    for node, iface in receivers:
        node.stack.receive_frame(frame, iface)


def _deliver_flooded(frame: Frame, receivers: list[tuple["Node", "Interface"]]) -> None:
    for node, iface in receivers:
        node.stack.receive_flooded(frame, iface)
