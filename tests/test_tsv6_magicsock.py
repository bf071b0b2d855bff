"""magicsock over IPv6: global IPv6 addresses are endpoints, disco pings go over IPv6 too, and
betterAddr (endpoint.go) prefers an IPv6 path when the latencies are close."""
from ipaddress import IPv4Address, IPv6Address

import pytest

from simnet.lab import Lab
from simnet.tailnet.magicsock import better_addr

CONTAINER6 = "2001:db8:1:0:ad:6bff:fedf:2716"     # the container's SLAAC address in the home LAN
CAFE6 = [("internet", "ip -6 addr add 2001:db8:ff02::1/64 dev eth2"),
         ("internet", "ip -6 route add 2001:db8:5::/64 via 2001:db8:ff02::140"),
         ("cafe", "ip -6 addr add 2001:db8:ff02::140/64 dev wan"),
         ("cafe", "ip -6 route add default via 2001:db8:ff02::1"),
         ("cafe", "ip -6 addr add 2001:db8:5::1/64 dev lan"),
         ("cafe", "sysctl -w net.ipv6.conf.all.forwarding=1"),
         ("maschinchen", "ip -6 addr add 2001:db8:5::2/64 dev wlan0"),
         ("maschinchen", "ip -6 route add default via 2001:db8:5::1")]


def cafe_with_ipv6() -> Lab:
    lab = Lab.load("headscale", state="ready")
    for node, cmd in CAFE6:
        assert lab.run(node, cmd).returncode == 0, cmd
    lab.advance(3)                                   # past DAD
    return lab


def test_both_sides_with_ipv6_take_the_direct_ipv6_path():
    lab = cafe_with_ipv6()
    # the home router's FORWARD policy keeps new IPv6 from outside out: a plain ping does not get in
    assert lab.run("maschinchen", f"ping -6 -c 1 -W 1 {CONTAINER6}").returncode == 1
    out = lab.run("maschinchen", "tailscale ping -c 5 100.64.0.1").stdout
    assert out.splitlines()[-1].startswith(f"pong from tailscale (100.64.0.1) via [{CONTAINER6}]:41641 in ")
    # the container's first IPv6 pong took 49 ms against 33 ms over IPv4 (the routers on the IPv6 way
    # still solicited their neighbours), so it keeps IPv4 at first; a direct path slower than 5 ms
    # pings every endpoint again after a minute, and then IPv6 wins by its ten points
    assert lab.run("maschinchen", "ping -c 65 -i 1 -q 100.64.0.1").returncode == 0
    row = next(line for line in lab.run("maschinchen", "tailscale status").stdout.splitlines() if "tailscale " in line)
    assert f"direct [{CONTAINER6}]:41641" in row
    back = next(line for line in lab.run("tailscale", "tailscale status").stdout.splitlines() if "maschinchen" in line)
    assert "direct [2001:db8:5::2]:41641" in back
    js = lab.run("maschinchen", "tailscale status --json").stdout
    assert f'"[{CONTAINER6}]:41641"' in js and '"[2001:db8:5::2]:41641"' in js


def test_a_direct_ipv4_path_moves_to_ipv6_within_a_minute_of_traffic():
    """wantFullPingLocked: a direct path slower than 5 ms pings every endpoint again each minute.
    The home router lets IPv6 in only as an answer, and a single ping and pong keep its UDP entry
    for 30 s only: the container (pinged back after the laptop's call-me-maybe) moves first, the
    laptop once its own look finds the entry that the container's heartbeats keep open."""
    lab = Lab.load("headscale", state="ready")
    out = lab.run("maschinchen", "tailscale ping -c 5 100.64.0.1").stdout
    assert out.splitlines()[-1].startswith("pong from tailscale (100.64.0.1) via 198.51.100.57:41641 in ")
    for node, cmd in CAFE6:                          # the café gets IPv6 while the tunnel is in use
        lab.run(node, cmd)
    r = lab.run("maschinchen", "ping -c 30 -i 1 -q 100.64.0.1")
    assert r.returncode == 0
    assert "direct 198.51.100.57:41641" in lab.run("maschinchen", "tailscale status").stdout
    lab.run("maschinchen", "ping -c 200 -i 1 -q 100.64.0.1")
    assert f"direct [{CONTAINER6}]:41641" in lab.run("maschinchen", "tailscale status").stdout
    assert "direct [2001:db8:5::2]:41641" in lab.run("tailscale", "tailscale status").stdout


def test_without_ipv6_on_one_side_the_path_stays_ipv4():
    lab = Lab.load("headscale", state="ready")      # the café has no IPv6
    out = lab.run("maschinchen", "tailscale ping -c 5 100.64.0.1").stdout
    assert out.splitlines()[-1].startswith("pong from tailscale (100.64.0.1) via 198.51.100.57:41641 in ")
    # the container's IPv6 address is published all the same
    js = lab.run("maschinchen", "tailscale status --json").stdout
    assert f'"[{CONTAINER6}]:41641"' in js


def test_udp_blocked_over_ipv6_leaves_the_ipv4_path():
    lab = cafe_with_ipv6()
    lab.run("cafe", "ip6tables -A FORWARD -p udp -j DROP")
    out = lab.run("maschinchen", "tailscale ping -c 5 100.64.0.1").stdout
    assert out.splitlines()[-1].startswith("pong from tailscale (100.64.0.1) via 198.51.100.57:41641 in ")


V4, V4P = (IPv4Address("198.51.100.57"), 41641), (IPv4Address("192.168.0.150"), 41641)
V6 = (IPv6Address(CONTAINER6), 41641)


@pytest.mark.parametrize("a, la, b, lb, better", [
    (V6, 0.033, V4, 0.033, True),        # same latency: IPv6 gets 10 points
    (V6, 0.036, V4, 0.033, True),        # IPv4 8 % faster: 8 points against 10
    (V6, 0.040, V4, 0.033, False),       # IPv4 17 % faster: IPv6 loses
    (V4, 0.033, V6, 0.033, False),
    (V4P, 0.010, V6, 0.010, True),       # a private IPv4 address beats a global IPv6 one (20 > 10)
    (V4, 0.0330, V4P, 0.0331, False),    # below 1 %: keep the current one
])
def test_better_addr_weighs_latency_private_and_ipv6_as_magicsock(a, la, b, lb, better):
    assert better_addr(a, la, b, lb) is better
