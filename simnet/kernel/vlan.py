"""802.1Q VLAN subinterfaces (``ip link add link eth0 name eth0.10 type vlan id 10``).

A VLAN device sits on a lower device and shares its MAC. What it sends leaves the
lower device with a 4-byte tag carrying the VLAN id (tcpdump -e on eth0 shows
``ethertype 802.1Q (0x8100) … vlan 10, p 0``); a tagged frame that arrives on the
lower device goes to the VLAN device with that id, untagged, or is dropped when
there is none (vlan_do_receive). Untagged frames stay with the lower device.
This is how a router on a stick serves several VLANs through one cable.
"""
from __future__ import annotations

TYPE_CHECKING = False      # typing's, without importing typing: ~4 ms of every cold start (issue 20)

from simnet.links.packet import Frame

if TYPE_CHECKING:
    from simnet.kernel.interface import Interface
    from simnet.kernel.node import Node

__all__ = ["add_vlan", "transmit", "receive", "proc_config"]


def add_vlan(node: "Node", name: str, lower: "Interface", vid: int) -> "Interface":
    """Create the VLAN device; it takes the lower device's MAC and MTU."""
    iface = node.add_interface(name, kind="vlan", mac=lower.mac, mtu=lower.mtu)
    iface.vlan_id = vid
    iface.lower = lower
    return iface


def transmit(node: "Node", vif: "Interface", frame: Frame) -> None:
    """vlan_dev_hard_start_xmit: tag the frame and hand it to the lower device."""
    lower = vif.lower
    if lower is None or lower.name not in node.interfaces or not lower.admin_up:
        return
    tagged = frame.tagged(vif.vlan_id)
    lower.counters.tx_packets += 1
    lower.counters.tx_bytes += tagged.size
    if node.captures:
        node.stack._tap(lower, "out", tagged)
    if lower.segment is not None:
        lower.segment.transmit(tagged, lower)
    elif lower.bridge is not None:
        lower.bridge.transmit(tagged)


def receive(node: "Node", frame: Frame, lower: "Interface") -> None:
    """A tagged frame on ``lower``: counted and captured there, then the VLAN device takes it."""
    lower.counters.rx_packets += 1
    lower.counters.rx_bytes += frame.size or frame.length
    if node.captures:
        node.stack._tap(lower, "in", frame)
    for vif in node.interfaces.values():
        if vif.lower is lower and vif.vlan_id == frame.vlan:
            if vif.admin_up:
                node.stack.receive_frame(frame.tagged(0), vif)
            return
    payload = frame.payload
    if getattr(payload, "journey", None) is not None:
        node.stack._step(payload, "vlan", "no-device", dev=lower.name, vid=frame.vlan)


def proc_config(node: "Node") -> str:
    """/proc/net/vlan/config (net/8021q/vlanproc.c)."""
    lines = ["VLAN Dev name\t | VLAN ID", "Name-Type: VLAN_NAME_TYPE_RAW_PLUS_VID_NO_PAD"]
    for vif in sorted(node.interfaces.values(), key=lambda i: i.index):
        if vif.kind == "vlan" and vif.lower is not None:
            lines.append(f"{vif.name:<15}| {vif.vlan_id}  | {vif.lower.name}")
    return "\n".join(lines) + "\n"
