"""The nat chains for the first packet of an IPv6 connection and what their verdict binds
(nf_nat_inet_fn, nf_nat_setup_info): DNAT/REDIRECT at PREROUTING and OUTPUT, MASQUERADE/SNAT
at POSTROUTING. The mapping goes into the conntrack entry's reply tuple; the packet path in
:mod:`simnet.kernel.ipv6.nat6` rewrites every packet from it.

Where a REDIRECT goes (nf_nat_redirect_ipv6): at OUTPUT to ``::1``, else to the first
address of the device the packet came in on that is no longer tentative, in the kernel's
order (global before link-local, the newest first: what ``ip -6 addr`` lists first).
"""
from __future__ import annotations

TYPE_CHECKING = False      # typing's, without importing typing: ~4 ms of every cold start (issue 20)

from dataclasses import replace
from ipaddress import IPv6Address

from simnet.kernel.conntrack import ICMPV6, CtEntry, CtTuple
from simnet.kernel.netfilter import PacketContext, Verdict
from simnet.kernel.nftables import describe_rule
from simnet.kernel.nftables.engine import run_chain
from simnet.links.packet6 import IPv6Packet
from simnet.trace import Disposition

if TYPE_CHECKING:
    from simnet.kernel.ipv6.fib6 import Route6
    from simnet.kernel.ipv6.stack6 import Stack6

__all__ = ["bind_dst", "bind_src", "parse_range"]

LOOPBACK = IPv6Address(1)


def parse_range(spec: str) -> tuple[IPv6Address | None, int | None]:
    """``[addr]:port``, ``addr``, ``addr-addr``, ``:port``, ``[addr]:80-90`` (what ip6tables
    stores, or nft's ``dnat to``) → the first address and the first port."""
    addr, port = spec, ""
    if spec.startswith("["):
        addr, _, rest = spec[1:].partition("]")
        port = rest[1:] if rest.startswith(":") else ""
    elif spec.startswith(":"):
        addr, port = "", spec[1:]
    elif spec.count(":") == 1:
        addr, _, port = spec.partition(":")
    first = addr.split("-")[0]
    try:
        ip = IPv6Address(first) if first else None
    except ValueError:
        ip = None
    low = port.split("-")[0]
    return ip, (int(low) if low.isdigit() else None)


def _run(stack: "Stack6", hook: str, pkt: IPv6Packet, ctx: PacketContext) -> Verdict | None:
    """The nat chains at ``hook`` in priority order: the first that binds (or drops) decides."""
    nf = stack.node.netfilter
    for chain in nf.split_at("ipv6", hook.lower())[1]:
        verdict = run_chain(chain, pkt, ctx, nf.log)
        if verdict.action != "ACCEPT":
            return verdict
    return None


def _drop(stack: "Stack6", pkt: IPv6Packet, verdict: Verdict) -> bool:
    rule = describe_rule(verdict.rule, verdict.family) if verdict.rule else None
    stack._step(pkt, "netfilter", "drop", table="nat", chain=verdict.chain, rule_num=verdict.rule_num,
                policy=verdict.by_policy, ip6tables=True)
    stack._finish(pkt, Disposition.FILTERED, table="nat", chain=verdict.chain, rule_num=verdict.rule_num,
                  policy=verdict.by_policy, rule=rule, ipv6=True, ip6tables=True)
    return False


def _redirect_to(stack: "Stack6", hook: str, in_iface: str | None) -> IPv6Address | None:
    if hook == "OUTPUT":
        return LOOPBACK
    iface = stack.node.interfaces.get(in_iface or "")
    if iface is None:
        return None
    return next((a.ip for a in iface.addresses6 if not a.tentative and "dadfailed" not in a.flags), None)


def bind_dst(stack: "Stack6", pkt: IPv6Packet, entry: CtEntry, hook: str, in_iface: str | None) -> bool:
    """PREROUTING/OUTPUT for a new connection: DNAT or REDIRECT changes where its answers come
    from (the reply tuple's source); False when a nat chain drops the packet."""
    node = stack.node
    entry.status.add("DST_NAT_DONE")
    ctx = PacketContext(in_iface, None, locals_fn=node.ip6.local_ips, now=node.sim.now)
    ctx.ct_state = "NEW"
    verdict = _run(stack, hook, pkt, ctx)
    if verdict is None or verdict.action not in ("DNAT", "REDIRECT", "DROP"):
        return True
    if verdict.action == "DROP":
        return _drop(stack, pkt, verdict)
    reply = entry.reply
    ip: IPv6Address | None
    if verdict.action == "REDIRECT":
        ip = _redirect_to(stack, hook, in_iface)
        if ip is None:                  # no address on the device: nf_nat_redirect drops it
            return _drop(stack, pkt, verdict)
        port = parse_range(":" + (verdict.option("to-ports") or ""))[1]
    else:
        ip, port = parse_range(verdict.option("to-destination", "") or "")
        ip = ip or IPv6Address(reply.src)       # ``:8080``: only the port changes
    if reply.proto != ICMPV6 and port is not None:
        reply = replace(reply, src=ip, sport=port)
    else:
        reply = replace(reply, src=ip)
    node.conntrack.rekey(entry, reply)
    stack._step(pkt, "nat", verdict.action.lower(), table="nat", chain=hook, rule_num=verdict.rule_num,
                rule=describe_rule(verdict.rule, verdict.family) if verdict.rule else None,
                before=_show(pkt.dst, entry.original.dport, reply.proto),
                after=_show(ip, reply.sport, reply.proto), kind="dnat", ip6tables=True, orig=str(pkt.dst))
    return True


def _show(ip: IPv6Address, port: int, proto: int) -> str:
    return str(ip) if proto == ICMPV6 else f"[{ip}]:{port}"


def bind_src(stack: "Stack6", pkt: IPv6Packet, entry: CtEntry, route: "Route6", in_iface: str | None,
             mark: int) -> bool:
    """POSTROUTING for the first packet: MASQUERADE or SNAT changes where answers go to (the
    reply tuple's destination); False when a nat chain drops the packet."""
    from simnet.kernel.ipv6.source import select_source

    node = stack.node
    ctx = PacketContext(in_iface, route.dev, locals_fn=node.ip6.local_ips, now=node.sim.now)
    ctx.ct_state, ctx.mark = "NEW", mark
    verdict = _run(stack, "POSTROUTING", pkt, ctx)
    if verdict is None or verdict.action not in ("MASQUERADE", "SNAT", "DROP"):
        return True
    if verdict.action == "DROP":
        return _drop(stack, pkt, verdict)
    new: IPv6Address | None
    port = None
    if verdict.action == "MASQUERADE":
        new = select_source(node, pkt.dst, route)
    else:
        new, port = parse_range(verdict.option("to-source", "") or "")
        new = new or IPv6Address(entry.reply.dst)
    if new is None:
        return True
    reply = replace(entry.reply, dst=new)
    if port is not None and reply.proto != ICMPV6:
        reply = replace(reply, dport=port)
    reply = _unique(stack, entry, reply)
    node.conntrack.rekey(entry, reply)
    rule = describe_rule(verdict.rule, verdict.family) if verdict.rule else None
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
