"""A DNS server the learner configures: dnsmasq's own names, forwarding, caching by TTL (see tests/kernel dn_*)."""
from __future__ import annotations

import re

from simnet import Lab
from simnet.services.dns import search_candidates


def lan() -> Lab:
    lab = Lab.from_dict({"nodes": {
        "router": {"interfaces": {"eth0": "lan"}, "startup": ["ip addr add 192.168.0.1/24 dev eth0"]},
        "upstream": {"interfaces": {"eth0": "lan"}, "startup": ["ip addr add 192.168.0.53/24 dev eth0"]},
        "pc": {"interfaces": {"eth0": "lan"}}}})
    up = lab.node("upstream")
    up.files["/etc/dnsmasq.conf"] = "no-resolv\nno-hosts\nhost-record=mail.example.net,203.0.113.25,300\n"
    router = lab.node("router")
    router.files["/etc/resolv.conf"] = "nameserver 192.168.0.53\n"
    router.files["/etc/hosts"] = "127.0.0.1 localhost\n192.168.0.20 nas\n"
    router.files["/etc/dnsmasq.conf"] = ("interface=eth0\ndomain=lan\nlocal=/lan/\nexpand-hosts\n"
                                         "dhcp-range=192.168.0.100,192.168.0.150,1h\n")
    for name in ("upstream", "router"):
        assert lab.run(name, "systemctl start dnsmasq").returncode == 0
    return lab


def ttl_of(out: str, name: str) -> int:
    return int(re.search(rf"^{re.escape(name)}\.\s+(\d+)\s+IN\s+A\s", out, re.M).group(1))


def test_forwarded_answers_are_cached_for_their_ttl_in_simulated_time():
    lab = lan()
    lab.run("pc", "dhclient eth0")
    first = lab.run("pc", "dig mail.example.net").stdout
    assert ";; flags: qr aa rd ra;" in first and ttl_of(first, "mail.example.net") == 300
    asked = lab.node("upstream").services["dnsmasq"].dns
    lab.advance(100)
    second = lab.run("pc", "dig mail.example.net").stdout
    assert ";; flags: qr rd ra;" in second and ttl_of(second, "mail.example.net") == 200   # from the cache
    lab.advance(201)
    third = lab.run("pc", "dig mail.example.net").stdout
    assert ttl_of(third, "mail.example.net") == 300 and ";; flags: qr aa rd ra;" in third   # asked again
    assert asked is not None


def test_dhcp_clients_names_expand_hosts_and_the_search_list():
    lab = lan()
    lab.run("pc", "dhclient eth0")
    ip = str(lab.node("pc").interfaces["eth0"].addresses[0].ip)
    assert lab.run("router", "dig +short pc.lan @127.0.0.1").stdout == ip + "\n"
    assert lab.run("pc", "host nas").stdout == "nas.lan has address 192.168.0.20\n"        # search lan
    assert search_candidates(lab.node("pc"), "nas") == ["nas.lan", "nas"]
    assert search_candidates(lab.node("pc"), "nas.lan") == ["nas.lan", "nas.lan.lan"]
    res = lab.run("pc", "host nix.lan")
    assert (res.returncode, res.stdout) == (1, "Host nix.lan not found: 3(NXDOMAIN)\n")


def test_no_upstream_refused_and_stopped_server_times_out():
    lab = lan()
    lab.run("pc", "dhclient eth0")
    out = lab.run("pc", "dig @192.168.0.53 example.org").stdout
    assert "status: REFUSED" in out and "; EDE: 14 (Not Ready)" in out
    lab.run("router", "systemctl stop dnsmasq")
    res = lab.run("pc", "dig @192.168.0.1 nas.lan")
    assert res.returncode == 9 and ";; communications error to 192.168.0.1#53: connection refused" in res.stdout
    lab.run("router", "iptables -A INPUT -p udp --dport 53 -j DROP")
    res = lab.run("pc", "nslookup nas.lan 192.168.0.1")
    assert res.stdout.count("timed out") == 3 and ";; no servers could be reached" in res.stdout


def test_the_unit_reads_dnsmasq_d_and_server_forwards_one_domain_elsewhere():
    lab = lan()
    lab.run("pc", "dhclient eth0")
    router = lab.node("router")
    router.files["/etc/dnsmasq.d/drucker.conf"] = "address=/drucker.lan/192.168.0.30\n"
    router.files["/etc/dnsmasq.d/old.conf.dpkg-old"] = "kaputt\n"               # skipped, as the package's -7 says
    router.files["/etc/dnsmasq.d/firma.conf"] = "server=/firma.example/192.168.0.99\n"
    assert lab.run("router", "systemctl restart dnsmasq").returncode == 0
    assert lab.run("pc", "dig +short drucker.lan").stdout == "192.168.0.30\n"
    # example.net still goes to 192.168.0.53; firma.example to .99, where nobody answers
    assert lab.run("pc", "dig +short mail.example.net").stdout == "203.0.113.25\n"
    assert lab.run("pc", "dig +tries=1 +time=2 www.firma.example").returncode == 9
    assert "using nameserver 192.168.0.99#53 for domain firma.example " in lab.run("router", "journalctl -u dnsmasq").stdout
    assert lab.run("router", "dnsmasq --test").returncode == 0          # by hand: only /etc/dnsmasq.conf
