"""The seed's home LAN is dual stack (issue 16): headscale and heimnetz as shipped, and the IPv4-only view."""
import ipaddress

import pytest

from simnet import Lab
from simnet.lab import LabError
from simnet.trace import Disposition

LAN6 = ipaddress.IPv6Network("2001:db8:1::/64")


def _global6(lab: Lab, node: str, dev: str = "eth0") -> ipaddress.IPv6Address | None:
    words = lab.run(node, f"ip -6 -br addr show dev {dev}").stdout.split()[2:]
    return next((ipaddress.IPv6Interface(w).ip for w in words if not w.startswith("fe80:")), None)


@pytest.fixture(scope="module")
def heim() -> Lab:
    return Lab.load("heimnetz")


def test_home_hosts_take_slaac_from_the_routers_radvd(heim: Lab) -> None:
    for node in ("debian", "proxmox", "tailscale"):
        assert _global6(heim, node) in LAN6
        route = heim.run(node, "ip -6 route").stdout
        assert "default via fe80:" in route and "proto ra" in route
    assert heim.run("debian", "ip -6 addr show dev eth0").stdout.count("scope global dynamic mngtmpaddr") == 1


def test_loading_takes_no_time_and_leaves_the_neighbours_stale(heim: Lab) -> None:
    # the advertisements belong to the boxes' past: the clock still stands at the lab's epoch
    fresh = Lab.load("heimnetz")
    assert fresh.now == 0.0
    router = fresh.run("router", "ip -6 neigh show dev lan").stdout.splitlines()
    assert len(router) == 4 and all(line.endswith(" STALE ") for line in router)
    assert any(" router STALE" in line for line in router)     # its own advertisement, looped back
    assert fresh.run("debian", "ip neigh").stdout == \
        "fe80::1b:3eff:fe73:267e dev eth0 lladdr 02:1b:3e:73:26:7e router STALE \n"


def test_ping6_on_the_lan_and_to_the_router(heim: Lab) -> None:
    other = _global6(heim, "proxmox")
    res = heim.run("debian", f"ping -6 -c 1 -W 1 {other}")
    assert res.returncode == 0 and "ttl=64" in res.stdout
    assert heim.run("debian", "ping -6 -c 1 -W 1 2001:db8:1::1").returncode == 0
    assert f"{other} dev eth0 lladdr " in heim.run("debian", "ip -6 neigh").stdout


def test_ipv6_goes_out_without_nat_ipv4_with_masquerade(heim: Lab) -> None:
    assert heim.run("debian", "ping -c 1 2001:db8:ff00::10").returncode == 0
    assert heim.run("debian", "ping -c 1 203.0.113.10").returncode == 0
    flows = heim.run("router", "conntrack -L").stdout
    v6 = next(line for line in flows.splitlines() if line.startswith("icmpv6 ") and "2001:db8:ff00::10" in line)
    v4 = next(line for line in flows.splitlines() if line.startswith("icmp "))
    me = str(_global6(heim, "debian"))
    # IPv6: the answer comes back to the host's own address; IPv4: to the router's WAN address
    assert f"src={me} dst=2001:db8:ff00::10" in v6 and f"dst={me}" in v6
    assert "src=192.168.0.158" in v4 and "dst=198.51.100.57" in v4


def test_the_forward_policy_protects_the_lan_from_outside(heim: Lab) -> None:
    target = _global6(heim, "debian")
    res = heim.run("vps", f"ping -c 1 -W 1 {target}")
    assert res.returncode == 1
    assert res.trace.main.disposition is Disposition.FILTERED and res.trace.main.where == "router"
    why = res.trace.explain()
    assert "„router“ verwirft das Paket (DROP) durch die Policy der Kette FORWARD" in why
    assert "`ip6tables -t filter -L FORWARD -n -v --line-numbers`" in why
    assert heim.run("vps", "ping -c 1 -W 1 2001:db8:1::1").returncode == 0   # the router itself answers
    assert "Chain FORWARD (policy DROP" in heim.run("router", "ip6tables -L FORWARD -n").stdout


def test_the_ipv4_only_view_and_the_old_aliases() -> None:
    old = Lab.load("heimnetz", ipv6_lan=False)
    assert "default" not in old.run("debian", "ip -6 route").stdout
    assert old.run("debian", "ip -6 -br addr show dev eth0").stdout.split()[2:] == ["fe80::14:6eff:fed8:d12c/64"]
    assert old.run("debian", "ping -c 1 -W 1 2001:db8:ff00::10").returncode != 0
    assert old.run("router", "ip6tables -S FORWARD").stdout == "-P FORWARD ACCEPT\n"
    assert old.run("router", "systemctl is-active radvd").stdout == "inactive\n"
    assert old.run("debian", "ping -c 1 203.0.113.10").returncode == 0
    for lab in (Lab.load("heimnetz", ipv6_lan=True), Lab.load("heimnetz", state="dualstack")):
        assert _global6(lab, "debian") in LAN6


def test_headscale_ready_keeps_the_exit_nodes_slaac_address() -> None:
    lab = Lab.load("headscale", state="ready")
    assert _global6(lab, "tailscale") in LAN6
    assert lab.run("tailscale", "ping -c 1 2001:db8:ff00::10").returncode == 0
    assert "fd7a:115c:a1e0::" in lab.run("tailscale", "ip -6 -br addr show dev tailscale0").stdout
    assert "2001:db8" not in lab.run("maschinchen", "ip -6 -br addr").stdout     # the café stays IPv4


def test_the_option_is_for_the_seed_labs_only() -> None:
    with pytest.raises(LabError, match="dualstack"):
        Lab.load("lan-dhcp", ipv6_lan=True)
    with pytest.raises(LabError, match="ipv6_lan"):
        Lab.load("heimnetz", ipv6_lan="nein")


def test_the_router_comes_back_dual_stack_after_a_reboot() -> None:
    lab = Lab.load("heimnetz")
    assert lab.run("router", "reboot").returncode == 0
    assert "2001:db8:1::1/64 scope global \n" in lab.run("router", "ip -6 addr show dev lan").stdout
    assert lab.run("router", "sysctl -n net.ipv6.conf.all.forwarding").stdout == "1\n"
    assert lab.run("router", "systemctl is-active radvd").stdout == "active\n"
    assert "-P FORWARD DROP\n" in lab.run("router", "ip6tables -S FORWARD").stdout
    res = lab.run("debian", "ping -c 1 -W 1 2001:db8:ff00::10")
    assert res.returncode == 0
    assert lab.run("vps", f"ping -c 1 -W 1 {_global6(lab, 'debian')}").returncode == 1


def test_a_lan_host_takes_its_slaac_address_again_after_a_reboot() -> None:
    lab = Lab.load("heimnetz")
    before = _global6(lab, "debian")
    assert lab.run("debian", "reboot").returncode == 0
    # the kernel's solicitation after boot, radvd's answer, SLAAC and its DAD: done before the login
    shown = lab.run("debian", "ip -6 addr show dev eth0").stdout
    assert f"inet6 {before}/64 scope global dynamic mngtmpaddr \n" in shown and "tentative" not in shown
    assert "default via fe80::1b:3eff:fe73:267e dev eth0 proto ra" in lab.run("debian", "ip -6 route").stdout
    assert lab.run("debian", "ping -6 -c 1 -W 1 2001:db8:1::1").returncode == 0


def test_an_edited_radvd_conf_survives_the_reboot() -> None:
    lab = Lab.load("heimnetz")
    conf = "interface lan {\n\tAdvSendAdvert on;\n\tprefix 2001:db8:2::/64 {\n\t};\n};\n"
    lab.node("router").files["/etc/radvd.conf"] = conf
    lab.run("router", "reboot")
    assert lab.run("router", "cat /etc/radvd.conf").stdout == conf
    lab.run("debian", "reboot")
    assert _global6(lab, "debian") in ipaddress.IPv6Network("2001:db8:2::/64")


def test_a_home_lan_client_falls_back_to_ipv4_while_nginx_listens_on_ipv4_only() -> None:
    lab = Lab.load("headscale")
    # happy eyeballs: IPv6 first (the home LAN has a route), refused, then IPv4: the command succeeds
    ok = lab.run("debian", "curl -sS https://vpn.example.net/health")
    assert ok.returncode == 0 and ok.trace.ok
    assert "*   Trying [2001:db8:ff00::10]:443...\n*   Trying 203.0.113.10:443...\n" in \
        lab.run("debian", "curl -v https://vpn.example.net/health").stderr
    assert lab.run("debian", "curl -6 -sS https://vpn.example.net/health").returncode == 7
