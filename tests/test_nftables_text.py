"""Native rules back to nft's words: what nft 1.0.6 lists for what was typed."""
from __future__ import annotations

from ipaddress import IPv4Network

from simnet.kernel.nftables import expr as E
from simnet.kernel.nftables.text import render_exprs, render_value


def test_implied_protocol_matches_are_left_out() -> None:
    tcp22 = (E.Cmp("meta l4proto", "tcp"), E.Cmp("tcp dport", 22))
    assert render_exprs(tcp22) == "tcp dport 22"
    assert render_exprs((E.Cmp("ip protocol", "icmp"), E.Cmp("icmp type", 8), E.Verdict("accept"))) == \
        "icmp type echo-request accept"
    assert render_exprs((E.Cmp("ip protocol", "tcp"),)) == "ip protocol tcp"
    reset = (E.Cmp("meta l4proto", "tcp"), E.Reject("tcp", "reset"))
    assert render_exprs(reset, family="ip") == "reject with tcp reset"
    assert render_exprs(reset, family="inet") == "meta l4proto tcp reject with tcp reset"


def test_sets_sorted_and_merged_flags_in_bit_order() -> None:
    assert render_value("tcp dport", E.AnonSet((443, 22, 80))) == "{ 22, 80, 443 }"
    nets = E.AnonSet((IPv4Network("10.0.0.1/32"), IPv4Network("10.0.0.0/24")))
    assert render_value("ip saddr", nets) == "{ 10.0.0.0/24 }"
    assert render_value("ct state", ("new", "invalid")) == "invalid,new"
    assert render_value("ct state", ("new", "invalid"), numeric=True) == "0x1,0x8"
    assert render_value("icmp type", E.AnonSet(("echo-request", "echo-reply"))) == "{ echo-reply, echo-request }"
    assert render_value("iifname", E.AnonSet(("eth1", "eth0"))) == '{ "eth0", "eth1" }'


def test_statements_as_nft_lists_them() -> None:
    assert render_exprs((E.Counter(), E.Verdict("drop")), 3, 252) == "counter packets 3 bytes 252 drop"
    assert render_exprs((E.Counter(),), 3, 252, stateless=True) == "counter"
    assert render_exprs((E.Reject("icmp", "port-unreachable"),)) == "reject"
    assert render_exprs((E.Reject("icmpx", "port-unreachable"),), family="inet") == "reject"
    assert render_exprs((E.Reject("icmp", "host-unreachable"),)) == "reject with icmp host-unreachable"
    assert render_exprs((E.Limit(10, "second", 5),)) == "limit rate 10/second"
    assert render_exprs((E.Limit(10, "second", 20),)) == "limit rate 10/second burst 20 packets"
    assert render_exprs((E.Log("in: ", "warn"),)) == 'log prefix "in: "'
    assert render_exprs((E.Nat("dnat", "10.0.2.2", "80"),)) == "dnat to 10.0.2.2:80"
    assert render_exprs((E.Nat("masquerade", flags=("random",)),)) == "masquerade random"
