"""Switches, hubs and Linux bridges: learning, ageing in simulated time, flooding, port down."""
from __future__ import annotations

import re

import pytest

from simnet import Lab
from simnet.lab import LabError


def star(kind: str) -> Lab:
    return Lab.from_dict({"nodes": {
        "a": {"interfaces": {"eth0": "s1"}, "startup": ["ip addr add 192.168.0.1/24 dev eth0"]},
        "b": {"interfaces": {"eth0": "s2"}, "startup": ["ip addr add 192.168.0.2/24 dev eth0"]},
        "c": {"interfaces": {"eth0": "s3"}, "startup": ["ip addr add 192.168.0.3/24 dev eth0"]},
        "sw": {"kind": kind, "interfaces": {"eth1": "s1", "eth2": "s2", "eth3": "s3"}}}})


def learned(lab: Lab, port: str) -> list[str]:
    out = lab.run("sw", f"bridge fdb show dev {port}").stdout.splitlines()
    return [line for line in out if line.endswith("master br0 ")]


def test_switch_learns_and_ages_after_300_simulated_seconds():
    lab = star("switch")
    assert lab.run("a", "ping -c 1 -W 1 192.168.0.2").ok
    assert learned(lab, "eth1") == ["02:49:07:5c:1f:23 master br0 "]
    # c said nothing over IPv4, but its link came up with IPv6: its MLD report taught the switch too
    assert [row[:3] for row in lab.mac_table("sw")] == [("02:49:07:5c:1f:23", "eth1", 1), ("02:f2:d6:1d:88:b7", "eth2", 1),
                                                        ("02:4a:e0:0e:a5:d4", "eth3", 1)]
    lab.advance(300)        # the neighbour probes at about 5 s refreshed the entry once
    assert learned(lab, "eth1")
    lab.advance(10)
    assert learned(lab, "eth1") == []


def test_port_down_flushes_its_entries_and_stops_forwarding():
    lab = star("switch")
    assert lab.run("a", "ping -c 1 -W 1 192.168.0.2").ok
    assert learned(lab, "eth2")
    lab.run("sw", "ip link set eth2 down")
    assert learned(lab, "eth2") == []
    assert "state disabled" in lab.run("sw", "bridge link show dev eth2").stdout
    assert not lab.run("a", "ping -c 1 -W 1 192.168.0.2").ok


@pytest.mark.parametrize("kind, seen", [("switch", 0), ("hub", 4)])
def test_third_host_sees_unicast_only_behind_a_hub(kind, seen):
    lab = star(kind)
    lab.run("a", "ping -c 1 -W 1 192.168.0.2")       # ARP is learned on both
    lab.advance(1)
    job = lab.start("c", "tcpdump -n -i eth0 icmp")
    lab.run("a", "ping -c 2 -i 0.2 -W 1 192.168.0.2")
    assert job.result(timeout=1).stdout.count("ICMP echo") == seen


def test_bridge_step_in_the_trace():
    lab = star("switch")
    res = lab.run("a", "ping -c 1 -W 1 192.168.0.2")
    steps = [s for hop in res.trace.hops for s in hop.steps if s.kind == "bridge"]
    assert steps and steps[0].get("bridge") == "br0"


def test_unknown_node_kind_is_a_german_error():
    with pytest.raises(LabError, match="unbekannte Knotenart"):
        Lab.from_dict({"nodes": {"sw": {"kind": "bridge", "interfaces": {"eth1": "s1"}}}})


@pytest.mark.parametrize("forward, key", [
    ([{"port": 0, "to": "192.168.0.10"}], "forward[0].port"),
    ([{"port": 80, "to": "webserver"}], "forward[0].to"),
    ([{"port": 80, "to": "192.168.0.10", "proto": "icmp"}], "forward[0].proto"),
    ({"port": 80}, "forward"),
])
def test_bad_port_forwarding_names_the_key(forward, key):
    with pytest.raises(LabError, match=re.escape(f"nodes.r.{key}:")):
        Lab.from_dict({"nodes": {"r": {"kind": "router", "interfaces": {"eth0": "wan"}, "forward": forward}}})


def test_port_forwarding_from_the_nat_interface_only():
    lab = Lab.from_dict({"nodes": {"r": {"interfaces": {"wan": "w", "lan": "l"}, "nat": "wan",
                                         "forward": [{"port": 2222, "to": "192.168.0.5:22"}]}}})
    assert "-A PREROUTING -i wan -p tcp -m tcp --dport 2222 -j DNAT --to-destination 192.168.0.5:22" in \
        lab.run("r", "iptables -t nat -S").stdout


def test_with_stp_a_port_forwards_only_after_listening_and_learning():
    lab = star("switch")
    lab.run("sw", "ip link set br0 type bridge stp_state 1")
    res = lab.run("a", "ping -c 1 -W 1 192.168.0.2")
    assert not res.ok and "Zustand listening" in res.trace.explain()
    lab.advance(16)
    assert "state learning" in lab.run("sw", "bridge link show dev eth1").stdout
    lab.advance(15)
    assert lab.run("a", "ping -c 1 -W 1 192.168.0.2").ok
