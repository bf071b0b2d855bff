"""IPv6 beyond what the kernel recordings hold: the lab option, shipped labs after boot,
radvd through systemctl, and the German explanations of IPv6 drops."""
from __future__ import annotations

import pytest

from simnet import Lab
from simnet.loader import LabError

LAN = {"nodes": {
    "a": {"interfaces": {"eth0": "lan"}, "startup": ["ip addr add 2001:db8::2/64 dev eth0"]},
    "b": {"interfaces": {"eth0": "lan"}, "startup": ["ip addr add 2001:db8::1/64 dev eth0"]}}}


def test_lab_option_switches_ipv6_off_per_lab_and_per_node() -> None:
    off = Lab.from_dict({"ipv6": False, "nodes": {"a": {"interfaces": {"eth0": "lan"}}}})
    assert "inet6" not in off.run("a", "ip addr").stdout
    assert off.run("a", "sysctl -n net.ipv6.conf.eth0.disable_ipv6").stdout == "1\n"
    mixed = Lab.from_dict({"nodes": {"a": {"interfaces": {"eth0": "lan"}, "ipv6": False},
                                     "b": {"interfaces": {"eth0": "lan"}}}})
    assert "inet6" not in mixed.run("a", "ip addr").stdout
    assert "inet6 fe80::" in mixed.run("b", "ip addr").stdout


def test_lab_option_must_be_a_boolean() -> None:
    with pytest.raises(LabError, match="ipv6"):
        Lab.from_dict({"ipv6": "yes", "nodes": {"a": {}}})


def test_dad_keeps_a_new_address_tentative_for_one_to_two_seconds() -> None:
    lab = Lab.from_dict(LAN)
    assert "tentative" in lab.run("a", "ip -6 addr show dev eth0").stdout
    lab.run("a", "sleep 0.9")
    assert "2001:db8::2/64 scope global tentative" in lab.run("a", "ip -6 addr show dev eth0").stdout
    lab.run("a", "sleep 1.2")
    out = lab.run("a", "ip -6 addr show dev eth0").stdout
    assert "tentative" not in out and "2001:db8::2/64 scope global \n" in out


def test_shipped_labs_have_finished_dad() -> None:
    lab = Lab.load("heimnetz")
    out = lab.run("proxmox", "ip addr show dev eth0").stdout
    assert "inet6 fe80::" in out and "tentative" not in out


def test_nd_failure_is_explained_in_german() -> None:
    lab = Lab.from_dict(LAN)
    lab.run("a", "sleep 2.5")
    r = lab.run("a", "ping -c 1 -W 5 2001:db8::9")
    assert "Destination unreachable: Address unreachable" in r.stdout
    text = r.trace.explain()
    assert "Neighbour Solicitation" in text and "ip -6 neigh" in text


def test_tentative_source_is_explained() -> None:
    lab = Lab.from_dict(LAN)
    r = lab.run("a", "ping -c 1 -W 1 2001:db8::1")
    assert r.returncode == 1
    assert "tentative" in r.trace.explain()


def test_forwarding_off_names_the_ipv6_sysctl() -> None:
    lab = Lab.from_dict({"nodes": {
        "a": {"interfaces": {"eth0": "s1"}, "startup": ["ip addr add 2001:db8:1::2/64 dev eth0",
                                                         "ip -6 route add default via 2001:db8:1::1"]},
        "r": {"interfaces": {"eth0": "s1", "eth1": "s2"},
              "startup": ["ip addr add 2001:db8:1::1/64 dev eth0", "ip addr add 2001:db8:2::1/64 dev eth1"]},
        "b": {"interfaces": {"eth0": "s2"}, "startup": ["ip addr add 2001:db8:2::2/64 dev eth0"]}}})
    lab.run("a", "sleep 2.5")
    r = lab.run("a", "ping -c 1 -W 1 2001:db8:2::2")
    assert "net.ipv6.conf.all.forwarding" in r.trace.explain()
    lab.run("r", "sysctl -w net.ipv6.conf.all.forwarding=1")
    assert lab.run("r", "sysctl -n net.ipv6.conf.eth1.forwarding").stdout == "1\n"


def test_systemctl_radvd_gives_slaac_and_stop_withdraws_the_default_route() -> None:
    lab = Lab.from_dict({"nodes": {
        "r": {"interfaces": {"eth0": "lan"}, "startup": ["ip addr add 2001:db8:1::1/64 dev eth0",
                                                          "sysctl -w net.ipv6.conf.all.forwarding=1"]},
        "a": {"interfaces": {"eth0": "lan"}}}})
    lab.run("r", "printf 'interface eth0 {\\n AdvSendAdvert on;\\n prefix 2001:db8:1::/64 { };\\n};\\n' "
                 "> /etc/radvd.conf")
    lab.run("r", "sleep 3")
    assert lab.run("r", "systemctl start radvd").returncode == 0
    assert lab.run("r", "systemctl is-active radvd").stdout == "active\n"
    lab.run("a", "sleep 3")
    out = lab.run("a", "ip -6 addr show dev eth0").stdout
    assert "inet6 2001:db8:1:0:49:7ff:fe5c:1f23/64 scope global dynamic mngtmpaddr" in out
    assert "default via fe80::" in lab.run("a", "ip -6 route").stdout
    lab.run("r", "systemctl stop radvd")
    lab.run("a", "sleep 1")
    assert "default" not in lab.run("a", "ip -6 route").stdout


def test_broken_radvd_conf_fails_the_unit() -> None:
    lab = Lab.from_dict({"nodes": {"r": {"interfaces": {"eth0": "lan"}}}})
    lab.run("r", "printf 'interface eth0 {\\n AdvSendAdvert on\\n};\\n' > /etc/radvd.conf")
    r = lab.run("r", "systemctl start radvd")
    assert r.returncode == 1 and "Job for radvd.service failed" in r.stderr
    r = lab.run("r", "radvd -c")
    assert r.returncode == 1 and r.stderr.startswith("/etc/radvd.conf:3 error: syntax error")


def test_tailnet_carries_ipv6_between_nodes() -> None:
    lab = Lab.load("headscale", state="ready")
    assert "5270:\tfrom all lookup 52" in lab.run("maschinchen", "ip -6 rule").stdout
    assert lab.run("maschinchen", "ip -6 route show table 52").stdout == \
        "fd7a:115c:a1e0::/48 dev tailscale0 metric 1024 pref medium\n"
    r = lab.run("maschinchen", "ping -c 1 fd7a:115c:a1e0::3")
    assert r.returncode == 0 and "64 bytes from fd7a:115c:a1e0::3: icmp_seq=1 ttl=64" in r.stdout
    r = lab.run("maschinchen", "ping -c 1 -W 1 fd7a:115c:a1e0::99")
    assert r.returncode == 1 and "keinen Peer" in r.trace.explain()
    lab.run("maschinchen", "tailscale down")
    assert lab.run("maschinchen", "ip -6 route show table 52").stdout == ""
    assert "5270" not in lab.run("maschinchen", "ip -6 rule").stdout


def test_reboot_brings_back_link_local_and_loopback_but_not_typed_addresses() -> None:
    lab = Lab.from_dict({"nodes": {"a": {"interfaces": {"eth0": "lan"}}, "b": {"interfaces": {"eth0": "lan"},
                                                                                "ipv6": False}}})
    lab.run("a", "ip addr add 2001:db8::2/64 dev eth0")
    lab.run("a", "reboot")
    out = lab.run("a", "ip -6 addr").stdout
    assert "inet6 ::1/128 scope host" in out and "inet6 fe80::" in out and "2001:db8::2" not in out
    lab.run("b", "reboot")
    assert "inet6" not in lab.run("b", "ip addr").stdout
