"""What iptables-nft asks of nf_tables: its tables and base chains, created when first used.

iptables 1.8.9 keeps its five tables (filter, nat, mangle, raw, security) as nf_tables
tables of family ``ip`` (ip6tables: ``ip6``) and creates a builtin chain as a base chain
with a fixed hook, type and priority the first time a command needs it. Code that installs
iptables rules for a daemon or a lab (tailscaled, ufw, NAT types, the lab loader) uses
these helpers, which call the typed write API of :class:`~simnet.kernel.nftables.Ruleset`.
"""
from __future__ import annotations

TYPE_CHECKING = False      # typing's, without importing typing: ~4 ms of every cold start (issue 20)

from simnet.kernel.netfilter import BUILTIN_CHAINS, XtRule
from simnet.kernel.nftables.model import Chain, Rule, Table

if TYPE_CHECKING:
    from simnet.kernel.nftables.ruleset import Ruleset

__all__ = ["builtin_spec", "xt_table", "xt_chain", "xt_append", "xt_insert", "xt_delete", "xt_rules",
           "builtin_view"]

_PRIO = {"filter": 0, "mangle": -150, "raw": -300, "security": 150}
_NAT_PRIO = {"PREROUTING": -100, "INPUT": 100, "OUTPUT": -100, "POSTROUTING": 100}


def builtin_spec(table: str, chain: str) -> tuple[str, str, int]:
    """(hook, type, priority) of an iptables builtin chain."""
    hook = chain.lower()
    if table == "nat":
        return hook, "nat", _NAT_PRIO[chain]
    kind = "route" if table == "mangle" and chain == "OUTPUT" else "filter"
    return hook, kind, _PRIO[table]


def xt_table(nf: "Ruleset", table: str, family: str = "ip") -> Table:
    """The iptables table, created (empty) if needed."""
    return nf.add_table(family, table)


def xt_chain(nf: "Ruleset", table: str, chain: str, family: str = "ip") -> Chain:
    """The chain; a builtin chain is created as iptables-nft's base chain on first use."""
    t = xt_table(nf, table, family)
    if chain in t.chains:
        return t.chains[chain]
    if chain in BUILTIN_CHAINS.get(table, ()):
        hook, kind, prio = builtin_spec(table, chain)
        return nf.add_chain(family, table, chain, hook=hook, type=kind, priority=prio)
    return nf.add_chain(family, table, chain)


def xt_append(nf: "Ruleset", table: str, chain: str, xt: XtRule, family: str = "ip") -> Rule:
    xt_chain(nf, table, chain, family)
    return nf.add_rule(family, table, chain, Rule(xt=xt))


def xt_insert(nf: "Ruleset", table: str, chain: str, xt: XtRule, index: int = 0, family: str = "ip") -> Rule:
    xt_chain(nf, table, chain, family)
    return nf.insert_rule(family, table, chain, Rule(xt=xt), index=index)


def xt_rules(nf: "Ruleset", table: str, chain: str, family: str = "ip") -> list[Rule]:
    """The chain's rules (empty if table or chain do not exist); read only."""
    t = nf.get_table(family, table)
    ch = t.chains.get(chain) if t is not None else None
    return list(ch.rules) if ch is not None else []


def xt_delete(nf: "Ruleset", table: str, chain: str, xt: XtRule, family: str = "ip") -> bool:
    """``iptables -D CHAIN SPEC``: delete the first rule with this payload; False if none."""
    for r in xt_rules(nf, table, chain, family):
        if r.xt == xt:
            nf.delete_rule(family, table, chain, r.handle)
            return True
    return False


def builtin_view(table: str, chain: str) -> Chain:
    """A builtin chain nf_tables does not have yet, as iptables lists it (policy ACCEPT, empty)."""
    hook, kind, prio = builtin_spec(table, chain)
    return Chain(chain, hook, kind, prio)
