"""Learner command sequences and what the packets do (the trace is checked, not just the text)."""
from simnet import Disposition, Lab

from tests.conftest import routed_lab

SUBNET = {"name": "subnet-router", "nodes": {
    "laptop": {"interfaces": {"eth0": "cafe"}, "startup": ["ip addr add 10.0.5.23/24 dev eth0",
                                                            "ip route add 192.168.0.0/24 via 10.0.5.1"]},
    "tailscale": {"interfaces": {"eth0": "cafe", "eth1": "heimnetz"},
                  "startup": ["ip addr add 10.0.5.1/24 dev eth0", "ip addr add 192.168.0.150/24 dev eth1"]},
    "proxmox": {"interfaces": {"eth0": "heimnetz"}, "startup": ["ip addr add 192.168.0.101/24 dev eth0"]}}}
PING = "ping -c 1 -W 1 192.168.0.101"


def test_subnet_router_conditions_step_by_step():
    lab = Lab.from_dict(SUBNET)
    assert lab.run("laptop", PING).trace.disposition is Disposition.FORWARDING_DISABLED
    lab.run("tailscale", "sudo sysctl -w net.ipv4.ip_forward=1")
    r = lab.run("laptop", PING)
    assert r.trace.disposition is Disposition.NO_ROUTE and r.trace.main.where == "proxmox"
    lab.run("tailscale", "sudo iptables -t nat -A POSTROUTING -o eth1 -j MASQUERADE")
    r = lab.run("laptop", PING)
    assert r.returncode == 0 and "ttl=63" in r.stdout
    nat = [s for h in r.trace.main.hops for s in h.steps if s.kind == "nat" and s.action == "masquerade"]
    assert nat and str(nat[0].get("after")) == "192.168.0.150"
    ct = lab.run("tailscale", "conntrack -L")
    assert "src=10.0.5.23 dst=192.168.0.101 type=8" in ct.stdout and "dst=192.168.0.150" in ct.stdout


def test_back_route_instead_of_masquerade():
    lab = Lab.from_dict(SUBNET)
    lab.run("tailscale", "sysctl -w net.ipv4.ip_forward=1")
    lab.run("proxmox", "ip route add 10.0.5.0/24 via 192.168.0.150")
    r = lab.run("laptop", PING)
    assert r.returncode == 0
    from simnet.explain import path_of

    assert path_of(r.trace.main) == ["laptop", "tailscale", "proxmox", "tailscale", "laptop"]


def test_longest_prefix_wins_and_metric_breaks_ties():
    lab = routed_lab()
    lab.run("a", "ip route add 10.0.2.0/25 via 10.0.1.99 dev eth0 onlink")
    assert lab.run("a", "ip route get 10.0.2.2").stdout.startswith("10.0.2.2 via 10.0.1.99 ")
    assert lab.run("a", "ip route get 10.0.2.200").stdout.startswith("10.0.2.200 via 10.0.1.1 ")
    lab.run("a", "ip route add 10.9.0.0/16 via 10.0.1.1 metric 20")
    lab.run("a", "ip route add 10.9.0.0/16 via 10.0.1.99 dev eth0 onlink metric 10")
    assert "via 10.0.1.99" in lab.run("a", "ip route get 10.9.1.1").stdout
    r = lab.run("a", "ping -c 1 -W 5 10.0.2.2")
    assert r.trace.disposition is Disposition.ARP_FAILED      # 10.0.1.99 does not exist


def test_special_routes():
    lab = routed_lab()
    lab.run("r", "ip route add blackhole 10.0.2.128/25")
    lab.run("r", "ip route add unreachable 10.0.2.64/26")
    lab.run("r", "ip route add prohibit 10.0.2.32/27")
    assert lab.run("a", "ping -c 1 -W 1 10.0.2.200").trace.disposition is Disposition.BLACKHOLE
    r = lab.run("a", "ping -c 1 -W 1 10.0.2.70")
    assert r.trace.disposition is Disposition.UNREACHABLE_ROUTE and "Destination Host Unreachable" in r.stdout
    r = lab.run("a", "ping -c 1 -W 1 10.0.2.40")
    assert r.trace.disposition is Disposition.PROHIBIT_ROUTE and "Packet filtered" in r.stdout


def test_rp_filter_drops_asymmetric_traffic():
    lab = routed_lab()
    lab.run("a", "ip addr add 10.0.3.5/24 dev eth0")
    lab.run("r", "ip route add 10.0.3.0/24 via 10.0.2.2")
    assert lab.run("a", "ping -c 1 -W 1 -I 10.0.3.5 10.0.2.2").trace.disposition is not Disposition.RP_FILTER
    lab.run("r", "sysctl -w net.ipv4.conf.all.rp_filter=1")
    r = lab.run("a", "ping -c 1 -W 1 -I 10.0.3.5 10.0.2.2")
    assert r.trace.disposition is Disposition.RP_FILTER and r.trace.main.where == "r"


def test_ttl_chain_and_traceroute():
    lab = routed_lab()
    r = lab.run("a", "ping -c 1 -W 1 -t 1 10.0.2.2")
    assert "From 10.0.1.1 icmp_seq=1 Time to live exceeded" in r.stdout
    tr = lab.run("a", "traceroute -n -q 1 -w 1 10.0.2.2")
    lines = tr.stdout.splitlines()
    assert lines[1].split()[:2] == ["1", "10.0.1.1"] and lines[2].split()[:2] == ["2", "10.0.2.2"]


def test_link_down_removes_routes_and_breaks_ping():
    lab = routed_lab()
    lab.run("r", "ip link set eth1 down")
    assert "10.0.2.0/24" not in lab.run("r", "ip route").stdout
    r = lab.run("a", "ping -c 1 -W 1 10.0.2.2")
    assert "Destination Net Unreachable" in r.stdout and r.trace.disposition is Disposition.NO_ROUTE
    lab.run("r", "ip link set eth1 up")
    assert lab.run("a", "ping -c 1 -W 1 10.0.2.2").returncode == 0


def test_reject_and_counters():
    lab = routed_lab()
    lab.run("r", "iptables -A FORWARD -j REJECT --reject-with icmp-host-prohibited")
    r = lab.run("a", "ping -c 2 -i 0.2 -W 1 10.0.2.2")
    assert r.stdout.count("Destination Host Prohibited") == 2
    assert r.trace.disposition is Disposition.REJECTED
    listing = lab.run("r", "iptables -L FORWARD -v -n").stdout.splitlines()
    assert listing[2].split()[:3] == ["2", "168", "REJECT"]


def test_icmp_echo_ignore_all():
    lab = routed_lab()
    lab.run("b", "echo 1 > /proc/sys/net/ipv4/icmp_echo_ignore_all")
    r = lab.run("a", "ping -c 1 -W 1 10.0.2.2")
    assert r.returncode == 1 and r.trace.disposition is Disposition.NOT_ANSWERED


def test_ping_without_count_stops_like_ctrl_c():
    """The seed types `ping 192.168.0.101` without -c; simnet ends it after four probes."""
    r = routed_lab().run("a", "ping 10.0.2.2")
    assert r.returncode == 0
    assert r.stdout.count("bytes from 10.0.2.2") == 4
    assert "4 packets transmitted, 4 received, 0% packet loss" in r.stdout
