"""Source NAT for IPv6 (nf_nat with ``ip6tables -t nat``: MASQUERADE and SNAT).

IPv6 needs no NAT, but tailscale's exit node uses it: ts-postrouting masquerades
what came in on tailscale0 (mark 0x40000/0xff0000), for IPv6 too, so that the
tailnet's fd7a:115c:a1e0:: addresses leave with the exit node's own global one.

As for IPv4 the nat table sees only the first packet of a connection; what it
decides goes into the conntrack entry's reply tuple, and every later packet is
rewritten from the entry: the source at POSTROUTING, an answer's destination
(and an ICMPv6 error's, with the packet it quotes) at PREROUTING, before the
routing decision. The entries of translated connections are also found by the
answer's translated-back tuple (``Stack6.nat_back``), so the forward hook's
conntrack lookup after PREROUTING sees the answer as ESTABLISHED.
"""
from __future__ import annotations

TYPE_CHECKING = False      # typing's, without importing typing: ~4 ms of every cold start (issue 20)

from dataclasses import replace
from ipaddress import IPv6Address

from simnet.kernel.conntrack import ICMPV6, CtEntry, CtTuple
from simnet.kernel.netfilter import PacketContext
from simnet.kernel.nftables import describe_rule
from simnet.kernel.nftables.engine import run_chain
from simnet.links.packet import Tcp, Udp
from simnet.links.packet6 import Icmp6, IPv6Packet

if TYPE_CHECKING:
    from simnet.kernel.ipv6.fib6 import Route6
    from simnet.kernel.ipv6.stack6 import Stack6

__all__ = ["prerouting", "postrouting", "back_entry"]


def _active(stack: "Stack6") -> bool:
    nf = stack.node.netfilter
    return bool(nf.tables) and nf.has_nat("ipv6")


def back_entry(stack: "Stack6", t: CtTuple) -> CtEntry | None:
    """The translated connection whose answer, translated back, has tuple ``t``."""
    entry = stack.nat_back.get(t.key)
    if entry is None:
        return None
    if entry.expires <= stack.node.sim.now or entry not in stack.node.conntrack.entries:
        del stack.nat_back[t.key]
        return None
    return entry


def _set(pkt: IPv6Packet, part: str, addr: IPv6Address, port: int) -> IPv6Packet:
    """Rewrite the source or destination address and its port (an echo's id for ICMPv6)."""
    p = pkt.payload
    if isinstance(p, (Tcp, Udp)):
        p = replace(p, sport=port) if part == "src" else replace(p, dport=port)
    elif isinstance(p, Icmp6) and not p.is_error:
        p = replace(p, ident=port)
    return replace(pkt, payload=p, **{part: addr})  # type: ignore[arg-type]


def prerouting(stack: "Stack6", pkt: IPv6Packet) -> IPv6Packet:
    """An answer to a translated connection (or an ICMPv6 error about one) gets its real destination."""
    if not _active(stack) or pkt.dst.is_multicast:
        return pkt
    ct = stack.node.conntrack
    now = stack.node.sim.now
    p = pkt.payload
    if isinstance(p, Icmp6) and p.is_error:
        hit = ct.find_related(p.inner, now) if p.inner is not None else None
        if hit is None or hit[1] != 1 or not hit[0].nat_source:
            return pkt
        orig = hit[0].original
        inner = _set(p.inner, "src", orig.src, orig.sport)  # type: ignore[arg-type]
        out = replace(pkt, dst=orig.src, payload=replace(p, inner=inner))  # type: ignore[arg-type]
        stack._step(out, "nat", "related", part="dst", before=str(pkt.dst), after=str(orig.src))
        return out
    t = CtTuple.of(pkt)
    hit = ct.find(t, now) if t is not None else None
    if hit is None or hit[1] != 1 or not hit[0].nat_source:
        return pkt
    orig = hit[0].original
    before = pkt.dst
    pkt = _set(pkt, "dst", orig.src, orig.sport)  # type: ignore[arg-type]
    stack._step(pkt, "nat", "conntrack", part="dst", before=str(before), after=str(orig.src), direction="reply")
    return pkt


def postrouting(stack: "Stack6", pkt: IPv6Packet, route: "Route6", in_iface: str | None,
                mark: int) -> IPv6Packet | None:
    """POSTROUTING: bind a new connection (MASQUERADE, SNAT) and rewrite the source; None if dropped."""
    if not _active(stack):
        return pkt
    node = stack.node
    t = CtTuple.of(pkt)
    hit = node.conntrack.find(t, node.sim.now) if t is not None else None
    if hit is None:
        return pkt
    entry, direction = hit
    if direction == 1:
        return pkt
    if "SRC_NAT_DONE" not in entry.status:
        entry.status.add("SRC_NAT_DONE")
        if not _bind(stack, pkt, entry, route, in_iface, mark):
            return None
    if not entry.nat_source:
        return pkt
    target = entry.reply
    before = pkt.src
    port = target.sport if target.proto == ICMPV6 else target.dport     # an echo keeps its id in sport
    pkt = _set(pkt, "src", target.dst, port)  # type: ignore[arg-type]
    if entry.packets[0] > 1:
        stack._step(pkt, "nat", "conntrack", part="src", before=str(before), after=str(target.dst),
                    direction="original")
    return pkt


def _bind(stack: "Stack6", pkt: IPv6Packet, entry: CtEntry, route: "Route6", in_iface: str | None,
          mark: int) -> bool:
    """The nat chains at POSTROUTING for the first packet; the mapping goes into the entry."""
    from simnet.kernel.ipv6.source import select_source

    node = stack.node
    nf = node.netfilter
    ctx = PacketContext(in_iface, route.dev, locals_fn=node.ip6.local_ips, now=node.sim.now)
    ctx.ct_state, ctx.mark = "NEW", mark
    verdict = None
    for chain in nf.split_at("ipv6", "postrouting")[1]:
        verdict = run_chain(chain, pkt, ctx, nf.log)
        if verdict.action != "ACCEPT":
            break
    if verdict is None or verdict.action not in ("MASQUERADE", "SNAT", "DROP"):
        return True
    rule = describe_rule(verdict.rule, verdict.family) if verdict.rule else None
    if verdict.action == "DROP":
        from simnet.trace import Disposition

        stack._step(pkt, "netfilter", "drop", table="nat", chain=verdict.chain, rule_num=verdict.rule_num,
                    policy=verdict.by_policy, ip6tables=True)
        stack._finish(pkt, Disposition.FILTERED, table="nat", chain=verdict.chain, rule_num=verdict.rule_num,
                      policy=verdict.by_policy, rule=rule, ipv6=True, ip6tables=True)
        return False
    new: IPv6Address | None
    if verdict.action == "MASQUERADE":
        new = select_source(node, pkt.dst, route)
    else:
        spec = (verdict.option("to-source", "") or "").strip("[")
        new = IPv6Address(spec.split("]")[0].split("-")[0]) if spec else None
    if new is None:
        return True
    reply = _unique(stack, entry, replace(entry.reply, dst=new))
    node.conntrack.rekey(entry, reply)
    stack.nat_back[entry.original.inverted().key] = entry
    stack._step(pkt, "nat", verdict.action.lower(), table="nat", chain="POSTROUTING", rule_num=verdict.rule_num,
                rule=rule, before=str(pkt.src), after=str(new), kind="snat", ip6tables=True)
    return True


def _unique(stack: "Stack6", entry: CtEntry, reply: CtTuple) -> CtTuple:
    """Keep the port (echo id) when the reply tuple is free, else take the next free one."""
    ct = stack.node.conntrack
    candidate = reply
    for _ in range(65536):
        owner = ct._by_key.get(candidate.key)
        if owner is None or owner[0] is entry:
            return candidate
        if candidate.proto == ICMPV6:
            candidate = replace(candidate, sport=(candidate.sport + 1) & 0xFFFF)
        else:
            nxt = candidate.dport + 1
            candidate = replace(candidate, dport=nxt if nxt <= 65535 else 1024)
    return candidate
