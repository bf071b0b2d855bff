"""A Linux bridge inside a node (``ip link add br0 type bridge``): a switch in software.

The bridge device (``br0``) owns ports (``ip link set eth1 master br0``). A frame that
arrives on a port is learned (its source MAC now lives behind that port), then
delivered up to br0 if it is for the bridge itself, forwarded to the one port that
knows its destination, or flooded to every other forwarding port (broadcast,
multicast, unknown unicast). Learned entries age out after ``ageing_time`` seconds of
simulated time (300 s, ``ageing_time 30000`` in centiseconds as ``ip -d link`` shows
it); a port that goes down forgets what was learned on it. A bridge with
``ageing_time 0`` learns nothing and floods everything: that is a hub.

STP is off (``stp_state 0``), as Debian creates bridges: a port forwards as soon as
it and the bridge are up. Like br_handle_frame and br_dev_xmit; each forwarding
decision is a step in the packet's journey.
"""
from __future__ import annotations

from dataclasses import dataclass
TYPE_CHECKING = False      # typing's, without importing typing: ~4 ms of every cold start (issue 20)

from simnet.links.mac import MacAddress
from simnet.links.packet import ArpPacket, Frame

if TYPE_CHECKING:
    from typing import Any
    from simnet.kernel.interface import Interface
    from simnet.kernel.node import Node

__all__ = ["Bridge", "FdbEntry", "port_receive", "mac_table", "DEFAULT_AGEING"]

DEFAULT_AGEING = 300.0


@dataclass
class FdbEntry:
    """One row of the forwarding database: where ``mac`` was seen last."""

    mac: MacAddress
    port: str
    updated: float
    static: bool = False        # bridge fdb add … static: never ages, never moves
    vid: int = 0                # the VLAN it was learned in (vlan_filtering 1), else 0


class Bridge:
    """State of one bridge device (struct net_bridge)."""

    def __init__(self, node: "Node", dev: "Interface") -> None:
        self.node = node
        self.dev = dev
        self.ports: list[str] = []
        self.fdb: dict[tuple[int, int], FdbEntry] = {}     # (MAC as int, VLAN id) -> entry
        self.ageing_time = DEFAULT_AGEING
        self.stp_state = 0
        self.forward_delay = 15.0
        self.vlan_filtering = 0
        self.vlan_default_pvid = 1
        self.priority = 32768
        self.hello_time = 200            # centiseconds, STP only
        self.max_age = 2000
        # VLAN membership per port and for the bridge itself ("self"): vid -> (pvid, untagged);
        # every port starts in VLAN 1 as PVID, egress untagged (vlan_default_pvid)
        self.vlans: dict[str, dict[int, tuple[bool, bool]]] = {dev.name: {1: (True, True)}}
        self.had_ports = False      # a bridge that never had a port keeps its carrier (state UNKNOWN)
        self.enabled_at: dict[str, float] = {}   # when each port was last enabled (STP timers)
        self.mac_set = False        # ip link set br0 address …: no longer follows the ports

    # ------------------------------------------------------------ ports
    def port_ifaces(self) -> list["Interface"]:
        ifaces = [self.node.interfaces[p] for p in self.ports if p in self.node.interfaces]
        return sorted(ifaces, key=lambda i: i.index)

    def port_state(self, port: "Interface") -> str:
        """``forwarding`` when port and bridge are up and the port has carrier, else ``disabled``;
        with STP on (``stp_state 1``) an enabled port first listens, then learns, for
        ``forward_delay`` each (no other bridge sends BPDUs here, so every port ends up forwarding)."""
        if not (self.dev.admin_up and port.admin_up and port.has_carrier):
            return "disabled"
        if self.stp_state:
            since = self.node.sim.now - self.enabled_at.get(port.name, float("-inf"))
            if since < self.forward_delay:
                return "listening"
            if since < 2 * self.forward_delay:
                return "learning"
        return "forwarding"

    def enable(self, names: list[str] | None = None) -> None:
        """br_stp_enable_port: the STP timers of these ports (or all) start now."""
        for name in self.ports if names is None else names:
            self.enabled_at[name] = self.node.sim.now

    @property
    def carrier(self) -> bool:
        """br_port_carrier_check: carrier while some port forwards (or before any port came)."""
        if not self.had_ports:
            return True
        return any(self.port_state(p) == "forwarding" for p in self.port_ifaces())

    def add_port(self, port: "Interface") -> None:
        self.ports.append(port.name)
        self.vlans[port.name] = {self.vlan_default_pvid: (True, True)} if self.vlan_default_pvid else {}
        self.had_ports = True
        self.enable([port.name])
        port.master = self.dev.name
        port.port_of = self
        _touch(port)
        self.recalc_mac()

    def remove_port(self, port: "Interface") -> None:
        if port.name in self.ports:
            self.ports.remove(port.name)
        self.vlans.pop(port.name, None)
        port.master = None
        port.port_of = None
        _touch(port)
        self.flush_port(port.name)
        self.recalc_mac()

    def recalc_mac(self) -> None:
        """br_stp_recalculate_bridge_id: the bridge takes the smallest port MAC unless set."""
        ports = self.port_ifaces()
        if not self.mac_set and ports:
            self.dev.mac = min(p.mac for p in ports)
            _touch(self.dev)

    def flush_port(self, name: str) -> None:
        """br_fdb_delete_by_port: the learned entries of a port that went down or left."""
        for key in [k for k, e in self.fdb.items() if e.port == name and not e.static]:
            del self.fdb[key]

    # ------------------------------------------------------------ fdb
    def local_macs(self) -> dict[int, str]:
        """The permanent entries: each port's own MAC (and the bridge's if no port has it)."""
        out = {p.mac.value: p.name for p in self.port_ifaces()}
        out.setdefault(self.dev.mac.value, self.dev.name)
        return out

    def lookup(self, mac: MacAddress, vid: int = 0) -> FdbEntry | None:
        key = (mac.value, vid)
        entry = self.fdb.get(key)
        if entry is None:
            return None
        if not entry.static and self.node.sim.now - entry.updated >= self.ageing_time:
            del self.fdb[key]      # aged out (br_fdb_cleanup)
            return None
        return entry

    def entries(self) -> list[FdbEntry]:
        """Live learned/static entries (expired ones are removed on the way)."""
        return [e for e in list(self.fdb.values()) if self.lookup(e.mac, e.vid) is not None]

    def learn(self, mac: MacAddress, port: str, vid: int = 0) -> None:
        if mac.value >> 40 & 1 or self.ageing_time <= 0:   # multicast sources are never learned
            return
        if mac.value in self.local_macs():
            return
        entry = self.fdb.get((mac.value, vid))
        if entry is not None and entry.static:
            return
        self.fdb[(mac.value, vid)] = FdbEntry(mac, port, self.node.sim.now, vid=vid)

    # ------------------------------------------------------------ VLANs
    def pvid(self, port: str) -> int | None:
        return next((v for v, (p, _u) in sorted(self.vlans.get(port, {}).items()) if p), None)

    def ingress_vid(self, frame: Frame, port: str) -> int | None:
        """br_allowed_ingress: the VLAN a frame belongs to on this port, None if refused."""
        if not self.vlan_filtering:
            return 0
        if frame.vlan:
            return frame.vlan if frame.vlan in self.vlans.get(port, {}) else None
        return self.pvid(port)

    def egress(self, frame: Frame, vid: int, port: str) -> Frame | None:
        """br_handle_vlan: the frame as it leaves ``port`` (tag removed if untagged), None if
        the port is not a member of the VLAN."""
        if not self.vlan_filtering:
            return frame
        member = self.vlans.get(port, {}).get(vid)
        if member is None:
            return None
        return frame.tagged(0 if member[1] else vid)

    # ------------------------------------------------------------ frames
    def receive(self, frame: Frame, port: "Interface") -> None:
        """br_handle_frame: learn, then deliver locally, forward or flood."""
        _count_rx(self.node, port, frame)
        state = self.port_state(port)
        if state != "forwarding":
            if state == "learning":
                vid = self.ingress_vid(frame, port.name)
                if vid is not None:
                    self.learn(frame.src, port.name, vid)
            _step(frame, self.node, "drop", bridge=self.dev.name, port=port.name, reason=f"port-{state}")
            return
        vid = self.ingress_vid(frame, port.name)
        if vid is None:
            _step(frame, self.node, "vlan-drop", bridge=self.dev.name, port=port.name, vid=frame.vlan,
                  member=self._members(port.name))
            return
        self.learn(frame.src, port.name, vid)
        dst = frame.dst
        if dst.value >> 40 & 1:           # broadcast and multicast: everyone, and br0 itself
            _step(frame, self.node, "flood", bridge=self.dev.name, port=port.name, dst=dst, vid=vid,
                  **self._silent(port))
            self._flood(frame, vid, port)
            self._up(frame, vid)
            return
        if dst.value in self.local_macs():
            _step(frame, self.node, "local", bridge=self.dev.name, port=port.name, dst=dst, vid=vid)
            self._up(frame, vid)
            return
        entry = self.lookup(dst, vid)
        if entry is None:
            _step(frame, self.node, "flood", bridge=self.dev.name, port=port.name, dst=dst, unknown=True, vid=vid,
                  **self._silent(port))
            self._flood(frame, vid, port)
            return
        if entry.port == port.name:
            _step(frame, self.node, "drop", bridge=self.dev.name, port=port.name, reason="same-port", dst=dst)
            return
        out = self.node.interfaces.get(entry.port)
        if out is not None and self.port_state(out) == "forwarding":
            _step(frame, self.node, "forward", bridge=self.dev.name, port=port.name, out=out.name, dst=dst, vid=vid)
            self._out(frame, vid, out)

    def transmit(self, frame: Frame) -> None:
        """br_dev_xmit: a frame the node sends out of br0 goes to the known port or is flooded
        (in br0's own PVID if untagged, in the tag's VLAN if br0.N sent it)."""
        vid = self.ingress_vid(frame, self.dev.name)
        if vid is None:
            return
        dst = frame.dst
        entry = None if dst.value >> 40 & 1 else self.lookup(dst, vid)
        if entry is not None:
            out = self.node.interfaces.get(entry.port)
            if out is not None and self.port_state(out) == "forwarding":
                self._out(frame, vid, out)
            return
        self._flood(frame, vid, None)

    def _silent(self, ingress: "Interface") -> dict[str, tuple[str, ...]]:
        """The ports a flood does not reach because they do not forward (down, no carrier, STP):
        recorded with the flood, so that an unanswered ARP request can name the dead port."""
        down = tuple(p.name for p in self.port_ifaces() if p is not ingress and self.port_state(p) != "forwarding")
        return {"silent": down} if down else {}

    def _members(self, port: str) -> str:
        return ",".join(str(v) for v in sorted(self.vlans.get(port, {}))) or "-"

    def _out(self, frame: Frame, vid: int, out: "Interface") -> None:
        sent = self.egress(frame, vid, out.name)
        if sent is None:
            _step(frame, self.node, "vlan-drop", bridge=self.dev.name, port=out.name, vid=vid,
                  member=self._members(out.name), egress=True)
            return
        _port_xmit(self.node, out, sent)

    def _flood(self, frame: Frame, vid: int, ingress: "Interface | None") -> None:
        for out in self.port_ifaces():
            if out is not ingress and self.port_state(out) == "forwarding":
                self._out(frame, vid, out)

    def _up(self, frame: Frame, vid: int) -> None:
        """br_pass_frame_up: the frame is received by br0 as if br0 were a NIC (in VLAN
        filtering only if br0 itself is a member; tagged unless untagged there)."""
        if self.vlan_filtering:
            member = self.vlans.get(self.dev.name, {}).get(vid)
            if member is None:
                return
            frame = frame.tagged(0 if member[1] else vid)
        self.node.stack.receive_frame(frame, self.dev)


def port_receive(node: "Node", frame: Frame, port: "Interface") -> None:
    """A frame arrived on an enslaved port: the bridge takes it (rx_handler)."""
    if port.port_of is not None:
        port.port_of.receive(frame, port)


def _count_rx(node: "Node", port: "Interface", frame: Frame) -> None:
    port.counters.rx_packets += len(frame.frags) if frame.frags else 1
    port.counters.rx_bytes += frame.size or frame.length
    if node.captures:
        node.stack._tap(port, "in", frame)


def _port_xmit(node: "Node", port: "Interface", frame: Frame) -> None:
    port.counters.tx_packets += len(frame.frags) if frame.frags else 1
    port.counters.tx_bytes += frame.size or frame.length
    if node.captures:
        node.stack._tap(port, "out", frame)
    if port.segment is not None:
        port.segment.transmit(frame, port)


def _step(frame: Frame, node: "Node", action: str, **detail: Any) -> None:
    """Record the bridge's decision in the journey of an IP packet (or of the packet an ARP
    request is asked for)."""
    payload = frame.payload
    if payload.journey is None:
        return
    if isinstance(payload, ArpPacket):
        detail["arp"] = True        # the switch carried the ARP question, not the packet itself
    node.stack._step(payload, "bridge", action, **detail)


def mac_table(node: "Node") -> list[tuple[str, str, int, int]]:
    """The learned MAC addresses of every bridge on ``node`` as a managed switch lists them:
    (MAC, port, VLAN, age in seconds), sorted by port and MAC. Expired entries are gone."""
    rows = []
    for iface in node.interfaces.values():
        br = iface.bridge
        if br is None:
            continue
        for e in br.entries():
            rows.append((str(e.mac), e.port, e.vid or 1, int(node.sim.now - e.updated)))
    return sorted(rows, key=lambda r: (r[1], r[0]))


def _touch(iface: "Interface") -> None:
    """A port's bridge role or MAC changed: its segment's index is stale."""
    if iface.segment is not None:
        iface.segment.touch()
