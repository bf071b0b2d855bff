"""Node.is_own_address (asked by every node on a segment for every ARP request) compares addresses as
ints; it must answer what a search of the configured addresses answers, for IPv4 and anything else."""
from __future__ import annotations

from ipaddress import IPv4Address, IPv4Interface, IPv6Address

from hypothesis import given, settings, strategies as st

from simnet import Lab

ADDRS = st.integers(0x0A000000, 0x0A0000FF).map(IPv4Address)


@settings(max_examples=60, deadline=None)
@given(mine=st.lists(st.integers(0x0A000001, 0x0A0000FE), max_size=4, unique=True),
       asked=st.lists(st.one_of(ADDRS, ADDRS.map(lambda a: IPv6Address(int(a))), st.just("10.0.0.1")), max_size=6))
def test_is_own_address_equals_the_search(mine, asked) -> None:
    lab = Lab.from_dict({"name": "o", "nodes": {"a": {"interfaces": {"eth0": "s"}}}})
    node = lab.nodes["a"]
    for k, ip in enumerate(mine):
        node.addr_add("eth0", IPv4Interface((ip, 24 + k)))
    for ip in [IPv4Address("127.0.0.1"), *map(IPv4Address, mine), *asked]:
        assert node.is_own_address(ip) == (ip in node.local_addresses())
