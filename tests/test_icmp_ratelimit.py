"""The kernel's ICMP error rate limit: six errors per destination at once, then one per second."""
from __future__ import annotations

from ipaddress import IPv4Address

from simnet import Lab
from simnet.kernel.icmplimit import IcmpRateLimiter, limited_type


def routed_lab() -> Lab:
    return Lab.from_dict({"name": "rl", "nodes": {
        "a": {"interfaces": {"eth0": "s1"}, "startup": ["ip addr add 10.0.1.2/24 dev eth0",
                                                         "ip route add default via 10.0.1.1"]},
        "r": {"interfaces": {"eth0": "s1", "eth1": "s2"},
              "startup": ["ip addr add 10.0.1.1/24 dev eth0", "ip addr add 10.0.2.1/24 dev eth1",
                          "sysctl -w net.ipv4.ip_forward=1",
                          "iptables -A FORWARD -d 10.0.2.2 -j REJECT --reject-with icmp-host-unreachable"]},
        "b": {"interfaces": {"eth0": "s2"}, "startup": ["ip addr add 10.0.2.2/24 dev eth0",
                                                         "ip route add default via 10.0.2.1"]}}})


def test_bucket_starts_full_then_refills_one_per_timeout() -> None:
    lim = IcmpRateLimiter()
    peer = IPv4Address("10.0.1.2")
    assert [lim.allow(peer, 0.0, 1000) for _ in range(8)] == [True] * 6 + [False] * 2
    assert not lim.allow(peer, 999.0, 1000)
    assert lim.allow(peer, 1000.0, 1000)          # 1001 ms of tokens since the last refill
    assert not lim.allow(peer, 1000.0, 1000)
    assert lim.allow(IPv4Address("10.0.1.3"), 1000.0, 1000)   # every destination has its own bucket


def test_only_types_in_ratemask_are_limited() -> None:
    assert limited_type(11, 0, 6168) and limited_type(3, 1, 6168)
    assert not limited_type(3, 4, 6168)           # fragmentation needed is never limited
    assert not limited_type(0, 0, 6168) and not limited_type(5, 1, 6168)


def test_second_traceroute_finds_the_routers_tokens_spent() -> None:
    lab = routed_lab()
    first = lab.run("a", "traceroute -n -q 1 -w 1 10.0.2.2")
    assert " 2  10.0.1.1" in first.stdout and "!H" in first.stdout
    second = lab.run("a", "traceroute -n -q 1 -w 1 -I 10.0.2.2")
    lines = second.stdout.splitlines()[1:]
    assert lines[0].strip() == "1  *"             # no token left for hop 1's time exceeded
    assert lines[-1].split()[1] == "10.0.1.1" and lines[-1].endswith("!H")
    assert "icmp_ratelimit" in second.trace.explain()


def test_bucket_refills_with_simulated_time() -> None:
    lab = routed_lab()
    lab.run("a", "traceroute -n -q 1 -w 1 10.0.2.2")
    lab.sim.advance(10.0)
    again = lab.run("a", "traceroute -n -q 1 -w 1 -I 10.0.2.2")
    assert again.stdout.splitlines()[1].split()[1] == "10.0.1.1"


def test_errors_to_ourselves_are_not_limited() -> None:
    lab = Lab.from_dict({"name": "lo", "nodes": {"a": {"interfaces": {"eth0": "lan"},
                                                       "startup": ["ip addr add 192.168.0.2/24 dev eth0"]}}})
    r = lab.run("a", "ping -c 8 -i 0.2 192.168.0.9")
    assert r.stdout.count("Destination Host Unreachable") > 6, r.stdout    # more than one burst
