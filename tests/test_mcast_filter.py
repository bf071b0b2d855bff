"""The IPv6 receive path's multicast filter (Stack6._listens) answers what a test over the joined
groups (Stack6.groups) answers, for every low 32 bits a multicast MAC can carry.

It replaced building the groups for every multicast frame every node on a segment receives
(a thousand-node segment spent a fifth of its time there)."""
from __future__ import annotations

from ipaddress import IPv6Address, IPv6Interface

from hypothesis import given, settings, strategies as st

from simnet import Lab

LOWS = st.one_of(st.integers(0, 0xFFFFFFFF), st.sampled_from([1, 2, 0xFF000001, 0xFF000002, 0xFE000001]),
                 st.integers(0, 0xFFFFFF).map(lambda x: 0xFF000000 | x))


@settings(max_examples=60, deadline=None)
@given(addrs=st.lists(st.integers(0, 2**64 - 1), max_size=3, unique=True), forwarding=st.booleans(),
       joined=st.lists(st.integers(0, 2**112 - 1), max_size=2), lows=st.lists(LOWS, min_size=1, max_size=8))
def test_listens_equals_the_groups(addrs, forwarding, joined, lows) -> None:
    lab = Lab.from_dict({"name": "m", "nodes": {"a": {"interfaces": {"eth0": "s"}}}})
    node = lab.nodes["a"]
    iface = node.interfaces["eth0"]
    for low64 in addrs:
        node.ip6.add("eth0", IPv6Interface((int(IPv6Address("2001:db8::")) | low64, 64)))
    if forwarding:
        node.sysctl.set("net.ipv6.conf.eth0.forwarding", "1")
    stack6 = node.ip6.stack
    stack6.joined["eth0"] = {IPv6Address((0xFF02 << 112) | g) for g in joined}
    groups = stack6.groups(iface)
    for low in lows + [int(g) & 0xFFFFFFFF for g in groups]:
        assert stack6._listens(iface, low) == any(int(g) & 0xFFFFFFFF == low for g in groups)
