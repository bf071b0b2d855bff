"""Differential cases behind the LAN lessons (issue 18), prefix ``ls_``:
``python3 -m tests.kernel.make_cases_lessons``. Writes only tests/kernel/cases/ls_*.yaml.

- ``ls_ctstate_dnat``: the three-legged firewall of the DMZ lesson lets in from outside only
  what its port forwarding rewrote (``-m conntrack --ctstate DNAT``); a LAN client reaches the
  forwarded port through the public address once the DNAT rule matches ``-d`` instead of ``-i``.
- ``ls_hairpin``: a LAN client reaches a LAN server through the router's public address only
  with an extra MASQUERADE on the LAN side (otherwise the SYN-ACK comes from the wrong address
  and the client resets it).
- ``ls_fdb_dynamic``: ``bridge fdb show … dynamic`` leaves out the permanent entries, keeps static ones.
- ``ls_etc_services``: the lines of /etc/services the TCP/UDP lesson greps.
"""
from __future__ import annotations

import copy

from tests.kernel.make_cases import cmds, write_cases
from tests.kernel.make_cases_lan import bg, bridged, collect

CASES: dict[str, tuple[str, dict, list[dict]]] = {}


def case(name: str, desc: str, lab: dict, commands: list[dict]) -> None:
    assert name.startswith("ls_"), name
    CASES[name] = (desc, copy.deepcopy(lab), commands)


DMZ = {"nodes": {
    "inet": {"interfaces": {"eth0": "wan"}, "startup": ["ip addr add 198.51.100.1/25 dev eth0"]},
    "fw": {"interfaces": {"wan": "wan", "dmz": "dmz", "lan": "lan"}, "startup": [
        "ip addr add 198.51.100.57/25 dev wan", "ip addr add 192.168.100.1/24 dev dmz",
        "ip addr add 192.168.0.1/24 dev lan", "sysctl -w net.ipv4.ip_forward=1",
        "iptables -t nat -A PREROUTING -i wan -p tcp --dport 80 -j DNAT --to-destination 192.168.100.10:80",
        "iptables -t nat -A POSTROUTING -o wan -j MASQUERADE",
        "iptables -P FORWARD DROP",
        "iptables -A FORWARD -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT",
        "iptables -A FORWARD -i lan -o wan -j ACCEPT",
        "iptables -A FORWARD -i lan -o dmz -j ACCEPT",
        "iptables -A FORWARD -i dmz -o wan -j ACCEPT",
        "iptables -A FORWARD -i wan -o dmz -m conntrack --ctstate DNAT -j ACCEPT"]},
    "web": {"interfaces": {"eth0": "dmz"}, "startup": ["ip addr add 192.168.100.10/24 dev eth0",
                                                       "ip route add default via 192.168.100.1"]},
    "pc": {"interfaces": {"eth0": "lan"}, "startup": ["ip addr add 192.168.0.20/24 dev eth0",
                                                      "ip route add default via 192.168.0.1"]}}}


def build() -> None:
    lab = copy.deepcopy(DMZ)
    lab["nodes"]["inet"]["startup"].append("ip route add 192.168.100.0/24 via 198.51.100.57")
    case("ls_ctstate_dnat", "--ctstate DNAT lets in only what the port forwarding rewrote; hairpin with -d", lab,
         bg("web", "nc -lk 80", "l1") + bg("web", "nc -lk 22", "l2")
         + cmds("inet", "nc -zv -w 2 198.51.100.57 80", "nc -zv -w 2 192.168.100.10 22")
         + cmds("fw", "iptables -S FORWARD", "conntrack -L -p tcp --dport 80 | grep -c DNAT; true")
         + cmds("web", "nc -zv -w 2 192.168.0.20 22")
         + cmds("pc", "nc -zv -w 2 198.51.100.57 80")
         + cmds("fw", "iptables -t nat -R PREROUTING 1 -d 198.51.100.57 -p tcp --dport 80 -j DNAT "
                      "--to-destination 192.168.100.10:80")
         + cmds("pc", "nc -zv -w 2 198.51.100.57 80")
         + collect("l1") + collect("l2"))
    hairpin = {"nodes": {
        "r": {"interfaces": {"wan": "wan", "lan": "lan"}, "startup": [
            "ip addr add 198.51.100.57/25 dev wan", "ip addr add 192.168.0.1/24 dev lan",
            "sysctl -w net.ipv4.ip_forward=1", "iptables -t nat -A POSTROUTING -o wan -j MASQUERADE",
            "iptables -t nat -A PREROUTING -d 198.51.100.57 -p tcp --dport 8006 -j DNAT --to-destination 192.168.0.101"]},
        "server": {"interfaces": {"eth0": "lan"}, "startup": ["ip addr add 192.168.0.101/24 dev eth0",
                                                              "ip route add default via 192.168.0.1"]},
        "client": {"interfaces": {"eth0": "lan"}, "startup": ["ip addr add 192.168.0.158/24 dev eth0",
                                                              "ip route add default via 192.168.0.1"]}}}
    case("ls_hairpin", "hairpin NAT: without SNAT on the LAN side the client resets the server's SYN-ACK", hairpin,
         bg("server", "nc -lk 8006", "l1") + cmds("client", "ping -c 1 -W 1 192.168.0.101 >/dev/null; echo $?")
         + bg("client", "tcpdump -n -i eth0 -c 3 tcp port 8006", "t1")
         + cmds("client", "nc -zv -w 2 198.51.100.57 8006") + collect("t1")
         + cmds("r", "iptables -t nat -A POSTROUTING -o lan -s 192.168.0.0/24 -d 192.168.0.101 -p tcp --dport 8006 "
                     "-j MASQUERADE")
         + cmds("client", "nc -zv -w 2 198.51.100.57 8006") + collect("l1"))
    case("ls_fdb_dynamic", "bridge fdb show dynamic: learned and static entries, no permanent ones", bridged(),
         cmds("a", "ping -c 1 -W 1 192.168.0.2 >/dev/null; echo $?")
         + cmds("sw", "bridge fdb add 02:00:00:00:00:09 dev eth3 master static",
                "bridge fdb show br br0 dynamic", "bridge fdb show dev eth3 dynamic",
                "bridge fdb show br br0 | grep -c permanent"))
    case("ls_etc_services", "the port names of /etc/services (netbase 6.4)", {"nodes": {
        "a": {"interfaces": {"eth0": "s1"}, "startup": ["ip addr add 192.168.0.1/24 dev eth0"]}}},
         cmds("a", "grep -w -e 22/tcp -e 53/udp -e 443/tcp /etc/services", "grep -w 8080 /etc/services",
              "grep -c . /etc/services", "head -9 /etc/services"))


def main() -> None:
    CASES.clear()
    build()
    write_cases(CASES, "ls", stale="ls_*.yaml")


if __name__ == "__main__":
    main()
