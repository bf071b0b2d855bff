"""Differential cases for the LAN (issue 17): Linux bridges and switches (prefix ``l2_``) and
TCP/UDP services (prefix ``l4_``): ``python3 -m tests.kernel.make_cases_lan``.

Writes only tests/kernel/cases/l2_*.yaml and l4_*.yaml.

The bridge here is one a learner builds inside a node (``ip link add br0 type bridge``); the
recorder's own per-segment bridges sit in its "switch" namespace and are separate. Each host
hangs on its own segment, so whatever reaches another host went through br0.
"""
from __future__ import annotations

import copy

from tests.kernel.make_cases import cmds, write_cases

CASES: dict[str, tuple[str, dict, list[dict]]] = {}
P1 = "ping -c 1 -W 1"


def case(name: str, desc: str, lab: dict, commands: list[dict]) -> None:
    assert name.startswith(("l2_", "l4_")), name
    CASES[name] = (desc, copy.deepcopy(lab), commands)


BRIDGE_UP = ["ip link add br0 type bridge", "ip link set eth1 master br0", "ip link set eth2 master br0",
             "ip link set eth3 master br0", "ip link set br0 up"]


def bridged(startup: list[str] | None = None) -> dict:
    """Three hosts, each on its own segment to one port of a Linux bridge on ``sw``."""
    return {"nodes": {
        "a": {"interfaces": {"eth0": "s1"}, "startup": ["ip addr add 192.168.0.1/24 dev eth0"]},
        "b": {"interfaces": {"eth0": "s2"}, "startup": ["ip addr add 192.168.0.2/24 dev eth0"]},
        "c": {"interfaces": {"eth0": "s3"}, "startup": ["ip addr add 192.168.0.3/24 dev eth0"]},
        "sw": {"interfaces": {"eth1": "s1", "eth2": "s2", "eth3": "s3"},
               "startup": list(BRIDGE_UP if startup is None else startup)}}}


def tcp_pair() -> dict:
    return {"nodes": {
        "a": {"interfaces": {"eth0": "lan"}, "startup": ["ip addr add 192.168.0.2/24 dev eth0"]},
        "b": {"interfaces": {"eth0": "lan"}, "startup": ["ip addr add 192.168.0.1/24 dev eth0"]}}}


def build_l2() -> None:
    case("l2_bridge_forward", "a bridge forwards between its ports and learns where each MAC lives",
         bridged(), cmds("a", f"{P1} 192.168.0.2", f"{P1} 192.168.0.3")
         + cmds("sw", "bridge fdb show br0", "bridge link", "bridge link show dev eth2", "ip -br link show master br0",
                "ip link show master br0", "ip -br link", "ip link show br0", "ip -br addr show br0"))
    case("l2_bridge_fdb_empty", "a fresh bridge knows only its own ports", bridged(),
         cmds("sw", "bridge fdb show", "bridge fdb show dev eth1", "bridge link show",
              "ip -br link show type bridge_slave", "bridge fdb show br br0 brport eth2", "bridge fdb show br eth7"))
    case("l2_bridge_port_down", "a downed port leaves the forwarding and loses its learned MACs", bridged(),
         cmds("a", f"{P1} 192.168.0.2") + cmds("sw", "ip link set eth2 down", "bridge link", "bridge fdb show br0")
         + cmds("a", f"{P1} 192.168.0.2") + cmds("sw", "ip link set eth2 up", "bridge link show dev eth2")
         + cmds("a", f"{P1} 192.168.0.2"))
    case("l2_bridge_nomaster", "a port taken out of the bridge no longer forwards", bridged(),
         cmds("a", f"{P1} 192.168.0.3") + cmds("sw", "ip link set eth3 nomaster", "bridge link",
                                               "bridge fdb show br0", "ip -br link show master br0")
         + cmds("a", f"{P1} 192.168.0.3"))
    case("l2_bridge_down", "a bridge that is down forwards nothing", bridged(BRIDGE_UP[:-1]),
         cmds("sw", "bridge link", "ip link show br0") + cmds("a", f"{P1} 192.168.0.2"))
    case("l2_bridge_address", "the bridge itself can have an address", bridged(BRIDGE_UP + ["ip addr add 192.168.0.254/24 dev br0"]),
         cmds("a", f"{P1} 192.168.0.254") + cmds("sw", f"{P1} 192.168.0.3", "ip neigh", "ip route",
                                                   "ip -br addr"))
    case("l2_bridge_errors", "mistakes with bridges", bridged([]),
         cmds("sw", "ip link set eth1 master br0", "ip link add br0 type bridge", "ip link add br0 type bridge",
              "ip link set eth1 master eth2", "ip link set eth1 master br0", "ip link set eth1 master br0",
              "ip link set lo master br0", "bridge fdb show dev eth9", "bridge link show dev eth9",
              "ip link del br0", "bridge link", "ip -br link"))
    case("l2_bridge_tcpdump", "after learning, a third host no longer sees the unicast frames", bridged(),
         [{"node": "c", "cmd": "tcpdump -n -e -i eth0 -c 6 arp or icmp", "bg": "t1"}]
         + cmds("a", "ping -c 2 -i 0.2 -W 1 192.168.0.2") + [{"collect": "t1"}])
    case("l2_bridge_stp", "STP is off, the ports forward at once", bridged(),
         cmds("sw", "ip -d link show br0 | grep -o 'stp_state [0-9]*'",
              "ip -d link show br0 | grep -o 'ageing_time [0-9]*'", "ip -d link show br0 | grep -o 'bridge_id [^ ]*'",
              "ip -d link show eth1 | grep -o 'bridge_slave state [a-z]*'",
              "ip -d link show eth1 | grep -o 'promiscuity [0-9]*'",
              "ip -d link show eth1 | grep -o 'bridge_slave state [a-z]* priority [0-9]* cost [0-9]*'",
              "ip -d link show eth2 | grep -o 'port_id [0-9a-fx]* port_no [0-9a-fx]* designated_port [0-9]*'",
              "ip -d link show eth1 | grep -o 'learning [a-z]* flood [a-z]*'", "ip addr show eth1 | head -1",
              "ip link set eth1 nomaster", "ip addr show eth1 | head -1",
              "ip -d link show eth1 | grep -c bridge_slave"))
    case("l2_bridge_ageing", "learned MACs are forgotten after the ageing time", bridged(),
         cmds("sw", "ip link set br0 type bridge ageing_time 200") + cmds("a", f"{P1} 192.168.0.2")
         + cmds("sw", "bridge fdb show dev eth2", "sleep 3", "bridge fdb show dev eth2",
                "ip -d link show br0 | grep -o 'ageing_time [0-9]*'"))
    case("l2_bridge_stp_on", "with STP a port listens and learns for 2 x forward_delay before it forwards",
         bridged(), cmds("sw", "ip link set br0 type bridge stp_state 1", "ip link set eth2 down",
                         "ip link set eth2 up", "sleep 1", "bridge link show dev eth2")
         + cmds("a", f"{P1} 192.168.0.2") + cmds("sw", "sleep 16", "bridge link show dev eth2", "sleep 15",
                                                   "bridge link show dev eth2")
         + cmds("a", f"{P1} 192.168.0.2"))
    flood = bridged()
    flood["nodes"]["a"]["startup"].append("ip neigh add 192.168.0.9 lladdr 02:00:00:00:00:99 dev eth0")
    case("l2_bridge_unknown_unicast", "a frame for a MAC nobody has is flooded to every port", flood,
         [{"node": "c", "cmd": "tcpdump -n -e -i eth0 -c 2 icmp", "bg": "t1"}]
         + cmds("a", f"{P1} 192.168.0.9") + [{"collect": "t1"}] + cmds("sw", "bridge fdb show dev eth3"))
    case("l2_bridge_options", "bridge options and their mistakes", bridged([]),
         cmds("sw", "ip link add br0 type bridge foo", "ip link add br0 type bridge ageing_time x",
              "ip link add br0 type bridge ageing_time 100 forward_delay 0",
              "ip -d link show br0 | grep -o 'forward_delay [0-9]* hello_time [0-9]* max_age [0-9]* ageing_time [0-9]*'",
              "ip link set br0 type bridge stp_state 0", "ip link show br0 | head -1", "ip link set br0 up",
              "ip link show br0 | head -1", "bridge fdb show dev br0 | grep self", "ip link set eth1 master br0",
              "ip link show br0", "bridge fdb show dev br0"))
    sw = {"nodes": {
        "a": {"interfaces": {"eth0": "s1"}, "startup": ["ip addr add 192.168.0.1/24 dev eth0"]},
        "b": {"interfaces": {"eth0": "s2"}, "startup": ["ip addr add 192.168.0.2/24 dev eth0"]},
        "c": {"interfaces": {"eth0": "s3"}, "startup": ["ip addr add 192.168.0.3/24 dev eth0"]},
        "sw": {"kind": "switch", "interfaces": {"eth1": "s1", "eth2": "s2", "eth3": "s3"}}}}
    case("l2_switch_kind", "a switch node learns the MACs of the hosts", sw,
         cmds("a", f"{P1} 192.168.0.2") + cmds("sw", "bridge fdb show", "bridge link")
         + [{"node": "c", "cmd": "tcpdump -n -e -i eth0 -c 3 arp or icmp", "bg": "t1"}]
         + cmds("a", "ping -c 2 -i 0.2 -W 1 192.168.0.2") + [{"collect": "t1"}])
    hub = copy.deepcopy(sw)
    hub["nodes"]["sw"]["kind"] = "hub"
    case("l2_hub_kind", "a hub floods everything: the third host sees the pings", hub,
         [{"node": "c", "cmd": "tcpdump -n -e -i eth0 -c 6 arp or icmp", "bg": "t1"}]
         + cmds("a", "ping -c 2 -i 0.2 -W 1 192.168.0.2") + [{"collect": "t1"}])


def with_startup(lab: dict, node: str, *lines: str) -> dict:
    lab = copy.deepcopy(lab)
    lab["nodes"][node]["startup"] += list(lines)
    return lab


def bg(node: str, cmd: str, ident: str) -> list[dict]:
    return [{"node": node, "cmd": cmd, "bg": ident}]


def collect(ident: str) -> list[dict]:
    return [{"collect": ident}]


CT = "iptables -A INPUT -m conntrack --ctstate INVALID -j DROP"     # makes the namespace track connections


def build_l4() -> None:
    case("l4_nc_refused", "nothing listens: the kernel answers with a reset", tcp_pair(),
         cmds("a", "nc -zv 192.168.0.1 8080", "nc -zvn 192.168.0.1 8080", "nc -z 192.168.0.1 8080; echo $?",
              "nc -zv 192.168.0.1 80", "nc -zv 192.168.0.1 22"))
    case("l4_nc_open", "nc -z finds a listener; ss shows the sockets", tcp_pair(),
         bg("b", "nc -lk 8080", "l1") + cmds("a", "nc -zv 192.168.0.1 8080", "nc -zvn 192.168.0.1 8080")
         + cmds("b", "ss -tln", "ss -tn") + cmds("a", "ss -tan | grep -c TIME-WAIT") + collect("l1"))
    case("l4_nc_drop", "a DROP rule lets the connect time out", with_startup(tcp_pair(), "b",
         "iptables -A INPUT -p tcp --dport 8080 -j DROP"),
         cmds("a", "nc -zv -w 2 192.168.0.1 8080", "nc -zvn -w 1 192.168.0.1 8080; echo $?"))
    case("l4_nc_reject", "REJECT with a reset or an ICMP error ends the connect at once", with_startup(
         tcp_pair(), "b", "iptables -A INPUT -p tcp --dport 8080 -j REJECT --reject-with tcp-reset",
         "iptables -A INPUT -p tcp --dport 8081 -j REJECT",
         "iptables -A INPUT -p tcp --dport 8082 -j REJECT --reject-with icmp-host-prohibited",
         "iptables -A INPUT -p tcp --dport 8083 -j REJECT --reject-with icmp-net-unreachable"),
         cmds("a", "nc -zv 192.168.0.1 8080", "nc -zv 192.168.0.1 8081", "nc -zv 192.168.0.1 8082",
              "nc -zv 192.168.0.1 8083"))
    case("l4_tcpdump_handshake", "three-way handshake and close as tcpdump shows them", tcp_pair(),
         bg("b", "nc -lk 8080", "l1") + bg("b", "tcpdump -n -i eth0 -c 7 tcp port 8080", "t1")
         + cmds("a", "nc -zv 192.168.0.1 8080") + collect("t1") + collect("l1"))
    case("l4_tcpdump_reset", "a closed port answers the SYN with a reset", tcp_pair(),
         bg("b", "tcpdump -n -i eth0 -c 2 tcp", "t1") + cmds("a", "nc -zv 192.168.0.1 8080") + collect("t1"))
    case("l4_conntrack_states", "conntrack follows the handshake and the close", with_startup(tcp_pair(), "b", CT),
         bg("b", "nc -lk 8080", "l1") + cmds("a", "nc -zv 192.168.0.1 8080") + cmds("b", "conntrack -L")
         + collect("l1"))
    case("l4_conntrack_syn_sent", "an unanswered SYN stays SYN_SENT", with_startup(with_startup(
         tcp_pair(), "b", "iptables -A INPUT -p tcp --dport 8080 -j DROP"), "a", CT.replace("INPUT", "OUTPUT")),
         cmds("a", "nc -zv -w 1 192.168.0.1 8080", "conntrack -L"))
    case("l4_udp_closed", "UDP to a closed port: the answer is ICMP port unreachable", tcp_pair(),
         bg("a", "tcpdump -n -i eth0 -c 2 udp or icmp", "t1") + cmds("a", "nc -zvu 192.168.0.1 9999")
         + collect("t1") + cmds("a", "echo hallo | nc -u -w 1 192.168.0.1 9999; echo $?"))
    case("l4_nc_lines", "a line sent from one node to the other", tcp_pair(),
         bg("b", "nc -l 8080", "l1") + cmds("a", "echo hallo welt | nc -N 192.168.0.1 8080; echo $?")
         + collect("l1"))
    case("l4_tcpdump_data", "a line in a [P.] segment, acknowledged, then both FINs", tcp_pair(),
         bg("b", "nc -l 8080", "l1") + bg("a", "tcpdump -n -i eth0 -c 8 tcp port 8080", "t1")
         + cmds("a", "echo hallo welt | nc -N 192.168.0.1 8080") + collect("t1") + collect("l1"))
    case("l4_ss_listeners", "ss lists TCP and UDP listeners with their process", tcp_pair(),
         bg("b", "nc -lk 8080", "l1") + bg("b", "nc -luk 5353", "l2")
         + cmds("b", "ss -tln", "ss -uln", "ss -tulpn", "ss -tulnp | grep -c nc") + collect("l1") + collect("l2"))
    fwd = {"nodes": {
        "a": {"interfaces": {"eth0": "wan"}, "startup": ["ip addr add 203.0.113.20/24 dev eth0"]},
        "r": {"interfaces": {"eth0": "wan", "eth1": "lan"}, "startup": [
            "ip addr add 203.0.113.1/24 dev eth0", "ip addr add 192.168.0.1/24 dev eth1",
            "sysctl -w net.ipv4.ip_forward=1", "iptables -t nat -A POSTROUTING -o eth0 -j MASQUERADE",
            "iptables -t nat -A PREROUTING -i eth0 -p tcp --dport 8080 -j DNAT --to-destination 192.168.0.10:80"]},
        "b": {"interfaces": {"eth0": "lan"}, "startup": ["ip addr add 192.168.0.10/24 dev eth0",
                                                         "ip route add default via 192.168.0.1"]}}}
    case("l4_dnat_portforward", "port forwarding: the router's 8080 leads to the web server's 80", fwd,
         bg("b", "nc -lk 80", "l1") + bg("b", "tcpdump -n -i eth0 -c 3 tcp", "t1")
         + cmds("a", "nc -zv 203.0.113.1 8080") + collect("t1")
         + cmds("r", "conntrack -L") + cmds("a", "nc -zv 203.0.113.1 8081", "nc -zv 203.0.113.1 80")
         + collect("l1"))
    keyed = {"nodes": {
        "a": {"interfaces": {"eth0": "wan"}, "startup": ["ip addr add 203.0.113.20/24 dev eth0"]},
        "r": {"kind": "router", "interfaces": {"eth0": "wan", "eth1": "lan"},
              "forward": [{"port": 8080, "to": "192.168.0.10:80"}, {"port": 5353, "proto": "udp", "to": "192.168.0.10"}],
              "startup": ["ip addr add 203.0.113.1/24 dev eth0", "ip addr add 192.168.0.1/24 dev eth1"]},
        "b": {"interfaces": {"eth0": "lan"}, "startup": ["ip addr add 192.168.0.10/24 dev eth0",
                                                         "ip route add default via 192.168.0.1"]}}}
    case("l4_forward_key", "port forwarding and a router from the lab file's keys", keyed,
         bg("b", "nc -lk 80", "l1") + cmds("a", "nc -zv 203.0.113.1 8080", "nc -zv 203.0.113.1 8081")
         + cmds("r", "iptables -t nat -S PREROUTING", "sysctl net.ipv4.ip_forward") + collect("l1"))
    dmz = {"nodes": {
        "inet": {"interfaces": {"eth0": "wan"}, "startup": ["ip addr add 203.0.113.20/24 dev eth0"]},
        "fw": {"interfaces": {"eth0": "wan", "eth1": "dmz", "eth2": "lan"}, "startup": [
            "ip addr add 203.0.113.1/24 dev eth0", "ip addr add 172.16.0.1/24 dev eth1",
            "ip addr add 192.168.0.1/24 dev eth2", "sysctl -w net.ipv4.ip_forward=1",
            "iptables -t nat -A PREROUTING -d 203.0.113.1 -p tcp --dport 80 -j DNAT --to-destination 172.16.0.10",
            "iptables -t nat -A POSTROUTING -o eth0 -j MASQUERADE",
            "iptables -P FORWARD DROP",
            "iptables -A FORWARD -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT",
            "iptables -A FORWARD -i eth2 -j ACCEPT",
            "iptables -A FORWARD -d 172.16.0.10 -p tcp --dport 80 -j ACCEPT"]},
        "web": {"interfaces": {"eth0": "dmz"}, "startup": ["ip addr add 172.16.0.10/24 dev eth0",
                                                           "ip route add default via 172.16.0.1"]},
        "pc": {"interfaces": {"eth0": "lan"}, "startup": ["ip addr add 192.168.0.10/24 dev eth0",
                                                          "ip route add default via 192.168.0.1"]}}}
    case("l4_dmz", "three-legged firewall: the DMZ web server is reachable, the LAN stays closed", dmz,
         bg("web", "nc -lk 80", "l1") + bg("pc", "nc -lk 22", "l2")
         + cmds("inet", "nc -zv -w 1 203.0.113.1 80", "nc -zv -w 1 192.168.0.10 22", "nc -zv -w 1 172.16.0.10 22")
         + cmds("web", "nc -zv -w 1 192.168.0.10 22")
         + cmds("pc", "nc -zv -w 1 172.16.0.10 80", "nc -zv -w 1 203.0.113.1 80")
         + cmds("fw", "iptables -L FORWARD -n | head -3") + collect("l1") + collect("l2"))
    case("l4_http_server", "python3 -m http.server listens on its port", tcp_pair(),
         bg("b", "python3 -m http.server 8000", "h1") + cmds("b", "ss -tln")
         + cmds("a", "nc -zv 192.168.0.1 8000") + collect("h1"))


def main() -> None:
    CASES.clear()
    build_l2()
    build_l4()
    write_cases({k: v for k, v in CASES.items() if k.startswith("l2_")}, "l2", stale="l2_*.yaml")
    write_cases({k: v for k, v in CASES.items() if k.startswith("l4_")}, "l4", stale="l4_*.yaml")


if __name__ == "__main__":
    main()
