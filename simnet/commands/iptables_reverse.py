"""iptables-nft reading rules it did not write: native nft expressions back to iptables words.

``nft add rule ip filter INPUT ip saddr 1.2.3.4 counter accept`` lands in iptables' own
chain; iptables 1.8.9 parses the expressions back (nft_rule_to_iptables_command_state)
and lists ``-A INPUT -s 1.2.3.4/32 -j ACCEPT``. What it cannot parse (``ct state``, a
``log``, a named set) makes it give up with "incompatible, use 'nft' tool". One quirk is
kept as iptables has it: a port set (``tcp dport { 22, 80 }``) is not understood and
silently dropped, leaving ``-p tcp``.
"""
from __future__ import annotations

from dataclasses import replace
from ipaddress import IPv4Network, IPv6Network

from simnet.kernel.netfilter import Match, XtRule
from simnet.kernel.nftables import Chain, Rule
from simnet.kernel.nftables import expr as E
TYPE_CHECKING = False      # typing's, without importing typing
if TYPE_CHECKING:
    from typing import Any

__all__ = ["reverse_xt", "as_iptables"]

_PROTOS = {6: "tcp", 17: "udp", 1: "icmp", 58: "ipv6-icmp", 47: "gre", 50: "esp", 51: "ah", 132: "sctp"}
_VERDICTS = {"accept": "ACCEPT", "drop": "DROP", "return": "RETURN"}


def _proto(value: Any) -> str | None:
    if isinstance(value, str):
        value = E.PROTOCOLS.get(value, value)
    return _PROTOS.get(value) if isinstance(value, int) else None


def _ports(value: Any) -> str | None:
    if isinstance(value, int):
        return str(value)
    if isinstance(value, E.Range) and isinstance(value.lo, int) and isinstance(value.hi, int):
        return f"{value.lo}:{value.hi}"
    return None


def reverse_xt(rule: Rule, family: str = "ip") -> XtRule | None:
    """The iptables form of a native rule, or None where iptables-nft gives up."""
    xt = XtRule()
    ports: list[tuple[str, str, bool]] = []
    ip = "ip6" if family == "ip6" else "ip"
    for e in rule.exprs:
        kind = type(e)
        if kind is E.Counter:
            continue
        if kind is E.Cmp:
            neg = e.op == "!="
            if e.op not in ("==", "!=") or e.mask is not None:
                return None
            v = e.value
            if e.key in ("iifname", "oifname") and isinstance(v, str):
                name = v[:-1] + "+" if v.endswith("*") else v
                if e.key == "iifname":
                    xt.in_iface, xt.in_neg = name, neg
                else:
                    xt.out_iface, xt.out_neg = name, neg
            elif e.key in (f"{ip} saddr", f"{ip} daddr") and isinstance(v, (IPv4Network, IPv6Network)):
                if e.key.endswith("saddr"):
                    xt.src, xt.src_neg = v, neg
                else:
                    xt.dst, xt.dst_neg = v, neg
            elif e.key in ("meta l4proto", "ip protocol", "ip6 nexthdr") and _proto(v):
                xt.proto, xt.proto_neg = _proto(v), neg
            elif e.key.split(" ")[0] in ("tcp", "udp") and e.key.split(" ")[1] in ("dport", "sport"):
                l4 = e.key.split(" ")[0]
                if xt.proto is None:
                    xt.proto = l4
                if isinstance(v, E.AnonSet):
                    continue            # iptables-nft 1.8.9 does not parse a set lookup: it is lost
                text = _ports(v)
                if text is None:
                    return None
                ports.append((e.key.split(" ")[1], text, neg))
            else:
                return None
        elif kind is E.Verdict and e.kind in _VERDICTS:
            xt.target = _VERDICTS[e.kind]
        elif kind is E.Verdict and e.kind in ("jump", "goto"):
            xt.target, xt.goto = e.chain, e.kind == "goto"
        elif kind is E.Reject and e.family is None:
            xt.target = "REJECT"
            xt.target_options = (("reject-with", "icmp6-port-unreachable" if family == "ip6"
                                  else "icmp-port-unreachable"),)
        else:
            return None
    if ports:
        order = {"sport": 0, "dport": 1}
        xt.matches = (Match(xt.proto or "tcp", tuple(sorted(ports, key=lambda p: order[p[0]]))),)
    return xt


def as_iptables(chain: Chain, family: str) -> Chain:
    """The chain as iptables sees it: native rules it can read carry their iptables form."""
    if all(r.xt is not None for r in chain.rules):
        return chain
    rules = []
    for r in chain.rules:
        xt = reverse_xt(r, family) if r.xt is None else r.xt
        rules.append(r if xt is None or r.xt is not None else
                     Rule(xt=xt, handle=r.handle, packets=r.packets, bytes=r.bytes))
    return replace(chain, rules=rules)
