"""``iptables`` / ``iptables-save`` 1.8.9 (nf_tables) over the netfilter model.

The parser turns argv into a :class:`~simnet.kernel.netfilter.Rule` (adding
the implicit ``-m tcp``/``-m udp``/``-m icmp`` that iptables adds), runs the
command against the node's tables and prints exactly what iptables prints.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from ipaddress import IPv4Address, IPv4Network

from simnet.commands.base import Context
from simnet.commands.iptables_args import MODULE_LONG, ArgError, Tokens, illegal_option
from simnet.commands.iptables_canon import (LOG_FLAGS, MATCH_MODULES, NAT_ONLY, TARGETS, TRY, V, IptablesError,
                                            canonical_matches, canonical_ports, canonical_target, param_error)
from simnet.commands.iptables_save import save_main
from simnet.commands.netfilter_help import IPTABLES_HELP
from simnet.commands.iptables_format import NUM_PROTO, PROTO_NUM, echo_rule, list_chain
from simnet.kernel.netfilter import BUILTIN_CHAINS, Chain, Match, Rule, Table, describe_rule

NAT_DROP = f'{V}\nThe "nat" table is not intended for filtering, the use of DROP is therefore inhibited.\n\n\n{TRY}'

__all__ = ["main", "save_main", "IptablesError"]

COMMANDS = {"-A": "append", "--append": "append", "-I": "insert", "--insert": "insert", "-D": "delete",
            "--delete": "delete", "-R": "replace", "--replace": "replace", "-F": "flush", "--flush": "flush",
            "-Z": "zero", "--zero": "zero", "-N": "new", "--new-chain": "new", "-X": "delete-chain",
            "--delete-chain": "delete-chain", "-P": "policy", "--policy": "policy", "-L": "list", "--list": "list",
            "-S": "list-rules", "--list-rules": "list-rules", "-E": "rename", "--rename-chain": "rename",
            "-C": "check", "--check": "check"}


@dataclass
class Parsed:
    table: str = "filter"
    command: str | None = None
    chain: str | None = None
    arg: str | None = None          # rule number, new name or policy
    numeric: bool = False
    verbose: bool = False
    exact: bool = False
    line_numbers: bool = False
    rule: Rule = field(default_factory=Rule)
    has_spec: bool = False
    seen: set[str] = field(default_factory=set)   # option letters for the legality check
    zero_too: bool = False          # -L -Z: list, then zero the counters
    any_negated: bool = False       # ! -s 0.0.0.0/0: the kernel answers EINVAL
    srcs: list[IPv4Network] = field(default_factory=list)   # -s a,b: one rule per address pair
    dsts: list[IPv4Network] = field(default_factory=list)


def _net(text: str) -> IPv4Network:
    addr, slash, plen = text.partition("/")
    parts = addr.split(".")
    if 0 < len(parts) < 4 and all(x.isdigit() and int(x) <= 255 for x in parts):
        addr = ".".join(parts + ["0"] * (4 - len(parts)))    # xtables: "10.1" is 10.1.0.0, "0" is 0.0.0.0
    if slash and not (plen.isdigit() and int(plen) <= 32) and "." not in plen:
        raise param_error(f"invalid mask `{plen}' specified")
    try:
        IPv4Address(addr)
        return IPv4Network(f"{addr}/{plen}" if slash else f"{addr}/32", strict=False)
    except ValueError:
        if slash and "." in plen:
            raise param_error(f"invalid mask `{plen}' specified") from None
        raise param_error(f"host/network `{text}' not found") from None


def parse(argv: list[str]) -> Parsed:
    """Read the command line in getopt's order: the first problem met is the one reported."""
    tokens = Tokens(argv)
    try:
        return _parse(tokens)
    except ArgError as exc:
        if exc.missing:
            raise param_error(f'option "{exc.text}" requires an argument') from None
        raise param_error(f'unknown option "{exc.text}"') from None


PLAIN_TARGETS = {"ACCEPT", "DROP", "RETURN", "QUEUE", "NOTRACK"}
SINGLE = {"-s": "s", "--source": "s", "--src": "s", "-d": "d", "--destination": "d", "--dst": "d",
          "-i": "i", "--in-interface": "i", "-o": "o", "--out-interface": "o", "-p": "p", "--protocol": "p",
          "-j": "j", "--jump": "j", "-g": "j", "--goto": "j", "-n": "n", "--numeric": "n", "-x": "x",
          "--exact": "x", "--line-numbers": "0"}
IMPLICIT = {"dport": None, "sport": None, "destination-port": None, "source-port": None,
            "icmp-type": "icmp", "tcp-flags": "tcp", "syn": "tcp"}


LETTER = {"append": "A", "insert": "I", "delete": "D", "replace": "R", "flush": "F", "zero": "Z", "new": "N",
          "delete-chain": "X", "policy": "P", "list": "L", "list-rules": "S", "rename": "E", "check": "C"}


def _command(tokens: Tokens, p: Parsed, a: str) -> None:
    """A command option and the chain / rule number / policy / new name that go with it.

    getopt fetches a required argument before iptables looks at the command, so a missing
    argument wins over a clash; -L/-S may be combined with -Z (list, then zero)."""
    cmd = COMMANDS[a]
    short = "-" + LETTER[cmd]
    chain = tokens.take(a) if cmd in ("append", "insert", "delete", "replace", "new", "policy", "rename",
                                      "check") else None
    if cmd == "new":
        if chain.startswith("-"):
            raise param_error("chain name not allowed to start with `-'")
        if len(chain) > 28:
            raise param_error(f"chain name `{chain}' too long (must be under 29 chars)")
        if chain in TARGETS:
            raise param_error("chain name may not clash with target name")
    if p.command is not None:
        pair = {p.command, cmd}
        if "zero" in pair and pair & {"list", "list-rules"} and not p.zero_too:
            p.zero_too = True
            p.command = "list" if "list" in pair else "list-rules"
            if chain is None and p.chain is None:
                p.chain = tokens.attached() or tokens.word()
            return
        raise param_error(f"Cannot use {short} with -{LETTER[p.command]}")
    p.command = cmd
    p.chain = chain if chain is not None else (tokens.attached() or tokens.word())
    if cmd in ("insert", "delete", "replace", "list", "list-rules", "zero") and p.chain is not None:
        p.arg = tokens.word()
        if p.arg is not None:
            _rule_number(p.arg)
        elif cmd == "replace":
            raise param_error(f"{short} requires a rule number")
    elif cmd in ("policy", "rename"):
        p.arg = tokens.word()
        if p.arg is None:
            raise param_error("-P requires a chain and a policy" if cmd == "policy"
                              else "-E requires old-chain-name and new-chain-name")


def _owner(name: str, current: tuple[str, list] | None, r: Rule) -> str | None:
    """Which extension a long option belongs to, as getopt's merged option table decides:
    the open match, the target, the protocol's implicit match, else an undescribed extension."""
    module = current[0] if current else None
    if module is not None and name in MODULE_LONG.get(module, ()):
        return "match"
    if r.target is not None and name in MODULE_LONG.get(r.target, ()):
        return "target"
    if name in IMPLICIT and r.proto in ("tcp", "udp", "icmp") and name in MODULE_LONG[r.proto]:
        return "match"
    if module is not None and module not in MODULE_LONG:
        return "match"
    if r.target is not None and r.target in TARGETS and r.target not in MODULE_LONG and \
            r.target not in PLAIN_TARGETS:
        return "target"
    return None


def _parse(tokens: Tokens) -> Parsed:
    p = Parsed()
    r = p.rule
    matches: list[Match] = []
    current: tuple[str, list[tuple[str, str, bool]]] | None = None
    target_opts: list[tuple[str, str]] = []
    hosts: dict[str, tuple[str, bool]] = {}
    neg = False

    def close_match() -> None:
        nonlocal current
        if current is not None:
            matches.append(Match(current[0], tuple(current[1])))
            current = None

    while (a := tokens.next_option()) is not None:
        take = lambda: tokens.take(a)  # noqa: E731
        if a == "!":
            if neg:
                raise param_error("multiple consecutive ! not allowed")
            neg = True
            continue
        if a in SINGLE:
            if SINGLE[a] in p.seen:
                raise param_error(f"multiple -{SINGLE[a]} flags not allowed")
            p.seen.add(SINGLE[a])
        if a in ("-V", "--version"):
            raise _Version()
        if a in ("-h", "--help"):
            raise _Version(IPTABLES_HELP)
        elif a in COMMANDS:
            _command(tokens, p, a)
        elif a in ("-t", "--table"):
            p.table = take()
        elif a in ("-n", "--numeric"):
            p.numeric = True
        elif a in ("-v", "--verbose"):
            p.seen.add("v")
            p.verbose = True
        elif a in ("-x", "--exact"):
            p.exact = True
        elif a == "--line-numbers":
            p.line_numbers = True
        elif a in ("-w", "--wait", "-W", "--wait-interval"):
            seconds = tokens.attached() or tokens.word()
            if seconds is not None and not seconds.replace(".", "", 1).isdigit():
                raise param_error("wait seconds not numeric")
        elif a in ("-s", "--source", "--src"):
            hosts["s"] = (take(), neg)
            p.has_spec = True
        elif a in ("-d", "--destination", "--dst"):
            hosts["d"] = (take(), neg)
            p.has_spec = True
        elif a in ("-i", "--in-interface"):
            r.in_iface, r.in_neg = take(), neg
            p.has_spec = True
        elif a in ("-o", "--out-interface"):
            r.out_iface, r.out_neg = take(), neg
            p.has_spec = True
        elif a in ("-p", "--protocol"):
            proto = take().lower()
            if proto not in PROTO_NUM and not (proto.isdigit() and int(proto) < 256):
                raise param_error(f"unknown protocol \"{proto}\" specified")
            if proto.isdigit():
                proto = NUM_PROTO.get(int(proto), proto)
            tokens.loaded.add(proto)
            r.proto, r.proto_neg = (None if proto == "all" and not neg else proto), neg
            p.has_spec = True
        elif a in ("-m", "--match"):
            if neg:
                raise param_error("unexpected ! flag before --match")
            close_match()
            module = take()
            if module not in MATCH_MODULES:
                raise IptablesError(f"{V}Couldn't load match `{module}':No such file or directory\n\n{TRY}", 2)
            tokens.loaded.add(module)
            current = (module, [])
        elif a in ("-j", "--jump", "-g", "--goto"):
            close_match()
            r.target = take()
            tokens.loaded.add(r.target)
            r.goto = a in ("-g", "--goto")
            p.has_spec = True
        elif a.startswith("--") and _owner(a[2:], current, r) == "target":
            name = a[2:]
            flag = name in ("random", "random-fully", "persistent", "notrack", "save-mark", "restore-mark") or \
                name in LOG_FLAGS
            target_opts.append((name, "" if flag else take()))
        elif a.startswith("--"):
            name = a[2:]
            if _owner(name, current, r) is None:
                raise param_error(f"unknown option \"{a}\"")
            if current is None or (name in IMPLICIT and name not in MODULE_LONG.get(current[0], (name,))):
                close_match()
                if name not in IMPLICIT or r.proto not in ("tcp", "udp", "icmp"):
                    raise param_error(f"unknown option \"{a}\"")
                current = (r.proto, [])
            if current[0] == "multiport" and r.proto not in ("tcp", "udp", "udplite", "sctp", "dccp"):
                raise param_error("multiport needs `-p tcp', `-p udp', `-p udplite', `-p sctp' or `-p dccp'"
                                  if r.proto is None else "multiport only works with TCP, UDP, UDPLITE, SCTP and DCCP")
            value = "" if name == "syn" else take()
            if name in ("dport", "sport", "destination-port", "source-port") and current[0] in ("tcp", "udp"):
                canonical_ports(value, current[0])      # checked when read, like libxt_tcp's parser
            if name == "tcp-flags":
                value = value + " " + take()
            name = {"destination-port": "dport", "source-port": "sport"}.get(name, name)
            current[1].append((name, value, neg))
            p.has_spec = True
        elif a.startswith("-") and a != "-":
            raise param_error(f"unknown option \"{a}\"")
        else:
            raise IptablesError(f"Bad argument `{a}'\n{TRY}", 2)
        neg = False
    if neg:
        raise param_error("nothing appropriate following !")
    close_match()
    # iptables resolves hosts after the whole command line was read
    # 0.0.0.0/0 matches everything and is not stored; negated, nf_tables refuses the rule later
    if "s" in hosts:
        p.srcs = [_net(x) for x in hosts["s"][0].split(",")]
        r.src, r.src_neg = p.srcs[0], hosts["s"][1]
        if r.src.prefixlen == 0 and len(p.srcs) == 1:
            p.any_negated = p.any_negated or r.src_neg
            r.src, p.srcs = None, []
    if "d" in hosts:
        p.dsts = [_net(x) for x in hosts["d"][0].split(",")]
        r.dst, r.dst_neg = p.dsts[0], hosts["d"][1]
        if r.dst.prefixlen == 0 and len(p.dsts) == 1:
            p.any_negated = p.any_negated or r.dst_neg
            r.dst, p.dsts = None, []
    r.matches = tuple(matches)
    r.target_options = tuple(canonical_target(r.target, target_opts))
    return p


def _table(ctx: Context, name: str, create: bool) -> Table | None:
    if name not in BUILTIN_CHAINS:
        raise IptablesError(f"{V}table '{name}' does not exist\nPerhaps iptables or your kernel needs to be upgraded.", 3)
    return ctx.node.netfilter.table(name, create=create)


def _chain(table: Table, name: str | None) -> Chain:
    if name is None or name not in table.chains:
        raise IptablesError("iptables: No chain/target/match by that name.", 1)
    return table.chains[name]


def _in_nft(ctx: Context, p: Parsed, chain: Chain) -> bool:
    """Does nf_tables have this chain yet (user chains always; base chains once used)?"""
    table = ctx.node.netfilter.tables.get(p.table)
    return table is not None and (not chain.builtin or chain.name in table.__dict__.get("nft_order", []))


def _loop_from_base(table: Table) -> bool:
    """nf_tables refuses (ELOOP) a rule set in which a base chain reaches a jump loop; loops among
    user chains nobody jumps to from a base chain are allowed."""
    clean: set[str] = set()                 # chains already known not to lead into a loop

    def reaches_loop(name: str, path: tuple[str, ...]) -> bool:
        if name in path:
            return True
        chain = table.chains.get(name)
        if chain is None or name in clean:
            return False
        if any(reaches_loop(r.target, path + (name,)) for r in chain.rules
               if r.target in table.chains and not table.chains[r.target].builtin):
            return True
        clean.add(name)
        return False
    return any(reaches_loop(c.name, ()) for c in table.chains.values() if c.builtin)


def _touch(table: Table, chain: str) -> None:
    """nf_tables creates a base chain when a command first uses it (nft shows only those)."""
    order = table.__dict__.setdefault("nft_order", [])
    if chain not in order:
        order.append(chain)


def _check_target(p: Parsed, table: Table) -> None:
    r = p.rule
    t = r.target
    if t is None:
        return
    if t == "DROP" and p.table == "nat":
        raise IptablesError(NAT_DROP, 2)
    if t not in TARGETS and t not in table.chains:
        raise param_error(f"Chain '{t}' does not exist")
    if t in ("SNAT",) and not r.target_option("to-source"):
        raise IptablesError(f"{V}SNAT: option \"--to-source\" must be specified\n\n{TRY}", 2)
    if t in ("DNAT",) and not r.target_option("to-destination"):
        raise IptablesError(f"{V}DNAT: option \"--to-destination\" must be specified\n\n{TRY}", 2)
    port_proto = r.proto in ("tcp", "udp", "sctp", "dccp") and not r.proto_neg
    if t in ("MASQUERADE", "REDIRECT") and r.target_option("to-ports") and not port_proto:
        raise param_error("Need TCP, UDP, SCTP or DCCP with port specification")
    if t in ("SNAT", "DNAT") and ":" in (r.target_option("to-source") or r.target_option("to-destination") or "") \
            and not port_proto:
        raise param_error("Need TCP, UDP, SCTP or DCCP with port specification")
    if p.chain == "INPUT" and r.out_iface is not None:
        raise IptablesError(f"{V}Can't use -o with INPUT\n\n{TRY}", 2)
    if p.chain == "OUTPUT" and r.in_iface is not None:
        raise IptablesError(f"{V}Can't use -i with OUTPUT\n\n{TRY}", 2)


def _check_kernel(p: Parsed) -> None:
    """What only the kernel refuses when the rule arrives (xt target checkentry: EINVAL)."""
    r = p.rule
    t = r.target
    bad_nat = t in NAT_ONLY and (p.table != "nat" or p.chain in BUILTIN_CHAINS["nat"] and p.chain not in NAT_ONLY[t])
    bad_reset = t == "REJECT" and r.target_option("reject-with") == "tcp-reset" and (r.proto != "tcp" or r.proto_neg)
    if bad_nat or bad_reset or p.any_negated:
        op = {"append": "RULE_APPEND", "insert": "RULE_INSERT", "replace": "RULE_REPLACE"}.get(p.command or "",
                                                                                           "RULE_APPEND")
        raise IptablesError(f"{V} {op} failed (Invalid argument): rule in chain {p.chain}", 4)


class _Version(Exception):
    """-V (or -h with the help text): printed the moment getopt reaches it, exit 0."""

    def __init__(self, text: str = "iptables v1.8.9 (nf_tables)\n") -> None:
        super().__init__(text)
        self.text = text


def main(ctx: Context) -> int:
    try:
        return _run(ctx, parse(list(ctx.args)))
    except _Version as done:
        ctx.out.append(done.text)
        return 0
    except IptablesError as exc:
        ctx.eprint(exc.message)
        return exc.code


def _rule_number(text: str | None) -> int:
    """iptables checks the number's form while parsing: ``0`` and ``abc`` are usage errors."""
    if text is None:
        return 1
    if not text.isdigit() or int(text) < 1:
        raise param_error(f"Invalid rule number `{text}'")
    return int(text)


def _rule_index(text: str | None, chain: Chain, what: str, exists: bool = True) -> int:
    """0-based index for insert/delete/replace; nf_tables names the failing operation (a base chain
    nf_tables has not created yet has no rules to find at all)."""
    n = _rule_number(text)
    limit = len(chain.rules) + (1 if what == "insertion" else 0)
    if n > limit:
        if not exists and what != "insertion":
            raise IptablesError("iptables: No chain/target/match by that name.", 1)
        raise IptablesError(f"iptables: Index of {what} too big.", 1)
    return n - 1


def _flush_or_zero(ctx: Context, p: Parsed, view: Table, cmd: str) -> None:
    """-F -v names every builtin chain, -Z -v only those nf_tables has (neither creates any)."""
    order = view.__dict__.get("nft_order", [])
    chains = [_chain(view, p.chain)] if p.chain else \
        [ch for ch in view.chains.values() if cmd == "flush" or not ch.builtin or ch.name in order]
    for ch in chains:
        if p.verbose:
            ctx.print(f"{'Flushing' if cmd == 'flush' else 'Zeroing'} chain `{ch.name}'")
        if cmd == "flush":
            ch.rules.clear()
        else:
            ch.packets = ch.bytes = 0
            for r in ch.rules:
                r.packets = r.bytes = 0


def _run(ctx: Context, p: Parsed) -> int:
    """One command; like an nf_tables transaction, a table a failing command would create does not appear."""
    nf = ctx.node.netfilter
    had = p.table in nf.tables
    try:
        code = _run_one(ctx, p)
    except IptablesError:
        if not had:
            nf.tables.pop(p.table, None)
        raise
    if code == 0 and p.zero_too:
        view = ctx.node.netfilter.tables.get(p.table) or Table.with_builtins(p.table)
        _flush_or_zero(ctx, p, view, "zero")
    return code


def _run_one(ctx: Context, p: Parsed) -> int:
    if p.command is None:
        raise IptablesError(f"{V}no command specified\n{TRY}", 2)
    bad = illegal_option("delete-num" if p.command == "delete" and p.arg is not None else p.command, p.seen)
    if bad:
        raise param_error(f"Illegal option `{bad}' with this command")
    modifying = p.command not in ("list", "list-rules", "check")
    table = _table(ctx, p.table, create=modifying)
    view = table if table is not None else Table.with_builtins(p.table)
    cmd = p.command
    if cmd in ("append", "insert", "delete", "replace", "check"):
        canonical_matches(p.rule)
        if not (cmd == "delete" and p.arg is not None):
            _check_target(p, view)
        if cmd in ("delete", "check") and p.arg is None and p.chain not in view.chains:
            raise IptablesError("iptables: Bad rule (does a matching rule exist in that chain?).", 1)
        chain = _chain(view, p.chain)
        if cmd == "delete" and p.arg is not None:
            del chain.rules[_rule_index(p.arg, chain, "deletion", _in_nft(ctx, p, chain))]
            _touch(view, chain.name)
            return 0
        _check_kernel(p)
        rules = [replace(p.rule, src=s, dst=d) for s in (p.srcs or [p.rule.src]) for d in (p.dsts or [p.rule.dst])]
        if p.verbose:
            for rule in rules:
                ctx.print(echo_rule(rule))
        where = _rule_index(p.arg, chain, "insertion") if cmd == "insert" else 0
        before = list(chain.rules)
        for rule in rules:
            if cmd == "append":
                chain.rules.append(rule)
            elif cmd == "insert":
                chain.rules.insert(where, rule)
                where += 1
            elif cmd == "replace":
                chain.rules[_rule_index(p.arg, chain, "replacement", _in_nft(ctx, p, chain))] = rule
            else:
                found = next((k for k, existing in enumerate(chain.rules) if existing.same_spec(rule)), None)
                if found is None:
                    raise IptablesError("iptables: Bad rule (does a matching rule exist in that chain?).", 1)
                if cmd == "delete":
                    del chain.rules[found]
        if cmd in ("append", "insert", "replace") and _loop_from_base(view):
            chain.rules[:] = before
            op = {"append": "RULE_APPEND", "insert": "RULE_INSERT", "replace": "RULE_REPLACE"}[cmd]
            raise IptablesError(f"{V} {op} failed (Too many links): rule in chain {chain.name}", 4)
        if cmd != "check":
            _touch(view, chain.name)
        return 0
    if cmd == "new":
        if p.chain is None:
            raise param_error("option \"-N\" requires an argument")
        if p.chain in view.chains:
            raise IptablesError("iptables: Chain already exists.", 1)
        if len(p.chain) > 28:
            raise param_error(f"chain name `{p.chain}' too long (must be under 29 chars)")
        if p.chain in TARGETS:
            raise param_error("chain name may not clash with target name")
        view.chains[p.chain] = Chain(p.chain)
        _touch(view, p.chain)
        return 0
    if cmd == "delete-chain":
        names = [p.chain] if p.chain else [c for c, ch in view.chains.items() if not ch.builtin]
        for name in names:
            ch = _chain(view, name)
            if ch.builtin:
                raise IptablesError("iptables: No chain/target/match by that name.", 1)
            if view.references(name) or ch.rules:
                raise IptablesError(f"{V} CHAIN_DEL failed (Device or resource busy): chain {name}", 4)
            del view.chains[name]
            if p.verbose:
                ctx.print(f"Deleting chain `{name}'")
            order = view.__dict__.get("nft_order", [])
            if name in order:
                order.remove(name)
        return 0
    if cmd == "policy":
        if p.table == "nat" and p.arg == "DROP":
            raise IptablesError(NAT_DROP, 2)
        if p.arg not in ("ACCEPT", "DROP"):
            raise IptablesError("iptables: Bad policy name. Run `dmesg' for more information.", 1)
        ch = view.chains.get(p.chain or "")
        if ch is None or not ch.builtin:
            raise IptablesError("iptables: Bad built-in chain name.", 1)
        ch.policy = p.arg
        ch.packets = ch.bytes = 0     # -P gives the base chain counters (zeroed): from now on policy hits count
        ch.counted = True
        _touch(view, ch.name)
        return 0
    if cmd in ("flush", "zero"):
        _flush_or_zero(ctx, p, view, cmd)
        return 0
    if cmd == "rename":
        ch = _chain(view, p.chain)
        if ch.builtin:
            raise IptablesError("iptables: No chain/target/match by that name.", 1)
        if not p.arg:
            raise param_error("option \"-E\" requires an argument")
        if p.arg in view.chains:
            raise IptablesError("iptables: File exists.", 1)
        del view.chains[ch.name]
        for c in view.chains.values():
            for r in c.rules:
                if r.target == ch.name:
                    r.target = p.arg
        ch.name = p.arg
        view.chains[p.arg] = ch
        return 0
    if cmd == "list-rules":
        if p.chain and p.chain not in view.chains:
            raise IptablesError(f"{V}chain `{p.chain}' in table `{p.table}' is incompatible, use 'nft' tool.", 1)
        chains = [_chain(view, p.chain)] if p.chain else list(view.chains.values())
        if p.arg is not None:         # -S CHAIN N: just that rule
            n = int(p.arg)
            if n <= len(chains[0].rules):
                ctx.print(f"-A {chains[0].name} {describe_rule(chains[0].rules[n - 1], p.verbose)}".rstrip())
            return 0
        for ch in chains:
            line = f"-P {ch.name} {ch.policy}" if ch.builtin else f"-N {ch.name}"
            ctx.print(line + (f" -c {ch.packets} {ch.bytes}" if p.verbose and ch.builtin else ""))
        for ch in chains:
            for r in ch.rules:
                ctx.print(f"-A {ch.name} {describe_rule(r, p.verbose)}".rstrip())
        return 0
    # list
    if p.chain and p.chain not in view.chains:
        raise IptablesError(f"{V}chain `{p.chain}' in table `{p.table}' is incompatible, use 'nft' tool.", 1)
    chains = [_chain(view, p.chain)] if p.chain else list(view.chains.values())
    if p.arg is not None:             # -L CHAIN N: only that rule's line, no header
        lines = list_chain(view, chains[0].name, chains[0], p.numeric, p.verbose, p.exact, p.line_numbers)[2:]
        n = int(p.arg)
        if n <= len(lines):
            ctx.print(lines[n - 1])
        return 0
    blocks = ["\n".join(list_chain(view, ch.name, ch, p.numeric, p.verbose, p.exact, p.line_numbers))
              for ch in chains]
    ctx.out.append("\n\n".join(blocks) + "\n")
    return 0


