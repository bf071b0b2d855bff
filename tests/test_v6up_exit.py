"""IPv6 through tailscale's exit node (issue 16): tailscaled's ts-* chains in ip6tables with
the MASQUERADE of AddSNATRule, IPv6 source NAT in the kernel, and what a learner sees when
the exit node has no IPv6 upstream."""
import ipaddress

import pytest

from simnet import Lab
from simnet.lab import LabError

TS_POST = "-N ts-postrouting\n-A ts-postrouting -m mark --mark 0x40000/0xff0000 -j MASQUERADE\n"


def _dual(**kw) -> Lab:
    """The headscale lab with the home LAN dual stack (an option today, the default later)."""
    try:
        return Lab.load("headscale", ipv6_lan=True, **kw)
    except (LabError, TypeError):
        return Lab.load("headscale", **kw)


def _global6(lab: Lab, node: str, dev: str = "eth0") -> ipaddress.IPv6Address:
    words = lab.run(node, f"ip -6 -br addr show dev {dev}").stdout.split()[2:]
    return next(ipaddress.IPv6Interface(w).ip for w in words if not w.startswith("fe80:"))


@pytest.fixture(scope="module")
def exit6() -> Lab:
    lab = _dual(state="ready")
    assert lab.run("maschinchen", "tailscale set --exit-node=tailscale").ok
    return lab


def test_the_exit_node_has_tailscales_chains_in_ip6tables(exit6: Lab) -> None:
    assert exit6.run("tailscale", "ip6tables -t nat -S ts-postrouting").stdout == TS_POST
    assert exit6.run("tailscale", "iptables -t nat -S ts-postrouting").stdout == TS_POST
    rules = exit6.run("tailscale", "ip6tables -S").stdout
    assert rules == ("-P INPUT ACCEPT\n-P FORWARD ACCEPT\n-P OUTPUT ACCEPT\n-N ts-forward\n-N ts-input\n"
                     "-A INPUT -j ts-input\n-A FORWARD -j ts-forward\n"
                     "-A ts-forward -i tailscale0 -j MARK --set-xmark 0x40000/0xff0000\n"
                     "-A ts-forward -m mark --mark 0x40000/0xff0000 -j ACCEPT\n"
                     "-A ts-forward -o tailscale0 -j ACCEPT\n"
                     "-A ts-input -s fd7a:115c:a1e0::1/128 -i lo -j ACCEPT\n"
                     "-A ts-input -i tailscale0 -j ACCEPT\n"
                     "-A ts-input -p udp -m udp --dport 41641 -j ACCEPT\n")
    # iptables-nft made the tables in tailscaled's order: filter for IPv4 and IPv6, then nat
    tables = [line for line in exit6.run("tailscale", "nft list tables").stdout.splitlines()]
    assert tables == ["table ip filter", "table ip6 filter", "table ip nat", "table ip6 nat"]
    # every tailnet node has the IPv6 chains, each with its own address in the loopback rule
    assert "-A ts-input -s fd7a:115c:a1e0::2/128 -i lo -j ACCEPT" in exit6.run("maschinchen", "ip6tables -S").stdout


def test_a_client_reaches_an_ipv6_host_through_the_exit_node_masqueraded(exit6: Lab) -> None:
    r = exit6.run("maschinchen", "ping -c 1 2001:db8:ff00::10")
    assert r.ok and "64 bytes from 2001:db8:ff00::10: icmp_seq=1 ttl=61" in r.stdout
    me = _global6(exit6, "tailscale")
    flows = exit6.run("tailscale", "conntrack -L -f ipv6").stdout
    line = next(x for x in flows.splitlines() if "dst=2001:db8:ff00::10" in x)
    # the tailnet address leaves as the exit node's own global address (SLAAC on the home LAN)
    assert "src=fd7a:115c:a1e0::2 dst=2001:db8:ff00::10" in line and f"dst={me} type=129" in line
    assert f"MASQUERADE auf „tailscale“: Absender fd7a:115c:a1e0::2 → {me}" in r.trace.explain()
    counted = exit6.run("tailscale", "ip6tables -t nat -L ts-postrouting -n -v -x").stdout
    assert int(counted.splitlines()[2].split()[0]) >= 1


def test_a_name_with_aaaa_goes_over_ipv6_through_the_exit_node(exit6: Lab) -> None:
    # the café laptop's only IPv6 address is fd7a:…, but table 52's ::/0 makes IPv6 usable (RFC 6724)
    r = exit6.run("maschinchen", "ping -c 1 vpn.example.net")
    assert r.ok and r.stdout.startswith("PING vpn.example.net(2001:db8:ff00::10 (2001:db8:ff00::10)) 56 data bytes")


def test_without_an_ipv6_upstream_the_exit_node_answers_no_route() -> None:
    lab = _dual(state="ready")
    assert lab.run("tailscale", "sysctl -w net.ipv6.conf.eth0.accept_ra=0").ok
    lab.run("tailscale", "ip -6 route del default")
    assert "default" not in lab.run("tailscale", "ip -6 route").stdout
    assert lab.run("maschinchen", "tailscale set --exit-node=tailscale").ok
    r = lab.run("maschinchen", "ping -c 1 -W 2 2001:db8:ff00::10")
    assert r.returncode == 1
    assert "From fd7a:115c:a1e0::1 icmp_seq=1 Destination unreachable: No route" in r.stdout
    why = r.trace.explain()
    assert "„tailscale“ hat keine Route zu 2001:db8:ff00::10" in why
    assert "„tailscale“ ist hier der Exit-Node" in why and "keine IPv6-Default-Route" in why


def test_tailscale_down_removes_the_ipv6_chains_and_disable_ipv6_keeps_them_away() -> None:
    lab = Lab.load("headscale", state="ready")
    assert "ts-input" in lab.run("jules-laptop", "ip6tables -S").stdout
    assert lab.run("jules-laptop", "tailscale down").ok
    assert lab.run("jules-laptop", "ip6tables -S").stdout == "-P INPUT ACCEPT\n-P FORWARD ACCEPT\n-P OUTPUT ACCEPT\n"
    assert lab.run("jules-laptop", "sysctl -w net.ipv6.conf.all.disable_ipv6=1").ok
    assert lab.run("jules-laptop", "tailscale up --login-server=https://vpn.example.net --accept-routes").ok
    assert "ts-input" in lab.run("jules-laptop", "iptables -S").stdout
    assert "ts-" not in lab.run("jules-laptop", "ip6tables -S").stdout


def test_status_and_tailscale_ping_still_work_with_the_ipv6_chains(exit6: Lab) -> None:
    status = exit6.run("maschinchen", "tailscale status").stdout
    assert "100.64.0.1" in status and "exit node" in status
    assert exit6.run("maschinchen", "tailscale ping -c 1 tailscale").stdout.startswith("pong from tailscale (100.64.0.1)")


def _v6_line(lab: Lab, node: str) -> str:
    out = lab.run(node, "tailscale netcheck").stdout
    return next(line.strip() for line in out.splitlines() if "IPv6:" in line)


def test_netcheck_reports_ipv6_as_the_derp_stun_socket_and_the_node_allow() -> None:
    lab = _dual(state="ready")
    # the seed's stun_listen_addr 0.0.0.0:3478 is IPv4 only: the probe gets "port unreachable"
    assert _v6_line(lab, "tailscale") == "* IPv6: no, but OS has support"
    assert _v6_line(lab, "maschinchen") == "* IPv6: no, but OS has support"
    conf = "/etc/headscale/config.yaml"
    assert lab.run("vps", f"sed -i 's/stun_listen_addr: \"0.0.0.0:3478\"/stun_listen_addr: \":3478\"/' {conf}").ok
    assert lab.run("vps", "systemctl restart headscale").ok
    me = _global6(lab, "tailscale")
    assert _v6_line(lab, "tailscale") == f"* IPv6: yes, [{me}]:41641"     # no NAT for IPv6: its own address
    # the café's Wi-Fi is IPv4 only (as many hotspots): no IPv6 address, no IPv6 probe
    assert _v6_line(lab, "maschinchen") == "* IPv6: no, but OS has support"
    import json

    report = json.loads(lab.run("tailscale", "tailscale netcheck --format=json").stdout)
    assert (report["IPv6"], report["GlobalV6"], report["OSHasIPv6"]) == (True, f"[{me}]:41641", True)
    assert lab.run("tailscale", "sysctl -w net.ipv6.conf.all.disable_ipv6=1").ok
    assert _v6_line(lab, "tailscale") == "* IPv6: no, unavailable in OS"
