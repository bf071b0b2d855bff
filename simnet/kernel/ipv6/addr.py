"""IPv6 address helpers: the kernel's scope of an address, the EUI-64 interface
identifier, and the text form glibc's ``inet_ntop`` prints (which differs from
Python's for IPv4-mapped and IPv4-compatible addresses)."""
from __future__ import annotations

from ipaddress import IPv6Address, IPv6Network

from simnet.links.mac import MacAddress

__all__ = ["ntop", "net_text", "addr_scope", "eui64_linklocal", "SCOPE_ORDER", "LINKLOCAL_NET", "LOOPBACK"]

LINKLOCAL_NET = IPv6Network("fe80::/64")
MULTICAST_NET = IPv6Network("ff00::/8")
LOOPBACK = IPv6Address("::1")
# ipv6_addr_src_scope values: a wider scope sorts first in an interface's address list
SCOPE_ORDER = {"host": 0x1, "link": 0x2, "site": 0x5, "global": 0xE}


def ntop(addr: IPv6Address) -> str:
    """inet_ntop(AF_INET6): like ``str()``, but ::ffff:a.b.c.d and ::a.b.c.d in dotted form."""
    value = int(addr)
    if value >> 32 == 0xFFFF:
        return "::ffff:" + _dotted(value)
    if value >> 32 == 0 and value >> 16 != 0:          # ::a.b.c.d, but ::1 and ::1:2 stay hex
        return "::" + _dotted(value)
    return str(addr)


def _dotted(value: int) -> str:
    return ".".join(str((value >> s) & 0xFF) for s in (24, 16, 8, 0))


def net_text(net: IPv6Network) -> str:
    """A route destination as iproute2 prints it: ``default``, a bare host for /128, else addr/len."""
    if net.prefixlen == 0:
        return "default"
    if net.prefixlen == 128:
        return ntop(net.network_address)
    return f"{ntop(net.network_address)}/{net.prefixlen}"


def addr_scope(addr: IPv6Address) -> str:
    """__ipv6_addr_type's scope: loopback host, fe80::/10 link, fec0::/10 site, else global."""
    if addr == LOOPBACK:
        return "host"
    if addr.is_multicast:
        return {1: "host", 2: "link", 5: "site"}.get(int(addr) >> 112 & 0xF, "global")
    top = int(addr) >> 118
    if top == 0x3FA:
        return "link"
    if top == 0x3FB:
        return "site"
    return "global"


def eui64_linklocal(mac: MacAddress) -> IPv6Address:
    """fe80::/64 + modified EUI-64 (addr_gen_mode 0): flip the U/L bit, put ff:fe in the middle."""
    b = mac.value.to_bytes(6, "big")
    iid = bytes([b[0] ^ 0x02, b[1], b[2], 0xFF, 0xFE, b[3], b[4], b[5]])
    return IPv6Address(b"\xfe\x80" + bytes(6) + iid)
