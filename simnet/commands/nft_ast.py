"""What nft's parser produces: commands, chain and set specs, rules as matches and statements.

The parser (:mod:`simnet.commands.nft_parse`) fills these; the evaluator
(:mod:`simnet.commands.nft_eval`) turns them into calls of the node's
nf_tables write API. Every piece keeps the :class:`Mark` of its source text
so that errors found late (a missing chain, a bad port) still point at the
words the learner typed.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Union

from simnet.commands.nft_errors import Mark

__all__ = ["Value", "Match", "Stmt", "RuleSpec", "ChainSpec", "SetSpec", "Command", "Item"]


@dataclass
class Value:
    """The right-hand side of a match, still as typed: ``kind`` is value/range/set/setref/list.

    ``items`` holds words (str) for value/setref, (lo, hi) for range, and Values for set/list;
    ``prefix`` is the ``/N`` after an address."""

    kind: str
    items: tuple = ()
    mark: Mark = Mark(0, 0)
    prefix: int | None = None
    prefix_mark: Mark | None = None
    data: "Value | tuple[str, str, str | None] | None" = None   # a map element's ``: DATA`` (a verdict as (word, chain))


@dataclass
class Match:
    """``PROTO FIELD [OP] VALUE``: ``key`` like ``ip saddr``, ``tcp dport``, ``meta l4proto``, ``ct state``."""

    key: str
    op: str
    value: Value
    mark: Mark           # the key words (nft marks them for protocol conflicts)


@dataclass
class Stmt:
    """A statement: counter, verdict, reject, snat/dnat/masquerade/redirect, log, limit, comment."""

    kind: str
    args: dict = field(default_factory=dict)
    mark: Mark = Mark(0, 0)

    @property
    def terminal(self) -> bool:
        return self.kind in ("verdict", "reject") or self.kind in ("snat", "dnat", "masquerade", "redirect")


Item = Union[Match, Stmt]


@dataclass
class RuleSpec:
    """An nft rule as written: its statements, comment and where it stood in the input."""

    items: list[Item]
    comment: str | None = None
    mark: Mark = Mark(0, 0)


@dataclass
class ChainSpec:
    """``{ type filter hook input priority 0; policy drop; … }`` (hook None: a regular chain)."""

    type: str | None = None
    hook: str | None = None
    priority: int | None = None
    policy: str | None = None
    marks: dict[str, Mark] = field(default_factory=dict)
    rules: list[RuleSpec] = field(default_factory=list)


@dataclass
class SetSpec:
    """An nft set as written: type, flags and elements."""

    type: str | None = None
    data: str | None = None          # a map's ``type KEY : DATA``
    flags: tuple[str, ...] = ()
    elements: list[Value] = field(default_factory=list)
    marks: dict[str, Mark] = field(default_factory=dict)


@dataclass
class Command:
    """One nft command: ``verb`` add/create/insert/replace/delete/list/flush, ``obj`` table/chain/rule/…

    ``family`` defaults to ip; ``marks`` has the places of table/chain/set/handle words
    (and ``cmd`` for the whole command) for error messages."""

    verb: str
    obj: str
    family: str = "ip"
    table: str | None = None
    chain: str | None = None
    name: str | None = None            # set name
    handle: int | None = None
    position: int | None = None        # ``position N`` (before/after handle N)
    index: int | None = None
    rule: RuleSpec | None = None
    chain_spec: ChainSpec | None = None
    set_spec: SetSpec | None = None
    elements: list[Value] = field(default_factory=list)
    is_map: bool = False               # ``add map``, ``list map``: a set with data
    chains: list[tuple[str, ChainSpec, dict[str, Mark]]] = field(default_factory=list)   # table blocks
    sets: list[tuple[str, SetSpec, dict[str, Mark]]] = field(default_factory=list)
    marks: dict[str, Mark] = field(default_factory=dict)
