"""Differential cases for IPv6 sockets and what the kernel sends by itself (prefix ``v6s_``), recorded
with IPv6 left on (``ipv6: true``, as make_cases_ipv6 does): ``python3 -m tests.kernel.make_cases_v6sock``.

UDP sockets of either family (0.0.0.0, a dual-stack ``*`` and a v6-only ``[::]``), IPv4 peers of a
dual-stack socket as ``[::ffff:a.b.c.d]``, ``net.ipv6.bindv6only``, the MLDv2 reports and DAD
solicitations of a link coming up (``ip maddr``), ICMPv6 redirects, and two tool wordings (host's
"has no AAAA record", tcpdump's DNS decoding). Writes only tests/kernel/cases/v6s_*.yaml.
"""
from __future__ import annotations

import copy

from simnet.kernel.ipv6.addr import eui64_linklocal
from simnet.links.mac import mac_for
from tests.kernel.make_cases import cmds, write_cases
from tests.kernel.make_cases_dns import printf
from tests.kernel.make_cases_ipv6 import SETTLE, lan6

CASES: dict[str, tuple[str, dict, list[dict]]] = {}


def case(name: str, desc: str, lab: dict, commands: list[dict]) -> None:
    assert name.startswith("v6s_"), name
    CASES[name] = (desc, copy.deepcopy(lab), commands)


def both() -> dict:
    return lan6(a=["ip addr add 2001:db8::2/64 dev eth0"], b=["ip addr add 2001:db8::1/64 dev eth0"])


def bg(node: str, cmd: str, ident: str) -> dict:
    return {"node": node, "cmd": cmd, "bg": ident}


def ll(node: str, iface: str = "eth0") -> str:
    return str(eui64_linklocal(mac_for(node, iface)))


def redirected() -> dict:
    """ICMPv6 redirect: a's default router r sends 2001:db8:9::/64 on to b, on the same link."""
    return {"ipv6": True, "nodes": {
        "a": {"interfaces": {"eth0": "lan"}, "startup": [
            "ip addr add 2001:db8::2/64 dev eth0", f"ip -6 route add default via {ll('r')} dev eth0"]},
        "r": {"interfaces": {"eth0": "lan"}, "startup": [
            "ip addr add 2001:db8::1/64 dev eth0", "sysctl -w net.ipv6.conf.all.forwarding=1",
            f"ip -6 route add 2001:db8:9::/64 via {ll('b')} dev eth0"]},
        "b": {"interfaces": {"eth0": "lan"}, "startup": [
            "ip addr add 2001:db8::3/64 dev eth0", "ip addr add 2001:db8:9::1/64 dev lo"]}}}


def build() -> None:
    ss = ("ss -uln", "ss -ulpn", "ss -4 -uln", "ss -6 -uln", "ss -ua -n")
    case("v6s_udp_family", "UDP sockets of both families: 0.0.0.0, dual-stack * and v6-only [::] in ss, "
         "which datagrams each takes", both(),
         cmds("b", SETTLE, "sysctl net.ipv6.bindv6only")
         + [bg("b", "nc -u -lk 5000", "l4"), bg("b", "nc -6 -u -lk 5001", "l6")]
         + cmds("b", "sysctl -w net.ipv6.bindv6only=1") + [bg("b", "nc -6 -u -lk 5002", "lo6")]
         + cmds("b", "sysctl -w net.ipv6.bindv6only=0", *ss)
         + cmds("a", "echo v4-dual | nc -u -w 1 192.168.0.1 5001", "echo v6-dual | nc -u -w 1 2001:db8::1 5001",
                "echo v4-v4 | nc -u -w 1 192.168.0.1 5000", "echo v6-v6only | nc -u -w 1 2001:db8::1 5002",
                "nc -zvu 2001:db8::1 5000", "nc -zvu 192.168.0.1 5002", "nc -zvu 192.168.0.1 5001",
                "nc -zvu 2001:db8::1 5002")
         + cmds("b", "ss -uln")
         + [{"collect": "l4"}, {"collect": "l6"}, {"collect": "lo6"}])
    case("v6s_udp_connected", "nc -6 -u -l takes an IPv4 datagram and connects to its sender: [::ffff:…] in ss",
         both(), cmds("b", SETTLE) + [bg("b", "nc -6 -u -l 5353", "l1")]
         + cmds("a", "echo hallo | nc -u -p 40001 -w 1 192.168.0.1 5353")
         + cmds("b", "ss -uln", "ss -un", "ss -una", "ss -6 -un", "ss -4 -un") + [{"collect": "l1"}])
    case("v6s_tcp_mapped", "IPv4 clients of a dual-stack TCP listener: ss shows [::ffff:a.b.c.d]",
         both(), cmds("b", SETTLE) + [bg("b", "nc -6 -lk 8080", "l1"), bg("b", "nc -lk 8081", "l2"),
                                      bg("b", "nc -6 -lk 8082", "l3")]
         + [bg("a", "nc -p 40002 192.168.0.1 8080 < /dev/null", "c1"),
            bg("a", "nc -p 40004 192.168.0.1 8081 < /dev/null", "c3"),
            bg("a", "nc -p 40003 2001:db8::1 8082 < /dev/null", "c2")]
         + cmds("b", "ss -tn", "ss -tnp", "ss -4 -tn", "ss -6 -tn", "ss -tan")
         + cmds("a", "ss -tn")
         + [{"collect": "c1"}, {"collect": "c2"}, {"collect": "c3"}, {"collect": "l1"}, {"collect": "l2"},
            {"collect": "l3"}])
    case("v6s_bindv6only", "net.ipv6.bindv6only=1: nc -6 -l listens on [::] and refuses IPv4", both(),
         cmds("b", SETTLE, "sysctl net.ipv6.bindv6only", "sysctl -w net.ipv6.bindv6only=1")
         + [bg("b", "nc -6 -lk 8080", "l1")]
         + cmds("b", "sysctl -w net.ipv6.bindv6only=0", "ss -tln", "ss -6 -tln", "ss -4 -tln")
         + cmds("a", "nc -zv 192.168.0.1 8080", "nc -zv 2001:db8::1 8080")
         + cmds("b", "sysctl -w net.ipv6.bindv6only=2", "sysctl -w net.ipv6.bindv6only=x",
                "sysctl net.ipv6.bindv6only", "cat /proc/sys/net/ipv6/bindv6only")
         + [{"collect": "l1"}])

    # MLD: a link that comes up joins ff02::1 and its solicited-node groups and says so
    mld = lan6()
    case("v6s_mld_up", "ip link set eth0 up: MLDv2 reports and the DAD solicitation, as tcpdump shows them",
         mld, cmds("a", SETTLE, "ip link set eth0 down", "sleep 1")
         + [bg("b", "tcpdump -n -i eth0 dst ff02::16", "t1")]
         + cmds("a", "ip link set eth0 up", "sleep 3") + [{"collect": "t1"}])
    case("v6s_mld_global", "a global address joins its own solicited-node group: one report, then DAD", mld,
         cmds("a", SETTLE, "sleep 3") + [bg("b", "tcpdump -n -i eth0 dst ff02::16", "t1")]
         + cmds("a", "ip addr add 2001:db8::2/64 dev eth0", "sleep 3") + [{"collect": "t1"}])
    case("v6s_mld_change", "state-change reports in detail (-vv): a second address, a removed one, forwarding on",
         mld, cmds("a", SETTLE, "sleep 3") + [bg("b", "tcpdump -n -vv -i eth0 dst ff02::16", "t1")]
         + cmds("a", "ip addr add 2001:db8::2/64 dev eth0", "sleep 2.5", "ip addr add 2001:db8::3/64 dev eth0",
                "sleep 2.5", "ip addr del 2001:db8::3/64 dev eth0", "sleep 2.5",
                "sysctl -w net.ipv6.conf.all.forwarding=1", "sleep 2.5") + [{"collect": "t1"}]
         + cmds("a", "ip -6 maddr show dev eth0"))
    nsonly = "'icmp6 and not dst ff02::2'"
    case("v6s_dad_ns", "duplicate address detection on the wire: a solicitation from :: with a nonce; the holder "
         "of the address answers to all nodes", lan6(b=["ip addr add 2001:db8::1/64 dev eth0"]),
         cmds("a", SETTLE, "sleep 3") + [bg("b", f"tcpdump -n -i eth0 {nsonly}", "t1")]
         + cmds("a", "ip addr add 2001:db8::2/64 dev eth0", "sleep 3") + [{"collect": "t1"}]
         + [bg("b", f"tcpdump -n -i eth0 {nsonly}", "t2")]
         + cmds("a", "ip addr add 2001:db8::1/64 dev eth0", "sleep 3") + [{"collect": "t2"}]
         + cmds("a", "ip -6 addr show dev eth0"))
    case("v6s_maddr", "ip maddr with IPv6: ff02::1, ff01::1 and the solicited-node groups", both(),
         cmds("a", SETTLE, "ip maddr", "ip -6 maddr", "ip -4 maddr", "ip maddr show dev eth0", "ip -6 maddr show dev lo",
              "ip addr add 2001:db8::5/64 dev eth0", "ip -6 maddr show dev eth0", "ip addr del 2001:db8::5/64 dev eth0",
              "ip -6 maddr show dev eth0", "sysctl -w net.ipv6.conf.all.forwarding=1", "ip -6 maddr show dev eth0",
              "ip maddr show dev eth9", "ip maddr show lo", "ip -0 maddr", "ip maddr dev lo", "ip maddr show dev",
              "ip maddr show dev lo eth0", "ip maddr help", "ip -6 maddr show dev lo"))

    # ICMPv6 redirect: a's default router r sends it on to b, on the same link
    red = redirected()
    case("v6s_redirect", "a router forwarding out of the interface it came in on sends an ICMPv6 redirect; "
         "the host's route cache takes it", red,
         cmds("a", SETTLE, "ip -6 route get 2001:db8:9::1")
         + [bg("a", f"tcpdump -n -i eth0 -c 2 'icmp6 and src host {ll('r')} and dst host 2001:db8::2'", "t1")]
         + cmds("a", "ping -c 2 -i 0.5 -W 1 2001:db8:9::1") + [{"collect": "t1"}]
         + cmds("a", "ip -6 route get 2001:db8:9::1", "ip -6 route show cache", "ip -6 route", "ip -6 neigh",
                "ip -6 route get 2001:db8:9::7", "ip -6 route flush cache", "ip -6 route get 2001:db8:9::1")
         + cmds("r", "ip -6 route get 2001:db8:9::1", "sysctl net.ipv6.conf.all.accept_redirects"))
    red_off = copy.deepcopy(red)
    red_off["nodes"]["a"]["startup"].append("sysctl -w net.ipv6.conf.all.accept_redirects=0")
    catch = f"tcpdump -n -i eth0 -c 1 'icmp6 and src host {ll('r')} and dst host 2001:db8::2'"
    case("v6s_redirect_ignored", "accept_redirects: all=0 does not stop an interface, eth0=0 does", red_off,
         cmds("a", SETTLE, "sysctl net.ipv6.conf.eth0.accept_redirects") + [bg("a", catch.replace("-c 1", "-c 2"), "t1")]
         + cmds("a", "ping -c 1 -W 1 2001:db8:9::1") + [{"collect": "t1"}]
         + cmds("a", "ip -6 route get 2001:db8:9::1", "ip -6 route flush cache",
                "sysctl -w net.ipv6.conf.eth0.accept_redirects=0", "sleep 1.5") + [bg("a", catch, "t2")]
         + cmds("a", "ping -c 1 -W 1 2001:db8:9::1") + [{"collect": "t2"}]
         + cmds("a", "ip -6 route get 2001:db8:9::1", "ip -6 route show cache"))

    # the destination itself is on the link, in a prefix the host does not know as on-link
    onlink = {"ipv6": True, "nodes": {
        "a": {"interfaces": {"eth0": "lan"}, "startup": [
            "ip addr add 2001:db8::2/64 dev eth0", f"ip -6 route add default via {ll('r')} dev eth0"]},
        "r": {"interfaces": {"eth0": "lan"}, "startup": [
            "ip addr add 2001:db8::1/64 dev eth0", "ip addr add 2001:db8:5::1/64 dev eth0",
            "sysctl -w net.ipv6.conf.all.forwarding=1"]},
        "b": {"interfaces": {"eth0": "lan"}, "startup": [
            "ip addr add 2001:db8:5::2/64 dev eth0", f"ip -6 route add default via {ll('r')} dev eth0"]}}}
    case("v6s_redirect_onlink", "a redirect to the destination itself: it is on the link; both hosts learn it",
         onlink, cmds("a", SETTLE)
         + [bg("a", f"tcpdump -n -i eth0 -c 2 'icmp6 and src host {ll('r')} and dst host 2001:db8::2'", "t1")]
         + cmds("a", "ping -c 2 -i 0.5 -W 1 2001:db8:5::2") + [{"collect": "t1"}]
         + cmds("a", "ip -6 route get 2001:db8:5::2", "ip -6 route show cache")
         + cmds("b", "ip -6 route get 2001:db8::2", "ip -6 route show cache"))

    # tool wordings: host -t AAAA for a name with only an A record, tcpdump decoding DNS
    dns = {"private_fs": True, "nodes": {
        "router": {"interfaces": {"eth0": "lan"}, "startup": [
            "ip addr add 192.168.0.1/24 dev eth0",
            printf("/etc/dnsmasq.conf", "no-resolv", "no-hosts", "interface=eth0",
                   "host-record=vpn.example.net,198.51.100.10", "local=/example.net/"), "dnsmasq"]},
        "pc": {"interfaces": {"eth0": "lan"}, "startup": [
            "ip addr add 192.168.0.10/24 dev eth0", printf("/etc/resolv.conf", "nameserver 192.168.0.1")]}}}
    case("v6s_host_aaaa", "host -t AAAA for a name without AAAA; host for both; tcpdump decodes the DNS on port 53",
         dns, cmds("pc", "host -t AAAA vpn.example.net", "host -t A vpn.example.net", "host vpn.example.net",
                   "host -t AAAA nix.example.net", "host -t MX vpn.example.net")
         + [bg("router", "tcpdump -n -i eth0 -c 2 udp port 53", "t1")]
         + cmds("pc", "dig +short vpn.example.net") + [{"collect": "t1"}]
         + [bg("router", "tcpdump -n -i eth0 -c 2 udp port 53", "t2")]
         + cmds("pc", "host -t AAAA vpn.example.net") + [{"collect": "t2"}]
         + [bg("router", "tcpdump -n -i eth0 -c 2 udp port 53", "t3")]
         + cmds("pc", "dig +short nix.example.net") + [{"collect": "t3"}])
    case("v6s_dns_verbose", "tcpdump -v decodes DNS with the owner of each answer; without -n the port is domain",
         dns, [bg("router", "tcpdump -v -n -i eth0 -c 2 udp port 53", "t1")]
         + cmds("pc", "host -t A vpn.example.net") + [{"collect": "t1"}]
         + [bg("router", "tcpdump -v -n -i eth0 -c 2 udp port 53", "t2")]
         + cmds("pc", "dig +short vpn.example.net") + [{"collect": "t2"}]
         + [bg("router", "tcpdump -i eth0 -c 2 udp port 53", "t3")]
         + cmds("pc", "host vpn.example.net 192.168.0.1") + [{"collect": "t3"}]
         + [bg("router", "tcpdump -n -i eth0 -c 2 udp port 53", "t4")]
         + cmds("pc", "dig +short nix.example.net AAAA") + [{"collect": "t4"}])


def main() -> None:
    build()
    write_cases(CASES, "IPv6 sockets, MLD, redirects", stale="v6s_*.yaml")


if __name__ == "__main__":
    main()
