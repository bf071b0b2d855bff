"""A namespace's nf_tables ruleset: its tables, the typed write API, the hooks' chain lists.

Every change goes through a method here (what a netlink batch asks of the kernel) and
raises the kernel's errno as a typed :class:`~simnet.kernel.nftables.errors.NftError`.
:meth:`Ruleset.transaction` makes a series of changes atomic, like one batch
(``nft -f``, ``iptables-restore``). :meth:`Ruleset.chains_at` gives the packet path the base
chains registered at a hook for IPv4 or IPv6 packets, across tables and families, in
priority order.
"""
from __future__ import annotations

import copy
TYPE_CHECKING = False      # typing's, without importing typing: ~4 ms of every cold start (issue 20)

if TYPE_CHECKING:
    from typing import Any, Iterable

from simnet.kernel.nftables import expr as E
from simnet.kernel.nftables.errors import Busy, Exists, Invalid, NoEntry, NotSupported, TooManyLinks
from simnet.kernel.nftables.model import CHAIN_TYPES, FAMILIES, HOOKS, Chain, Rule, Set, Table

__all__ = ["Ruleset"]

_APPLIES = {"ipv4": ("ip", "inet"), "ipv6": ("ip6", "inet")}
_NAT_HOOKS = ("prerouting", "input", "output", "postrouting")
# where the nat core sits among a hook's base chains (NF_IP_PRI_NAT_DST / _SRC); forward has none
NAT_PRIORITY = {"prerouting": -100, "output": -100, "input": 100, "postrouting": 100}


class Ruleset:
    """All nf_tables state of one network namespace (``node.netfilter``)."""

    def __init__(self) -> None:
        self.tables: dict[tuple[str, str], Table] = {}
        self.log: list[str] = []        # kernel log lines from LOG / log
        self._table_handle = 0
        self._registered = 0            # hook registrations so far (equal priorities: the newest runs first)
        self._hooks: dict[tuple[str, str], tuple[tuple[Chain, ...], tuple[Chain, ...]]] = {}
        Split = dict[str, tuple[tuple[Chain, ...], tuple[Chain, ...], tuple[Chain, ...]]]
        self._split: dict[str, Split] = {"ipv4": {}, "ipv6": {}}
        self._conntrack: bool | None = None
        self._conntrack6: bool | None = None
        self._nat: dict[str, bool] = {}
        self.generation = 1             # nf_tables' genid: nft counts it up for each batch it commits
        self.edits = 0                  # every change of tables, chains or rules (tailscaled's memo)

    # ---------------------------------------------------------------- reading
    def get_table(self, family: str, name: str) -> Table | None:
        return self.tables.get((family, name))

    def find_table(self, family: str, name: str) -> Table:
        table = self.tables.get((family, name))
        if table is None:
            raise NoEntry("table", name)
        return table

    def find_chain(self, family: str, table: str, chain: str) -> Chain:
        ch = self.find_table(family, table).chains.get(chain)
        if ch is None:
            raise NoEntry("chain", chain)
        return ch

    def find_rule(self, family: str, table: str, chain: str, handle: int) -> Rule:
        for rule in self.find_chain(family, table, chain).rules:
            if rule.handle == handle:
                return rule
        raise NoEntry("rule", str(handle))

    def chains_at(self, nfproto: str, hook: str) -> tuple[tuple[Chain, ...], tuple[Chain, ...]]:
        """(filter and route chains, nat chains) registered at ``hook`` for ``ipv4``/``ipv6``
        packets, each in priority order. Of equal priorities the chain registered last runs first:
        nf_register_net_hook puts a new hook in front of the first one with the same priority."""
        key = (nfproto, hook)
        hit = self._hooks.get(key)
        if hit is None:
            families = _APPLIES[nfproto]
            found = [c for t in self.tables.values() if t.family in families for c in t.chains.values()
                     if c.hook == hook]
            found.sort(key=lambda c: (c.priority, -c.registered))
            hit = (tuple(c for c in found if c.type != "nat"), tuple(c for c in found if c.type == "nat"))
            self._hooks[key] = hit
        return hit

    def split_at(self, nfproto: str, hook: str) -> tuple[tuple[Chain, ...], tuple[Chain, ...], tuple[Chain, ...]]:
        """(chains before the nat core, nat chains, chains after it) at ``hook``: what the packet
        path runs around NAT (the hot path asks this once per hook and packet)."""
        cache = self._split[nfproto]
        hit = cache.get(hook)
        if hit is None:
            chains, nat = self.chains_at(nfproto, hook)
            at = NAT_PRIORITY.get(hook)
            pre = tuple(c for c in chains if at is None or c.priority < at)
            hit = cache[hook] = (pre, nat, chains[len(pre):])
        return hit

    def has_nat(self, nfproto: str = "ipv4") -> bool:
        """Are nat hooks registered (any nat chain for this protocol)? Then the nat core binds
        every new connection, a null binding where no rule translates."""
        hit = self._nat.get(nfproto)
        if hit is None:
            hit = self._nat[nfproto] = any(self.chains_at(nfproto, h)[1] for h in _NAT_HOOKS)
        return hit

    @property
    def needs_conntrack(self) -> bool:
        """Conntrack runs for IPv4 once NAT or a state match of an ``ip``/``inet`` table is in use."""
        if self._conntrack is None:
            self._conntrack = self.conntrack_for("ipv4")
        return self._conntrack

    @property
    def needs_conntrack6(self) -> bool:
        """The same for IPv6 (``ip6``/``inet`` tables): nf_ct_netns_get registers per family, so an
        ip6tables state match leaves IPv4 untracked and the other way round."""
        if self._conntrack6 is None:
            self._conntrack6 = self.conntrack_for("ipv6")
        return self._conntrack6

    def conntrack_for(self, nfproto: str) -> bool:
        families = _APPLIES[nfproto]
        return self.has_nat(nfproto) or any(_uses_ct(r) for t in self.tables.values() if t.family in families
                                            for c in t.chains.values() for r in c.rules)

    def _changed(self) -> None:
        self.edits += 1
        self._hooks.clear()
        self._split["ipv4"].clear()
        self._split["ipv6"].clear()
        self._nat.clear()
        self._conntrack = None
        self._conntrack6 = None

    # ------------------------------------------------------------------ tables
    def add_table(self, family: str, name: str, *, create: bool = False, flags: tuple[str, ...] = ()) -> Table:
        """``add table`` (an existing table is fine) or ``create table`` (EEXIST)."""
        if family not in FAMILIES:
            raise NotSupported("family", family)
        table = self.tables.get((family, name))
        if table is not None:
            if create:
                raise Exists("table", name)
            if flags:
                table.flags = flags
            return table
        self._table_handle += 1
        table = Table(family, name, self._table_handle, flags=flags)
        self.tables[(family, name)] = table
        self._changed()
        return table

    def delete_table(self, family: str, name: str) -> None:
        """``delete table`` (ENOENT if absent); its chains, rules and sets go with it."""
        self.find_table(family, name)
        del self.tables[(family, name)]
        self._changed()

    def flush_table(self, family: str, name: str) -> None:
        """``flush table``: every rule of every chain (chains and sets stay)."""
        for chain in self.find_table(family, name).chains.values():
            chain.rules.clear()
        self._changed()

    def flush_ruleset(self, family: str | None = None) -> None:
        """``flush ruleset [FAMILY]``: all tables (of that family) are gone."""
        for key in [k for k in self.tables if family is None or k[0] == family]:
            del self.tables[key]
        self._changed()

    # ------------------------------------------------------------------ chains
    def add_chain(self, family: str, table: str, name: str, *, hook: str | None = None, type: str = "filter",
                  priority: int = 0, policy: str | None = None, create: bool = False) -> Chain:
        """``add chain`` / ``create chain``: a regular chain, or a base chain with ``hook``.
        Adding an existing chain again may change a base chain's policy (EEXIST for ``create``;
        EOPNOTSUPP if the hook would change)."""
        t = self.find_table(family, table)
        if len(name) > 255 or not name:
            raise Invalid("chain", name)
        chain = t.chains.get(name)
        if chain is not None:
            if create:
                raise Exists("chain", name)
            if hook is not None and (chain.hook != hook or chain.type != type or chain.priority != priority):
                raise NotSupported("chain", name) if chain.hook is not None else Exists("chain", name)
            if policy is not None and chain.base:
                chain.policy = policy.upper()
            return chain
        if hook is not None:
            _check_hook(family, hook, type, name)
        if policy is not None and hook is None:
            raise NotSupported("chain", name)
        chain = Chain(name, hook, type, priority, (policy or "ACCEPT").upper(), handle=t.new_handle(), table=t)
        if hook is not None:
            self._registered += 1
            chain.registered = self._registered
        t.chains[name] = chain
        self._changed()
        return chain

    def delete_chain(self, family: str, table: str, name: str, *, recursive: bool = True) -> None:
        """``delete chain``: EBUSY while another rule jumps to it; with ``recursive`` False
        (iptables-nft's NLM_F_NONREC) also while it still holds rules."""
        t = self.find_table(family, table)
        chain = self.find_chain(family, table, name)
        if t.references(name) or (not recursive and chain.rules):
            raise Busy("chain", name)
        del t.chains[name]
        self._changed()

    def flush_chain(self, family: str, table: str, name: str) -> None:
        self.find_chain(family, table, name).rules.clear()
        self._changed()

    def rename_chain(self, family: str, table: str, old: str, new: str) -> None:
        """``rename chain``: jumps follow (the kernel links them by chain, not by name); a base
        chain may be renamed too (Linux 6.1 allows it, iptables refuses its builtins itself)."""
        t = self.find_table(family, table)
        chain = self.find_chain(family, table, old)
        if new in t.chains:
            raise Exists("chain", new)
        for c in t.chains.values():
            for r in c.rules:
                if r.jump_target() != old:
                    continue
                r.text = None
                if r.xt is not None:
                    r.xt.target = new
                else:
                    r.exprs = tuple(E.Verdict(e.kind, new) if isinstance(e, E.Verdict) and e.chain == old else e
                                    for e in r.exprs)
        chain.name = new
        t.chains = {(new if k == old else k): v for k, v in t.chains.items()}
        self._changed()

    def set_policy(self, family: str, table: str, chain: str, policy: str, *, counted: bool = True) -> None:
        """A base chain's policy (``accept``/``drop``); ``counted`` gives it policy counters (zeroed),
        as iptables-nft's ``-P`` does."""
        ch = self.find_chain(family, table, chain)
        if not ch.base:
            raise NotSupported("chain", chain)
        if policy.upper() not in ("ACCEPT", "DROP"):
            raise Invalid("policy", policy)
        ch.policy = policy.upper()
        if counted:
            ch.packets = ch.bytes = 0
            ch.counted = True

    def zero_counters(self, family: str, table: str, chain: str | None = None) -> None:
        """Reset rule (and policy) counters of one chain or the whole table."""
        t = self.find_table(family, table)
        for ch in [self.find_chain(family, table, chain)] if chain else t.chains.values():
            ch.packets = ch.bytes = 0
            for r in ch.rules:
                r.packets = r.bytes = 0

    # ------------------------------------------------------------------- rules
    def add_rule(self, family: str, table: str, chain: str, rule: Rule, *, after: int | None = None,
                 index: int | None = None) -> Rule:
        """``add rule`` (append; ``after`` = ``position HANDLE``: behind that rule; ``index``:
        0-based slot, as iptables' rule numbers)."""
        ch = self.find_chain(family, table, chain)
        pos = len(ch.rules) if after is None else self._slot(ch, after) + 1
        return self._put(ch, rule, pos if index is None else index)

    def insert_rule(self, family: str, table: str, chain: str, rule: Rule, *, before: int | None = None,
                    index: int | None = None) -> Rule:
        """``insert rule`` (prepend; ``before`` = ``position HANDLE``: in front of that rule)."""
        ch = self.find_chain(family, table, chain)
        pos = 0 if before is None else self._slot(ch, before)
        return self._put(ch, rule, pos if index is None else index)

    def replace_rule(self, family: str, table: str, chain: str, handle: int, rule: Rule) -> Rule:
        """``replace rule … handle N``: the new rule takes the old one's place and its handle
        (the kernel replaces in place: no new handle is drawn)."""
        ch = self.find_chain(family, table, chain)
        pos = self._slot(ch, handle)
        old = ch.rules.pop(pos)
        try:
            return self._put(ch, rule, pos, handle)
        except Exception:
            ch.rules.insert(pos, old)
            raise

    def delete_rule(self, family: str, table: str, chain: str, handle: int) -> None:
        ch = self.find_chain(family, table, chain)
        del ch.rules[self._slot(ch, handle)]
        self._changed()

    def _slot(self, chain: Chain, handle: int) -> int:
        for k, r in enumerate(chain.rules):
            if r.handle == handle:
                return k
        raise NoEntry("rule", str(handle))

    def _put(self, chain: Chain, rule: Rule, pos: int, handle: int | None = None) -> Rule:
        t = chain.table
        assert t is not None
        if not 0 <= pos <= len(chain.rules):
            raise NoEntry("rule", str(pos))
        target = rule.jump_target()
        if rule.xt is None and target is not None and target not in t.chains:
            raise NoEntry("chain", target)
        if rule.xt is None:
            for e in rule.exprs:
                if isinstance(e, E.Cmp) and isinstance(e.value, E.SetRef) and e.value.name not in t.sets:
                    raise NoEntry("set", e.value.name)
        chain.rules.insert(pos, rule)
        if target in t.chains and _loop_from_base(t):
            chain.rules.remove(rule)
            raise TooManyLinks("rule", chain.name)
        rule.handle = t.new_handle() if handle is None else handle
        self._changed()
        return rule

    # -------------------------------------------------------------------- sets
    def add_set(self, family: str, table: str, name: str, type: str, *, flags: tuple[str, ...] = (),
                create: bool = False, data: str | None = None) -> Set:
        t = self.find_table(family, table)
        if name in t.sets:
            if create:
                raise Exists("set", name)
            return t.sets[name]
        s = Set(name, type, flags, handle=t.new_handle(), data=data)
        t.sets[name] = s
        return s

    def delete_set(self, family: str, table: str, name: str) -> None:
        t = self.find_table(family, table)
        if name not in t.sets:
            raise NoEntry("set", name)
        if any(isinstance(e, E.Cmp) and e.value == E.SetRef(name)
               for c in t.chains.values() for r in c.rules for e in r.exprs):
            raise Busy("set", name)
        del t.sets[name]

    def _set(self, family: str, table: str, name: str) -> Set:
        s = self.find_table(family, table).sets.get(name)
        if s is None:
            raise NoEntry("set", name)
        return s

    def add_elements(self, family: str, table: str, name: str, elements: Iterable[Any]) -> None:
        s = self._set(family, table, name)
        for e in elements:
            if e not in s.elements:
                s.elements.append(e)

    def delete_elements(self, family: str, table: str, name: str, elements: Iterable[Any]) -> None:
        s = self._set(family, table, name)
        gone = list(elements)
        missing = [e for e in gone if e not in s.elements]
        if missing:
            raise NoEntry("element", str(missing[0]))
        s.elements = [e for e in s.elements if e not in gone]

    def flush_set(self, family: str, table: str, name: str) -> None:
        self._set(family, table, name).elements.clear()

    # ------------------------------------------------------------ transactions
    def transaction(self) -> "_Transaction":
        """All or nothing, like one netlink batch: on an exception every change is undone."""
        return _Transaction(self)

    def _abort(self, saved: tuple[dict, int]) -> None:
        # the kernel does not give back handles on abort (nft -c, a failed batch): a table's
        # hgenerator and the netns' table handle keep counting from where the batch left them
        used = {key: t.next_handle for key, t in self.tables.items()}
        table_handle = self._table_handle
        self.tables, self._table_handle = saved
        self._table_handle = max(self._table_handle, table_handle)
        for key, t in self.tables.items():
            t.next_handle = max(t.next_handle, used.get(key, 0))
        self._changed()


def _check_hook(family: str, hook: str, type: str, name: str) -> None:
    if hook not in HOOKS or type not in CHAIN_TYPES:
        raise NotSupported("chain", name)
    if type == "nat" and hook == "forward":
        raise NotSupported("chain", name)
    if type == "route" and (hook != "output" or family == "inet"):
        raise NotSupported("chain", name)


def _uses_ct(rule: Rule) -> bool:
    if rule.xt is not None:
        return rule.xt.uses_conntrack
    return any(isinstance(e, E.Cmp) and e.key.startswith("ct ") for e in rule.exprs)


def _loop_from_base(table: Table) -> bool:
    """nf_tables refuses a rule set in which a base chain reaches a jump loop; loops among
    regular chains nobody reaches from a base chain are allowed."""
    chains = table.chains
    clean: set[str] = set()

    def reaches_loop(name: str, path: tuple[str, ...]) -> bool:
        if name in path:
            return True
        chain = chains.get(name)
        if chain is None or name in clean:
            return False
        for r in chain.rules:
            t = r.jump_target()
            if t in chains and not chains[t].base and reaches_loop(t, path + (name,)):
                return True
        clean.add(name)
        return False
    return any(reaches_loop(c.name, ()) for c in chains.values() if c.base)


class _Transaction:
    """``with ruleset.transaction():`` – the state saved on entry comes back if the block raises
    (any exception, which then goes on). A class rather than ``contextlib.contextmanager``: contextlib
    would be the only reason every new process imports it (issue 20: cold start)."""

    __slots__ = ("ruleset", "saved")

    def __init__(self, ruleset: Ruleset) -> None:
        self.ruleset = ruleset

    def __enter__(self) -> Ruleset:
        rs = self.ruleset
        self.saved = copy.deepcopy((rs.tables, rs._table_handle))
        return rs

    def __exit__(self, kind: Any, exc: Any, tb: Any) -> None:
        if kind is not None:
            self.ruleset._abort(self.saved)
