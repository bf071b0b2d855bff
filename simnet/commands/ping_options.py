"""ping's command line as iputils 20221126 parses it (getopt, strtol/strtod rules).

Kept apart from :mod:`simnet.commands.ping` because the number rules are
fiddly and learners hit them often: ``-c abc`` is an error (exit 1), but
``-i abc`` only warns ("option argument contains garbage") and uses 0.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from simnet.core.dccache import re_compile
from simnet.commands.base import Context
from simnet.commands.cnum import strtod_prefix
from simnet.commands.getopt import Getopt, GetoptError

__all__ = ["PingOptions", "parse", "USAGE"]

USAGE = '\nUsage\n  ping [options] <destination>\n\nOptions:\n  <destination>      dns name or ip address\n  -a                 use audible ping\n  -A                 use adaptive ping\n  -B                 sticky source address\n  -c <count>         stop after <count> replies\n  -C                 call connect() syscall on socket creation\n  -D                 print timestamps\n  -d                 use SO_DEBUG socket option\n  -e <identifier>    define identifier for ping session, default is random for\n                     SOCK_RAW and kernel defined for SOCK_DGRAM\n                     Imply using SOCK_RAW (for IPv4 only for identifier 0)\n  -f                 flood ping\n  -h                 print help and exit\n  -I <interface>     either interface name or address\n  -i <interval>      seconds between sending each packet\n  -L                 suppress loopback of multicast packets\n  -l <preload>       send <preload> number of packages while waiting replies\n  -m <mark>          tag the packets going out\n  -M <pmtud opt>     define mtu discovery, can be one of <do|dont|want>\n  -n                 no dns name resolution\n  -O                 report outstanding replies\n  -p <pattern>       contents of padding byte\n  -q                 quiet output\n  -Q <tclass>        use quality of service <tclass> bits\n  -s <size>          use <size> as number of data bytes to be sent\n  -S <size>          use <size> as SO_SNDBUF socket option value\n  -t <ttl>           define time to live\n  -U                 print user-to-user latency\n  -v                 verbose output\n  -V                 print version and exit\n  -w <deadline>      reply wait <deadline> in seconds\n  -W <timeout>       time to wait for response\n\nIPv4 options:\n  -4                 use IPv4\n  -b                 allow pinging broadcast\n  -R                 record route\n  -T <timestamp>     define timestamp, can be one of <tsonly|tsandaddr|tsprespec>\n\nIPv6 options:\n  -6                 use IPv6\n  -F <flowlabel>     define flow label, default is random\n  -N <nodeinfo opt>  use icmp6 node info query, try <help> as argument\n\nFor more details see ping(8).\n'
# iputils 20221126 ping.c: getopt(argc, argv, "h?" IPV4_SHORT_OPTS IPV6_SHORT_OPTS "aABc:CdDe:fi:I:l:Lm:M:nOp:qQ:rs:S:t:UvVw:W:")
SHORTOPTS = "h?4bRT:6F:N:aABc:CdDe:fi:I:l:Lm:M:nOp:qQ:rs:S:t:UvVw:W:"
INT_MAX = 2147483647
LLONG_MAX = 9223372036854775807
ERANGE_TEXT = "Numerical result out of range"

_STRTOL = re_compile(r"[ \t\n\v\f\r]*[+-]?[0-9]+")


class ParseExit(Exception):
    """Parsing ended the program: ``code`` is ping's exit status (messages already printed)."""

    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


@dataclass
class PingOptions:
    """ping's command-line options after parsing (iputils names and defaults)."""

    count: int | None = None
    interval_ms: int = 1000
    linger_ms: int = 10000       # -W; 0 means "wait for an answer forever"
    deadline: int | None = None  # -w (whole seconds, 0 = none)
    ttl: int | None = None
    size: int = 56
    iface: str | None = None
    quiet: bool = False
    numeric: bool = False
    broadcast: bool = False
    target: str | None = None
    hops: list[str] = field(default_factory=list)    # more hosts: a loose source route via these
    pmtudisc: str = "want"       # -M: do (always DF, EMSGSIZE above the path MTU), dont, want, probe
    pattern: str | None = None   # -p: "PATTERN: 0x…" before the header
    sticky: bool = False         # -B: the header names the source like -I ADDR does
    audible: bool = False        # -a: a bell before each reply line's newline
    outstanding: bool = False    # -O: "no answer yet for icmp_seq=N" before the next probe
    flood: bool = False          # -f: a dot per probe, a backspace per answer, interval 0 unless -i
    interval_given: bool = False
    family: str | None = None    # -4 / -6
    extra: list[str] = field(default_factory=list)


def strtoll_or_err(ctx: Context, text: str, lo: int, hi: int) -> int:
    """iputils' strtoll_or_err: whole string, base 10, range checked; exits 1."""
    m = _STRTOL.fullmatch(text)
    if not text or m is None:
        ctx.eprint(f"ping: invalid argument: '{text}'")
        raise ParseExit(1)
    value = int(text.strip())
    if not -LLONG_MAX - 1 <= value <= LLONG_MAX:
        ctx.eprint(f"ping: invalid argument: '{text}': {ERANGE_TEXT}")
        raise ParseExit(1)
    if not lo <= value <= hi:
        ctx.eprint(f"ping: invalid argument: '{text}': out of range: {lo} <= value <= {hi}")
        raise ParseExit(1)
    return value


def ping_strtod(ctx: Context, text: str, what: str) -> float:
    """iputils 20221126's ping_strtod: trailing garbage only warns, nan/inf and overflow exit 2."""
    if not text:
        ctx.eprint(f"ping: {what}: ")
        raise ParseExit(2)
    parsed, rest = strtod_prefix(text)
    value = 0.0 if parsed is None else parsed
    if rest:
        ctx.eprint(f"ping: option argument contains garbage: {rest}")
        ctx.eprint("ping: this will become fatal error in the future")
    if math.isnan(value) or math.isinf(value):
        ctx.eprint(f"ping: {what}: {text}: {ERANGE_TEXT}")
        raise ParseExit(2)
    return value


def _apply(ctx: Context, o: PingOptions, ch: str, val: str) -> None:
    if ch == "c":
        o.count = strtoll_or_err(ctx, val, 1, LLONG_MAX)
    elif ch == "i":
        v = ping_strtod(ctx, val, "bad timing interval")
        if v > INT_MAX // 1000:
            ctx.eprint(f"ping: bad timing interval: {val}")
            raise ParseExit(2)
        o.interval_ms = int(v * 1000)      # negative: probes go out back to back
        o.interval_given = True
    elif ch == "W":
        v = ping_strtod(ctx, val, "bad linger time")
        if v < 0 or v > INT_MAX // 1000:
            ctx.eprint(f"ping: bad linger time: {val}")
            raise ParseExit(2)
        o.linger_ms = int(v * 1000)
    elif ch == "w":
        o.deadline = strtoll_or_err(ctx, val, 0, INT_MAX)
    elif ch == "t":
        o.ttl = strtoll_or_err(ctx, val, 0, 255)
    elif ch == "s":
        o.size = strtoll_or_err(ctx, val, 0, INT_MAX)
    elif ch == "I":
        o.iface = val
    elif ch in "lm":
        strtoll_or_err(ctx, val, 1 if ch == "l" else 0, 65536 if ch == "l" else INT_MAX)
    elif ch == "M":
        if val not in ("do", "dont", "want", "probe"):
            ctx.eprint(f"ping: invalid -M argument: {val}")
            raise ParseExit(2)
        o.pmtudisc = val
    elif ch == "p":
        bad = next((k for k, c in enumerate(val) if c not in "0123456789abcdefABCDEF"), None)
        if bad is not None:
            ctx.eprint(f"ping: patterns must be specified as hex digits: {val[bad:]}")
            raise ParseExit(2)
        o.pattern = val
    elif ch == "Q":
        _parse_tos(ctx, val)
    elif ch == "T" and val not in ("tsonly", "tsandaddr", "tsprespec"):
        ctx.eprint(f"ping: invalid timestamp type: {val}")
        raise ParseExit(2)


def _parse_tos(ctx: Context, val: str) -> int:
    """parsetos(): hex with 0x or decimal, whole string, 0-255."""
    m = re.fullmatch(r"0[xX]([0-9a-fA-F]*)|[ \t]*[+-]?[0-9]+", val)
    if m is None:
        ctx.eprint(f"ping: bad TOS value: {val}")
        raise ParseExit(2)
    tos = int(m.group(1) or "0", 16) if val[:2].lower() == "0x" else int(val)
    if tos > 255:
        ctx.eprint(f"ping: the decimal value of TOS bits must be in range 0-255: {tos}")
        raise ParseExit(2)
    return tos


def _usage(ctx: Context) -> None:
    ctx.err.append(USAGE)
    raise ParseExit(2)


def parse(ctx: Context) -> PingOptions:
    """getopt with permutation: options may follow the destination (``ping 10.0.0.1 -c 1``)."""
    o = PingOptions()
    scan = Getopt(ctx.args, SHORTOPTS)
    try:
        for ch, val in scan:
            if val is not None:
                _apply(ctx, o, ch, val)
            else:
                _flag(ctx, o, ch)
    except GetoptError as bad:
        ctx.eprint(bad.glibc("ping"))
        _usage(ctx)
    positional = scan.operands
    if not positional:
        ctx.eprint("ping: usage error: Destination address required")
        raise ParseExit(1)
    o.target = positional[-1]
    o.hops = positional[:-1]
    if o.flood and not o.interval_given:
        o.interval_ms = 0
    return o


_SWITCHES = {"q": "quiet", "n": "numeric", "b": "broadcast", "B": "sticky", "a": "audible", "O": "outstanding"}


def _flag(ctx: Context, o: PingOptions, ch: str) -> None:
    """An option without argument (``-?`` and ``-h`` print the usage like a bad option does)."""
    if ch in _SWITCHES:
        setattr(o, _SWITCHES[ch], True)
    elif ch == "V":
        ctx.print("ping from iputils 20221126")
        ctx.print("libcap: yes, IDN: yes, NLS: no, error.h: yes, getrandom(): yes, __fpending(): yes")
        raise ParseExit(0)
    elif ch in "h?":
        _usage(ctx)
    elif ch in "46":
        if o.family is not None and o.family != ch:
            ctx.eprint("ping: only one -4 or -6 option may be specified")
            raise ParseExit(2)
        o.family = ch
    elif ch == "f":
        o.flood = o.numeric = True
    else:
        o.extra.append(ch)
