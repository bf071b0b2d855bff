"""IPv6 destination NAT beyond the kernel recordings (tests/kernel/cases/v6nat_*): the steps a
translated packet's trace records and the German explanation derived from them."""
from __future__ import annotations

from simnet import Lab
from simnet.kernel.ipv6.nat6_bind import parse_range

NAT = "ip6tables -t nat"


def _lab(r_extra: list[str], a_extra: list[str] | None = None) -> Lab:
    lab = Lab.from_dict({"nodes": {
        "a": {"interfaces": {"eth0": "s1"}, "startup": ["ip addr add 2001:db8:1::2/64 dev eth0",
                                                         "ip -6 route add default via 2001:db8:1::1", *(a_extra or [])]},
        "r": {"interfaces": {"eth0": "s1", "eth1": "s2"},
              "startup": ["ip addr add 2001:db8:1::1/64 dev eth0", "ip addr add 2001:db8:2::1/64 dev eth1",
                          "sysctl -w net.ipv6.conf.all.forwarding=1", *r_extra]},
        "b": {"interfaces": {"eth0": "s2"}, "startup": ["ip addr add 2001:db8:2::2/64 dev eth0",
                                                         "ip -6 route add default via 2001:db8:2::1"]}}})
    lab.run("a", "sleep 2.5")
    return lab


def _steps(trace, node: str, kind: str) -> list:
    return [s for p in trace for h in p.hops if h.node == node for s in h.steps if s.kind == kind]


def test_parse_range_reads_what_ip6tables_stores() -> None:
    assert parse_range("[2001:db8::5]:8080") == (parse_range("2001:db8::5")[0], 8080)
    assert str(parse_range("2001:db8::5:8080")[0]) == "2001:db8::5:8080"
    assert parse_range(":80") == (None, 80)
    assert str(parse_range("[2001:db8::5-2001:db8::9]:80-90")[0]) == "2001:db8::5"


def test_port_forward_records_the_rule_and_both_rewrites() -> None:
    lab = _lab([f"{NAT} -A PREROUTING -i eth0 -p tcp --dport 80 -j DNAT --to-destination [2001:db8:2::2]:8080"])
    lab.start("b", "nc -6 -l 8080")
    r = lab.run("a", "nc -6 -zv 2001:db8:1::1 80")
    assert r.returncode == 0
    nat = _steps(r.trace, "r", "nat")
    bound = [s for s in nat if s.action == "dnat"]
    assert len(bound) == 1 and bound[0].get("chain") == "PREROUTING" and bound[0].get("rule_num") == 1
    assert bound[0].get("before") == "[2001:db8:1::1]:80" and bound[0].get("after") == "[2001:db8:2::2]:8080"
    back = [s for s in nat if s.action == "conntrack" and s.get("direction") == "reply"]
    assert back and back[0].get("part") == "src" and back[0].get("after") == "2001:db8:1::1"
    assert "DNAT auf „r“: Ziel [2001:db8:1::1]:80 → [2001:db8:2::2]:8080" in r.trace.explain()


def test_error_after_dnat_names_the_rule_and_the_rewritten_destination() -> None:
    lab = _lab(["ip addr add 2001:db8:1::101/64 dev eth0",
                f"{NAT} -A PREROUTING -d 2001:db8:1::101 -j DNAT --to-destination 2001:db8:7::7"])
    r = lab.run("a", "ping -c 1 -W 1 2001:db8:1::101")
    assert "From 2001:db8:1::101 icmp_seq=1 Destination unreachable: No route" in r.stdout
    text = r.trace.explain()
    assert "„r“ hat keine Route zu 2001:db8:7::7" in text
    assert ("Vorher hat „r“ das Ziel per DNAT umgeschrieben (ip6tables -t nat, Kette PREROUTING, Regel 1): "
            "2001:db8:1::101 → 2001:db8:7::7") in text
    related = [s for s in _steps(r.trace, "r", "nat") if s.action == "related"]
    assert related and related[0].get("after") == "2001:db8:1::101"


def test_redirect_goes_to_the_newest_global_address_of_the_incoming_device() -> None:
    lab = _lab(["ip addr add 2001:db8:1::5/64 dev eth0",
                f"{NAT} -A PREROUTING -i eth0 -p tcp --dport 80 -j REDIRECT --to-ports 8080"])
    lab.start("r", "nc -6 -l 8080")
    r = lab.run("a", "nc -6 -zv 2001:db8:2::2 80")
    assert r.returncode == 0
    assert "REDIRECT auf „r“: Ziel [2001:db8:2::2]:80 → [2001:db8:1::5]:8080" in r.trace.explain()
    assert "dst=2001:db8:1::2 sport=8080" in lab.run("r", "conntrack -L -f ipv6").stdout


def test_nat_output_redirect_reaches_a_local_listener_through_lo() -> None:
    lab = _lab([], [f"{NAT} -A OUTPUT -d 2001:db8:2::2 -p tcp --dport 80 -j REDIRECT --to-ports 8080"])
    job = lab.start("a", "nc -6 -l 8080")
    r = lab.run("a", "nc -6 -zv 2001:db8:2::2 80")
    assert r.returncode == 0 and job.result(timeout=3.0).returncode == 0
    assert " src=::1 dst=2001:db8:1::2 sport=8080 " in lab.run("a", "conntrack -L").stdout
    assert "b" not in r.trace.main.nodes()


def test_a_dropping_nat_chain_is_explained_as_a_filter() -> None:
    lab = _lab(["ip6tables -t nat -N block", "ip6tables -t nat -A PREROUTING -p icmpv6 -j block"])
    lab.run("r", "nft add rule ip6 nat block drop")
    r = lab.run("a", "ping -c 1 -W 1 2001:db8:2::2")
    assert r.returncode == 1
    assert r.trace.explain().startswith("Die Firewall auf „r“ verwirft das Paket (DROP) in der Kette block "
                                        "(Tabelle nat), Regel 1")


def test_an_untranslated_ping_is_not_ctstate_dnat_in_either_family() -> None:
    """xt_conntrack's SNAT/DNAT states are the connection's NAT bits: an echo whose reply tuple is
    only the inverted original (its id is no port) has neither."""
    fw = ["-P FORWARD DROP", "-A FORWARD -m conntrack --ctstate DNAT,SNAT -j ACCEPT"]
    lab = _lab([f"ip6tables {r}" for r in fw] + [f"iptables {r}" for r in fw]
               + ["ip addr add 10.0.1.1/24 dev eth0", "ip addr add 10.0.2.1/24 dev eth1", "sysctl -w net.ipv4.ip_forward=1"],
               ["ip addr add 10.0.1.2/24 dev eth0", "ip route add default via 10.0.1.1"])
    lab.run("b", "ip addr add 10.0.2.2/24 dev eth0")
    lab.run("b", "ip route add default via 10.0.2.1")
    assert lab.run("a", "ping -c 1 -W 1 2001:db8:2::2").returncode == 1
    assert lab.run("a", "ping -c 1 -W 1 10.0.2.2").returncode == 1
    lab.run("r", "iptables -t nat -A PREROUTING -d 10.0.1.1 -p icmp -j DNAT --to-destination 10.0.2.2")
    lab.run("r", "ip6tables -t nat -A PREROUTING -d 2001:db8:1::1 -p icmpv6 -j DNAT --to-destination 2001:db8:2::2")
    assert "64 bytes from 10.0.1.1" in lab.run("a", "ping -c 1 -W 1 10.0.1.1").stdout        # DNAT, both ways
    assert "64 bytes from 2001:db8:1::1" in lab.run("a", "ping -c 1 -W 1 2001:db8:1::1").stdout
