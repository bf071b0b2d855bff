"""Route lookup for locally sent IPv6 packets and source address selection (RFC 6724 as Linux does it)."""
from __future__ import annotations

from ipaddress import IPv6Address
from typing import TYPE_CHECKING

from simnet.kernel.ipv6.addr import LOOPBACK, SCOPE_ORDER, addr_scope
from simnet.kernel.ipv6.fib6 import ERROR_TYPES, Route6

if TYPE_CHECKING:
    from simnet.kernel.node import Node

__all__ = ["RouteError6", "route_output", "select_source"]


class RouteError6(Exception):
    """No usable route: ``kind`` is no-route, unreachable, prohibit or blackhole."""

    def __init__(self, kind: str, route: Route6 | None = None) -> None:
        super().__init__(kind)
        self.kind = kind
        self.route = route


def route_output(node: "Node", dst: IPv6Address, oif: str | None = None) -> Route6:
    """fib6 rules (local, then main) and longest prefix match; error routes raise."""
    fib = node.ip6.fib
    for rule in fib.rules:                  # a local packet carries no fwmark
        if rule.fwmark is not None:
            continue
        if rule.action == "unreachable":
            raise RouteError6("unreachable")
        r = fib.lookup(rule.table, dst, oif)
        if r is None:
            continue
        if r.type in ERROR_TYPES:
            raise RouteError6(r.type, r)
        return r
    raise RouteError6("no-route")


def select_source(node: "Node", dst: IPv6Address, route: Route6) -> IPv6Address:
    """ipv6_dev_get_saddr: the own address for a local route, else the best candidate by
    scope (rule 2), preferred over deprecated (3), the outgoing device (5) and the longest
    common prefix (8). Tentative and failed addresses never qualify; without any, ``::1``."""
    if route.type == "local":
        return dst
    if route.src is not None:
        return route.src
    dscope = SCOPE_ORDER[addr_scope(dst)]
    best: tuple | None = None
    choice: IPv6Address | None = None
    for iface in node.interfaces.values():
        for a in iface.addresses6:
            if "tentative" in a.flags or "dadfailed" in a.flags:
                continue
            sscope = SCOPE_ORDER[a.scope]
            if sscope < SCOPE_ORDER["link"] or (sscope == SCOPE_ORDER["link"] and iface.name != route.dev):
                continue
            # rule 2: a scope at least as wide as the destination's, the narrowest of those
            scope_key = (0, sscope) if sscope >= dscope else (1, -sscope)
            common = 128 - (int(a.ip) ^ int(dst)).bit_length()
            key = (scope_key, "deprecated" in a.flags, iface.name != route.dev, -common)
            if best is None or key < best:
                best, choice = key, a.ip
    return choice if choice is not None else LOOPBACK
