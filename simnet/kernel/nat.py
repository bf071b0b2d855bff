"""Conntrack hooks and NAT on the packet path.

The nat table is consulted only for the first packet of a connection; what
it decides is written into the conntrack entry's reply tuple. Every packet,
including replies and related ICMP errors, is then rewritten from the entry:
destination at PREROUTING/OUTPUT, source at POSTROUTING/INPUT.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from ipaddress import IPv4Address
TYPE_CHECKING = False      # typing's, without importing typing: ~4 ms of every cold start (issue 20)

from simnet.kernel.conntrack import CtEntry, CtTuple, rewrite
from simnet.kernel.netfilter import PacketContext, Verdict
from simnet.kernel.nftables import describe_rule
from simnet.kernel.nftables.engine import run_chain
from simnet.links.packet import ICMP, Icmp, IPv4Packet
from simnet.trace import Disposition

if TYPE_CHECKING:
    from simnet.kernel.node import Node
    from simnet.kernel.stack import Stack, _Path

__all__ = ["CtRef", "ct_in", "ct_confirm", "nat_hook"]

DST_HOOKS = ("PREROUTING", "OUTPUT")
CONNTRACK_PRIORITY = -200       # NF_IP_PRI_CONNTRACK


@dataclass
class CtRef:
    """The conntrack entry a packet belongs to and in which direction it travels."""

    entry: CtEntry | None
    direction: int = 0
    state: str = "NEW"
    new: bool = False
    related: bool = False


def ct_in(node: "Node", pkt: IPv4Packet, ctx: PacketContext) -> tuple[IPv4Packet, CtRef | None]:
    """Conntrack lookup at PREROUTING / OUTPUT."""
    if not node.netfilter.needs_conntrack:
        return pkt, None
    nf = node.netfilter
    for chain in nf.split_at("ipv4", "prerouting" if ctx.in_iface is not None else "output")[0]:
        # raw priority chains run before conntrack (-200): NOTRACK keeps the packet out of it
        if chain.priority >= CONNTRACK_PRIORITY:
            break
        if run_chain(chain, pkt, ctx, nf.log, count=False).action == "NOTRACK":
            return pkt, CtRef(None, state="UNTRACKED")
    ct = node.conntrack
    now = node.sim.now
    p = pkt.payload
    if isinstance(p, Icmp) and p.is_error:
        hit = ct.find_related(p.inner, now) if p.inner is not None else None
        if hit is None:
            return pkt, CtRef(None, state="INVALID")
        entry, direction = hit
        return pkt, CtRef(entry, direction, "RELATED", related=True)
    t = CtTuple.of(pkt)
    if t is None:
        return pkt, CtRef(None, state="INVALID")
    hit = ct.find(t, now)
    if hit is not None:
        entry, direction = hit
        state = "ESTABLISHED" if direction == 1 or "SEEN_REPLY" in entry.status else "NEW"
        ct.seen(entry, direction, pkt, now)
        return pkt, CtRef(entry, direction, state)
    entry = ct.new(pkt, now)  # type: ignore[assignment]
    if entry is None:
        return pkt, CtRef(None, state="INVALID")
    return pkt, CtRef(entry, 0, "NEW", new=True)


def ct_confirm(node: "Node", pkt: IPv4Packet, ref: CtRef | None) -> None:
    """The packet leaves POSTROUTING / INPUT: a new entry becomes part of the table."""
    if ref is None or ref.entry is None or not ref.new:
        return
    node.conntrack.confirm(ref.entry)
    node.conntrack.seen(ref.entry, 0, pkt, node.sim.now)
    ref.new = False
    if pkt.journey is not None:
        e = ref.entry
        pkt.journey.step(node.name, "conntrack", "new", original=_fmt(e.original), reply=_fmt(e.reply))


def _fmt(t: CtTuple) -> str:
    if t.proto == ICMP:
        return f"icmp {t.src} → {t.dst} id={t.sport}"
    proto = {6: "tcp", 17: "udp"}.get(t.proto, str(t.proto))
    return f"{proto} {t.src}:{t.sport} → {t.dst}:{t.dport}"


def nat_hook(stack: "Stack", pkt: IPv4Packet, path: "_Path", hook: str) -> IPv4Packet | None:
    """Apply NAT at ``hook``; returns the (possibly rewritten) packet, or None if dropped."""
    ref = path.ct
    if ref is None or ref.entry is None:
        return pkt
    part = "dst" if hook in DST_HOOKS else "src"
    entry = ref.entry
    if ref.new and stack.node.netfilter.has_nat():
        if hook == "PREROUTING" and stack.node.nat.table is not None:
            verdict = _nat_type_inbound(stack, pkt, entry)
            if verdict is False:
                return None
            if verdict is True:
                return _after_inbound(stack, pkt, ref)
        ok = _bind(stack, pkt, path, hook, part)
        if not ok:
            return None
    if ref.related:
        return _rewrite_related(stack, pkt, entry, ref.direction, part)
    target = entry.target_tuple(ref.direction)
    before = pkt
    if part == "dst" and (target.dst != pkt.dst or (pkt.dport is not None and target.dport != pkt.dport)):
        pkt = rewrite(pkt, target, "dst")
    elif part == "src" and (target.src != pkt.src or (pkt.sport is not None and target.sport != pkt.sport)):
        pkt = rewrite(pkt, target, "src")
    if pkt is not before and pkt.journey is not None and not ref.new:
        pkt.journey.step(stack.name, "nat", "conntrack", part=part, before=_addr(before, part),
                         after=_addr(pkt, part), direction="reply" if ref.direction else "original")
    return pkt


def nat_verdict(node: "Node", hook: str, pkt: IPv4Packet, ctx: PacketContext) -> Verdict:
    """The nat chains at ``hook`` in priority order (nf_nat_inet_fn): the first that binds
    (or drops) decides; an accept ends only its own chain."""
    nf = node.netfilter
    for chain in nf.split_at("ipv4", hook.lower())[1]:
        verdict = run_chain(chain, pkt, ctx, nf.log)
        if verdict.action != "ACCEPT":
            return verdict
    return Verdict("ACCEPT", "nat", hook)


def _addr(pkt: IPv4Packet, part: str) -> str:
    ip = pkt.src if part == "src" else pkt.dst
    port = pkt.sport if part == "src" else pkt.dport
    return f"{ip}:{port}" if port is not None else str(ip)


def _bind(stack: "Stack", pkt: IPv4Packet, path: "_Path", hook: str, part: str) -> bool:
    """First packet: run the nat chain and record the mapping in the entry."""
    node = stack.node
    ref = path.ct
    assert ref is not None and ref.entry is not None
    entry = ref.entry
    path.ctx.ct_state = "NEW"
    # the nat core binds every new connection at each hook, a null binding if no rule says otherwise
    entry.status.add("DST_NAT_DONE" if part == "dst" else "SRC_NAT_DONE")
    verdict = nat_verdict(node, hook, pkt, path.ctx)
    if verdict.action == "DROP":
        stack._step(pkt, "netfilter", "drop", table="nat", chain=verdict.chain, rule_num=verdict.rule_num,
                    policy=verdict.by_policy)
        rule = describe_rule(verdict.rule, verdict.family) if verdict.rule else None
        stack._finish(pkt, Disposition.FILTERED, table="nat", chain=verdict.chain, rule_num=verdict.rule_num,
                      policy=verdict.by_policy, rule=rule)
        return False
    action = verdict.action
    reply = entry.reply
    new_reply = None
    if part == "dst" and action in ("DNAT", "REDIRECT"):
        if action == "REDIRECT":
            ip = stack.select_source(path.ctx.in_iface, pkt.src) or IPv4Address("127.0.0.1")
            port = verdict.option("to-ports")
        else:
            ip, port = _split_to(verdict.option("to-destination", "") or "")
        new_reply = replace(reply, src=ip, sport=int(port.split("-")[0]) if port else reply.sport)
    elif part == "src" and action in ("SNAT", "MASQUERADE"):
        if action == "MASQUERADE":
            route = path.route
            dev = path.ctx.out_iface or (route.dev if route else None)
            nh = route.gateway if route and route.gateway else pkt.dst
            ip = stack.select_source(dev, nh)  # type: ignore[assignment]
            if ip is None:
                stack._finish(pkt, Disposition.FILTERED, table="nat", chain=hook, reason="masquerade-no-address")
                return False
            ports = verdict.option("to-ports")
        else:
            ip, ports = _split_to(verdict.option("to-source", "") or "")
        new_reply = replace(reply, dst=ip)
        table = node.nat.table
        if table is not None and reply.proto != ICMP and not ports:
            new_reply = _typed_mapping(node, table, entry, new_reply, pkt)
        else:
            new_reply = _unique(node, entry, new_reply, ports)
    if new_reply is None:
        return True
    node.conntrack.rekey(entry, new_reply)
    kind = "dnat" if part == "dst" else "snat"
    stack._step(pkt, "nat", action.lower(), table="nat", chain=hook, rule_num=verdict.rule_num,
                rule=describe_rule(verdict.rule, verdict.family) if verdict.rule else None,
                before=str(pkt.dst if part == "dst" else pkt.src),
                after=str(new_reply.src if part == "dst" else new_reply.dst), kind=kind)
    return True


def _typed_mapping(node: "Node", table, entry: CtEntry, reply: CtTuple, pkt: IPv4Packet) -> CtTuple:
    """A router with a NAT type: the binding table decides the outside port."""
    ct = node.conntrack
    orig = entry.original

    def taken(port: int) -> bool:
        return not _free_for(ct, entry, replace(reply, dport=port).key)

    b = table.outbound(orig.proto, orig.src, orig.sport, orig.dst, orig.dport, reply.dst,
                       node.sim.now, taken)
    if pkt.journey is not None:
        pkt.journey.step(node.name, "nat", "binding", nat_type=table.kind.name,
                         inside=f"{orig.src}:{orig.sport}", outside=f"{b.outside[0]}:{b.outside[1]}",
                         mapping=table.kind.mapping)
    return replace(reply, dport=b.outside[1])


def _nat_type_inbound(stack: "Stack", pkt: IPv4Packet, entry: CtEntry) -> bool | None:
    """An unsolicited packet to the router's outside address: the NAT type's filter decides.

    True: a binding lets it in (the entry now translates it to the inside host);
    False: dropped silently, as home routers do; None: not the NAT's business
    (not UDP/TCP, not addressed to us, or a local service listens on the port)."""
    node = stack.node
    table = node.nat.table
    dport = pkt.dport
    if table is None or pkt.proto not in (6, 17) or dport is None or not node.is_own_address(pkt.dst):
        return None
    b, ok = table.inbound(pkt.proto, pkt.dst, dport, pkt.src, pkt.sport or 0, node.sim.now)
    if b is not None and ok:
        inside_ip, inside_port = b.inside
        node.conntrack.rekey(entry, replace(entry.reply, src=inside_ip, sport=inside_port))
        entry.status.add("DST_NAT_DONE")
        stack._step(pkt, "nat", "binding-in", nat_type=table.kind.name, filtering=table.kind.filtering,
                    outside=f"{pkt.dst}:{dport}", inside=f"{inside_ip}:{inside_port}", kind="dnat",
                    before=str(pkt.dst), after=str(inside_ip))
        return True
    if ("udp" if pkt.proto == 17 else "tcp", dport) in stack.sockets:
        return None
    stack._step(pkt, "nat", "filtered", nat_type=table.kind.name, filtering=table.kind.filtering,
                port=dport, binding=b is not None)
    stack._finish(pkt, Disposition.FILTERED, nat_type=table.kind.name, filtering=table.kind.filtering,
                  port=dport, binding=b is not None, reason="nat-filter")
    return False


def _after_inbound(stack: "Stack", pkt: IPv4Packet, ref: CtRef) -> IPv4Packet:
    """Rewrite the first inbound packet of a binding like every later one."""
    assert ref.entry is not None
    target = ref.entry.target_tuple(ref.direction)
    return rewrite(pkt, target, "dst")


def _free_for(ct, entry: CtEntry, reply_key: tuple) -> bool:
    """nf_nat_used_tuple: may ``entry`` use this reply tuple (unused, or already its own)?"""
    return not ct.port_in_use(reply_key) or ct._by_key.get(reply_key, (None,))[0] is entry


def _split_to(spec: str) -> tuple[IPv4Address, str | None]:
    """``1.2.3.4[-1.2.3.9][:1000[-2000]]`` → first address and the port part."""
    addr, _, port = spec.partition(":")
    first = addr.split("-")[0]
    return IPv4Address(first), (port or None)


def _unique(node: "Node", entry: CtEntry, reply: CtTuple, ports: str | None) -> CtTuple:
    """Keep the source port (ICMP id) if the resulting reply tuple is free, else find one."""
    lo, hi = 1024, 65535
    if ports:
        a, _, b = ports.partition("-")
        lo, hi = int(a), int(b or a)
        if not lo <= reply.dport <= hi:
            reply = replace(reply, dport=lo) if reply.proto != ICMP else replace(reply, sport=lo)
    ct = node.conntrack
    candidate = reply
    for _ in range(65536):
        if _free_for(ct, entry, candidate.key):
            return candidate
        if candidate.proto == ICMP:
            nxt = candidate.sport + 1
            candidate = replace(candidate, sport=nxt if nxt <= 65535 else 0)
        else:
            nxt = candidate.dport + 1
            candidate = replace(candidate, dport=nxt if nxt <= hi else lo)
    return candidate


def _rewrite_related(stack: "Stack", pkt: IPv4Packet, entry: CtEntry, direction: int, part: str) -> IPv4Packet:
    """Rewrite an ICMP error and the packet it quotes (RELATED traffic).

    The quoted packet travelled the other way, so its source corresponds to the
    error's destination. Like nf_nat_icmp_reply_translation, the outer header is
    then made to look like a reply of the connection: its manipulated address is
    set from the tuple whatever it was (an error a router sends about a DNATed
    packet appears to come from the address the client talked to).
    """
    target = entry.target_tuple(direction).inverted()
    p = pkt.payload
    assert isinstance(p, Icmp) and p.inner is not None
    inner = p.inner
    if part == "dst":
        if inner.src == target.src and (inner.sport is None or inner.sport == target.sport):
            return pkt
        new_inner = rewrite(inner, target, "src")
        outer_dst = new_inner.src
        out = replace(pkt, dst=outer_dst, payload=replace(p, inner=new_inner))
    else:
        if inner.dst == target.dst and (inner.dport is None or inner.dport == target.dport):
            return pkt
        new_inner = rewrite(inner, target, "dst")
        outer_src = new_inner.dst
        out = replace(pkt, src=outer_src, payload=replace(p, inner=new_inner))
    if out.journey is not None:
        out.journey.step(stack.name, "nat", "related", part=part, before=str(getattr(pkt, part)),
                         after=str(getattr(out, part)))
    return out
