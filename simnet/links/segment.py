"""A segment is one Ethernet broadcast domain (a switch, a bridge, a cable).

Frames take ``delay`` simulated seconds to cross it. Broadcasts reach every
other interface; unicast frames reach the interface with that MAC (a learning
switch that already knows everyone), so tcpdump on a third node does not see
them — just like on a Linux bridge after the first exchange.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

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
    name: str
    sim: "Simulator"
    delay: float = DEFAULT_DELAY
    ports: list[tuple["Node", "Interface"]] = field(default_factory=list)
    up: bool = True
    label: str | None = None     # caption from the lab file, for drawings
    prefix: str | None = None    # the prefix the lab file names for it

    def attach(self, node: "Node", iface: "Interface") -> None:
        self.ports.append((node, iface))
        iface.segment = self

    def detach(self, iface: "Interface") -> None:
        self.ports = [(n, i) for n, i in self.ports if i is not iface]
        iface.segment = None

    def transmit(self, frame: Frame, sender: "Interface") -> None:
        """Put ``frame`` on the wire; it arrives after ``delay``."""
        if not self.up:
            return
        dst = frame.dst.value
        if dst == _BROADCAST_VALUE:
            # one timer for all receivers: a broadcast on a segment of a thousand hosts
            # should not cost a thousand heap operations
            receivers = [(n, i) for n, i in self.ports if i is not sender]
            if receivers:
                self.sim.post(self.delay, _deliver_all, frame, receivers)
            return
        for node, iface in self.ports:
            if iface is not sender and iface.mac.value == dst:
                self.sim.post(self.delay, node.stack.receive_frame, frame, iface)

    def neighbours(self, iface: "Interface") -> list[tuple["Node", "Interface"]]:
        return [(n, i) for n, i in self.ports if i is not iface]


_BROADCAST_VALUE = BROADCAST.value


def _deliver_all(frame: Frame, receivers: list[tuple["Node", "Interface"]]) -> None:
    for node, iface in receivers:
        node.stack.receive_frame(frame, iface)
