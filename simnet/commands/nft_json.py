"""``nft -j list ruleset``: the ruleset as nftables 1.0.6 prints it in JSON (libnftables-json).

One line: ``{"nftables": [metainfo, table, its sets, its chains, the rules of each chain, next
table …]}`` with Python's default separators (``", "``, ``": "``), which are the ones nft's
jansson output uses. A rule's expressions follow the text listing: what ``nft list`` leaves
out (``meta l4proto tcp`` before ``tcp dport``) is left out here too. Rules iptables-nft wrote
are shown through their nft text (as ``nft list`` shows them), parsed back into expressions.
"""
from __future__ import annotations

import json
from ipaddress import IPv4Network, IPv6Network
from typing import Any, Callable

from simnet.kernel.nftables import Rule, Ruleset, Table
from simnet.kernel.nftables import expr as E
from simnet.kernel.nftables.text import SET_KEYS, implied, order_key, ordered

__all__ = ["ruleset_json"]

META = {"version": "1.0.6", "release_name": "Lester Gooch #5", "json_schema_version": 1}
FLAG_KEYS = ("ct state", "ct status", "tcp flags")
PAYLOAD_PROTOS = ("ip", "ip6", "tcp", "udp", "icmp", "icmpv6")


def _left(key: str) -> dict[str, Any]:
    proto, _, field = key.partition(" ")
    if not field:                          # iifname, oifname, mark …: meta keys written short
        return {"meta": {"key": proto}}
    if proto in PAYLOAD_PROTOS:
        return {"payload": {"protocol": proto, "field": field}}
    return {proto: {"key": field}}         # meta l4proto, ct state …


def _value(v: Any, key: str = "") -> Any:
    if isinstance(v, (IPv4Network, IPv6Network)):
        if v.prefixlen == v.max_prefixlen:
            return str(v.network_address)
        return {"prefix": {"addr": str(v.network_address), "len": v.prefixlen}}
    if isinstance(v, E.Range):
        return {"range": [_value(v.lo), _value(v.hi)]}
    if isinstance(v, E.AnonSet):
        return {"set": [_value(e) for e in ordered(key, v.elements)]}
    if isinstance(v, E.SetRef):
        return f"@{v.name}"
    if isinstance(v, tuple):
        return [_value(e) for e in v]
    if isinstance(v, int):
        return v
    return str(v)


def _verdict(v: E.Verdict) -> dict[str, Any]:
    return {v.kind: {"target": v.chain}} if v.chain else {v.kind: None}


def _expr(e: Any, rule: Rule, family: str) -> dict[str, Any] | None:
    kind = type(e)
    if kind is E.Cmp:
        op = "in" if e.key in FLAG_KEYS and e.op == "==" else e.op
        return {"match": {"op": op, "left": _left(e.key), "right": _value(e.value, e.key)}}
    if kind is E.Vmap:
        data = f"@{e.ref}" if e.ref is not None else {"set": [[_value(v), _verdict(d)] for v, d in e.elements]}
        return {"vmap": {"key": _left(e.key), "data": data}}
    if kind is E.Counter:
        return {"counter": {"packets": rule.packets, "bytes": rule.bytes}}
    if kind is E.Verdict:
        return _verdict(e)
    if kind is E.Reject:
        if e.family == "tcp":
            return {"reject": {"type": "tcp reset"}}
        default = {"inet": "icmpx", "ip6": "icmpv6"}.get(family, "icmp")
        return {"reject": {"type": e.family or default, "expr": e.kind or "port-unreachable"}}
    if kind is E.Nat:
        args: dict[str, Any] = {}
        if e.addr_map is not None:
            m = e.addr_map
            data = f"@{m.ref}" if m.ref is not None else {"set": [[_value(k), _value(d)] for k, d in
                                                                   sorted(m.elements, key=lambda p: order_key(m.key, p[0]))]}
            args["addr"] = {"map": {"key": _left(m.key), "data": data}}
        if e.addr:
            args["addr"] = e.addr
        if e.port:
            args["port"] = int(e.port) if str(e.port).isdigit() else e.port
        return {e.kind: args or None}
    if kind is E.Log:
        log: dict[str, Any] = {}
        if e.prefix is not None:
            log["prefix"] = e.prefix
        if e.level is not None:
            log["level"] = e.level
        return {"log": log or None}
    if kind is E.Limit:
        limit: dict[str, Any] = {"rate": e.rate, "burst": e.burst if e.burst is not None else
                                 (0 if e.per_bytes else 5), "per": e.unit}
        if e.per_bytes:
            limit["rate_unit"] = e.per_bytes
        if e.over:
            limit["inv"] = True
        return {"limit": limit}
    if kind is E.MetaSet:
        return {"mangle": {"key": _left(e.key if " " in e.key else f"meta {e.key}"), "value": e.value}}
    if kind is E.Notrack:
        return {"notrack": None}
    return None


def _rule(table: Table, chain: str, rule: Rule, exprs_of: Callable[[Rule, str], tuple[Any, ...]]) -> dict[str, Any]:
    family = table.family
    exprs = exprs_of(rule, family)
    body: dict[str, Any] = {"family": family, "table": table.name, "chain": chain, "handle": rule.handle}
    if rule.comment is not None:
        body["comment"] = rule.comment
    body["expr"] = [j for i, e in enumerate(exprs) if not implied(exprs, i, family)
                    for j in (_expr(e, rule, family),) if j is not None]
    return {"rule": body}


def _set(table: Table, s: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"family": table.family, "name": s.name, "table": table.name, "type": s.type,
                            "handle": s.handle}
    if s.data is not None:
        body["map"] = s.data
    if s.flags:
        body["flags"] = list(s.flags)
    key = SET_KEYS.get(s.type, "")
    if s.elements and s.data is not None:
        pairs = sorted(s.elements, key=lambda pair: order_key(key, pair[0]))
        body["elem"] = [[_value(k), _verdict(d) if isinstance(d, E.Verdict) else _value(d)] for k, d in pairs]
    elif s.elements:
        body["elem"] = [_value(e) for e in ordered(key, tuple(s.elements))]
    return {"map" if s.data is not None else "set": body}


def ruleset_json(nf: Ruleset, family: str, exprs_of: Callable[[Rule, str], tuple[Any, ...]]) -> str:
    """``nft -j list ruleset [FAMILY]``; ``exprs_of`` gives a rule's expressions (an iptables
    rule's through its nft translation)."""
    items: list[dict[str, Any]] = [{"metainfo": META}]
    for t in nf.tables.values():
        if family and t.family != family:
            continue
        items.append({"table": {"family": t.family, "name": t.name, "handle": t.handle}})
        items += [_set(t, s) for s in t.sets.values()]
        for c in t.chains.values():
            body: dict[str, Any] = {"family": t.family, "table": t.name, "name": c.name, "handle": c.handle}
            if c.base:
                body.update(type=c.type, hook=c.hook, prio=c.priority, policy=c.policy.lower())
            items.append({"chain": body})
        items += [_rule(t, c.name, r, exprs_of) for c in t.chains.values() for r in c.rules]
    return json.dumps({"nftables": items})
