"""iproute2's argument helpers (lib/utils.c), so every ``ip`` subcommand fails alike.

iproute2 accepts abbreviations through ``matches()`` (checked in source order,
so ``ip r a`` is ``ip route add``), reads IPv4 addresses with ``strtoul`` per
octet (``10/8`` is 10.0.0.0/8, ``010`` is octal) and reports bad input with a
handful of fixed sentences and exit codes. The helpers raise
:class:`UsageError`, which the shell prints and turns into the exit code.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_network

from simnet.commands.base import UsageError

__all__ = ["matches", "strtoul", "Prefix", "get_prefix", "get_addr", "get_u32", "invarg", "duparg",
           "duparg2", "incomplete", "nodev", "AF_UNSPEC", "AF_INET"]

AF_UNSPEC, AF_INET, AF_INET6 = "any valid", "inet", "inet6"


def matches(word: str, full: str) -> bool:
    """True when ``word`` is a non-empty prefix of ``full`` (iproute2's ``matches() == 0``)."""
    return bool(word) and full.startswith(word)


def strtoul(text: str, base: int = 0) -> tuple[int | None, str]:
    """C ``strtoul``: the number read and the unread rest; None when no digit was read."""
    s = text.lstrip(" \t\n")
    neg = False
    if s[:1] in ("+", "-"):
        neg = s[0] == "-"
        s = s[1:]
    if base in (0, 16) and s[:2].lower() == "0x" and len(s) > 2 and s[2] in "0123456789abcdefABCDEF":
        s, base = s[2:], 16
    elif base == 0:
        base = 8 if s[:1] == "0" else 10
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"[:base]
    n = 0
    while n < len(s) and s[n].lower() in digits:
        n += 1
    if n == 0:
        return None, text
    value = int(s[:n], base)
    if neg:
        value = (-value) & 0xFFFFFFFFFFFFFFFF
    return value, s[n:]


def get_u32(text: str, base: int = 0) -> int | None:
    """get_u32/get_unsigned: the whole word must be a number below 2**32."""
    if not text:
        return None
    value, rest = strtoul(text, base)
    if value is None or rest or value > 0xFFFFFFFF:
        return None
    return value


_DOTTED = re.compile(r"(0|[1-9][0-9]?[0-9]?)\.(0|[1-9][0-9]?[0-9]?)\.(0|[1-9][0-9]?[0-9]?)\.(0|[1-9][0-9]?[0-9]?)")


def _ipv4(text: str) -> IPv4Address | None:
    """get_addr_ipv4: up to four strtoul octets, missing ones are zero."""
    plain = _DOTTED.fullmatch(text)       # the usual spelling, without octal or hex octets: fast
    if plain is not None:
        a, b, c, d = map(int, plain.groups())
        if a <= 255 and b <= 255 and c <= 255 and d <= 255:
            return IPv4Address(a << 24 | b << 16 | c << 8 | d)
        return None
    octets: list[int] = []
    rest = text
    for i in range(4):
        value, after = strtoul(rest, 0)
        if value is None or value > 255:
            return None
        octets.append(value)
        if after == "":
            break
        if i == 3 or after[0] != ".":
            return None
        rest = after[1:]
    octets += [0] * (4 - len(octets))
    return IPv4Address(".".join(map(str, octets)))


@dataclass(frozen=True)
class Prefix:
    """What get_prefix returns: an address, its length and whether a length was written."""

    addr: IPv4Address | IPv6Address
    plen: int
    any: bool = False            # default / all / any
    plen_given: bool = False

    @property
    def network(self) -> IPv4Network | IPv6Network:
        if self.addr.version == 6:
            return ip_network(f"{self.addr}/{self.plen}", strict=False)
        mask = (0xFFFFFFFF << (32 - self.plen)) & 0xFFFFFFFF
        return IPv4Network((int(self.addr) & mask, self.plen))

    @property
    def v6(self) -> bool:
        return self.addr.version == 6

    @property
    def exact(self) -> bool:
        """The address has no host bits beyond the prefix length."""
        return self.network.network_address == self.addr


def _netmask(text: str) -> int | None:
    value = get_u32(text, 0)
    if value is not None:
        return value
    mask = _ipv4(text)
    if mask is None:
        return None
    bits = int(mask)
    plen = bin(bits).count("1")
    return plen if bits == ((1 << 32) - 1) ^ ((1 << (32 - plen)) - 1) else None


def _ipv6(text: str) -> IPv6Address | None:
    """inet_pton(AF_INET6)."""
    if "%" in text:
        return None
    try:
        return IPv6Address(text)
    except ValueError:
        return None


def _prefix6(addr_text: str, slash: str, plen_text: str) -> Prefix | None:
    addr = _ipv6(addr_text)
    if addr is None:
        return None
    if not slash:
        return Prefix(addr, 128)
    plen = get_u32(plen_text)
    if plen is None or plen > 128:
        return None
    return Prefix(addr, plen, plen_given=True)


def _prefix(text: str, family: str = AF_UNSPEC, v6: bool = False) -> Prefix | None:
    addr_text, slash, plen_text = text.partition("/")
    if addr_text in ("default", "all", "any"):
        if slash:
            return None
        zero = IPv6Address(0) if family == AF_INET6 else IPv4Address(0)
        return Prefix(zero, 0, any=True, plen_given=addr_text == "default")
    if family == AF_INET6 or (v6 and ":" in addr_text and family != AF_INET):
        return _prefix6(addr_text, slash, plen_text)
    if ":" in addr_text:
        return None
    addr = _ipv4(addr_text)
    if addr is None:
        return None
    if not slash:
        return Prefix(addr, 32)
    plen = _netmask(plen_text)
    if plen is None or plen > 32:
        return None
    return Prefix(addr, plen, plen_given=True)


def get_prefix(text: str, family: str = AF_UNSPEC, v6: bool = False) -> Prefix:
    """get_prefix; ``v6`` lets AF_UNSPEC read an IPv6 prefix too (the callers that handle one)."""
    p = _prefix(text, family, v6)
    if p is None:
        raise UsageError(f'Error: {family} prefix is expected rather than "{text}".', 1)
    return p


def get_addr(text: str, family: str = AF_UNSPEC, v6: bool = False) -> IPv4Address | IPv6Address:
    """get_addr: one address (``default``/``any`` give 0.0.0.0 like iproute2's zeroed buffer)."""
    if text in ("default", "all", "any"):
        return IPv6Address(0) if family == AF_INET6 else IPv4Address(0)
    if family == AF_INET6 or (v6 and ":" in text and family != AF_INET):
        addr6 = _ipv6(text)
        if addr6 is None:
            raise UsageError(f'Error: {family} address is expected rather than "{text}".', 1)
        return addr6
    addr = None if ":" in text else _ipv4(text)
    if addr is None:
        raise UsageError(f'Error: {family} address is expected rather than "{text}".', 1)
    return addr


def invarg(msg: str, arg: str) -> UsageError:
    """``invarg`` messages end in a newline of their own: iproute2 prints a blank line after them."""
    return UsageError(f'Error: argument "{arg}" is wrong: {msg}', 255)


def duparg(key: str, arg: str) -> UsageError:
    return UsageError(f'Error: duplicate "{key}": "{arg}" is the second value.', 255)


def duparg2(key: str, arg: str) -> UsageError:
    return UsageError(f'Error: either "{key}" is duplicate, or "{arg}" is a garbage.', 255)


def incomplete() -> UsageError:
    return UsageError('Command line is not complete. Try option "help"', 255)


def nodev(dev: str) -> UsageError:
    return UsageError(f'Cannot find device "{dev}"', 1)


class Args:
    """argv with iproute2's NEXT_ARG (a missing value is an incomplete command)."""

    def __init__(self, args: list[str]) -> None:
        self.args = list(args)
        self.i = 0

    def __bool__(self) -> bool:
        return self.i < len(self.args)

    @property
    def cur(self) -> str:
        return self.args[self.i]

    def next(self) -> str:
        """Move to the value of the current keyword (NEXT_ARG)."""
        self.i += 1
        if self.i >= len(self.args):
            raise incomplete()
        return self.args[self.i]

    def advance(self) -> None:
        self.i += 1

    def rest(self) -> list[str]:
        return self.args[self.i:]


# ------------------------------------------------------------ name tables
RT_TYPES = ("unspec", "unicast", "local", "broadcast", "anycast", "multicast", "blackhole", "unreachable",
            "prohibit", "throw", "nat", "xresolve")
SCOPES = {"global": 0, "site": 200, "link": 253, "host": 254, "nowhere": 255}
SCOPE_NAMES = {v: k for k, v in SCOPES.items()}
PROTOS = {"unspec": 0, "redirect": 1, "kernel": 2, "boot": 3, "static": 4, "gated": 8, "ra": 9, "mrt": 10,
          "zebra": 11, "bird": 12, "dnrouted": 13, "xorp": 14, "ntk": 15, "dhcp": 16, "keepalived": 18,
          "babel": 42, "openr": 99, "bgp": 186, "isis": 187, "ospf": 188, "rip": 189, "eigrp": 192}
PROTO_NAMES = {v: k for k, v in PROTOS.items()}
TABLES = {"local": 255, "main": 254, "default": 253, "unspec": 0}


def rtntype_a2n(text: str) -> str | None:
    """rtnl_rtntype_a2n (ip/rtm_map.c): several names may be abbreviated."""
    if text == "local":
        return "local"
    if text == "nat":
        return "nat"
    for name, short in (("broadcast", "brd"), ("anycast", None), ("multicast", None), ("prohibit", None),
                        ("unreachable", None), ("blackhole", None), ("xresolve", None), ("unicast", None)):
        if matches(text, name) or text == short:
            return name
    if text == "throw":
        return "throw"
    value = get_u32(text)
    if value is None or value > 255:
        return None
    return RT_TYPES[value] if value < len(RT_TYPES) else str(value)


def rtscope_a2n(text: str) -> int | None:
    if text in SCOPES:
        return SCOPES[text]
    value = get_u32(text)
    return value if value is not None and value <= 255 else None


def rtprot_a2n(text: str) -> int | None:
    if text in PROTOS:
        return PROTOS[text]
    value = get_u32(text)
    return value if value is not None and value <= 255 else None


def rttable_a2n(text: str) -> int | None:
    if text in TABLES:
        return TABLES[text]
    return get_u32(text)


def proto_name(value: int | str) -> str:
    if isinstance(value, str):
        return value
    return PROTO_NAMES.get(value, str(value))


def scope_name(value: int | str) -> str:
    if isinstance(value, str):
        return value
    return SCOPE_NAMES.get(value, str(value))
