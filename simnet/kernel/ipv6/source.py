"""Route lookup for locally sent IPv6 packets and source address selection (RFC 6724 as Linux does it)."""
from __future__ import annotations

from ipaddress import IPv6Address, IPv6Network
TYPE_CHECKING = False      # typing's, without importing typing: ~4 ms of every cold start (issue 20)

from simnet.core.errors import KernelError
from simnet.kernel.ipv6.addr import LOOPBACK, SCOPE_ORDER, addr_scope
from simnet.kernel.ipv6.fib6 import ERROR_TYPES, Route6

if TYPE_CHECKING:
    from simnet.kernel.node import Node

__all__ = ["ROUTE_ERRNO", "RouteError6", "route_output", "route_local", "select_source"]


ROUTE_ERRNO = {"no-route": "Network is unreachable", "unreachable": "No route to host",
               "prohibit": "Permission denied", "blackhole": "Invalid argument"}


class RouteError6(KernelError):
    """No usable route: ``kind`` is no-route, unreachable, prohibit or blackhole; ``errno_text``
    what connect() answers for it."""

    def __init__(self, kind: str, route: Route6 | None = None) -> None:
        super().__init__(ROUTE_ERRNO.get(kind, "Network is unreachable"))
        self.kind = kind
        self.route = route

    def __str__(self) -> str:
        return self.kind


def route_output(node: "Node", dst: IPv6Address, oif: str | None = None, src: IPv6Address | None = None,
                 iif: str | None = None, mark: int = 0) -> Route6:
    """fib6_rule_lookup and longest prefix match; error routes and rule actions raise.

    A ``from`` rule matches only a known source (a local sender without one, ``ip -6 route
    get`` without ``from``); rule actions return the kernel's null, prohibit and blackhole
    entries (ENETUNREACH, EACCES, EINVAL)."""
    fib = node.ip6.fib
    rules = fib.rules
    i = 0
    while i < len(rules):
        rule = rules[i]
        i += 1
        if not rule.catch_all and not rule.matches(dst, src, iif, oif, mark):  # type: ignore[arg-type]
            continue
        if rule.action != "lookup":
            if rule.action == "nop":
                continue
            if rule.action == "goto":
                i = next((k for k, r in enumerate(rules) if r.priority >= rule.table), len(rules))
                continue
            raise RouteError6(RULE_ACTIONS.get(rule.action, "no-route"))
        r = fib.lookup(rule.table, dst, oif)
        if r is None or r.type == "throw":
            continue
        if rule.suppress_prefixlength is not None and r.dst.prefixlen <= rule.suppress_prefixlength:
            continue
        if r.type in ERROR_TYPES:
            raise RouteError6(r.type, r)
        if node.ip6.stack.redirects.exceptions:
            from simnet.kernel.ipv6.redirect6 import apply

            return apply(node, dst, r)
        return r
    raise RouteError6("no-route")


RULE_ACTIONS = {"unreachable": "no-route", "prohibit": "prohibit", "blackhole": "blackhole"}


def route_local(node: "Node", dst: IPv6Address, oif: str | None = None,
                src: IPv6Address | None = None, mark: int = 0) -> tuple[Route6, IPv6Address | None]:
    """ip6_dst_lookup_tail for a socket: a failed first lookup without a source picks a source
    from all devices and looks again with it (so a ``from`` rule can still match). ``mark`` is
    the socket's SO_MARK (tailscaled's 0x80000 skips table 52)."""
    try:
        return route_output(node, dst, oif, src, mark=mark), src
    except RouteError6:
        if src is not None or len(node.ip6.fib.rules) <= 2:
            raise
        chosen = select_source(node, dst, None)
        if chosen == LOOPBACK:
            raise
        return route_output(node, dst, oif, chosen, mark=mark), chosen


def select_source(node: "Node", dst: IPv6Address, route: Route6 | None) -> IPv6Address:
    """ipv6_dev_get_saddr: the own address for a local route, else the best candidate by
    scope (rule 2), preferred over deprecated (3), the outgoing device (5) and the longest
    common prefix (8). Tentative and failed addresses never qualify; without any, ``::1``."""
    if route is None:           # no route yet: any device's address may serve (not a link-local one)
        route = Route6(IPv6Network("::/0"), None)
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
