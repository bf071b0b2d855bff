"""iptables 1.8.9's checks and canonical forms for rule parts, and its error texts.

What a learner types is stored the way iptables stores it (``--dport ssh``
becomes ``22``, ``:1023`` becomes ``0:1023``, ``--log-level info`` becomes 6),
so ``-S``, ``-L``, ``iptables-save`` and ``nft`` show what the real tools show.
"""
from __future__ import annotations

import re
from ipaddress import IPv4Address

from simnet.core.errors import CommandError
from simnet.commands.iptables_format import CT_ORDER
from simnet.commands.iptables_ext import canonical_ext, canonical_target_ext
from simnet.commands.services import service_port
from simnet.kernel.netfilter import ICMP_TYPE_NAMES, ICMPV6_TYPE_NAMES, Match, XtRule

__all__ = ["V", "TRY", "retitle", "TARGETS", "NAT_ONLY", "MATCH_MODULES", "LOG_FLAGS", "IptablesError", "param_error",
           "canonical_target", "canonical_matches", "canonical_ports"]

V = "iptables v1.8.9 (nf_tables): "
TRY = "Try `iptables -h' or 'iptables --help' for more information."
TARGETS = {"ACCEPT", "DROP", "RETURN", "REJECT", "LOG", "MASQUERADE", "SNAT", "DNAT", "MARK", "CONNMARK",
           "REDIRECT", "NOTRACK", "TCPMSS", "QUEUE", "NFLOG", "CT", "TTL", "TOS", "DSCP",
           "CLASSIFY", "NFQUEUE", "TRACE", "SET", "CHECKSUM", "AUDIT", "TEE"}
NAT_ONLY = {"MASQUERADE": ("POSTROUTING",), "SNAT": ("POSTROUTING", "INPUT"), "DNAT": ("PREROUTING", "OUTPUT"),
            "REDIRECT": ("PREROUTING", "OUTPUT")}
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


class IptablesError(CommandError):
    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


def retitle(message: str, tool: str) -> str:
    """An iptables message as ``tool`` (ip6tables, iptables-restore …) words it: the same text
    under its own name and with its own ``Try`` hint."""
    if tool == "iptables":
        return message
    text = message.replace("iptables v1.8.9", f"{tool} v1.8.9").replace(
        "Try `iptables -h' or 'iptables --help'", f"Try `{tool} -h' or '{tool} --help'").replace(
        "Perhaps iptables or", f"Perhaps {tool.removesuffix('-restore')} or")
    return f"{tool}: {text[len('iptables: '):]}" if text.startswith("iptables: ") else text


def param_error(msg: str) -> IptablesError:
    return IptablesError(f"{V}{msg}\n{TRY}", 2)



def _mark_value(target: str, option: str, value: str) -> str:
    """A MARK/CONNMARK value[/mask] read as xtables_strtoui does (C's base 0: 0x.. hex, 0.. octal),
    normalised to hex; anything else is the real tool's parameter problem."""
    if option not in ("set-mark", "set-xmark", "and-mark", "or-mark", "xor-mark"):
        return value
    parts = value.split("/", 1) if option in ("set-mark", "set-xmark") else [value]
    numbers = []
    for part in parts:
        number = -1
        if re.fullmatch(r"0[xX][0-9a-fA-F]{1,64}", part):
            number = int(part, 16)
        elif re.fullmatch(r"0[0-7]{0,64}", part):
            number = int(part, 8)
        elif re.fullmatch(r"[1-9][0-9]{0,64}", part):
            number = int(part)
        if not 0 <= number <= 0xFFFFFFFF:
            raise param_error(f'{target}: bad integer value for option "--{option}", or out of range.\n')
        numbers.append(hex(number))
    return "/".join(numbers)


REJECT6 = {"icmp6-no-route": "icmp6-no-route", "no-route": "icmp6-no-route",
           "icmp6-adm-prohibited": "icmp6-adm-prohibited", "adm-prohibited": "icmp6-adm-prohibited",
           "icmp6-addr-unreachable": "icmp6-addr-unreachable", "addr-unreach": "icmp6-addr-unreachable",
           "icmp6-port-unreachable": "icmp6-port-unreachable", "port-unreach": "icmp6-port-unreachable",
           "tcp-reset": "tcp-reset", "icmp6-policy-fail": "icmp6-policy-fail",
           "icmp6-reject-route": "icmp6-reject-route"}


def canonical_target(target: str | None, opts: list[tuple[str, str]], family: str = "ip",
                     port_ok: bool = False) -> list[tuple[str, str]]:
    """The target's options as iptables stores them; ``port_ok``: the rule names TCP, UDP,
    SCTP or DCCP (a NAT target may then map ports)."""
    if family == "ip6" and target in ("SNAT", "DNAT", "REDIRECT", "MASQUERADE"):
        return [(n, _nat6_option(n, v, port_ok)) for n, v in opts]
    if target == "REJECT" and family == "ip6":
        how = dict(opts).get("reject-with", "icmp6-port-unreachable")
        if how not in REJECT6:
            raise param_error(f"unknown reject type \"{how}\"")
        return [("reject-with", REJECT6[how])]
    if target == "REJECT":
        how = dict(opts).get("reject-with", "icmp-port-unreachable")
        aliases = {"icmp-host-prohibited": "icmp-host-prohibited", "tcp-rst": "tcp-reset",
                   "icmp-admin-prohibited": "icmp-admin-prohibited"}
        how = aliases.get(how, how)
        if how not in REJECT_WITH:
            raise param_error(f"unknown reject type \"{how}\"")
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
                        raise param_error(f'Bad IP address "{ip}"') from None
        return list(opts)
    if target in ("MARK", "CONNMARK"):
        opts = [(n, _mark_value(target, n, v)) for n, v in opts]
    ext = canonical_target_ext(target or "", opts)
    if ext is not None:
        return ext
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


def _port_part(arg: str, bad: str) -> tuple[int, str]:
    """xtables_strtoui, else a service name (then nothing may follow): the port and what follows."""
    m = re.match(r"(\d*)(.*)", arg)
    assert m is not None
    if m.group(1) and int(m.group(1)) <= 65535:
        return int(m.group(1)), m.group(2)
    port = service_port(arg, "tcp")
    if port is None:
        raise param_error(f"{bad} `{arg}' {'not valid' if bad == 'Port' else 'invalid'}")
    return port, ""


def _nat_ports(arg: str, port_ok: bool) -> str:
    """libxt_DNAT's parse_ports: ``N`` or ``N-M`` (numbers or service names), as it saves them."""
    if not port_ok:
        raise param_error("Need TCP, UDP, SCTP or DCCP with port specification")
    low, rest = _port_part(arg, "Port")
    if rest.startswith(":"):
        raise param_error("Invalid port:port syntax - use dash")
    if rest and not rest.startswith("-"):
        raise param_error(f"Garbage after port value: `{rest}'")
    if not rest:
        return str(low)
    high, garbage = _port_part(rest[1:], "Port range")
    if garbage:
        raise param_error(f"Garbage after port range: `{garbage}'")
    if high < low:
        raise param_error(f"Port range `{rest[1:]}' funky")
    return str(low) if high == low else f"{low}-{high}"


def _nat6_option(name: str, value: str, port_ok: bool) -> str:
    """libxt_DNAT's parse_to for AF_INET6 (``[addr]:port``, ``addr-addr``, ``:port``) and
    ``--to-ports``, in the form ip6tables -S prints back."""
    from ipaddress import IPv6Address

    if name == "to-ports":
        return _nat_ports(value, port_ok)
    if name not in ("to-source", "to-destination"):
        return value
    if "[" in value:
        start = value[value.index("[") + 1:]
        if "]" not in start:
            raise param_error("Invalid address format")
        addr, tail = start.split("]", 1)
        colon: int | None = tail.find(":")
        ports = tail[colon + 1:] if colon is not None and colon >= 0 else None
    else:
        addr, ports = value, None
        first = value.find(":")
        if first >= 0 and ":" not in value[first + 1:]:
            addr, ports = value[:first], value[first + 1:]
    port_text = _nat_ports(ports, port_ok) if ports is not None else None
    if ports is not None and addr == "":
        return f":{port_text}"
    low, dash, high = addr.partition("-")
    for ip in (low, high) if dash else (low,):
        try:
            IPv6Address(ip)
        except ValueError:
            raise param_error(f'Bad IP address "{ip}"') from None
    text = f"{IPv6Address(low)}" + (f"-{IPv6Address(high)}" if dash else "")
    return f"[{text}]:{port_text}" if port_text is not None else text


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


def canonical_ports(value: str, proto: str) -> str:
    """``:1023`` → ``0:1023``, ``8000:`` → ``8000:65535``, service names → numbers."""
    lo, colon, hi = value.partition(":")
    if colon and ":" in hi:
        raise param_error(f"invalid port/service `{hi}' specified")
    ports = [str(service_port(x, proto) or x) for x in ((lo or "0", hi or "65535") if colon else (lo,))]
    for port in ports:
        if not port.isdigit() or int(port) > 65535:
            raise param_error(f"invalid port/service `{port}' specified")
    if colon and int(ports[0]) > int(ports[1]):
        raise param_error("invalid portrange (min > max)")
    return ":".join(ports)


def canonical_matches(rule: XtRule) -> None:
    fixed = []
    for m in rule.matches:
        if m.module == "multiport" and rule.proto not in ("tcp", "udp", "udplite", "sctp", "dccp"):
            raise param_error("multiport needs `-p tcp', `-p udp', `-p udplite', `-p sctp' or `-p dccp'")
        opts = []
        for name, value, neg in m.options:
            if name in ("ctstate", "state"):
                states = [s.upper() for s in value.split(",")]
                bad = [s for s in states if s not in CT_ORDER]
                if bad:
                    raise param_error(f"Bad ctstate \"{bad[0]}\"")
                value = ",".join(s for s in CT_ORDER if s in states)
            if name == "syn":
                name, value = "tcp-flags", "FIN,SYN,RST,ACK SYN"
            if name == "tcp-flags":
                order = ("FIN", "SYN", "RST", "PSH", "ACK", "URG")
                mask, _, comp = value.upper().partition(" ")
                pick = lambda names: ",".join(f for f in order if f in names.split(",")) or names  # noqa: E731
                value = f"{pick(mask) if mask not in ('ALL', 'NONE') else mask} " \
                        f"{pick(comp) if comp not in ('ALL', 'NONE') else comp}"
            if name == "icmpv6-type":
                t, c = ICMPV6_TYPE_NAMES.get(value, (None, None))
                if value.replace("/", "").isdigit():
                    num, _, code = value.partition("/")
                    t, c = (int(num), int(code) if code else None) if int(num) <= 255 and int(code or 0) <= 255 \
                        else (None, None)
                if t is None:
                    raise param_error(f"Unknown ICMPv6 type `{value}'")
                value = f"{t}/{c}" if c is not None else str(t)
            if name == "icmp-type" and value != "any" and not value.replace("/", "").isdigit():
                t, c = ICMP_TYPE_NAMES.get(value, (None, None))
                if t is None:
                    raise param_error(f"Unknown ICMP type `{value}'")
                value = f"{t}/{c}" if c is not None else str(t)
            if name in ("dport", "sport"):
                value = canonical_ports(value, m.module)
            if m.module == "multiport" and name in ("dports", "sports", "ports", "destination-ports",
                                                     "source-ports"):
                value = ",".join(canonical_ports(v, rule.proto or "tcp") for v in value.split(","))
            opts.append((name, value, neg))
        fixed.append(canonical_ext(Match(m.module, tuple(opts))))
    rule.matches = tuple(fixed)
