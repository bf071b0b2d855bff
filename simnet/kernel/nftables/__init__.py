"""nf_tables, the rule engine of Linux 6.1; iptables-nft, ufw and nft all write into it.

Objects (:mod:`.model`): :class:`Table` (family ``ip``/``ip6``/``inet``, name, handle),
:class:`Chain` (regular, or base with ``hook``/``type``/``priority``/``policy``),
:class:`Rule` (``exprs``: native expressions from :mod:`.expr`, or ``xt``: an iptables
payload :class:`~simnet.kernel.netfilter.XtRule`; ``handle``, ``packets``, ``bytes``),
:class:`Set`. Handles come from the table's counter, shared by chains, rules and sets.

Write API — ``node.netfilter`` is a :class:`Ruleset`; every method raises a typed
:class:`NftError` (:class:`NoEntry` ENOENT, :class:`Exists` EEXIST, :class:`Busy` EBUSY,
:class:`NotSupported` EOPNOTSUPP, :class:`TooManyLinks` EMLINK, :class:`Invalid` EINVAL;
``err.obj``/``err.name`` say which object) that the front ends word their way::

    nf.add_table(family, name, create=False, flags=())           # create=True: EEXIST if present
    nf.delete_table(family, name); nf.flush_table(family, name); nf.flush_ruleset(family=None)
    nf.add_chain(family, table, name, hook=None, type="filter", priority=0, policy=None, create=False)
    nf.delete_chain(family, table, name, recursive=True)         # EBUSY while jumped to
    nf.flush_chain(...); nf.rename_chain(family, table, old, new); nf.set_policy(family, table, chain, "drop")
    nf.add_rule(family, table, chain, Rule(exprs=(...)), after=HANDLE | index=N)   -> rule (handle set)
    nf.insert_rule(family, table, chain, rule, before=HANDLE | index=N)
    nf.replace_rule(family, table, chain, handle, rule); nf.delete_rule(family, table, chain, handle)
    nf.add_set(family, table, name, type, flags=()); nf.delete_set(...)
    nf.add_elements(family, table, set, [...]); nf.delete_elements(...); nf.flush_set(...)
    with nf.transaction(): ...                                   # all or nothing (nft -f, iptables-restore)

Reading: ``nf.tables`` ({(family, name): Table}, creation order), ``nf.get_table``,
``nf.find_table/find_chain/find_rule`` (ENOENT), ``nf.chains_at("ipv4"|"ipv6", hook)`` and
``nf.split_at(nfproto, hook)`` -> (chains before the nat core, nat chains, chains after).
Rendering native rules in nft's words: :func:`.text.render_exprs`. iptables' tables and
builtin chains: :mod:`.xtables` (``xt_chain``/``xt_append``/``xt_insert``/``xt_delete``).

Packets: :func:`.engine.run_chain` runs one base chain; :mod:`simnet.kernel.nfhook` walks a
hook's chains in priority order across tables and families (a drop anywhere is final, an
accept ends only that chain); nat chains run for a connection's first packet only
(:mod:`simnet.kernel.nat`). Evaluation is family-neutral: a packet needs ``src``, ``dst``,
``proto``, ``sport``, ``dport``, ``payload`` (Icmp/Tcp/Udp), ``length``, ``ttl`` and, for
IPv6, ``version == 6`` (then ``ip6 …`` keys and ``icmpv6`` match, ``ip …`` ones do not);
run it through ``nf.split_at("ipv6", hook)`` for the ip6 and inet chains.
"""
from __future__ import annotations

from simnet.kernel.nftables.errors import (Busy, Exists, Invalid, Loop, NftError, NoEntry, NotSupported,
                                           TooManyLinks)
from simnet.kernel.nftables.model import (FAMILIES, HOOKS, Chain, Rule, Set, Table, priority_text,
                                          priority_value)
from simnet.kernel.nftables.ruleset import Ruleset
from simnet.kernel.nftables.text import describe_rule, render_exprs

__all__ = ["Ruleset", "Table", "Chain", "Rule", "Set", "FAMILIES", "HOOKS", "priority_text", "priority_value",
           "NftError", "NoEntry", "Exists", "Busy", "Invalid", "NotSupported", "TooManyLinks", "Loop",
           "describe_rule", "render_exprs"]
