"""traceroute to an IPv6 address: the probes carry their hop limit in the trace, so the
explanation counts in hop limits and takes an expired one as the router's answer."""
from __future__ import annotations

from simnet import Lab
from simnet.trace import Disposition

ROUTED = {"nodes": {
    "a": {"interfaces": {"eth0": "s1"}, "startup": ["ip addr add 2001:db8:1::2/64 dev eth0",
                                                     "ip -6 route add default via 2001:db8:1::1"]},
    "r": {"interfaces": {"eth0": "s1", "eth1": "s2"},
          "startup": ["ip addr add 2001:db8:1::1/64 dev eth0", "ip addr add 2001:db8:2::1/64 dev eth1",
                      "sysctl -w net.ipv6.conf.all.forwarding=1"]},
    "b": {"interfaces": {"eth0": "s2"}, "startup": ["ip addr add 2001:db8:2::2/64 dev eth0",
                                                     "ip -6 route add default via 2001:db8:2::1"]}}}


def _lab() -> Lab:
    lab = Lab.from_dict(ROUTED)
    lab.run("a", "sleep 2.5")
    return lab


def test_probes_record_their_hop_limit() -> None:
    r = _lab().run("a", "traceroute -n 2001:db8:2::2")
    assert " 2  2001:db8:2::2 " in r.stdout
    probes = list(r.trace)
    assert probes and all(p.probe_ttl is not None for p in probes)
    expired = [p for p in probes if p.disposition is Disposition.TTL_EXCEEDED]
    assert expired and {p.probe_ttl for p in expired} == {1} and {p.where for p in expired} == {"r"}


def test_an_expired_hop_limit_is_the_routers_answer_not_a_fault() -> None:
    text = _lab().run("a", "traceroute -n 2001:db8:2::2").trace.explain()
    assert text.startswith("traceroute hat sein Ziel mit Hop Limit 2 erreicht. Die Sonden mit kleinerem Hop Limit "
                           "liefen unterwegs ab – bei „r“; jeder dieser Router meldet „Time exceeded: Hop limit“")
    assert "TTL" not in text


def test_a_lost_probe_is_named_by_its_hop_limit() -> None:
    text = _lab().run("a", "traceroute -n 2001:db8:9::2").trace.explain()
    assert text.startswith("Die Sonde mit Hop Limit 1: „r“ hat keine Route zu 2001:db8:9::2")


def test_ping_with_a_small_hop_limit_is_still_a_fault() -> None:
    r = _lab().run("a", "ping -c 1 -W 1 -t 1 2001:db8:2::2")
    assert "Time exceeded: Hop limit" in r.stdout
    assert r.trace.explain().startswith("Das Hop Limit (bei IPv6 der Name für die TTL) ist bei „r“ abgelaufen")
