"""Differential cases for MTU, fragmentation and path-MTU discovery (prefix ``mtu_``):
``python3 -m tests.kernel.make_cases_mtu``.

Writes only tests/kernel/cases/mtu_*.yaml.
"""
from __future__ import annotations

import copy


from tests.kernel.make_cases import cmds, lan, routed, write_cases

CASES: dict[str, tuple[str, dict, list[dict]]] = {}


def case(name: str, desc: str, lab: dict, commands: list[dict]) -> None:
    assert name.startswith("mtu_"), name
    CASES[name] = (desc, copy.deepcopy(lab), commands)


def small_far_side(mtu: int = 1400) -> dict:
    lab = routed()
    lab["nodes"]["r"]["startup"].append(f"ip link set eth1 mtu {mtu}")
    lab["nodes"]["b"]["startup"].append(f"ip link set eth0 mtu {mtu}")
    return lab


def build() -> None:
    case("mtu_local_fragments", "a ping bigger than the link MTU is fragmented by the sender", lan(),
         cmds("a", "ping -c 1 -W 1 -s 1472 192.168.0.1", "ping -c 1 -W 1 -s 1473 192.168.0.1",
              "ping -c 2 -i 0.2 -W 1 -s 4000 192.168.0.1"))
    # (no ip -s link here: the bridge sends an odd frame of its own during the 200 ms pause)
    case("mtu_frag_needed", "a router refuses DF packets that do not fit the next link", small_far_side(),
         cmds("a", "ping -c 1 -W 1 -s 1372 10.0.2.2", "ping -c 1 -W 1 -s 1400 10.0.2.2"))
    case("mtu_router_fragments", "the router fragments what the sender fragmented already", small_far_side(),
         cmds("a", "ping -c 1 -W 1 -s 3000 10.0.2.2") + cmds("r", "ip -s link show eth1"))
    case("mtu_pmtu_learned", "after frag needed the sender fragments for that destination", small_far_side(),
         cmds("a", "ping -c 1 -W 1 -s 1400 10.0.2.2", "ping -c 1 -W 1 -s 1400 10.0.2.2",
              "ping -c 1 -W 1 -s 1380 10.0.1.1"))
    case("mtu_route_get_pmtu", "ip route get shows the learned path MTU in its cache line", small_far_side(),
         cmds("a", "ip route get 10.0.2.2", "ping -c 1 -W 1 -s 1400 10.0.2.2", "ip route get 10.0.2.2",
              "ip route get 10.0.2.3", "ip route get 10.0.2.2 from 10.0.1.2"))
    case("mtu_tcpdump_fragments", "tcpdump shows each fragment of a big ping", lan(),
         [{"node": "b", "cmd": "tcpdump -n -i eth0 -c 4 icmp", "bg": "t1"}]
         + cmds("a", "ping -c 1 -W 1 -s 2000 192.168.0.1") + [{"collect": "t1"}]
         + [{"node": "b", "cmd": "tcpdump -n -e -i eth0 -c 3 host 192.168.0.2", "bg": "t2"}]
         + cmds("a", "ping -c 1 -W 1 -s 3000 192.168.0.1") + [{"collect": "t2"}])
    nat = small_far_side(1300)
    nat["nodes"]["r"]["startup"].append("iptables -t nat -A POSTROUTING -o eth1 -j MASQUERADE")
    case("mtu_conntrack_defrag", "a router with conntrack reassembles and cuts again", nat,
         cmds("a", "ping -c 1 -W 1 -s 3000 10.0.2.2") + cmds("r", "conntrack -L")
         + cmds("b", "ip -s link show eth0"))
    case("mtu_big_lan", "largest ICMP payload on a LAN", lan(),
         cmds("a", "ping -c 1 -W 1 -s 65507 192.168.0.1", "ping -c 1 -W 1 -s 9000 192.168.0.1"))


def main() -> None:
    build()
    write_cases(CASES, "mtu")

if __name__ == "__main__":
    main()
