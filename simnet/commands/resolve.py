"""Name resolution as the tools do it: dotted quads, then ``/etc/hosts``."""
from __future__ import annotations

import re
from ipaddress import IPv4Address

from simnet.core.dccache import re_compile
from simnet.kernel.node import Node

__all__ = ["resolve_host", "parse_ipv4_strict", "reverse_name", "canonical_name", "is_numeric_host", "lan_reverse"]


def parse_ipv4_strict(text: str) -> IPv4Address | None:
    try:
        return IPv4Address(text)
    except ValueError:
        return None


def resolve_host(node: Node, name: str, dns: bool = True) -> IPv4Address | None:
    """inet_aton-style numbers, ``localhost``, then ``/etc/hosts``, then DNS (labs with a
    resolver, see simnet.services.road); None if unknown."""
    addr = parse_ipv4_strict(name)
    if addr is not None:
        return addr
    if is_numeric_host(name):
        return inet_aton(name)
    if name in ("localhost", "localhost.localdomain", "ip6-localhost"):
        return IPv4Address("127.0.0.1")
    hosts = node.files.get("/etc/hosts", "")
    for line in hosts.splitlines():
        fields = line.split("#", 1)[0].split()
        if len(fields) >= 2 and name in fields[1:]:
            addr = parse_ipv4_strict(fields[0])
            if addr is not None:
                return addr
    if name == node.hostname:
        for iface in node.interfaces.values():
            if not iface.is_loopback and iface.addresses:
                return iface.addresses[0].ip
    if dns:
        from simnet.services.road_client import dns_for_tools

        return dns_for_tools(node, name)
    return None


def _hosts_lines(node: Node) -> list[list[str]]:
    """``/etc/hosts`` as field lists; a Debian box always maps 127.0.0.1 to localhost."""
    text = node.files.get("/etc/hosts", "127.0.0.1\tlocalhost\n")
    rows = [line.split("#", 1)[0].split() for line in text.splitlines()]
    return [r for r in rows if len(r) >= 2]


def _magicdns_name(node: Node, addr: IPv4Address) -> str | None:
    """The PTR answer of tailscaled's resolver, when /etc/resolv.conf asks it (MagicDNS)."""
    from simnet.services.dns import nameservers
    from simnet.tailnet.magicdns import QUAD100_ADDR, answer_addr, resolver_at

    ts = resolver_at(node)
    if ts is None or nameservers(node)[:1] != [QUAD100_ADDR]:
        return None
    return answer_addr(ts, addr)


def reverse_name(node: Node, addr: IPv4Address) -> str | None:
    """getnameinfo(): the first ``/etc/hosts`` name of ``addr``, else MagicDNS's name for a
    tailnet address, else None (other reverse lookups are not modelled)."""
    for fields in _hosts_lines(node):
        if fields[0] == str(addr):
            return fields[1]
    if addr == IPv4Address("127.0.0.1"):
        return "localhost"
    return _magicdns_name(node, addr)


def canonical_name(node: Node, name: str, addr: IPv4Address) -> str:
    """getaddrinfo()'s ai_canonname: the official (first) ``/etc/hosts`` name; a short name
    that MagicDNS completed with the search domain gives the full name; else the name typed."""
    for fields in _hosts_lines(node):
        if name in fields[1:] and fields[0] == str(addr):
            return fields[1]
    if "." not in name.rstrip("."):
        full = _magicdns_name(node, addr)
        if full is not None and full.split(".", 1)[0].lower() == name.rstrip(".").lower():
            return full
    return node.__dict__.get("dns_canonical", {}).get(name, name)


def lan_reverse(node: Node, addr: IPv4Address) -> str | None:
    """getnameinfo()'s PTR query, when /etc/resolv.conf points at a LAN's dnsmasq (a real DNS
    exchange: commands ask before their probes start, as the answer is cached per address)."""
    from simnet.services.dns import lookup, nameservers
    from simnet.services.dnsmasq import Dnsmasq

    servers = nameservers(node)
    if not servers or any(f[0] == str(addr) for f in _hosts_lines(node)):
        return None
    owner = next((n for n in node.lab.nodes.values() if n.is_own_address(servers[0])), None)
    daemon = owner.services.get("dnsmasq") if owner is not None else None
    if not isinstance(daemon, Dnsmasq) or not daemon.running or daemon.dns is None:
        return None
    arpa = ".".join(reversed(str(addr).split("."))) + ".in-addr.arpa"
    found = lookup(node, arpa, qtype="PTR")
    names = [d for _, _, t, d in found.records if t == "PTR"] if found.status == "NOERROR" else []
    return names[0].rstrip(".") if names else None


_ATON_PART = re_compile(r"0[xX][0-9a-fA-F]*|[0-9]+")


def is_numeric_host(name: str) -> bool:
    """True when inet_aton() accepts ``name`` (tools then skip reverse lookups)."""
    parts = name.split(".")
    return 1 <= len(parts) <= 4 and all(_ATON_PART.fullmatch(p) for p in parts)


def inet_aton(name: str) -> IPv4Address | None:
    """glibc inet_aton: 1-4 parts, each decimal, octal (0…) or hex (0x…); the last part fills the rest."""
    if not is_numeric_host(name):
        return None
    nums = []
    for p in name.split("."):
        if len(p.lstrip("0xX")) > 12:     # strtoul overflows: far past 32 bits, not an address
            return None
        if p[:2].lower() == "0x":
            if len(p) == 2:
                return None
            nums.append(int(p, 16))
        elif len(p) > 1 and p.startswith("0"):
            if any(c in "89" for c in p):
                return None
            nums.append(int(p, 8))
        else:
            nums.append(int(p))
    *head, last = nums
    if any(n > 255 for n in head) or last >= 1 << (8 * (4 - len(head))):
        return None
    value = 0
    for n in head:
        value = (value << 8) | n
    return IPv4Address((value << (8 * (4 - len(head)))) | last)
