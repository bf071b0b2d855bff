"""IPv6 packets and ICMPv6 messages as immutable values (see :mod:`simnet.links.packet` for IPv4).

Neighbour discovery travels in ICMPv6 (RFC 4861): a neighbour solicitation
carries the ``target`` it asks for and the sender's link-layer address, a
neighbour advertisement the ``target`` and its owner's address. Ethernet
multicast for IPv6 is ``33:33`` plus the low 32 bits of the group.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from ipaddress import IPv6Address, IPv6Network
TYPE_CHECKING = False      # typing's, without importing typing: ~4 ms of every cold start (issue 20)

from simnet.links.mac import MacAddress
from simnet.links.packet import IcmpHeader, IpPacket, Tcp, Udp

if TYPE_CHECKING:
    from typing import Any
    from simnet.trace import Journey

__all__ = ["IPv6Packet", "Icmp6", "ICMPV6", "ETH_P_IPV6", "multicast_mac", "solicited_node",
           "ALL_NODES", "ALL_ROUTERS", "ALL_MLDV2_ROUTERS", "MLD2_REPORT"]

ICMPV6 = 58
ETH_P_IPV6 = 0x86DD
# ICMPv6 types (RFC 4443, 4861)
DST_UNREACH, PKT_TOOBIG, TIME_EXCEED, PARAMPROB = 1, 2, 3, 4
ECHO_REQUEST, ECHO_REPLY = 128, 129
ROUTER_SOLICIT, ROUTER_ADVERT, NEIGH_SOLICIT, NEIGH_ADVERT, REDIRECT = 133, 134, 135, 136, 137
# destination unreachable codes
NOROUTE, ADM_PROHIBITED, NOT_NEIGHBOUR, ADDR_UNREACH, PORT_UNREACH, POLICY_FAIL, REJECT_ROUTE = range(7)
ALL_NODES = IPv6Address("ff02::1")
ALL_ROUTERS = IPv6Address("ff02::2")
ALL_MLDV2_ROUTERS = IPv6Address("ff02::16")
MLD2_REPORT = 143
MIN_MTU = 1280


def multicast_mac(group: IPv6Address) -> MacAddress:
    return MacAddress((0x3333 << 32) | (int(group) & 0xFFFFFFFF))


SOLICITED_BASE = int(IPv6Address("ff02::1:ff00:0"))


def solicited_node(addr: IPv6Address) -> IPv6Address:
    """ff02::1:ffXX:XXXX, the group a neighbour solicitation for ``addr`` goes to."""
    return IPv6Address(SOLICITED_BASE | (int(addr) & 0xFFFFFF))


@dataclass(frozen=True, slots=True)
class PrefixInfo:
    """A prefix information option of a router advertisement."""

    prefix: IPv6Network
    onlink: bool = True
    autonomous: bool = True
    valid: int = 86400
    preferred: int = 14400


@dataclass(frozen=True, slots=True)
class RouterAdvert:
    """The body of a router advertisement (RFC 4861 4.2) with its prefix options."""

    hop_limit: int = 64
    lifetime: int = 1800           # router lifetime: 0 = "do not use me as default router"
    prefixes: tuple[PrefixInfo, ...] = ()
    mtu: int = 0                   # MTU option (0: none)
    managed: bool = False
    other: bool = False


@dataclass(frozen=True, slots=True)
class Icmp6(IcmpHeader["IPv6Packet"]):
    """An ICMPv6 message; errors quote the offending packet in ``inner``."""

    target: IPv6Address | None = None      # neighbour solicitation/advertisement
    lladdr: MacAddress | None = None       # source (NS, RS) or target (NA) link-layer address option
    flags: str = ""                        # NA: R (router), S (solicited), O (override)
    mtu: int = 0                           # packet too big
    ra: RouterAdvert | None = None         # router advertisement
    records: tuple[tuple[str, IPv6Address], ...] = ()   # MLDv2 report: (to_ex/to_in, group) records
    nonce: bool = False                    # DAD's solicitation carries a nonce option (8 bytes)

    @property
    def is_error(self) -> bool:
        return self.type < 128

    @property
    def length(self) -> int:
        opt = (8 if self.lladdr is not None else 0) + (8 if self.nonce else 0)
        if self.type in (NEIGH_SOLICIT, NEIGH_ADVERT):
            return 24 + opt
        if self.type == ROUTER_SOLICIT:
            return 8 + opt
        if self.type == ROUTER_ADVERT and self.ra is not None:
            return 16 + opt + 32 * len(self.ra.prefixes) + (8 if self.ra.mtu else 0)
        if self.type == MLD2_REPORT:
            return 8 + 20 * len(self.records)
        if self.type == REDIRECT and self.inner is not None:
            # target and destination (40), the target's link-layer option, the redirected-header
            # option (8) and as much of the packet as fits into 1280 bytes, on an 8-byte boundary
            fixed = 40 + opt + 8
            return fixed + min(self.inner.length, (MIN_MTU - 40 - fixed) // 8 * 8)
        if self.inner is not None:          # as much of the offender as fits into 1280 bytes
            return 8 + min(self.inner.length, MIN_MTU - 48)
        return 8 + self.data_len


Payload6 = Icmp6 | Udp | Tcp


@dataclass(frozen=True, slots=True)
class IPv6Packet(IpPacket):
    """An IPv6 packet as it travels between nodes; its journey (the trace) does not count for equality."""

    src: IPv6Address
    dst: IPv6Address
    payload: Payload6
    hlim: int = 64
    flowlabel: int = 0
    journey: "Journey | None" = field(default=None, compare=False, repr=False)
    # the source fragmented it to fit its path MTU: the largest fragment on the wire (0: whole);
    # one packet stands for its fragments, a router checks this size against the next link
    frag: int = 0

    @property
    def length(self) -> int:
        # an MLD report travels behind a hop-by-hop header with the router alert option (8 bytes)
        hbh = 8 if isinstance(self.payload, Icmp6) and self.payload.type == MLD2_REPORT else 0
        return 40 + hbh + self.payload.length

    @property
    def version(self) -> int:
        return 6

    @property
    def ttl(self) -> int:
        """The hop limit under IPv4's name (traces and tools read ``ttl``)."""
        return self.hlim

    @property
    def proto(self) -> int:
        if isinstance(self.payload, Icmp6):
            return ICMPV6
        return 17 if isinstance(self.payload, Udp) else 6

