"""conntrack -L/-D/-F/-C against outputs recorded from conntrack-tools 1.4.7 on a
real kernel (client 10.0.5.2 → router with MASQUERADE on eth1 → server 192.168.0.101)."""
from __future__ import annotations

import re
from ipaddress import IPv4Address

import pytest

from simnet.lab import Lab
from tests.conftest import masquerade_lab
from simnet.links.packet import IPv4Packet, Udp

PREFIX = "conntrack v1.4.7 (conntrack-tools): "
ICMP_LINE = ("icmp     1 29 src=10.0.5.2 dst=192.168.0.101 type=8 code=0 id=1234 "
             "src=192.168.0.101 dst=192.168.0.150 type=0 code=0 id=1234 mark=0 use=1")


def make_lab(masquerade: bool = True) -> Lab:
    return masquerade_lab("ct", masquerade)


def send_udp(lab: Lab, sport: int, dport: int) -> None:
    node = lab.node("client")
    node.stack.send(IPv4Packet(IPv4Address(0), IPv4Address("192.168.0.101"), Udp(sport, dport, 1)))
    lab.advance(0.01)


def test_icmp_flow_through_masquerade() -> None:
    lab = make_lab()
    assert lab.run("client", "ping -c1 192.168.0.101").returncode == 0
    r = lab.run("router", "conntrack -L")
    assert (r.returncode, r.stdout, r.stderr) == (0, ICMP_LINE + "\n", PREFIX + "1 flow entries have been shown.\n")
    ext = lab.run("router", "conntrack -L -o extended,id").stdout
    assert re.fullmatch(r"ipv4     2 " + re.escape(ICMP_LINE) + r" id=\d+\n", ext)
    # the nat table makes every echo flow count as SNAT and DNAT (libnetfilter_conntrack quirk, seen for real)
    assert lab.run("router", "conntrack -L --src-nat").stdout == ICMP_LINE + "\n"
    assert lab.run("router", "conntrack -L --dst-nat").stdout == ICMP_LINE + "\n"
    assert lab.run("router", "conntrack -L -s 10.0.0.0/8 -p icmp").stdout == ICMP_LINE + "\n"
    assert lab.run("router", "conntrack -L -q 192.168.0.151").stdout == ""
    assert lab.run("router", "conntrack -C").stdout == "1\n"


def test_no_conntrack_without_nat_or_state_match() -> None:
    lab = make_lab(masquerade=False)
    lab.run("server", "ip route add default via 192.168.0.150")
    assert lab.run("client", "ping -c1 192.168.0.101").returncode == 0
    r = lab.run("router", "conntrack -L")
    assert (r.stdout, r.stderr) == ("", PREFIX + "0 flow entries have been shown.\n")


def test_udp_unreplied_replied_assured_and_expiry() -> None:
    lab = make_lab()
    send_udp(lab, 40000, 5000)      # closed port: the ICMP error is RELATED, not a reply
    assert lab.run("router", "conntrack -L -p udp").stdout == (
        "udp      17 29 src=10.0.5.2 dst=192.168.0.101 sport=40000 dport=5000 [UNREPLIED] "
        "src=192.168.0.101 dst=192.168.0.150 sport=5000 dport=40000 mark=0 use=1\n")
    server = lab.node("server")

    def echo(pkt: IPv4Packet, kind: str) -> None:
        p = pkt.payload
        if kind != "data":
            return
        server.stack.send(IPv4Packet(pkt.dst, pkt.src, Udp(p.dport, p.sport, 1)))

    server.register(("udp", 5002), echo)
    lab.node("client").register(("udp", 40002), lambda pkt, kind: None)
    send_udp(lab, 40002, 5002)
    send_udp(lab, 40002, 5002)
    line = lab.run("router", "conntrack -L -p udp --dport 5002").stdout
    assert line == ("udp      17 29 src=10.0.5.2 dst=192.168.0.101 sport=40002 dport=5002 "
                    "src=192.168.0.101 dst=192.168.0.150 sport=5002 dport=40002 mark=0 use=1\n")
    lab.advance(2.2)
    send_udp(lab, 40002, 5002)
    line = lab.run("router", "conntrack -L -p udp --dport 5002").stdout
    assert line == ("udp      17 119 src=10.0.5.2 dst=192.168.0.101 sport=40002 dport=5002 "
                    "src=192.168.0.101 dst=192.168.0.150 sport=5002 dport=40002 [ASSURED] mark=0 use=1\n")
    lab.advance(31)
    assert lab.run("router", "conntrack -C").stdout == "1\n"      # only the stream survives 30 s


def test_tcp_refused_by_rst_leaves_no_entry() -> None:
    lab = make_lab()
    lab.run("client", "traceroute -T -n -q 1 -f 2 -m 2 192.168.0.101")
    r = lab.run("router", "conntrack -L -p tcp")
    assert (r.stdout, r.stderr) == ("", PREFIX + "0 flow entries have been shown.\n")


def test_delete_flush_and_count() -> None:
    lab = make_lab()
    lab.run("client", "ping -c1 192.168.0.101")
    r = lab.run("router", "conntrack -D -p udp")
    assert (r.returncode, r.stdout, r.stderr) == (1, "", PREFIX + "0 flow entries have been deleted.\n")
    r = lab.run("router", "conntrack -D -p icmp")
    assert (r.returncode, r.stdout, r.stderr) == (0, ICMP_LINE + "\n", PREFIX + "1 flow entries have been deleted.\n")
    lab.run("client", "ping -c1 192.168.0.101")
    r = lab.run("router", "conntrack -F")
    assert (r.returncode, r.stdout, r.stderr) == (0, "", PREFIX + "connection tracking table has been emptied.\n")
    assert lab.run("router", "conntrack --count").stdout == "0\n"


def test_entries_expire_in_simulated_time() -> None:
    lab = make_lab()
    lab.run("client", "ping -c1 192.168.0.101")
    lab.advance(10)
    assert " 19 src=10.0.5.2" in lab.run("router", "conntrack -L").stdout
    lab.advance(20)
    assert lab.run("router", "conntrack -L").stdout == ""


TRY = "Try `conntrack -h' or 'conntrack --help' for more information.\n"


@pytest.mark.parametrize("args, message", [
    ("-X", "unknown option `-X'"),
    ("-L -p foo", "`foo' unsupported protocol"),
    ("-L -s bad", "Invalid IP address `bad'"),
    ("-L -s", "option `-s' requires an argument"),
    ("-L foo", "unknown type `foo'"),
    ("-L -p icmp --dport 5", "unknown option `--dport'"),
    ("-L -o bogus", "Bad parameter `bogus'"),
    ("-F -p icmp", "Illegal option `--protonum' with this command"),
    ("-C -p icmp", "Illegal option `--protonum' with this command"),
    ("-L -L", "Invalid commands combination"),
    ("-L -F", "Invalid commands combination"),
])
def test_errors(args: str, message: str) -> None:
    r = make_lab(masquerade=False).run("router", f"conntrack {args}")
    assert (r.returncode, r.stdout, r.stderr) == (2, "", PREFIX + message + "\n" + TRY)


def test_usage_and_version() -> None:
    lab = make_lab(masquerade=False)
    r = lab.run("router", "conntrack")
    assert r.returncode == 0 and r.stdout.startswith(
        "Command line interface for the connection tracking system. Version 1.4.7\n")
    assert lab.run("router", "conntrack --version").stdout == "conntrack v1.4.7 (conntrack-tools)\n"
