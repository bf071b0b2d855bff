"""traceroute 2.1.2's command line (CLIF): options, the host and packetlen operands, and the
checks traceroute.c makes before it sends anything, with CLIF's own error texts."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from simnet.commands.cnum import strtod_prefix, strtoul0
from simnet.commands.getopt import NO, REQUIRED, Getopt, GetoptError, Long

__all__ = ["Opts", "ArgError", "parse", "VERSION"]

WITH_ARG = {"f": "first_ttl", "g": "gate,...", "i": "device", "m": "max_ttl", "N": "squeries", "p": "port",
            "t": "tos", "l": "flow_label", "w": "MAX,HERE,NEAR", "q": "nqueries", "s": "src_addr",
            "z": "sendwait", "M": "name", "O": "OPTS,...", "P": "prot"}
FLAGS = set("46dFITnreAUDV")
_LONG_KEY = {"icmp": "I", "tcp": "T", "udp": "U", "debug": "d", "dont-fragment": "F",
             "extensions": "e", "as-path-lookups": "A", "dccp": "D", "version": "V",
             "first": "f", "gateway": "g", "interface": "i", "max-hops": "m", "sim-queries": "N",
             "port": "p", "tos": "t", "flowlabel": "l", "wait": "w", "queries": "q", "source": "s",
             "sendwait": "z", "module": "M", "options": "O", "protocol": "P",
             "sport": "sport", "fwmark": "fwmark", "mtu": "mtu", "back": "back", "help": "help"}
SHORTOPTS = "".join(FLAGS) + "".join(f"{c}:" for c in WITH_ARG)
# --sport/--fwmark take a number, --mtu/--back are flags: accepted and not modelled
_ARG_NAME = {**WITH_ARG, "sport": "num", "fwmark": "num"}
LONGOPTS = [Long(name, REQUIRED if key in _ARG_NAME else NO, key)
            for name, key in _LONG_KEY.items()]
VERSION = "Modern traceroute for Linux, version 2.1.2\nCopyright (c) 2016  Dmitry Butskoy,   License: GPL v2 or any later\n"


class ArgError(Exception):
    """Bad command line: message on stderr, exit 2."""


@dataclass
class Opts:
    """traceroute's command line after parsing: method, TTL range, probes, ports, timing."""

    method: str = "default"      # default (UDP, port+1 per probe), udp, icmp, tcp
    first: int = 1
    max_hops: int = 30
    nqueries: int = 3
    sim: int = 16
    port: int | None = None
    wait: tuple[float, float, float] = (5.0, 3.0, 10.0)
    numeric: bool = False
    iface: str | None = None
    source: str | None = None
    host: str | None = None
    host_argc: int = 0
    packetlen: int | None = None
    family: str | None = None    # -4 / -6


# -------------------------------------------------------------------- parsing
def _clif_text(bad: GetoptError) -> str:
    """CLIF's words for a bad option (it has no abbreviations and wants ``--long=value``)."""
    if bad.kind in ("missing", "longmissing"):
        spelled = f"-{bad.opt}" if bad.kind == "missing" else f"--{bad.opt}"
        sep = " " if bad.kind == "missing" else "="
        return f"Option `{spelled}' (argc {bad.argc}) requires an argument: `{spelled}{sep}{_ARG_NAME[_LONG_KEY.get(bad.opt, bad.opt)]}'"
    if bad.kind == "invalid":
        return f"Bad option `-{bad.opt}' (argc {bad.argc})"
    name, eq, value = bad.word.partition("=")
    with_arg = f" (with arg `{value}')" if eq else ""
    return f"Bad option `--{bad.word}'{with_arg} (argc {bad.argc})"


def _number(opt: str, val: str, argc: int, kind: type = int) -> Any:
    """CLIF_set_uint: strtoul with base 0, the whole argument (``opt`` as typed: -m, --max-hops)."""
    value = strtoul0(val)
    if value is None:
        raise ArgError(f"Cannot handle `{opt}' option with arg `{val}' (argc {argc})")
    return value


def _wait_specs(opt: str, val: str, argc: int) -> tuple[float, float, float]:
    """set_wait_specs(): ``MAX[,HERE[,NEAR]]`` (',' or '/'); what is left out becomes 0, not the default."""
    specs: list[float] = []
    rest = val
    while True:
        value, after = strtod_prefix(rest)
        if value is None or value != value:
            raise ArgError(f"Cannot handle `{opt}' option with arg `{val}' (argc {argc})")
        specs.append(value)
        if after[:1] in (",", "/") and len(specs) < 3:
            rest = after[1:]
            continue
        if after:
            raise ArgError(f"Cannot handle `{opt}' option with arg `{val}' (argc {argc})")
        break
    specs += [0.0] * (3 - len(specs))
    return specs[0], specs[1], specs[2]


def _apply(o: Opts, opt: str, val: str, spelled: str, argc: int) -> None:
    if opt == "f":
        o.first = _number(spelled, val, argc)
    elif opt == "m":
        o.max_hops = _number(spelled, val, argc)
    elif opt == "q":
        o.nqueries = _number(spelled, val, argc)
    elif opt == "N":
        o.sim = _number(spelled, val, argc)
    elif opt == "p":
        o.port = _number(spelled, val, argc)
    elif opt == "w":
        o.wait = _wait_specs(spelled, val, argc)
    elif opt == "i":
        o.iface = val
    elif opt == "s":
        o.source = val
    elif opt == "M":
        o.method = {"icmp": "icmp", "tcp": "tcp", "udp": "udp", "default": "default"}.get(val, val)


def parse(args: list[str], resolve: Any = None) -> Opts | str:
    """Returns options, or ``"usage"``/``"version"``; raises ArgError on errors."""
    o = Opts()
    scan = Getopt(args, SHORTOPTS, LONGOPTS, long_needs_eq=True, abbrev=False, glued_first_only=True)
    try:
        for opt, val in scan:
            if opt == "help":
                return "usage"
            if opt == "V":
                return "version"
            if val is None:
                _flag(o, opt)
            elif opt in WITH_ARG:
                _apply(o, opt, val, scan.spelled, scan.value_argc)
    except GetoptError as bad:
        raise ArgError(_clif_text(bad)) from None
    positional = list(zip(scan.operands, scan.operand_argc))
    if not positional:
        if not args:
            return "usage"
        raise ArgError('Specify "host" missing argument.')
    if len(positional) > 2:
        raise ArgError(f"Extra arg `{positional[2][0]}' (position 3, argc {positional[2][1]})")
    o.host, o.host_argc = positional[0]
    if resolve is not None and resolve(o.host) is None:
        # CLIF runs the argument handlers in order: the host is looked up before packetlen is read
        raise ArgError(f"{o.host}: Name or service not known\n"
                    f'Cannot handle "host" cmdline arg `{o.host}\' on position 1 (argc {o.host_argc})')
    if len(positional) > 1:
        text, argc = positional[1]
        try:
            o.packetlen = int(text)
        except ValueError:
            raise ArgError(f'Cannot handle "packetlen" cmdline arg `{text}\' on position 2 (argc {argc})') from None
    if len(positional) > 2:
        raise ArgError(f"Extra arg `{positional[2][0]}' (position 3, argc {positional[2][1]})")
    if o.first < 1 or o.first > o.max_hops:
        raise ArgError("first hop out of range")
    if o.max_hops > 255:
        raise ArgError("max hops cannot be more than 255")
    if o.nqueries < 1 or o.nqueries > 10:
        raise ArgError("no more than 10 probes per hop")
    if min(o.wait) < 0:
        raise ArgError("bad wait specifications `{}' used".format(",".join(_g(v) for v in o.wait)))
    if o.packetlen is not None and o.packetlen > 65000:
        raise ArgError(f"too big packetlen {o.packetlen} specified")
    return o


def _g(value: float) -> str:
    """printf's %g."""
    return "%g" % value


def _flag(o: Opts, ch: str) -> None:
    if ch == "I":
        o.method = "icmp"
    elif ch == "T":
        o.method = "tcp"
    elif ch == "U":
        o.method = "udp"
    elif ch == "n":
        o.numeric = True
    elif ch in "46":
        o.family = ch


