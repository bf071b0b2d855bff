"""Packet capture on a node's interface (what libpcap gets from a packet socket).

The stack calls :meth:`Capture.record` for every frame that passes the device
(``Stack._tap``); the capture applies its filter (a subset of the pcap filter
language, parsed here) and hands matching packets to a callback.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from ipaddress import IPv4Network, ip_address, ip_network
from typing import Any, Callable

from simnet.core.errors import CommandError
from simnet.links.packet import ArpPacket, Frame, Icmp, IPv4Packet, Tcp, Udp
from simnet.links.packet6 import MLD2_REPORT, Icmp6, IPv6Packet

__all__ = ["Capture", "Captured", "FilterError", "compile_filter"]

Predicate = Callable[[Any], bool]


class FilterError(CommandError, ValueError):
    """The expression does not parse (tcpdump: ``can't parse filter expression: ...``)."""


@dataclass(frozen=True)
class Captured:
    """A frame a capture saw on an interface, with its time and direction."""

    time: float
    direction: str          # "in" or "out"
    iface: str
    frame: Any              # Frame, or IPv4Packet on tun devices


@dataclass(eq=False)
class Capture:
    """One open packet socket; ``dev`` is an interface name or ``any``."""

    dev: str
    predicate: Predicate = field(default=lambda obj: True)
    on_packet: Callable[[Captured], None] | None = None
    matched: int = 0

    def record(self, time: float, direction: str, iface: Any, frame: Any) -> None:
        if isinstance(frame, Frame) and len(frame.frags) > 1:
            # a packet socket sees every fragment on its own
            for i, length in enumerate(frame.frags):
                self._record(time, direction, iface, frame._replace(size=14 + length, frags=(length,), fragment=i))
            return
        self._record(time, direction, iface, frame)

    def _record(self, time: float, direction: str, iface: Any, frame: Any) -> None:
        if not self.predicate(frame):
            return
        self.matched += 1
        if self.on_packet is not None:
            self.on_packet(Captured(time, direction, iface.name, frame))


# --------------------------------------------------------------------- filter
def _ip_of(obj: Any) -> IPv4Packet | None:
    if isinstance(obj, Frame):
        obj = obj.payload
    return obj if isinstance(obj, IPv4Packet) else None


def _ip6_of(obj: Any) -> IPv6Packet | None:
    if isinstance(obj, Frame):
        obj = obj.payload
    return obj if isinstance(obj, IPv6Packet) else None


def _arp_of(obj: Any) -> ArpPacket | None:
    if isinstance(obj, Frame) and isinstance(obj.payload, ArpPacket):
        return obj.payload
    return None


def _addresses(obj: Any, way: str) -> list:
    ip = _ip_of(obj) or _ip6_of(obj)
    if ip is not None:
        return {"src": [ip.src], "dst": [ip.dst]}.get(way, [ip.src, ip.dst])
    arp = _arp_of(obj)
    if arp is not None:
        return {"src": [arp.sender_ip], "dst": [arp.target_ip]}.get(way, [arp.sender_ip, arp.target_ip])
    return []


def _ports(obj: Any, way: str, proto: str | None) -> list[int]:
    ip = _ip_of(obj) or _ip6_of(obj)       # "port" and "tcp port" match over IPv6 too
    if ip is None or not isinstance(ip.payload, (Tcp, Udp)) or getattr(obj, "fragment", False):
        return []                              # later fragments carry no transport header
    if proto == "tcp" and not isinstance(ip.payload, Tcp) or proto == "udp" and not isinstance(ip.payload, Udp):
        return []
    p = ip.payload
    return {"src": [p.sport], "dst": [p.dport]}.get(way, [p.sport, p.dport])


PROTO_WORDS = {"icmp", "tcp", "udp", "arp", "ip", "ip6", "icmp6"}
SERVICES = {"ssh": 22, "http": 80, "https": 443, "domain": 53, "ntp": 123, "telnet": 23, "smtp": 25,
            "ftp": 21, "bootps": 67, "bootpc": 68}


def _proto_pred(word: str) -> Predicate:
    if word == "arp":
        return lambda o: _arp_of(o) is not None
    if word == "ip":
        return lambda o: _ip_of(o) is not None
    if word == "ip6":
        return lambda o: _ip6_of(o) is not None
    if word == "icmp6":
        # "ip6 proto 58" looks at the fixed header's next header only: an MLD report behind its
        # hop-by-hop header is no match (as with libpcap)
        return lambda o: (ip6 := _ip6_of(o)) is not None and isinstance(ip6.payload, Icmp6) and \
            ip6.payload.type != MLD2_REPORT
    if word == "icmp":
        return lambda o: (ip := _ip_of(o)) is not None and isinstance(ip.payload, Icmp)
    kind = {"tcp": Tcp, "udp": Udp}[word]          # "tcp"/"udp" mean either IP version
    return lambda o: (ip := _ip_of(o) or _ip6_of(o)) is not None and isinstance(ip.payload, kind)


def _tokens(text: str) -> list[str]:
    out: list[str] = []
    for raw in text.replace("(", " ( ").replace(")", " ) ").replace("!", " ! ").split():
        out.append(raw)
    return out


class _Parser:
    """pcap precedence: ``not`` binds tightest, ``and``/``or`` are equal and left-associative."""

    def __init__(self, tokens: list[str]) -> None:
        self.t = tokens
        self.i = 0
        self.last: tuple[str, str, str | None] | None = None   # (kind, direction, proto) for "host a or b"

    def peek(self) -> str | None:
        return self.t[self.i] if self.i < len(self.t) else None

    def take(self) -> str:
        if self.i >= len(self.t):
            raise FilterError("syntax error")
        tok = self.t[self.i]
        self.i += 1
        return tok

    def expr(self) -> Predicate:
        left = self.unary()
        while self.peek() in ("and", "&&", "or", "||"):
            op = self.take()
            right = self.unary()
            if op in ("and", "&&"):
                left = (lambda a, b: lambda o: a(o) and b(o))(left, right)
            else:
                left = (lambda a, b: lambda o: a(o) or b(o))(left, right)
        return left

    def unary(self) -> Predicate:
        tok = self.peek()
        if tok in ("not", "!"):
            self.take()
            inner = self.unary()
            return lambda o: not inner(o)
        if tok == "(":
            self.take()
            inner = self.expr()
            if self.take() != ")":
                raise FilterError("syntax error")
            return inner
        return self.primitive()

    def primitive(self) -> Predicate:
        tok = self.take().lower()
        proto: str | None = None
        if tok in ("tcp", "udp") and self.peek() in ("port", "src", "dst"):
            proto, tok = tok, self.take().lower()
        elif tok in PROTO_WORDS:
            return _proto_pred(tok)
        direction = "any"
        if tok in ("src", "dst"):
            direction = tok
            nxt = self.peek()
            if nxt in ("and", "or") and self.i + 1 < len(self.t) and self.t[self.i + 1] in ("src", "dst"):
                self.take()
                self.take()
            tok = self.take().lower() if self.peek() in ("host", "net", "port") else "host"
        if tok in ("host", "net", "port"):
            kind = tok
            value = self.take()
            if value.lower() in PCAP_KEYWORDS:
                raise FilterError("syntax error")     # pcap's grammar: a keyword is no host name
        elif self.last is not None:
            kind, direction, proto = self.last
            value = tok
        else:
            raise FilterError("syntax error")
        self.last = (kind, direction, proto)
        return self._value_pred(kind, direction, proto, value)

    @staticmethod
    def _value_pred(kind: str, direction: str, proto: str | None, value: str) -> Predicate:
        if kind == "port":
            port = SERVICES.get(value) if not value.isdigit() else int(value)
            if port is None:
                raise FilterError(f"unknown port '{value}'")
            return lambda o: port in _ports(o, direction, proto)
        if kind == "host":
            try:
                addr = ip_address(value)
            except ValueError:
                raise FilterError(f"unknown host '{value}'") from None
            return lambda o: addr in _addresses(o, direction)
        try:
            net = ip_network(value, strict=False) if "/" in value else _classful(value)
        except ValueError:
            raise FilterError("syntax error") from None
        return lambda o: any(a in net for a in _addresses(o, direction))


# reserved words of libpcap's filter grammar (scanner.l): never a host, net or port name
PCAP_KEYWORDS = frozenset("""
    and or not src dst host gateway net netmask mask port portrange proto protochain less greater byte
    broadcast multicast ip ip6 arp rarp tcp udp icmp icmp6 igmp igrp pim vrrp carp sctp ether fddi tr wlan
    ppp slip link len inbound outbound vlan mpls pppoed pppoes geneve atalk aarp decnet lat sca moprc mopdl
    iso esis clnp isis stp ipx netbeui ah esp
""".split())


def _classful(value: str) -> IPv4Network:
    """``net 10`` / ``net 192.168.0`` – the prefix is the number of octets given."""
    parts = value.split(".")
    if not 1 <= len(parts) <= 4 or not all(p.isdigit() for p in parts):
        raise ValueError(value)
    octets = parts + ["0"] * (4 - len(parts))
    return IPv4Network(f"{'.'.join(octets)}/{8 * len(parts)}", strict=False)


def compile_filter(words: list[str]) -> Predicate:
    """A predicate for the filter expression given as argv words (empty → everything)."""
    tokens = _tokens(" ".join(words))
    if not tokens:
        return lambda o: True
    parser = _Parser(tokens)
    pred = parser.expr()
    if parser.i != len(tokens):
        raise FilterError("syntax error")
    return pred
