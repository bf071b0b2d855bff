"""IPv6 through an exit node and tailscale's forwarding warning (netutil.CheckIPForwarding)."""
import re

import pytest

from simnet.lab import Lab
from simnet.trace import Disposition

UP = "tailscale up --login-server=https://vpn.example.net"
KB = "See https://tailscale.com/s/ip-forwarding\n"


def up(lab, node, flags):
    """What ``tailscale up`` says before the login URL."""
    res = lab.run(node, f"{UP} {flags}")
    return res.stderr.split("To authenticate")[0]


@pytest.fixture
def fresh():
    lab = Lab.load("headscale")
    lab.run("vps", "headscale users create zabooz")
    return lab


@pytest.mark.parametrize("sysctls, flags, warning", [
    (["net.ipv4.ip_forward=1"], "--advertise-exit-node",
     "Warning: IPv6 forwarding is disabled.\nSubnet routes and exit nodes may not work correctly.\n" + KB + "\n"),
    ([], "--advertise-exit-node", "Warning: IP forwarding is disabled, subnet routing/exit nodes will not work.\n" + KB + "\n"),
    # v1.90 checks the exit routes (0.0.0.0/0, ::/0) whatever is advertised: both families count
    ([], "--advertise-routes=2001:db8:5::/64",
     "Warning: IP forwarding is disabled, subnet routing/exit nodes will not work.\n" + KB + "\n"),
    (["net.ipv6.conf.all.forwarding=1"], "--advertise-routes=2001:db8:5::/64",
     "Warning: IP forwarding is disabled, subnet routing/exit nodes will not work.\n" + KB + "\n"),
    (["net.ipv4.ip_forward=1"], "--advertise-routes=192.168.0.0/24",
     "Warning: IPv6 forwarding is disabled.\nSubnet routes and exit nodes may not work correctly.\n" + KB + "\n"),
    (["net.ipv4.ip_forward=1"], "--advertise-routes=192.168.0.0/24,fd00:1::/64",
     "Warning: IPv6 forwarding is disabled.\nSubnet routes and exit nodes may not work correctly.\n" + KB + "\n"),
    (["net.ipv4.ip_forward=1", "net.ipv6.conf.all.forwarding=1"], "--advertise-routes=192.168.0.0/24,fd00:1::/64",
     "\n"),
    (["net.ipv4.ip_forward=1", "net.ipv6.conf.all.forwarding=1"], "--advertise-exit-node", "\n"),
])
def test_forwarding_warning_as_tailscale_words_it(fresh, sysctls, flags, warning):
    for s in sysctls:
        assert fresh.run("tailscale", f"sysctl -w {s}").returncode == 0
    assert up(fresh, "tailscale", flags) == warning


@pytest.fixture
def exit6():
    """The ready seed with the laptop using the container as its exit node."""
    lab = Lab.load("headscale", state="ready")
    assert lab.run("maschinchen", "tailscale set --exit-node=100.64.0.1").returncode == 0
    return lab


@pytest.fixture
def exit6_v4lan():
    """The same with the home LAN IPv4 only (Lab.load's ipv6_lan=False): the container has no IPv6 upstream."""
    lab = Lab.load("headscale", ipv6_lan=False, state="ready")
    assert lab.run("maschinchen", "tailscale set --exit-node=100.64.0.1").returncode == 0
    return lab


def test_exit_node_adds_the_ipv6_default_route_to_table_52_and_takes_it_away(exit6):
    assert exit6.run("maschinchen", "ip -6 route show table 52").stdout == (
        "fd7a:115c:a1e0::/48 dev tailscale0 metric 1024 pref medium\n"
        "default dev tailscale0 metric 1024 pref medium\n")
    got = exit6.run("maschinchen", "ip -6 route get 2001:db8::1").stdout
    assert re.fullmatch(r"2001:db8::1 from :: dev tailscale0 table 52 src fd7a:115c:a1e0::\w+ metric 1024 "
                        r"pref medium\n", got)
    exit6.run("maschinchen", "tailscale set --exit-node=")
    assert exit6.run("maschinchen", "ip -6 route show table 52").stdout == \
        "fd7a:115c:a1e0::/48 dev tailscale0 metric 1024 pref medium\n"


def test_the_exit_node_forwards_ipv6_only_with_forwarding_on(exit6_v4lan):
    exit6 = exit6_v4lan
    res = exit6.run("maschinchen", "ping -c 1 -W 1 2001:db8::1")
    # the container has no IPv6 default route: its kernel says so, forwarding or not (ip6_route_input)
    assert "From fd7a:115c:a1e0::1 icmp_seq=1 Destination unreachable: No route" in res.stdout
    exit6.run("tailscale", "ip -6 route add default via fe80::1 dev eth0")     # nobody answers there
    res = exit6.run("maschinchen", "ping -c 1 -W 5 2001:db8::1")
    assert "From fd7a:115c:a1e0::1 icmp_seq=1 Destination unreachable: Address unreachable" in res.stdout
    exit6.run("tailscale", "sysctl -w net.ipv6.conf.all.forwarding=0")
    res = exit6.run("maschinchen", "ping -c 1 -W 1 2001:db8::1")
    assert "0 received" in res.stdout and "From" not in res.stdout
    assert res.trace.main.disposition is Disposition.FORWARDING_DISABLED
    assert res.trace.main.where == "tailscale"
