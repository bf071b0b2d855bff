"""traceroute 2.1.2: output recorded in real namespaces (times normalised)."""
from __future__ import annotations

import re

import pytest

from simnet.lab import Lab
from simnet.trace import Disposition

HEADER = "traceroute to {0} ({0}), {1} hops max, 60 byte packets\n"


def norm(text: str) -> str:
    return re.sub(r"\d+\.\d{3} ms", "T ms", text)


@pytest.fixture
def lab() -> Lab:
    """client — r1 — r2 — server, routed both ways, no NAT."""
    return Lab.from_dict({"name": "tr", "nodes": {
        "client": {"interfaces": {"eth0": "a"},
                   "startup": ["ip addr add 10.0.1.2/24 dev eth0", "ip route add default via 10.0.1.1"]},
        "r1": {"interfaces": {"eth0": "a", "eth1": "b"},
               "startup": ["ip addr add 10.0.1.1/24 dev eth0", "ip addr add 10.0.2.1/24 dev eth1",
                           "ip route add 10.0.3.0/24 via 10.0.2.2", "ip route add 10.0.99.0/24 via 10.0.2.77",
                           "sysctl -w net.ipv4.ip_forward=1"]},
        "r2": {"interfaces": {"eth0": "b", "eth1": "c"},
               "startup": ["ip addr add 10.0.2.2/24 dev eth0", "ip addr add 10.0.3.1/24 dev eth1",
                           "ip route add default via 10.0.2.1", "sysctl -w net.ipv4.ip_forward=1"]},
        "server": {"interfaces": {"eth0": "c"},
                   "startup": ["ip addr add 10.0.3.2/24 dev eth0", "ip route add default via 10.0.3.1"]}}})


def test_two_routers_show_both_hops(lab: Lab) -> None:
    r = lab.run("client", "traceroute -n 10.0.3.2")
    assert r.returncode == 0 and r.stderr == ""
    assert norm(r.stdout) == HEADER.format("10.0.3.2", 30) + (
        " 1  10.0.1.1  T ms  T ms  T ms\n"
        " 2  10.0.2.2  T ms  T ms  T ms\n"
        " 3  10.0.3.2  T ms  T ms  T ms\n")


@pytest.mark.parametrize("opts", ["-I", "-T", "-U", "-p 5000"])
def test_methods_reach_the_target(lab: Lab, opts: str) -> None:
    out = norm(lab.run("client", f"traceroute -n -q 1 {opts} 10.0.3.2").stdout)
    assert out == HEADER.format("10.0.3.2", 30) + " 1  10.0.1.1  T ms\n 2  10.0.2.2  T ms\n 3  10.0.3.2  T ms\n"


def test_names_without_n(lab: Lab) -> None:
    out = norm(lab.run("client", "traceroute -q 1 -m 1 10.0.3.2").stdout)
    assert out == HEADER.format("10.0.3.2", 1) + " 1  10.0.1.1 (10.0.1.1)  T ms\n"


def test_first_ttl(lab: Lab) -> None:
    out = norm(lab.run("client", "traceroute -n -f 2 10.0.3.2").stdout)
    assert out == HEADER.format("10.0.3.2", 30) + " 2  10.0.2.2  T ms  T ms  T ms\n 3  10.0.3.2  T ms  T ms  T ms\n"


def test_network_unreachable_mark(lab: Lab) -> None:
    out = norm(lab.run("client", "traceroute -n -m 5 172.16.9.9").stdout)
    # checked on the kernel: a packet without a route pays twice from the sender's ICMP bucket
    # (ip_error, then icmp_send), so of three probes at once only two get their !N
    assert out == HEADER.format("172.16.9.9", 5) + " 1  10.0.1.1  T ms !N  T ms !N *\n"


def test_host_unreachable_after_arp_failure(lab: Lab) -> None:
    r = lab.run("client", "traceroute -n -m 3 10.0.99.5")
    assert norm(r.stdout) == HEADER.format("10.0.99.5", 3) + (
        " 1  10.0.1.1  T ms  T ms  T ms\n 2  10.0.1.1  T ms !H  T ms !H  T ms !H\n")
    assert re.search(r" 2  10\.0\.1\.1  3\d\d\d\.\d{3} ms !H", r.stdout)


def test_silent_hops_print_stars(lab: Lab) -> None:
    lab.run("r2", "sysctl -w net.ipv4.ip_forward=0")
    out = norm(lab.run("client", "traceroute -n -q 2 -m 3 -w 1 10.0.3.2").stdout)
    assert out == HEADER.format("10.0.3.2", 3) + " 1  10.0.1.1  T ms  T ms\n 2  * *\n 3  * *\n"


def test_no_route_on_the_sender(lab: Lab) -> None:
    r = lab.run("server", "ip route del default")
    r = lab.run("server", "traceroute -n 10.0.1.2")
    assert (r.returncode, r.stdout, r.stderr) == (
        1, "traceroute to 10.0.1.2 (10.0.1.2), 30 hops max, 60 byte packets", "\nconnect: Network is unreachable\n")
    r = lab.run("server", "traceroute -I -n 10.0.1.2")
    assert (r.returncode, r.stdout, r.stderr) == (1, "", "\nconnect: Network is unreachable\n")
    # nothing is sent, yet the trace says why, so the explanation (warum) can name it
    main = r.trace.main
    assert main.disposition is Disposition.NO_ROUTE and main.where == "server"
    assert "„server“ hat keine Route zu 10.0.1.2" in r.trace.explain()


def test_a_prohibit_route_on_the_sender_is_its_disposition(lab: Lab) -> None:
    lab.run("server", "ip route add prohibit 10.0.1.0/24")
    r = lab.run("server", "traceroute -n 10.0.1.2")
    assert r.stderr == "\nconnect: Permission denied\n"
    assert r.trace.main.disposition is Disposition.PROHIBIT_ROUTE


def test_unknown_interface(lab: Lab) -> None:
    r = lab.run("client", "traceroute -n -i eth9 10.0.3.2")
    assert (r.returncode, r.stdout, r.stderr) == (
        1, "traceroute to 10.0.3.2 (10.0.3.2), 30 hops max, 60 byte packets",
        "\nsetsockopt SO_BINDTODEVICE: No such device\n")


@pytest.mark.parametrize("args, message", [
    ("-n", 'Specify "host" missing argument.'),
    ("-m 0 1.2.3.4", "first hop out of range"),
    ("-m 300 1.2.3.4", "max hops cannot be more than 255"),
    ("-q 11 1.2.3.4", "no more than 10 probes per hop"),
    ("-w x 1.2.3.4", "Cannot handle `-w' option with arg `x' (argc 2)"),
    ("-X 1.2.3.4", "Bad option `-X' (argc 1)"),
    ("-n 1.2.3.4 99999", "too big packetlen 99999 specified"),
    ("-f 5 -m 3 1.2.3.4", "first hop out of range"),
    ("-m", "Option `-m' (argc 1) requires an argument: `-m max_ttl'"),
    ("-n nosuchhost", "nosuchhost: Name or service not known\n"
                      "Cannot handle \"host\" cmdline arg `nosuchhost' on position 1 (argc 2)"),
])
def test_errors(lab: Lab, args: str, message: str) -> None:
    r = lab.run("client", f"traceroute {args}")
    assert (r.returncode, r.stdout, r.stderr) == (2, "", message + "\n")


def test_usage_and_version(lab: Lab) -> None:
    r = lab.run("client", "traceroute")
    assert r.returncode == 0 and r.stdout == "" and r.stderr.startswith("Usage:\n  traceroute [ -46dFITnreAUDV ]")
    r = lab.run("client", "traceroute -V")
    assert r.stderr == ("Modern traceroute for Linux, version 2.1.2\n"
                        "Copyright (c) 2016  Dmitry Butskoy,   License: GPL v2 or any later\n")
