"""DNS messages on the wire: host's "has no AAAA record", tcpdump's decoding of port 53 with the
sizes of each asker's queries (dig with EDNS and a cookie, host without) — held to the kernel by
tests/kernel/cases/v6s_host_aaaa.yaml."""
from __future__ import annotations

import re

import pytest

from simnet import Lab
from simnet.services.dns_wire import message_size, tcpdump_text
from simnet.services.wire import DnsQuery, DnsReply

CONF = "printf 'no-resolv\\nno-hosts\\ninterface=eth0\\nhost-record=vpn.example.net,198.51.100.10\\nlocal=/example.net/\\n'"


@pytest.fixture
def lab() -> Lab:
    return Lab.from_dict({"nodes": {
        "router": {"interfaces": {"eth0": "lan"}, "startup": [
            "ip addr add 192.168.0.1/24 dev eth0", f"{CONF} > /etc/dnsmasq.conf", "dnsmasq"]},
        "pc": {"interfaces": {"eth0": "lan"}, "startup": [
            "ip addr add 192.168.0.10/24 dev eth0", "printf 'nameserver 192.168.0.1\\n' > /etc/resolv.conf"]}}})


def _dump(lab: Lab, cmd: str) -> list[str]:
    job = lab.start("router", "tcpdump -n -i eth0 -c 2 udp port 53")
    lab.run("pc", cmd)
    return [re.sub(r"^\S+ ", "", line) for line in job.result(1).stdout.splitlines()]


def test_host_says_a_type_has_no_record(lab: Lab) -> None:
    assert lab.run("pc", "host -t AAAA vpn.example.net").stdout == "vpn.example.net has no AAAA record\n"
    assert lab.run("pc", "host -t MX vpn.example.net").stdout == "vpn.example.net has no MX record\n"
    # the default lookups (A, AAAA, MX) print only what exists
    assert lab.run("pc", "host vpn.example.net").stdout == "vpn.example.net has address 198.51.100.10\n"
    gone = lab.run("pc", "host -t AAAA nix.example.net")
    assert gone.returncode == 1 and gone.stdout == "Host nix.example.net not found: 3(NXDOMAIN)\n"


def test_tcpdump_decodes_host_and_dig_queries(lab: Lab) -> None:
    ask, answer = _dump(lab, "host -t A vpn.example.net")
    assert re.fullmatch(r"IP 192\.168\.0\.10\.\d+ > 192\.168\.0\.1\.53: \d+\+ A\? vpn\.example\.net\. \(33\)", ask)
    assert re.fullmatch(r"IP 192\.168\.0\.1\.53 > 192\.168\.0\.10\.\d+: \d+\* 1/0/0 A 198\.51\.100\.10 \(49\)", answer)
    assert ask.split(": ")[1].split("+")[0] == answer.split(": ")[1].split("*")[0]       # the same id
    ask, answer = _dump(lab, "dig +short vpn.example.net")
    assert ask.endswith(" [1au] A? vpn.example.net. (56)") and answer.endswith("* 1/0/1 A 198.51.100.10 (60)")
    ask, answer = _dump(lab, "host -t AAAA vpn.example.net")
    assert ask.endswith("+ AAAA? vpn.example.net. (33)") and re.search(r": \d+ 0/0/0 \(33\)$", answer)
    _, answer = _dump(lab, "dig nix.example.net")
    assert re.search(r": \d+ NXDomain 0/0/1 \(44\)$", answer)


def test_message_text_and_sizes() -> None:
    q = DnsQuery(7, "a.example", "MX", edns=0)
    assert tcpdump_text(q, q.length) == "7+ MX? a.example. (27)"
    r = DnsReply(7, "a.example", "NOERROR", records=(("a.example.", 60, "MX", "10 mx.example."),
                                                   ("a.example.", 60, "MX", "20 mx2.example.")),
                 flags="qr rd", authority=())
    assert tcpdump_text(r, r.length) == f"7- 2/0/0 MX mx.example. 10, MX mx2.example. 20 ({r.length})"
    assert r.length == message_size("a.example", r.records) == 27 + (12 + 2 + 12) + (12 + 2 + 13)
    # the provider's resolver sends its zone's SOA with an empty answer
    assert DnsReply(1, "x.example", "NXDOMAIN").authority_count == 1


def test_verbose_answers_name_their_owner_and_bind_tools_send_without_df(lab: Lab) -> None:
    r = DnsReply(9, "vpn.example.net", "NOERROR", records=(("vpn.example.net.", 60, "A", "198.51.100.10"),),
                 flags="qr aa rd ra", authority=())
    assert tcpdump_text(r, r.length, verbose=True) == "9* 1/0/0 vpn.example.net. A 198.51.100.10 (49)"
    job = lab.start("router", "tcpdump -v -n -i eth0 -c 2 udp port 53")
    lab.run("pc", "host -t A vpn.example.net")
    out = job.result(1).stdout.splitlines()
    assert "flags [none]" in out[0] and "flags [DF]" in out[2]       # host's query, dnsmasq's answer
