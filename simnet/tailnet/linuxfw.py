"""The netfilter rules tailscaled's iptables runner installs (util/linuxfw).

Chains ``ts-input``/``ts-forward`` (filter) and ``ts-postrouting`` (nat), jumped
to from position 1 of INPUT, FORWARD and POSTROUTING. The MARK in ts-forward
lets nat/POSTROUTING MASQUERADE only what came in on tailscale0.
"""
from __future__ import annotations

from ipaddress import IPv4Address, IPv4Network
from typing import TYPE_CHECKING

from simnet.kernel.netfilter import Match, XtRule
from simnet.kernel.nftables.xtables import xt_append, xt_chain, xt_insert, xt_rules

if TYPE_CHECKING:
    from simnet.kernel.nftables import Ruleset
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


def _rules(own: IPv4Address, snat: bool, stateful: bool) -> dict[str, list[XtRule]]:
    ts_input = [
        XtRule(src=IPv4Network(f"{own}/32"), in_iface="lo", target="ACCEPT"),
        XtRule(src=CHROMEOS, in_iface=TUN, in_neg=True, target="RETURN"),
        XtRule(src=CGNAT, in_iface=TUN, in_neg=True, target="DROP"),
        XtRule(in_iface=TUN, target="ACCEPT"),
        XtRule(proto="udp", matches=(Match("udp", (("dport", str(MAGICSOCK_PORT), False),)),), target="ACCEPT"),
    ]
    ts_forward = [
        XtRule(in_iface=TUN, target="MARK", target_options=(("set-xmark", SUBNET_MARK),)),
        XtRule(matches=(_mark(),), target="ACCEPT"),
        XtRule(src=CGNAT, out_iface=TUN, target="DROP"),
    ]
    if stateful:
        ts_forward.append(XtRule(out_iface=TUN, matches=(Match("conntrack", (("ctstate", "RELATED,ESTABLISHED", True),)),),
                               target="DROP"))
    ts_forward.append(XtRule(out_iface=TUN, target="ACCEPT"))
    ts_post = [XtRule(matches=(_mark(),), target="MASQUERADE")] if snat else []
    return {"ts-input": ts_input, "ts-forward": ts_forward, "ts-postrouting": ts_post}


def install(node: "Node", own: IPv4Address, snat: bool, hooks: bool = True, stateful: bool = False) -> None:
    """AddChains + AddHooks + the base rules; idempotent (rules are rewritten in place)."""
    nf = node.netfilter
    rules = _rules(own, snat, stateful)
    # iptables-nft creates chains lazily, in the order tailscaled asks: ts-* first (ClearChain),
    # then the base chains its jumps need; `nft list ruleset` lists them in that order
    for table, hook, chain in HOOKS:
        xt_chain(nf, table, chain)
    if hooks:
        for table, hook, chain in HOOKS:
            xt_chain(nf, table, hook)
    for table, hook, chain in HOOKS:
        _rewrite(nf, table, chain, rules[chain])
        jumps = [r for r in xt_rules(nf, table, hook) if r.xt is not None and r.xt.target == chain]
        if hooks and not jumps:
            xt_insert(nf, table, hook, XtRule(target=chain))
        elif not hooks:
            for r in jumps:
                nf.delete_rule("ip", table, hook, r.handle)


def _rewrite(nf: "Ruleset", table: str, chain: str, new: list[XtRule]) -> None:
    """Give ``chain`` exactly these rules; a rule that stays keeps its counters."""
    old = xt_rules(nf, table, chain)
    if [r.xt for r in old] == new:
        return
    nf.flush_chain("ip", table, chain)
    for xt in new:
        rule = xt_append(nf, table, chain, xt)
        same = next((o for o in old if o.xt == xt), None)
        if same is not None:
            rule.packets, rule.bytes = same.packets, same.bytes


def remove(node: "Node") -> None:
    """DelHooks + DelChains (what ``tailscale down`` and a stopped daemon leave)."""
    nf = node.netfilter
    for table, hook, chain in HOOKS:
        if nf.get_table("ip", table) is None:
            continue
        for r in xt_rules(nf, table, hook):
            if r.xt is not None and r.xt.target == chain:
                nf.delete_rule("ip", table, hook, r.handle)
        if chain in nf.find_table("ip", table).chains:
            nf.delete_chain("ip", table, chain)
