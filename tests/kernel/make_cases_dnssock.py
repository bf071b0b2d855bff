"""Differential cases for dnsmasq's sockets (prefix ``dq_``): ``python3 -m tests.kernel.make_cases_dnssock``.

dnsmasq 2.90 listens on UDP and TCP 53 (wildcard sockets, or one per address with
``bind-interfaces``) and on UDP 67 when DHCP is on; ss -ulnp/-tlnp list them with the
process, ``nc -zv`` connects to TCP 53 and ``dig +tcp`` asks over TCP. The recorder
turns IPv6 off in every namespace, so no [::] sockets appear.
"""
from __future__ import annotations

import copy

from tests.kernel.make_cases import cmds, write_cases
from tests.kernel.make_cases_dns import printf

CASES: dict[str, tuple[str, dict, list[dict]]] = {}


def case(name: str, desc: str, lab: dict, commands: list[dict]) -> None:
    assert name.startswith("dq_"), name
    CASES[name] = (desc, copy.deepcopy(lab), commands)


def lab(*conf: str) -> dict:
    return {"private_fs": True, "nodes": {
        "router": {"interfaces": {"eth0": "lan"}, "startup": [
            "ip addr add 192.168.0.1/24 dev eth0", printf("/etc/hosts", "127.0.0.1 localhost", "192.168.0.20 nas nas.lan"),
            printf("/etc/dnsmasq.conf", "no-resolv", "domain=lan", "local=/lan/", *conf,
                   "log-facility=/var/log/dnsmasq.log"), "dnsmasq"]},
        "pc": {"interfaces": {"eth0": "lan"}, "startup": ["ip addr add 192.168.0.10/24 dev eth0"]}}}


def build() -> None:
    ss = ("ss -ulnp", "ss -tlnp", "ss -tuln")
    case("dq_ss_dns", "dnsmasq as DNS server only: UDP and TCP 53 on the wildcard address", lab(),
         cmds("router", *ss))
    case("dq_ss_dhcp", "dnsmasq with DHCP: UDP 67 next to UDP/TCP 53", lab(
         "interface=eth0", "dhcp-range=192.168.0.100,192.168.0.150,12h"), cmds("router", *ss))
    case("dq_ss_bind", "bind-interfaces: one socket per address of the interfaces (and lo)", lab(
         "interface=eth0", "bind-interfaces", "dhcp-range=192.168.0.100,192.168.0.150,12h"), cmds("router", *ss))
    case("dq_tcp53", "TCP 53: nc -zv connects, dig +tcp gets the answer, ss shows the connection gone",
         lab("interface=eth0"),
         cmds("pc", "nc -zv 192.168.0.1 53", "dig +tcp @192.168.0.1 +short nas.lan",
              "dig +tcp @192.168.0.1 nas.lan | grep -v -e WHEN -e 'Query time' -e COOKIE",
              "dig +vc @192.168.0.1 +short nix.lan; echo $?", "ss -tan | grep -c TIME-WAIT")
         + cmds("router", "ss -tan"))


def main() -> None:
    build()
    write_cases(CASES, "dnssock", stale="dq_*.yaml")


if __name__ == "__main__":
    main()
