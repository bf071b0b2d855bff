"""MLD: multicast memberships (ip maddr) and the MLDv2 reports a link sends when it comes up or its
addresses change (held to the kernel by tests/kernel/cases/v6s_mld_*.yaml and v6s_maddr.yaml)."""
from __future__ import annotations

import re

from simnet import Lab


def _lab() -> Lab:
    return Lab.from_dict({"ipv6": True, "nodes": {
        "a": {"interfaces": {"eth0": "lan"}, "startup": ["ip addr add 192.168.0.2/24 dev eth0"]},
        "b": {"interfaces": {"eth0": "lan"}, "startup": ["ip addr add 192.168.0.1/24 dev eth0"]}}})


def _groups(lab: Lab, node: str = "a") -> list[str]:
    return [line.split(None, 1)[1] for line in lab.run(node, "ip -6 maddr show dev eth0").stdout.splitlines()[1:]]


def test_link_up_reports_from_unspecified_then_from_the_link_local() -> None:
    lab = _lab()
    lab.run("a", "sleep 3")
    lab.run("a", "ip link set eth0 down")
    dump = lab.start("b", "tcpdump -n -i eth0 dst ff02::16")
    icmp6 = lab.start("b", "tcpdump -n -i eth0 icmp6")
    lab.run("a", "ip link set eth0 up")
    lab.run("a", "sleep 3")
    lines = [re.sub(r"^\S+ ", "", x) for x in dump.result(0).stdout.splitlines() if x]
    ll = lab.node("a").ip6.local_ips()[-1]
    assert lines == [f"IP6 {src} > ff02::16: HBH ICMP6, multicast listener report v2, 1 group record(s), length 28"
                     for src in ("::", "::", ll, ll)]
    # libpcap's icmp6 looks at the fixed header only: the reports behind their hop-by-hop header do not match
    assert "multicast listener report" not in icmp6.result(0).stdout


def test_a_new_address_joins_its_group_and_reports_the_change() -> None:
    lab = _lab()
    lab.run("a", "sleep 5")
    assert _groups(lab) == ["ff02::1:ff5c:1f23", "ff02::1", "ff01::1"]
    dump = lab.start("b", "tcpdump -n -vv -i eth0 dst ff02::16")
    lab.run("a", "ip addr add 2001:db8::2/64 dev eth0")
    lab.run("a", "sleep 2")
    reports = [x for x in dump.result(0).stdout.splitlines() if "listener report" in x]
    # the first change after link-up still carries the link-local's group (its change counter is left)
    assert len(reports) == 2 and all("2 group record(s) [gaddr ff02::1:ff00:2 to_ex { }] "
                                     "[gaddr ff02::1:ff5c:1f23 to_ex { }]" in r for r in reports)
    assert _groups(lab)[0] == "ff02::1:ff00:2"            # newest first
    dump = lab.start("b", "tcpdump -n -vv -i eth0 dst ff02::16")
    lab.run("a", "ip addr del 2001:db8::2/64 dev eth0")
    lab.run("a", "sleep 2")
    assert "[gaddr ff02::1:ff00:2 to_in { }]" in dump.result(0).stdout
    assert "ff02::1:ff00:2" not in _groups(lab)


def test_forwarding_joins_the_router_groups() -> None:
    lab = _lab()
    lab.run("a", "ip addr add 2001:db8::2/64 dev eth0")
    lab.run("a", "sysctl -w net.ipv6.conf.all.forwarding=1")
    # two subnet-router anycast addresses (fe80:: and 2001:db8::) share one solicited-node group
    assert _groups(lab)[:4] == ["ff02::1:ff00:0 users 2", "ff05::2", "ff01::2", "ff02::2"]
    link = lab.run("a", "ip -0 maddr show dev eth0").stdout
    assert "link  33:33:00:00:00:02 users 2" in link and "link  33:33:00:00:00:01\n" in link
    lab.run("a", "sysctl -w net.ipv6.conf.all.forwarding=0")
    assert "ff02::2" not in _groups(lab)


def test_maddr_of_an_ipv4_only_box_and_of_lo() -> None:
    lab = Lab.from_dict({"ipv6": False, "nodes": {"a": {"interfaces": {"eth0": "lan"}}}})
    assert lab.run("a", "ip maddr").stdout == "1:\tlo\n\tinet  224.0.0.1\n2:\teth0\n\tlink  01:00:5e:00:00:01\n" \
                                              "\tinet  224.0.0.1\n"
    lab6 = _lab()
    assert lab6.run("a", "ip -6 maddr show dev lo").stdout == "1:\tlo\n\tinet6 ff02::1\n\tinet6 ff01::1\n"
    assert lab6.run("a", "ip maddr show dev eth9").stdout == ""
    bad = lab6.run("a", "ip maddr dev lo")
    assert bad.returncode == 255 and bad.stderr == 'Command "dev" is unknown, try "ip maddr help".\n'


def test_a_shipped_box_has_reported_long_ago() -> None:
    lab = Lab.load("dualstack")
    node = lab.node("laptop")
    assert not any(not t.cancelled for t in node.ip6.stack.mld.timers)
    dump = lab.start("router", "tcpdump -n -i lan dst ff02::16")
    lab.run("laptop", "sleep 2")
    res = dump.result(0)
    assert "listening on lan" in res.stderr and "listener report" not in res.stdout
    lab.run("laptop", "ip addr add 2001:db8:1::99/64 dev eth0")      # a change still reports
    assert lab.node("laptop").ip6.stack.mld.pending["eth0"]


def test_dad_solicits_from_unspecified_and_the_holder_answers() -> None:
    lab = Lab.from_dict({"ipv6": True, "nodes": {
        "a": {"interfaces": {"eth0": "lan"}},
        "b": {"interfaces": {"eth0": "lan"}, "startup": ["ip addr add 2001:db8::1/64 dev eth0"]}}})
    lab.run("a", "sleep 5")
    dump = lab.start("b", "tcpdump -n -i eth0 icmp6 and not dst ff02::2")
    lab.run("a", "ip addr add 2001:db8::1/64 dev eth0")
    lab.run("a", "sleep 3")
    lines = [re.sub(r"^\S+ ", "", x) for x in dump.result(0).stdout.splitlines() if x]
    assert lines == ["IP6 :: > ff02::1:ff00:1: ICMP6, neighbor solicitation, who has 2001:db8::1, length 32",
                     "IP6 2001:db8::1 > ff02::1: ICMP6, neighbor advertisement, tgt is 2001:db8::1, length 32"]
    assert "dadfailed" in lab.run("a", "ip -6 addr show dev eth0").stdout
    assert "2001:db8::1" not in lab.run("a", "ip -6 neigh").stdout       # our own address: no neighbour


def test_an_unwatched_dad_sends_nothing() -> None:
    lab = _lab()
    lab.run("a", "sleep 3")                 # past the link-local's DAD and its router solicitation
    sent = lab.node("a").interfaces["eth0"].counters.tx_packets
    lab.run("a", "ip addr add 2001:db8::7/64 dev eth0")
    lab.run("a", "sleep 3")
    # neither the solicitation nor the MLD reports: nobody captures, nobody holds the address
    assert lab.node("a").interfaces["eth0"].counters.tx_packets == sent
