"""Which source address a node puts on a packet it sends (inet_select_addr, fib_result_prefsrc).

A learner sees the result in ``ip route get`` (``src …``), in ping's ``From``
lines and in every conntrack entry, so it follows the kernel exactly: a
route's own ``src`` wins; a local route answers with the destination itself;
otherwise the first primary address of the route's device whose scope is
wide enough, preferring one in the gateway's subnet, and if the device has
none, the first suitable primary address of any device in index order (lo
first), link-scope addresses excluded.
"""
from __future__ import annotations

from ipaddress import IPv4Address
TYPE_CHECKING = False      # typing's, without importing typing: ~4 ms of every cold start (issue 20)

if TYPE_CHECKING:
    from simnet.kernel.node import Node
    from simnet.kernel.routing import Route

__all__ = ["SCOPE_NUM", "select_source", "route_source"]

SCOPE_NUM = {"global": 0, "universe": 0, "site": 200, "link": 253, "host": 254, "nowhere": 255}


def select_source(node: "Node", dev: str | None, target: IPv4Address | None,
                  scope: str = "global") -> IPv4Address | None:
    """inet_select_addr(dev, target, scope)."""
    want = SCOPE_NUM.get(scope, 0)
    iface = node.interfaces.get(dev) if dev else None
    if iface is not None:
        first = None
        for a in iface.primary_addresses():
            if SCOPE_NUM.get(a.scope, 0) > want:
                continue
            if target is None or target in a.network:
                return a.ip
            if first is None:
                first = a.ip
        if first is not None:
            return first
    for other in sorted(node.interfaces.values(), key=lambda i: i.index):
        for a in other.primary_addresses():
            num = SCOPE_NUM.get(a.scope, 0)
            if num != SCOPE_NUM["link"] and num <= want:
                return a.ip
    return None


def route_source(node: "Node", route: "Route", dst: IPv4Address) -> IPv4Address | None:
    """fib_result_prefsrc: the route's src, the destination for local routes, else the
    nexthop's choice (inet_select_addr with the gateway and the route's scope)."""
    if route.src is not None:
        return route.src
    if route.type == "local":
        return dst
    return select_source(node, route.dev, route.gateway, route.scope)
