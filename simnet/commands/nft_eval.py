"""Carrying out parsed nft commands on the node's nf_tables ruleset, with nft's error wording.

All commands of one invocation (a command line with ``;``, or ``nft -f``) form
one batch: :meth:`Ruleset.transaction` undoes everything when one fails, as the
kernel does. The kernel's typed errors become nft's messages: "Could not process
rule: File exists" under the object's name, and where nft 1.0.6 looks for a
similar name, "No such file or directory; did you mean table ‘nat’ in family ip?"
(nft's own misspelling distance, quirks included).
"""
from __future__ import annotations

from typing import Any, Callable

from simnet.commands.nft_ast import Command, Stmt
from simnet.commands.nft_errors import Mark, NftError, misspelled
from simnet.commands.nft_values import element_value, rule_exprs, map_pair
from simnet.kernel.nftables import NftError as KernelNftError
from simnet.kernel.nftables import Exists, NoEntry, Rule, Ruleset
from simnet.kernel.nftables import expr as E
from simnet.kernel.nftables.model import HOOKS
from simnet.kernel.nftables.text import SET_KEYS

__all__ = ["Batch"]

ENOENT = "No such file or directory"
NAT_HOOKS = {"masquerade": ("postrouting",), "snat": ("postrouting", "input"), "dnat": ("prerouting", "output"),
             "redirect": ("prerouting", "output")}


class Batch:
    """One nft invocation's commands against ``nf``; ``ifaces`` says which interfaces exist
    (``iif``/``oif`` need them), ``text`` is the scanned input (for whole-command marks)."""

    def __init__(self, nf: Ruleset, ifaces: Callable[[str], bool], text: str) -> None:
        self.nf = nf
        self.ifaces = ifaces
        self.text = text

    # ---------------------------------------------------------------- hints
    def _table_hint(self, cmd: Command) -> str | None:
        t = misspelled([(t.name, t) for t in self.nf.tables.values()], cmd.table or "")
        return None if t is None else f"{ENOENT}; did you mean table ‘{t.name}’ in family {t.family}?"

    def _chain_hint(self, cmd: Command, only_other: bool) -> str | None:
        """nft_cmd_enoent_chain/_rule: the closest chain anywhere; a table mismatch is named first."""
        cands = [(c.name, (t, c)) for t in self.nf.tables.values() for c in t.chains.values()]
        hit = misspelled(cands, cmd.chain or "")
        if hit is None:
            return None
        table, chain = hit
        if self.nf.get_table(cmd.family, cmd.table or "") is None and (
                table.name != cmd.table or table.family != cmd.family):
            return f"{ENOENT}; did you mean table ‘{table.name}’ in family {table.family}?"
        if only_other and chain.name == cmd.chain:
            return None
        return f"{ENOENT}; did you mean chain ‘{chain.name}’ in table {table.family} ‘{table.name}’?"

    def _set_hint(self, name: str) -> str | None:
        cands = [(s.name, (t, s)) for t in self.nf.tables.values() for s in t.sets.values()]
        hit = misspelled(cands, name)
        if hit is None:
            return None
        table, s = hit
        return f"{ENOENT}; did you mean set ‘{s.name}’ in table {table.family} ‘{table.name}’?"

    def kernel_error(self, cmd: Command, err: KernelNftError, mark: Mark | None = None) -> NftError:
        """The kernel refused ``cmd``: nft's wording and the marked words."""
        what = err.obj
        text = f"Could not process rule: {err.strerror}"
        m = mark
        if m is None:
            key = {"table": "table", "chain": "chain", "rule": "handle", "set": "set", "element": "set"}.get(what)
            if cmd.obj == "rule" and what == "chain" and err.name != cmd.chain:
                m = cmd.marks.get("jump")
            elif what == "rule" and "position" in cmd.marks:
                m = cmd.marks["position"]
            elif cmd.obj == "set" and what == "set":
                m = cmd.marks.get("set")
            else:
                m = cmd.marks.get(key or "", None)
        if m is None:
            m = cmd.marks.get("cmd", Mark(0, 1))
        if err.errno == 2 and what in ("table", "chain") and not (cmd.obj == "rule" and what == "chain"
                                                                 and err.name != cmd.chain):
            hint = None
            if cmd.verb == "delete" and cmd.obj == "table":
                hint = self._table_hint(cmd)
            elif cmd.verb in ("delete", "rename") and cmd.obj == "chain":
                hint = self._chain_hint(cmd, only_other=False)
            elif cmd.obj == "rule" and cmd.verb != "flush":
                hint = self._chain_hint(cmd, only_other=True)
            if hint:
                m = cmd.marks["table"] if "table ‘" in hint else m
                return NftError(hint, m)
        return NftError(text, m)

    # ---------------------------------------------------------------- commands
    def run(self, cmd: Command) -> None:
        try:
            getattr(self, f"_{cmd.obj}")(cmd)
        except KernelNftError as err:
            raise self.kernel_error(cmd, err) from None

    def _need_table(self, cmd: Command) -> None:
        """Evaluation-time table lookup (add chain/set/element): nft's table_not_found()."""
        if self.nf.get_table(cmd.family, cmd.table or "") is None:
            raise NftError(self._table_hint(cmd) or ENOENT, cmd.marks["table"])

    def _table(self, cmd: Command) -> None:
        nf = self.nf
        if cmd.verb in ("add", "create"):
            nf.add_table(cmd.family, cmd.table or "", create=cmd.verb == "create")
            for name, spec, marks in cmd.sets:
                self._add_set(cmd, name, spec, marks)
            for name, chain_spec, marks in cmd.chains:
                sub = Command("add", "chain", cmd.family, cmd.table, name, chain_spec=chain_spec,
                              marks={**cmd.marks, **marks})
                self.run(sub)
        elif cmd.verb == "delete":
            nf.delete_table(cmd.family, cmd.table or "")
        elif cmd.verb == "flush":
            nf.flush_table(cmd.family, cmd.table or "")

    def _chain(self, cmd: Command) -> None:
        nf = self.nf
        fam, table, name = cmd.family, cmd.table or "", cmd.chain or ""
        if cmd.verb in ("add", "create"):
            self._need_table(cmd)
            spec = cmd.chain_spec
            if spec is not None and spec.hook is not None:
                if spec.type not in ("filter", "nat", "route"):
                    raise NftError("unknown chain type", spec.marks["type"])
                if spec.hook not in HOOKS:
                    raise NftError("unknown chain hook", spec.marks["hook"])
                nf.add_chain(fam, table, name, hook=spec.hook, type=spec.type, priority=spec.priority or 0,
                             policy=spec.policy, create=cmd.verb == "create")
            else:
                nf.add_chain(fam, table, name, create=cmd.verb == "create")
            for rule in spec.rules if spec else []:
                sub = Command("add", "rule", fam, table, name, rule=rule, marks=dict(cmd.marks))
                self.run(sub)
        elif cmd.verb == "delete":
            nf.delete_chain(fam, table, name)
        elif cmd.verb == "flush":
            nf.flush_chain(fam, table, name)
        elif cmd.verb == "rename":
            try:
                nf.rename_chain(fam, table, name, cmd.name or "")
            except Exists:              # the new name has no attribute nft could point at: all of it
                raise NftError("Could not process rule: File exists", self._whole(cmd)) from None

    def _rule(self, cmd: Command) -> None:
        nf = self.nf
        fam, table, chain = cmd.family, cmd.table or "", cmd.chain or ""
        if cmd.verb == "delete":
            nf.delete_rule(fam, table, chain, cmd.handle or 0)
            return
        assert cmd.rule is not None
        exprs = rule_exprs(cmd.rule, fam, self.ifaces)
        self._check_sets(cmd, fam, table)
        for item in cmd.rule.items:
            if isinstance(item, Stmt) and item.kind == "verdict" and "target_mark" in item.args:
                cmd.marks["jump"] = item.args["target_mark"]
        self._check_nat(cmd, exprs)
        rule = Rule(exprs=exprs, comment=cmd.rule.comment)
        for item in cmd.rule.items:     # ``counter packets N bytes M`` starts the counter there
            if isinstance(item, Stmt) and item.kind == "counter" and "packets" in item.args:
                rule.packets, rule.bytes = item.args["packets"], item.args["bytes"]
        t = nf.get_table(fam, table)
        if t is not None and chain in t.chains:
            for e in exprs:     # each anonymous set is an object of the table: it takes a handle
                if isinstance(getattr(e, "value", None), E.AnonSet) or (
                        isinstance(e, E.Vmap) and e.ref is None) or (
                        isinstance(e, E.Nat) and e.addr_map is not None and e.addr_map.ref is None):
                    t.new_handle()
        position = cmd.position
        if cmd.index is not None:       # nft turns ``index N`` into the handle of the N-th rule (from 0)
            rules = nf.find_chain(fam, table, chain).rules
            if cmd.index >= len(rules):
                raise NoEntry("rule", str(cmd.index))
            position = rules[cmd.index].handle
        if cmd.verb == "replace":
            nf.replace_rule(fam, table, chain, cmd.handle or 0, rule)
        elif cmd.verb == "insert":
            nf.insert_rule(fam, table, chain, rule, before=position)
        else:
            nf.add_rule(fam, table, chain, rule, after=position)

    def _check_sets(self, cmd: Command, fam: str, table: str) -> None:
        t = self.nf.get_table(fam, table)
        assert cmd.rule is not None
        for item in cmd.rule.items:
            value = getattr(item, "value", None)
            if isinstance(item, Stmt) and "map" in item.args:
                value = item.args["map"][1]
            if value is None or value.kind != "setref":
                continue
            if t is None or value.items[0] not in t.sets:
                raise NftError(self._set_hint(value.items[0]) or ENOENT, value.mark)

    def _check_nat(self, cmd: Command, exprs: tuple) -> None:
        """The kernel's validation: NAT only in nat base chains at the right hooks (EOPNOTSUPP)."""
        chain = None
        t = self.nf.get_table(cmd.family, cmd.table or "")
        if t is not None:
            chain = t.chains.get(cmd.chain or "")
        if chain is None or not chain.base:
            return
        for e in exprs:
            if isinstance(e, E.Nat) and (chain.type != "nat" or chain.hook not in NAT_HOOKS[e.kind]):
                raise NftError("Could not process rule: Operation not supported", self._whole(cmd))

    def _whole(self, cmd: Command) -> Mark:
        """nft marks the whole command (and the newline) when the kernel names no attribute."""
        start = cmd.marks.get("verb", Mark(0, 1)).start
        end = self.text.find("\n", start)
        return Mark(start, (end if end >= 0 else len(self.text)) + 1)

    def _add_set(self, cmd: Command, name: str, spec: Any, marks: dict) -> None:
        if spec.type not in SET_KEYS:
            raise NftError("unknown datatype " + str(spec.type), spec.marks.get("type", Mark(0, 1)))
        if spec.data is not None and spec.data != "verdict" and spec.data not in SET_KEYS:
            raise NftError("unknown datatype " + spec.data, spec.marks.get("data", Mark(0, 1)))
        key = SET_KEYS[spec.type]
        t = self.nf.get_table(cmd.family, cmd.table or "")
        old = t.sets.get(name) if t is not None else None
        if old is not None and (old.type != spec.type or old.flags != spec.flags):
            raise NftError("Could not process rule: File exists", marks.get("set", Mark(0, 1)))
        try:
            self.nf.add_set(cmd.family, cmd.table or "", name, spec.type, flags=spec.flags,
                            create=cmd.verb == "create", data=spec.data)
            if spec.elements:
                self.nf.add_elements(cmd.family, cmd.table or "", name, self._values(key, spec.data, spec.elements))
        except KernelNftError as err:
            raise self.kernel_error(Command(cmd.verb, "set", cmd.family, cmd.table, name=name,
                                            marks={**cmd.marks, **marks}), err) from None

    def _set(self, cmd: Command) -> None:
        if cmd.verb in ("add", "create"):
            self._need_table(cmd)
            self._add_set(cmd, cmd.name or "", cmd.set_spec, {"set": cmd.marks["set"]})
        elif cmd.verb == "delete":
            self.nf.delete_set(cmd.family, cmd.table or "", cmd.name or "")
        elif cmd.verb == "flush":
            self.nf.flush_set(cmd.family, cmd.table or "", cmd.name or "")

    def _element(self, cmd: Command) -> None:
        t = self.nf.get_table(cmd.family, cmd.table or "")
        s = t.sets.get(cmd.name or "") if t is not None else None
        if s is None:
            raise NftError(ENOENT, cmd.marks["set"])
        key = SET_KEYS.get(s.type, "meta mark")
        if cmd.verb == "delete" and s.data is not None:     # a map's elements go by their keys
            keys = [element_value(key, e, self.ifaces) for e in cmd.elements]
            self.nf.delete_elements(cmd.family, cmd.table or "", cmd.name or "",
                                    [next((p for p in s.elements if p[0] == k), (k, None)) for k in keys])
            return
        values = self._values(key, s.data, cmd.elements)
        if cmd.verb == "delete":
            self.nf.delete_elements(cmd.family, cmd.table or "", cmd.name or "", values)
        else:
            self.nf.add_elements(cmd.family, cmd.table or "", cmd.name or "", values)

    def _values(self, key: str, data: str | None, elements: list[Any]) -> list[Any]:
        """Set elements, or a map's (key, data) pairs."""
        if data is None:
            return [element_value(key, e, self.ifaces) for e in elements]
        return [map_pair(key, data, e, self.ifaces) for e in elements]

    def _ruleset(self, cmd: Command) -> None:
        self.nf.flush_ruleset(cmd.family or None)


def execute(nf: Ruleset, cmds: list[Command], text: str, ifaces: Callable[[str], bool], check: bool = False) -> None:
    """Run ``cmds`` as one batch (all or nothing); ``check`` (``nft -c``) undoes even success."""
    batch = Batch(nf, ifaces, text)

    class _Undo(Exception):
        pass

    try:
        with nf.transaction():
            for cmd in cmds:
                if cmd.verb != "list":
                    batch.run(cmd)
            if check:
                raise _Undo()
    except _Undo:
        pass
