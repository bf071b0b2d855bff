"""Differential cases for the seed's home LAN as dual stack (prefix ``ds_``), recorded with IPv6 left on:
``python3 -m tests.kernel.make_cases_dual``.

The home router of the labs headscale and heimnetz (same node and interface names, so the same MACs
and EUI-64 addresses): radvd advertises 2001:db8:1::/64 on ``lan``, IPv6 is forwarded without NAT
behind an ip6tables FORWARD policy, the hosts take their addresses by SLAAC. What a learner sees
on the LAN: the neighbour tables of hosts and router after the advertisements, ``ping -6`` between
two LAN hosts and to the router, the policy dropping IPv6 from outside. radvd runs from /tmp.

Writes only tests/kernel/cases/ds_*.yaml.
"""
from __future__ import annotations

import copy

from tests.kernel.make_cases import cmds, write_cases
from tests.kernel.make_cases_ipv6 import SETTLE

CASES: dict[str, tuple[str, dict, list[dict]]] = {}
DEBIAN6 = "2001:db8:1:0:14:6eff:fed8:d12c"       # EUI-64 of debian's eth0
PROXMOX6 = "2001:db8:1:0:96:abff:fe89:1267"      # EUI-64 of proxmox's eth0


def case(name: str, desc: str, lab: dict, commands: list[dict]) -> None:
    assert name.startswith("ds_"), name
    CASES[name] = (desc, copy.deepcopy(lab), commands)


def home(conf: str) -> dict:
    """The seed's home LAN with the router's IPv6 start-up lines (radvd's file under /tmp)."""
    host = ["ip route add default via 192.168.0.1"]
    return {"ipv6": True, "nodes": {
        "vps": {"interfaces": {"eth0": "isp-home"}, "startup": [
            "ip addr add 198.51.100.1/25 dev eth0", "ip addr add 2001:db8:ff01::1/64 dev eth0",
            "ip -6 route add 2001:db8:1::/64 via 2001:db8:ff01::57"]},
        "router": {"interfaces": {"lan": "heimnetz", "wan": "isp-home"}, "startup": [
            "ip addr add 192.168.0.1/24 dev lan", "ip addr add 198.51.100.57/25 dev wan",
            "ip route add default via 198.51.100.1", "sysctl -w net.ipv4.ip_forward=1",
            "iptables -t nat -A POSTROUTING -o wan -j MASQUERADE",
            "ip addr add 2001:db8:1::1/64 dev lan", "ip addr add 2001:db8:ff01::57/64 dev wan",
            "ip -6 route add default via 2001:db8:ff01::1", "sysctl -w net.ipv6.conf.all.forwarding=1",
            "ip6tables -A FORWARD -m state --state ESTABLISHED,RELATED -j ACCEPT",
            "ip6tables -A FORWARD -p ipv6-icmp -m state --state NEW -i lan -j ACCEPT",
            "ip6tables -A FORWARD -i lan -o wan -j ACCEPT", "ip6tables -P FORWARD DROP",
            f"printf 'interface lan {{\\n\\tAdvSendAdvert on;\\n\\tprefix 2001:db8:1::/64 {{\\n\\t}};\\n}};\\n' > {conf}"]},
        "debian": {"interfaces": {"eth0": "heimnetz"}, "startup": ["ip addr add 192.168.0.158/24 dev eth0", *host]},
        "proxmox": {"interfaces": {"eth0": "heimnetz"}, "startup": ["ip addr add 192.168.0.101/24 dev eth0", *host]}}}


def build() -> None:
    conf, pid = "/tmp/radvd-ds_home.conf", "/tmp/radvd-ds_home.pid"
    case("ds_home", "the seed's home LAN dual stack: SLAAC, neighbour tables, ping -6 on the LAN, the policy from outside",
         home(conf), cmds("router", SETTLE, f"radvd -C {conf} -p {pid}") + cmds("debian", "sleep 3")
         + cmds("debian", "ip addr show dev eth0", "ip -6 route", "ip neigh")
         + cmds("router", "ip neigh", "ip -6 neigh")
         + cmds("debian", f"ping -6 -c 1 -W 1 {PROXMOX6}", "ping -6 -c 1 -W 1 2001:db8:1::1",
                "ping -c 1 -W 1 192.168.0.101", "ip neigh", "ip -6 neigh show dev eth0")
         + cmds("proxmox", "ip neigh")
         + cmds("vps", f"ping -c 1 -W 1 {DEBIAN6}", "ping -c 1 -W 1 2001:db8:1::1")
         + cmds("router", "ip6tables -L FORWARD -n -v", "ip neigh")
         + cmds("router", f"kill $(cat {pid})"))
    # what a reboot does to the LAN, as far as namespaces can show it: the router's radvd stops (its
    # last advertisement has router lifetime 0) and starts again; a host's link goes down and up
    # (a new interface at boot: addresses gone, DAD, solicitation, SLAAC again)
    conf, pid = "/tmp/radvd-ds_restart.conf", "/tmp/radvd-ds_restart.pid"
    case("ds_restart", "radvd stops and starts again, a LAN host's link goes down and up: the default route and the "
         "SLAAC address come back", home(conf),
         cmds("router", SETTLE, f"radvd -C {conf} -p {pid}") + cmds("debian", "sleep 3")
         + cmds("router", f"kill $(cat {pid})") + cmds("debian", "sleep 1", "ip -6 route", "ip neigh")
         + cmds("router", f"radvd -C {conf} -p {pid}") + cmds("debian", "sleep 1", "ip -6 route")
         + cmds("debian", "ip link set eth0 down", "ip -6 addr show dev eth0", "ip -6 route", "ip link set eth0 up",
                "ip -6 addr show dev eth0", "sleep 5", "ip -6 addr show dev eth0", "ip -6 route",
                "ping -6 -c 1 -W 1 2001:db8:1::1")
         + cmds("router", f"kill $(cat {pid})"))


def main() -> None:
    build()
    write_cases(CASES, "home LAN dual stack", stale="ds_*.yaml")


if __name__ == "__main__":
    main()
