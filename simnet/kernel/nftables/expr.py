"""Native nf_tables expressions at the level nft's language speaks them.

A rule is a tuple of these: matches (:class:`Cmp`) that must all hold, then statements
(:class:`Counter`, :class:`Log`, :class:`MetaSet`, …) and at most one verdict-like
statement (:class:`Verdict`, :class:`Reject`, :class:`Nat`, :class:`Notrack`). The kernel
splits them into payload/cmp/lookup bytecode; simnet keeps the readable form, which is
what ``nft list`` prints back and what traces quote. Values are plain Python values:
``int`` for numbers and protocols, ``str`` for names (interfaces, ``ct state`` words,
ICMP type names), ``ipaddress`` networks for addresses, :class:`Range` for ``a-b``,
:class:`AnonSet` for ``{ … }`` and :class:`SetRef` for ``@name``.
"""
from __future__ import annotations

from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Network, IPv6Network, ip_address
TYPE_CHECKING = False      # typing's, without importing typing: ~4 ms of every cold start (issue 20)

from simnet.links.packet import Icmp, Tcp

if TYPE_CHECKING:
    from typing import Any
    from simnet.kernel.netfilter import PacketContext

__all__ = ["Range", "AnonSet", "SetRef", "Cmp", "Vmap", "vmap_verdict", "Counter", "Verdict", "Reject", "Nat", "Log", "Limit",
           "MetaSet", "Notrack", "Expr", "KEYS", "PROTOCOLS", "ICMP_TYPES", "ICMPV6_TYPES", "packet_key",
           "value_matches", "CT_STATES", "CT_STATUS", "REJECT_CODES"]

PROTOCOLS = {"icmp": 1, "igmp": 2, "tcp": 6, "udp": 17, "gre": 47, "esp": 50, "ah": 51, "icmpv6": 58,
             "sctp": 132, "udplite": 136, "dccp": 33}
ICMP_TYPES = {"echo-reply": 0, "destination-unreachable": 3, "source-quench": 4, "redirect": 5,
              "echo-request": 8, "router-advertisement": 9, "router-solicitation": 10, "time-exceeded": 11,
              "parameter-problem": 12, "timestamp-request": 13, "timestamp-reply": 14, "info-request": 15,
              "info-reply": 16, "address-mask-request": 17, "address-mask-reply": 18}
ICMPV6_TYPES = {"destination-unreachable": 1, "packet-too-big": 2, "time-exceeded": 3, "parameter-problem": 4,
                "echo-request": 128, "echo-reply": 129, "mld-listener-query": 130, "mld-listener-report": 131,
                "mld-listener-done": 132, "nd-router-solicit": 133, "nd-router-advert": 134,
                "nd-neighbor-solicit": 135, "nd-neighbor-advert": 136, "nd-redirect": 137}
# conntrack's state and status bits (nft lists ``ct state`` words in bit order, ``-n`` as hex)
CT_STATES = {"invalid": 1, "established": 2, "related": 4, "new": 8, "untracked": 64}
CT_STATUS = {"expected": 1, "seen-reply": 2, "assured": 4, "confirmed": 8, "snat": 16, "dnat": 32, "dying": 512}
# ``reject with icmp|icmpv6|icmpx NAME``: the codes of each family
REJECT_CODES = {
    "icmp": {"net-unreachable": 0, "host-unreachable": 1, "prot-unreachable": 2, "port-unreachable": 3,
             "net-prohibited": 9, "host-prohibited": 10, "admin-prohibited": 13},
    "icmpv6": {"no-route": 0, "admin-prohibited": 1, "addr-unreachable": 3, "port-unreachable": 4,
               "policy-fail": 5, "reject-route": 6},
    "icmpx": {"no-route": 0, "port-unreachable": 1, "host-unreachable": 2, "admin-prohibited": 3},
}
# the keys a Cmp may read (nft's selector words)
KEYS = ("iifname", "oifname", "iif", "oif", "meta l4proto", "meta protocol", "meta nfproto", "meta mark",
        "meta pkttype", "meta length", "ip saddr", "ip daddr", "ip protocol", "ip ttl", "ip length",
        "ip6 saddr", "ip6 daddr", "ip6 nexthdr", "ip6 hoplimit", "tcp sport", "tcp dport", "tcp flags",
        "udp sport", "udp dport", "th sport", "th dport", "icmp type", "icmp code", "icmpv6 type",
        "icmpv6 code", "ct state", "ct status", "ct mark", "ct direction")


@dataclass(frozen=True, slots=True)
class Range:
    """``lo-hi`` (ports, addresses, marks), both ends included."""

    lo: Any
    hi: Any


@dataclass(frozen=True, slots=True)
class AnonSet:
    """An anonymous set ``{ 22, 80, 443 }``: elements are values, ranges or networks."""

    elements: tuple[Any, ...]


@dataclass(frozen=True, slots=True)
class SetRef:
    """``@name``: a lookup in a named set of the rule's table."""

    name: str


Value = int | str | IPv4Network | IPv6Network | Range | AnonSet | SetRef | tuple


@dataclass(frozen=True, slots=True)
class Cmp:
    """``KEY [OP] VALUE``: ``ip saddr 10.0.0.0/8``, ``tcp dport != 22``, ``ct state established,related``
    (a tuple value = the listed flags, any of them), ``meta mark & 0xff == 0x1`` (``mask``)."""

    key: str
    value: Value
    op: str = "=="
    mask: int | None = None


@dataclass(frozen=True, slots=True)
class Counter:
    """``counter``: the rule's packet and byte counts (kept on the rule) grow when reached."""


@dataclass(frozen=True, slots=True)
class Verdict:
    """``accept``, ``drop``, ``continue``, ``return``, ``jump CHAIN``, ``goto CHAIN``, ``queue``."""

    kind: str
    chain: str | None = None


@dataclass(frozen=True, slots=True)
class Vmap:
    """``KEY vmap { VALUE : VERDICT, … }``: an anonymous verdict map. The packet's value picks
    the verdict; a value that is in no element ends the rule (the next rule runs)."""

    key: str
    elements: tuple[tuple[Any, Verdict], ...]
    ref: str | None = None           # ``vmap @name``: the elements of that named map


@dataclass(frozen=True, slots=True)
class Reject:
    """``reject`` [``with icmp|icmpv6|icmpx type NAME`` | ``with tcp reset``]."""

    family: str | None = None      # icmp, icmpv6, icmpx, tcp
    kind: str | None = None        # port-unreachable, host-unreachable, admin-prohibited, reset, ...


@dataclass(frozen=True, slots=True)
class Nat:
    """``masquerade``, ``snat to ADDR[:PORT]``, ``dnat to ADDR[:PORT]``, ``redirect [to :PORT]``;
    ``addr`` and ``port`` as typed (``10.0.0.1``, ``10.0.0.1-10.0.0.9``; ``8080``, ``1000-2000``)."""

    kind: str
    addr: str | None = None
    port: str | None = None
    flags: tuple[str, ...] = ()    # random, fully-random, persistent
    family: str | None = None      # "ip"/"ip6" in inet tables: snat ip to …
    addr_map: "Vmap | None" = None  # ``dnat to tcp dport map { 80 : 10.0.0.2 }``: the address by lookup


@dataclass(frozen=True, slots=True)
class Log:
    """``log [prefix "…"] [level L] [flags …]``: a kernel log line, then the next expression."""

    prefix: str | None = None
    level: str | None = None
    flags: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Limit:
    """``limit rate [over] N/UNIT [burst B packets]``: a token bucket per rule in simulated time
    (:func:`simnet.kernel.nftables.engine._limit_matches`, as nft_limit.c meters)."""

    rate: int
    unit: str = "second"
    burst: int | None = None
    over: bool = False
    per_bytes: str | None = None    # "bytes", "kbytes", "mbytes" for byte rates


@dataclass(frozen=True, slots=True)
class MetaSet:
    """``meta mark set V``, ``ct mark set V``."""

    key: str
    value: int


@dataclass(frozen=True, slots=True)
class Notrack:
    """``notrack``: the packet stays out of conntrack (raw priority chains)."""


Expr = Cmp | Vmap | Counter | Verdict | Reject | Nat | Log | Limit | MetaSet | Notrack


def _iface(pattern: str, name: str | None) -> bool:
    if name is None:
        return False
    if pattern.endswith("*"):
        return name.startswith(pattern[:-1])
    return pattern == name


def packet_key(key: str, pkt: Any, ctx: "PacketContext") -> Any:
    """The packet's value for ``key`` (None when the packet has no such field: a ``tcp dport``
    match on UDP, an ``ip saddr`` match on IPv6 never matches)."""
    v6 = getattr(pkt, "version", 4) == 6
    if key in ("iifname", "iif"):
        return ctx.in_iface
    if key in ("oifname", "oif"):
        return ctx.out_iface
    if key in ("meta l4proto", "ip protocol", "ip6 nexthdr"):
        if (key == "ip protocol" and v6) or (key == "ip6 nexthdr" and not v6):
            return None
        return pkt.proto
    if key in ("meta nfproto", "meta protocol"):
        return "ipv6" if v6 else "ipv4"
    if key == "meta mark":
        return ctx.mark
    if key == "ct mark":
        return ctx.ct_mark
    if key in ("meta length", "ip length"):
        return pkt.length
    if key.startswith("ip "):
        if v6:
            return None
        return pkt.src if key == "ip saddr" else pkt.dst if key == "ip daddr" else pkt.ttl
    if key.startswith("ip6 "):
        if not v6:
            return None
        return pkt.src if key == "ip6 saddr" else pkt.dst if key == "ip6 daddr" else pkt.ttl
    proto, _, field = key.partition(" ")
    if proto in ("tcp", "udp", "th"):
        if proto != "th" and pkt.proto != PROTOCOLS[proto]:
            return None
        if field == "flags":
            p = pkt.payload
            return _tcp_flags(p.flags) if isinstance(p, Tcp) else None
        return pkt.sport if field == "sport" else pkt.dport
    if proto in ("icmp", "icmpv6"):
        p = pkt.payload
        if not isinstance(p, Icmp) or (proto == "icmpv6") != v6:
            return None
        return p.type if field == "type" else p.code
    if key == "ct state":
        return (ctx.ct_state or "INVALID").lower()
    if key == "ct status":
        return ctx.ct_status
    if key == "meta pkttype":
        dst = pkt.dst
        return "multicast" if dst.is_multicast else ("broadcast" if str(dst).endswith(".255") else "unicast")
    return None


TCP_FLAG_BITS = {"fin": 1, "syn": 2, "rst": 4, "psh": 8, "ack": 16, "urg": 32, "ecn": 64, "cwr": 128}
_SIM_FLAGS = {"F": "fin", "S": "syn", "R": "rst", "P": "psh", ".": "ack"}


def _tcp_flags(flags: str) -> int:
    return sum(TCP_FLAG_BITS[_SIM_FLAGS[c]] for c in flags if c in _SIM_FLAGS)


def _scalar(key: str, value: Any) -> Any:
    """A typed value in the packet's terms (names of protocols and ICMP types to numbers)."""
    if isinstance(value, str):
        if key in ("meta l4proto", "ip protocol", "ip6 nexthdr"):
            return PROTOCOLS.get(value, value)
        if key == "icmp type":
            return ICMP_TYPES.get(value, value)
        if key == "icmpv6 type":
            return ICMPV6_TYPES.get(value, value)
        if key == "tcp flags":
            return sum(TCP_FLAG_BITS.get(f, 0) for f in value.split("|"))
    return value


def _one(key: str, element: Any, have: Any) -> bool:
    if isinstance(element, Range):
        lo, hi = _scalar(key, element.lo), _scalar(key, element.hi)
        if isinstance(lo, str):
            lo, hi = ip_address(lo), ip_address(hi)
        try:
            return lo <= have <= hi
        except TypeError:
            return False
    if isinstance(element, (IPv4Network, IPv6Network)):
        return have in element
    element = _scalar(key, element)
    if isinstance(element, str):
        if key in ("iifname", "oifname", "iif", "oif"):
            return _iface(element, have)
        if isinstance(have, IPv4Address) or hasattr(have, "version"):
            try:
                return ip_address(element) == have
            except ValueError:
                return False
    if isinstance(have, frozenset):
        return element in {s.lower() for s in have} or str(element).upper() in have
    return element == have


def value_matches(cmp: Cmp, have: Any, sets: dict[str, Any]) -> bool:
    """Does the packet's value ``have`` satisfy ``cmp`` (named sets from ``sets``)?"""
    if have is None:
        return False
    if cmp.mask is not None:
        have = have & cmp.mask
    value = cmp.value
    op = cmp.op
    if op in ("<", "<=", ">", ">="):
        want = _scalar(cmp.key, value)
        return {"<": have < want, "<=": have <= want, ">": have > want, ">=": have >= want}[op]
    if isinstance(value, SetRef):
        s = sets.get(value.name)
        elements = tuple(s.elements) if s is not None else ()
        hit = any(_one(cmp.key, e, have) for e in elements)
    elif isinstance(value, AnonSet):
        hit = any(_one(cmp.key, e, have) for e in value.elements)
    elif isinstance(value, tuple):          # flags: ct state established,related
        hit = any(_one(cmp.key, e, have) for e in value)
    else:
        hit = _one(cmp.key, value, have)
    return hit != (op == "!=")


def vmap_verdict(vmap: Vmap, have: Any, sets: dict[str, Any]) -> Any:
    """The data (a verdict, an address) of the map element the packet's value ``have`` falls
    into, if any."""
    if have is None:
        return None
    elements = vmap.elements
    if vmap.ref is not None:
        named = sets.get(vmap.ref)
        elements = tuple(named.elements) if named is not None else ()
    for value, verdict in elements:
        if _one(vmap.key, value, have):
            return verdict
    return None
