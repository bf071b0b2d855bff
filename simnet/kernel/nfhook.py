"""What the packet path does at a netfilter hook: walk the base chains, act on the verdict.

The stack calls :func:`run` at each hook for the chains on either side of the nat core
(:meth:`~simnet.kernel.nftables.Ruleset.split_at`, NAT itself is :mod:`simnet.kernel.nat`). Every filter/route base chain registered there runs
in priority order, across tables and families (an ``inet filter`` chain and iptables-nft's
``ip filter`` chain both see a forwarded packet): a drop in any chain is final, an accept
only ends its own chain. A rule that accepted, dropped or rejected leaves a step in the
journey; REJECT sends its answer.
"""
from __future__ import annotations

TYPE_CHECKING = False      # typing's, without importing typing: ~4 ms of every cold start (issue 20)

from simnet.kernel import sockets
from simnet.kernel.netfilter import BUILTIN_CHAINS, Verdict
from simnet.kernel.nftables import describe_rule
from simnet.kernel.nftables.engine import run_chain
from simnet.links.packet import (DEST_UNREACH, HOST_ANO, HOST_UNREACH, NET_ANO, NET_UNREACH, PKT_FILTERED,
                                 PORT_UNREACH, PROT_UNREACH, IPv4Packet, Tcp)
from simnet.trace import Disposition

if TYPE_CHECKING:
    from simnet.kernel.nftables import Chain
    from simnet.kernel.stack import Stack, _Path

__all__ = ["run", "REJECT_WITH"]

REJECT_WITH = {
    "icmp-net-unreachable": (DEST_UNREACH, NET_UNREACH), "icmp-host-unreachable": (DEST_UNREACH, HOST_UNREACH),
    "icmp-port-unreachable": (DEST_UNREACH, PORT_UNREACH), "icmp-proto-unreachable": (DEST_UNREACH, PROT_UNREACH),
    "icmp-net-prohibited": (DEST_UNREACH, NET_ANO), "icmp-host-prohibited": (DEST_UNREACH, HOST_ANO),
    "icmp-admin-prohibited": (DEST_UNREACH, PKT_FILTERED),
}


def run(stack: "Stack", chains: "tuple[Chain, ...]", pkt: IPv4Packet, path: "_Path") -> Verdict | None:
    """Run these base chains (one side of the nat core at a hook, from ``Ruleset.split_at``)
    in order; returns the verdict if the packet must stop here."""
    log = stack.node.netfilter.log
    ctx = path.ctx
    ctx.ct_state = path.ct.state if path.ct else ctx.ct_state
    entry = path.ct.entry if path.ct else None
    if entry is not None:
        ctx.ct_nat = frozenset(bit for bit, on in (("SNAT", entry.nat_source), ("DNAT", entry.nat_destination)) if on)
    for chain in chains:
        verdict = _act(stack, run_chain(chain, pkt, ctx, log), pkt)
        if verdict is not None:
            return verdict
    return None


def _act(stack: "Stack", verdict: Verdict, pkt: IPv4Packet) -> Verdict | None:
    table = verdict.table
    # iptables' own tables need no family; a table written with nft names it (explain suggests nft)
    extra = {} if verdict.family == "ip" and table in BUILTIN_CHAINS else {"family": verdict.family}
    if verdict.action == "ACCEPT":
        if verdict.rule is not None:
            stack._step(pkt, "netfilter", "accept", table=table, chain=verdict.chain,
                        rule_num=verdict.rule_num, rule=describe_rule(verdict.rule, verdict.family), **extra)
        return None
    if verdict.action in ("DROP", "REJECT"):
        rule_text = describe_rule(verdict.rule, verdict.family) if verdict.rule else None
        stack._step(pkt, "netfilter", verdict.action.lower(), table=table, chain=verdict.chain,
                    rule_num=verdict.rule_num, rule=rule_text, policy=verdict.by_policy, **extra)
        disp = Disposition.REJECTED if verdict.action == "REJECT" else Disposition.FILTERED
        stack._finish(pkt, disp, table=table, chain=verdict.chain, rule_num=verdict.rule_num,
                      rule=rule_text, policy=verdict.by_policy, **extra)
        if verdict.action == "REJECT":
            _reject(stack, pkt, verdict)
        return verdict
    return None


def _reject(stack: "Stack", pkt: IPv4Packet, verdict: Verdict) -> None:
    how = verdict.option("reject-with", "icmp-port-unreachable")
    if how == "tcp-reset" and isinstance(pkt.payload, Tcp):
        from simnet.kernel.tcp import reset_for

        rst = IPv4Packet(pkt.dst, pkt.src, reset_for(pkt.payload), journey=pkt.journey)
        sockets.answer_leg(rst)
        stack.send_local_error(rst)
        return
    icmp_type, code = REJECT_WITH.get(how or "", (DEST_UNREACH, PORT_UNREACH))
    stack.icmp_error(pkt, icmp_type, code, force_src=pkt.dst if stack.node.is_local(pkt.dst) else None)
