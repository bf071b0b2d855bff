"""IPv6 packets through the nf_tables ruleset: the ``ip6`` and ``inet`` base chains at
input, forward and output (what ip6tables-nft and ``nft`` with ``ip6``/``inet`` tables write).

A drop is final, an accept ends its own chain, REJECT answers with ICMPv6 as
ip6t_REJECT does (``icmp6-port-unreachable`` unless ``--reject-with`` says
otherwise). Connection state comes from a small flow memory (an answer to a
flow this node sent or forwarded is ESTABLISHED, an ICMPv6 error about one
RELATED); NAT for IPv6 is not modelled.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from simnet.kernel.netfilter import PacketContext
from simnet.kernel.nftables import describe_rule
from simnet.kernel.nftables.engine import run_chain
from simnet.links.packet6 import (ADDR_UNREACH, ADM_PROHIBITED, DST_UNREACH, NOROUTE, PORT_UNREACH, Icmp6,
                                  IPv6Packet)
from simnet.trace import Disposition

if TYPE_CHECKING:
    from simnet.kernel.ipv6.stack6 import Stack6

__all__ = ["hook", "REJECT_WITH6"]

REJECT_WITH6 = {"icmp6-no-route": NOROUTE, "no-route": NOROUTE, "icmp6-adm-prohibited": ADM_PROHIBITED,
                "adm-prohibited": ADM_PROHIBITED, "icmp6-addr-unreachable": ADDR_UNREACH,
                "addr-unreach": ADDR_UNREACH, "icmp6-port-unreachable": PORT_UNREACH, "port-unreach": PORT_UNREACH}


def _key(pkt: IPv6Packet, reverse: bool = False) -> tuple:
    p = pkt.payload
    src, dst = (pkt.dst, pkt.src) if reverse else (pkt.src, pkt.dst)
    if isinstance(p, Icmp6):
        return (src, dst, 58, p.ident)
    sport, dport = (p.dport, p.sport) if reverse else (p.sport, p.dport)
    return (src, dst, pkt.proto, sport, dport)


def _state(stack: "Stack6", pkt: IPv6Packet) -> str:
    p = pkt.payload
    if isinstance(p, Icmp6) and p.is_error and p.inner is not None:
        return "RELATED" if _key(p.inner) in stack.flows else "NEW"
    return "ESTABLISHED" if _key(pkt, reverse=True) in stack.flows or _key(pkt) in stack.flows else "NEW"


def hook(stack: "Stack6", name: str, pkt: IPv6Packet, in_iface: str | None, out_iface: str | None) -> bool:
    """Run the base chains at hook ``name``; True when the packet must stop here."""
    nf = stack.node.netfilter
    if not nf.tables:
        return False
    pre, _nat, post = nf.split_at("ipv6", name)
    chains = pre + post
    if not chains:
        return False
    ctx = PacketContext(in_iface, out_iface, locals_fn=stack.node.ip6.local_ips)
    ctx.ct_state = _state(stack, pkt)
    for chain in chains:
        verdict = run_chain(chain, pkt, ctx, nf.log)
        extra = {"family": verdict.family}
        if verdict.action == "ACCEPT":
            if verdict.rule is not None:
                stack._step(pkt, "netfilter", "accept", table=verdict.table, chain=verdict.chain,
                            rule_num=verdict.rule_num, rule=describe_rule(verdict.rule), **extra)
            continue
        if verdict.action not in ("DROP", "REJECT"):
            continue
        rule_text = describe_rule(verdict.rule) if verdict.rule else None
        stack._step(pkt, "netfilter", verdict.action.lower(), table=verdict.table, chain=verdict.chain,
                    rule_num=verdict.rule_num, rule=rule_text, policy=verdict.by_policy, **extra)
        disp = Disposition.REJECTED if verdict.action == "REJECT" else Disposition.FILTERED
        stack._finish(pkt, disp, table=verdict.table, chain=verdict.chain, rule_num=verdict.rule_num,
                      rule=rule_text, policy=verdict.by_policy, ipv6=True, **extra)
        if verdict.action == "REJECT":
            how = verdict.option("reject-with", "icmp6-port-unreachable") or "icmp6-port-unreachable"
            stack.icmp_error(pkt, DST_UNREACH, REJECT_WITH6.get(how, PORT_UNREACH))
        return True
    if name in ("output", "forward"):
        stack.flows.add(_key(pkt))
    return False
