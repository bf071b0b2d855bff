"""The lookup cache must never answer with a stale route: every change empties it."""
from __future__ import annotations

from ipaddress import IPv4Address, IPv4Network

import pytest
from hypothesis import given, settings, strategies as st

from simnet import Lab
from simnet.kernel.routing import Route, RouteError, RoutingTables, Rule

DST = IPv4Address("10.1.2.3")


def test_route_added_or_removed_after_a_lookup_counts() -> None:
    rt = RoutingTables()
    rt.add(Route(IPv4Network("0.0.0.0/0"), gateway=IPv4Address("192.168.0.1"), dev="eth0"))
    assert rt.lookup(DST).route.is_default
    specific = Route(IPv4Network("10.1.2.0/24"), dev="eth1")
    rt.add(specific)
    assert rt.lookup(DST).route == specific
    rt.remove(specific)
    assert rt.lookup(DST).route.is_default


def test_rules_changes_count() -> None:
    rt = RoutingTables()
    rt.add(Route(IPv4Network("10.0.0.0/8"), dev="eth0"))
    rt.lookup(DST)
    rule = Rule(100, action="blackhole")
    rt.add_rule(rule)
    with pytest.raises(RouteError):
        rt.lookup(DST)
    rt.remove_rule(rule)
    assert rt.lookup(DST).route.dev == "eth0"
    rt.rules = [Rule(0, 255), Rule(32767, 253)]          # main table gone from the rule list
    with pytest.raises(RouteError):
        rt.lookup(DST)


def test_link_down_and_up_through_commands() -> None:
    lab = Lab.from_dict({"name": "c", "nodes": {"a": {"interfaces": {"eth0": "lan"}, "startup": [
        "ip addr add 192.168.0.2/24 dev eth0", "ip route add default via 192.168.0.1"]}}})
    assert lab.run("a", "ip route get 10.1.2.3").returncode == 0
    lab.run("a", "ip link set eth0 down")
    assert "Network is unreachable" in lab.run("a", "ip route get 10.1.2.3").stderr
    lab.run("a", "ip link set eth0 up")
    lab.run("a", "ip route add default via 192.168.0.1")
    assert lab.run("a", "ip route get 10.1.2.3").returncode == 0


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 255), st.integers(8, 32), st.booleans()), min_size=1, max_size=12),
       st.integers(0, 2**32 - 1))
def test_cached_equals_uncached(changes: list[tuple[int, int, bool]], probe: int) -> None:
    """After any sequence of adds and removes, the cached answer is the uncached one."""
    rt = RoutingTables()
    present: list[Route] = []
    dst = IPv4Address(probe)
    for octet, plen, add in changes:
        net = IPv4Network((octet << 24, plen), strict=False)
        route = Route(net, dev=f"eth{octet % 3}")
        if add and not any(r.same_key(route) for r in present):
            rt.add(route)
            present.append(route)
        elif present:
            rt.remove(present.pop(0))
        try:
            cached = rt.lookup(dst).route
        except RouteError as exc:
            cached = exc.kind
        try:
            fresh = rt.lookup_uncached(dst).route
        except RouteError as exc:
            fresh = exc.kind
        assert cached == fresh
