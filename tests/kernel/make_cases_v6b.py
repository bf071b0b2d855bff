"""Differential cases for IPv6, second batch (prefix ``v6b_``), recorded with IPv6 left on:
``python3 -m tests.kernel.make_cases_v6b``.

Conntrack for IPv6 flows, ``ip -6 rule``, path MTU discovery, IPv6 sockets
(nc, ss, tcpdump, http.server) and the lab dualstack. The labs reuse make_cases_ipv6's builders; an
address is tentative for up to two seconds, so every case waits ``sleep 2.5``
before it sends.

Writes only tests/kernel/cases/v6b_*.yaml.
"""
from __future__ import annotations

import copy

from tests.kernel.make_cases import cmds, write_cases
from tests.kernel.make_cases_ipv6 import SETTLE, lan6, routed6

CASES: dict[str, tuple[str, dict, list[dict]]] = {}
STATE6 = "ip6tables -A INPUT -m state --state ESTABLISHED,RELATED -j ACCEPT"


def case(name: str, desc: str, lab: dict, commands: list[dict]) -> None:
    assert name.startswith("v6b_"), name
    CASES[name] = (desc, copy.deepcopy(lab), commands)


def both(a: list[str] | None = None, b: list[str] | None = None) -> dict:
    return lan6(a=["ip addr add 2001:db8::2/64 dev eth0", *(a or [])], b=["ip addr add 2001:db8::1/64 dev eth0",
                                                                          *(b or [])])


def build() -> None:
    case("v6b_ct_ping", "an ip6tables state match tracks IPv6 only: icmpv6 lines, filters, family", both(a=[STATE6]),
         cmds("a", SETTLE, "ping -c 1 -W 1 2001:db8::1", "ping -c 1 -W 1 192.168.0.1", "conntrack -L",
              "conntrack -L -f ipv6", "conntrack -L -f ipv4", "conntrack -L -o extended", "conntrack -L -p icmpv6",
              "conntrack -L -p ipv6-icmp -s 2001:db8::2", "conntrack -L -s 2001:db8::/64", "conntrack -L -d 2001:db8::9",
              "conntrack -L -f ipv6 -p icmpv6 --icmpv6-type 128", "conntrack -L -p icmpv6 --icmp-type 128",
              "conntrack -L -f ipv4 -s 2001:db8::1", "conntrack -L -s 2001:db8::1 -d 192.168.0.1",
              "conntrack -L -s 2001:db8::1/129", "conntrack -L -s 2001:db8::zz", "conntrack -L -f ipv6x",
              "conntrack -L -f inet", "conntrack -C", "conntrack -C -f ipv6", "conntrack -L -p icmp")
         + cmds("b", "conntrack -L"))
    case("v6b_ct_unreplied", "an unanswered echo: [UNREPLIED], use=2 while neighbour discovery waits",
         both(a=[STATE6]),
         cmds("a", SETTLE, "ping -c 1 -W 1 2001:db8::9", "conntrack -L", "sleep 3", "conntrack -L",
              "conntrack -L -f ipv6 -o id", "conntrack -D -f ipv6", "conntrack -L"))
    case("v6b_ct_inet", "an inet table tracks both families; flush and delete by family",
         both(a=["nft add table inet f", "nft add chain inet f in '{ type filter hook input priority 0; }'",
                 "nft add rule inet f in ct state established,related accept"]),
         cmds("a", SETTLE, "ping -c 1 -W 1 2001:db8::1", "ping -c 1 -W 1 192.168.0.1", "ping -c 1 -W 1 fe80::1%eth0",
              "conntrack -L", "conntrack -L -f ipv4", "conntrack -L -o extended -f ipv6", "conntrack -C",
              "conntrack -D -p icmp", "conntrack -L", "ping -c 1 -W 1 192.168.0.1", "conntrack -F -f ipv6",
              "conntrack -L", "ping -c 1 -W 1 2001:db8::1", "conntrack -F", "conntrack -L"))
    case("v6b_ct_forward", "a stateful IPv6 router: echo requests out, answers and errors back",
         routed6(r_extra=["ip6tables -P FORWARD DROP",
                          "ip6tables -A FORWARD -m state --state ESTABLISHED,RELATED -j ACCEPT",
                          "ip6tables -A FORWARD -i eth0 -p ipv6-icmp --icmpv6-type echo-request -j ACCEPT"]),
         cmds("a", SETTLE, "ping -c 2 -i 0.2 -W 1 2001:db8:2::2", "ping -c 1 -W 5 2001:db8:2::9")
         + cmds("r", "conntrack -L", "ip6tables -L FORWARD -n -v -x")
         + cmds("b", "ping -c 1 -W 1 2001:db8:1::2")
         + cmds("r", "conntrack -L -o extended"))
    case("v6b_ct_udp", "traceroute -6 through a stateful router: udp flows in conntrack, time exceeded is RELATED",
         routed6(r_extra=["ip6tables -P FORWARD DROP",
                          "ip6tables -A FORWARD -m state --state ESTABLISHED,RELATED -j ACCEPT",
                          "ip6tables -A FORWARD -i eth0 -p udp -j ACCEPT",
                          "ip6tables -A INPUT -m state --state ESTABLISHED,RELATED -j ACCEPT"]),
         cmds("a", SETTLE, "traceroute -n -q 1 -w 1 -m 3 2001:db8:2::2")
         + cmds("r", "conntrack -L -p udp", "conntrack -L -f ipv6 -p udp --dport 33435", "conntrack -C",
                "ip6tables -L FORWARD -n -v -x"))
    tcp6 = both()
    case("v6b_nc6", "TCP over IPv6: nc -6 listens on [::] (ss: *), connects; ss and tcpdump show it",
         tcp6, cmds("a", SETTLE) + [{"node": "b", "cmd": "nc -6 -lk 8080", "bg": "l1"},
                                    {"node": "b", "cmd": "nc -lk 8081", "bg": "l2"},
                                    {"node": "b", "cmd": "tcpdump -n -i eth0 -c 6 tcp port 8080", "bg": "t1"}]
         + cmds("a", "nc -6 -zv 2001:db8::1 8080") + [{"collect": "t1"}]
         + cmds("a", "nc -zv 2001:db8::1 8080", "nc -zvn 2001:db8::1 8081", "nc -zv 2001:db8::1 8082",
                "nc -4 -zv 2001:db8::1 8080", "nc -6 -zv 192.168.0.1 8081", "nc -zv 192.168.0.1 8080")
         + cmds("b", "ss -tln", "ss -6 -tln", "ss -4 -tln") + [{"collect": "l1"}, {"collect": "l2"}])
    case("v6b_nc6_data", "data over TCP/IPv6 and UDP/IPv6", tcp6,
         cmds("a", SETTLE) + [{"node": "b", "cmd": "nc -6 -l 8080", "bg": "l1"},
                              {"node": "b", "cmd": "nc -6 -lu 5353", "bg": "l2"}]
         + cmds("a", "echo hallo welt | nc -N 2001:db8::1 8080; echo $?", "echo hallo | nc -u -w 1 2001:db8::1 5353",
                "nc -zvu 2001:db8::1 9999")
         + cmds("b", "ss -uln") + [{"collect": "l1"}, {"collect": "l2"}])
    # Debian 12's Python 3.11 binds http.server to 0.0.0.0 even with IPv6 on (getaddrinfo's first
    # passive answer): IPv6 clients are refused, curl to the IPv6 URL too.
    case("v6b_http", "python3 -m http.server with IPv6 on listens on 0.0.0.0 only: IPv6 is refused",
         tcp6, cmds("a", SETTLE) + [{"node": "b", "cmd": "python3 -m http.server 8000", "bg": "h1"}]
         + cmds("a", "sleep 1") + cmds("b", "ss -tln", "ss -6 -tln")
         + cmds("a", "nc -zv 2001:db8::1 8000", "nc -zv 192.168.0.1 8000",
                "curl -s -o /dev/null http://192.168.0.1:8000/; echo $?", "curl -s http://[2001:db8::1]:8000/; echo $?",
                "curl -6 -sS http://[2001:db8::1]:8000/",
                "curl -4 -sS http://[2001:db8::1]:8000/", "curl -6 -sS http://192.168.0.1:8000/",
                "curl -sS http://[2001:db8::9]:8000/", "curl -sS http://[2001:db8::zz]:8000/")
         + [{"collect": "h1"}])
    case("v6b_http_bind", "python3 -m http.server --bind :: serves both families; curl over IPv6",
         tcp6, cmds("a", SETTLE) + [{"node": "b", "cmd": "python3 -m http.server --bind :: 8000", "bg": "h1"}]
         + cmds("a", "sleep 1") + cmds("b", "ss -tln")
         # (the listing itself shows the recorder's directory, and http.server answers HTTP/1.0: not compared)
         + cmds("a", "curl -s http://[2001:db8::1]:8000/ | head -3", "curl -sI http://[2001:db8::1]:8000/ | grep -c 200",
                "curl -6 -s -o /dev/null http://[2001:db8::1]:8000/; echo $?",
                "curl -s http://192.168.0.1:8000/ | head -1")
         + [{"collect": "h1"}])

    rule_lab = both(a=["ip addr add 2001:db8:1::2/64 dev eth0"], b=["ip addr add 2001:db8:1::1/64 dev eth0"])
    case("v6b_rule_add", "ip -6 rule add/del/show/flush and the kernel's refusals", rule_lab,
         cmds("a", SETTLE, "ip -6 rule", "ip -6 rule add from 2001:db8:1::/64 table 100",
              "ip -6 rule add to 2001:db8:5::/64 prohibit", "ip -6 rule add fwmark 0x1 lookup 200 pref 1000",
              "ip -6 rule add unreachable to 2001:db8:6::/64", "ip -6 rule add blackhole to 2001:db8:7::/64",
              "ip -6 rule add iif eth0 table 10", "ip -6 rule add oif eth0 table 11 pref 2000",
              "ip -6 rule add not from 2001:db8:9::1 table 12", "ip -6 rule add from ::/0 table 13",
              "ip -6 rule add from 2001:db8:1::5 to 2001:db8:8::/48 table 14 pref 3000", "ip -6 rule", "ip rule",
              "ip -6 rule show table 100", "ip -6 rule list pref 1000", "ip -6 rule show from 2001:db8:1::/64",
              "ip -6 rule add from 2001:db8:1::/64 table 100", "ip -6 rule add from 10.0.0.0/8 table 5",
              "ip -6 rule add from 2001:db8::/129 table 5", "ip -6 rule add from 2001:db8::zz table 5",
              "ip -6 rule add from 2001:db8:3::/64", "ip rule add from 2001:db8:4::/64 table 6", "ip -6 rule",
              "ip -6 rule del from 2001:db8:1::/64", "ip -6 rule del pref 1000", "ip -6 rule del table 999",
              "ip -6 rule del to 2001:db8:5::/64", "ip -6 rule del pref 0", "ip -6 rule", "ip -6 rule flush",
              "ip -6 rule", "ip rule"))
    case("v6b_rule_route", "policy routing for IPv6: a source rule picks another table, rule actions",
         rule_lab,
         cmds("a", SETTLE, "ip -6 route add default via 2001:db8:1::1 table 100",
              "ip -6 rule add from 2001:db8:1::/64 table 100", "ip -6 rule add to 2001:db8:5::/64 prohibit",
              "ip -6 rule add unreachable to 2001:db8:6::/64", "ip -6 rule add blackhole to 2001:db8:7::/64",
              "ip -6 route get 2001:db8:9::1", "ip -6 route get 2001:db8:9::1 from 2001:db8:1::2",
              "ip -6 route get 2001:db8:1::1 from 2001:db8:1::2", "ip -6 route get 2001:db8:5::1",
              "ip -6 route get 2001:db8:6::1", "ip -6 route get 2001:db8:7::1",
              "ping -c 1 -W 1 2001:db8:9::1", "ping -c 1 -W 1 -I 2001:db8:1::2 2001:db8:9::1",
              "ping -c 1 -W 1 2001:db8:5::1", "ping -c 1 -W 1 2001:db8:6::1", "ping -c 1 -W 1 2001:db8:7::1",
              "ip -6 route show table 100", "ip -6 route show table all"))

    mtu = routed6(r_extra=["ip link set eth1 mtu 1280"])
    mtu["nodes"]["b"]["startup"].append("ip link set eth0 mtu 1280")
    case("v6b_pmtu", "path MTU discovery: Packet too big, the learned mtu in ip -6 route get, fragments after it", mtu,
         cmds("a", SETTLE, "ip -6 route get 2001:db8:2::2", "ping -c 1 -W 1 -s 1300 2001:db8:2::2",
              "ip -6 route get 2001:db8:2::2", "ip -6 route show cache", "ip -6 route list cached",
              "ping -c 2 -i 0.2 -W 1 -s 1300 2001:db8:2::2", "ping -c 1 -W 1 -M do -s 1300 2001:db8:2::2",
              "ping -c 1 -W 1 -s 1232 2001:db8:2::2", "ip -6 route get 2001:db8:2::9", "ip -6 route get 2001:db8:1::1",
              "ip -6 route flush cache", "ip -6 route get 2001:db8:2::2")
         + cmds("r", "ip -6 route get 2001:db8:2::2", "ip -6 route get 2001:db8:1::2")
         + cmds("b", "ip -6 route get 2001:db8:1::2"))
    case("v6b_mtu_local", "a smaller MTU on the own link: ping -s fragments, -M do refuses", both(
        a=["ip link set eth0 mtu 1280"], b=["ip link set eth0 mtu 1280"]),
         cmds("a", SETTLE, "ping -c 1 -W 1 -s 1300 2001:db8::1", "ping -c 1 -W 1 -M do -s 1300 2001:db8::1",
              "ping -c 1 -W 1 -M do -s 1232 2001:db8::1", "ping -c 1 -W 1 -M do -s 1233 2001:db8::1",
              "ip -6 route get 2001:db8::1", "ip link set eth0 mtu 1200", "ip -6 addr show dev eth0",
              "ip -6 route show table all", "ip link set eth0 mtu 1280", "ip -6 addr show dev eth0"))

    # the shipped lab dualstack (simnet/labs/dualstack.yaml) as the IPv6 page shows it; radvd from /tmp
    conf, pid = "/tmp/radvd-v6b_dualstack.conf", "/tmp/radvd-v6b_dualstack.pid"
    laptop6 = "2001:db8:1:0:7f:32ff:fe8a:273d"          # EUI-64 of the laptop's MAC
    dual = {"ipv6": True, "nodes": {
        "web": {"interfaces": {"eth0": "internet"}, "startup": [
            "ip addr add 198.51.100.10/24 dev eth0", "ip addr add 2001:db8:ffff::10/64 dev eth0",
            "ip -6 route add 2001:db8:1::/64 via 2001:db8:ffff::1"]},
        "router": {"interfaces": {"lan": "lan", "wan": "internet"}, "startup": [
            "ip addr add 192.168.0.1/24 dev lan", "ip addr add 2001:db8:1::1/64 dev lan",
            "ip addr add 198.51.100.1/24 dev wan", "ip addr add 2001:db8:ffff::1/64 dev wan",
            "sysctl -w net.ipv4.ip_forward=1", "sysctl -w net.ipv6.conf.all.forwarding=1",
            "iptables -t nat -A POSTROUTING -o wan -j MASQUERADE",
            "ip6tables -A FORWARD -m state --state ESTABLISHED,RELATED -j ACCEPT",
            "ip6tables -A FORWARD -p ipv6-icmp -m state --state NEW -i lan -j ACCEPT",
            "ip6tables -A FORWARD -i lan -o wan -j ACCEPT", "ip6tables -P FORWARD DROP",
            f"printf 'interface lan {{\\n\\tAdvSendAdvert on;\\n\\tprefix 2001:db8:1::/64 {{\\n\\t}};\\n}};\\n' > {conf}"]},
        "laptop": {"interfaces": {"eth0": "lan"}, "startup": [
            "ip addr add 192.168.0.20/24 dev eth0", "ip route add default via 192.168.0.1"]}}}
    case("v6b_dualstack", "the lab dualstack: SLAAC from radvd, IPv4 masqueraded, IPv6 routed through a stateful firewall",
         dual, cmds("router", SETTLE, f"radvd -C {conf} -p {pid}") + cmds("laptop", "sleep 3")
         + cmds("laptop", "ip -6 addr show dev eth0", "ip -6 route", "ip -br addr", "ip -6 route get 2001:db8:ffff::10",
                "ping -c 1 -W 1 198.51.100.10")
         + [{"node": "web", "cmd": "tcpdump -n -i eth0 -c 6 'icmp6 and not dst ff02::2'", "bg": "t1"}]
         + cmds("laptop", "ping -c 1 -W 1 2001:db8:ffff::10") + [{"collect": "t1"}]
         + cmds("laptop", "ip -6 neigh")
         + cmds("router", "conntrack -L", "ip6tables -S FORWARD")
         + cmds("web", f"ping -c 1 -W 1 {laptop6}", "ip -6 route")
         + cmds("router", "sysctl -w net.ipv6.conf.all.forwarding=0")
         + cmds("laptop", "ping -c 1 -W 1 2001:db8:ffff::10")
         + cmds("router", f"kill $(cat {pid})"))


def main() -> None:
    build()
    write_cases(CASES, "ipv6 (second batch)", stale="v6b_*.yaml")


if __name__ == "__main__":
    main()
