"""The seed's home LAN as dual stack (issue 16): Lab.load(NAME, ipv6_lan=True) in headscale and heimnetz."""
import ipaddress

import pytest

from simnet import Lab
from simnet.lab import LabError


def _global6(lab: Lab, node: str) -> ipaddress.IPv6Address:
    words = lab.run(node, "ip -6 -br addr show dev eth0").stdout.split()[2:]
    return next(ipaddress.IPv6Interface(w).ip for w in words if not w.startswith("fe80:"))


@pytest.fixture(scope="module")
def heim() -> Lab:
    return Lab.load("heimnetz", ipv6_lan=True)


def test_home_hosts_take_slaac_from_the_routers_radvd(heim: Lab) -> None:
    for node in ("debian", "proxmox", "tailscale"):
        assert _global6(heim, node) in ipaddress.IPv6Network("2001:db8:1::/64")
        route = heim.run(node, "ip -6 route").stdout
        assert "default via fe80:" in route and "proto ra" in route


def test_ipv6_goes_out_without_nat_ipv4_with_masquerade(heim: Lab) -> None:
    assert heim.run("debian", "ping -c 1 2001:db8:ff00::10").returncode == 0
    assert heim.run("debian", "ping -c 1 203.0.113.10").returncode == 0
    flows = heim.run("router", "conntrack -L").stdout
    v6 = next(line for line in flows.splitlines() if line.startswith("icmpv6 "))
    v4 = next(line for line in flows.splitlines() if line.startswith("icmp "))
    me = str(_global6(heim, "debian"))
    # IPv6: the answer comes back to the host's own address; IPv4: to the router's WAN address
    assert f"src={me} dst=2001:db8:ff00::10" in v6 and f"dst={me}" in v6
    assert "src=192.168.0.158" in v4 and "dst=198.51.100.57" in v4


def test_the_forward_policy_protects_the_lan_from_outside(heim: Lab) -> None:
    target = _global6(heim, "debian")
    assert heim.run("vps", f"ping -c 1 -W 1 {target}").returncode == 1
    assert heim.run("vps", "ping -c 1 -W 1 2001:db8:1::1").returncode == 0   # the router itself answers
    assert "Chain FORWARD (policy DROP" in heim.run("router", "ip6tables -L FORWARD -n").stdout


def test_without_the_option_the_lan_stays_ipv4_only() -> None:
    lab = Lab.load("heimnetz")
    assert "default" not in lab.run("debian", "ip -6 route").stdout
    assert lab.run("debian", "ping -c 1 -W 1 2001:db8:ff00::10").returncode != 0


def test_headscale_ready_keeps_the_exit_nodes_slaac_address() -> None:
    lab = Lab.load("headscale", ipv6_lan=True, state="ready")
    assert _global6(lab, "tailscale") in ipaddress.IPv6Network("2001:db8:1::/64")
    assert lab.run("tailscale", "ping -c 1 2001:db8:ff00::10").returncode == 0
    assert "fd7a:115c:a1e0::" in lab.run("tailscale", "ip -6 -br addr show dev tailscale0").stdout


def test_a_lab_without_the_state_refuses_the_option() -> None:
    with pytest.raises(LabError, match="dualstack"):
        Lab.load("lan-dhcp", ipv6_lan=True)
