"""IPv6 packets through the nf_tables ruleset: the ``ip6`` and ``inet`` base chains at
input, forward and output (what ip6tables-nft and ``nft`` with ``ip6``/``inet`` tables write).

A drop is final, an accept ends its own chain, REJECT answers with ICMPv6 as
ip6t_REJECT does (``icmp6-port-unreachable`` unless ``--reject-with`` says
otherwise). Connection state comes from the namespace's conntrack table once an
``ip6``/``inet`` rule uses it (an answer is ESTABLISHED, an ICMPv6 error about a
known flow RELATED); source NAT for IPv6 is in :mod:`simnet.kernel.ipv6.nat6`.
"""
from __future__ import annotations

TYPE_CHECKING = False      # typing's, without importing typing: ~4 ms of every cold start (issue 20)

from simnet.kernel.conntrack import ICMPV6, CtEntry, CtTuple
from simnet.kernel.netfilter import BUILTIN_CHAINS, PacketContext
from simnet.kernel.nftables import describe_rule
from simnet.kernel.nftables.engine import run_chain
from simnet.kernel.ipv6 import nat6
from simnet.links.packet6 import (ADDR_UNREACH, ADM_PROHIBITED, DST_UNREACH, NOROUTE, PORT_UNREACH, Icmp6,
                                  IPv6Packet)
from simnet.trace import Disposition

if TYPE_CHECKING:
    from simnet.kernel.ipv6.stack6 import Stack6

__all__ = ["hook", "track", "confirm", "REJECT_WITH6"]

REJECT_WITH6 = {"icmp6-no-route": NOROUTE, "no-route": NOROUTE, "icmp6-adm-prohibited": ADM_PROHIBITED,
                "adm-prohibited": ADM_PROHIBITED, "icmp6-addr-unreachable": ADDR_UNREACH,
                "addr-unreach": ADDR_UNREACH, "icmp6-port-unreachable": PORT_UNREACH, "port-unreach": PORT_UNREACH}


def track(stack: "Stack6", pkt: IPv6Packet) -> tuple[str, CtEntry | None, CtEntry | None]:
    """nf_conntrack_in for IPv6: (the ``ct state`` a rule sees, a new entry still to confirm, the
    entry the packet belongs to).

    Echo and node-information flows, UDP and TCP get entries in the namespace's one table
    (``conntrack -L`` lists them beside IPv4's); neighbour discovery, MLD and router messages stay
    untracked, an ICMPv6 error about a known flow is RELATED."""
    node = stack.node
    ct = node.conntrack
    now = node.sim.now
    carried = nat6.held(stack, pkt) if stack.skb_ct is not None else None
    p = pkt.payload
    hit: tuple[CtEntry, int] | None
    if isinstance(p, Icmp6) and p.is_error:
        hit = carried or (ct.find_related(p.inner, now) if p.inner is not None else None)
        return ("RELATED", None, hit[0]) if hit is not None else ("INVALID", None, None)
    if carried is not None:                      # conntrack ran at PREROUTING/OUTPUT (nat6)
        entry, direction = carried
        if "CONFIRMED" not in entry.status:
            return "NEW", entry, entry
        hit = carried
    else:
        t = CtTuple.of(pkt)
        if t is None:
            return ("UNTRACKED" if isinstance(p, Icmp6) else "INVALID"), None, None
        hit = ct.find(t, now)
    if hit is not None:
        entry, direction = hit
        state = "ESTABLISHED" if direction == 1 or "SEEN_REPLY" in entry.status else "NEW"
        ct.seen(entry, direction, pkt, now)
        return state, None, entry
    fresh = ct.new(pkt, now)
    return ("NEW" if fresh is not None else "INVALID"), fresh, fresh


def confirm(stack: "Stack6", pkt: IPv6Packet, entry: CtEntry | None) -> None:
    """__nf_conntrack_confirm: the packet got past the last hook, its new entry joins the table."""
    if entry is None:
        return
    node = stack.node
    node.conntrack.confirm(entry)
    node.conntrack.seen(entry, 0, pkt, node.sim.now)
    stack._step(pkt, "conntrack", "new", original=_fmt(entry.original), reply=_fmt(entry.reply))


def _fmt(t: CtTuple) -> str:
    if t.proto == ICMPV6:
        return f"icmpv6 {t.src} → {t.dst} id={t.sport}"
    proto = {6: "tcp", 17: "udp"}.get(t.proto, str(t.proto))
    return f"{proto} [{t.src}]:{t.sport} → [{t.dst}]:{t.dport}"


def hook(stack: "Stack6", name: str, pkt: IPv6Packet, in_iface: str | None, out_iface: str | None) -> bool:
    """Run the base chains at hook ``name``; True when the packet must stop here."""
    nf = stack.node.netfilter
    if not nf.tables:
        return False
    state, entry, known = track(stack, pkt) if nf.needs_conntrack6 else ("UNTRACKED", None, None)
    pre, _nat, post = nf.split_at("ipv6", name)
    chains = pre + post
    if not chains:
        confirm(stack, pkt, entry)
        return False
    ctx = PacketContext(in_iface, out_iface, locals_fn=stack.node.ip6.local_ips, now=stack.node.sim.now)
    ctx.ct_state = state
    if known is not None and (known.nat_source or known.nat_destination):       # ctstate SNAT / DNAT
        ctx.ct_nat = frozenset(b for b, on in (("SNAT", known.nat_source), ("DNAT", known.nat_destination)) if on)
    stack.mark = 0
    for chain in chains:
        verdict = run_chain(chain, pkt, ctx, nf.log)
        # ip6tables' own tables are named like iptables' (explain shows ip6tables, not nft)
        extra = {"ip6tables": True} if verdict.family == "ip6" and verdict.table in BUILTIN_CHAINS else \
            {"family": verdict.family}
        stack.mark = ctx.mark            # the skb mark lives on to POSTROUTING (ts-forward's MARK)
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
    confirm(stack, pkt, entry)
    return False
