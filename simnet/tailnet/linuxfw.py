"""The netfilter rules tailscaled's iptables runner installs (util/linuxfw).

Chains ``ts-input``/``ts-forward`` (filter) and ``ts-postrouting`` (nat), jumped
to from position 1 of INPUT, FORWARD and POSTROUTING. The MARK in ts-forward
lets nat/POSTROUTING MASQUERADE only what came in on tailscale0.

Where the kernel has IPv6 (``disable_ipv6`` off: linuxfw.CheckIPv6), the same
chains exist in ip6tables (addBase6: no CGNAT rules, the loopback rule for the
node's fd7a:115c:a1e0:: address, the magicsock port for udp6), and AddSNATRule
appends the MASQUERADE to both nat tables: an exit node masquerades IPv6 too.
tailscaled creates the chains per table for IPv4, then IPv6 (getTables), the
filter tables before the nat ones, so ``nft list ruleset`` lists ip filter,
ip6 filter, ip nat, ip6 nat.
"""
from __future__ import annotations

from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network
from typing import TYPE_CHECKING

from simnet.kernel.netfilter import Match, XtRule
from simnet.kernel.nftables.xtables import xt_append, xt_chain, xt_insert, xt_rules

if TYPE_CHECKING:
    from simnet.kernel.nftables import Ruleset
    from simnet.kernel.node import Node

__all__ = ["install", "remove", "has_ipv6", "SUBNET_MARK", "MAGICSOCK_PORT"]

SUBNET_MARK = "0x40000/0xff0000"
MAGICSOCK_PORT = 41641
TUN = "tailscale0"
CGNAT = IPv4Network("100.64.0.0/10")
CHROMEOS = IPv4Network("100.115.92.0/23")
HOOKS = (("filter", "INPUT", "ts-input"), ("filter", "FORWARD", "ts-forward"),
         ("nat", "POSTROUTING", "ts-postrouting"))
FAMILIES = ("ip", "ip6")


def _mark() -> Match:
    return Match("mark", (("mark", SUBNET_MARK, False),))


def has_ipv6(node: "Node") -> bool:
    """linuxfw.CheckIPv6: the kernel has IPv6 and ``net.ipv6.conf.all.disable_ipv6`` is 0."""
    return node.sysctl.get_int("net.ipv6.conf.all.disable_ipv6") == 0


def _rules6(own: IPv6Address, snat: bool, stateful: bool) -> dict[str, list[XtRule]]:
    """addBase6, the udp6 magicsock rule and the loopback rule for the node's IPv6 address."""
    ts_forward = [
        XtRule(in_iface=TUN, target="MARK", target_options=(("set-xmark", SUBNET_MARK),)),
        XtRule(matches=(_mark(),), target="ACCEPT"),
    ]
    if stateful:
        ts_forward.append(XtRule(out_iface=TUN, matches=(Match("conntrack", (("ctstate", "RELATED,ESTABLISHED", True),)),),
                               target="DROP"))
    ts_forward.append(XtRule(out_iface=TUN, target="ACCEPT"))
    return {
        "ts-input": [XtRule(src=IPv6Network(f"{own}/128"), in_iface="lo", target="ACCEPT"),  # type: ignore[arg-type]
                     XtRule(in_iface=TUN, target="ACCEPT"),
                     XtRule(proto="udp", matches=(Match("udp", (("dport", str(MAGICSOCK_PORT), False),)),),
                            target="ACCEPT")],
        "ts-forward": ts_forward,
        "ts-postrouting": [XtRule(matches=(_mark(),), target="MASQUERADE")] if snat else [],
    }


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


def install(node: "Node", own: IPv4Address, snat: bool, hooks: bool = True, stateful: bool = False,
            own6: IPv6Address | None = None) -> None:
    """AddChains + AddHooks + the base rules; idempotent (rules are rewritten in place). With
    ``own6`` (the node's tailnet IPv6 address) and IPv6 in the kernel, ip6tables gets its set."""
    nf = node.netfilter
    rules = {"ip": _rules(own, snat, stateful)}
    if own6 is not None and has_ipv6(node):
        rules["ip6"] = _rules6(own6, snat, stateful)
    elif nf.get_table("ip6", "filter") is not None:
        _remove(node, "ip6")
    # iptables-nft creates chains lazily, in the order tailscaled asks: ts-* first (ClearChain),
    # then the base chains its jumps need; `nft list ruleset` lists them in that order
    for table, hook, chain in HOOKS:
        for family in rules:
            xt_chain(nf, table, chain, family)
    if hooks:
        for table, hook, chain in HOOKS:
            for family in rules:
                xt_chain(nf, table, hook, family)
    for family, ours in rules.items():
        for table, hook, chain in HOOKS:
            _rewrite(nf, table, chain, ours[chain], family)
            jumps = [r for r in xt_rules(nf, table, hook, family) if r.xt is not None and r.xt.target == chain]
            if hooks and not jumps:
                xt_insert(nf, table, hook, XtRule(target=chain), family=family)
            elif not hooks:
                for r in jumps:
                    nf.delete_rule(family, table, hook, r.handle)


def _rewrite(nf: "Ruleset", table: str, chain: str, new: list[XtRule], family: str = "ip") -> None:
    """Give ``chain`` exactly these rules; a rule that stays keeps its counters."""
    old = xt_rules(nf, table, chain, family)
    if [r.xt for r in old] == new:
        return
    nf.flush_chain(family, table, chain)
    for xt in new:
        rule = xt_append(nf, table, chain, xt, family)
        same = next((o for o in old if o.xt == xt), None)
        if same is not None:
            rule.packets, rule.bytes = same.packets, same.bytes


def remove(node: "Node") -> None:
    """DelHooks + DelChains (what ``tailscale down`` and a stopped daemon leave), both families."""
    for family in FAMILIES:
        _remove(node, family)


def _remove(node: "Node", family: str) -> None:
    nf = node.netfilter
    for table, hook, chain in HOOKS:
        if nf.get_table(family, table) is None:
            continue
        for r in xt_rules(nf, table, hook, family):
            if r.xt is not None and r.xt.target == chain:
                nf.delete_rule(family, table, hook, r.handle)
        if chain in nf.find_table(family, table).chains:
            nf.delete_chain(family, table, chain)
