"""The netfilter rule model that iptables, iptables-save and nft all show.

Rules are data: matches and a target. :meth:`Netfilter.traverse` walks a
chain the way the kernel does (jumps, RETURN, policies, counters) and returns
a :class:`Verdict`; the packet path in :mod:`simnet.kernel.stack` acts on it.
iptables 1.8.9 is iptables-nft: a table exists once a command touched it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from ipaddress import IPv4Address, IPv4Network
from typing import Callable, Iterable

from simnet.links.packet import ICMP, IPv4Packet, PROTO_NAMES, TCP, UDP, Icmp, Tcp

__all__ = ["Match", "Rule", "Chain", "Table", "Netfilter", "Verdict", "PacketContext",
           "BUILTIN_CHAINS", "TABLE_ORDER"]

BUILTIN_CHAINS: dict[str, tuple[str, ...]] = {
    "filter": ("INPUT", "FORWARD", "OUTPUT"),
    "nat": ("PREROUTING", "INPUT", "OUTPUT", "POSTROUTING"),
    "mangle": ("PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING"),
    "raw": ("PREROUTING", "OUTPUT"),
    "security": ("INPUT", "FORWARD", "OUTPUT"),
}
TABLE_ORDER = ("raw", "mangle", "nat", "filter", "security")
PROTO_NUMBERS = {"icmp": ICMP, "tcp": TCP, "udp": UDP, "all": 0}

ICMP_TYPE_NAMES = {
    "echo-reply": (0, None), "pong": (0, None), "destination-unreachable": (3, None),
    "network-unreachable": (3, 0), "host-unreachable": (3, 1), "protocol-unreachable": (3, 2),
    "port-unreachable": (3, 3), "echo-request": (8, None), "ping": (8, None),
    "time-exceeded": (11, None), "ttl-exceeded": (11, None), "ttl-zero-during-transit": (11, 0),
    "any": (None, None),
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


@dataclass(eq=False)
class Rule:
    """One rule. Address/interface/protocol selectors plus match modules and a target."""

    src: IPv4Network | None = None
    src_neg: bool = False
    dst: IPv4Network | None = None
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
    packets: int = 0
    bytes: int = 0

    def target_option(self, name: str, default: str | None = None) -> str | None:
        for n, v in self.target_options:
            if n == name:
                return v
        return default

    def same_spec(self, other: "Rule") -> bool:
        """Equality for ``iptables -D`` by specification (counters ignored)."""
        fields = ("src", "src_neg", "dst", "dst_neg", "in_iface", "in_neg", "out_iface",
                  "out_neg", "proto", "proto_neg", "matches", "target", "target_options", "goto")
        return all(getattr(self, f) == getattr(other, f) for f in fields)


@dataclass(eq=False)
class Chain:
    name: str
    policy: str | None = None     # builtin chains only
    rules: list[Rule] = field(default_factory=list)
    packets: int = 0               # policy counters (iptables-nft: only once -P gave the chain counters)
    bytes: int = 0
    counted: bool = False

    @property
    def builtin(self) -> bool:
        return self.policy is not None


@dataclass(eq=False)
class Table:
    name: str
    chains: dict[str, Chain] = field(default_factory=dict)

    @classmethod
    def with_builtins(cls, name: str) -> "Table":
        return cls(name, {c: Chain(c, "ACCEPT") for c in BUILTIN_CHAINS[name]})

    def references(self, chain: str) -> int:
        return sum(1 for c in self.chains.values() for r in c.rules if r.target == chain)


@dataclass
class PacketContext:
    """What the kernel knows about a packet besides its headers."""

    in_iface: str | None = None
    out_iface: str | None = None
    ct_state: str | None = None     # NEW, ESTABLISHED, RELATED, INVALID, UNTRACKED
    ct_status: frozenset[str] = frozenset()
    mark: int = 0
    ct_mark: int = 0
    locals_fn: Callable[[], Iterable[IPv4Address]] | None = None  # computed only for -m addrtype


@dataclass(frozen=True, slots=True)
class Verdict:
    """Result of traversing a hook chain. ``rule_num`` is 1-based within ``chain``
    (None when the chain policy decided)."""

    action: str                      # ACCEPT, DROP, REJECT, MASQUERADE, SNAT, DNAT, ...
    table: str
    chain: str
    rule_num: int | None = None
    rule: Rule | None = None
    options: tuple[tuple[str, str], ...] = ()

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


class Netfilter:
    """All tables of one node (one network namespace)."""

    def __init__(self) -> None:
        self.tables: dict[str, Table] = {}
        self.log: list[str] = []       # kernel log lines from the LOG target

    def table(self, name: str, create: bool = True) -> Table | None:
        if name not in self.tables and create:
            self.tables[name] = Table.with_builtins(name)
        return self.tables.get(name)

    def has_rules(self, table: str) -> bool:
        t = self.tables.get(table)
        return bool(t and any(c.rules or c.policy not in (None, "ACCEPT") for c in t.chains.values()))

    @property
    def needs_conntrack(self) -> bool:
        """Conntrack runs in a namespace once NAT or a state match is in use."""
        if "nat" in self.tables:
            return True
        for t in self.tables.values():
            for c in t.chains.values():
                for r in c.rules:
                    if any(m.module in ("conntrack", "state") for m in r.matches):
                        return True
        return False

    # ------------------------------------------------------------------ matching
    def rule_matches(self, rule: Rule, pkt: IPv4Packet, ctx: PacketContext) -> bool:
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
        return all(self._module_matches(m, pkt, ctx) for m in rule.matches)

    def _module_matches(self, m: Match, pkt: IPv4Packet, ctx: PacketContext) -> bool:
        for name, value, neg in m.options:
            if self._option_matches(m.module, name, value, pkt, ctx) == neg:
                return False
        return True

    def _option_matches(self, module: str, name: str, value: str, pkt: IPv4Packet, ctx: PacketContext) -> bool:
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
        if module == "icmp" and name == "icmp-type":
            if not isinstance(p, Icmp):
                return False
            if "/" in value:
                t, _, c = value.partition("/")
                return p.type == int(t) and p.code == int(c)
            if value.isdigit():
                return p.type == int(value)
            t, c = ICMP_TYPE_NAMES.get(value, (-1, None))
            return t is None or (p.type == t and (c is None or p.code == c))
        if module in ("conntrack", "state"):
            if name in ("ctstate", "state"):
                state = ctx.ct_state or "INVALID"
                return state in value.split(",")
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
            want = int(value)
            return {"ttl-eq": pkt.ttl == want, "ttl-lt": pkt.ttl < want, "ttl-gt": pkt.ttl > want}.get(name, True)
        if module == "pkttype" and name == "pkt-type":
            kind = "multicast" if pkt.dst.is_multicast else (
                "broadcast" if str(pkt.dst).endswith(".255") else "unicast")
            return kind == value
        # comment, limit and unknown modules do not restrict the match
        return True

    # ---------------------------------------------------------------- traversal
    def traverse(self, table_name: str, hook: str, pkt: IPv4Packet, ctx: PacketContext,
                 count: bool = True) -> Verdict:
        """Walk ``table_name``/``hook`` and return the verdict; updates counters unless ``count`` is
        False (conntrack peeks at the raw table for NOTRACK before the raw hook itself runs)."""
        table = self.tables.get(table_name)
        if table is None or hook not in table.chains:
            return Verdict("ACCEPT", table_name, hook)
        chain = table.chains[hook]
        stack: list[tuple[Chain, int]] = []
        i = 0
        depth = 0
        while True:
            if i >= len(chain.rules):
                if stack:
                    chain, i = stack.pop()
                    continue
                return _policy_verdict(chain, table_name, pkt) if count else Verdict("ACCEPT", table_name, chain.name)
            rule = chain.rules[i]
            i += 1
            if not self.rule_matches(rule, pkt, ctx):
                continue
            if count:
                rule.packets += 1
                rule.bytes += pkt.length
            target = rule.target
            if target is None:
                continue
            if target == "RETURN":
                if stack:
                    chain, i = stack.pop()
                    continue
                return _policy_verdict(chain, table_name, pkt) if count else Verdict("ACCEPT", table_name, chain.name)
            if target in table.chains:
                depth += 1
                if depth > 64:
                    return Verdict("DROP", table_name, chain.name, i, rule)
                if not rule.goto:
                    stack.append((chain, i))
                chain, i = table.chains[target], 0
                continue
            if target == "CT" and rule.target_option("notrack") is not None:
                return Verdict("NOTRACK", table_name, chain.name, chain.rules.index(rule) + 1, rule)
            if target == "LOG" and not count:
                continue
            if target == "LOG":
                prefix = rule.target_option("log-prefix", "") or ""
                self.log.append(f"{prefix}IN={ctx.in_iface or ''} OUT={ctx.out_iface or ''} "
                                f"SRC={pkt.src} DST={pkt.dst} PROTO={PROTO_NAMES.get(pkt.proto, pkt.proto).upper()}")
                continue
            if target == "MARK":
                ctx.mark = _apply_mark(rule, ctx.mark)
                continue
            if target == "CONNMARK":
                ctx.ct_mark = _apply_mark(rule, ctx.ct_mark)
                continue
            if target == "REJECT" and isinstance(pkt.payload, Tcp) and "R" in pkt.payload.flags and \
                    rule.target_option("reject-with") == "tcp-reset":
                # nf_send_reset never answers a RST (else a REJECT in OUTPUT would loop): plain drop
                return Verdict("DROP", table_name, chain.name, chain.rules.index(rule) + 1, rule)
            if target == "REJECT" and ctx.in_iface is None and isinstance(pkt.payload, Icmp) and \
                    pkt.payload.type in (0, 14, 18):
                # an echo/timestamp/mask reply is sent by the kernel's ICMP socket, whose lock icmp_send
                # cannot take again while that send is in progress: REJECT in OUTPUT only drops it
                return Verdict("DROP", table_name, chain.name, chain.rules.index(rule) + 1, rule)
            if target in ("ACCEPT", "DROP", "REJECT", "MASQUERADE", "SNAT", "DNAT", "REDIRECT", "NOTRACK"):
                return Verdict(target, table_name, chain.name, chain.rules.index(rule) + 1, rule,
                               rule.target_options)
            # unknown extension targets continue, like a non-terminating target
            continue


def _policy_verdict(chain: Chain, table_name: str, pkt: IPv4Packet) -> Verdict:
    """The chain's policy decides. iptables-nft creates base chains without counters; ``-P``
    adds them, so only a chain whose policy was set counts its policy hits (ACCEPT or DROP)."""
    policy = chain.policy or "ACCEPT"
    if chain.counted or policy == "DROP":      # a DROP policy was always set with counters (-P, restore)
        chain.packets += 1
        chain.bytes += pkt.length
    return Verdict(policy, table_name, chain.name)


def _apply_mark(rule: Rule, mark: int) -> int:
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


def describe_rule(rule: Rule, counters: bool = False) -> str:
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
    if counters:
        parts.append(f"-c {rule.packets} {rule.bytes}")
    if rule.target:
        parts.append(("-g " if rule.goto else "-j ") + rule.target)
        for name, value in rule.target_options:
            if name == "log-prefix":
                value = _quote(value)
            parts.append(f"--{name} {value}" if value != "" else f"--{name}")
    return " ".join(parts)
