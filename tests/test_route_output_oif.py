"""A socket bound to a device (ping -I eth0) is routed "on link" when the tables have no route."""
from __future__ import annotations

from ipaddress import IPv4Address

import pytest

from simnet import Lab
from simnet.kernel.routing import RouteError


def lan() -> Lab:
    return Lab.from_dict({"name": "oif", "nodes": {
        "a": {"interfaces": {"eth0": "lan", "eth1": "other"}, "startup": ["ip addr add 192.168.0.2/24 dev eth0"]},
        "b": {"interfaces": {"eth0": "lan"}, "startup": ["ip addr add 192.168.0.1/24 dev eth0"]}}})


def test_no_route_with_oif_means_on_link() -> None:
    lab = lan()
    stack = lab.nodes["a"].stack
    with pytest.raises(RouteError):
        stack.route_output(IPv4Address("10.1.1.1"))
    route, src = stack.route_output(IPv4Address("10.1.1.1"), oif="eth0")
    assert (route.dev, route.gateway, route.type, src) == ("eth0", None, "unicast", IPv4Address("192.168.0.2"))
    # a device without an address borrows the first global address of another device
    _, src1 = stack.route_output(IPv4Address("10.1.1.1"), oif="eth1")
    assert src1 == IPv4Address("192.168.0.2")


def test_oif_that_is_down_is_unreachable() -> None:
    lab = lan()
    lab.run("a", "ip link set eth1 down")
    with pytest.raises(RouteError) as err:
        lab.nodes["a"].stack.route_output(IPv4Address("10.1.1.1"), oif="eth1")
    assert err.value.errno_text == "Network is unreachable"


def test_ping_bound_to_eth0_asks_arp_there() -> None:
    r = lan().run("a", "ping -c 1 -I eth0 10.1.1.1")
    assert r.returncode == 1
    steps = [(h.node, s.kind, s.action, s.get("dev")) for p in r.trace for h in p.hops for s in h.steps]
    assert ("a", "arp", "failed", "eth0") in steps


def test_route_get_with_oif() -> None:
    r = lan().run("a", "ip route get 10.1.1.1 oif eth0")
    assert r.returncode == 0
    assert r.stdout.startswith("10.1.1.1 dev eth0 src 192.168.0.2 ")
