"""Writes tests/kernel/cases/*.yaml: the differential corpus (run once; the YAML is committed).

Labs are small building blocks (two hosts, one router, two routers, a
subnet router like Tailscale's); each case adds the commands a learner types.
"""
from __future__ import annotations

import copy
from pathlib import Path

import yaml

HERE = Path(__file__).parent / "cases"


def lan() -> dict:
    return {"nodes": {
        "a": {"interfaces": {"eth0": "lan"}, "startup": ["ip addr add 192.168.0.2/24 dev eth0"]},
        "b": {"interfaces": {"eth0": "lan"}, "startup": ["ip addr add 192.168.0.1/24 dev eth0"]}}}


def routed(forward: bool = True, back: bool = True) -> dict:
    r = ["ip addr add 10.0.1.1/24 dev eth0", "ip addr add 10.0.2.1/24 dev eth1"]
    if forward:
        r.append("sysctl -w net.ipv4.ip_forward=1")
    b = ["ip addr add 10.0.2.2/24 dev eth0"]
    if back:
        b.append("ip route add default via 10.0.2.1")
    return {"nodes": {
        "a": {"interfaces": {"eth0": "s1"}, "startup": ["ip addr add 10.0.1.2/24 dev eth0",
                                                         "ip route add default via 10.0.1.1"]},
        "r": {"interfaces": {"eth0": "s1", "eth1": "s2"}, "startup": r},
        "b": {"interfaces": {"eth0": "s2"}, "startup": b}}}


def chain() -> dict:
    return {"nodes": {
        "a": {"interfaces": {"eth0": "s1"}, "startup": ["ip addr add 10.0.1.2/24 dev eth0",
                                                         "ip route add default via 10.0.1.1"]},
        "r1": {"interfaces": {"eth0": "s1", "eth1": "s2"},
               "startup": ["ip addr add 10.0.1.1/24 dev eth0", "ip addr add 10.0.12.1/24 dev eth1",
                           "sysctl -w net.ipv4.ip_forward=1", "ip route add default via 10.0.12.2"]},
        "r2": {"interfaces": {"eth0": "s2", "eth1": "s3"},
               "startup": ["ip addr add 10.0.12.2/24 dev eth0", "ip addr add 10.0.2.1/24 dev eth1",
                           "sysctl -w net.ipv4.ip_forward=1", "ip route add 10.0.1.0/24 via 10.0.12.1"]},
        "b": {"interfaces": {"eth0": "s3"}, "startup": ["ip addr add 10.0.2.2/24 dev eth0",
                                                         "ip route add default via 10.0.2.1"]}}}


def subnet_router(forward: bool = True, masq: bool = False, back: bool = False) -> dict:
    sr = ["ip addr add 10.0.5.1/24 dev eth0", "ip addr add 192.168.0.150/24 dev eth1"]
    if forward:
        sr.append("sysctl -w net.ipv4.ip_forward=1")
    if masq:
        sr.append("iptables -t nat -A POSTROUTING -o eth1 -j MASQUERADE")
    px = ["ip addr add 192.168.0.101/24 dev eth0"]
    if back:
        px.append("ip route add 10.0.5.0/24 via 192.168.0.150")
    return {"nodes": {
        "laptop": {"interfaces": {"eth0": "cafe"}, "startup": ["ip addr add 10.0.5.23/24 dev eth0",
                                                                "ip route add 192.168.0.0/24 via 10.0.5.1"]},
        "tailscale": {"interfaces": {"eth0": "cafe", "eth1": "heimnetz"}, "startup": sr},
        "proxmox": {"interfaces": {"eth0": "heimnetz"}, "startup": px}}}


def cmds(node: str, *lines: str) -> list[dict]:
    return [{"node": node, "cmd": c} for c in lines]


CASES: dict[str, tuple[str, dict, list[dict]]] = {}


def case(name: str, desc: str, lab: dict, commands: list[dict]) -> None:
    CASES[name] = (desc, copy.deepcopy(lab), commands)


P1 = "ping -c 1 -W 1"
# --- addressing and show output
case("lan_ping", "ping on one segment", lan(), cmds("a", f"{P1} 192.168.0.1", "ping -c 2 -i 0.2 -W 1 192.168.0.1"))
case("lan_ip_addr", "ip addr output", lan(), cmds("a", "ip addr", "ip -4 addr show dev eth0", "ip a s lo"))
case("lan_ip_brief", "brief output", lan(), cmds("a", "ip -br addr", "ip -br link", "ip -br -4 a"))
case("lan_ip_link", "ip link output", lan(), cmds("a", "ip link", "ip link show eth0", "ip -s link show lo"))
case("lan_routes", "route tables", lan(), cmds("a", "ip route", "ip route show table local", "ip -4 route show table all",
                                               "ip rule", "ip rule show"))
case("lan_route_get", "ip route get", lan(), cmds("a", "ip route get 192.168.0.1", "ip route get 192.168.0.2",
                                                  "ip route get 203.0.113.88", "ip route get 127.0.0.1"))
case("lan_neigh", "neighbour table after ping", lan(), cmds("a", f"{P1} 192.168.0.1", "ip neigh", "ip neigh show dev eth0")
     + cmds("b", "ip neigh"))
case("lan_arp_timeout", "nobody has the address (short wait)", lan(), cmds("a", f"{P1} 192.168.0.9", "ip neigh"))
case("lan_arp_fail", "nobody has the address (long wait)", lan(), cmds("a", "ping -c 1 -W 5 192.168.0.9", "ip neigh"))
case("lan_addr_secondary", "second address in the same subnet", lan(),
     cmds("a", "ip addr add 192.168.0.3/24 dev eth0", "ip addr show dev eth0", "ip route", "ip route show table local",
          "ip addr del 192.168.0.2/24 dev eth0", "ip addr show dev eth0", "ip route"))
case("lan_addr_32", "a /32 address and a /31", lan(),
     cmds("a", "ip addr add 10.9.9.9/32 dev eth0", "ip addr add 10.8.8.0/31 dev eth0", "ip route",
          "ip route show table local"))
case("lan_link_down", "routes vanish when the link goes down", lan(),
     cmds("a", "ip route add 10.7.0.0/16 via 192.168.0.1", "ip route", "ip link set eth0 down", "ip route",
          "ip link show eth0", f"{P1} 192.168.0.1", "ip link set eth0 up", "ip route"))
case("lan_ping_self", "ping own address and loopback", lan(), cmds("a", f"{P1} 192.168.0.2", f"{P1} 127.0.0.1"))
case("lan_ping_options", "ping options", lan(),
     cmds("a", "ping -c 2 -i 0.2 -q 192.168.0.1", "ping -c 1 -s 100 192.168.0.1", "ping -c 1 -t 5 192.168.0.1",
          "ping -n -c 1 192.168.0.1", "ping -c 1 -I eth0 192.168.0.1", "ping -w 1 -c 1 192.168.0.1"))
# --- routing: LPM, metrics, special routes, tables
case("lpm_longest", "longest prefix wins", routed(),
     cmds("a", "ip route add 10.0.2.0/25 via 10.0.1.9 dev eth0 onlink", "ip route add 10.0.0.0/8 via 10.0.1.1",
          "ip route", "ip route get 10.0.2.2", "ip route get 10.0.2.200", "ip route get 10.5.5.5"))
case("lpm_metric", "same prefix, lower metric wins", routed(),
     cmds("a", "ip route add 10.0.2.0/24 via 10.0.1.1 metric 100", "ip route add 10.0.2.0/24 via 10.0.1.1 metric 50",
          "ip route", "ip route get 10.0.2.2", "ip route del 10.0.2.0/24 metric 50", "ip route"))
case("route_replace", "ip route replace and del", routed(),
     cmds("a", "ip route replace default via 10.0.1.1 metric 10", "ip route", "ip route del default via 10.0.1.1",
          "ip route", "ip route add default via 10.0.1.1 dev eth0 proto static", "ip route"))
case("route_blackhole", "blackhole route", routed(),
     cmds("a", "ip route add blackhole 10.0.2.0/24", "ip route", f"{P1} 10.0.2.2", "ip route get 10.0.2.2"))
case("route_unreachable", "unreachable route", routed(),
     cmds("a", "ip route add unreachable 10.0.2.0/24", "ip route", f"{P1} 10.0.2.2", "ip route get 10.0.2.2"))
case("route_prohibit", "prohibit route", routed(),
     cmds("a", "ip route add prohibit 10.0.2.0/24", f"{P1} 10.0.2.2", "ip route get 10.0.2.2"))
case("route_router_blackhole", "blackhole on the router", routed(),
     cmds("r", "ip route add blackhole 10.0.2.0/25") + cmds("a", f"{P1} 10.0.2.2"))
case("route_router_unreachable", "unreachable on the router", routed(),
     cmds("r", "ip route add unreachable 10.0.2.0/25") + cmds("a", f"{P1} 10.0.2.2"))
case("route_router_prohibit", "prohibit on the router", routed(),
     cmds("r", "ip route add prohibit 10.0.2.0/25") + cmds("a", f"{P1} 10.0.2.2"))
case("table52", "policy routing like tailscaled", routed(),
     cmds("a", "ip route add 10.0.2.0/24 via 10.0.1.1 table 52", "ip rule add pref 5270 table 52",
          "ip rule add pref 5210 fwmark 0x80000/0xff0000 table main", "ip rule", "ip route show table 52",
          "ip route get 10.0.2.2", f"{P1} 10.0.2.2", "ip -4 route show table all"))
case("rule_del", "ip rule add and del", lan(),
     cmds("a", "ip rule add from 192.168.0.0/24 table 100 pref 1000", "ip rule", "ip rule del pref 1000", "ip rule"))
# --- forwarding
case("fwd_on", "router forwards", routed(), cmds("a", f"{P1} 10.0.2.2", "ping -c 2 -i 0.2 -W 1 10.0.2.2"))
case("fwd_off", "router does not forward", routed(forward=False), cmds("a", f"{P1} 10.0.2.2") + cmds("r", "sysctl net.ipv4.ip_forward"))
case("fwd_proc", "enable forwarding via /proc", routed(forward=False),
     cmds("r", "cat /proc/sys/net/ipv4/ip_forward", "echo 1 > /proc/sys/net/ipv4/ip_forward",
          "cat /proc/sys/net/ipv4/ip_forward", "sysctl net.ipv4.conf.all.forwarding net.ipv4.conf.eth0.forwarding")
     + cmds("a", f"{P1} 10.0.2.2"))
case("fwd_no_back_route", "target has no route back", routed(back=False), cmds("a", f"{P1} 10.0.2.2"))
case("fwd_router_no_route", "router has no route", routed(), cmds("a", f"{P1} 172.16.9.9", "ping -c 1 -W 1 -t 1 172.16.9.9"))
case("fwd_ttl", "TTL exceeded at the router", routed(), cmds("a", "ping -c 1 -W 1 -t 1 10.0.2.2", "ping -c 1 -W 1 -t 2 10.0.2.2"))
case("chain_ping", "two routers", chain(), cmds("a", f"{P1} 10.0.2.2", "ping -c 1 -W 1 -t 2 10.0.2.2", "ping -c 1 -W 1 -t 3 10.0.2.2"))
case("chain_route_get", "route get on routers", chain(),
     cmds("r1", "ip route get 10.0.2.2", "ip route get 10.0.2.2 from 10.0.1.2 iif eth0", "ip route")
     + cmds("r2", "ip route get 10.0.1.2"))
case("chain_traceroute", "traceroute through two routers", chain(),
     cmds("a", "traceroute -n -q 1 -w 1 -m 5 10.0.2.2", "traceroute -n -q 1 -w 1 -m 5 -I 10.0.2.2"))
case("traceroute_fwd_off", "traceroute stops at a non-forwarding router", routed(forward=False),
     cmds("a", "traceroute -n -q 1 -w 1 -m 3 10.0.2.2"))
case("traceroute_net_unreach", "traceroute with !N", routed(), cmds("a", "traceroute -n -q 1 -w 1 -m 3 172.16.9.9"))
case("chain_arp_fail_remote", "router cannot resolve the target", chain(),
     cmds("a", "ping -c 1 -W 5 10.0.2.77"))
case("rp_filter", "strict reverse path filter with asymmetric routing", routed(),
     cmds("r", "sysctl -w net.ipv4.conf.all.rp_filter=1", "ip route add 10.0.3.0/24 via 10.0.2.2")
     + cmds("a", "ip addr add 10.0.3.5/24 dev eth0", "ping -c 1 -W 1 -I 10.0.3.5 10.0.2.2"))
case("redirect", "router sends ICMP redirect", {"nodes": {
    "a": {"interfaces": {"eth0": "lan"}, "startup": ["ip addr add 192.168.0.2/24 dev eth0", "ip route add default via 192.168.0.1"]},
    "r": {"interfaces": {"eth0": "lan"}, "startup": ["ip addr add 192.168.0.1/24 dev eth0", "sysctl -w net.ipv4.ip_forward=1",
                                                      "ip route add 10.9.0.0/24 via 192.168.0.3"]},
    "c": {"interfaces": {"eth0": "lan"}, "startup": ["ip addr add 192.168.0.3/24 dev eth0", "ip addr add 10.9.0.1/32 dev lo"]}}},
     cmds("a", "ping -c 3 -i 0.3 -W 1 10.9.0.1", "ip route get 10.9.0.1"))
# --- subnet router / NAT
case("sr_no_masq", "subnet router without MASQUERADE, no back-route", subnet_router(), cmds("laptop", f"{P1} 192.168.0.101"))
case("sr_masq", "subnet router with MASQUERADE", subnet_router(masq=True),
     cmds("laptop", f"{P1} 192.168.0.101", "ping -c 2 -i 0.2 -W 1 192.168.0.101")
     + cmds("tailscale", "conntrack -L", "conntrack -L -p icmp", "conntrack -C", "iptables -t nat -S",
            "iptables -t nat -L -n -v", "iptables-save"))
case("sr_back_route", "subnet router with back-route instead of NAT", subnet_router(back=True),
     cmds("laptop", f"{P1} 192.168.0.101", "traceroute -n -q 1 -w 1 192.168.0.101"))
case("sr_fwd_off", "subnet router with forwarding off", subnet_router(forward=False, masq=True),
     cmds("laptop", f"{P1} 192.168.0.101"))
case("sr_forward_drop", "FORWARD chain drops", subnet_router(masq=True),
     cmds("tailscale", "iptables -A FORWARD -j DROP", "iptables -L FORWARD -n -v") + cmds("laptop", f"{P1} 192.168.0.101")
     + cmds("tailscale", "iptables -L FORWARD -n -v", "iptables -S"))
case("sr_forward_reject", "FORWARD chain rejects", subnet_router(masq=True),
     cmds("tailscale", "iptables -A FORWARD -s 10.0.5.0/24 -j REJECT") + cmds("laptop", f"{P1} 192.168.0.101"))
case("sr_forward_reject_prohibited", "REJECT with host-prohibited", subnet_router(masq=True),
     cmds("tailscale", "iptables -A FORWARD -j REJECT --reject-with icmp-host-prohibited")
     + cmds("laptop", f"{P1} 192.168.0.101") + cmds("tailscale", "iptables -S FORWARD"))
case("sr_policy_drop_state", "policy DROP with conntrack state rule", subnet_router(masq=True),
     cmds("tailscale", "iptables -P FORWARD DROP", "iptables -A FORWARD -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT",
          "iptables -A FORWARD -i eth0 -o eth1 -j ACCEPT", "iptables -L FORWARD --line-numbers -n")
     + cmds("laptop", f"{P1} 192.168.0.101") + cmds("tailscale", "iptables -L FORWARD -n -v -x", "iptables -S"))
case("sr_policy_drop_only", "policy DROP without return rule", subnet_router(masq=True),
     cmds("tailscale", "iptables -P FORWARD DROP", "iptables -A FORWARD -i eth0 -o eth1 -j ACCEPT")
     + cmds("laptop", f"{P1} 192.168.0.101"))
case("sr_snat", "SNAT instead of MASQUERADE", subnet_router(),
     cmds("tailscale", "iptables -t nat -A POSTROUTING -s 10.0.5.0/24 -o eth1 -j SNAT --to-source 192.168.0.150")
     + cmds("laptop", f"{P1} 192.168.0.101") + cmds("tailscale", "conntrack -L", "iptables -t nat -S"))
case("sr_dnat", "DNAT a service address", subnet_router(masq=True),
     cmds("tailscale", "ip addr add 10.0.5.100/24 dev eth0",
          "iptables -t nat -A PREROUTING -d 10.0.5.100 -j DNAT --to-destination 192.168.0.101")
     + cmds("laptop", f"{P1} 10.0.5.100") + cmds("tailscale", "conntrack -L", "iptables-save -t nat"))
case("sr_conntrack_flush", "conntrack -F and -D", subnet_router(masq=True),
     cmds("laptop", f"{P1} 192.168.0.101") + cmds("tailscale", "conntrack -F", "conntrack -L", "conntrack -D -p icmp"))
case("ipt_user_chain", "user chains, insert, delete, replace", lan(),
     cmds("a", "iptables -N ts-input", "iptables -I INPUT 1 -j ts-input",
          "iptables -A ts-input -s 100.64.0.0/10 -i eth0 -j DROP", "iptables -A ts-input -p tcp --dport 22 -j ACCEPT",
          "iptables -A ts-input -p udp --dport 41641 -m comment --comment tailscale -j ACCEPT",
          "iptables -S", "iptables -L -n", "iptables -L ts-input -n --line-numbers", "iptables -R ts-input 2 -p tcp --dport 2222 -j ACCEPT",
          "iptables -D ts-input 1", "iptables -S ts-input", "iptables-save", "nft list ruleset"))
case("ipt_list_numeric", "iptables -L without -n", lan(),
     cmds("a", "iptables -A INPUT -s 192.168.0.0/24 -p icmp -j ACCEPT", "iptables -A OUTPUT -d 192.168.0.1 -j LOG --log-prefix x:",
          "iptables -L", "iptables -L -v", "iptables -Z", "iptables -F", "iptables -S"))
case("ipt_input_drop", "INPUT DROP on the target", lan(),
     cmds("b", "iptables -A INPUT -p icmp -j DROP") + cmds("a", f"{P1} 192.168.0.1") + cmds("b", "iptables -L INPUT -n -v"))
case("ipt_output_drop", "OUTPUT DROP on the sender", lan(),
     cmds("a", "iptables -A OUTPUT -d 192.168.0.1 -j DROP", f"{P1} 192.168.0.1"))
case("ipt_masq_nft", "nft view of NAT rules", subnet_router(masq=True),
     cmds("tailscale", "iptables -A FORWARD -m state --state RELATED,ESTABLISHED -j ACCEPT", "nft list ruleset"))
# --- malformed commands
case("bad_ip", "malformed ip commands", lan(), cmds("a",
     "ip addr add 192.168.0.300/24 dev eth0", "ip addr add 192.168.0.2/24 dev eth0", "ip addr add 10.1.1.1/24 dev eth9",
     "ip route add 10.9.0.0/24 via 172.16.99.1", "ip route add 10.0.0.1/24 dev eth0", "ip route add 192.168.0.0/24 dev eth0",
     "ip link set eth9 up", "ip foo", "ip route add", "ip addr del 10.3.3.3/24 dev eth0", "ip route del 10.99.0.0/16",
     "ip route get 300.1.1.1", "ip neigh add 192.168.0.5 lladdr zz dev eth0", "ip rule del pref 4242", "ip route show table foo",
     "ip addr show dev eth9"))
case("bad_iptables", "malformed iptables commands", lan(), cmds("a",
     "iptables -A FORWARD -j FOO", "iptables -X nonexist", "iptables -t foo -L", "iptables -P FORWARD MAYBE",
     "iptables -D INPUT 5", "iptables -A INPUT -s 10.0.0.300 -j DROP", "iptables -N x", "iptables -N x",
     "iptables -A INPUT -j x", "iptables -X x", "iptables -Q", "iptables -A INPUT -p foo -j DROP",
     "iptables -D INPUT -s 1.2.3.4 -j DROP"))
case("bad_misc", "malformed sysctl/ping/shell/etc.", lan(), cmds("a",
     "sysctl net.ipv4.nope", "sysctl -w net.ipv4.ip_forward", "sysctl -w net.ipv4.ip_forward=abc", "ping", "ping 300.1.1.1",
     "ping -c 0 192.168.0.1", "ping -W -1 192.168.0.1", "foo", "cat /nonexistent", "traceroute", "conntrack -D",
     "tcpdump -i eth9", "echo 1 > /proc/sys/net/ipv4/nope", "cat /proc/sys/net/ipv4/conf"))
# --- shell forms
case("shell_forms", "what learners paste", lan(), cmds("a",
     "sudo ip route", "ip route | grep eth0", "ip addr | head -3", "ip -4 addr | wc -l", "ip route; ip rule",
     "false && echo no", "ip link set eth9 up || echo failed", "# just a comment", "ip route # trailing comment",
     "sysctl --write net.ipv4.ip_forward=1", "sysctl -w net.ipv4.ip_forward=0 && cat /proc/sys/net/ipv4/ip_forward",
     "echo hi > /tmp/simnet-x; cat /tmp/simnet-x", "ip -4 -br a | grep -v lo", "sudo sysctl -a | grep '^net.ipv4.ip_forward ='"))
case("sysctl_forms", "sysctl read/write forms", lan(), cmds("a",
     "sysctl net.ipv4.ip_forward", "sysctl -n net.ipv4.ip_forward", "sysctl -w net.ipv4.ip_forward=1",
     "sysctl -q -w net.ipv4.ip_forward=0", "sysctl net/ipv4/ip_forward", "sysctl net.ipv4.conf.eth0.rp_filter",
     "sysctl -N net.ipv4.ip_forward", "sysctl net.ipv4.conf.all.forwarding net.ipv4.conf.default.forwarding"))
# --- tcpdump during a ping
case("tcpdump_lan", "tcpdump while pinging", lan(),
     [{"node": "b", "cmd": "tcpdump -i eth0 -n -c 4", "bg": "t1"}] + cmds("a", f"{P1} 192.168.0.1") + [{"collect": "t1"}])
case("tcpdump_icmp_e", "tcpdump -e with an icmp filter", lan(),
     [{"node": "b", "cmd": "tcpdump -i eth0 -n -e -c 2 icmp", "bg": "t1"}] + cmds("a", f"{P1} 192.168.0.1") + [{"collect": "t1"}])
case("tcpdump_router", "tcpdump on the router's outside", subnet_router(masq=True),
     [{"node": "tailscale", "cmd": "tcpdump -i eth1 -n -c 2 icmp", "bg": "t1"}] + cmds("laptop", f"{P1} 192.168.0.101")
     + [{"collect": "t1"}])


def write_cases(cases: dict[str, tuple[str, dict, list[dict]]], what: str = "", stale: str | None = None) -> None:
    """Write every case as cases/<name>.yaml; ``stale`` (a glob such as "nf_*.yaml") names the
    files of the calling module that are removed first, so deleted cases disappear. Every
    case module uses this, so none of them can overwrite or delete another's files."""
    HERE.mkdir(exist_ok=True)
    if stale:
        for old in HERE.glob(stale):
            old.unlink()
    for name, (desc, lab, commands) in cases.items():
        data = {"name": name, "description": desc, "lab": {"name": name, **lab}, "commands": commands}
        (HERE / f"{name}.yaml").write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    print(f"{len(cases)} {what + ' ' if what else ''}cases written to {HERE}")


def main() -> None:
    write_cases(CASES)     # the original batches (their names have many prefixes: nothing is removed)




# --- second batch: variations of the same kinds
def batch2() -> None:
    case("v_ip_addr_flush", "flush addresses and routes", lan(),
         cmds("a", "ip addr add 192.168.0.7/24 dev eth0", "ip addr flush dev eth0", "ip addr show eth0", "ip route",
              "ip route show table local"))
    case("v_neigh_static", "static neighbour entries", lan(),
         cmds("a", "ip neigh add 192.168.0.50 lladdr 02:00:00:00:00:50 dev eth0", "ip neigh", "ip neigh del 192.168.0.50 dev eth0",
              "ip neigh", f"{P1} 192.168.0.1", "ip neigh flush dev eth0", "ip neigh"))
    case("v_ping_dead_three", "three pings to a missing host", lan(), cmds("a", "ping -c 3 -i 0.5 -W 4 192.168.0.77"))
    case("v_ping_deadline", "ping -w deadline", routed(forward=False), cmds("a", "ping -w 2 -i 0.5 10.0.2.2"))
    case("v_ping_quiet_fail", "quiet ping through a dropping router", routed(), cmds("r", "iptables -A FORWARD -j DROP")
         + cmds("a", "ping -q -c 2 -i 0.3 -W 1 10.0.2.2"))
    case("v_route_get_variants", "ip route get with from, iif and mark", routed(),
         cmds("r", "ip route get 10.0.2.2 from 10.0.1.2 iif eth0", "ip route get 10.0.1.2 from 10.0.2.2 iif eth1",
              "ip route get 10.0.2.2 mark 0x80000", "ip route get 10.0.2.1", "ip route get 10.0.1.255"))
    case("v_route_get_fwd_off", "ip route get iif on a non-router", routed(forward=False),
         cmds("r", "ip route get 10.0.2.2 from 10.0.1.2 iif eth0"))
    case("v_routes_proto", "routes with proto and scope", lan(),
         cmds("a", "ip route add 10.1.0.0/16 via 192.168.0.1 proto static metric 100", "ip route add 10.2.0.0/16 dev eth0 scope link",
              "ip route add 10.3.0.0/16 dev eth0 src 192.168.0.2", "ip route", "ip route show proto static",
              "ip route show dev eth0", "ip route flush proto static", "ip route"))
    case("v_table_exit_node", "exit node style default in table 52", routed(),
         cmds("a", "ip route add default via 10.0.1.1 table 52", "ip rule add pref 5270 table 52",
              "ip route show table 52", "ip route get 203.0.113.44", "ip route get 10.0.1.1", "ip rule del pref 5270", "ip rule"))
    case("v_traceroute_icmp_tcp", "traceroute -I and -T", chain(),
         cmds("a", "traceroute -n -q 1 -w 1 -I 10.0.2.2", "traceroute -n -q 2 -w 1 -T 10.0.2.2"))
    case("v_traceroute_names", "traceroute without -n", routed(), cmds("a", "traceroute -q 1 -w 1 10.0.2.2"))
    case("v_masq_udp_conntrack", "udp probes through MASQUERADE", subnet_router(masq=True),
         cmds("laptop", "traceroute -n -q 1 -w 1 192.168.0.101") + cmds("tailscale", "conntrack -L -p udp", "conntrack -L -p icmp"))
    case("v_nat_list_names", "iptables -t nat -L without -n", subnet_router(masq=True),
         cmds("tailscale", "iptables -t nat -L", "iptables -t nat -L POSTROUTING -v", "iptables -t nat -S POSTROUTING"))
    case("v_ipt_negation", "negated matches", lan(),
         cmds("a", "iptables -A INPUT ! -s 192.168.0.0/24 -j DROP", "iptables -A INPUT ! -i eth0 -p udp ! --dport 53 -j DROP",
              "iptables -S", "iptables -L -n", "iptables -L -v -n", "iptables-save", "nft list ruleset"))
    case("v_ipt_insert_positions", "insert at positions and delete by spec", lan(),
         cmds("a", "iptables -A INPUT -p icmp -j ACCEPT", "iptables -I INPUT -s 10.0.0.0/8 -j DROP", "iptables -I INPUT 2 -p tcp --dport 443 -j ACCEPT",
              "iptables -L INPUT -n --line-numbers", "iptables -D INPUT -p icmp -j ACCEPT", "iptables -S INPUT", "iptables -I INPUT 9 -j DROP"))
    case("v_ipt_state_and_log", "state match and LOG", subnet_router(masq=True),
         cmds("tailscale", "iptables -A FORWARD -m state --state NEW -j LOG --log-prefix \"FWD: \"",
              "iptables -A FORWARD -m state --state ESTABLISHED,RELATED -j ACCEPT", "iptables -S FORWARD", "iptables -L FORWARD -n")
         + cmds("laptop", f"{P1} 192.168.0.101") + cmds("tailscale", "iptables -L FORWARD -n -v"))
    case("v_input_reject_tcp", "REJECT on INPUT seen by ping", lan(),
         cmds("b", "iptables -A INPUT -p icmp -j REJECT --reject-with icmp-net-prohibited") + cmds("a", f"{P1} 192.168.0.1"))
    case("v_forward_accept_counts", "counters after forwarding", routed(),
         cmds("r", "iptables -A FORWARD -i eth0 -j ACCEPT", "iptables -A FORWARD -o eth0 -j ACCEPT")
         + cmds("a", "ping -c 3 -i 0.2 -W 1 10.0.2.2") + cmds("r", "iptables -L FORWARD -v -n", "iptables -L FORWARD -v -x -n"))
    case("v_sysctl_conf_iface", "per-interface forwarding and rp_filter keys", routed(forward=False),
         cmds("r", "sysctl -w net.ipv4.conf.eth0.forwarding=1", "sysctl net.ipv4.ip_forward", "sysctl net.ipv4.conf.all.forwarding",
              "sysctl -w net.ipv4.conf.all.rp_filter=2", "sysctl net.ipv4.conf.eth1.rp_filter")
         + cmds("a", f"{P1} 10.0.2.2"))
    case("v_shell_more", "more shell forms", lan(),
         cmds("a", "ip -br a | grep UP | wc -l", "ping -c 1 -W 1 192.168.0.1 | tail -1", "ip route | head -n 1",
              "sysctl net.ipv4.ip_forward | grep -c 0", "ip link show | grep -E 'eth0|lo' | wc -l",
              "echo 1 > /proc/sys/net/ipv4/ip_forward && sysctl net.ipv4.ip_forward", "ip neigh | grep -q REACH || echo leer"))
    case("v_bad_more", "more malformed commands", lan(),
         cmds("a", "ip route add default via 192.168.0.1 dev eth0 metric abc", "ip addr add 10.0.0.1/33 dev eth0",
              "ip route add 10.5.0.0/16 via 192.168.0.1 dev lo", "ip rule add pref 100 table foo", "ip link set eth0 mtu 10",
              "ping -c 1 -t 300 192.168.0.1", "ping -s -5 192.168.0.1", "sysctl -p /nonexistent",
              "iptables -A INPUT -m conntrack --ctstate FOO -j DROP", "iptables -t nat -A INPUT -j MASQUERADE",
              "iptables -A INPUT -j MASQUERADE", "iptables -I INPUT 5 -j DROP", "conntrack -L -p foo", "traceroute 300.1.1.1"))
    case("v_arp_router_side", "ARP failure seen through a router", routed(),
         cmds("a", "ping -c 2 -i 0.5 -W 5 10.0.2.99") + cmds("r", "ip neigh show dev eth1"))


batch2()


def batch3() -> None:
    case("w_link_stats", "interface counters after traffic", lan(),
         # RX on eth0 also counts the peer's IGMP report in a netns (simnet has no IGMP), so TX only
         cmds("a", "ping -c 2 -i 0.2 192.168.0.1", "ip -s link show eth0 | grep -A1 TX", "ip -s -s link show lo"))
    case("w_addr_forms", "address forms: brd, label, -o, scope", lan(),
         cmds("a", "ip addr add 10.7.0.1/16 brd + dev eth0", "ip addr add 10.8.0.1/24 dev eth0 label eth0:1",
              "ip -o addr", "ip -o -4 addr show dev eth0", "ip addr show dev eth0", "ip route show table local",
              "ip -4 a show scope host"))
    case("w_double_nat", "two MASQUERADE routers in a row (CGNAT-like)", {"nodes": {
        "pc": {"interfaces": {"eth0": "lan"}, "startup": ["ip addr add 192.168.1.10/24 dev eth0", "ip route add default via 192.168.1.1"]},
        "home": {"interfaces": {"eth0": "lan", "eth1": "cgn"}, "startup": [
            "ip addr add 192.168.1.1/24 dev eth0", "ip addr add 100.64.5.2/24 dev eth1", "ip route add default via 100.64.5.1",
            "sysctl -w net.ipv4.ip_forward=1", "iptables -t nat -A POSTROUTING -o eth1 -j MASQUERADE"]},
        "isp": {"interfaces": {"eth0": "cgn", "eth1": "wan"}, "startup": [
            "ip addr add 100.64.5.1/24 dev eth0", "ip addr add 198.51.100.2/24 dev eth1",
            "sysctl -w net.ipv4.ip_forward=1", "iptables -t nat -A POSTROUTING -o eth1 -j MASQUERADE"]},
        "vps": {"interfaces": {"eth0": "wan"}, "startup": ["ip addr add 198.51.100.10/24 dev eth0"]}}},
        cmds("pc", "ping -c 1 -W 1 198.51.100.10", "traceroute -n -q 1 -w 1 198.51.100.10")
        + cmds("home", "conntrack -L -p icmp") + cmds("isp", "conntrack -L -p icmp"))
    case("w_exit_masq", "exit node: forward everything with MASQUERADE", routed(),
         cmds("r", "iptables -t nat -A POSTROUTING -s 10.0.1.0/24 -o eth1 -j MASQUERADE", "iptables -t nat -L -n --line-numbers")
         + cmds("b", "ip route del default") + cmds("a", f"{P1} 10.0.2.2", "ping -c 1 -W 1 -t 1 10.0.2.2"))
    case("w_route_onlink_and_del", "onlink gateway, change, del errors", lan(),
         cmds("a", "ip route add 10.20.0.0/16 via 10.99.0.1 dev eth0 onlink", "ip route", "ip route change 10.20.0.0/16 via 192.168.0.1",
              "ip route", "ip route del 10.20.0.0/16 via 192.168.0.9", "ip route del 10.20.0.0/16", "ip route del 10.20.0.0/16",
              "ip route change 10.30.0.0/16 via 192.168.0.1"))
    case("w_neigh_after_forward", "neighbour tables on a router", routed(),
         cmds("a", f"{P1} 10.0.2.2") + cmds("r", "ip neigh", "ip -4 neigh show dev eth1") + cmds("b", "ip neigh"))
    case("w_ipt_flush_zero_chain", "flush/zero single chains and rename", lan(),
         cmds("a", "iptables -N LOGDROP", "iptables -A LOGDROP -j LOG --log-prefix DROP:", "iptables -A LOGDROP -j DROP",
              "iptables -A INPUT -p tcp --dport 23 -j LOGDROP", "iptables -E LOGDROP LD", "iptables -S", "iptables -F LD",
              "iptables -X LD", "iptables -D INPUT 1", "iptables -X LD", "iptables -L -n"))
    case("w_ipt_output_reject", "REJECT in OUTPUT", lan(),
         cmds("a", "iptables -A OUTPUT -p icmp -j REJECT", f"{P1} 192.168.0.1", "iptables -L OUTPUT -v -n"))
    case("w_sysctl_load", "sysctl -p with a file", lan(),
         cmds("a", "echo 'net.ipv4.ip_forward = 1' > /etc/sysctl.d/99-forward.conf",
              "sysctl -p /etc/sysctl.d/99-forward.conf", "sysctl net.ipv4.ip_forward"))
    case("w_ping_broadcast", "ping to a broadcast address", lan(),
         cmds("a", "ping -c 1 -W 1 192.168.0.255", "ping -b -c 1 -W 1 192.168.0.255"))
    case("w_traceroute_unreach_host", "traceroute to a host nobody has", routed(),
         cmds("a", "traceroute -n -q 1 -w 1 -m 4 10.0.2.99"))
    case("w_rule_fwmark_unreachable", "policy rules: unreachable and blackhole actions", routed(),
         cmds("a", "ip rule add pref 100 to 10.0.2.0/24 unreachable", "ip rule", "ip route get 10.0.2.2", f"{P1} 10.0.2.2",
              "ip rule del pref 100", "ip rule add pref 200 from 10.0.1.2 lookup 7", "ip route add 10.0.2.0/24 via 10.0.1.1 table 7",
              "ip route get 10.0.2.2 from 10.0.1.2", "ip rule"))


batch3()


def batch4() -> None:
    case("x_iptables_long_forms", "long options and --flag=value forms", subnet_router(),
         cmds("tailscale", "iptables --table=nat --append POSTROUTING --out-interface eth1 --jump MASQUERADE",
              "iptables --append FORWARD --in-interface eth0 --protocol icmp --jump ACCEPT",
              "iptables --list-rules", "iptables --table nat --list-rules", "sysctl --write=net.ipv4.ip_forward=1")
         + cmds("laptop", f"{P1} 192.168.0.101") + cmds("tailscale", "iptables --list FORWARD --numeric --verbose"))
    case("x_conntrack_states", "conntrack filters after a MASQUERADEd ping", subnet_router(masq=True),
         cmds("laptop", f"{P1} 192.168.0.101") + cmds("tailscale", "conntrack -L -s 10.0.5.23", "conntrack -L -d 192.168.0.101",
                                                        "conntrack -L --src-nat", "conntrack -L -p tcp", "conntrack -C"))
    case("x_route_metric_default", "two default routes with metrics", routed(),
         cmds("a", "ip addr add 10.0.9.2/24 dev eth0", "ip route add default via 10.0.9.1 metric 200",
              "ip route", "ip route get 203.0.113.88", "ip route del default via 10.0.1.1", "ip route get 203.0.113.88",
              f"{P1} 10.0.2.2"))
    case("x_forward_only_one_way", "FORWARD allows only one direction", subnet_router(back=True),
         cmds("tailscale", "iptables -P FORWARD DROP", "iptables -A FORWARD -i eth0 -o eth1 -j ACCEPT")
         + cmds("laptop", f"{P1} 192.168.0.101") + cmds("tailscale", "iptables -L FORWARD -v -n"))
    case("x_input_policy_drop", "INPUT policy DROP on the target", lan(),
         cmds("b", "iptables -P INPUT DROP", "iptables -A INPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT",
              "iptables -S") + cmds("a", f"{P1} 192.168.0.1") + cmds("b", "iptables -A INPUT -p icmp -j ACCEPT")
         + cmds("a", f"{P1} 192.168.0.1"))
    case("x_neigh_states_static", "ping to a static neighbour entry with wrong MAC", lan(),
         cmds("a", "ip neigh add 192.168.0.1 lladdr 02:00:00:00:00:99 dev eth0", f"{P1} 192.168.0.1", "ip neigh",
              "ip neigh replace 192.168.0.1 lladdr 02:00:00:00:00:98 dev eth0 nud reachable", "ip neigh"))
    case("x_ttl_from_router_two", "time exceeded from the second router", chain(),
         cmds("a", "ping -c 2 -i 0.2 -W 1 -t 2 10.0.2.2", "traceroute -n -q 2 -w 1 -m 2 10.0.2.2"))
    case("x_tcpdump_filter_host", "tcpdump with a host filter on the router", routed(),
         [{"node": "r", "cmd": "tcpdump -n -i eth1 -c 2 host 10.0.2.2", "bg": "t1"}] + cmds("a", f"{P1} 10.0.2.2")
         + [{"collect": "t1"}])
    case("x_shell_redirect_errors", "redirections and exit codes", lan(),
         cmds("a", "ip route > /tmp/routes.txt; cat /tmp/routes.txt", "ip foo 2>/dev/null; echo rc=$?",
              "ip link set eth9 up 2>&1 | head -1", "cat /proc/sys/net/ipv4/ip_forward /nonexistent",
              "echo 5 > /proc/sys/net/ipv4/ip_default_ttl && cat /proc/sys/net/ipv4/ip_default_ttl",
              "ping -c 1 -W 1 192.168.0.1 > /dev/null && echo erreichbar"))


batch4()


def batch5() -> None:
    case("y_mtu_and_link", "mtu changes and link listing", lan(),
         cmds("a", "ip link set dev eth0 mtu 1280", "ip link show dev eth0", "ip -br link show eth0", "ip link set eth0 mtu 70000",
              "ping -c 1 -W 1 -s 1400 192.168.0.1", "ip link set eth0 mtu 1500"))
    case("y_addr_del_forms", "address deletion forms", lan(),
         cmds("a", "ip addr add 10.4.0.1/24 dev eth0", "ip addr del 10.4.0.1 dev eth0", "ip addr add 10.4.0.1/24 dev eth0",
              "ip addr del 10.4.0.1/16 dev eth0", "ip addr del 10.4.0.1/24 dev eth0", "ip -4 -br a"))
    case("y_tailnet_like_tables", "tailscaled-style rules and table 52 by hand", routed(),
         cmds("a", "ip rule add pref 5210 fwmark 0x80000/0xff0000 table main", "ip rule add pref 5230 fwmark 0x80000/0xff0000 table default",
              "ip rule add pref 5250 fwmark 0x80000/0xff0000 unreachable", "ip rule add pref 5270 table 52",
              "ip route add throw 10.0.2.0/24 table 52", "ip route add default via 10.0.1.1 table 52",
              "ip route show table 52", "ip rule", "ip route get 10.0.2.2", "ip route get 10.0.2.2 mark 0x80000",
              "ip route get 203.0.113.88 mark 0x80000"))
    case("y_iptables_ts_chains", "ts-forward style chains", subnet_router(),
         cmds("tailscale", "iptables -N ts-forward", "iptables -A FORWARD -j ts-forward",
              "iptables -A ts-forward -i eth0 -j MARK --set-xmark 0x40000/0xff0000",
              "iptables -A ts-forward -m mark --mark 0x40000/0xff0000 -j ACCEPT",
              "iptables -A ts-forward -s 100.64.0.0/10 -o eth0 -j DROP", "iptables -A ts-forward -o eth0 -j ACCEPT",
              "iptables -t nat -N ts-postrouting", "iptables -t nat -A POSTROUTING -j ts-postrouting",
              "iptables -t nat -A ts-postrouting -m mark --mark 0x40000/0xff0000 -j MASQUERADE",
              "sysctl -w net.ipv4.ip_forward=1", "iptables -S", "iptables -t nat -S", "iptables -L ts-forward -n -v")
         + cmds("laptop", f"{P1} 192.168.0.101") + cmds("tailscale", "iptables -L ts-forward -n -v", "conntrack -L"))
    case("y_ping_interval_count", "ping counts, intervals and summary with loss", routed(),
         cmds("r", "iptables -A FORWARD -p icmp -m conntrack --ctstate NEW -m comment --comment 'nur 1' -j ACCEPT")
         + cmds("a", "ping -c 3 -i 0.3 -W 1 10.0.2.2", "ping -c 4 -i 0.2 -w 1 10.0.2.2"))
    case("y_echo_ignore", "echo requests ignored on the target", lan(),
         cmds("b", "sysctl -w net.ipv4.icmp_echo_ignore_all=1") + cmds("a", f"{P1} 192.168.0.1", "ip neigh"))
    case("y_unknown_commands", "commands the box does not have", lan(),
         # (net-tools' ifconfig/route/netstat are not on a fresh Debian 12; the recording machine has them)
         cmds("a", "nmap 192.168.0.1", "/usr/sbin/ip -br a", "sudo foo", "ip"))


batch5()


def batch6() -> None:
    exit_lab = {"nodes": {
        "laptop": {"interfaces": {"eth0": "tun"}, "startup": ["ip addr add 100.64.0.2/10 dev eth0",
                                                               "ip route add default via 100.64.0.1"]},
        "exit": {"interfaces": {"eth0": "tun", "eth1": "lan"}, "startup": [
            "ip addr add 100.64.0.1/10 dev eth0", "ip addr add 192.168.0.150/24 dev eth1",
            "ip route add default via 192.168.0.1", "sysctl -w net.ipv4.ip_forward=1"]},
        "router": {"interfaces": {"eth0": "lan", "eth1": "wan"}, "startup": [
            "ip addr add 192.168.0.1/24 dev eth0", "ip addr add 198.51.100.57/24 dev eth1",
            "sysctl -w net.ipv4.ip_forward=1", "iptables -t nat -A POSTROUTING -o eth1 -j MASQUERADE"]},
        "web": {"interfaces": {"eth0": "wan"}, "startup": ["ip addr add 198.51.100.80/24 dev eth0"]}}}
    case("z_exit_no_masq", "exit node without its own MASQUERADE: router has no route back to 100.64/10", exit_lab,
         cmds("laptop", f"{P1} 198.51.100.80", "traceroute -n -q 1 -w 1 -m 4 198.51.100.80"))
    case("z_exit_masq", "exit node with MASQUERADE towards the LAN", exit_lab,
         cmds("exit", "iptables -t nat -A POSTROUTING -s 100.64.0.0/10 -o eth1 -j MASQUERADE")
         + cmds("laptop", f"{P1} 198.51.100.80", "traceroute -n -q 1 -w 1 -m 4 198.51.100.80")
         + cmds("exit", "conntrack -L") + cmds("router", "conntrack -L"))
    case("z_exit_router_backroute", "home router with a back-route to the tailnet", exit_lab,
         cmds("router", "ip route add 100.64.0.0/10 via 192.168.0.150") + cmds("laptop", f"{P1} 198.51.100.80")
         + cmds("router", "conntrack -L -p icmp"))
    case("z_lpm_three_routes", "three overlapping routes", routed(),
         cmds("a", "ip route add 10.0.0.0/8 via 10.0.1.1", "ip route add 10.0.2.0/24 via 10.0.1.1 metric 5",
              "ip route add 10.0.2.2/32 via 10.0.1.1", "ip route", "ip route get 10.0.2.2", "ip route get 10.0.2.3",
              "ip route get 10.1.1.1", "ip route del 10.0.2.2/32", "ip route get 10.0.2.2"))
    case("z_ttl_loop", "routing loop between two routers", {"nodes": {
        "a": {"interfaces": {"eth0": "s1"}, "startup": ["ip addr add 10.0.1.2/24 dev eth0", "ip route add default via 10.0.1.1"]},
        "r1": {"interfaces": {"eth0": "s1", "eth1": "s2"}, "startup": [
            "ip addr add 10.0.1.1/24 dev eth0", "ip addr add 10.0.12.1/24 dev eth1", "sysctl -w net.ipv4.ip_forward=1",
            "ip route add default via 10.0.12.2"]},
        "r2": {"interfaces": {"eth0": "s2"}, "startup": [
            "ip addr add 10.0.12.2/24 dev eth0", "sysctl -w net.ipv4.ip_forward=1", "ip route add default via 10.0.12.1",
            "ip route add 10.0.1.0/24 via 10.0.12.1"]}}},
        cmds("a", "ping -c 1 -W 1 172.16.5.5", "traceroute -n -q 1 -w 1 -m 5 172.16.5.5"))
    case("z_bad_more", "more malformed commands", routed(), cmds("a",
         "ip route add 10.50.0.0/16", "ip route add 10.50.0.0/16 via", "ip addr add dev eth0", "ip rule add table",
         "ip neigh add 10.0.1.9 dev eth0", "ip link set eth0 foo", "iptables -A", "iptables -A INPUT -j",
         "iptables -t nat -A POSTROUTING -j SNAT", "iptables -A INPUT -p tcp --dport 99999 -j DROP",
         "iptables -L NOPE", "iptables -F NOPE", "sysctl -w", "ping -c", "ping -t 0 10.0.1.1", "ping 10.0.1.1 10.0.1.2",
         "conntrack -L -x", "tcpdump -c", "traceroute -m 0 10.0.1.1", "traceroute -q 11 10.0.1.1"))


batch6()


# --- seventh batch: neighbour filters, unsolicited UDP at a MASQUERADE router
def batch7() -> None:
    case("w_neigh_filter", "ip neigh show with an address or prefix", routed(),
         cmds("a", f"{P1} 10.0.2.2") + cmds("r", "ip neigh show 10.0.2.2", "ip neigh show to 10.0.1.0/24",
                                             "ip neigh show 10.0.0.0/8 dev eth1", "ip neigh show foo",
                                             "ip neigh show 10.9.9.9"))
    masq = routed()
    masq["nodes"]["r"]["startup"].append("iptables -t nat -A POSTROUTING -o eth1 -j MASQUERADE")
    case("w_masq_unsolicited_udp", "UDP to a MASQUERADE router's outside address without a mapping", masq,
         cmds("b", "traceroute -n -q 1 -w 1 -m 2 10.0.2.1") + cmds("r", "conntrack -L -p udp"))


batch7()


if __name__ == "__main__":
    main()
