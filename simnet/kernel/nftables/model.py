"""nf_tables objects: tables, chains (base and regular), rules, sets.

A table lives in a family (``ip``, ``ip6``, ``inet``); its chains, rules and sets share
the table's handle counter, as the kernel's ``table->hgenerator`` (``nft -a`` shows them).
A base chain has a hook, a type (filter, nat, route), a priority and a policy; a regular
chain only runs when jumped to. A rule is either native (:attr:`Rule.exprs`) or carries an
iptables payload (:attr:`Rule.xt`, what iptables-nft writes): both run in one engine.
"""
from __future__ import annotations

from dataclasses import dataclass, field
TYPE_CHECKING = False      # typing's, without importing typing: ~4 ms of every cold start (issue 20)

if TYPE_CHECKING:
    from typing import Any
    from simnet.kernel.netfilter import XtRule

__all__ = ["Table", "Chain", "Rule", "Set", "FAMILIES", "HOOKS", "CHAIN_TYPES", "PRIORITY_NAMES",
           "priority_value", "priority_text"]

FAMILIES = ("ip", "ip6", "inet")
HOOKS = ("prerouting", "input", "forward", "output", "postrouting")
CHAIN_TYPES = ("filter", "nat", "route")
# nft's standard priority names (ip, ip6, inet); dstnat/srcnat only where NAT happens
PRIORITY_NAMES = {"raw": -300, "mangle": -150, "dstnat": -100, "filter": 0, "security": 50, "srcnat": 100}
_NAME_HOOKS = {"dstnat": ("prerouting",), "srcnat": ("postrouting",)}


def priority_value(text: str | int, hook: str) -> int | None:
    """``filter``, ``srcnat + 10``, ``-150`` → a number; None if the name is not valid at ``hook``."""
    if isinstance(text, int):
        return text
    words = str(text).replace("+", " + ").replace(" - ", " - ").split()
    try:
        return int("".join(words))
    except ValueError:
        pass
    name = words[0]
    if name not in PRIORITY_NAMES or hook not in _NAME_HOOKS.get(name, (hook,)):
        return None
    base = PRIORITY_NAMES[name]
    if len(words) == 3 and words[1] in "+-" and words[2].isdigit():
        return base + int(words[2]) * (1 if words[1] == "+" else -1)
    return base if len(words) == 1 else None


def priority_text(value: int, hook: str) -> str:
    """How nft 1.0.6 lists a priority: a standard name within ±10, else the number."""
    for name, base in PRIORITY_NAMES.items():
        if hook not in _NAME_HOOKS.get(name, (hook,)):
            continue
        if value == base:
            return name
        if abs(value - base) <= 10:
            return f"{name} {'+' if value > base else '-'} {abs(value - base)}"
    return str(value)


@dataclass(eq=False)
class Rule:
    """One rule: native expressions, or an iptables payload (``xt``), with handle and counters.

    ``counter``: iptables-nft always counts; a native rule counts where a ``counter``
    statement stands (its position is in ``exprs``)."""

    exprs: tuple[Any, ...] = ()
    xt: "XtRule | None" = None
    handle: int = 0
    packets: int = 0
    bytes: int = 0
    comment: str | None = None
    text: str | None = field(default=None, repr=False)    # describe_rule's cache (traces quote it often)
    meters: dict[int, list[int]] = field(default_factory=dict, repr=False)   # limit buckets: [tokens ns, last ns]

    @property
    def native(self) -> bool:
        return self.xt is None

    def jump_target(self) -> str | None:
        """The chain a ``jump``/``goto`` (or iptables ``-j CHAIN``) names, if any."""
        if self.xt is not None:
            return self.xt.target
        for e in self.exprs:
            chain = getattr(e, "chain", None)
            if chain is not None:
                return chain
        return None


@dataclass(eq=False)
class Chain:
    """A chain; ``hook`` is None for a regular chain. ``counted``: policy hits are counted
    (iptables-nft gives a base chain counters once ``-P`` or a restore set its policy)."""

    name: str
    hook: str | None = None
    type: str = "filter"
    priority: int = 0
    policy: str = "ACCEPT"
    rules: list[Rule] = field(default_factory=list)
    handle: int = 0
    packets: int = 0
    bytes: int = 0
    counted: bool = False
    registered: int = 0            # the base chain's place in the order of hook registrations
    table: "Table | None" = field(default=None, repr=False)

    @property
    def base(self) -> bool:
        return self.hook is not None

    builtin = base      # the iptables word for it


@dataclass(eq=False)
class Set:
    """A named set: ``type`` (ipv4_addr, inet_service, …), ``flags`` (interval, …), elements."""

    name: str
    type: str
    flags: tuple[str, ...] = ()
    elements: list[Any] = field(default_factory=list)   # a map's: (key, data) pairs
    handle: int = 0
    data: str | None = None          # a map's data type (``verdict``, ``inet_service`` …); None for a set


@dataclass(eq=False)
class Table:
    """``table FAMILY NAME``: chains in creation order (``nft list`` order), sets, flags."""

    family: str
    name: str
    handle: int = 0
    chains: dict[str, Chain] = field(default_factory=dict)
    sets: dict[str, Set] = field(default_factory=dict)
    flags: tuple[str, ...] = ()
    next_handle: int = 1

    def new_handle(self) -> int:
        h = self.next_handle
        self.next_handle += 1
        return h

    def references(self, chain: str) -> int:
        """Rules that jump or go to ``chain`` (iptables' "N references", the kernel's EBUSY)."""
        return sum(1 for c in self.chains.values() for r in c.rules if r.jump_target() == chain)
