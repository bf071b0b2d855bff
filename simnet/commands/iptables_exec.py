"""iptables-nft's half that talks to the kernel: one parsed command becomes nf_tables calls.

iptables 1.8.9 (nf_tables) keeps its tables as nf_tables tables of family ``ip``; a builtin
chain exists in the kernel only once a command used it, user chains are listed sorted by
name. Every change goes through the typed write API of ``node.netfilter``
(:mod:`simnet.kernel.nftables`); one command is one transaction, and the kernel's errno is
worded the way iptables words it.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

from simnet.commands.base import Context
from simnet.commands.iptables_args import illegal_option
from simnet.commands.iptables_canon import NAT_ONLY, TARGETS, TRY, V, IptablesError, canonical_matches, param_error
from simnet.commands.iptables_format import echo_rule, list_chain
from simnet.commands.iptables_reverse import as_iptables
from simnet.kernel.netfilter import BUILTIN_CHAINS, describe_xt
from simnet.kernel.nftables import Busy, Chain, Exists, NftError, Rule, Ruleset, Table, TooManyLinks
from simnet.kernel.nftables.xtables import builtin_view, xt_chain
TYPE_CHECKING = False      # typing's, without importing typing (the seed labs' ip6tables start-up lines)

if TYPE_CHECKING:
    from simnet.commands.iptables import Parsed

    from ipaddress import IPv4Network, IPv6Network

__all__ = ["run", "XtView", "xt_view", "NAT_DROP", "check_compatible"]

NAT_DROP = f'{V}\nThe "nat" table is not intended for filtering, the use of DROP is therefore inhibited.\n\n\n{TRY}'
NO_CHAIN = "iptables: No chain/target/match by that name."
BAD_RULE = "iptables: Bad rule (does a matching rule exist in that chain?)."


@dataclass
class XtView:
    """iptables' picture of one table: the builtin chains (created in nf_tables or not, in
    iptables' order) and the user chains sorted by name."""

    name: str
    table: Table | None
    chains: dict[str, Chain]

    def references(self, name: str) -> int:
        return self.table.references(name) if self.table is not None else 0

    def exists(self, chain: str) -> bool:
        """Does nf_tables have this chain yet (user chains always; base chains once used)?"""
        return self.table is not None and chain in self.table.chains


def xt_view(nf: Ruleset, name: str, family: str = "ip") -> XtView:
    table = nf.get_table(family, name)
    have = {c: as_iptables(ch, family) for c, ch in table.chains.items()} if table is not None else {}
    chains = {c: have.get(c) or builtin_view(name, c) for c in BUILTIN_CHAINS[name]}
    for c in sorted(c for c in have if c not in chains):
        chains[c] = have[c]
    return XtView(name, table, chains)


def check_compatible(view: XtView, chains: list[Chain], chain: str | None, tool: str = "iptables") -> None:
    """A chain holding a rule iptables cannot show (written natively by nft) makes iptables give up."""
    for ch in chains:
        if any(r.xt is None for r in ch.rules) or (ch.base and ch.name not in BUILTIN_CHAINS[view.name]):
            where = f"chain `{chain}' in table" if chain else "table"
            raise IptablesError(f"{tool} v1.8.9 (nf_tables): {where} `{view.name}' is incompatible, use 'nft' tool.",
                                1)


def _chain(view: XtView, name: str | None) -> Chain:
    if name is None or name not in view.chains:
        raise IptablesError(NO_CHAIN, 1)
    return view.chains[name]


def _check_target(p: "Parsed", view: XtView) -> None:
    r = p.rule
    t = r.target
    if t is None:
        return
    if t == "DROP" and p.table == "nat":
        raise IptablesError(NAT_DROP, 2)
    if t not in TARGETS and t not in view.chains:
        raise param_error(f"Chain '{t}' does not exist")
    if t in ("SNAT",) and not r.target_option("to-source"):
        raise IptablesError(f"{V}SNAT: option \"--to-source\" must be specified\n\n{TRY}", 2)
    if t in ("DNAT",) and not r.target_option("to-destination"):
        raise IptablesError(f"{V}DNAT: option \"--to-destination\" must be specified\n\n{TRY}", 2)
    port_proto = r.proto in ("tcp", "udp", "sctp", "dccp") and not r.proto_neg
    if t in ("MASQUERADE", "REDIRECT") and r.target_option("to-ports") and not port_proto:
        raise param_error("Need TCP, UDP, SCTP or DCCP with port specification")
    if t in ("SNAT", "DNAT") and ":" in (r.target_option("to-source") or r.target_option("to-destination") or "") \
            and not port_proto and p.family != "ip6":
        raise param_error("Need TCP, UDP, SCTP or DCCP with port specification")
    if p.chain == "INPUT" and r.out_iface is not None:
        raise IptablesError(f"{V}Can't use -o with INPUT\n\n{TRY}", 2)
    if p.chain == "OUTPUT" and r.in_iface is not None:
        raise IptablesError(f"{V}Can't use -i with OUTPUT\n\n{TRY}", 2)


OPS = {"append": "RULE_APPEND", "insert": "RULE_INSERT", "replace": "RULE_REPLACE"}


def _check_kernel(p: "Parsed") -> None:
    """What only the kernel refuses when the rule arrives (xt target checkentry: EINVAL)."""
    r = p.rule
    t = r.target
    bad_nat = t in NAT_ONLY and (p.table != "nat" or p.chain in BUILTIN_CHAINS["nat"] and p.chain not in NAT_ONLY[t])
    bad_reset = t == "REJECT" and r.target_option("reject-with") == "tcp-reset" and (r.proto != "tcp" or r.proto_neg)
    if bad_nat or bad_reset or p.any_negated:
        raise IptablesError(f"{V} {OPS.get(p.command or '', 'RULE_APPEND')} failed (Invalid argument): "
                            f"rule in chain {p.chain}", 4)


def rule_number(text: str | None) -> int:
    """iptables checks the number's form while parsing: ``0`` and ``abc`` are usage errors."""
    if text is None:
        return 1
    if not text.isdigit() or int(text) < 1:
        raise param_error(f"Invalid rule number `{text}'")
    return int(text)


def _rule_index(text: str | None, chain: Chain, what: str, exists: bool = True) -> int:
    """0-based index for insert/delete/replace; nf_tables names the failing operation (a base chain
    nf_tables has not created yet has no rules to find at all)."""
    n = rule_number(text)
    limit = len(chain.rules) + (1 if what == "insertion" else 0)
    if n > limit:
        if not exists and what != "insertion":
            raise IptablesError(NO_CHAIN, 1)
        raise IptablesError(f"iptables: Index of {what} too big.", 1)
    return n - 1


def _flush_or_zero(ctx: Context, p: "Parsed", view: XtView, cmd: str) -> None:
    """-F -v names every builtin chain, -Z -v only those nf_tables has (neither creates any)."""
    nf = ctx.node.netfilter
    chains = [_chain(view, p.chain)] if p.chain else \
        [ch for ch in view.chains.values() if cmd == "flush" or view.exists(ch.name)]
    for ch in chains:
        if p.verbose:
            ctx.print(f"{'Flushing' if cmd == 'flush' else 'Zeroing'} chain `{ch.name}'")
        if not view.exists(ch.name):
            continue
        if cmd == "flush":
            nf.flush_chain(p.family, p.table, ch.name)
        else:
            nf.zero_counters(p.family, p.table, ch.name)


def run(ctx: Context, p: "Parsed") -> int:
    """One command, one transaction: a table or chain a failing command would create does not appear."""
    nf = ctx.node.netfilter
    try:
        with nf.transaction():
            code = _run_one(ctx, p)
    except TooManyLinks as exc:
        raise IptablesError(f"{V} {OPS.get(p.command or '', 'RULE_APPEND')} failed (Too many links): "
                            f"rule in chain {exc.name}", 4) from None
    if code == 0 and p.zero_too:
        _flush_or_zero(ctx, p, xt_view(nf, p.table, p.family), "zero")
    return code


def _rules_to_add(p: "Parsed") -> list[Rule]:
    srcs: list[IPv4Network | IPv6Network | None] = [*p.srcs] or [p.rule.src]
    dsts: list[IPv4Network | IPv6Network | None] = [*p.dsts] or [p.rule.dst]
    return [Rule(xt=replace(p.rule, src=s, dst=d)) for s in srcs for d in dsts]


def _rule_command(ctx: Context, p: "Parsed", view: XtView) -> int:
    nf = ctx.node.netfilter
    cmd = p.command
    canonical_matches(p.rule)
    if not (cmd == "delete" and p.arg is not None):
        _check_target(p, view)
    if cmd in ("delete", "check") and p.arg is None and p.chain not in view.chains:
        raise IptablesError(BAD_RULE, 1)
    chain = _chain(view, p.chain)
    fam, tab = p.family, p.table
    if cmd == "delete" and p.arg is not None:
        victim = chain.rules[_rule_index(p.arg, chain, "deletion", view.exists(chain.name))]
        nf.delete_rule(fam, tab, chain.name, victim.handle)
        return 0
    _check_kernel(p)
    rules = _rules_to_add(p)
    if p.verbose:
        for rule in rules:
            assert rule.xt is not None
            ctx.print(echo_rule(rule.xt, fam == "ip6"))
    if cmd in ("check", "delete"):
        for rule in rules:
            found = next((r for r in chain.rules if r.xt == rule.xt), None)
            if found is None:
                raise IptablesError(BAD_RULE, 1)
            if cmd == "delete":
                nf.delete_rule(fam, tab, chain.name, found.handle)
        return 0
    if cmd == "replace":
        old = chain.rules[_rule_index(p.arg, chain, "replacement", view.exists(chain.name))]
        xt_chain(nf, tab, chain.name, fam)
        for rule in rules:
            nf.replace_rule(fam, tab, chain.name, old.handle, rule)
        return 0
    where = _rule_index(p.arg, chain, "insertion") if cmd == "insert" else None
    xt_chain(nf, tab, chain.name, fam)
    for rule in rules:
        if where is None:
            nf.add_rule(fam, tab, chain.name, rule)
        else:
            nf.insert_rule(fam, tab, chain.name, rule, index=where)
            where += 1
    return 0


def _run_one(ctx: Context, p: "Parsed") -> int:
    nf = ctx.node.netfilter
    cmd = p.command
    if cmd is None:
        raise IptablesError(f"{V}no command specified\n{TRY}", 2)
    bad = illegal_option("delete-num" if cmd == "delete" and p.arg is not None else cmd, p.seen)
    if bad:
        raise param_error(f"Illegal option `{bad}' with this command")
    if p.table not in BUILTIN_CHAINS:
        raise IptablesError(f"{V}table '{p.table}' does not exist\nPerhaps iptables or your kernel needs to be "
                            "upgraded.", 3)
    modifying = cmd not in ("list", "list-rules", "check")
    if modifying:
        nf.add_table(p.family, p.table)
    view = xt_view(nf, p.table, p.family)
    fam, tab = p.family, p.table
    if cmd in ("append", "insert", "delete", "replace", "check"):
        return _rule_command(ctx, p, view)
    if cmd == "new":
        if p.chain is None:
            raise param_error("option \"-N\" requires an argument")
        if p.chain in view.chains:
            raise IptablesError("iptables: Chain already exists.", 1)
        nf.add_chain(fam, tab, p.chain, create=True)
        return 0
    if cmd == "delete-chain":
        names = [p.chain] if p.chain else [c for c, ch in view.chains.items() if not ch.builtin]
        if not p.chain:
            # -X without a chain also removes the base chains nothing needs any more (empty, policy ACCEPT)
            for ch in view.chains.values():
                if ch.builtin and view.exists(ch.name) and not ch.rules and ch.policy == "ACCEPT":
                    nf.delete_chain(fam, tab, ch.name)
        for name in names:
            ch = _chain(view, name)
            if ch.builtin:
                raise IptablesError(NO_CHAIN, 1)
            try:
                nf.delete_chain(fam, tab, name, recursive=False)
            except Busy:
                raise IptablesError(f"{V} CHAIN_DEL failed (Device or resource busy): chain {name}", 4) from None
            if p.verbose:
                ctx.print(f"Deleting chain `{name}'")
        return 0
    if cmd == "policy":
        if p.table == "nat" and p.arg == "DROP":
            raise IptablesError(NAT_DROP, 2)
        if p.arg not in ("ACCEPT", "DROP"):
            raise IptablesError("iptables: Bad policy name. Run `dmesg' for more information.", 1)
        builtin = view.chains.get(p.chain or "")
        if builtin is None or not builtin.builtin:
            raise IptablesError("iptables: Bad built-in chain name.", 1)
        xt_chain(nf, tab, builtin.name, fam)
        nf.set_policy(fam, tab, builtin.name, p.arg, counted=True)
        return 0
    if cmd in ("flush", "zero"):
        _flush_or_zero(ctx, p, view, cmd)
        return 0
    if cmd == "rename":
        ch = _chain(view, p.chain)
        if ch.builtin:
            raise IptablesError(NO_CHAIN, 1)
        if not p.arg:
            raise param_error("option \"-E\" requires an argument")
        if p.arg in view.chains:
            raise IptablesError("iptables: File exists.", 1)
        try:
            nf.rename_chain(fam, tab, ch.name, p.arg)
        except Exists:
            raise IptablesError("iptables: File exists.", 1) from None
        return 0
    return _list(ctx, p, view)


def _list(ctx: Context, p: "Parsed", view: XtView) -> int:
    if p.chain and p.chain not in view.chains:
        raise IptablesError(f"{V}chain `{p.chain}' in table `{p.table}' is incompatible, use 'nft' tool.", 1)
    chains = [_chain(view, p.chain)] if p.chain else list(view.chains.values())
    check_compatible(view, chains, p.chain)
    if p.command == "list-rules":
        if p.arg is not None:         # -S CHAIN N: just that rule
            n = int(p.arg)
            if n <= len(chains[0].rules):
                ctx.print(_spec_line(chains[0], chains[0].rules[n - 1], p.verbose))
            return 0
        for ch in chains:
            line = f"-P {ch.name} {ch.policy}" if ch.builtin else f"-N {ch.name}"
            ctx.print(line + (f" -c {ch.packets} {ch.bytes}" if p.verbose and ch.builtin else ""))
        for ch in chains:
            for r in ch.rules:
                ctx.print(_spec_line(ch, r, p.verbose))
        return 0
    if p.arg is not None:             # -L CHAIN N: only that rule's line, no header
        lines = list_chain(view.references(chains[0].name), chains[0].name, chains[0], p.numeric, p.verbose,
                           p.exact, p.line_numbers, p.family == "ip6")[2:]
        n = int(p.arg)
        if n <= len(lines):
            ctx.print(lines[n - 1])
        return 0
    blocks = ["\n".join(list_chain(view.references(ch.name), ch.name, ch, p.numeric, p.verbose, p.exact,
                                   p.line_numbers, p.family == "ip6")) for ch in chains]
    ctx.out.append("\n\n".join(blocks) + "\n")
    return 0


def _spec_line(chain: Chain, rule: Rule, counters: bool) -> str:
    assert rule.xt is not None
    return f"-A {chain.name} {describe_xt(rule.xt, (rule.packets, rule.bytes) if counters else None)}".rstrip()


def kernel_error(exc: NftError) -> IptablesError:
    """An errno the translator did not expect, worded as iptables would."""
    return IptablesError(f"iptables: {exc.strerror}.", 1)
