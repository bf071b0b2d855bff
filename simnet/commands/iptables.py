"""``iptables`` / ``iptables-save`` 1.8.9 (nf_tables) over the netfilter model.

The parser turns argv into a :class:`~simnet.kernel.netfilter.XtRule` (adding
the implicit ``-m tcp``/``-m udp``/``-m icmp`` that iptables adds), runs the
command against the node's tables and prints exactly what iptables prints.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network

from simnet.commands.base import Context
from simnet.commands.iptables_args import MODULE_LONG, ArgError, Tokens
from simnet.commands.iptables_canon import (LOG_FLAGS, MATCH_MODULES, TARGETS, TRY, V, IptablesError,
                                            canonical_ports, canonical_target, param_error, retitle)
from simnet.commands.iptables_save import save6_main, save_main
from simnet.commands.netfilter_help import IPTABLES_HELP
from simnet.commands.iptables_exec import kernel_error, rule_number, run
from simnet.commands.iptables_format import NUM_PROTO, PROTO_NUM
from simnet.kernel.netfilter import Match, XtRule
from simnet.kernel.nftables import NftError

__all__ = ["main", "main6", "save_main", "save6_main", "IptablesError"]

COMMANDS = {"-A": "append", "--append": "append", "-I": "insert", "--insert": "insert", "-D": "delete",
            "--delete": "delete", "-R": "replace", "--replace": "replace", "-F": "flush", "--flush": "flush",
            "-Z": "zero", "--zero": "zero", "-N": "new", "--new-chain": "new", "-X": "delete-chain",
            "--delete-chain": "delete-chain", "-P": "policy", "--policy": "policy", "-L": "list", "--list": "list",
            "-S": "list-rules", "--list-rules": "list-rules", "-E": "rename", "--rename-chain": "rename",
            "-C": "check", "--check": "check"}


@dataclass
class Parsed:
    """An iptables command line after parsing: table, command, chain and the rule it names."""

    table: str = "filter"
    family: str = "ip"              # ip6tables: ip6
    command: str | None = None
    chain: str | None = None
    arg: str | None = None          # rule number, new name or policy
    numeric: bool = False
    verbose: bool = False
    exact: bool = False
    line_numbers: bool = False
    rule: XtRule = field(default_factory=XtRule)
    has_spec: bool = False
    seen: set[str] = field(default_factory=set)   # option letters for the legality check
    zero_too: bool = False          # -L -Z: list, then zero the counters
    any_negated: bool = False       # ! -s 0.0.0.0/0: the kernel answers EINVAL
    srcs: list[IPv4Network | IPv6Network] = field(default_factory=list)   # -s a,b: one rule per pair
    dsts: list[IPv4Network | IPv6Network] = field(default_factory=list)


def _net(text: str, family: str = "ip") -> IPv4Network | IPv6Network:
    if family == "ip6":
        return _net6(text)
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


def _net6(text: str) -> IPv6Network:
    """ip6tables: an address with a prefix length (0-128) or a mask written as an address."""
    addr, slash, plen = text.partition("/")
    addr = addr.partition("%")[0]         # getaddrinfo takes fe80::1%eth0; the scope is not stored
    try:
        IPv6Address(addr)
    except ValueError:
        raise param_error(f"host/network `{text}' not found") from None
    if not slash:
        return IPv6Network(f"{addr}/128")
    if plen.isdigit() and int(plen) <= 128:
        return IPv6Network(f"{addr}/{plen}", strict=False)
    try:
        mask = int(IPv6Address(plen))
    except ValueError:
        raise param_error(f"invalid mask `{plen}' specified") from None
    return IPv6Network((int(IPv6Address(addr)) & mask, bin(mask).count("1")))


def parse(argv: list[str], family: str = "ip") -> Parsed:
    """Read the command line in getopt's order: the first problem met is the one reported
    (``family`` ip6: ip6tables' addresses, ICMPv6 and REJECT types)."""
    tokens = Tokens(argv)
    try:
        return _parse(tokens, family)
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
            "icmp-type": "icmp", "icmpv6-type": "icmp6", "tcp-flags": "tcp", "syn": "tcp"}
# the match a protocol brings along (-p tcp --dport 22 is -p tcp -m tcp --dport 22)
IMPLICIT_MODULE = {"tcp": "tcp", "udp": "udp", "icmp": "icmp", "ipv6-icmp": "icmp6"}


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
    if cmd == "new" and chain is not None:
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
            rule_number(p.arg)
        elif cmd == "replace":
            raise param_error(f"{short} requires a rule number")
    elif cmd in ("policy", "rename"):
        p.arg = tokens.word()
        if p.arg is None:
            raise param_error("-P requires a chain and a policy" if cmd == "policy"
                              else "-E requires old-chain-name and new-chain-name")


def _owner(name: str, current: tuple[str, list] | None, r: XtRule) -> str | None:
    """Which extension a long option belongs to, as getopt's merged option table decides:
    the open match, the target, the protocol's implicit match, else an undescribed extension."""
    module = current[0] if current else None
    if module is not None and name in MODULE_LONG.get(module, ()):
        return "match"
    if r.target is not None and name in MODULE_LONG.get(r.target, ()):
        return "target"
    implicit = IMPLICIT_MODULE.get(r.proto or "")
    if name in IMPLICIT and implicit is not None and name in MODULE_LONG[implicit]:
        return "match"
    if module is not None and module not in MODULE_LONG:
        return "match"
    if r.target is not None and r.target in TARGETS and r.target not in MODULE_LONG and \
            r.target not in PLAIN_TARGETS:
        return "target"
    return None


def _parse(tokens: Tokens, family: str) -> Parsed:
    p = Parsed(family=family)
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
            proto = "ipv6-icmp" if proto == "icmpv6" else proto
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
                if name not in IMPLICIT or r.proto not in IMPLICIT_MODULE:
                    raise param_error(f"unknown option \"{a}\"")
                current = (IMPLICIT_MODULE[r.proto], [])
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
        p.srcs = [_net(x, family) for x in hosts["s"][0].split(",")]
        r.src, r.src_neg = p.srcs[0], hosts["s"][1]
        if r.src.prefixlen == 0 and len(p.srcs) == 1:
            p.any_negated = p.any_negated or r.src_neg
            r.src, p.srcs = None, []
    if "d" in hosts:
        p.dsts = [_net(x, family) for x in hosts["d"][0].split(",")]
        r.dst, r.dst_neg = p.dsts[0], hosts["d"][1]
        if r.dst.prefixlen == 0 and len(p.dsts) == 1:
            p.any_negated = p.any_negated or r.dst_neg
            r.dst, p.dsts = None, []
    r.matches = tuple(matches)
    port_ok = r.proto in ("tcp", "udp", "sctp", "dccp") and not r.proto_neg
    r.target_options = tuple(canonical_target(r.target, target_opts, family, port_ok))
    return p


class _Version(Exception):
    """-V (or -h with the help text): printed the moment getopt reaches it, exit 0."""

    def __init__(self, text: str = "iptables v1.8.9 (nf_tables)\n") -> None:
        super().__init__(text)
        self.text = text


def main(ctx: Context) -> int:
    return _main(ctx, "iptables", "ip")


def main6(ctx: Context) -> int:
    """ip6tables: the same translator into the ``ip6`` family."""
    return _main(ctx, "ip6tables", "ip6")


def _main(ctx: Context, tool: str, family: str) -> int:
    try:
        return run(ctx, parse(list(ctx.args), family))
    except _Version as done:
        ctx.out.append(done.text.replace("iptables v1.8.9", f"{tool} v1.8.9", 1))
        return 0
    except NftError as exc:
        err = kernel_error(exc)
        ctx.eprint(retitle(err.message, tool))
        return err.code
    except IptablesError as exc:
        ctx.eprint(retitle(exc.message, tool))
        return exc.code
