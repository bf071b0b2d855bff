"""iptables' rules inside nf_tables: the xt compat payload, its matching, the packet context.

iptables 1.8.9 is iptables-nft: it writes nf_tables rules (:mod:`simnet.kernel.nftables`)
whose expressions carry the iptables matches and target. simnet keeps that iptables-level
form (:class:`XtRule`) inside the engine rule, so iptables lists and saves it exactly as
typed while the one engine evaluates it beside native nft rules. :class:`Verdict` is what a
base chain decides; the packet path in :mod:`simnet.kernel.stack` acts on it.
"""
from __future__ import annotations

from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network
TYPE_CHECKING = False      # typing's, without importing typing: ~4 ms of every cold start (issue 20)

if TYPE_CHECKING:
    from typing import Any, Callable, Iterable

from simnet.links.packet import ICMP, IPv4Packet, TCP, UDP, Icmp, Tcp
from simnet.links.packet6 import Icmp6

__all__ = ["Match", "XtRule", "Verdict", "PacketContext", "xt_matches", "describe_xt", "apply_mark",
           "BUILTIN_CHAINS", "TABLE_ORDER"]

BUILTIN_CHAINS: dict[str, tuple[str, ...]] = {
    "filter": ("INPUT", "FORWARD", "OUTPUT"),
    "nat": ("PREROUTING", "INPUT", "OUTPUT", "POSTROUTING"),
    "mangle": ("PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING"),
    "raw": ("PREROUTING", "OUTPUT"),
    "security": ("INPUT", "FORWARD", "OUTPUT"),
}
TABLE_ORDER = ("raw", "mangle", "nat", "filter", "security")
PROTO_NUMBERS = {"icmp": ICMP, "tcp": TCP, "udp": UDP, "ipv6-icmp": 58, "all": 0}

ICMP_TYPE_NAMES = {
    "echo-reply": (0, None), "pong": (0, None), "destination-unreachable": (3, None),
    "network-unreachable": (3, 0), "host-unreachable": (3, 1), "protocol-unreachable": (3, 2),
    "port-unreachable": (3, 3), "echo-request": (8, None), "ping": (8, None),
    "time-exceeded": (11, None), "ttl-exceeded": (11, None), "ttl-zero-during-transit": (11, 0),
    "any": (None, None),
}
# libxt_icmp6's names: (type, code or None)
ICMPV6_TYPE_NAMES = {
    "destination-unreachable": (1, None), "no-route": (1, 0), "communication-prohibited": (1, 1),
    "beyond-scope": (1, 2), "address-unreachable": (1, 3), "port-unreachable": (1, 4), "failed-policy": (1, 5),
    "reject-route": (1, 6), "packet-too-big": (2, None), "time-exceeded": (3, None), "ttl-exceeded": (3, None),
    "ttl-zero-during-transit": (3, 0), "fragment-reassembly-time-exceeded": (3, 1), "parameter-problem": (4, None),
    "bad-header": (4, 0), "unknown-header-type": (4, 1), "unknown-option": (4, 2), "echo-request": (128, None),
    "ping": (128, None), "echo-reply": (129, None), "pong": (129, None), "router-solicitation": (133, None),
    "router-advertisement": (134, None), "neighbour-solicitation": (135, None),
    "neighbor-solicitation": (135, None), "neighbour-advertisement": (136, None),
    "neighbor-advertisement": (136, None), "redirect": (137, None),
}


@dataclass(frozen=True, slots=True)
class Match:
    """``-m MODULE --opt value``; ``options`` keeps (name, value, negated) in given order."""

    module: str
    options: tuple[tuple[str, str, bool], ...] = ()

    def option(self, name: str) -> tuple[str, bool] | None:
        for n, v, neg in self.options:
            if n == name:
                return v, neg
        return None


@dataclass
class XtRule:
    """An iptables rule as iptables-nft keeps it: the compat payload of an nf_tables rule.

    Address/interface/protocol selectors plus match modules and a target. Counters live in
    the nf_tables rule that carries it (:class:`simnet.kernel.nftables.Rule`); two payloads
    compare equal when ``iptables -D`` by specification would take one for the other."""

    src: IPv4Network | IPv6Network | None = None       # IPv6 networks in ip6tables' rules
    src_neg: bool = False
    dst: IPv4Network | IPv6Network | None = None
    dst_neg: bool = False
    in_iface: str | None = None
    in_neg: bool = False
    out_iface: str | None = None
    out_neg: bool = False
    proto: str | None = None
    proto_neg: bool = False
    matches: tuple[Match, ...] = ()
    target: str | None = None
    target_options: tuple[tuple[str, str], ...] = ()
    goto: bool = False

    def target_option(self, name: str, default: str | None = None) -> str | None:
        for n, v in self.target_options:
            if n == name:
                return v
        return default

    @property
    def uses_conntrack(self) -> bool:
        return any(m.module in ("conntrack", "state") for m in self.matches)



@dataclass
class PacketContext:
    """What the kernel knows about a packet besides its headers."""

    in_iface: str | None = None
    out_iface: str | None = None
    ct_state: str | None = None     # NEW, ESTABLISHED, RELATED, INVALID, UNTRACKED
    ct_status: frozenset[str] = frozenset()
    ct_nat: frozenset[str] = frozenset()  # SNAT, DNAT: the connection's NAT bits (xt_conntrack's virtual states)
    mark: int = 0
    ct_mark: int = 0
    locals_fn: Callable[[], Iterable[IPv4Address | IPv6Address]] | None = None  # computed only for -m addrtype
    now: float = 0.0                # simulated time the packet passes (nft ``limit`` meters by it)


@dataclass(frozen=True, slots=True)
class Verdict:
    """Result of traversing a hook chain. ``rule_num`` is 1-based within ``chain``
    (None when the chain policy decided)."""

    action: str                      # ACCEPT, DROP, REJECT, MASQUERADE, SNAT, DNAT, ...
    table: str
    chain: str
    rule_num: int | None = None
    rule: Any = None                 # the nf_tables rule (simnet.kernel.nftables.Rule)
    options: tuple[tuple[str, str], ...] = ()
    family: str = "ip"

    @property
    def by_policy(self) -> bool:
        return self.rule_num is None

    def option(self, name: str, default: str | None = None) -> str | None:
        return dict(self.options).get(name, default)


def _iface_match(pattern: str, name: str | None) -> bool:
    if name is None:
        return False
    if pattern.endswith("+"):
        return name.startswith(pattern[:-1])
    return pattern == name


def _port_match(spec: str, port: int | None) -> bool:
    if port is None:
        return False
    for part in spec.split(","):
        if ":" in part:
            lo, hi = part.split(":", 1)
            if int(lo or 0) <= port <= int(hi or 65535):
                return True
        elif part and int(part) == port:
            return True
    return False


def _mark_match(spec: str, mark: int) -> bool:
    value, _, mask = spec.partition("/")
    m = int(mask, 0) if mask else 0xFFFFFFFF
    return (mark & m) == int(value, 0)


def xt_matches(rule: XtRule, pkt: IPv4Packet, ctx: PacketContext) -> bool:
    """Do the payload's selectors and match modules all match ``pkt``?"""
    if rule.src is not None and (pkt.src in rule.src) == rule.src_neg:
        return False
    if rule.dst is not None and (pkt.dst in rule.dst) == rule.dst_neg:
        return False
    if rule.in_iface is not None and _iface_match(rule.in_iface, ctx.in_iface) == rule.in_neg:
        return False
    if rule.out_iface is not None and _iface_match(rule.out_iface, ctx.out_iface) == rule.out_neg:
        return False
    if rule.proto is not None and rule.proto != "all":
        want = PROTO_NUMBERS.get(rule.proto)
        if want is None:
            try:
                want = int(rule.proto)
            except ValueError:
                want = -1
        if (pkt.proto == want) == rule.proto_neg:
            return False
    return all(_module_matches(m, pkt, ctx) for m in rule.matches)

def _module_matches(m: Match, pkt: IPv4Packet, ctx: PacketContext) -> bool:
    for name, value, neg in m.options:
        if _option_matches(m.module, name, value, pkt, ctx) == neg:
            return False
    return True

def _option_matches(module: str, name: str, value: str, pkt: IPv4Packet, ctx: PacketContext) -> bool:
    p = pkt.payload
    if module in ("tcp", "udp", "multiport"):
        if name in ("sport", "source-port", "sports", "source-ports"):
            return _port_match(value, pkt.sport)
        if name in ("dport", "destination-port", "dports", "destination-ports"):
            return _port_match(value, pkt.dport)
        if name in ("ports",):
            return _port_match(value, pkt.sport) or _port_match(value, pkt.dport)
        if name == "tcp-flags" and isinstance(p, Tcp):
            mask, _, setf = value.partition(" ")
            have = {"S": "SYN", "F": "FIN", "R": "RST", "P": "PSH", ".": "ACK"}
            flags = {have[c] for c in p.flags if c in have}
            maskset = set(mask.split(",")) if mask != "ALL" else {"SYN", "ACK", "FIN", "RST", "URG", "PSH"}
            want = set(setf.split(",")) if setf not in ("NONE", "") else set()
            return (flags & maskset) == want
        if name == "syn":
            return isinstance(p, Tcp) and p.flags == "S"
        return True
    if (module == "icmp" and name == "icmp-type") or (module == "icmp6" and name == "icmpv6-type"):
        if not isinstance(p, (Icmp, Icmp6)) or (module == "icmp6") != (getattr(pkt, "version", 4) == 6):
            return False
        if "/" in value:
            t, _, c = value.partition("/")
            return p.type == int(t) and p.code == int(c)
        if value.isdigit():
            return p.type == int(value)
        ntype, ncode = (ICMP_TYPE_NAMES if module == "icmp" else ICMPV6_TYPE_NAMES).get(value, (-1, None))
        return ntype is None or (p.type == ntype and (ncode is None or p.code == ncode))
    if module in ("conntrack", "state"):
        if name in ("ctstate", "state"):
            # xt_conntrack: SNAT and DNAT are states, too (IPS_SRC_NAT/IPS_DST_NAT of the connection)
            states = {ctx.ct_state or "INVALID"} | (ctx.ct_nat if name == "ctstate" else set())
            return not states.isdisjoint(value.split(","))
        if name == "ctstatus":
            return bool(ctx.ct_status & set(value.split(",")))
        return True
    if module == "mark" and name == "mark":
        return _mark_match(value, ctx.mark)
    if module == "connmark" and name == "mark":
        return _mark_match(value, ctx.ct_mark)
    if module == "addrtype":
        addr = pkt.src if name == "src-type" else pkt.dst
        local = set(ctx.locals_fn()) if ctx.locals_fn is not None else set()
        kind = "LOCAL" if addr in local else ("BROADCAST" if str(addr).endswith(".255") else "UNICAST")
        return kind in value.split(",")
    if module == "iprange":
        lo, _, hi = value.partition("-")
        addr = pkt.src if name == "src-range" else pkt.dst
        return IPv4Address(lo) <= addr <= IPv4Address(hi)
    if module == "length" and name == "length":
        lo, _, hi = value.partition(":")
        return int(lo or 0) <= pkt.length <= int(hi or lo or 65535)
    if module == "ttl":
        ttl = int(value)
        return {"ttl-eq": pkt.ttl == ttl, "ttl-lt": pkt.ttl < ttl, "ttl-gt": pkt.ttl > ttl}.get(name, True)
    if module == "pkttype" and name == "pkt-type":
        kind = "multicast" if pkt.dst.is_multicast else (
            "broadcast" if str(pkt.dst).endswith(".255") else "unicast")
        return kind == value
    # comment, limit and unknown modules do not restrict the match
    return True


def apply_mark(rule: XtRule, mark: int) -> int:
    """The MARK/CONNMARK target's new mark."""
    for name, value in rule.target_options:
        v, _, m = value.partition("/")
        val = int(v, 0)
        mask = int(m, 0) if m else 0xFFFFFFFF
        if name == "set-xmark":
            return (mark & ~mask) ^ val
        if name == "set-mark":
            return (mark & ~mask) | val
        if name == "or-mark":
            return mark | val
        if name == "and-mark":
            return mark & val
        if name == "xor-mark":
            return mark ^ val
    return mark


CT_ORDER = ("INVALID", "NEW", "RELATED", "ESTABLISHED", "UNTRACKED", "SNAT", "DNAT")


_PLAIN = frozenset("_-0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")


def _quote(text: str) -> str:
    """xtables_save_string: bare if only [_-0-9A-Za-z], else quoted with \\ \" \' escaped."""
    if text and all(c in _PLAIN for c in text):
        return text
    return '"' + "".join("\\" + c if c in "\"\\'" else c for c in text) + '"'


def _match_spec(m: Match) -> str:
    parts = [f"-m {m.module}"]
    for name, value, neg in m.options:
        if name in ("ctstate", "state"):
            value = ",".join(s for s in CT_ORDER if s in value.split(","))
        if name == "comment":
            value = _quote(value)
        parts.append(("! " if neg else "") + f"--{name} {value}" if value != "" else f"--{name}")
    return " ".join(parts)


def describe_xt(rule: XtRule, counters: tuple[int, int] | None = None) -> str:
    """The canonical iptables form of a rule, as ``iptables -S`` prints it after ``-A CHAIN``
    (also used in traces: ``-s 10.0.0.0/8 -o eth1 -j DROP``); ``-S -v`` adds ``-c PKTS BYTES``
    before the target."""
    parts: list[str] = []
    for flag, value, neg in (("-s", rule.src, rule.src_neg), ("-d", rule.dst, rule.dst_neg),
                             ("-i", rule.in_iface, rule.in_neg), ("-o", rule.out_iface, rule.out_neg),
                             ("-p", rule.proto, rule.proto_neg)):
        if value is not None:
            parts.append(("! " if neg else "") + f"{flag} {value}")
    parts.extend(_match_spec(m) for m in rule.matches)
    if counters is not None:
        parts.append(f"-c {counters[0]} {counters[1]}")
    if rule.target:
        parts.append(("-g " if rule.goto else "-j ") + rule.target)
        for name, value in rule.target_options:
            if name == "log-prefix":
                value = _quote(value)
            parts.append(f"--{name} {value}" if value != "" else f"--{name}")
    return " ".join(parts)
