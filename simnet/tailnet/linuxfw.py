"""The netfilter rules tailscaled's iptables runner installs (util/linuxfw).

Chains ``ts-input``/``ts-forward`` (filter) and ``ts-postrouting`` (nat), jumped
to from position 1 of INPUT, FORWARD and POSTROUTING. The MARK in ts-forward
lets nat/POSTROUTING MASQUERADE only what came in on tailscale0.
"""
from __future__ import annotations

from ipaddress import IPv4Address, IPv4Network
from typing import TYPE_CHECKING

from simnet.kernel.netfilter import Chain, Match, Rule

if TYPE_CHECKING:
    from simnet.kernel.node import Node

__all__ = ["install", "remove", "SUBNET_MARK", "MAGICSOCK_PORT"]

SUBNET_MARK = "0x40000/0xff0000"
MAGICSOCK_PORT = 41641
TUN = "tailscale0"
CGNAT = IPv4Network("100.64.0.0/10")
CHROMEOS = IPv4Network("100.115.92.0/23")
HOOKS = (("filter", "INPUT", "ts-input"), ("filter", "FORWARD", "ts-forward"),
         ("nat", "POSTROUTING", "ts-postrouting"))


def _mark() -> Match:
    return Match("mark", (("mark", SUBNET_MARK, False),))


def _rules(own: IPv4Address, snat: bool, stateful: bool) -> dict[str, list[Rule]]:
    ts_input = [
        Rule(src=IPv4Network(f"{own}/32"), in_iface="lo", target="ACCEPT"),
        Rule(src=CHROMEOS, in_iface=TUN, in_neg=True, target="RETURN"),
        Rule(src=CGNAT, in_iface=TUN, in_neg=True, target="DROP"),
        Rule(in_iface=TUN, target="ACCEPT"),
        Rule(proto="udp", matches=(Match("udp", (("dport", str(MAGICSOCK_PORT), False),)),), target="ACCEPT"),
    ]
    ts_forward = [
        Rule(in_iface=TUN, target="MARK", target_options=(("set-xmark", SUBNET_MARK),)),
        Rule(matches=(_mark(),), target="ACCEPT"),
        Rule(src=CGNAT, out_iface=TUN, target="DROP"),
    ]
    if stateful:
        ts_forward.append(Rule(out_iface=TUN, matches=(Match("conntrack", (("ctstate", "RELATED,ESTABLISHED", True),)),),
                               target="DROP"))
    ts_forward.append(Rule(out_iface=TUN, target="ACCEPT"))
    ts_post = [Rule(matches=(_mark(),), target="MASQUERADE")] if snat else []
    return {"ts-input": ts_input, "ts-forward": ts_forward, "ts-postrouting": ts_post}


def install(node: "Node", own: IPv4Address, snat: bool, hooks: bool = True, stateful: bool = False) -> None:
    """AddChains + AddHooks + the base rules; idempotent (rules are rewritten in place)."""
    nf = node.netfilter
    rules = _rules(own, snat, stateful)
    # iptables-nft creates chains lazily, in the order tailscaled asks: ts-* first (ClearChain),
    # then the base chains its jumps need; `nft list ruleset` lists them in that order
    for table, hook, chain in HOOKS:
        order = nf.table(table).__dict__.setdefault("nft_order", [])
        if chain not in order:
            order.append(chain)
    for table, hook, chain in HOOKS:
        order = nf.table(table).__dict__["nft_order"]
        if hooks and hook not in order:
            order.append(hook)
    for table, hook, chain in HOOKS:
        t = nf.table(table)
        assert t is not None
        if chain not in t.chains:
            t.chains[chain] = Chain(chain)
        t.chains[chain].rules = _keep_counters(t.chains[chain].rules, rules[chain])
        jumps = [r for r in t.chains[hook].rules if r.target == chain]
        if hooks and not jumps:
            t.chains[hook].rules.insert(0, Rule(target=chain))
        elif not hooks:
            for r in jumps:
                t.chains[hook].rules.remove(r)


def _keep_counters(old: list[Rule], new: list[Rule]) -> list[Rule]:
    out = []
    for r in new:
        same = next((o for o in old if o.same_spec(r)), None)
        out.append(same if same is not None else r)
    return out


def remove(node: "Node") -> None:
    """DelHooks + DelChains (what ``tailscale down`` and a stopped daemon leave)."""
    nf = node.netfilter
    for table, hook, chain in HOOKS:
        t = nf.tables.get(table)
        if t is None:
            continue
        if hook in t.chains:
            t.chains[hook].rules = [r for r in t.chains[hook].rules if r.target != chain]
        t.chains.pop(chain, None)
        order = t.__dict__.get("nft_order")
        if order is not None and chain in order:
            order.remove(chain)
