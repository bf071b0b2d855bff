"""Differential cases for a DNS server the learner configures (prefix ``dn_``):
``python3 -m tests.kernel.make_cases_dns``.

dnsmasq 2.90 on the router answers the LAN from its own data (address=,
host-record=, /etc/hosts, cname=, mx-host=, txt-record=, ptr-record=, local=) and
forwards the rest to a second dnsmasq ("upstream", authoritative for
example.net, no upstream of its own); dig 9.18, host and nslookup ask. Writes
only tests/kernel/cases/dn_*.yaml.
"""
from __future__ import annotations

import copy

from tests.kernel.make_cases import cmds, write_cases

CASES: dict[str, tuple[str, dict, list[dict]]] = {}


def case(name: str, desc: str, lab: dict, commands: list[dict]) -> None:
    assert name.startswith("dn_"), name
    CASES[name] = (desc, copy.deepcopy(lab), commands)


def printf(path: str, *lines: str) -> str:
    body = "\\n".join(lines)
    return f"printf '{body}\\n' > {path}"


ROUTER = [printf("/etc/hosts", "127.0.0.1 localhost", "192.168.0.20 nas nas.lan"),
          printf("/etc/resolv.conf", "nameserver 192.168.0.53"),
          printf("/etc/dnsmasq.conf", "interface=eth0", "domain=lan", "local=/lan/", "address=/drucker.lan/192.168.0.30",
                 "host-record=pve.lan,192.168.0.101", "cname=proxmox.lan,pve.lan", "mx-host=lan,mail.lan,10",
                 "ptr-record=99.0.168.192.in-addr.arpa,spezial.lan", 'txt-record=lan,"v=spf1 -all"',
                 "log-facility=/var/log/dnsmasq.log"),
          "dnsmasq"]
UPSTREAM = [printf("/etc/dnsmasq.conf", "no-resolv", "no-hosts", "host-record=mail.example.net,203.0.113.25,300",
                   "address=/www.example.net/203.0.113.80", "local=/example.net/", "log-facility=/var/log/dnsmasq.log"),
            "dnsmasq"]


def lab() -> dict:
    return {"private_fs": True, "nodes": {
        "router": {"interfaces": {"eth0": "lan"}, "startup": ["ip addr add 192.168.0.1/24 dev eth0", *ROUTER]},
        "upstream": {"interfaces": {"eth0": "lan"}, "startup": ["ip addr add 192.168.0.53/24 dev eth0", *UPSTREAM]},
        "pc": {"interfaces": {"eth0": "lan"}, "startup": [
            "ip addr add 192.168.0.10/24 dev eth0", printf("/etc/resolv.conf", "nameserver 192.168.0.1", "search lan")]}}}


def build() -> None:
    d = "dig @192.168.0.1"
    case("dn_local", "dnsmasq answers from its own data: hosts, address=, host-record, cname, mx, txt, ptr, local=",
         lab(),
         cmds("router", "cat /var/log/dnsmasq.log")
         + cmds("pc", f"{d} nas.lan", f"{d} drucker.lan", f"{d} proxmox.lan", f"{d} lan MX", f"{d} lan TXT",
                f"{d} -x 192.168.0.99", f"{d} -x 192.168.0.20", f"{d} nix.lan", f"{d} nas.lan AAAA",
                f"{d} +short pve.lan", "dig nas.lan", "dig +short proxmox.lan"))
    case("dn_forward", "what dnsmasq does not know it forwards and caches for the TTL; REFUSED without upstream",
         lab(),
         cmds("upstream", "cat /var/log/dnsmasq.log")
         + cmds("pc", f"{d} mail.example.net", f"sleep 2; {d} mail.example.net | grep -A1 ANSWER",
                f"{d} www.example.net", f"{d} nix.example.net", "dig @192.168.0.53 foo.org",
                "dig @192.168.0.53 +short mail.example.net", f"{d} foo.org"))
    case("dn_host_nslookup", "host and nslookup against dnsmasq: aliases, MX, PTR, NXDOMAIN, the search list", lab(),
         cmds("pc", "host nas.lan 192.168.0.1", "host -t MX lan 192.168.0.1", "host 192.168.0.20 192.168.0.1",
              "host nix.lan 192.168.0.1", "host proxmox.lan 192.168.0.1", "host nas", "host drucker",
              "nslookup nas.lan 192.168.0.1", "nslookup proxmox.lan 192.168.0.1", "nslookup nix.lan 192.168.0.1",
              "nslookup 192.168.0.20 192.168.0.1", "nslookup mail.example.net 192.168.0.1"))
    named = lab()
    named["nodes"]["router"]["startup"].insert(-1, "echo host-record=buero.lan,192.168.0.10 >> /etc/dnsmasq.conf")
    case("dn_ping_names", "ping and traceroute name the target by the search list and its PTR record", named,
         cmds("pc", "ping -c 1 buero", "ping -c 1 buero.lan", "ping -c 1 -n buero", "ping -c 1 192.168.0.10",
              "traceroute -q 1 buero"))
    lonely = {"private_fs": True, "nodes": {
        "router": {"interfaces": {"eth0": "lan"}, "startup": [
            "ip addr add 192.168.0.1/24 dev eth0",
            printf("/etc/dnsmasq.conf", "no-resolv", "no-hosts", "server=203.0.113.53", "server=/example.org/192.168.0.99",
                   "log-facility=/var/log/dnsmasq.log"), "dnsmasq"]},
        "pc": {"interfaces": {"eth0": "lan"}, "startup": ["ip addr add 192.168.0.10/24 dev eth0"]}}}
    case("dn_upstream_unreachable", "the upstream has no route or no host: what dnsmasq answers", lonely,
         cmds("pc", "dig @192.168.0.1 +tries=1 +time=2 www.example.net", "dig @192.168.0.1 +tries=1 +time=4 www.example.org")
         + cmds("router", "cat /var/log/dnsmasq.log"))
    logged = lab()
    logged["nodes"]["router"]["startup"].insert(-1, "echo log-queries >> /etc/dnsmasq.conf")
    case("dn_log_queries", "log-queries: where each answer came from, in dnsmasq's log", logged,
         cmds("pc", "dig +short nas.lan", "dig +short drucker.lan", "dig +short proxmox.lan", "dig +short nix.lan",
              "dig +short mail.example.net", "dig +short mail.example.net", "dig +short nas.lan AAAA",
              "dig +short -x 192.168.0.20", "dig +short lan MX", "dig +short foo.org")
         + cmds("router", "grep -v -e started -e compile -e using -e reading -e 'read /etc' /var/log/dnsmasq.log"))
    case("dn_dig_display", "dig's display options: +noall with one section back, +nocmd, +nostats, +nocomments", lab(),
         cmds("pc", f"{d} +noall +answer nas.lan", f"{d} +noall +answer proxmox.lan", f"{d} +noall +answer nix.lan",
              f"{d} +noall +authority nix.lan", f"{d} +noall +answer +stats nas.lan", f"{d} +nocmd nas.lan",
              f"{d} +nostats nas.lan", f"{d} +nocomments nas.lan", f"{d} +noquestion +noanswer nas.lan",
              f"{d} +noall +answer +question nas.lan", f"{d} +noall nas.lan", f"{d} +noall +comments nas.lan",
              f"{d} +noall +answer +short nas.lan", f"{d} +short +noshort nas.lan | head -3",
              f"{d} +noall +answer +cmd nas.lan"))
    case("dn_unreachable", "no DNS server at that address: dig, host and nslookup give up", lab(),
         cmds("pc", "dig @192.168.0.2 +tries=2 +time=1 nas.lan", "dig @192.168.0.2 +short +tries=1 +time=1 nas.lan"))


if __name__ == "__main__":
    build()
    write_cases(CASES, "DNS", stale="dn_*.yaml")
