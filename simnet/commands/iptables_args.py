"""How iptables 1.8.9 reads its command line before it looks at any option's meaning.

iptables uses ``getopt_long``: short options cluster (``-nvL``), an optional
argument must be attached (``-LINPUT``, ``-Fn`` flushes a chain called ``n``),
and long options may be abbreviated while the prefix is unique (``--line``).
A quirk learners hit: for ``-s -d -p -i -o -j`` iptables reads the whole
``argv`` element, so ``-s1.2.3.4`` asks for a host called ``-s1.2.3.4``.
This module turns argv into the one-option-per-element form the parser wants.
"""
from __future__ import annotations

from simnet.core.errors import CommandError

__all__ = ["Tokens", "ArgError", "BASE_LONG", "MODULE_LONG", "illegal_option"]

# short option -> takes an argument: 0 no, 1 required, 2 optional (attached only)
SHORT = {**{c: 1 for c in "ACDRINEPopsdjitmcgM"}, **{c: 2 for c in "LSFZXhwW"}, **{c: 0 for c in "vnxfbV46"}}
# options whose value iptables takes from argv[optind-1] instead of optarg
WHOLE_TOKEN = set("sdpioj")

BASE_LONG = ("append", "delete", "insert", "replace", "check", "list", "list-rules", "flush", "zero",
             "new-chain", "delete-chain", "rename-chain", "policy", "source", "src", "destination", "dst",
             "protocol", "in-interface", "jump", "table", "match", "numeric", "out-interface", "verbose",
             "wait", "wait-interval", "exact", "fragment", "version", "help", "line-numbers", "modprobe",
             "set-counters", "goto", "ipv4", "ipv6")
# long options of the extensions simnet knows, with the module that brings them
MODULE_LONG = {
    "tcp": ("source-port", "sport", "destination-port", "dport", "tcp-flags", "syn", "tcp-option"),
    "udp": ("source-port", "sport", "destination-port", "dport"),
    "icmp": ("icmp-type",),
    "icmp6": ("icmpv6-type",),
    "multiport": ("source-ports", "sports", "destination-ports", "dports", "ports"),
    "state": ("state",),
    "conntrack": ("ctstate", "ctproto", "ctorigsrc", "ctorigdst", "ctreplsrc", "ctrepldst", "ctstatus",
                  "ctexpire", "ctdir"),
    "comment": ("comment",),
    "mark": ("mark",),
    "connmark": ("mark",),
    "addrtype": ("src-type", "dst-type", "limit-iface-in", "limit-iface-out"),
    "iprange": ("src-range", "dst-range"),
    "limit": ("limit", "limit-burst"),
    "mac": ("mac-source",),
    "length": ("length",),
    "ttl": ("ttl-eq", "ttl-lt", "ttl-gt"),
    "pkttype": ("pkt-type",),
    "owner": ("uid-owner", "gid-owner", "socket-exists", "suppl-groups"),
    "REJECT": ("reject-with",),
    "LOG": ("log-level", "log-prefix", "log-tcp-sequence", "log-tcp-options", "log-ip-options", "log-uid",
            "log-macdecode"),
    "SNAT": ("to-source", "random", "random-fully", "persistent"),
    "CT": ("notrack", "helper", "ctevents", "expevents", "zone", "timeout"),
    "NFLOG": ("nflog-group", "nflog-prefix", "nflog-range", "nflog-size", "nflog-threshold"),
    "TCPMSS": ("set-mss", "clamp-mss-to-pmtu"),
    "DNAT": ("to-destination", "random", "persistent"),
    "MASQUERADE": ("to-ports", "random", "random-fully"),
    "REDIRECT": ("to-ports", "random"),
    "MARK": ("set-xmark", "set-mark", "and-mark", "or-mark", "xor-mark"),
    "CONNMARK": ("set-xmark", "set-mark", "save-mark", "restore-mark", "and-mark", "or-mark", "xor-mark"),
}
# which options each command refuses (iptables' commands_v_options table), checked in its order
_OPT_ORDER = "nsdpjvxio0"
_RULE = "nx0"
_NO_SPEC = "nsdpjxio0"
_ILLEGAL = {"append": _RULE, "insert": _RULE, "replace": _RULE, "delete": _RULE, "check": _RULE,
            "delete-num": _NO_SPEC, "flush": _NO_SPEC, "zero": _NO_SPEC, "new": _NO_SPEC, "delete-chain": _NO_SPEC,
            "policy": _NO_SPEC, "rename": _NO_SPEC, "list-rules": _NO_SPEC, "list": "sdpjio"}


BUILTIN_TARGETS = {"ACCEPT", "DROP", "RETURN", "QUEUE"}


class ArgError(CommandError):
    """An ``unknown option`` error (``text`` is the offending argv element), or with ``missing``
    an option whose required argument is missing."""

    def __init__(self, text: str, missing: bool = False) -> None:
        super().__init__(text)
        self.text = text
        self.missing = missing


def _resolve_long(name: str, loaded: set[str]) -> str:
    """Exact name, or the unique prefix match (base options first, then loaded extensions)."""
    known = set(BASE_LONG)
    for mod in loaded:
        known.update(MODULE_LONG.get(mod, ()))
    if name in known:
        return name
    base = [o for o in BASE_LONG if o.startswith(name)]
    if len(base) == 1:
        return base[0]
    if base:
        raise ArgError("--" + name)
    ext = sorted({o for mod in loaded for o in MODULE_LONG.get(mod, ()) if o.startswith(name)})
    if len(ext) == 1:
        return ext[0]
    if not ext and any(mod not in MODULE_LONG and mod not in BUILTIN_TARGETS for mod in loaded):
        return name             # an extension simnet does not describe: take the option as given
    raise ArgError("--" + name)


class Tokens:
    """argv read the way getopt_long reads it: one option at a time, so errors come out in order.

    A required argument is the attached rest of a cluster or else the next argv element, whatever
    it looks like (``-A -j`` makes ``-j`` the chain); an optional one must be attached or be a next
    element that does not start with ``-`` or ``!``.
    """

    def __init__(self, argv: list[str]) -> None:
        self.raw = argv
        self.pos = 0
        self.pending: list[str] = []
        self.loaded: set[str] = set()       # extensions whose long options getopt now knows
        self.ended = False                  # after "--" every element is a plain word

    def next_option(self) -> str | None:
        if self.pending:
            return self.pending.pop(0)
        if self.pos >= len(self.raw):
            return None
        arg = self.raw[self.pos]
        self.pos += 1
        if self.ended:
            return arg
        if arg == "--":
            self.ended = True
            return self.next_option()
        if arg.startswith("--") and len(arg) > 2:
            name, eq, value = arg[2:].partition("=")
            full = _resolve_long(name, self.loaded)
            if eq:
                self.pending.append(value)
            return f"--{full}"
        if arg.startswith("-") and len(arg) > 2:
            out: list[str] = []
            _cluster(arg, out)
            self.pending.extend(out[1:])
            return out[0]
        return arg

    def take(self, option: str) -> str:
        """The required argument of ``option``."""
        if self.pending:
            return self.pending.pop(0)
        if self.pos >= len(self.raw):
            raise ArgError(option, missing=True)
        self.pos += 1
        return self.raw[self.pos - 1]

    def attached(self) -> str | None:
        """An argument glued to the option (``-LINPUT``, ``--table=nat``)."""
        return self.pending.pop(0) if self.pending and not self.pending[0].startswith("-") else None

    def word(self) -> str | None:
        """The next element if it is a plain word (an optional argument of -L, -D, -I …)."""
        if not self.pending and self.pos < len(self.raw) and self.raw[self.pos][:1] not in ("-", "!"):
            self.pos += 1
            return self.raw[self.pos - 1]
        return None


def _cluster(arg: str, out: list[str]) -> None:
    """``-nvL`` → ``-n -v -L``; the first option taking an argument eats the rest."""
    for k, ch in enumerate(arg[1:], 1):
        kind = SHORT.get(ch)
        if kind is None:
            raise ArgError(arg)
        rest = arg[k + 1:]
        out.append("-" + ch)
        if kind == 0:
            continue
        if rest:
            out.append(arg if ch in WHOLE_TOKEN else rest)
        return


def illegal_option(command: str, seen: set[str]) -> str | None:
    """The first option (as iptables names it: ``-0`` is --line-numbers) this command refuses."""
    bad = _ILLEGAL.get(command, "")
    for ch in _OPT_ORDER:
        if ch in bad and ch in seen:
            return "-" + ch
    return None
