"""Running one base chain over a packet: rules, jumps, returns, policy, counters.

Both kinds of rules run here: an iptables payload through :func:`xt_matches` and its
target, a native rule expression by expression. The result is a
:class:`~simnet.kernel.netfilter.Verdict` naming the chain and rule that decided;
the hook walk across base chains is :meth:`Ruleset.chains_at`'s caller's (the stack's).
"""
from __future__ import annotations

TYPE_CHECKING = False      # typing's, without importing typing: ~4 ms of every cold start (issue 20)

from simnet.kernel.netfilter import PacketContext, Verdict, apply_mark, xt_matches
from simnet.kernel.nftables import expr as E
from simnet.links.packet import PROTO_NAMES, Icmp, Tcp

if TYPE_CHECKING:
    from typing import Any
    from simnet.kernel.nftables.model import Chain, Rule, Table

__all__ = ["run_chain", "XT_TERMINAL"]

XT_TERMINAL = frozenset(("ACCEPT", "DROP", "REJECT", "MASQUERADE", "SNAT", "DNAT", "REDIRECT", "NOTRACK"))
MAX_DEPTH = 64
_REJECT_WITH = {("icmp", "net-unreachable"): "icmp-net-unreachable",
                ("icmp", "host-unreachable"): "icmp-host-unreachable",
                ("icmp", "prot-unreachable"): "icmp-proto-unreachable",
                ("icmp", "port-unreachable"): "icmp-port-unreachable",
                ("icmp", "net-prohibited"): "icmp-net-prohibited",
                ("icmp", "host-prohibited"): "icmp-host-prohibited",
                ("icmp", "admin-prohibited"): "icmp-admin-prohibited",
                ("icmpx", "port-unreachable"): "icmp-port-unreachable",
                ("icmpx", "admin-prohibited"): "icmp-admin-prohibited",
                ("icmpx", "no-route"): "icmp-net-unreachable",
                ("icmpx", "host-unreachable"): "icmp-host-unreachable",
                ("tcp", "reset"): "tcp-reset"}


def _log_line(log: list[str], prefix: str, pkt: Any, ctx: PacketContext) -> None:
    log.append(f"{prefix}IN={ctx.in_iface or ''} OUT={ctx.out_iface or ''} "
               f"SRC={pkt.src} DST={pkt.dst} PROTO={PROTO_NAMES.get(pkt.proto, pkt.proto).upper()}")


def _native(rule: "Rule", pkt: Any, ctx: PacketContext, table: "Table", log: list[str],
            count: bool) -> tuple[str, tuple[tuple[str, str], ...], str | None] | None:
    """Run a native rule: None if a match failed or no verdict was reached, else
    (action, options, chain) with action ACCEPT/DROP/REJECT/…, JUMP/GOTO, RETURN."""
    key_of = E.packet_key
    for idx, e in enumerate(rule.exprs):
        kind = type(e)
        if kind is E.Cmp:
            if not E.value_matches(e, key_of(e.key, pkt, ctx), table.sets):
                return None
        elif kind is E.Counter:
            if count:
                rule.packets += 1
                rule.bytes += pkt.length
        elif kind is E.Verdict:
            return _verdict(e)
        elif kind is E.Vmap:
            chosen = E.vmap_verdict(e, key_of(e.key, pkt, ctx), table.sets)
            return None if chosen is None else _verdict(chosen)
        elif kind is E.Reject:
            with_ = _REJECT_WITH.get((e.family or "icmp", e.kind or "port-unreachable"), "icmp-port-unreachable")
            return "REJECT", (("reject-with", with_),), None
        elif kind is E.Nat:
            if e.addr_map is not None:      # a map lookup that finds nothing ends the rule (NFT_BREAK)
                to = E.vmap_verdict(e.addr_map, key_of(e.addr_map.key, pkt, ctx), table.sets)
                if to is None:
                    return None
                e = E.Nat(e.kind, str(getattr(to, "network_address", to)), e.port, e.flags, e.family)
            return _nat(e)
        elif kind is E.Log:
            if count:
                _log_line(log, e.prefix or "", pkt, ctx)
        elif kind is E.MetaSet:
            if e.key == "ct mark":
                ctx.ct_mark = e.value
            else:
                ctx.mark = e.value
        elif kind is E.Notrack:
            return "NOTRACK", (), None
        elif kind is E.Limit:
            if not _limit_matches(rule, idx, e, pkt.length, ctx.now, count):
                return None
    return None


def _verdict(e: "E.Verdict") -> tuple[str, tuple[tuple[str, str], ...], str | None] | None:
    k = e.kind
    if k == "continue":
        return None
    if k in ("jump", "goto"):
        return k.upper(), (), e.chain
    return k.upper(), (), None


NSEC = 1_000_000_000
LIMIT_UNIT = {"second": 1, "minute": 60, "hour": 3600, "day": 86400, "week": 604800}
BYTE_UNIT = {"bytes": 1, "kbytes": 1024, "mbytes": 1024 * 1024}
PKT_BURST_DEFAULT = 5      # NFT_LIMIT_PKT_BURST_DEFAULT


def _limit_matches(rule: "Rule", idx: int, e: "E.Limit", length: int, now: float, consume: bool) -> bool:
    """nft_limit's token bucket in nanoseconds of simulated time: the bucket holds ``burst``
    packets' worth (bytes: ``unit * (rate + burst) / rate``) and starts full; a packet costs
    ``unit / rate`` (bytes: times its length). Below the rate the rule goes on; ``over`` inverts."""
    nsecs = LIMIT_UNIT.get(e.unit, 1) * NSEC
    if e.per_bytes:
        rate = max(1, e.rate * BYTE_UNIT.get(e.per_bytes, 1))
        tokens_max = nsecs * (rate + (e.burst or 0)) // rate
        cost = nsecs * length // rate
    else:
        rate = max(1, e.rate)
        cost = nsecs // rate
        tokens_max = cost * (e.burst or PKT_BURST_DEFAULT)
    now_ns = round(now * NSEC)
    state = rule.meters.setdefault(idx, [tokens_max, now_ns])
    tokens = min(state[0] + now_ns - state[1], tokens_max)
    enough = tokens - cost >= 0
    if consume:
        state[0], state[1] = (tokens - cost if enough else tokens), now_ns
    return enough != e.over


def _nat(e: "E.Nat") -> tuple[str, tuple[tuple[str, str], ...], None]:
    flags = tuple((f.replace("fully-random", "random-fully"), "") for f in e.flags)
    if e.kind == "masquerade":
        return "MASQUERADE", ((("to-ports", e.port),) if e.port else ()) + flags, None
    if e.kind == "redirect":
        return "REDIRECT", ((("to-ports", e.port),) if e.port else ()) + flags, None
    addr = e.addr or ""
    if e.port and ":" in addr and not addr.startswith("["):
        addr = f"[{addr}]"          # ip6: the port must not read as part of the address
    to = addr + (f":{e.port}" if e.port else "")
    if e.kind == "snat":
        return "SNAT", (("to-source", to),) + flags, None
    return "DNAT", (("to-destination", to),) + flags, None


def run_chain(base: "Chain", pkt: Any, ctx: PacketContext, log: list[str], count: bool = True) -> Verdict:
    """Walk ``base`` and what it jumps to; the Verdict names the deciding rule (or the policy).
    Counters are updated unless ``count`` is False (conntrack peeks at raw chains for NOTRACK
    before the hook itself runs)."""
    table = base.table
    assert table is not None
    chains = table.chains
    tname = table.name
    family = table.family
    chain = base
    rules = chain.rules
    stack: list[tuple[Chain, int]] = []
    i = 0
    depth = 0
    length = pkt.length
    while True:
        if i >= len(rules):
            if stack:
                chain, i = stack.pop()
                rules = chain.rules
                continue
            return _policy(base, length, count, family)
        rule = rules[i]
        i += 1
        xt = rule.xt
        if xt is not None:
            if not xt_matches(xt, pkt, ctx):
                continue
            if count:
                rule.packets += 1
                rule.bytes += length
            target = xt.target
            if target is None:
                continue
            options = xt.target_options
            if target in XT_TERMINAL or target == "RETURN":
                action = target
            elif target in chains:
                action = "GOTO" if xt.goto else "JUMP"
            elif target == "CT" and xt.target_option("notrack") is not None:
                action, options = "NOTRACK", ()
            else:
                if target == "LOG":
                    if count:
                        _log_line(log, xt.target_option("log-prefix", "") or "", pkt, ctx)
                elif target == "MARK":
                    ctx.mark = apply_mark(xt, ctx.mark)
                elif target == "CONNMARK":
                    ctx.ct_mark = apply_mark(xt, ctx.ct_mark)
                continue        # other extension targets do not end the walk
        else:
            result = _native(rule, pkt, ctx, table, log, count)
            if result is None:
                continue
            action, options, target = result
        if action == "JUMP" or action == "GOTO":
            if target not in chains:
                continue
            depth += 1
            if depth > MAX_DEPTH:
                return Verdict("DROP", tname, chain.name, i, rule, (), family)
            if action == "JUMP":
                stack.append((chain, i))
            chain, i = chains[target], 0
            rules = chain.rules
            continue
        if action == "RETURN":
            if stack:
                chain, i = stack.pop()
                rules = chain.rules
                continue
            return _policy(base, length, count, family)
        if action == "REJECT" and _reject_is_drop(dict(options).get("reject-with"), pkt, ctx):
            return Verdict("DROP", tname, chain.name, i, rule, (), family)
        if action == "QUEUE":
            action = "DROP"        # no userspace listener: the kernel drops a queued packet
        return Verdict(action, tname, chain.name, i, rule, options, family)


def _reject_is_drop(reject_with: str | None, pkt: Any, ctx: PacketContext) -> bool:
    """REJECT cases that only drop: nf_send_reset never answers a RST (else a REJECT in OUTPUT
    would loop); an echo/timestamp/mask reply is sent by the kernel's ICMP socket, whose lock
    icmp_send cannot take again while that send is in progress, so REJECT in OUTPUT drops it."""
    p = pkt.payload
    if reject_with == "tcp-reset" and isinstance(p, Tcp) and "R" in p.flags:
        return True
    return ctx.in_iface is None and isinstance(p, Icmp) and p.type in (0, 14, 18)


def _policy(chain: "Chain", length: int, count: bool, family: str) -> Verdict:
    """The base chain's policy decides. iptables-nft creates base chains without counters; ``-P``
    adds them, so only a chain whose policy was set counts its policy hits (ACCEPT or DROP)."""
    policy = chain.policy
    table = chain.table
    assert table is not None
    if not count:
        return Verdict("ACCEPT", table.name, chain.name, None, None, (), family)
    if chain.counted or policy == "DROP":
        chain.packets += 1
        chain.bytes += length
    return Verdict(policy, table.name, chain.name, None, None, (), family)
