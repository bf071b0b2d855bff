"""nft's evaluation of a parsed rule: typed values and the engine's expressions.

Words become the values the engine matches on (ports as numbers, addresses as
networks, ``ct state`` words, protocol names), with nft's own complaints where a
word does not fit ("Service out of range", "Could not parse conntrack state").
The result is a tuple of :mod:`simnet.kernel.nftables.expr` expressions.
"""
from __future__ import annotations

from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_network
from typing import Any, Callable

from simnet.commands.nft_ast import Match, RuleSpec, Stmt, Value
from simnet.commands.nft_errors import Mark, NftError
from simnet.kernel.nftables import expr as E
from simnet.kernel.nftables.text import SET_KEYS

__all__ = ["rule_exprs", "element_value", "SERVICES"]

SERVICES = {"ftp-data": 20, "ftp": 21, "ssh": 22, "telnet": 23, "smtp": 25, "domain": 53, "bootps": 67,
            "bootpc": 68, "tftp": 69, "http": 80, "www": 80, "pop3": 110, "ntp": 123, "imap": 143, "imap2": 143,
            "snmp": 161, "ldap": 389, "https": 443, "submission": 587, "ldaps": 636, "imaps": 993, "pop3s": 995,
            "openvpn": 1194, "mysql": 3306, "postgresql": 5432, "http-alt": 8080}
IFACE_KEYS = ("meta iifname", "meta oifname", "meta iif", "meta oif")


def _port(word: str, mark: Mark) -> int:
    if word.isdigit() or word.lower().startswith("0x"):
        n = int(word, 0)
        if n > 65535:
            raise NftError("Service out of range", mark)
        return n
    if word in SERVICES:
        return SERVICES[word]
    raise NftError("Could not resolve service: Servname not supported for ai_socktype", mark)


def _addr4(word: str, mark: Mark) -> IPv4Address:
    try:
        return IPv4Address(word)
    except ValueError:
        pass
    if ":" in word:
        raise NftError("Could not resolve hostname: Address family for hostname not supported", mark)
    raise NftError("Could not resolve hostname: Name or service not known", mark)


def _addr6(word: str, mark: Mark) -> IPv6Address:
    try:
        return IPv6Address(word)
    except ValueError:
        raise NftError("Could not resolve hostname: Address family for hostname not supported"
                       if "." in word and word.replace(".", "").isdigit()
                       else "Could not resolve hostname: Name or service not known", mark) from None


def _proto(word: str, mark: Mark) -> Any:
    if word.isdigit():
        n = int(word)
        names = {v: k for k, v in E.PROTOCOLS.items()}
        return names.get(n, n)
    alias = {"ipv6-icmp": "icmpv6"}.get(word, word)
    if alias in E.PROTOCOLS:
        return alias
    raise NftError("Could not resolve protocol name", mark)


def _icmp(names: dict[str, int], what: str) -> Callable[[str, Mark], Any]:
    def conv(word: str, mark: Mark) -> Any:
        if word.isdigit():
            n = int(word)
            back = {v: k for k, v in names.items()}
            return back.get(n, n)
        if word in names:
            return word
        raise NftError(f"Could not parse {what} type", mark)
    return conv


def _ct_state(word: str, mark: Mark) -> str:
    if word in E.CT_STATES:
        return word
    raise NftError("Could not parse conntrack state", mark)


def _ct_status(word: str, mark: Mark) -> str:
    if word in E.CT_STATUS:
        return word
    raise NftError("Could not parse conntrack status", mark)


def _number(word: str, mark: Mark) -> int:
    try:
        return int(word, 0)
    except ValueError:
        raise NftError("Could not parse integer", mark) from None


def _iface(word: str, mark: Mark) -> str:
    return word


CONVERT: dict[str, Callable[[str, Mark], Any]] = {
    "tcp dport": _port, "tcp sport": _port, "udp dport": _port, "udp sport": _port,
    "meta l4proto": _proto, "ip protocol": _proto, "ip6 nexthdr": _proto,
    "icmp type": _icmp(E.ICMP_TYPES, "ICMP"), "icmpv6 type": _icmp(E.ICMPV6_TYPES, "ICMPv6"),
    "ct state": _ct_state, "ct status": _ct_status,
    "meta iifname": _iface, "meta oifname": _iface, "meta iif": _iface, "meta oif": _iface,
}


def _scalar(key: str, v: Value, word: str, mark: Mark, ifaces: Callable[[str], bool]) -> Any:
    if key in ("ip saddr", "ip daddr"):
        return _addr4(word, mark)
    if key in ("ip6 saddr", "ip6 daddr"):
        return _addr6(word, mark)
    if key in ("meta iif", "meta oif") and not ifaces(word):
        raise NftError("Interface does not exist", mark)
    return CONVERT.get(key, _number)(word, mark)


def element_value(key: str, v: Value, ifaces: Callable[[str], bool] = lambda n: True) -> Any:
    """One typed element: a scalar, a network (``addr/len``) or a :class:`E.Range`."""
    if v.kind == "range":
        lo_w, hi_w = v.items
        lo = _scalar(key, v, lo_w, v.mark, ifaces)
        hi = _scalar(key, v, hi_w, v.mark, ifaces)
        if isinstance(lo, int) and isinstance(hi, int) and hi < lo or (
                isinstance(lo, (IPv4Address, IPv6Address)) and hi < lo):
            raise NftError("Range has zero or negative size", v.mark)
        return E.Range(lo, hi)
    word = v.items[0]
    if v.prefix is not None:
        width = 128 if key.startswith("ip6 ") else 32
        if not key.startswith(("ip ", "ip6 ")):
            raise NftError("Prefix expression is undefined for non-address types", v.mark)
        addr = _scalar(key, v, word, Mark(v.mark.start, v.mark.start + len(word)), ifaces)
        if v.prefix > width:
            raise NftError(f"Prefix length {v.prefix} is invalid for type of {width} bits width", v.mark)
        return ip_network(f"{addr}/{v.prefix}", strict=False)
    value = _scalar(key, v, word, v.mark, ifaces)
    if isinstance(value, (IPv4Address, IPv6Address)):
        return IPv4Network(value) if isinstance(value, IPv4Address) else IPv6Network(value)
    return value


_ADDR_TYPE = {"ip daddr": "ipv4_addr", "ip6 daddr": "ipv6_addr"}


def _span(e: Any) -> tuple[int, int] | None:
    """An element as the interval of numbers it covers (None for names: no intervals there)."""
    if isinstance(e, (IPv4Network, IPv6Network)):
        return int(e.network_address), int(e.broadcast_address)
    if isinstance(e, E.Range) and isinstance(e.lo, (int, IPv4Address, IPv6Address)):
        return int(e.lo), int(e.hi)
    if isinstance(e, int):
        return e, e
    return None


def _no_overlap(elements: list[Any], marks: list[Mark]) -> None:
    """A map's keys may not overlap (a set merges them; a map could not say which value wins)."""
    spans = [_span(e) for e in elements]
    for j, b in enumerate(spans):
        for i in range(j):
            a = spans[i]
            if a is not None and b is not None and a[0] <= b[1] and b[0] <= a[1]:
                # nft inserts the keys in order: the one that starts later is the intruder
                new, old = (i, j) if a[0] > b[0] else (j, i)
                raise NftError("conflicting intervals specified", marks[new],
                               Mark(marks[old].start, marks[old].end, False))


def _match(m: Match, ifaces: Callable[[str], bool], family: str) -> E.Cmp | E.Vmap:
    key = m.key
    fam = key.split()[0]
    if family == "ip" and fam == "ip6" or family == "ip6" and fam == "ip":
        raise NftError(f"conflicting protocols specified: {family} vs. {fam}", m.mark)
    v = m.value
    short = key[5:] if key in IFACE_KEYS else key
    if m.op == "vmap" and v.kind == "setref":
        return E.Vmap(short, (), v.items[0])
    if v.kind == "vmap":
        elements = [element_value(key, val, ifaces) for val, _, _ in v.items]
        _no_overlap(elements, [val.mark for val, _, _ in v.items])
        return E.Vmap(short, tuple((e, E.Verdict(word, chain)) for e, (_, word, chain) in zip(elements, v.items)))
    if v.kind == "setref":
        value: Any = E.SetRef(v.items[0])
    elif v.kind == "set":
        value = E.AnonSet(tuple(element_value(key, e, ifaces) for e in v.items))
    elif v.kind == "list":
        value = tuple(element_value(key, e, ifaces) for e in v.items)
    else:
        value = element_value(key, v, ifaces)
    return E.Cmp(short, value, m.op)


def _stmt(s: Stmt, family: str, l4: str | None) -> list[Any]:
    a = s.args
    if s.kind == "verdict":
        return [E.Verdict(a["verdict"], a.get("target"))]
    if s.kind == "counter":
        return [E.Counter()]
    if s.kind == "reject":
        kind = a.get("with")
        if kind == "tcp reset":
            pre = [E.Cmp("meta l4proto", "tcp")] if family == "inet" and l4 != "tcp" else []
            return pre + [E.Reject("tcp", "reset")]
        if kind is None:
            return [E.Reject("icmpx" if family == "inet" else "icmp", "port-unreachable")]
        codes = E.REJECT_CODES[kind]
        code = a["code"]
        if code.isdigit():
            back = {v: k for k, v in codes.items()}
            code = back.get(int(code), code)
        elif code not in codes:
            raise NftError("Could not parse icmp code" if kind != "icmpv6" else "Could not parse icmpv6 code",
                           a["code_mark"])
        if kind == "icmpx" and family != "inet":
            raise NftError("abstracted ICMP unreachable not supported", Mark(s.mark.start, s.mark.start + 6, False),
                           a["code_mark"])
        return [E.Reject(kind, code)]
    if s.kind in ("snat", "dnat") and "map" in a:
        key, v = a["map"]
        daddr = "ip6 daddr" if a.get("family") == "ip6" or family == "ip6" else "ip daddr"
        if v.kind == "setref":
            lookup = E.Vmap(key, (), v.items[0])
        else:
            keys = [element_value(key, e) for e in v.items]
            _no_overlap(keys, [e.mark for e in v.items])
            lookup = E.Vmap(key, tuple((k, map_pair(key, _ADDR_TYPE[daddr], e)[1]) for k, e in zip(keys, v.items)))
        # nft keeps "ip"/"ip6" after snat/dnat only where the table's family leaves it open
        return [E.Nat(s.kind, None, None, tuple(a.get("flags", ())), a.get("family") if family == "inet" else None,
                      lookup)]
    if s.kind in ("snat", "dnat", "masquerade", "redirect"):
        addr = a.get("addr")
        port = a.get("port")
        if port is not None and l4 is None:
            raise NftError("transport protocol mapping is only valid after transport protocol match",
                           Mark(s.mark.start, s.mark.start + len(s.kind), False), port.mark)
        if addr is not None and family == "inet" and not a.get("family"):
            raise NftError("ip or ip6 must be specified with address for inet tables.",
                           Mark(s.mark.start, s.mark.start + len(s.kind)))
        addr_text = None
        if addr is not None:
            key = "ip6 daddr" if a.get("family") == "ip6" or family == "ip6" else "ip daddr"
            if addr.kind == "range":
                element_value(key, addr)
                addr_text = f"{addr.items[0]}-{addr.items[1]}"
            else:
                element_value(key, addr)
                addr_text = addr.items[0]
        port_text = None
        if port is not None:
            port_text = "-".join(str(_port(w, port.mark)) for w in port.items)
        return [E.Nat(s.kind, addr_text, port_text, tuple(a.get("flags", ())), a.get("family"))]
    if s.kind == "log":
        return [E.Log(a.get("prefix"), a.get("level"), tuple(a.get("flags", ())))]
    if s.kind == "limit":
        return [E.Limit(a["rate"], a["unit"], a.get("burst"), a["over"], a.get("bytes"))]
    raise NftError("unsupported statement", s.mark)


def rule_exprs(rule: RuleSpec, family: str, ifaces: Callable[[str], bool] = lambda n: True) -> tuple[Any, ...]:
    """The rule's expressions, or the NftError nft reports for it."""
    out: list[Any] = []
    l4: str | None = None
    verdict: Stmt | None = None
    for item in rule.items:
        if verdict is not None:
            raise NftError("Statement after terminal statement has no effect", Mark(verdict.mark.start,
                                                                                    verdict.mark.end, False),
                           item.mark)
        if isinstance(item, Match):
            cmp = _match(item, ifaces, family)
            proto = item.key.split()[0]
            if proto in ("tcp", "udp", "icmp"):
                if l4 is not None and l4 != proto:
                    raise NftError(f"conflicting protocols specified: {l4} vs. {proto}", item.mark)
                l4 = proto
            elif item.key in ("meta l4proto", "ip protocol") and item.op == "==" and isinstance(cmp, E.Cmp) \
                    and isinstance(cmp.value, str):
                l4 = cmp.value
            out.append(cmp)
        else:
            out += _stmt(item, family, l4)
            if item.kind == "verdict":
                verdict = item
    return tuple(out)



def map_pair(key: str, data_type: str, v: Value, ifaces: Callable[[str], bool] = lambda n: True) -> tuple[Any, Any]:
    """A map element ``KEY : DATA`` typed: the key as a set element, the data as a verdict or a
    value of the map's data type."""
    k = element_value(key, v, ifaces)
    d = v.data
    if isinstance(d, tuple):
        return k, E.Verdict(d[1], d[2])
    if d is None or data_type == "verdict":
        raise NftError("Could not process rule: Invalid argument", v.mark)
    return k, element_value(SET_KEYS.get(data_type, ""), d, ifaces)
