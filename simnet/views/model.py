"""What a drawing needs to know about a lab, read once into plain data.

The drawing code never touches kernel objects: this module is the only
place that reads nodes, interfaces and segments, so a change in the kernel
model breaks one small function instead of every view.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from ipaddress import IPv4Network
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from simnet.lab import Lab

__all__ = ["IfaceInfo", "NodeInfo", "SegmentInfo", "TopologyModel", "read_model", "icon_kind"]

OVERLAY_DEV = "tailscale0"

# role names from lab files -> the icon family that draws them
ROLE_ICONS = {
    "router": "router", "gateway": "router", "firewall": "router",
    "switch": "switch", "hub": "hub",
    "server": "server", "vps": "vps", "derp": "vps",
    "container": "container", "lxc": "container",
    "hypervisor": "hypervisor", "proxmox": "hypervisor",
    "vm": "vm",
    "laptop": "laptop", "client": "laptop", "notebook": "laptop",
    "internet": "internet", "cloud": "internet",
    "host": "host",
}


@dataclass(frozen=True)
class IfaceInfo:
    """One interface of a node as the drawing shows it (``eth0 192.168.0.1/24``)."""

    name: str
    segment: str | None
    addresses: tuple[str, ...]
    up: bool = True

    @property
    def caption(self) -> str:
        return f"{self.name} {self.addresses[0]}" if self.addresses else self.name


@dataclass(frozen=True)
class NodeInfo:
    """A node as the drawings show it: name, role, icon, interfaces, tailnet address."""

    name: str
    role: str
    icon: str
    interfaces: tuple[IfaceInfo, ...]
    overlay_address: str | None = None     # the tailscale0 address, once the node is in the tailnet

    def iface_on(self, segment: str) -> IfaceInfo | None:
        for i in self.interfaces:
            if i.segment == segment:
                return i
        return None


@dataclass(frozen=True)
class SegmentInfo:
    """A segment as the drawings show it: label, prefix and the nodes plugged in."""

    name: str
    label: str
    prefix: str | None
    members: tuple[str, ...]            # node names in the order they were plugged in

    @property
    def caption(self) -> str:
        return f"{self.label} {self.prefix}" if self.prefix else self.label


@dataclass(frozen=True)
class TopologyModel:
    """What the topology drawing shows of a lab: its nodes and segments."""

    name: str
    nodes: dict[str, NodeInfo] = field(default_factory=dict)
    segments: dict[str, SegmentInfo] = field(default_factory=dict)

    @property
    def overlay_members(self) -> tuple[str, ...]:
        return tuple(n.name for n in self.nodes.values() if n.overlay_address)


def icon_kind(name: str, role: str | None) -> str:
    """The icon family for a node: the role decides, and a router called
    ``internet`` stands for the whole internet and is drawn as a cloud."""
    if name.lower() in ("internet", "inet", "cloud"):
        return "internet"
    return ROLE_ICONS.get((role or "host").lower(), "host")


def _segment_prefix(lab: "Lab", seg_name: str) -> str | None:
    """The prefix the lab file gave, else the network of the first address on it."""
    seg = lab.segments[seg_name]
    given = seg.prefix
    if given:
        return str(given)
    for node, iface in seg.ports:
        for a in iface.primary_addresses():
            return str(IPv4Network(a.interface.network, strict=False))
    return None


def read_model(lab: "Lab") -> TopologyModel:
    """Read nodes, interfaces, addresses and segments of ``lab`` as it is now."""
    nodes: dict[str, NodeInfo] = {}
    for name, node in lab.nodes.items():
        refresh = node.stack.refresh
        if refresh is not None:       # tailscaled applies control-server changes lazily, like lab.run does
            refresh()
        ifaces = []
        overlay = None
        for iface in node.interfaces.values():
            if iface.is_loopback:
                continue
            addrs = tuple(f"{a.ip}/{a.interface.network.prefixlen}" for a in iface.primary_addresses())
            if iface.name == OVERLAY_DEV:
                if addrs and iface.admin_up:
                    overlay = addrs[0].split("/")[0]
                continue
            seg_of = iface.segment.name if iface.segment is not None else None
            ifaces.append(IfaceInfo(iface.name, seg_of, addrs, iface.oper_up))
        role = node.role or "host"
        icon = icon_kind(name, role)
        if icon in ("server", "host") and any(k in node.services for k in ("headscale", "derp", "derper")):
            icon = "vps"          # the coordination server / DERP relay of the tailnet
        nodes[name] = NodeInfo(name, role, icon, tuple(ifaces), overlay)
    segments: dict[str, SegmentInfo] = {}
    for seg_name, seg in lab.segments.items():
        label = seg.label or seg_name
        members = tuple(dict.fromkeys(n.name for n, _ in seg.ports))
        segments[seg_name] = SegmentInfo(seg_name, str(label), _segment_prefix(lab, seg_name), members)
    return TopologyModel(lab.name, nodes, segments)
