"""Network interfaces of a node and the addresses on them (like ``struct net_device``)."""
from __future__ import annotations

from dataclasses import dataclass, field
from ipaddress import IPv4Address, IPv4Interface
TYPE_CHECKING = False      # typing's, without importing typing: ~4 ms of every cold start (issue 20)

from simnet.links.mac import MacAddress

if TYPE_CHECKING:
    from typing import Any
    from simnet.kernel.bridge import Bridge
    from simnet.kernel.ipv6.addrconf import Addr6
    from simnet.links.segment import Segment

__all__ = ["Address", "Interface", "Counters"]


@dataclass(frozen=True)
class Address:
    """An IPv4 address on an interface, as ``ip addr`` shows it."""

    interface: IPv4Interface
    scope: str = "global"          # global, link, host
    broadcast: IPv4Address | None = None
    label: str = ""
    secondary: bool = False
    peer: IPv4Interface | None = None   # point-to-point peer (tailscale0 has none)
    metric: int = 0                     # IFA_RT_PRIORITY: the metric of the prefix route
    noprefixroute: bool = False         # no prefix route in table main
    # lifetimes (ip addr add … valid_lft N, as dhclient-script sets them): None is forever;
    # counted from lft_stamp (simulated time), the kernel removes the address when valid ends
    valid_lft: int | None = None
    preferred_lft: int | None = None
    lft_stamp: float = 0.0

    def remaining(self, now: float) -> tuple[int | None, int | None]:
        """valid_lft and preferred_lft left (whole seconds), None for forever."""
        gone = int(now - self.lft_stamp)
        return (None if self.valid_lft is None else max(0, self.valid_lft - gone),
                None if self.preferred_lft is None else max(0, self.preferred_lft - gone))

    def __post_init__(self) -> None:
        # IPv4Interface.ip/.network build new objects on every access; the hot path needs them often
        object.__setattr__(self, "_ip", self.interface.ip)
        object.__setattr__(self, "_network", self.interface.network)

    @property
    def ip(self) -> IPv4Address:
        return self._ip  # type: ignore[attr-defined]

    @property
    def network(self):
        return self._network  # type: ignore[attr-defined]


@dataclass(slots=True)
class Counters:
    """An interface's packet and byte counters, as ``ip -s link`` prints them."""

    rx_packets: int = 0
    rx_bytes: int = 0
    rx_errors: int = 0
    rx_dropped: int = 0
    tx_packets: int = 0
    tx_bytes: int = 0
    tx_errors: int = 0
    tx_dropped: int = 0


@dataclass(eq=False)
class Interface:
    """One interface. ``kind`` decides how ``ip link`` draws it (loopback, veth, ether,
    tun, dummy). ``segment`` is the Ethernet broadcast domain it is plugged into."""

    name: str
    index: int
    mac: MacAddress
    kind: str = "veth"
    mtu: int = 1500
    admin_up: bool = False
    segment: "Segment | None" = None
    addresses: list[Address] = field(default_factory=list)
    addresses6: "list[Addr6]" = field(default_factory=list)     # in the kernel's order (simnet.kernel.ipv6.addrconf)
    counters: Counters = field(default_factory=Counters)
    peer_index: int | None = None     # veth peer ifindex shown as eth0@ifN
    qlen: int = 1000
    alias: str | None = None
    carrier_changes: int = 0          # "transns" in ip -s -s link: carrier up and down events
    # ip link set … promisc/arp/allmulticast/multicast on|off (shown as flags; not modelled further)
    promisc: bool = False
    noarp: bool = False
    allmulti: bool = False
    multicast: bool = True
    master: str | None = None         # the bridge this interface is a port of (ip link set … master br0)
    bridge: "Bridge | None" = None    # a bridge device's state (simnet.kernel.bridge)
    port_of: "Bridge | None" = None   # for a port: the Bridge it belongs to
    ever_up: bool = False             # once up, a noqueue device keeps its noqueue qdisc
    lower: "Interface | None" = None  # a VLAN device's lower Interface (eth0 under eth0.10)
    vlan_id: int = 0                  # a VLAN device's 802.1Q id
    mc_static: list[str] = field(default_factory=list)   # ip maddr add: link-layer groups (dev_mc_add_global)

    @property
    def is_loopback(self) -> bool:
        return self.kind == "loopback"

    @property
    def has_carrier(self) -> bool:
        """Lower layer up: loopback always, a veth/ether when plugged into a segment."""
        if self.kind in ("loopback", "dummy", "tun"):
            return True
        if self.bridge is not None:
            return self.bridge.carrier
        if self.lower is not None:
            return self.lower.oper_up
        return self.segment is not None

    @property
    def oper_up(self) -> bool:
        return self.admin_up and self.has_carrier

    @property
    def operstate(self) -> str:
        if self.kind in ("loopback", "dummy", "tun"):
            return "UNKNOWN" if self.admin_up else "DOWN"
        if not self.admin_up:
            return "DOWN"
        if self.bridge is not None:
            if not self.bridge.had_ports:
                return "UNKNOWN"
            return "UP" if self.bridge.carrier else "DOWN"
        return "UP" if self.has_carrier else "LOWERLAYERDOWN"

    def primary_addresses(self) -> list[Address]:
        return [a for a in self.addresses if not a.secondary]

    def find_address(self, ip: IPv4Address) -> Address | None:
        for a in self.addresses:
            if a.ip == ip:
                return a
        return None
