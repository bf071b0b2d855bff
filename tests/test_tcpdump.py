"""tcpdump 4.99.3 lines and messages, recorded in real namespaces (timestamps stripped),
plus background jobs (``cmd &``, Lab.start, Job.result)."""
from __future__ import annotations

import re

from simnet.lab import Lab
from tests.conftest import masquerade_lab
from simnet.links.mac import mac_for

HEAD = ("tcpdump: verbose output suppressed, use -v[v]... for full protocol decode\n"
        "listening on {0}, link-type EN10MB (Ethernet), snapshot length 262144 bytes\n")
TAIL = "{0} packets captured\n{0} packets received by filter\n0 packets dropped by kernel\n"


def make_lab() -> Lab:
    # IPv4 only: a box with IPv6 asks for routers (ICMP6 router solicitation) a second or two
    # after its link comes up, which a capture started at once would show
    return masquerade_lab("td", ipv6=False)


def lines(text: str) -> list[str]:
    """Strip the HH:MM:SS.ffffff timestamps and the empty line an interrupted tcpdump prints last."""
    if text.endswith("\n\n") or text == "\n":
        text = text[:-1]
    return [re.sub(r"^\d\d:\d\d:\d\d\.\d{6} ", "", ln) for ln in text.splitlines()]


def test_outside_interface_shows_masqueraded_source() -> None:
    lab = make_lab()
    job = lab.start("router", "tcpdump -n -i eth1")
    lab.run("client", "ping -c1 192.168.0.101")
    lab.run("client", "traceroute -n -q 1 -f 2 -m 2 192.168.0.101")
    r = job.result()
    server_mac = mac_for("server", "eth0")
    out = lines(r.stdout)
    assert out[:4] == [
        "ARP, Request who-has 192.168.0.101 tell 192.168.0.150, length 28",
        f"ARP, Reply 192.168.0.101 is-at {server_mac}, length 28",
        "IP 192.168.0.150 > 192.168.0.101: ICMP echo request, id 1234, seq 1, length 64",
        "IP 192.168.0.101 > 192.168.0.150: ICMP echo reply, id 1234, seq 1, length 64",
    ]
    assert re.fullmatch(r"IP 192\.168\.0\.150\.\d+ > 192\.168\.0\.101\.33435: UDP, length 32", out[4])
    assert out[5] == "IP 192.168.0.101 > 192.168.0.150: ICMP 192.168.0.101 udp port 33435 unreachable, length 68"
    assert r.returncode == 0
    assert r.stderr == HEAD.format("eth1") + TAIL.format(len(out))


def test_link_level_headers_and_icmp_errors() -> None:
    lab = make_lab()
    lab.run("client", "ping -c1 10.0.5.1")      # ARP resolved before the capture
    lab.run("client", "tcpdump -e -i eth0 -c 2 &")
    lab.run("client", "traceroute -n -q 1 -m 1 192.168.0.101")
    r = lab.jobs[-1].result()
    c, rt = mac_for("client", "eth0"), mac_for("router", "eth0")
    assert lines(r.stdout)[1] == (
        f"{rt} (oui Unknown) > {c} (oui Unknown), ethertype IPv4 (0x0800), length 102: "
        "10.0.5.1 > 10.0.5.2: ICMP time exceeded in-transit, length 68")
    assert re.fullmatch(rf"{c} \(oui Unknown\) > {rt} \(oui Unknown\), ethertype IPv4 \(0x0800\), length 74: "
                        r"10\.0\.5\.2\.\d+ > 192\.168\.0\.101\.33434: UDP, length 32", lines(r.stdout)[0])
    assert r.stderr == HEAD.format("eth0") + TAIL.format(2)


def test_arp_with_e_and_n() -> None:
    lab = make_lab()
    job = lab.start("client", "tcpdump -n -e -i eth0 arp")
    lab.run("client", "ping -c1 10.0.5.1")
    c, rt = mac_for("client", "eth0"), mac_for("router", "eth0")
    assert lines(job.result().stdout) == [
        # with -n the broadcast MAC stays numeric (recorded: tl_tcpdump_arp_only)
        f"{c} > ff:ff:ff:ff:ff:ff, ethertype ARP (0x0806), length 42: Request who-has 10.0.5.1 tell 10.0.5.2, length 28",
        f"{rt} > {c}, ethertype ARP (0x0806), length 42: Reply 10.0.5.1 is-at {rt}, length 28",
    ]


def test_any_interface_prints_direction() -> None:
    lab = make_lab()
    lab.run("client", "ping -c1 192.168.0.101")
    job = lab.start("router", "tcpdump -n -i any icmp")
    lab.run("client", "ping -c1 192.168.0.101")
    r = job.result()
    assert lines(r.stdout) == [
        "eth0  In  IP 10.0.5.2 > 192.168.0.101: ICMP echo request, id 1235, seq 1, length 64",
        "eth1  Out IP 192.168.0.150 > 192.168.0.101: ICMP echo request, id 1235, seq 1, length 64",
        "eth1  In  IP 192.168.0.101 > 192.168.0.150: ICMP echo reply, id 1235, seq 1, length 64",
        "eth0  Out IP 192.168.0.101 > 10.0.5.2: ICMP echo reply, id 1235, seq 1, length 64",
    ]
    assert r.stderr == ("tcpdump: data link type LINUX_SLL2\n"
                        "tcpdump: verbose output suppressed, use -v[v]... for full protocol decode\n"
                        "listening on any, link-type LINUX_SLL2 (Linux cooked v2), snapshot length 262144 bytes\n"
                        + TAIL.format(4))


def test_filters() -> None:
    lab = make_lab()
    lab.run("client", "ping -c1 192.168.0.101")
    job1 = lab.start("client", "tcpdump -n -i eth0 icmp and not host 10.0.5.1")
    job2 = lab.start("client", "tcpdump -n -i eth0 'udp and (dst port 33434 or src host 192.168.0.101)'")
    job3 = lab.start("router", "tcpdump -n -i eth0 src net 10.0.5.0/24 and icmp")
    lab.run("client", "traceroute -n -q 1 -m 2 192.168.0.101")
    assert lines(job1.result().stdout) == [
        "IP 192.168.0.101 > 10.0.5.2: ICMP 192.168.0.101 udp port 33435 unreachable, length 68"]
    assert [ln.split(": ")[0].rsplit(".", 1)[1] for ln in lines(job2.result().stdout)] == ["33434"]
    assert lines(job3.result().stdout) == ["IP 10.0.5.1 > 10.0.5.2: ICMP time exceeded in-transit, length 68"]


def test_count_ends_the_job_by_itself() -> None:
    lab = make_lab()
    r = lab.run("client", "tcpdump -n -c 1 -i eth0 &")
    assert (r.returncode, r.stdout, r.stderr) == (0, "", "")
    lab.run("client", "ping -c2 10.0.5.1")
    r = lab.jobs[-1].result()
    assert r.stdout.endswith(" ARP, Request who-has 10.0.5.1 tell 10.0.5.2, length 28\n")   # no empty line
    # with the ring model on, the four ARP/ICMP packets of the first ping were queued before tcpdump left
    from simnet.commands.tcpdump import RING_TIMEOUT

    received = "4 packets" if RING_TIMEOUT else "1 packet"
    assert r.stderr.endswith(f"1 packet captured\n{received} received by filter\n0 packets dropped by kernel\n")


def test_job_result_with_timeout_lets_time_pass() -> None:
    lab = make_lab()
    job = lab.start("client", "tcpdump -n -i eth0 -c 3 icmp")
    lab.node("client").sim.schedule(1.0, lambda: None)
    lab.start("client", "ping -c 3 10.0.5.1")
    r = job.result(timeout=5)
    assert [ln.split(",")[0] for ln in lines(r.stdout)] == [
        "IP 10.0.5.2 > 10.0.5.1: ICMP echo request", "IP 10.0.5.1 > 10.0.5.2: ICMP echo reply",
        "IP 10.0.5.2 > 10.0.5.1: ICMP echo request"]


def test_foreground_capture_ends_when_nothing_happens() -> None:
    lab = make_lab()
    r = lab.run("server", "tcpdump -n -i eth0")
    assert (r.returncode, r.stdout, r.stderr) == (0, "\n", HEAD.format("eth0") + TAIL.format(0))


def test_verbose_ip_header() -> None:
    lab = make_lab()
    lab.run("client", "ping -c1 10.0.5.1")
    job = lab.start("client", "tcpdump -v -n -i eth0 -c 1")
    lab.run("client", "ping -c1 -t 9 10.0.5.1")
    r = job.result()
    assert re.fullmatch(r"IP \(tos 0x0, ttl 9, id \d+, offset 0, flags \[DF\], proto ICMP \(1\), length 84\)\n"
                        r"    10\.0\.5\.2 > 10\.0\.5\.1: ICMP echo request, id \d+, seq 1, length 64\n",
                        "\n".join(lines(r.stdout)) + "\n")
    assert r.stderr.startswith("tcpdump: listening on eth0, link-type EN10MB (Ethernet), snapshot length 262144 bytes\n")


def test_errors() -> None:
    lab = make_lab()
    r = lab.run("router", "tcpdump -i eth9")
    assert (r.returncode, r.stdout, r.stderr) == (1, "", "tcpdump: eth9: No such device exists\n(No such device exists)\n")
    r = lab.run("router", "tcpdump -i eth0 -n port")
    assert (r.returncode, r.stdout, r.stderr) == (1, "", "tcpdump: can't parse filter expression: syntax error\n")
