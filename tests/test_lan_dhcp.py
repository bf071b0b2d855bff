"""DHCP in the data plane: dnsmasq as server, dhclient/ifupdown as clients (see also tests/kernel dh_* cases)."""
from __future__ import annotations

import re

from simnet import Lab

CONF = ("interface=eth0\ndhcp-range=192.168.0.100,192.168.0.200,255.255.255.0,2m\n"
        "dhcp-option=option:router,192.168.0.1\n")


def lan(*extra_nodes: str, conf: str = CONF, start: bool = True) -> Lab:
    nodes = {"router": {"interfaces": {"eth0": "lan"}, "startup": ["ip addr add 192.168.0.1/24 dev eth0"]},
             "pc": {"interfaces": {"eth0": "lan"}}}
    for name in extra_nodes:
        nodes[name] = {"interfaces": {"eth0": "lan"}}
    lab = Lab.from_dict({"nodes": nodes})
    lab.node("router").files["/etc/dnsmasq.conf"] = conf
    if start:
        assert lab.run("router", "systemctl start dnsmasq").returncode == 0
    return lab


def test_dora_gives_address_route_and_resolv_conf_and_tcpdump_sees_four_packets():
    lab = lan()
    cap = lab.start("pc", "tcpdump -n -i eth0 udp")
    res = lab.run("pc", "dhclient -v eth0")
    assert res.returncode == 0
    lines = res.stderr.splitlines()
    ip = re.search(r"DHCPACK of ([\d.]+) from 192\.168\.0\.1", res.stderr).group(1)
    assert f"DHCPOFFER of {ip} from 192.168.0.1" in lines
    assert re.match(rf"bound to {re.escape(ip)} -- renewal in \d+ seconds\.$", lines[-1])
    show = lab.run("pc", "ip addr show eth0").stdout
    assert f"inet {ip}/24 brd 192.168.0.255 scope global dynamic eth0" in show
    assert "valid_lft 120sec preferred_lft 120sec" in show
    assert "default via 192.168.0.1 dev eth0" in lab.run("pc", "ip route").stdout
    assert lab.run("pc", "cat /etc/resolv.conf").stdout == "nameserver 192.168.0.1\n"   # dnsmasq's DNS
    out = cap.result(timeout=0).stdout.splitlines()
    assert [line.split(" ", 1)[1] for line in out[:4]] == [
        f"IP 0.0.0.0.68 > 255.255.255.255.67: BOOTP/DHCP, Request from {lab.node('pc').interfaces['eth0'].mac}, "
        "length 300",
        f"IP 192.168.0.1.67 > {ip}.68: BOOTP/DHCP, Reply, length 300",
        f"IP 0.0.0.0.68 > 255.255.255.255.67: BOOTP/DHCP, Request from {lab.node('pc').interfaces['eth0'].mac}, "
        "length 300",
        f"IP 192.168.0.1.67 > {ip}.68: BOOTP/DHCP, Reply, length 300"]
    lease = lab.run("router", "cat /var/lib/misc/dnsmasq.leases").stdout
    assert re.fullmatch(rf"\d+ {lab.node('pc').interfaces['eth0'].mac} {re.escape(ip)} pc \*\n", lease)
    journal = lab.run("router", "journalctl -u dnsmasq").stdout
    assert f"dnsmasq-dhcp[" in journal and f"]: DHCPACK(eth0) {ip} " in journal


def test_valid_lft_counts_down_renewal_at_t1_and_the_lease_expires_without_server():
    lab = lan()
    lab.run("pc", "dhclient eth0")
    lab.advance(30)
    assert "valid_lft 90sec" in lab.run("pc", "ip addr show eth0").stdout
    cap = lab.start("pc", "tcpdump -n -i eth0 udp")
    lab.advance(40)                       # T1 (45-60 s) passes: a unicast renewal refreshes the lifetime
    out = cap.result(timeout=0).stdout
    ip = lab.node("pc").interfaces["eth0"].addresses[0].ip
    assert f"IP {ip}.68 > 192.168.0.1.67: BOOTP/DHCP, Request from" in out
    left = int(re.search(r"valid_lft (\d+)sec", lab.run("pc", "ip addr show eth0").stdout).group(1))
    assert 95 <= left <= 110                # 120 s again from the renewal, not 50 s left of the first lease
    lab.run("router", "systemctl stop dnsmasq")
    lab.advance(200)                      # no renewal, no rebind answer: the address goes at expiry
    assert "inet " not in lab.run("pc", "ip addr show eth0").stdout
    assert "default" not in lab.run("pc", "ip route").stdout


def test_no_server_no_address():
    lab = lan(start=False)
    res = lab.run("pc", "dhclient -v -1 eth0")
    assert res.returncode == 2
    assert res.stderr.endswith("No DHCPOFFERS received.\nUnable to obtain a lease on first try.  Exiting.\n")
    assert "inet " not in lab.run("pc", "ip addr show eth0").stdout


def test_firewall_on_the_server_blocks_dhcp_but_the_clients_does_not():
    lab = lan()
    lab.run("router", "iptables -A INPUT -p udp --dport 67 -j DROP")
    assert lab.run("pc", "dhclient -1 eth0").returncode == 2
    lab.run("router", "iptables -F INPUT")
    lab.run("pc", "iptables -P INPUT DROP")          # dhclient reads with a packet socket
    assert lab.run("pc", "dhclient -1 eth0").returncode == 0


def test_reservation_and_release():
    lab = lan(conf=CONF + "dhcp-host=02:ee:00:00:00:07,192.168.0.50,drucker\ndomain=lan\n", start=False)
    lab.run("pc", "ip link set eth0 address 02:ee:00:00:00:07")
    lab.run("router", "systemctl start dnsmasq")
    res = lab.run("pc", "dhclient -v eth0")
    assert "DHCPACK of 192.168.0.50 from 192.168.0.1" in res.stderr
    assert lab.run("pc", "cat /etc/resolv.conf").stdout == "domain lan\nsearch lan\nnameserver 192.168.0.1\n"
    assert " 02:ee:00:00:00:07 192.168.0.50 drucker *" in lab.run("router", "cat /var/lib/misc/dnsmasq.leases").stdout
    rel = lab.run("pc", "dhclient -r -v eth0")
    assert rel.stderr.startswith("Killed old client process\n")
    assert "DHCPRELEASE of 192.168.0.50 on eth0 to 192.168.0.1 port 67" in rel.stderr
    assert lab.run("router", "cat /var/lib/misc/dnsmasq.leases").stdout == ""
    assert "inet " not in lab.run("pc", "ip addr show eth0").stdout


def test_two_servers_the_client_takes_one_offer_and_the_other_server_lets_go():
    lab = lan("router2")
    lab.run("router2", "ip addr add 192.168.0.2/24 dev eth0")
    lab.node("router2").files["/etc/dnsmasq.conf"] = (
        "dhcp-range=192.168.0.210,192.168.0.220,2m\ndhcp-option=option:router,192.168.0.2\n")
    lab.run("router2", "systemctl start dnsmasq")
    res = lab.run("pc", "dhclient -v eth0")
    server = re.search(r"DHCPACK of [\d.]+ from ([\d.]+)", res.stderr).group(1)
    other = "router2" if server == "192.168.0.1" else "router"
    assert lab.run(other, "cat /var/lib/misc/dnsmasq.leases").stdout == ""
    assert f"default via {server} dev eth0" in lab.run("pc", "ip route").stdout


def test_ifup_ifdown_dhcp_and_bad_config():
    lab = lan()
    lab.node("pc").files["/etc/network/interfaces"] = "auto lo\niface lo inet loopback\n\niface eth0 inet dhcp\n"
    up = lab.run("pc", "ifup eth0")
    assert up.returncode == 0 and "Created duid" in up.stderr and "bound to 192.168.0." in up.stderr
    assert lab.run("pc", "ifup eth0").stderr == "ifup: interface eth0 already configured\n"
    down = lab.run("pc", "ifdown eth0")
    assert "DHCPRELEASE of" in down.stderr
    assert lab.run("pc", "ip -br link show eth0").stdout.split()[1] == "DOWN"
    lab.node("router").files["/etc/dnsmasq.conf"] = "dhcp-rang=1\n"
    res = lab.run("router", "systemctl restart dnsmasq")
    assert res.returncode == 1 and "Job for dnsmasq.service failed" in res.stderr
    assert lab.run("router", "dnsmasq --test").stderr == "\ndnsmasq: bad option at line 1 of /etc/dnsmasq.conf\n"


def test_the_lan_dhcp_lab_hands_out_addresses_names_and_a_reservation():
    lab = Lab.load("lan-dhcp")
    assert "192.168.0.30/24" in lab.run("drucker", "ip -br addr show eth0").stdout
    assert " dynamic " in lab.run("pc1", "ip addr show eth0").stdout
    assert " dynamic " not in lab.run("nas", "ip addr show eth0").stdout          # inet static
    assert lab.run("laptop", "cat /etc/resolv.conf").stdout == "domain lan\nsearch lan\nnameserver 192.168.0.1\n"
    leases = lab.run("router", "cat /var/lib/misc/dnsmasq.leases").stdout
    assert " 192.168.0.30 drucker *" in leases and " pc1 *" in leases and " laptop *" in leases
    assert lab.run("pc1", "host drucker").stdout == "drucker.lan has address 192.168.0.30\n"
    assert lab.run("pc1", "ping -c 1 -W 1 laptop").returncode == 0          # its DHCP name, through dnsmasq
    assert lab.run("pc1", "dig +short www.example.net").stdout == "203.0.113.80\n"   # forwarded to the provider


def test_the_dhcp_server_toggle_switches_dnsmasq_with_systemctl():
    from simnet.views.toggles import available, make_toggle

    lab = Lab.load("lan-dhcp")
    toggle = make_toggle(lab, "dhcp_server@router")
    assert toggle.read(lab) is True and "dhcp_server@router" in [t.name for t in available(lab)]
    toggle.set(lab, False)
    assert toggle.commands == ["router$ systemctl stop dnsmasq"]
    assert lab.run("pc1", "dhclient -1 eth0").returncode == 2
    toggle.set(lab, True)
    assert lab.run("pc1", "dhclient -1 eth0").returncode == 0


def test_after_a_reboot_ifup_asks_for_the_old_lease_and_dnsmasq_serves_again():
    lab = Lab.load("lan-dhcp")
    before = str(lab.node("pc1").interfaces["eth0"].addresses[0].ip)
    lab.run("router", "reboot")
    lab.run("pc1", "reboot")
    after = lab.node("pc1").interfaces["eth0"].addresses
    assert after and str(after[0].ip) == before                   # INIT-REBOOT: the same address again
    assert lab.run("router", "systemctl is-active dnsmasq").stdout == "active\n"
    assert lab.run("pc1", "host drucker").stdout == "drucker.lan has address 192.168.0.30\n"


def test_a_learner_switches_a_static_host_to_dhcp_and_reboots():
    lab = Lab.load("lan-dhcp")
    lab.node("nas").files["/etc/network/interfaces"] = (
        "auto lo\niface lo inet loopback\n\nallow-hotplug eth0\niface eth0 inet dhcp\n")
    lab.run("nas", "reboot")
    show = lab.run("nas", "ip addr show eth0").stdout
    assert " dynamic eth0" in show and "192.168.0.20/24" not in show
    assert lab.run("nas", "ifup eth0").stderr == "ifup: interface eth0 already configured\n"
