"""Differential cases for DHCP (prefix ``dh_``): ``python3 -m tests.kernel.make_cases_dhcp``.

dnsmasq 2.90 as server, ISC dhclient 4.4.3-P1 and ifupdown as clients, tcpdump
4.99 in between. The labs say ``private_fs: true``: the recorder gives every
node its own /etc, /var/lib, /var/log and /run and its host name, so that
dhclient-script writes the node's /etc/resolv.conf, not the host's. dnsmasq logs
to a file (``log-facility``) because a namespace has no syslog. Writes only
tests/kernel/cases/dh_*.yaml.
"""
from __future__ import annotations

import copy

from tests.kernel.make_cases import cmds, write_cases

CASES: dict[str, tuple[str, dict, list[dict]]] = {}
RESOLV = "printf 'nameserver 198.51.100.53\\n' > /etc/resolv.conf"


def case(name: str, desc: str, lab: dict, commands: list[dict]) -> None:
    assert name.startswith("dh_"), name
    CASES[name] = (desc, copy.deepcopy(lab), commands)


def conf(*lines: str) -> str:
    body = "\\n".join(lines + ("log-facility=/var/log/dnsmasq.log",))
    return f"printf '{body}\\n' > /etc/dnsmasq.conf"


def lan(server: list[str] | None, clients: tuple[str, ...] = ("pc",)) -> dict:
    nodes: dict = {"router": {"interfaces": {"eth0": "lan"},
                              "startup": ["ip addr add 192.168.0.1/24 dev eth0", *(server or [])]}}
    for c in clients:
        nodes[c] = {"interfaces": {"eth0": "lan"}, "startup": [RESOLV]}
    return {"private_fs": True, "nodes": nodes}


BASIC = [conf("interface=eth0", "port=0", "dhcp-range=192.168.0.100,192.168.0.200,255.255.255.0,2m",
              "dhcp-option=option:router,192.168.0.1", "dhcp-option=option:dns-server,192.168.0.1"), "dnsmasq"]


def build() -> None:
    case("dh_dora", "DORA with dnsmasq: the lease, the address as dynamic, route and resolv.conf; then release",
         lan(BASIC),
         [{"node": "pc", "cmd": "tcpdump -n -i eth0 -c 4 udp", "bg": "td"}]
         + cmds("pc", "dhclient -v eth0")
         + [{"collect": "td"}]
         + cmds("pc", "ip addr show eth0", "ip route", "cat /etc/resolv.conf")
         + cmds("router", "cat /var/lib/misc/dnsmasq.leases", "cat /var/log/dnsmasq.log")
         + cmds("pc", "dhclient -r -v eth0", "ip addr show eth0", "ip route", "cat /etc/resolv.conf")
         + cmds("router", "cat /var/lib/misc/dnsmasq.leases", "tail -n 1 /var/log/dnsmasq.log"))
    reserved = [conf("interface=eth0", "port=0", "domain=lan", "dhcp-range=192.168.0.100,192.168.0.200,12h",
                     "dhcp-host=%s,192.168.0.50,drucker" % "02:ee:00:00:00:01"), "dnsmasq"]
    lab = lan(reserved)
    lab["nodes"]["pc"]["startup"].insert(0, "ip link set eth0 address 02:ee:00:00:00:01")
    case("dh_reservation", "dhcp-host pins the address and the name; the domain goes into resolv.conf (tcpdump -v)",
         lab,
         [{"node": "pc", "cmd": "tcpdump -v -n -i eth0 -c 4 udp", "bg": "td"}]
         + cmds("pc", "dhclient -v eth0")
         + [{"collect": "td"}]
         + cmds("pc", "ip -br addr show eth0", "cat /etc/resolv.conf")
         + cmds("router", "cat /var/lib/misc/dnsmasq.leases", "cat /var/log/dnsmasq.log"))
    case("dh_no_server", "nobody answers: dhclient -1 gives up after a minute, no address", lan([]),
         cmds("pc", "dhclient -v -1 eth0", "ip addr show eth0", "ip route"))
    ifaces = ("printf 'auto lo\\niface lo inet loopback\\n\\nallow-hotplug eth0\\niface eth0 inet dhcp\\n' "
              "> /etc/network/interfaces")
    static = ("printf 'auto lo\\niface lo inet loopback\\n\\nallow-hotplug eth0\\niface eth0 inet static\\n"
              "\\taddress 192.168.0.77/24\\n\\tgateway 192.168.0.1\\n' > /etc/network/interfaces")
    case("dh_ifupdown", "ifup/ifdown with inet dhcp and inet static", lan(BASIC),
         cmds("pc", ifaces, "ifup eth0", "ip -br addr show eth0", "ifup eth0", "ifdown eth0", "ip -br addr show eth0",
              "ifdown eth0", "ifup nosuch", static, "ifup eth0", "ip addr show eth0", "ip route", "ifdown eth0",
              "ip addr show eth0", "ip route"))
    errors = ["printf 'interface=eth0\\nfoo=bar\\n' > /tmp/t1.conf",
              "printf 'dhcp-range=192.168.0.100,192.168.0.300,12h\\n' > /tmp/t2.conf",
              "printf 'interface\\n' > /tmp/t3.conf",
              "printf 'dhcp-option=option:routerx,1.2.3.4\\n' > /tmp/t4.conf",
              "printf 'dhcp-range=192.168.0.100,192.168.0.200,12h\\ndhcp-host=02:00:00:00:00:05,192.168.0.50,"
              "drucker\\naddress=/nas.lan/192.168.0.20\\n' > /tmp/t5.conf"]
    case("dh_conf_errors", "dnsmasq --test: its messages for broken configuration files", lan(errors),
         cmds("router", *(f"dnsmasq --test -C /tmp/t{i}.conf" for i in range(1, 6)),
              "dnsmasq --test -C /tmp/none.conf"))


if __name__ == "__main__":
    build()
    write_cases(CASES, "DHCP", stale="dh_*.yaml")
