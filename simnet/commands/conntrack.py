"""conntrack (conntrack-tools 1.4.7): list, count, delete and flush the table.

The lines are libnetfilter_conntrack's default format; the summary goes to
stderr as ``conntrack v1.4.7 (conntrack-tools): N flow entries have been shown.``
The timeout column is the whole seconds left (the kernel divides by HZ), and
the NAT filters use the library's quirky ``IS_SNAT``/``IS_DNAT`` tests, which
compare the ICMP id with the ICMP type/code field – so echo flows through a
namespace with a nat table always count as "NATed" in both directions.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from ipaddress import IPv4Address, IPv6Address, ip_address, ip_network

from simnet.core.errors import CommandError
from simnet.commands.base import Context
from simnet.kernel.conntrack import ICMPV6, CtEntry, CtTuple
from simnet.links.packet import ICMP, TCP, UDP

__all__ = ["main", "format_entry"]

PREFIX = "conntrack v1.4.7 (conntrack-tools): "
TRY = "Try `conntrack -h' or 'conntrack --help' for more information."
PROTOS = {"icmp": ICMP, "tcp": TCP, "udp": UDP, "sctp": 132, "dccp": 33, "gre": 47, "udplite": 136,
          "icmpv6": 58, "ipv6-icmp": 58}
COMMANDS = {"-L": "list", "--dump": "list", "-D": "delete", "--delete": "delete", "-F": "flush",
            "--flush": "flush", "-C": "count", "--count": "count", "-G": "get", "--get": "get",
            "-E": "event", "--event": "event", "-S": "stats", "--stats": "stats", "-I": "create",
            "--create": "create", "-U": "update", "--update": "update"}
# option spelling -> (canonical long name used in error texts, takes argument: 0 no, 1 yes, 2 optional)
OPTIONS = {
    "-s": ("src", 1), "--src": ("src", 1), "--orig-src": ("src", 1),
    "-d": ("dst", 1), "--dst": ("dst", 1), "--orig-dst": ("dst", 1),
    "-r": ("reply-src", 1), "--reply-src": ("reply-src", 1),
    "-q": ("reply-dst", 1), "--reply-dst": ("reply-dst", 1),
    "-p": ("protonum", 1), "--protonum": ("protonum", 1), "--proto": ("protonum", 1),
    "-n": ("src-nat", 2), "--src-nat": ("src-nat", 2),
    "-g": ("dst-nat", 2), "--dst-nat": ("dst-nat", 2),
    "-j": ("any-nat", 2), "--any-nat": ("any-nat", 2),
    "-o": ("output", 1), "--output": ("output", 1),
    "-m": ("mark", 1), "--mark": ("mark", 1),
    "-u": ("status", 1), "--status": ("status", 1),
    "-f": ("family", 1), "--family": ("family", 1),
    "-z": ("zero", 0), "--zero": ("zero", 0),
    "-e": ("event-mask", 1), "--event-mask": ("event-mask", 1),
    "-t": ("timeout", 1), "--timeout": ("timeout", 1),
    "-w": ("zone", 1), "--zone": ("zone", 1),
}
PORT_OPTIONS = {"--sport": "sport", "--orig-port-src": "sport", "--dport": "dport", "--orig-port-dst": "dport",
                "--reply-port-src": "reply-sport", "--reply-port-dst": "reply-dport"}
ICMP_OPTIONS = {"--icmp-type": "icmp-type", "--icmp-code": "icmp-code", "--icmp-id": "icmp-id"}
ICMPV6_OPTIONS = {"--icmpv6-type": "icmp-type", "--icmpv6-code": "icmp-code", "--icmpv6-id": "icmp-id"}
FAMILY_NUMBERS = {"ipv4": 2, "ipv6": 10}       # AF_INET, AF_INET6 in the extended output
OUTPUT_KINDS = {"extended", "xml", "timestamp", "id", "ktimestamp", "labels", "userspace", "save"}
# conntrack's option bits in order, and what each command accepts (commands_v_options)
BIT_ORDER = ("src", "dst", "reply-src", "reply-dst", "protonum", "timeout", "status", "zero", "event-mask",
             "tuple-src", "tuple-dst", "mask-src", "mask-dst", "nat-range", "mark", "id", "family", "src-nat",
             "dst-nat", "output", "secmark", "buffer-size", "any-nat", "zone")
_FILTERS = {"src", "dst", "reply-src", "reply-dst", "protonum", "status", "mark", "family", "src-nat", "dst-nat",
            "output", "any-nat", "zone", "mask-src", "mask-dst"}
ALLOWED = {"list": frozenset(_FILTERS | {"zero"}), "delete": frozenset(_FILTERS | {"timeout"}),
           "update": frozenset(_FILTERS | {"timeout"}), "event": frozenset(_FILTERS | {"event-mask", "buffer-size"}),
           "get": frozenset({"src", "dst", "reply-src", "reply-dst", "protonum", "mark", "id", "output", "zone"}),
           "create": frozenset({"src", "dst", "reply-src", "reply-dst", "protonum", "timeout", "status", "mark",
                                "src-nat", "dst-nat", "zone"}),
           "flush": frozenset({"family"}), "count": frozenset(), "stats": frozenset()}
FILTER_ONLY_LIST = {"src", "dst", "reply-src", "reply-dst", "protonum", "src-nat", "dst-nat", "any-nat",
                    "mark", "status", "zone", "output", "zero", "sport", "dport", "reply-sport",
                    "reply-dport", "icmp-type", "icmp-code", "icmp-id", "state"}
CT_STATUS_NAMES = {"EXPECTED", "SEEN_REPLY", "ASSURED", "CONFIRMED", "SNAT", "DNAT", "SEQ_ADJUST", "UNSET",
                   "SRC_NAT_DONE", "DST_NAT_DONE", "DYING", "FIXED_TIMEOUT", "TEMPLATE", "UNTRACKED", "HELPER",
                   "OFFLOAD", "HW_OFFLOAD"}
TCP_STATES = {"NONE", "SYN_SENT", "SYN_RECV", "ESTABLISHED", "FIN_WAIT", "CLOSE_WAIT", "LAST_ACK",
              "TIME_WAIT", "CLOSE", "LISTEN", "SYN_SENT2"}
USAGE = """Command line interface for the connection tracking system. Version 1.4.7
Usage: conntrack [commands] [options]

Commands:
  -L [table] [options]\t\tList conntrack or expectation table
  -G [table] parameters\t\tGet conntrack or expectation
  -D [table] parameters\t\tDelete conntrack or expectation
  -I [table] parameters\t\tCreate a conntrack or expectation
  -U [table] parameters\t\tUpdate a conntrack
  -E [table] [options]\t\tShow events
  -F [table]\t\t\tFlush table
  -C [table]\t\t\tShow counter
  -S\t\t\t\tShow statistics

Tables: conntrack, expect, dying, unconfirmed

Conntrack parameters and options:
  -n, --src-nat ip\t\t\tsource NAT ip
  -g, --dst-nat ip\t\t\tdestination NAT ip
  -j, --any-nat ip\t\t\tsource or destination NAT ip
  -m, --mark mark\t\t\tSet mark
  -c, --secmark secmark\t\t\tSet selinux secmark
  -e, --event-mask eventmask\t\tEvent mask, eg. NEW,DESTROY
  -z, --zero \t\t\t\tZero counters while listing
  -o, --output type[,...]\t\tOutput format, eg. xml
  -l, --label label[,...]\t\tconntrack labels

Expectation parameters and options:
  --tuple-src ip\tSource address in expect tuple
  --tuple-dst ip\tDestination address in expect tuple

Updating parameters and options:
  --label-add label\tAdd label
  --label-del label\tDelete label

Common parameters and options:
  -s, --src, --orig-src ip\t\tSource address from original direction
  -d, --dst, --orig-dst ip\t\tDestination address from original direction
  -r, --reply-src ip\t\tSource addres from reply direction
  -q, --reply-dst ip\t\tDestination address from reply direction
  -p, --protonum proto\t\tLayer 4 Protocol, eg. 'tcp'
  -f, --family proto\t\tLayer 3 Protocol, eg. 'ipv6'
  -t, --timeout timeout\t\tSet timeout
  -u, --status status\t\tSet status, eg. ASSURED
  -w, --zone value\t\tSet conntrack zone
  --orig-zone value\t\tSet zone for original direction
  --reply-zone value\t\tSet zone for reply direction
  -b, --buffer-size\t\tNetlink socket buffer size
  --mask-src ip\t\t\tSource mask address
  --mask-dst ip\t\t\tDestination mask address

"""


class _Usage(CommandError):
    """A command line error: printed with the version prefix and the `Try` hint, exit 2."""


@dataclass
class _Opts:
    """conntrack's command line after parsing: command, table, filters and output format."""

    command: str | None = None
    table: str = "conntrack"
    values: dict[str, str | None] = field(default_factory=dict)
    proto: int | None = None
    output: set[str] = field(default_factory=set)
    family: str | None = None       # set by -f or by the first address (set_family)


# ------------------------------------------------------------------ formatting
def _tuple_text(t: CtTuple) -> str:
    if t.proto in (ICMP, ICMPV6):
        return f"src={t.src} dst={t.dst} type={t.dport} code={t.code} id={t.sport}"
    if t.proto in (TCP, UDP):
        return f"src={t.src} dst={t.dst} sport={t.sport} dport={t.dport}"
    return f"src={t.src} dst={t.dst}"


def remaining(entry: CtEntry, now: float) -> int:
    """Whole seconds left; a dump always happens a moment after the last packet."""
    left = entry.expires - now
    return max(0, int(math.ceil(left)) - 1)


def held_references(node) -> dict[int, int]:
    """Packets waiting for ARP still hold their conntrack entry (``use=2``): count them per entry."""
    ct = node.conntrack
    held: dict[int, int] = {}
    neighbours = list(node.neigh.all())
    if node.ip6 is not None and node.ip6.stack is not None:
        neighbours += node.ip6.stack.neigh.all()       # a packet waiting for neighbour discovery
    for neigh in neighbours:
        for pkt in neigh.queue:
            t = CtTuple.of(pkt) if hasattr(pkt, "proto") else None
            if t is None:
                continue
            hit = ct._by_key.get(t.key) or ct._by_key.get(t.inverted().key)
            if hit is not None:
                held[id(hit[0])] = held.get(id(hit[0]), 0) + 1
    return held


def format_entry(entry: CtEntry, now: float, output: set[str] | frozenset[str] = frozenset(),
                 use: int = 1) -> str:
    """One line as ``conntrack -L`` prints it."""
    parts: list[str] = []
    if "extended" in output:
        parts.append(f"{entry.family:<8} {FAMILY_NUMBERS[entry.family]}")
    parts.append(f"{entry.proto_name:<8} {entry.original.proto}")
    parts.append(str(remaining(entry, now)))
    if entry.original.proto == TCP and entry.tcp_state:
        parts.append(entry.tcp_state)
    parts.append(_tuple_text(entry.original))
    if "SEEN_REPLY" not in entry.status:
        parts.append("[UNREPLIED]")
    parts.append(_tuple_text(entry.reply))
    if "ASSURED" in entry.status:
        parts.append("[ASSURED]")
    parts.append(f"mark={entry.mark}")
    if entry.zone:
        parts.append(f"zone={entry.zone}")
    parts.append(f"use={use}")
    if "id" in output:
        parts.append(f"id={entry.id}")
    return " ".join(parts)


# -------------------------------------------------------------------- filters
def _l4src(t: CtTuple) -> int:
    return t.sport


def _l4dst(t: CtTuple) -> int:
    # ICMP keeps type and code in the destination "port" union (type in the low byte)
    return t.dport | (t.code << 8) if t.proto in (ICMP, ICMPV6) else t.dport


def is_snat(e: CtEntry) -> bool:
    if "SRC_NAT_DONE" not in e.status and not e.nat_source:
        return False
    return e.reply.dst != e.original.src or _l4dst(e.reply) != _l4src(e.original)


def is_dnat(e: CtEntry) -> bool:
    if "DST_NAT_DONE" not in e.status and not e.nat_destination:
        return False
    return e.reply.src != e.original.dst or _l4src(e.reply) != _l4dst(e.original)


def _addr_match(spec: str, ip: IPv4Address | IPv6Address) -> bool:
    net = ip_network(spec, strict=False)
    return net.version == ip.version and ip in net


def _matches(e: CtEntry, o: _Opts) -> bool:
    v = o.values
    if o.family is not None and e.family != o.family:
        return False
    if o.proto is not None and e.original.proto != o.proto:
        return False
    for key, ip in (("src", e.original.src), ("dst", e.original.dst), ("reply-src", e.reply.src),
                    ("reply-dst", e.reply.dst)):
        if key in v and not _addr_match(v[key] or "", ip):
            return False
    if "src-nat" in v and (not is_snat(e) or (v["src-nat"] and not _addr_match(v["src-nat"], e.reply.dst))):
        return False
    if "dst-nat" in v and (not is_dnat(e) or (v["dst-nat"] and not _addr_match(v["dst-nat"], e.reply.src))):
        return False
    if "any-nat" in v:
        spec = v["any-nat"]
        snat = is_snat(e) and (not spec or _addr_match(spec, e.reply.dst))
        dnat = is_dnat(e) and (not spec or _addr_match(spec, e.reply.src))
        if not (snat or dnat):
            return False
    ports = {"sport": e.original.sport, "dport": e.original.dport, "reply-sport": e.reply.sport,
             "reply-dport": e.reply.dport, "icmp-type": e.original.dport, "icmp-code": e.original.code,
             "icmp-id": e.original.sport}
    for key, actual in ports.items():
        if key in v and _number(v[key]) != actual:
            return False
    if "state" in v and (e.tcp_state or "") not in (v["state"] or "").upper().split(","):
        return False
    if "mark" in v and _number((v["mark"] or "0").split("/")[0]) != e.mark:
        return False
    if "status" in v:
        wanted = set((v["status"] or "").upper().split(","))
        have = set(e.status) | ({"UNREPLIED"} if "SEEN_REPLY" not in e.status else set())
        if not wanted <= have:
            return False
    return True


def _number(text: str | None) -> int:
    """strtoul-like: leading digits, 0 if none (conntrack does not complain)."""
    digits = ""
    for ch in text or "":
        if not ch.isdigit():
            break
        digits += ch
    return int(digits) if digits else 0


# -------------------------------------------------------------------- parsing
def _parse(args: list[str]) -> _Opts:
    o = _Opts()
    i = 0
    while i < len(args):
        a = args[i]
        name_val = a.split("=", 1) if a.startswith("--") and "=" in a else [a]
        a = name_val[0]
        inline = name_val[1] if len(name_val) == 2 else None
        if a in COMMANDS:
            if o.command is not None:
                raise _Usage("Invalid commands combination")
            o.command = COMMANDS[a]
            if i + 1 < len(args) and not args[i + 1].startswith("-"):
                table = args[i + 1]
                if table not in ("conntrack", "expect", "dying", "unconfirmed"):
                    raise _Usage(f"unknown type `{table}'")
                o.table = table
                i += 1
            i += 1
            continue
        spec = OPTIONS.get(a)
        key: str | None = None
        takes = 1
        if spec is not None:
            key, takes = spec
        elif o.proto in (TCP, UDP) and a in PORT_OPTIONS:
            key = PORT_OPTIONS[a]
        elif o.proto == TCP and a == "--state":
            key = "state"
        elif o.proto == ICMP and a in ICMP_OPTIONS:
            key = ICMP_OPTIONS[a]
        elif o.proto == ICMPV6 and a in ICMPV6_OPTIONS:
            key = ICMPV6_OPTIONS[a]
        elif not a.startswith("-") or a == "-":
            i += 1                  # getopt leaves plain words aside; conntrack never looks at them
            continue
        else:
            raise _Usage(f"unknown option `{a}'")
        value = inline
        if takes == 1 and value is None:
            if i + 1 >= len(args):
                raise _Usage(f"option `{a}' requires an argument")
            value = args[i + 1]
            i += 1
        elif takes == 2 and value is None and i + 1 < len(args) and not args[i + 1].startswith("-"):
            value = args[i + 1]
            i += 1
        _store(o, key, value)
        i += 1
    return o


def _store(o: _Opts, key: str, value: str | None) -> None:
    if key == "protonum":
        text = (value or "").lower()
        if text in PROTOS:
            o.proto = PROTOS[text]
        elif text.isdigit() and int(text) < 256:
            o.proto = int(text)
        else:
            raise _Usage(f"`{value}' unsupported protocol")
    elif key in ("src", "dst", "reply-src", "reply-dst") or (key in ("src-nat", "dst-nat", "any-nat") and value):
        addr, slash, plen = (value or "").partition("/")
        try:
            version = ip_address(addr).version
        except ValueError:
            raise _Usage(f"Invalid IP address `{value}'") from None
        if slash and not (plen.isdigit() and int(plen) <= (32 if version == 4 else 128)):
            raise _Usage("Invalid netmask")
        family = "ipv4" if version == 4 else "ipv6"
        if o.family is None:
            o.family = family
        elif o.family != family:
            raise _Usage("mismatched address family")
        if slash and key in ("src", "dst"):
            o.values[f"mask-{key}"] = plen      # an address/prefix is a masked filter
    elif key == "output":
        kinds = (value or "").split(",")
        for k in kinds:
            if k not in OUTPUT_KINDS:
                raise _Usage(f"Bad parameter `{value}'")
        o.output.update(kinds)
    elif key in ("src-nat", "dst-nat", "any-nat") and ("any-nat" in o.values if key != "any-nat"
                                                       else {"src-nat", "dst-nat"} & set(o.values)):
        raise _Usage("cannot specify `--src-nat' or `--dst-nat' with `--any-nat'")
    elif key == "status":
        for word in (value or "").split(","):
            if word.upper() not in CT_STATUS_NAMES:
                raise _Usage(f"Bad parameter `{word}'")
    elif key == "family":
        # strncmp(optarg, "ipv4", strlen("ipv4")): anything starting with the name
        o.family = next((f for f in ("ipv4", "ipv6") if (value or "").startswith(f)), None)
        if o.family is None:
            raise _Usage(f"`{value}' unsupported protocol")
    o.values[key] = value


def _check_allowed(o: _Opts) -> None:
    """-F and -C take no filters (conntrack names the option in its long form); -G and -I need a
    whole tuple, checked in conntrack's order."""
    if o.command == "list" and "zero" in o.values and set(o.values) & (_FILTERS - {"output"}):
        raise _Usage("Can't use -z with filtering parameters")
    allowed = ALLOWED.get(o.command or "", frozenset())
    for key in BIT_ORDER:                   # generic_opt_check walks the options in bit order
        if key in o.values and key not in allowed:
            raise _Usage(f"Illegal option `--{key}' with this command")
    v = o.values
    if o.command in ("get", "create"):
        if o.proto is None:
            raise _Usage("You need to supply the `--protonum' option for this command")
        if o.command == "create" and "timeout" not in v:
            raise _Usage("You need to supply the `--timeout' option for this command")
        if o.proto == ICMP:
            for key in ("icmp-type", "icmp-code"):
                if key not in v:
                    raise _Usage(f"You need to supply the `--{key}' option for this command")
        if o.proto in (TCP, UDP) and ("sport" not in v or "dport" not in v):
            raise _Usage("you have to specify `--sport' and `--dport'")
        if "src" not in v or "dst" not in v:
            raise _Usage("you have to specify `--src' and `--dst'")


# ----------------------------------------------------------------------- main
def main(ctx: Context) -> int:
    args = ctx.args
    if not args:
        ctx.out.append(USAGE)
        return 0
    if args[0] in ("-V", "--version"):
        ctx.print("conntrack v1.4.7 (conntrack-tools)")
        return 0
    if args[0] in ("-h", "--help"):
        ctx.out.append(USAGE)
        return 0
    try:
        o = _parse(args)
        if o.command is None and not o.values:
            ctx.out.append(USAGE)
            return 0
        _check_allowed(o)
    except _Usage as exc:
        ctx.eprint(PREFIX + str(exc))
        ctx.eprint(TRY)
        return 2
    ct = ctx.node.conntrack
    now = ctx.sim.now
    ct.expire(now)
    if o.table != "conntrack":
        return _other_table(ctx, o)
    if o.command == "list":
        shown = [e for e in ct.entries if _matches(e, o)]
        held = held_references(ctx.node) if shown else {}
        for e in shown:
            ctx.print(format_entry(e, now, o.output, 1 + held.get(id(e), 0)))
        ctx.eprint(f"{PREFIX}{len(shown)} flow entries have been shown.")
        return 0
    if o.command == "delete":
        doomed = [e for e in ct.entries if _matches(e, o)]
        for e in doomed:
            ctx.print(format_entry(e, now, o.output))
            ct.delete(e)
        ctx.eprint(f"{PREFIX}{len(doomed)} flow entries have been deleted.")
        return 0 if doomed else 1
    if o.command == "flush":
        ct.flush()
        ctx.eprint(f"{PREFIX}connection tracking table has been emptied.")
        return 0
    if o.command == "count":
        ctx.print(str(len(ct.entries)))
        return 0
    if o.command == "get":
        found = [e for e in ct.entries if _matches(e, o)][:1]
        if not found:
            ctx.eprint(f"{PREFIX}Operation failed: such conntrack doesn't exist")
            return 1
        ctx.print(format_entry(found[0], now, o.output))
        ctx.eprint(f"{PREFIX}1 flow entries have been shown.")
        return 0
    if o.command == "update" and not [e for e in ct.entries if _matches(e, o)]:
        ctx.eprint(f"{PREFIX}0 flow entries have been updated.")
        return 1
    ctx.eprint(f"{PREFIX}Operation not supported")
    return 1


def _other_table(ctx: Context, o: _Opts) -> int:
    """expect/dying/unconfirmed: always empty in the simulation."""
    if o.command == "count":
        ctx.print("0")
        return 0
    if o.table == "expect":
        if o.command == "flush":
            ctx.eprint(f"{PREFIX}expectation table has been emptied.")
            return 0
        ctx.eprint(f"{PREFIX}0 expectations have been shown.")
        return 0
    ctx.eprint(f"{PREFIX}0 flow entries have been shown.")
    return 0
