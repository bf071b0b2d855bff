"""802.1Q: VLAN-aware switches (access ports, trunks), VLAN subinterfaces, router on a stick.

The recording kernel has neither the 8021q module nor bridge VLAN filtering, so these
behaviours are checked here against what the kernel's and iproute2's source do."""
from __future__ import annotations

import pytest

from simnet import Lab
from simnet.lab import LabError


def stick() -> Lab:
    """Two access VLANs on a switch, a router on a stick on the trunk."""
    return Lab.from_dict({"nodes": {
        "a": {"interfaces": {"eth0": "s1"}, "startup": ["ip addr add 192.168.10.2/24 dev eth0",
                                                         "ip route add default via 192.168.10.1"]},
        "b": {"interfaces": {"eth0": "s2"}, "startup": ["ip addr add 192.168.20.2/24 dev eth0",
                                                         "ip route add default via 192.168.20.1"]},
        "c": {"interfaces": {"eth0": "s3"}, "startup": ["ip addr add 192.168.10.3/24 dev eth0"]},
        "r": {"kind": "router", "interfaces": {"eth0": "trunk"}, "startup": [
            "ip link add link eth0 name eth0.10 type vlan id 10", "ip link add link eth0 name eth0.20 type vlan id 20",
            "ip link set eth0.10 up", "ip link set eth0.20 up",
            "ip addr add 192.168.10.1/24 dev eth0.10", "ip addr add 192.168.20.1/24 dev eth0.20"]},
        "sw": {"kind": "switch", "interfaces": {"eth1": "s1", "eth2": "s2", "eth3": "s3", "eth4": "trunk"},
               "vlans": {"eth1": 10, "eth2": 20, "eth3": 20, "eth4": [10, 20]}}}})


def test_bridge_vlan_show_lists_access_ports_and_the_trunk():
    out = stick().run("sw", "bridge vlan show").stdout
    assert out == ("port              vlan-id  \n"
                   "eth1              10 PVID Egress Untagged\n"
                   "eth2              20 PVID Egress Untagged\n"
                   "eth3              20 PVID Egress Untagged\n"
                   "eth4              1 PVID Egress Untagged\n"
                   "                  10\n"
                   "                  20\n"
                   "br0               1 PVID Egress Untagged\n")


def test_router_on_a_stick_routes_between_vlans_and_tcpdump_shows_the_tag():
    lab = stick()
    job = lab.start("r", "tcpdump -n -e -i eth0 icmp")
    assert lab.run("a", "ping -c 1 -W 1 192.168.20.2").ok
    out = job.result(timeout=1).stdout
    assert ("ethertype 802.1Q (0x8100), length 102: vlan 10, p 0, ethertype IPv4 (0x0800), "
            "192.168.10.2 > 192.168.20.2: ICMP echo request") in out
    assert "vlan 20, p 0, ethertype IPv4 (0x0800), 192.168.10.2 > 192.168.20.2" in out


def test_the_access_port_strips_the_tag():
    lab = stick()
    job = lab.start("b", "tcpdump -n -e -i eth0 icmp")
    lab.run("a", "ping -c 1 -W 1 192.168.20.2")
    out = job.result(timeout=1).stdout
    assert "ethertype IPv4 (0x0800), length 98: 192.168.10.2 > 192.168.20.2" in out
    assert "802.1Q" not in out


def test_a_host_in_the_wrong_vlan_gets_no_arp_answer_and_the_trace_says_why():
    lab = stick()
    res = lab.run("c", "ping -c 1 -W 5 192.168.10.2")
    assert "Destination Host Unreachable" in res.stdout
    text = res.trace.explain()
    assert "VLAN 20 endet an diesem Port" in text and "eth1 gehört zu VLAN 10" in text


def test_vlan_subinterface_details_and_proc():
    lab = stick()
    assert lab.run("r", "cat /proc/net/vlan/config").stdout == (
        "VLAN Dev name\t | VLAN ID\nName-Type: VLAN_NAME_TYPE_RAW_PLUS_VID_NO_PAD\n"
        "eth0.10        | 10  | eth0\neth0.20        | 20  | eth0\n")
    out = lab.run("r", "ip -d link show eth0.10").stdout
    assert out.startswith("3: eth0.10@eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP")
    assert "\n    vlan protocol 802.1Q id 10 <REORDER_HDR> " in out
    res = lab.run("r", "ip link add link eth0 name v10 type vlan id 10")
    assert (res.returncode, res.stderr) == (2, "Error: 8021q: VLAN device already exists.\n")
    res = lab.run("r", "ip link add name v30 type vlan id 30")
    assert res.stderr == "Error: 8021q: link not specified.\n"


def test_lower_device_down_takes_the_vlan_device_down():
    lab = stick()
    lab.run("r", "ip link set eth0 down")
    assert lab.run("r", "ip link show eth0.10").stdout.startswith(
        "3: eth0.10@eth0: <BROADCAST,MULTICAST,M-DOWN> mtu 1500 qdisc noqueue state DOWN")
    assert lab.run("r", "ip link set eth0.10 up").stderr == "RTNETLINK answers: Network is down\n"
    assert not lab.run("a", "ping -c 1 -W 1 192.168.10.1").ok
    lab.run("r", "ip link set eth0 up")
    assert lab.run("a", "ping -c 1 -W 1 192.168.10.1").ok


def test_vlans_only_on_switches():
    with pytest.raises(LabError, match="nur an einem Knoten"):
        Lab.from_dict({"nodes": {"h": {"interfaces": {"eth0": "s"}, "vlans": {"eth0": 10}}}})
    with pytest.raises(LabError, match="VLAN-ID"):
        Lab.from_dict({"nodes": {"sw": {"kind": "switch", "interfaces": {"eth1": "s"}, "vlans": {"eth1": 5000}}}})
