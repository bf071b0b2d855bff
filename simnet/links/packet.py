"""Packet headers as immutable values.

A rewrite (TTL decrement, NAT) produces a new object with
:func:`dataclasses.replace`. The ``journey`` field is not part of the packet on
the wire: it is the trace recorder that follows one packet (and the answers
it causes) through the lab, so that every drop has a reason.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from ipaddress import IPv4Address
TYPE_CHECKING = False      # typing's, without importing typing: ~4 ms of every cold start (issue 20)

from simnet.links.mac import MacAddress

if TYPE_CHECKING:
    from typing import Any, ClassVar, Generic, NamedTuple, Self, TypeVar

    from simnet.trace import Journey

    Offender = TypeVar("Offender")
else:
    from simnet.core.typing_lite import Generic, NamedTuple

    Offender = None        # IcmpHeader's type variable: only mypy needs it

__all__ = [
    "ArpPacket", "Frame", "Icmp", "IcmpHeader", "IpPacket", "IPv4Packet", "Tcp", "Udp", "Payload",
    "ICMP", "TCP", "UDP", "PROTO_NAMES", "ETH_P_IP", "ETH_P_ARP",
]

ICMP, TCP, UDP = 1, 6, 17
PROTO_NAMES = {ICMP: "icmp", TCP: "tcp", UDP: "udp"}
ETH_P_IP, ETH_P_ARP = 0x0800, 0x0806

# ICMP types and codes used by the kernel model.
ECHO_REPLY, DEST_UNREACH, REDIRECT, ECHO_REQUEST, TIME_EXCEEDED = 0, 3, 5, 8, 11
REDIR_NET, REDIR_HOST = 0, 1
NET_UNREACH, HOST_UNREACH, PROT_UNREACH, PORT_UNREACH, FRAG_NEEDED = 0, 1, 2, 3, 4
NET_ANO, HOST_ANO, PKT_FILTERED = 9, 10, 13


@dataclass(frozen=True, slots=True)
class ArpPacket:
    """ARP request (op 1) or reply (op 2) for IPv4 over Ethernet."""

    op: int
    sender_mac: MacAddress
    sender_ip: IPv4Address
    target_mac: MacAddress
    target_ip: IPv4Address
    # the journey of the packet waiting for this answer: a switch that drops the request
    # records why (a VLAN that ends at a port) where the waiting packet's trace shows it
    journey: "Journey | None" = field(default=None, compare=False, repr=False)

    @property
    def is_request(self) -> bool:
        return self.op == 1


@dataclass(frozen=True, slots=True)
class IcmpHeader(Generic[Offender]):
    """What ICMP and ICMPv6 messages share (RFC 792, RFC 4443): type and code, the echo's
    identifier, sequence and data length, and the offending packet an error quotes in ``inner``.
    The families add their own fields behind these, so positional construction stays the same."""

    type: int
    code: int = 0
    ident: int = 0
    seq: int = 0
    data_len: int = 56
    inner: Offender | None = None


@dataclass(frozen=True, slots=True)
class Icmp(IcmpHeader["IPv4Packet"]):
    """ICMP message; errors carry the offending packet in ``inner``."""

    gateway: IPv4Address | None = None
    mtu: int = 0             # next-hop MTU in "fragmentation needed" (RFC 1191)

    @property
    def is_error(self) -> bool:
        return self.type in (DEST_UNREACH, REDIRECT, TIME_EXCEEDED, 4, 12)

    @property
    def length(self) -> int:
        if self.inner is not None:
            return 8 + 20 + 8 + self.inner.l4_extra()
        return 8 + self.data_len


@dataclass(frozen=True, slots=True)
class Udp:
    """A UDP header: ports and payload length (what tcpdump and conntrack see of it)."""

    sport: int
    dport: int
    data_len: int = 0
    # what an application put into the datagram (WireGuard, disco, STUN); not compared
    content: Any = field(default=None, compare=False)

    @property
    def length(self) -> int:
        return 8 + self.data_len


@dataclass(frozen=True, slots=True)
class Tcp:
    """A TCP segment header: ports, flags as tcpdump writes them, sequence numbers, window."""

    sport: int
    dport: int
    flags: str = "S"  # tcpdump letters: S, S., ., P., F., R, R.
    seq: int = 0
    ack: int = 0
    data_len: int = 0
    window: int = 64240
    content: Any = field(default=None, compare=False)   # application data (DERP frames)
    # the MSS the client announced in its SYN (0 = none); the model's client repeats it on its
    # later segments, so that a server's answer segment fits the client's path (tailscale0: 1240)
    mss: int = 0
    # the timestamp option (TS val, ecr) of a segment from simnet.kernel.tcp; with it tcpdump
    # shows options and relative sequence numbers; syn_opts: the SYN's mss/sackOK/wscale too
    ts: tuple[int, int] | None = field(default=None, compare=False)
    syn_opts: bool = field(default=False, compare=False)

    @property
    def length(self) -> int:
        if self.ts is not None:
            return (40 if self.syn_opts else 32) + self.data_len
        return (40 if "S" in self.flags else 20) + self.data_len


Payload = Icmp | Udp | Tcp


class IpPacket:
    """What IPv4 and IPv6 packets share: the ports of their UDP/TCP payload (None for ICMP:
    duck typing over the payload union, the hot path's cheapest test) and a changed copy."""

    __slots__ = ()
    payload: Any
    __dataclass_fields__: ClassVar[dict[str, Any]]     # every subclass is a dataclass (for replace)

    @property
    def sport(self) -> int | None:
        return getattr(self.payload, "sport", None)

    @property
    def dport(self) -> int | None:
        return getattr(self.payload, "dport", None)

    def with_(self, **changes: Any) -> Self:
        return replace(self, **changes)


@dataclass(frozen=True, slots=True)
class IPv4Packet(IpPacket):
    """An IPv4 packet as it travels between nodes; its journey (the trace) does not count for equality."""

    src: IPv4Address
    dst: IPv4Address
    payload: Payload
    ttl: int = 64
    ident: int = 0
    tos: int = 0
    dont_fragment: bool = True
    journey: "Journey | None" = field(default=None, compare=False, repr=False)
    # total length, computed on first use and carried by with_ttl (a forwarded packet's
    # length is asked on every hop); replace() leaves it unset, as the payload may change
    _length: int = field(default=-1, init=False, compare=False, repr=False)
    # Fragmentation: simnet moves a packet whole, but remembers how it travels on the wire.
    # ``frags`` are the IP lengths of its fragments (each router without conntrack forwards
    # and, if needed, splits each fragment on its own); ``frag_max`` is the largest fragment
    # a reassembling router saw (IPCB frag_max_size: it refragments to at most that size).
    frags: tuple[int, ...] = field(default=(), compare=False, repr=False)
    frag_max: int = field(default=0, compare=False, repr=False)

    @property
    def proto(self) -> int:
        if isinstance(self.payload, Icmp):
            return ICMP
        if isinstance(self.payload, Udp):
            return UDP
        return TCP

    @property
    def length(self) -> int:
        length = self._length
        if length < 0:
            length = 20 + self.payload.length
            object.__setattr__(self, "_length", length)
        return length

    def l4_extra(self) -> int:
        """Bytes beyond the first 8 of the payload quoted in ICMP errors (Linux quotes all)."""
        return max(0, self.payload.length - 8)


    def with_ttl(self, ttl: int, _new: Any = object.__new__, _set: Any = object.__setattr__) -> "IPv4Packet":
        """A copy with another TTL (the forwarding hot path; cheaper than dataclasses.replace)."""
        new = _new(IPv4Packet)
        _set(new, "src", self.src)
        _set(new, "dst", self.dst)
        _set(new, "payload", self.payload)
        _set(new, "ttl", ttl)
        _set(new, "ident", self.ident)
        _set(new, "tos", self.tos)
        _set(new, "dont_fragment", self.dont_fragment)
        _set(new, "journey", self.journey)
        _set(new, "_length", self._length)
        _set(new, "frags", self.frags)
        _set(new, "frag_max", self.frag_max)
        return new


def refragment(pkt: "IPv4Packet", mtu: int) -> tuple[int, ...]:
    """The fragments ``pkt`` leaves on a link with ``mtu`` (empty: it goes whole).

    Fragments are split one by one (ip_forward of a fragment); a reassembled packet
    is cut at most at its largest original fragment (ip_do_fragment's frag_max_size).
    """
    if pkt.frags:
        if max(pkt.frags) <= mtu:
            return pkt.frags
        return tuple(x for f in pkt.frags for x in (fragment_lengths(f, mtu) if f > mtu else (f,)))
    limit = min(mtu, pkt.frag_max) if pkt.frag_max else mtu
    if pkt.length <= limit:
        return ()
    return fragment_lengths(pkt.length, limit)


def fragment_lengths(total: int, mtu: int) -> tuple[int, ...]:
    """IP total lengths of the fragments of a ``total``-byte packet on a link with ``mtu``
    (ip_do_fragment: 20-byte headers, data in multiples of 8 except the last piece)."""
    data = total - 20
    per = (mtu - 20) & ~7
    if per <= 0:
        return (total,)
    full, rest = divmod(data, per)
    if rest == 0:
        return (20 + per,) * full
    return (20 + per,) * full + (20 + rest,)


class Frame(NamedTuple):
    """An Ethernet frame on a segment (a named tuple: one is made on every hop, and a tuple
    is built in a third of the time a frozen dataclass needs)."""

    src: MacAddress
    dst: MacAddress
    payload: "IPv4Packet | ArpPacket"
    size: int = 0        # bytes on the wire, if the sender already knows them (the hot path does)
    frags: tuple[int, ...] = ()     # the IP fragments' lengths, when the packet travels in pieces
    fragment: int = 0               # a capture's view of one piece: its index (0 = first or whole)
    vlan: int = 0                   # 802.1Q tag (VLAN id) on the wire; 0 = untagged

    def tagged(self, vid: int) -> "Frame":
        """The frame with another 802.1Q tag (0 removes it); the tag costs 4 bytes on the wire."""
        if vid == self.vlan:
            return self
        size = self.size or self.length
        size += (4 if vid else 0) - (4 if self.vlan else 0)
        return self._replace(vlan=vid, size=size)

    @property
    def ethertype(self) -> int:
        return ETH_P_ARP if isinstance(self.payload, ArpPacket) else ETH_P_IP

    @property
    def length(self) -> int:
        if self.size:
            return self.size
        body = 28 if isinstance(self.payload, ArpPacket) else self.payload.length
        return 14 + body + (4 if self.vlan else 0)
