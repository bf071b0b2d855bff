"""Fragmentation as the kernel does it: sizes, refragmenting fragments, PMTU learning."""
from __future__ import annotations

from ipaddress import IPv4Address

from simnet import Lab
from simnet.links.packet import IPv4Packet, Icmp, fragment_lengths, refragment
from simnet.trace import Disposition

A, B = IPv4Address("10.0.1.2"), IPv4Address("10.0.2.2")


def test_fragment_sizes_are_multiples_of_eight() -> None:
    assert fragment_lengths(1501, 1500) == (1500, 21)
    assert fragment_lengths(3028, 1500) == (1500, 1500, 68)
    assert fragment_lengths(3028, 1300) == (1300, 1300, 468)
    assert all((f - 20) % 8 == 0 for f in fragment_lengths(65535, 1400)[:-1])


def test_fragments_are_split_one_by_one_but_reassembled_packets_whole() -> None:
    pkt = IPv4Packet(A, B, Icmp(8, data_len=3000))
    first = refragment(pkt, 1500)
    assert first == (1500, 1500, 68)
    travelling = IPv4Packet(A, B, Icmp(8, data_len=3000), frags=first)
    assert refragment(travelling, 1400) == (1396, 124, 1396, 124, 68)
    reassembled = IPv4Packet(A, B, Icmp(8, data_len=3000), frag_max=1500)
    assert refragment(reassembled, 1400) == (1396, 1396, 276)
    assert refragment(pkt, 9000) == ()


def lab() -> Lab:
    return Lab.from_dict({"name": "mtu", "nodes": {
        "a": {"interfaces": {"eth0": "s1"}, "startup": ["ip addr add 10.0.1.2/24 dev eth0",
                                                         "ip route add default via 10.0.1.1"]},
        "r": {"interfaces": {"eth0": "s1", "eth1": "s2"},
              "startup": ["ip addr add 10.0.1.1/24 dev eth0", "ip addr add 10.0.2.1/24 dev eth1",
                          "sysctl -w net.ipv4.ip_forward=1", "ip link set eth1 mtu 1400"]},
        "b": {"interfaces": {"eth0": "s2"}, "startup": ["ip addr add 10.0.2.2/24 dev eth0", "ip link set eth0 mtu 1400",
                                                         "ip route add default via 10.0.2.1"]}}})


def test_df_packet_too_big_for_next_link_is_refused_then_learned() -> None:
    lb = lab()
    first = lb.run("a", "ping -c 1 -W 1 -s 1400 10.0.2.2")
    assert first.returncode == 1
    assert first.trace.main.disposition is Disposition.FRAG_NEEDED
    assert "DF-Bit" in first.trace.explain()
    assert lb.nodes["a"].stack.pmtu_exception(B)[0] == 1400
    second = lb.run("a", "ping -c 1 -W 1 -s 1400 10.0.2.2")
    assert second.returncode == 0 and "1408 bytes from 10.0.2.2" in second.stdout
    lb.sim.advance(601.0)
    assert lb.nodes["a"].stack.pmtu_exception(B) is None       # the exception expires


def test_interface_counters_count_fragments() -> None:
    lb = lab()
    before = lb.nodes["r"].interfaces["eth1"].counters.tx_packets
    lb.run("a", "ping -c 1 -W 1 -s 3000 10.0.2.2")
    # ARP request + five pieces (1500, 1500, 68 from the sender, the two big ones split again)
    assert lb.nodes["r"].interfaces["eth1"].counters.tx_packets - before == 6
