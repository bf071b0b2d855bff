"""``iptables`` / ``iptables-save`` 1.8.9 (nf_tables) over the netfilter model.

The parser turns argv into a :class:`~simnet.kernel.netfilter.Rule` (adding
the implicit ``-m tcp``/``-m udp``/``-m icmp`` that iptables adds), runs the
command against the node's tables and prints exactly what iptables prints.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from ipaddress import IPv4Address, IPv4Network

from simnet.commands.base import Context
from simnet.commands.iptables_args import ArgError, expand, illegal_option
from simnet.commands.iptables_format import CT_ORDER, NUM_PROTO, PROTO_NUM, list_chain, rule_spec
from simnet.kernel.netfilter import BUILTIN_CHAINS, ICMP_TYPE_NAMES, Chain, Match, Rule, Table

__all__ = ["main", "save_main", "IptablesError"]

V = "iptables v1.8.9 (nf_tables): "
TRY = "Try `iptables -h' or 'iptables --help' for more information."
TARGETS = {"ACCEPT", "DROP", "RETURN", "REJECT", "LOG", "MASQUERADE", "SNAT", "DNAT", "MARK", "CONNMARK",
           "REDIRECT", "NOTRACK", "TCPMSS", "QUEUE", "NFLOG", "CT", "TTL", "TOS", "DSCP",
           "CLASSIFY", "NFQUEUE", "TRACE", "SET", "CHECKSUM", "AUDIT", "TEE"}
NAT_ONLY = {"MASQUERADE": ("POSTROUTING",), "SNAT": ("POSTROUTING", "INPUT"), "DNAT": ("PREROUTING", "OUTPUT"),
            "REDIRECT": ("PREROUTING", "OUTPUT")}
COMMANDS = {"-A": "append", "--append": "append", "-I": "insert", "--insert": "insert", "-D": "delete",
            "--delete": "delete", "-R": "replace", "--replace": "replace", "-F": "flush", "--flush": "flush",
            "-Z": "zero", "--zero": "zero", "-N": "new", "--new-chain": "new", "-X": "delete-chain",
            "--delete-chain": "delete-chain", "-P": "policy", "--policy": "policy", "-L": "list", "--list": "list",
            "-S": "list-rules", "--list-rules": "list-rules", "-E": "rename", "--rename-chain": "rename",
            "-C": "check", "--check": "check"}
# match extensions a Debian 12 iptables can load (others: "Couldn't load match")
MATCH_MODULES = {"tcp", "udp", "icmp", "multiport", "state", "conntrack", "comment", "mark", "connmark", "addrtype",
                 "iprange", "limit", "hashlimit", "recent", "mac", "length", "ttl", "tos", "dscp", "owner",
                 "pkttype", "physdev", "set", "string", "time", "u32", "statistic", "quota", "connlimit",
                 "connbytes", "helper", "policy", "socket", "esp", "ah", "sctp", "dccp", "udplite", "devgroup",
                 "cpu", "cgroup", "bpf", "cluster", "rpfilter", "realm", "nfacct", "osf", "ipvs", "l2tp", "ecn",
                 "tcpmss", "rateest", "ipcomp", "hl", "icmp6", "condition", "geoip", "account", "fuzzy"}
LOG_LEVEL_NAMES = {"emerg": 0, "panic": 0, "alert": 1, "crit": 2, "error": 3, "warning": 4, "notice": 5,
                   "info": 6, "debug": 7}
LOG_FLAGS = ("log-tcp-sequence", "log-tcp-options", "log-ip-options", "log-uid", "log-macdecode")
REJECT_WITH = ("icmp-net-unreachable", "icmp-host-unreachable", "icmp-port-unreachable", "icmp-proto-unreachable",
               "icmp-net-prohibited", "icmp-host-prohibited", "icmp-admin-prohibited", "tcp-reset")


class IptablesError(Exception):
    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


def _param(msg: str) -> IptablesError:
    return IptablesError(f"{V}{msg}\n{TRY}", 2)


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


def _long(arg: str) -> tuple[str, str | None]:
    if arg.startswith("--") and "=" in arg:
        k, v = arg.split("=", 1)
        return k, v
    return arg, None


def _net(text: str) -> IPv4Network:
    addr, slash, plen = text.partition("/")
    if slash and not (plen.isdigit() and int(plen) <= 32) and "." not in plen:
        raise _param(f"invalid mask `{plen}' specified")
    try:
        IPv4Address(addr)
        return IPv4Network(f"{addr}/{plen}" if slash else f"{addr}/32", strict=False)
    except ValueError:
        if slash and "." in plen:
            raise _param(f"invalid mask `{plen}' specified") from None
        raise _param(f"host/network `{text}' not found") from None


def parse(argv: list[str]) -> Parsed:
    try:
        argv = expand(argv)
    except ArgError as exc:
        raise _param(f'unknown option "{exc.text}"') from None
    p = Parsed()
    r = p.rule
    matches: list[Match] = []
    current: tuple[str, list[tuple[str, str, bool]]] | None = None
    target_opts: list[tuple[str, str]] = []
    neg = False
    i = 0

    def take() -> str:
        nonlocal i
        i += 1
        if i >= len(argv):
            raise _param(f"option \"{argv[i - 1]}\" requires an argument")
        return argv[i]

    def close_match() -> None:
        nonlocal current
        if current is not None:
            matches.append(Match(current[0], tuple(current[1])))
            current = None

    while i < len(argv):
        raw = argv[i]
        a, inline = _long(raw)
        if a == "!":
            neg = True
            i += 1
            continue
        if a in COMMANDS:
            if p.command is not None:
                raise _param("Cannot use -{} with -{}".format(raw.lstrip("-")[0].upper(), p.command[0].upper()))
            p.command = COMMANDS[a]
            needs_chain = p.command in ("append", "insert", "delete", "replace", "new", "policy", "rename", "check")
            if needs_chain and (i + 1 >= len(argv) or argv[i + 1].startswith("-")):
                raise _param(f"option \"{a}\" requires an argument")
            if i + 1 < len(argv) and not argv[i + 1].startswith("-"):
                i += 1
                p.chain = argv[i]
                if p.command in ("insert", "delete", "replace", "rename", "policy", "list", "zero") and \
                        i + 1 < len(argv) and not argv[i + 1].startswith("-"):
                    i += 1
                    p.arg = argv[i]
            i += 1
            continue
        if a in ("-t", "--table"):
            p.table = inline or take()
        elif a in ("-n", "--numeric"):
            p.seen.add("n")
            p.numeric = True
        elif a in ("-v", "--verbose"):
            p.seen.add("v")
            p.verbose = True
        elif a in ("-x", "--exact"):
            p.seen.add("x")
            p.exact = True
        elif a == "--line-numbers":
            p.line_numbers = True
            p.seen.add("0")
        elif a in ("-w", "--wait", "-W", "--wait-interval"):
            if i + 1 < len(argv) and argv[i + 1].isdigit():
                i += 1
        elif a in ("-s", "--source", "--src"):
            p.seen.add("s")
            r.src, r.src_neg = _net(inline or take()), neg
            p.has_spec = True
        elif a in ("-d", "--destination", "--dst"):
            p.seen.add("d")
            r.dst, r.dst_neg = _net(inline or take()), neg
            p.has_spec = True
        elif a in ("-i", "--in-interface"):
            p.seen.add("i")
            r.in_iface, r.in_neg = inline or take(), neg
            p.has_spec = True
        elif a in ("-o", "--out-interface"):
            p.seen.add("o")
            r.out_iface, r.out_neg = inline or take(), neg
            p.has_spec = True
        elif a in ("-p", "--protocol"):
            p.seen.add("p")
            proto = (inline or take()).lower()
            if proto not in PROTO_NUM and not (proto.isdigit() and int(proto) < 256):
                raise _param(f"unknown protocol \"{proto}\" specified")
            if proto.isdigit():
                proto = NUM_PROTO.get(int(proto), proto)
            r.proto, r.proto_neg = (None if proto == "all" and not neg else proto), neg
            p.has_spec = True
        elif a in ("-m", "--match"):
            close_match()
            module = inline or take()
            if module not in MATCH_MODULES:
                raise IptablesError(f"{V}Couldn't load match `{module}':No such file or directory\n\n{TRY}", 2)
            current = (module, [])
        elif a in ("-j", "--jump", "-g", "--goto"):
            p.seen.add("j")
            close_match()
            r.target = inline or take()
            r.goto = a in ("-g", "--goto")
            p.has_spec = True
        elif a.startswith("--") and r.target is not None and current is None:
            name = a[2:]
            flag = name in ("random", "random-fully", "persistent", "notrack") or name in LOG_FLAGS
            value = inline if inline is not None else (take() if not flag else "")
            target_opts.append((name, value))
        elif a.startswith("--"):
            name = a[2:]
            if current is None:
                implicit = {"dport": None, "sport": None, "destination-port": None, "source-port": None,
                            "icmp-type": "icmp", "tcp-flags": "tcp", "syn": "tcp"}
                if name not in implicit or r.proto not in ("tcp", "udp", "icmp"):
                    raise _param(f"unknown option \"{a}\"")
                current = (r.proto, [])
            value = "" if name == "syn" else (inline if inline is not None else take())
            if name == "tcp-flags":
                value = value + " " + take()
            if name in ("dport", "destination-port"):
                name = "dport"
            if name in ("sport", "source-port"):
                name = "sport"
            current[1].append((name, value, neg))
            p.has_spec = True
        else:
            if a.startswith("-"):
                raise _param(f"unknown option \"{a}\"")
            raise IptablesError(f"Bad argument `{a}'\n{TRY}", 2)
        neg = False
        i += 1
    close_match()
    r.matches = tuple(matches)
    r.target_options = tuple(_canonical_target(r.target, target_opts))
    return p


def _canonical_target(target: str | None, opts: list[tuple[str, str]]) -> list[tuple[str, str]]:
    if target == "REJECT":
        how = dict(opts).get("reject-with", "icmp-port-unreachable")
        aliases = {"icmp-host-prohibited": "icmp-host-prohibited", "tcp-rst": "tcp-reset",
                   "icmp-admin-prohibited": "icmp-admin-prohibited"}
        how = aliases.get(how, how)
        if how not in REJECT_WITH:
            raise _param(f"unknown reject type \"{how}\"")
        return [("reject-with", how)]
    if target == "LOG":
        return _canonical_log(opts)
    if target in ("SNAT", "DNAT"):
        for n, v in opts:
            if n in ("to-source", "to-destination"):
                for ip in v.partition(":")[0].split("-"):
                    try:
                        IPv4Address(ip)
                    except ValueError:
                        raise _param(f'Bad IP address "{ip}"') from None
        return list(opts)
    if target == "MARK":
        out = []
        for n, v in opts:
            if n == "set-mark":
                val, _, mask = v.partition("/")
                out.append(("set-xmark", f"{hex(int(val, 0))}/{hex(int(mask, 0)) if mask else '0xffffffff'}"))
            elif n == "set-xmark":
                val, _, mask = v.partition("/")
                out.append(("set-xmark", f"{hex(int(val, 0))}/{hex(int(mask, 0)) if mask else '0xffffffff'}"))
            else:
                out.append((n, v))
        return out
    return list(opts)


def _canonical_log(opts: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """LOG keeps prefix, a numeric level (4 is the default and not shown) and flags in save order."""
    given = dict(opts)
    out: list[tuple[str, str]] = []
    if given.get("log-prefix"):
        out.append(("log-prefix", given["log-prefix"]))
    if "log-level" in given:
        level = given["log-level"]
        num = int(level) if level.isdigit() and int(level) <= 7 else LOG_LEVEL_NAMES.get(level)
        if num is None:
            raise IptablesError(f'{V}log level "{level}" unknown\n\n{TRY}', 2)
        if num != 4:
            out.append(("log-level", str(num)))
    out += [(f, "") for f in LOG_FLAGS if f in given]
    return out


def _canonical_ports(value: str) -> str:
    """``:1023`` → ``0:1023``, ``8000:`` → ``8000:65535``, service names → numbers."""
    from simnet.commands.iptables_format import SERVICES

    names = {v: k for k, v in SERVICES.items()}
    lo, colon, hi = value.partition(":")
    if colon and ":" in hi:
        raise _param(f"invalid port/service `{hi}' specified")
    ports = [str(names.get(x, x)) for x in ((lo or "0", hi or "65535") if colon else (lo,))]
    for port in ports:
        if not port.isdigit() or int(port) > 65535:
            raise _param(f"invalid port/service `{port}' specified")
    if colon and int(ports[0]) > int(ports[1]):
        raise _param("invalid portrange (min > max)")
    return ":".join(ports)


def _canonical_matches(rule: Rule) -> None:
    fixed = []
    for m in rule.matches:
        if m.module == "multiport" and rule.proto not in ("tcp", "udp", "udplite", "sctp", "dccp"):
            raise _param("multiport needs `-p tcp', `-p udp', `-p udplite', `-p sctp' or `-p dccp'")
        opts = []
        for name, value, neg in m.options:
            if name in ("ctstate", "state"):
                states = [s.upper() for s in value.split(",")]
                bad = [s for s in states if s not in CT_ORDER]
                if bad:
                    raise _param(f"Bad ctstate \"{bad[0]}\"")
                value = ",".join(s for s in CT_ORDER if s in states)
            if name == "syn":
                name, value = "tcp-flags", "FIN,SYN,RST,ACK SYN"
            if name == "tcp-flags":
                order = ("FIN", "SYN", "RST", "PSH", "ACK", "URG")
                mask, _, comp = value.upper().partition(" ")
                pick = lambda names: ",".join(f for f in order if f in names.split(",")) or names  # noqa: E731
                value = f"{pick(mask) if mask not in ('ALL', 'NONE') else mask} " \
                        f"{pick(comp) if comp not in ('ALL', 'NONE') else comp}"
            if name == "icmp-type" and value != "any" and not value.replace("/", "").isdigit():
                t, c = ICMP_TYPE_NAMES.get(value, (None, None))
                if t is None:
                    raise _param(f"Invalid ICMP type `{value}'")
                value = f"{t}/{c}" if c is not None else str(t)
            if name in ("dport", "sport"):
                value = _canonical_ports(value)
            if m.module == "multiport" and name in ("dports", "sports", "ports", "destination-ports",
                                                     "source-ports"):
                value = ",".join(_canonical_ports(v) for v in value.split(","))
            opts.append((name, value, neg))
        fixed.append(Match(m.module, tuple(opts)))
    rule.matches = tuple(fixed)


def _table(ctx: Context, name: str, create: bool) -> Table | None:
    if name not in BUILTIN_CHAINS:
        raise IptablesError(f"{V}table '{name}' does not exist\nPerhaps iptables or your kernel needs to be upgraded.", 3)
    return ctx.node.netfilter.table(name, create=create)


def _chain(table: Table, name: str | None) -> Chain:
    if name is None or name not in table.chains:
        raise IptablesError("iptables: No chain/target/match by that name.", 1)
    return table.chains[name]


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
    if t not in TARGETS and t not in table.chains:
        raise _param(f"Chain '{t}' does not exist")
    if t in NAT_ONLY and (p.table != "nat" or p.chain in BUILTIN_CHAINS["nat"] and p.chain not in NAT_ONLY[t]):
        op = {"append": "RULE_APPEND", "insert": "RULE_INSERT", "replace": "RULE_REPLACE"}.get(p.command or "",
                                                                                           "RULE_APPEND")
        raise IptablesError(f"{V} {op} failed (Invalid argument): rule in chain {p.chain}", 4)
    if t in ("SNAT",) and not r.target_option("to-source"):
        raise IptablesError(f"{V}SNAT: option \"--to-source\" must be specified\n\n{TRY}", 2)
    if t in ("DNAT",) and not r.target_option("to-destination"):
        raise IptablesError(f"{V}DNAT: option \"--to-destination\" must be specified\n\n{TRY}", 2)
    port_proto = r.proto in ("tcp", "udp", "sctp", "dccp") and not r.proto_neg
    if t in ("MASQUERADE", "REDIRECT") and r.target_option("to-ports") and not port_proto:
        raise _param("Need TCP, UDP, SCTP or DCCP with port specification")
    if t in ("SNAT", "DNAT") and ":" in (r.target_option("to-source") or r.target_option("to-destination") or "") \
            and not port_proto:
        raise _param("Need TCP, UDP, SCTP or DCCP with port specification")
    if t == "REJECT" and r.target_option("reject-with") == "tcp-reset" and (r.proto != "tcp" or r.proto_neg):
        op = {"append": "RULE_APPEND", "insert": "RULE_INSERT", "replace": "RULE_REPLACE"}.get(p.command or "",
                                                                                           "RULE_APPEND")
        raise IptablesError(f"{V} {op} failed (Invalid argument): rule in chain {p.chain}", 4)
    if p.chain == "INPUT" and r.out_iface is not None:
        raise IptablesError(f"{V}Can't use -o with INPUT\n\n{TRY}", 2)
    if p.chain == "OUTPUT" and r.in_iface is not None:
        raise IptablesError(f"{V}Can't use -i with OUTPUT\n\n{TRY}", 2)


def main(ctx: Context) -> int:
    try:
        return _run(ctx, parse(list(ctx.args)))
    except IptablesError as exc:
        ctx.eprint(exc.message)
        return exc.code


def _rule_number(text: str | None) -> int:
    """iptables checks the number's form while parsing: ``0`` and ``abc`` are usage errors."""
    if text is None:
        return 1
    if not text.isdigit() or int(text) < 1:
        raise _param(f"Invalid rule number `{text}'")
    return int(text)


def _rule_index(text: str | None, chain: Chain, what: str) -> int:
    """0-based index for insert/delete/replace; nf_tables names the failing operation."""
    n = _rule_number(text)
    limit = len(chain.rules) + (1 if what == "insertion" else 0)
    if n > limit:
        if not chain.rules and what != "insertion":
            raise IptablesError("iptables: No chain/target/match by that name.", 1)
        raise IptablesError(f"iptables: Index of {what} too big.", 1)
    return n - 1


def _run(ctx: Context, p: Parsed) -> int:
    if p.command is None:
        raise IptablesError(f"{V}no command specified\n{TRY}", 2)
    bad = illegal_option("delete-num" if p.command == "delete" and p.arg is not None else p.command, p.seen)
    if bad:
        raise _param(f"Illegal option `{bad}' with this command")
    if p.command in ("insert", "replace", "delete", "list", "list-rules") and p.arg is not None:
        _rule_number(p.arg)
    if p.command == "policy" and p.arg is None:
        raise _param("-P requires a chain and a policy")
    modifying = p.command not in ("list", "list-rules", "check")
    table = _table(ctx, p.table, create=modifying)
    view = table if table is not None else Table.with_builtins(p.table)
    cmd = p.command
    if cmd in ("append", "insert", "delete", "replace", "check"):
        _canonical_matches(p.rule)
        chain = _chain(view, p.chain)
        if cmd == "delete" and p.arg is not None and not p.has_spec:
            del chain.rules[_rule_index(p.arg, chain, "deletion")]
            _touch(view, chain.name)
            return 0
        _check_target(p, view)
        if cmd == "append":
            chain.rules.append(p.rule)
        elif cmd == "insert":
            chain.rules.insert(_rule_index(p.arg, chain, "insertion"), p.rule)
        elif cmd == "replace":
            chain.rules[_rule_index(p.arg, chain, "replacement")] = p.rule
        else:
            for k, existing in enumerate(chain.rules):
                if existing.same_spec(p.rule):
                    if cmd == "delete":
                        del chain.rules[k]
                    return 0
            raise IptablesError("iptables: Bad rule (does a matching rule exist in that chain?).", 1)
        _touch(view, chain.name)
        return 0
    if cmd == "new":
        if p.chain is None:
            raise _param("option \"-N\" requires an argument")
        if p.chain in view.chains:
            raise IptablesError("iptables: Chain already exists.", 1)
        if len(p.chain) > 28:
            raise _param(f"chain name `{p.chain}' too long (must be under 29 chars)")
        if p.chain in TARGETS:
            raise _param("chain name may not clash with target name")
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
            order = view.__dict__.get("nft_order", [])
            if name in order:
                order.remove(name)
        return 0
    if cmd == "policy":
        if p.arg not in ("ACCEPT", "DROP"):
            raise IptablesError("iptables: Bad policy name. Run `dmesg' for more information.", 1)
        ch = view.chains.get(p.chain or "")
        if ch is None or not ch.builtin:
            raise IptablesError("iptables: Bad built-in chain name.", 1)
        ch.policy = p.arg
        ch.packets = ch.bytes = 0     # nf_tables replaces the base chain: its counters start anew
        _touch(view, ch.name)
        return 0
    if cmd in ("flush", "zero"):
        chains = [_chain(view, p.chain)] if p.chain else list(view.chains.values())
        for ch in chains:
            if cmd == "flush":
                ch.rules.clear()
            else:
                ch.packets = ch.bytes = 0
                for r in ch.rules:
                    r.packets = r.bytes = 0
        return 0
    if cmd == "rename":
        ch = _chain(view, p.chain)
        if ch.builtin:
            raise IptablesError("iptables: No chain/target/match by that name.", 1)
        if not p.arg:
            raise _param("option \"-E\" requires an argument")
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
        chains = [_chain(view, p.chain)] if p.chain else list(view.chains.values())
        for ch in chains:
            ctx.print(f"-P {ch.name} {ch.policy}" if ch.builtin else f"-N {ch.name}")
        for ch in chains:
            for r in ch.rules:
                ctx.print(f"-A {ch.name} {rule_spec(r)}".rstrip())
        return 0
    # list
    if p.chain and p.chain not in view.chains:
        raise IptablesError(f"{V}chain `{p.chain}' in table `{p.table}' is incompatible, use 'nft' tool.", 1)
    chains = [_chain(view, p.chain)] if p.chain else list(view.chains.values())
    blocks = ["\n".join(list_chain(view, ch.name, ch, p.numeric, p.verbose, p.exact, p.line_numbers))
              for ch in chains]
    ctx.out.append("\n\n".join(blocks) + "\n")
    return 0


def _save_table(table: Table, stamp: str, counters: bool = False) -> list[str]:
    lines = [f"# Generated by iptables-save v1.8.9 (nf_tables) on {stamp}", f"*{table.name}"]
    for ch in table.chains.values():
        policy = ch.policy if ch.builtin else "-"
        lines.append(f":{ch.name} {policy} [{ch.packets}:{ch.bytes}]")
    for ch in table.chains.values():
        for r in ch.rules:
            prefix = f"[{r.packets}:{r.bytes}] " if counters else ""
            lines.append(f"{prefix}-A {ch.name} {rule_spec(r)}".rstrip())
    lines += ["COMMIT", f"# Completed on {stamp}"]
    return lines


def save_main(ctx: Context) -> int:
    import datetime as _dt

    args = list(ctx.args)
    only = None
    counters = False
    i = 0
    while i < len(args):
        a, inline = _long(args[i])
        if a in ("-t", "--table"):
            only = inline or (args[i + 1] if i + 1 < len(args) else None)
            i += 1 if inline is None else 0
        elif a in ("-c", "--counters"):
            counters = True
        else:
            ctx.eprint(f"Unknown arguments found on commandline")
            return 1
        i += 1
    epoch = ctx.lab.meta.get("epoch", 1798761600)  # 2027-01-01, a fixed date: simulated time has no calendar
    stamp = _dt.datetime.fromtimestamp(epoch + ctx.sim.now, _dt.timezone.utc).strftime("%a %b %d %H:%M:%S %Y")
    nf = ctx.node.netfilter
    if only is not None and only not in BUILTIN_CHAINS:
        ctx.eprint(f"iptables-save v1.8.9 (nf_tables): table '{only}' does not exist")
        return 1
    names = [only] if only else list(nf.tables)      # nf_tables lists tables in creation order
    for name in names:
        table = nf.tables.get(name) or Table.with_builtins(name)
        ctx.print("\n".join(_save_table(table, stamp, counters)))
    return 0
