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
              "ip -d link show eth1 | grep -o 'promiscuity [0-9]*'"))
    case("l2_bridge_ageing", "learned MACs are forgotten after the ageing time", bridged(),
         cmds("sw", "ip link set br0 type bridge ageing_time 200") + cmds("a", f"{P1} 192.168.0.2")
         + cmds("sw", "bridge fdb show dev eth2", "sleep 3", "bridge fdb show dev eth2",
                "ip -d link show br0 | grep -o 'ageing_time [0-9]*'"))
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


def main() -> None:
    CASES.clear()
    build_l2()
    write_cases({k: v for k, v in CASES.items() if k.startswith("l2_")}, "l2", stale="l2_*.yaml")


if __name__ == "__main__":
    main()
