"""Connection tracking with NAT, as nf_conntrack keeps it.

An entry holds the original tuple (as the first packet looked) and the reply
tuple (what an answer will look like). NAT is recorded by changing the reply
tuple; every later packet of the connection is rewritten from the entry, in
both directions, without looking at the nat table again.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from ipaddress import IPv4Address, IPv6Address

from simnet.links.packet import ICMP, IPv4Packet, TCP, UDP, Icmp, Tcp, Udp
from simnet.links.packet6 import Icmp6, IPv6Packet

__all__ = ["CtTuple", "CtEntry", "Conntrack", "TIMEOUTS", "ICMPV6"]

TIMEOUTS = {
    "icmp": 30.0,
    "udp": 30.0,
    "udp_stream": 120.0,
    "tcp_syn_sent": 120.0,
    "tcp_syn_recv": 60.0,
    "tcp_established": 432000.0,
    "tcp_close": 10.0,
    "tcp_time_wait": 120.0,
    "tcp_fin_wait": 120.0,
    "tcp_close_wait": 60.0,
    "tcp_last_ack": 30.0,
}
ECHO_PAIRS = {8: 0, 0: 8, 13: 14, 15: 16, 17: 18}
ICMPV6 = 58
# nf_conntrack_proto_icmpv6: echo and node information; NDP, MLD and RA stay untracked
ECHO6_PAIRS = {128: 129, 129: 128, 139: 140, 140: 139}
ICMP6_NEW_TYPES = (128, 139)


@dataclass(frozen=True, slots=True)
class CtTuple:
    """Addresses and ports (ICMP: type, code, id) of one direction."""

    proto: int
    src: IPv4Address | IPv6Address
    dst: IPv4Address | IPv6Address
    sport: int = 0      # ICMP: id
    dport: int = 0      # ICMP: type
    code: int = 0

    @property
    def key(self) -> tuple:
        if self.proto in (ICMP, ICMPV6):
            return (self.proto, self.src, self.dst, self.sport)
        return (self.proto, self.src, self.dst, self.sport, self.dport)

    def inverted(self) -> "CtTuple":
        if self.proto == ICMP:
            return CtTuple(ICMP, self.dst, self.src, self.sport, ECHO_PAIRS.get(self.dport, self.dport), self.code)
        if self.proto == ICMPV6:
            return CtTuple(ICMPV6, self.dst, self.src, self.sport, ECHO6_PAIRS.get(self.dport, self.dport), self.code)
        return CtTuple(self.proto, self.dst, self.src, self.dport, self.sport)

    @classmethod
    def of(cls, pkt: IPv4Packet | IPv6Packet) -> "CtTuple | None":
        p = pkt.payload
        if isinstance(p, Icmp6):
            if p.type not in ECHO6_PAIRS:
                return None
            return cls(ICMPV6, pkt.src, pkt.dst, p.ident, p.type, p.code)
        if isinstance(p, Icmp):
            if p.type not in ECHO_PAIRS:
                return None
            return cls(ICMP, pkt.src, pkt.dst, p.ident, p.type, p.code)
        if isinstance(p, (Udp, Tcp)):
            return cls(pkt.proto, pkt.src, pkt.dst, p.sport, p.dport)
        return None


@dataclass(eq=False)
class CtEntry:
    """One conntrack entry: both directions' tuples, the timeout and the status bits conntrack -L prints."""

    original: CtTuple
    reply: CtTuple
    id: int
    expires: float
    status: set[str] = field(default_factory=set)   # SEEN_REPLY, ASSURED, CONFIRMED, SRC_NAT, DST_NAT
    tcp_state: str | None = None
    mark: int = 0
    zone: int = 0
    created: float = -1.0       # time of the first packet (UDP stream detection)
    fin_dir: int = 0            # direction of the first FIN (TCP close sequence)
    packets: list[int] = field(default_factory=lambda: [0, 0])
    bytes: list[int] = field(default_factory=lambda: [0, 0])

    @property
    def proto_name(self) -> str:
        return {ICMP: "icmp", TCP: "tcp", UDP: "udp", ICMPV6: "icmpv6"}.get(self.original.proto, "unknown")

    @property
    def family(self) -> str:
        return "ipv6" if self.original.src.version == 6 else "ipv4"

    @property
    def nat_source(self) -> bool:
        """IPS_SRC_NAT: answers go elsewhere than the sender (an echo's id counts as its port)."""
        if self.original.proto in (ICMP, ICMPV6):
            return self.reply.dst != self.original.src or self.reply.sport != self.original.sport
        return self.reply.dst != self.original.src or self.reply.dport != self.original.sport

    @property
    def nat_destination(self) -> bool:
        """IPS_DST_NAT: answers come from elsewhere than where the first packet went."""
        if self.original.proto in (ICMP, ICMPV6):
            return self.reply.src != self.original.dst
        return self.reply.src != self.original.dst or self.reply.sport != self.original.dport

    def target_tuple(self, direction: int) -> CtTuple:
        """What a packet in ``direction`` (0 original, 1 reply) must look like after NAT."""
        return self.reply.inverted() if direction == 0 else self.original.inverted()


# ICMP types that may start a flow: echo, timestamp, info and address-mask requests
ICMP_NEW_TYPES = (8, 13, 15, 17)


def _tcp_new_state(flags: str) -> str | None:
    """tcp_new(): a SYN starts SYN_SENT, a bare ACK is picked up mid-stream (nf_conntrack_tcp_loose=1)
    as ESTABLISHED; anything else cannot start a connection."""
    if "R" in flags:
        return None
    if "S" in flags:
        return None if "." in flags else "SYN_SENT"
    if "F" in flags:
        return None
    return "ESTABLISHED" if "." in flags else None


class Conntrack:
    """The table of one network namespace."""

    def __init__(self) -> None:
        self._by_key: dict[tuple, tuple[CtEntry, int]] = {}
        self.entries: list[CtEntry] = []
        self._next_id = 0x1F2E3D4C
        # the newest entry not yet confirmed: an ICMP error the kernel sends about that very packet
        # (TTL expired while forwarding a DNATed packet) carries it along, as nf_ct_attach() does
        self.unconfirmed: CtEntry | None = None

    def _index(self, entry: CtEntry) -> None:
        self._by_key[entry.original.key] = (entry, 0)
        self._by_key[entry.reply.key] = (entry, 1)

    def _unindex(self, entry: CtEntry) -> None:
        for t in (entry.original, entry.reply):
            if self._by_key.get(t.key, (None,))[0] is entry:
                del self._by_key[t.key]

    def expire(self, now: float) -> None:
        for e in [e for e in self.entries if e.expires <= now]:
            self.delete(e)

    def find(self, t: CtTuple, now: float) -> tuple[CtEntry, int] | None:
        hit = self._by_key.get(t.key)
        if hit is None:
            return None
        if hit[0].expires <= now:
            self.delete(hit[0])
            return None
        return hit

    def find_related(self, error_inner: IPv4Packet | IPv6Packet, now: float) -> tuple[CtEntry, int] | None:
        """An ICMP error quotes a packet; the entry it belongs to is RELATED."""
        t = CtTuple.of(error_inner)
        if t is None:
            return None
        # like icmp_error_message(): the inverted quoted tuple is the error's own direction
        hit = self.find(t.inverted(), now)
        pending = self.unconfirmed
        if hit is None and pending is not None and "CONFIRMED" not in pending.status:
            key = t.inverted().key
            if key == pending.reply.key:
                return pending, 1
            if key == pending.original.key:
                return pending, 0
        return hit

    def new(self, pkt: IPv4Packet | IPv6Packet, now: float) -> CtEntry | None:
        """An unconfirmed entry for the first packet of a connection."""
        t = CtTuple.of(pkt)
        if t is None:
            return None
        tcp_state: str | None = "SYN_SENT"
        if t.proto == ICMP and t.dport not in ICMP_NEW_TYPES or t.proto == ICMPV6 and t.dport not in ICMP6_NEW_TYPES:
            return None                 # an echo reply without its request is INVALID (icmp_new)
        if t.proto == TCP:
            tcp_state = _tcp_new_state(getattr(pkt.payload, "flags", ""))
            if tcp_state is None:
                return None             # SYN/ACK, FIN, RST out of nowhere: INVALID (tcp_new)
        self._next_id = (self._next_id * 1103515245 + 12345) & 0xFFFFFFFF
        entry = CtEntry(t, t.inverted(), self._next_id, now + self._timeout_new(t))
        if t.proto == TCP:
            entry.tcp_state = tcp_state
        self.unconfirmed = entry
        return entry

    @staticmethod
    def _timeout_new(t: CtTuple) -> float:
        return {ICMP: TIMEOUTS["icmp"], ICMPV6: TIMEOUTS["icmp"], UDP: TIMEOUTS["udp"]}.get(
            t.proto, TIMEOUTS["tcp_syn_sent"])

    def port_in_use(self, reply_key: tuple) -> bool:
        return reply_key in self._by_key

    def confirm(self, entry: CtEntry) -> None:
        if "CONFIRMED" in entry.status:
            return
        entry.status.add("CONFIRMED")
        self.entries.append(entry)
        self._index(entry)

    def rekey(self, entry: CtEntry, reply: CtTuple) -> None:
        """Change the reply tuple (NAT); keeps the index consistent."""
        if "CONFIRMED" in entry.status:
            self._unindex(entry)
            entry.reply = reply
            self._index(entry)
        else:
            entry.reply = reply

    def seen(self, entry: CtEntry, direction: int, pkt: IPv4Packet | IPv6Packet, now: float) -> None:
        """Account a packet and advance the state (UNREPLIED → replied → ASSURED)."""
        entry.packets[direction] += 1
        entry.bytes[direction] += pkt.length
        proto = entry.original.proto
        replied_before = "SEEN_REPLY" in entry.status
        if direction == 1:
            entry.status.add("SEEN_REPLY")
        if entry.created < 0:
            entry.created = now
        if proto in (ICMP, ICMPV6):
            entry.expires = now + TIMEOUTS["icmp"]
        elif proto == UDP:
            # nf_conntrack_udp_packet: a stream (ASSURED, 120 s) once both ways were seen and
            # traffic is still there 2 s after the first packet; SEEN_REPLY is set after this check
            if replied_before and now >= entry.created + 2.0:
                entry.status.add("ASSURED")
            entry.expires = now + (TIMEOUTS["udp_stream"] if "ASSURED" in entry.status else TIMEOUTS["udp"])
        elif proto == TCP and isinstance(pkt.payload, Tcp):
            self._tcp_step(entry, direction, pkt.payload.flags, now, replied_before)

    def _tcp_step(self, entry: CtEntry, direction: int, flags: str, now: float, replied_before: bool) -> None:
        """A condensed nf_conntrack_proto_tcp state table (both directions in one state)."""
        state = entry.tcp_state or "SYN_SENT"
        if "R" in flags:
            if not replied_before or (direction == 1 and state == "SYN_SENT"):
                # "If only reply is a RST, we can consider ourselves not to have an
                # established connection" – the kernel kills the entry at once
                self.delete(entry)
                return
            state = "CLOSE"
        elif "S" in flags:
            if direction == 1 and state in ("SYN_SENT", "SYN_RECV"):
                state = "SYN_RECV"
        elif "F" in flags:
            if state in ("ESTABLISHED", "SYN_RECV"):
                state = "FIN_WAIT"
                entry.fin_dir = direction
            elif state in ("FIN_WAIT", "CLOSE_WAIT") and direction != entry.fin_dir:
                state = "LAST_ACK"
                entry.fin_dir = direction
        elif "." in flags:
            if state == "SYN_RECV" and direction == 0:
                state = "ESTABLISHED"
                entry.status.add("ASSURED")
            elif state == "FIN_WAIT" and direction != entry.fin_dir:
                state = "CLOSE_WAIT"
            elif state == "LAST_ACK" and direction != entry.fin_dir:
                state = "TIME_WAIT"
        entry.tcp_state = state
        entry.expires = now + TIMEOUTS["tcp_" + state.lower()]

    def delete(self, entry: CtEntry) -> None:
        if entry in self.entries:
            self.entries.remove(entry)
        self._unindex(entry)

    def flush(self) -> int:
        n = len(self.entries)
        self.entries.clear()
        self._by_key.clear()
        return n


def rewrite(pkt: IPv4Packet, target: CtTuple, part: str) -> IPv4Packet:
    """Rewrite the source (``part='src'``) or destination of ``pkt`` towards ``target``."""
    p = pkt.payload
    if part == "src":
        if isinstance(p, (Udp, Tcp)):
            p = replace(p, sport=target.sport)
        elif isinstance(p, Icmp) and not p.is_error:
            p = replace(p, ident=target.sport)
        return replace(pkt, src=target.src, payload=p)  # type: ignore[arg-type]  # an IPv4 NAT
    if isinstance(p, (Udp, Tcp)):
        p = replace(p, dport=target.dport)
    return replace(pkt, dst=target.dst, payload=p)  # type: ignore[arg-type]  # an IPv4 NAT
