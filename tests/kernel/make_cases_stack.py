"""Differential cases for the kernel model's own decisions (prefix ``st_``):
``python3 -m tests.kernel.make_cases_stack``.

Source address selection, rules that look at a socket's own source, loopback
addresses and routes over lo. Writes only tests/kernel/cases/st_*.yaml.
"""
from __future__ import annotations

import copy


from tests.kernel.make_cases import cmds, lan, routed, write_cases

CASES: dict[str, tuple[str, dict, list[dict]]] = {}


def case(name: str, desc: str, lab: dict, commands: list[dict]) -> None:
    assert name.startswith("st_"), name
    CASES[name] = (desc, copy.deepcopy(lab), commands)


def build() -> None:
    case("st_rule_from_blackhole", "a 'from' rule applies to the node's own pings (second lookup)", routed(),
         cmds("a", "ip rule add from 10.0.1.0/24 blackhole", "ping -c 1 -W 1 10.0.2.2", "ip route get 10.0.2.2",
              "ip route get 10.0.2.2 from 10.0.1.2", "ip rule del from 10.0.1.0/24 blackhole",
              "ip rule add from 10.0.1.2 unreachable", "ping -c 1 -W 1 10.0.2.2", "ip rule add from 10.0.1.2 prohibit",
              "ip rule del from 10.0.1.2 unreachable", "ping -c 1 -W 1 10.0.2.2"))
    case("st_rule_from_table", "a 'from' rule sends the node's own packets through another table", routed(),
         cmds("a", "ip route add 10.0.2.0/24 via 10.0.1.99 table 100", "ip rule add from 10.0.1.2 lookup 100",
              "ip route get 10.0.2.2", "ping -c 1 -W 1 10.0.2.2", "ip neigh show 10.0.1.99"))
    lo = routed()
    lo["nodes"]["r"]["startup"].append("ip addr add 10.99.0.1/32 dev lo")
    case("st_loopback_address", "a global address on lo: reachable from outside, used as a source", lo,
         cmds("a", "ip route add 10.99.0.1 via 10.0.1.1", "ping -c 1 -W 1 10.99.0.1")
         + cmds("r", "ip route add 10.77.0.0/16 dev eth1", "ip route get 10.77.0.1", "ip route get 10.99.0.1",
                "ip -s link show lo"))
    two = lan()
    two["nodes"]["a"]["startup"].append("ip addr add 10.9.0.5/16 dev eth0")
    case("st_source_two_primaries", "which address a route without src picks", two,
         cmds("a", "ip route add 10.9.0.0/16 dev eth0 metric 5", "ip route add 10.8.0.0/16 dev eth0",
              "ip route get 10.9.1.1", "ip route get 10.8.1.1", "ip route add 172.20.0.0/16 via 192.168.0.1",
              "ip route get 172.20.0.1"))


    procnet = routed()
    procnet["nodes"]["a"]["startup"] += ["ip route add 10.9.9.9/32 via 10.0.1.1 metric 7",
                                         "ip route add unreachable 10.8.0.0/16", "ip route add blackhole 10.7.0.0/16",
                                         "ip neigh add 10.0.1.77 lladdr 02:00:00:00:00:77 dev eth0 nud permanent"]
    case("st_proc_net", "the old text views /proc/net/arp and /proc/net/route", procnet,
         cmds("a", "ping -c 1 -W 1 10.0.2.2", "ping -c 1 -W 1 10.0.1.99", "cat /proc/net/route",
              "grep 10.0.1.1 /proc/net/arp", "grep 10.0.1.77 /proc/net/arp", "grep 10.0.1.99 /proc/net/arp",
              "head -1 /proc/net/arp")
         + cmds("r", "cat /proc/net/route"))


    for name, rule in (("reject_echo", "-p icmp --icmp-type echo-request -j REJECT"), ("drop_icmp", "-p icmp -j DROP"),
                       ("reject_icmp", "-p icmp -j REJECT"), ("reject_tcp", "-p tcp -j REJECT --reject-with tcp-reset"),
                       ("reject_udp", "-p udp -j REJECT"), ("drop_udp", "-p udp -j DROP")):
        lab = lan()
        lab["nodes"]["a"]["startup"].append(f"iptables -A OUTPUT {rule}")
        case(f"st_output_{name}", f"a local sender meets 'iptables -A OUTPUT {rule}'", lab,
             cmds("a", "ping -c 1 -W 1 192.168.0.1", "ping -c 2 -i 0.2 -W 1 192.168.0.1",
                  "traceroute -n -T -q 1 -w 1 -m 2 192.168.0.1", "traceroute -n -q 1 -w 1 -m 2 192.168.0.1",
                  "iptables -L OUTPUT -n -v"))


    # issue 21: errors a masquerading router raises about a packet it already translated
    sr = {"nodes": {
        "laptop": {"interfaces": {"tailscale0": "tailnet"},
                   "startup": ["ip addr add 100.64.0.2/10 dev tailscale0", "ip route add 192.168.0.0/24 via 100.64.0.1"]},
        "ctr": {"interfaces": {"tailscale0": "tailnet", "eth0": "home"},
                "startup": ["ip addr add 100.64.0.1/10 dev tailscale0", "ip addr add 192.168.0.150/24 dev eth0",
                            "sysctl -w net.ipv4.ip_forward=1",
                            "iptables -t nat -A POSTROUTING -o eth0 -s 100.64.0.0/10 -j MASQUERADE"]},
        "pve": {"interfaces": {"eth0": "home"}, "startup": ["ip addr add 192.168.0.101/24 dev eth0"]},
        "vm": {"interfaces": {"eth0": "home"}, "startup": ["ip addr add 192.168.0.158/24 dev eth0",
                                                          "ip route add default via 192.168.0.150"]}}}
    case("st_masq_host_unreachable", "a masquerading router's 'Destination Host Unreachable' reaches the sender",
         sr, cmds("laptop", "ping -c 1 -W 5 192.168.0.77", "ping -c 2 -i 0.5 -W 5 192.168.0.78",
                  "traceroute -n -q 1 -w 5 -m 3 192.168.0.79")
         + cmds("ctr", "conntrack -L -p icmp", "ip neigh show dev eth0"))
    mtu = copy.deepcopy(sr)
    mtu["nodes"]["ctr"]["startup"].append("ip link set eth0 mtu 1000")
    case("st_masq_frag_needed", "'frag needed' from a masquerading router is translated back", mtu,
         cmds("laptop", "ping -c 1 -W 2 -M do -s 1100 192.168.0.101", "ping -c 1 -W 2 -M do -s 1100 192.168.0.101",
              "ip route get 192.168.0.101", "ping -c 1 -W 2 -M dont -s 1100 192.168.0.101",
              "ping -c 1 -W 2 -s 1100 192.168.0.101", "ping -c 1 -W 2 -M do -s 900 192.168.0.101",
              "ping -c 2 -i 0.3 -q -W 2 -M do -s 1100 192.168.0.101")
         + cmds("ctr", "conntrack -L -p icmp"))
    dnat = routed()
    dnat["nodes"]["a"]["startup"] += ["ip addr add 10.0.3.2/24 dev eth1"]
    dnat["nodes"]["a"]["interfaces"]["eth1"] = "s3"
    dnat["nodes"]["c"] = {"interfaces": {"eth0": "s3"}, "startup": ["ip addr add 10.0.3.3/24 dev eth0",
                                                                    "ip route add default via 10.0.3.2"]}
    case("st_output_dnat_reroute", "a DNAT in nat OUTPUT re-routes the node's own packet", dnat,
         cmds("a", "iptables -t nat -A OUTPUT -d 10.0.2.2 -j DNAT --to-destination 10.0.3.3",
              "ping -c 1 -W 1 10.0.2.2", "conntrack -L -p icmp", "ip neigh show dev eth1",
              "iptables -t nat -L OUTPUT -n -v")
         + cmds("b", "ip neigh show dev eth0"))


def main() -> None:
    build()
    write_cases(CASES, "stack")

if __name__ == "__main__":
    main()
