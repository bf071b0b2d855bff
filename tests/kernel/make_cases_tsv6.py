"""Differential cases for IPv6 in the tailnet (prefix ``tsv6_``), recorded with IPv6 left on:
``python3 -m tests.kernel.make_cases_tsv6``.

- ``tsv6_table52``: what tailscaled installs for IPv6 on Linux (router_linux.go): the four
  ``ip -6 rule`` entries 5210–5270, the tailnet's fd7a:115c:a1e0::/48, IPv6 subnet routes and
  the exit node's default in table 52 (``ip route add PREFIX dev tailscale0 table 52``), with a
  veth standing in for the TUN device. Shows the table, the rules, ``ip -6 route get`` through
  table 52 and past it (the bypass mark), and the ``default``/``all`` selectors of ``ip -6 route show``.
- ``tsv6_ra_purge``: a subnet router or exit node turns IPv6 forwarding on. The kernel removes
  the default route a router advertisement gave (addrconf_fixup_forwarding →
  rt6_purge_dflt_routers) and ignores further advertisements unless ``accept_ra=2``; the SLAAC
  address and the prefix route stay. With ``accept_ra=2`` the route comes back with the next
  advertisement and survives the next write of ``forwarding``.

Writes only tests/kernel/cases/tsv6_*.yaml.
"""
from __future__ import annotations

import copy

from tests.kernel.make_cases import cmds, write_cases
from tests.kernel.make_cases_dual import home
from tests.kernel.make_cases_ipv6 import SETTLE

CASES: dict[str, tuple[str, dict, list[dict]]] = {}
MARK = "0x80000/0xff0000"
# tailscaled's IPv6 policy rules (router_linux_test.go, the same four as for IPv4)
RULES6 = [f"ip -6 rule add pref 5210 fwmark {MARK} table main",
          f"ip -6 rule add pref 5230 fwmark {MARK} table default",
          f"ip -6 rule add pref 5250 fwmark {MARK} type unreachable",
          "ip -6 rule add pref 5270 table 52"]


def case(name: str, desc: str, lab: dict, commands: list[dict]) -> None:
    assert name.startswith("tsv6_"), name
    CASES[name] = (desc, copy.deepcopy(lab), commands)


def client() -> dict:
    """A tailnet client: eth0 with a global address and default route, tailscale0 (a veth here)
    with its fd7a:115c:a1e0::/128; a second host on the LAN."""
    return {"ipv6": True, "nodes": {
        "c": {"interfaces": {"eth0": "lan", "tailscale0": "tun"}, "startup": [
            "ip addr add 192.168.0.2/24 dev eth0", "ip -6 addr add 2001:db8:5::2/64 dev eth0",
            "ip -6 route add default via 2001:db8:5::1",
            "ip -6 addr add fd7a:115c:a1e0::2/128 dev tailscale0"]},
        "gw": {"interfaces": {"eth0": "lan"}, "startup": [
            "ip addr add 192.168.0.1/24 dev eth0", "ip -6 addr add 2001:db8:5::1/64 dev eth0"]}}}


def build() -> None:
    routes = ["ip -6 route add fd7a:115c:a1e0::/48 dev tailscale0 table 52",
              "ip -6 route add 2001:db8:1::/64 dev tailscale0 table 52",
              "ip -6 route add fd00:1::/64 dev tailscale0 table 52"]
    case("tsv6_table52", "tailscaled's IPv6 side on Linux: rules 5210-5270, subnet routes and the tailnet /48 in "
         "table 52, route get through it and past it", client(),
         cmds("c", SETTLE, *RULES6, *routes, "ip -6 rule", "ip -6 rule show pref 5270",
              "ip -6 route show table 52", "ip -6 route get fd00:1::5", "ip -6 route get 2001:db8:1::9",
              "ip -6 route get fd7a:115c:a1e0::1", "ip -6 route get 2001:db8:ff00::10",
              "ip -6 route get 2001:db8:1::9 mark 0x80000", "ip -6 route show table 52 root 2001:db8::/32",
              "ip -6 route show table 52 match fd00:1::5",
              "ip -6 route add default dev tailscale0 table 52", "ip -6 route show table 52",
              "ip -6 route show default", "ip -6 route show table 52 default", "ip -6 route show all",
              "ip -6 route show any", "ip -6 route show table 52 exact default",
              "ip -6 route get 2001:db8:ff00::10",
              "ip -6 route del fd00:1::/64 dev tailscale0 table 52", "ip -6 route del default dev tailscale0 table 52",
              "ip -6 route show table 52", "ip -6 route get fd00:1::5"))
    conf, pid = "/tmp/radvd-tsv6_ra_purge.conf", "/tmp/radvd-tsv6_ra_purge.pid"
    case("tsv6_ra_purge", "IPv6 forwarding on: the kernel drops the default route from the router advertisement "
         "and ignores new ones unless accept_ra=2", home(conf),
         cmds("router", SETTLE, f"radvd -C {conf} -p {pid}") + cmds("debian", "sleep 3")
         + cmds("debian", "ip -6 route", "sysctl net.ipv6.conf.eth0.accept_ra", "sysctl -w net.ipv6.conf.all.forwarding=1",
                "ip -6 route", "ip -6 addr show dev eth0", "ping -6 -c 1 -W 1 2001:db8:ff01::1",
                "sysctl net.ipv6.conf.eth0.accept_ra=2")
         + cmds("proxmox", "ip -6 route show default", "sysctl -w net.ipv6.conf.eth0.forwarding=1", "ip -6 route")
         + cmds("router", f"kill $(cat {pid})", "sleep 1", f"radvd -C {conf} -p {pid}")
         + cmds("debian", "sleep 2", "ip -6 route", "sysctl -w net.ipv6.conf.all.forwarding=1", "ip -6 route show default",
                "ping -6 -c 1 -W 1 2001:db8:ff01::1")
         + cmds("proxmox", "ip -6 route")
         + cmds("router", f"kill $(cat {pid})"))


def main() -> None:
    build()
    write_cases(CASES, "IPv6 in the tailnet (tsv6)", stale="tsv6_*.yaml")


if __name__ == "__main__":
    main()
