"""Sockets with an address family: UDP sockets of AF_INET/AF_INET6 (v6-only or dual stack), IPv4
peers of an AF_INET6 socket as ::ffff:a.b.c.d in ss, net.ipv6.bindv6only (held to the kernel by
tests/kernel/cases/v6s_*.yaml; these check the behaviour behind the text)."""
from __future__ import annotations

import pytest

from simnet import Lab
from simnet.kernel.tcp import tcp_of


def _lab() -> Lab:
    return Lab.from_dict({"ipv6": True, "nodes": {
        "a": {"interfaces": {"eth0": "lan"}, "startup": ["ip addr add 192.168.0.2/24 dev eth0",
                                                         "ip addr add 2001:db8::2/64 dev eth0"]},
        "b": {"interfaces": {"eth0": "lan"}, "startup": ["ip addr add 192.168.0.1/24 dev eth0",
                                                         "ip addr add 2001:db8::1/64 dev eth0"]}}})


@pytest.fixture
def lab() -> Lab:
    lab = _lab()
    lab.run("a", "sleep 2.5")           # past DAD
    return lab


def _rows(out: str) -> list[list[str]]:
    return [line.split() for line in out.splitlines()[1:]]


def test_udp_sockets_of_each_family_take_their_datagrams(lab: Lab) -> None:
    v4 = lab.start("b", "nc -u -lk 5000")
    dual = lab.start("b", "nc -6 -u -lk 5001")
    assert lab.run("b", "sysctl -w net.ipv6.bindv6only=1").returncode == 0
    only6 = lab.start("b", "nc -6 -u -lk 5002")
    lab.run("b", "sysctl -w net.ipv6.bindv6only=0")
    locals_ = [r[3] for r in _rows(lab.run("b", "ss -uln").stdout)]
    assert locals_ == ["0.0.0.0:5000", "*:5001", "[::]:5002"]
    assert [r[3] for r in _rows(lab.run("b", "ss -4 -uln").stdout)] == ["0.0.0.0:5000"]
    assert [r[3] for r in _rows(lab.run("b", "ss -6 -uln").stdout)] == ["*:5001", "[::]:5002"]
    # the dual-stack socket takes IPv4; the IPv4 one refuses IPv6, the v6-only one refuses IPv4
    assert lab.run("a", "nc -zu 192.168.0.1 5001").returncode == 0
    assert lab.run("a", "nc -zu 2001:db8::1 5000").returncode == 1
    assert lab.run("a", "nc -zu 192.168.0.1 5002").returncode == 1
    assert lab.run("a", "nc -zu 2001:db8::1 5002").returncode == 0
    lab.run("a", "echo vier | nc -u -w 1 192.168.0.1 5001")
    lab.run("a", "echo sechs | nc -u -w 1 2001:db8::1 5000")
    assert "vier" in dual.result(0).stdout
    assert "sechs" not in v4.result(0).stdout
    # udptest: two probes at once, then one a second for three seconds
    assert only6.result(0).stdout == "XXXXX"


def test_a_refused_udp_datagram_answers_port_unreachable(lab: Lab) -> None:
    lab.start("b", "nc -u -lk 5000")
    dump = lab.start("a", "tcpdump -n -i eth0 udp or icmp6")
    lab.run("a", "echo x | nc -u -w 1 2001:db8::1 5000")
    out = dump.result(1).stdout
    assert "2001:db8::1 > 2001:db8::2: ICMP6, destination unreachable, 2001:db8::1 udp port 5000 unreachable" in out


def test_nc_udp_listener_connects_to_its_first_peer(lab: Lab) -> None:
    job = lab.start("b", "nc -6 -u -l 5353")
    lab.run("a", "echo hallo | nc -u -p 40001 -w 1 192.168.0.1 5353")
    assert _rows(lab.run("b", "ss -uln").stdout) == []
    out = lab.run("b", "ss -un").stdout
    assert out.splitlines()[0].split()[0] == "Recv-Q"       # one state asked for: no State column
    assert _rows(out)[0][2:] == ["[::ffff:192.168.0.1]:5353", "[::ffff:192.168.0.2]:40001"]
    assert _rows(lab.run("b", "ss -4 -un").stdout) == []
    assert _rows(lab.run("b", "ss -6 -un").stdout)[0][0] == "ESTAB"
    # connected: another peer is refused
    assert lab.run("a", "nc -zu 2001:db8::1 5353").returncode == 1
    assert job.result(0).stdout == "hallo\n"
    sock = tcp_of(lab.node("b")).udp.get(5353)
    assert sock is None


def test_ipv4_peers_of_a_dual_stack_listener_are_mapped(lab: Lab) -> None:
    lab.start("b", "nc -6 -lk 8080")
    lab.start("b", "nc -lk 8081")
    lab.start("a", "nc -p 40002 192.168.0.1 8080 < /dev/null")
    lab.start("a", "nc -p 40004 192.168.0.1 8081 < /dev/null")
    rows = {tuple(r[3:5]) for r in _rows(lab.run("b", "ss -tn").stdout)}
    assert rows == {("[::ffff:192.168.0.1]:8080", "[::ffff:192.168.0.2]:40002"),
                    ("192.168.0.1:8081", "192.168.0.2:40004")}
    assert [r[3] for r in _rows(lab.run("b", "ss -4 -tn").stdout)] == ["192.168.0.1:8081"]
    assert [r[3] for r in _rows(lab.run("b", "ss -6 -tn").stdout)] == ["[::ffff:192.168.0.1]:8080"]
    # the client's own socket is AF_INET: plain IPv4 there
    assert {r[4] for r in _rows(lab.run("a", "ss -tn").stdout)} == {"192.168.0.1:8080", "192.168.0.1:8081"}
    users = lab.run("b", "ss -tnp").stdout
    assert 'users:(("nc",pid=' in users and ",fd=4))" in users      # accepted: the listener has fd 3


def test_bindv6only_makes_nc6_listen_on_ipv6_only(lab: Lab) -> None:
    assert lab.run("b", "sysctl net.ipv6.bindv6only").stdout == "net.ipv6.bindv6only = 0\n"
    lab.run("b", "sysctl -w net.ipv6.bindv6only=1")
    lab.start("b", "nc -6 -lk 8080")
    assert _rows(lab.run("b", "ss -tln").stdout)[0][3] == "[::]:8080"
    refused = lab.run("a", "nc -zv 192.168.0.1 8080")
    assert refused.returncode == 1 and "Connection refused" in refused.stderr
    assert lab.run("a", "nc -zv 2001:db8::1 8080").returncode == 0
    bad = lab.run("b", "sysctl -w net.ipv6.bindv6only=x")
    assert bad.returncode == 1 and "Invalid argument" in bad.stderr


@pytest.mark.parametrize("dst, answer", [
    ("2001:db8::1", "„Destination unreachable: Port unreachable“ (ICMPv6)"),
    ("192.168.0.1", "„Port Unreachable“ (ICMP)")])
def test_a_closed_udp_port_is_explained_in_its_own_family(lab: Lab, dst: str, answer: str) -> None:
    from simnet.explain import explain_packet
    from simnet.trace import Disposition
    res = lab.run("a", f"echo x | nc -u -w 1 {dst} 5001")
    closed = [p for p in res.trace.packets if p.disposition is Disposition.PORT_UNREACHABLE]
    text = explain_packet(closed[0])
    assert "lauscht niemand auf UDP-Port 5001" in text and f"Der Kernel antwortet mit {answer}." in text
    assert "RST" not in text


def test_a_closed_tcp_port_is_explained_with_the_rst(lab: Lab) -> None:
    from simnet.explain import explain_packet
    from simnet.trace import Disposition
    for dst in ("2001:db8::1", "192.168.0.1"):
        res = lab.run("a", f"nc -z -w 1 {dst} 5001")
        closed = [p for p in res.trace.packets if p.disposition is Disposition.PORT_UNREACHABLE]
        assert "Der Kernel antwortet mit einem RST (TCP)." in explain_packet(closed[0]), dst
