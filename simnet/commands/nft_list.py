"""``nft list ruleset|tables|table|chains|chain|sets|set`` in nftables 1.0.6's layout.

Tables in creation order; in a table its sets, then its chains, blocks apart by
an empty line; ``-a`` appends ``# handle N``. Rules iptables-nft wrote are
shown through its translation (``xt`` payload), native rules through
:func:`simnet.kernel.nftables.render_exprs`.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from simnet.commands.nft_ast import Command
from simnet.commands.nft_errors import NftError
from simnet.kernel.nftables import Chain, Ruleset, Set, Table, priority_text, render_exprs
from simnet.kernel.nftables.text import render_set

__all__ = ["Listing", "list_command"]


@dataclass
class Listing:
    """Output switches: ``-a`` handles, ``-n`` numeric, ``-s`` stateless; ``xt`` renders an
    iptables payload (the caller's translation)."""

    handles: bool = False
    numeric: bool = False
    stateless: bool = False
    xt: Callable[[Any, str], str] | None = None

    def _h(self, handle: int) -> str:
        return f" # handle {handle}" if self.handles else ""

    def rule(self, table: Table, rule: Any) -> str:
        if rule.xt is not None and self.xt is not None:
            text = self.xt(rule, table.family)
        else:
            text = render_exprs(rule.exprs, rule.packets, rule.bytes, table.family, self.numeric, self.stateless)
            if rule.comment is not None:
                text += f' comment "{rule.comment}"'
        return text + self._h(rule.handle)

    def chain(self, table: Table, chain: Chain, rules: bool = True) -> list[str]:
        lines = [f"\tchain {chain.name} {{{self._h(chain.handle)}"]
        if chain.base:
            prio = str(chain.priority) if self.numeric else priority_text(chain.priority, chain.hook or "")
            lines.append(f"\t\ttype {chain.type} hook {chain.hook} priority {prio}; policy {chain.policy.lower()};")
        if rules:
            lines += [f"\t\t{self.rule(table, r)}" for r in chain.rules]
        lines.append("\t}")
        return lines

    def table(self, table: Table, chains: list[Chain] | None = None, sets: list[Set] | None = None,
              rules: bool = True) -> list[str]:
        head = f"table {table.family} {table.name} {{"
        lines = [head + (f" # handle {table.handle}" if self.handles and chains is None and sets is None
                         else "")]
        blocks = [render_set(s, handles=self.handles, numeric=self.numeric)
                  for s in (table.sets.values() if sets is None else sets)]
        blocks += [self.chain(table, c, rules) for c in (table.chains.values() if chains is None else chains)]
        for k, block in enumerate(blocks):
            if k and rules:         # ``list chains`` prints the chain heads without blank lines
                lines.append("")
            lines += block
        lines.append("}")
        return lines


def _tables(nf: Ruleset, family: str) -> list[Table]:
    return [t for t in nf.tables.values() if not family or t.family == family]


def list_command(nf: Ruleset, cmd: Command, out: Listing) -> list[str]:
    """The lines ``cmd`` prints; NftError (ENOENT under the name) when its object is missing."""
    fam = cmd.family
    if cmd.obj == "tables":
        return [f"table {t.family} {t.name}" for t in _tables(nf, fam)]
    if cmd.obj == "ruleset":
        return [line for t in _tables(nf, fam) for line in out.table(t)]
    if cmd.obj == "chains":
        return [line for t in _tables(nf, fam) if t.chains
                for line in out.table(t, list(t.chains.values()), [], rules=False)]
    if cmd.obj == "sets":           # ``list sets`` shows the sets, ``list maps`` the maps
        picked = [(t, [s for s in t.sets.values() if (s.data is not None) == cmd.is_map]) for t in _tables(nf, fam)]
        return [line for t, sets in picked if sets for line in out.table(t, [], sets, rules=False)]
    table = nf.get_table(cmd.family, cmd.table or "")
    if table is None:
        raise NftError("No such file or directory", cmd.marks["table"])
    if cmd.obj == "table":
        return out.table(table)
    if cmd.obj == "chain":
        chain = table.chains.get(cmd.chain or "")
        if chain is None:
            raise NftError("No such file or directory", cmd.marks["chain"])
        return out.table(table, [chain], [])
    s = table.sets.get(cmd.name or "")
    if s is None:
        raise NftError("No such file or directory", cmd.marks["set"])
    return out.table(table, [], [s])
