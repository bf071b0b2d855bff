"""Differential cases for IPv6 (prefix ``v6_``), recorded with IPv6 left on:
``python3 -m tests.kernel.make_cases_ipv6``.

Every lab here says ``ipv6: true``; the older cases carry no such key and were
recorded (and are compared) with IPv6 disabled in every namespace. An address
is tentative for one to two seconds after it appears (a random delay below
``rtr_solicit_delay`` plus one ``retrans_time``), so the cases look either
before one second or after ``sleep 2.5``, never in between.

Writes only tests/kernel/cases/v6_*.yaml.
"""
from __future__ import annotations

import copy

from tests.kernel.make_cases import cmds, write_cases

CASES: dict[str, tuple[str, dict, list[dict]]] = {}
SETTLE = "sleep 2.5"


def case(name: str, desc: str, lab: dict, commands: list[dict]) -> None:
    assert name.startswith("v6_"), name
    CASES[name] = (desc, copy.deepcopy(lab), commands)


def lan6(a: list[str] | None = None, b: list[str] | None = None) -> dict:
    """Two hosts on one LAN, dual stack: IPv4 as in make_cases.lan plus the given IPv6 startup."""
    return {"ipv6": True, "nodes": {
        "a": {"interfaces": {"eth0": "lan"}, "startup": ["ip addr add 192.168.0.2/24 dev eth0", *(a or [])]},
        "b": {"interfaces": {"eth0": "lan"}, "startup": ["ip addr add 192.168.0.1/24 dev eth0", *(b or [])]}}}


def routed6(forward: bool = True, back: bool = True, r_extra: list[str] | None = None) -> dict:
    """a – r – b over two /64s (IPv6 only: no IPv4 addresses)."""
    r = ["ip addr add 2001:db8:1::1/64 dev eth0", "ip addr add 2001:db8:2::1/64 dev eth1"]
    if forward:
        r.append("sysctl -w net.ipv6.conf.all.forwarding=1")
    b = ["ip addr add 2001:db8:2::2/64 dev eth0"]
    if back:
        b.append("ip -6 route add default via 2001:db8:2::1")
    return {"ipv6": True, "nodes": {
        "a": {"interfaces": {"eth0": "s1"}, "startup": ["ip addr add 2001:db8:1::2/64 dev eth0",
                                                         "ip -6 route add default via 2001:db8:1::1"]},
        "r": {"interfaces": {"eth0": "s1", "eth1": "s2"}, "startup": r + (r_extra or [])},
        "b": {"interfaces": {"eth0": "s2"}, "startup": b}}}


def build() -> None:
    case("v6_lan_addr", "link-local addresses: tentative at first, then valid", lan6(),
         cmds("a", "ip addr", "ip -br addr", "ip -6 addr", "ip -4 addr", "ip -o addr", "ip -6 -o a",
              "ip a s lo", "ip -6 addr show dev eth0", "ip -br -6 addr", SETTLE, "ip addr show dev eth0",
              "ip -6 addr show scope link", "ip -6 addr show scope global", "ip addr show to fe80::/10"))
    case("v6_lan_routes", "kernel routes of IPv6 before and after DAD", lan6(),
         cmds("a", "ip -6 route", "ip -6 route show table local", "ip -6 route show table all", "ip -6 rule",
              "ip route show table all", SETTLE, "ip -6 route show table all", "ip -6 route list table main",
              "ip -6 r s t local", "ip -6 rule show", "ip route"))
    case("v6_addr_add", "a global address, its routes and the kernel's refusals", lan6(),
         cmds("a", "ip addr add 2001:db8::2/64 dev eth0", "ip -6 addr show dev eth0", "ip -6 route show table all",
              "ip addr add 2001:db8::2/64 dev eth0", "ip addr add 2001:db8::2/129 dev eth0",
              "ip -6 addr add 2001:db8::3/64 dev eth0", "ip -6 addr del 2001:db8::9/64 dev eth0",
              "ip addr add 2001:db8:5::5 dev eth0", "ip addr add 2001:db8:6::6/64 dev eth0 nodad",
              "ip addr add 2001:db8:7::7/64 dev eth0 noprefixroute", "ip -6 addr show dev eth0", "ip -6 route",
              SETTLE, "ip -6 addr show dev eth0", "ip -6 route show table all", "ip -br addr",
              "ip addr del 2001:db8::3/64 dev eth0", "ip -6 addr del 2001:db8:5::5/128 dev eth0",
              "ip -6 addr show dev eth0", "ip -6 route show table all"))
    case("v6_addr_lo", "addresses on lo skip DAD", lan6(),
         cmds("a", "ip addr add 2001:db8:1::1/64 dev lo", "ip addr add fd00::1/128 dev lo", "ip addr show lo",
              "ip -6 route show table all", "ip addr del ::1/128 dev lo", "ip addr show lo",
              "ip -6 route show table local"))
    case("v6_addr_forms", "address forms: link-local by hand, prefix lengths, scopes", lan6(),
         cmds("a", "ip addr add fe80::1/64 dev eth0", "ip addr add fec0::1/64 dev eth0",
              "ip addr add 2001:db8::1/48 dev eth0 scope link", "ip addr add ::/0 dev eth0",
              "ip addr add 2001:db8::zz/64 dev eth0", "ip -6 addr add 10.0.0.1/24 dev eth0",
              "ip -4 addr add 2001:db8::8/64 dev eth0", "ip addr add ::ffff:10.0.0.1/96 dev eth0",
              "ip -6 addr show dev eth0", "ip -6 route show table all", SETTLE, "ip -6 addr show dev eth0",
              "ip -6 route show table all"))
    case("v6_link_down_up", "a downed link loses its IPv6 addresses, up brings the link-local back", lan6(),
         cmds("a", "ip addr add 2001:db8::2/64 dev eth0", SETTLE, "ip link set eth0 down", "ip addr show dev eth0",
              "ip -6 route show table all", "ip addr add 2001:db8::4/64 dev eth0", "ip -6 addr show dev eth0",
              "ip -6 route show table all", "ip link set eth0 up", "ip -6 addr show dev eth0",
              "ip -6 route show table all", SETTLE, "ip -6 addr show dev eth0", "ip -6 route show table all"))
    case("v6_disable_sysctl", "disable_ipv6 per device and for all", lan6(),
         cmds("a", "ip addr add 2001:db8::2/64 dev eth0", "sysctl -w net.ipv6.conf.eth0.disable_ipv6=1",
              "ip addr show dev eth0", "ip -6 route show table all", "ip addr add 2001:db8::3/64 dev eth0",
              "sysctl -w net.ipv6.conf.eth0.disable_ipv6=0", "ip addr show dev eth0",
              "sysctl -w net.ipv6.conf.all.disable_ipv6=1", "ip addr", "ip -6 route show table all",
              "sysctl net.ipv6.conf.default.disable_ipv6 net.ipv6.conf.lo.disable_ipv6",
              "sysctl -w net.ipv6.conf.all.disable_ipv6=0", "ip addr", "ip -6 route show table all"))
    case("v6_dad_duplicate", "the second host with the same address fails DAD", lan6(b=["ip addr add 2001:db8::1/64 dev eth0"]),
         cmds("a", SETTLE, "ip addr add 2001:db8::1/64 dev eth0", SETTLE, "ip -6 addr show dev eth0",
              "ip -6 route show table all", "ip -br -6 a")
         + cmds("b", "ip -6 addr show dev eth0"))
    case("v6_route_get", "ip -6 route get: from ::, tentative and unreachable", lan6(a=["ip addr add 2001:db8::2/64 dev eth0"]),
         cmds("a", "ip -6 route get 2001:db8::1", "ip route get 2001:db8::1", "ip -6 route get 2001:db9::1",
              SETTLE, "ip -6 route get 2001:db8::1", "ip -6 route get 2001:db8::2", "ip -6 route get ::1",
              "ip -6 route get fe80::1", "ip -6 route get fe80::1 dev eth0", "ip -6 route get 2001:db8::1 from 2001:db8::2",
              "ip -6 route get ff02::1"))
    case("v6_route_add", "static IPv6 routes, their metric and the kernel's refusals",
         lan6(a=["ip addr add 2001:db8::2/64 dev eth0"], b=["ip addr add 2001:db8::1/64 dev eth0"]),
         cmds("a", SETTLE, "ip -6 route add 2001:db8:1::/64 via 2001:db8::1", "ip -6 route add default via fe80::1 dev eth0",
              "ip -6 route add 2001:db8:2::/64 via 2001:db9::1", "ip -6 route add 2001:db8:3::/64 via fe80::1",
              "ip -6 route add 2001:db8:1::/64 via 2001:db8::1", "ip -6 route add 2001:db8:4::/64 dev eth0 metric 50",
              "ip -6 route add unreachable 2001:db8:5::/64", "ip -6 route add blackhole 2001:db8:6::/64",
              "ip -6 route add prohibit 2001:db8:7::/64", "ip -6 route", "ip -6 route get 2001:db8:1::9",
              "ip -6 route get 2001:db8:5::1", "ip -6 route get 2001:db8:7::1", "ip -6 route get 2001:db8:6::1",
              "ip -6 route get 2001:db9::1", "ip -6 route del 2001:db8:9::/64", "ip -6 route del 2001:db8:1::/64",
              "ip -6 route del default", "ip -6 route", "ip route add 2001:db8:8::/64 dev eth0", "ip route",
              "ip -6 route show 2001:db8:8::/64"))

    both = lan6(a=["ip addr add 2001:db8::2/64 dev eth0"], b=["ip addr add 2001:db8::1/64 dev eth0"])
    case("v6_ping_lan", "ping over IPv6 on a LAN: global, link-local with zone, neighbours after it", both,
         cmds("a", SETTLE, "ping -c 1 -W 1 2001:db8::1", "ping -6 -c 2 -i 0.2 2001:db8::1", "ip -6 neigh",
              "ping -c 1 -W 1 fe80::f2:d6ff:fe1d:88b7%eth0", "ping -c 1 -W 1 -I eth0 fe80::f2:d6ff:fe1d:88b7",
              "ping -c 1 -W 1 fe80::f2:d6ff:fe1d:88b7", "ip -6 neigh show dev eth0", "ping -q -c 2 -i 0.2 2001:db8::1",
              "ping -n -c 1 -s 100 2001:db8::1", "ping -c 1 -t 1 2001:db8::1")
         + cmds("b", "ip -6 neigh"))
    case("v6_ping_self", "ping the own addresses and ::1; family options", lan6(a=["ip addr add 2001:db8::2/64 dev eth0"]),
         cmds("a", SETTLE, "ping -c 1 ::1", "ping -c 1 2001:db8::2", "ping -4 -c 1 ::1", "ping -6 -c 1 127.0.0.1",
              "ping -c 1 fe80::49:7ff:fe5c:1f23",
              "ping -c 1 -W 1 2001:db8::zz"))
    case("v6_ping_unreachable", "nobody has the address: Address unreachable, neighbour INCOMPLETE then FAILED", both,
         cmds("a", SETTLE, "ping -c 1 -W 1 2001:db8::9", "ip -6 neigh", "ping -c 1 -W 5 2001:db8::9", "ip -6 neigh",
              "ping -c 3 -i 0.5 -W 4 2001:db8::8"))
    case("v6_ping_errors", "no route, unreachable/prohibit/blackhole routes, tentative source",
         lan6(a=["ip addr add 2001:db8::2/64 dev eth0", "ip -6 route add unreachable 2001:db8:5::/64",
                 "ip -6 route add prohibit 2001:db8:7::/64", "ip -6 route add blackhole 2001:db8:6::/64"],
              b=["ip addr add 2001:db8::1/64 dev eth0"]),
         cmds("a", "ping -c 1 -W 1 2001:db8::1", SETTLE, "ping -c 1 2001:db9::1", "ping -c 1 -W 1 2001:db8:5::1",
              "ping -c 1 -W 1 2001:db8:7::1", "ping -c 1 -W 1 2001:db8:6::1", "ping -6 -c 1 -W 1 -I lo 2001:db8::1"))
    # the hosts send router solicitations to ff02::2 at random times: the captures leave them out
    no_rs = "'icmp6 and not dst ff02::2'"
    case("v6_tcpdump_nd", "tcpdump shows neighbour discovery and ICMPv6 echo", both,
         cmds("a", SETTLE) + [{"node": "b", "cmd": f"tcpdump -n -i eth0 -c 4 {no_rs}", "bg": "t1"}]
         + cmds("a", "ping -c 1 -W 1 2001:db8::1") + [{"collect": "t1"}]
         + [{"node": "b", "cmd": f"tcpdump -n -e -i eth0 -c 2 {no_rs}", "bg": "t2"}]
         + cmds("a", "ping -c 1 -W 1 2001:db8::1") + [{"collect": "t2"}]
         + [{"node": "b", "cmd": f"tcpdump -n -v -i eth0 -c 2 {no_rs}", "bg": "t3"}]
         + cmds("a", "ping -c 1 -W 1 2001:db8::1") + [{"collect": "t3"}]
         + [{"node": "b", "cmd": "tcpdump -n -i eth0 -c 2 host 2001:db8::2", "bg": "t4"}]
         + cmds("a", "ping -c 1 -W 1 2001:db8::1") + [{"collect": "t4"}])
    case("v6_tcpdump_nd_fail", "tcpdump sees three unanswered solicitations", both,
         cmds("a", SETTLE) + [{"node": "b", "cmd": f"tcpdump -n -i eth0 -c 3 {no_rs}", "bg": "t1"}]
         + cmds("a", "ping -c 1 -W 4 2001:db8::9") + [{"collect": "t1"}])

    case("v6_fwd_on", "a router with net.ipv6.conf.all.forwarding=1 forwards; router flag in ip -6 neigh", routed6(),
         cmds("a", SETTLE, "ping -c 1 -W 1 2001:db8:2::2", "ping -c 2 -i 0.2 2001:db8:2::2", "ip -6 neigh",
              "ip -6 route get 2001:db8:2::2", "ip -6 route")
         + cmds("r", "sysctl net.ipv6.conf.eth0.forwarding net.ipv6.conf.eth1.forwarding net.ipv6.conf.default.forwarding",
                "ip -6 route", "ip -6 neigh")
         + cmds("b", "ip -6 neigh"))
    case("v6_fwd_off", "forwarding off: the router drops without a word", routed6(forward=False),
         cmds("a", SETTLE, "ping -c 1 -W 1 2001:db8:2::2", "ping -c 1 -W 1 2001:db8:1::1", "ping -c 1 -W 1 2001:db8:2::1")
         + cmds("r", "sysctl net.ipv6.conf.all.forwarding net.ipv6.conf.eth0.forwarding")
         + cmds("b", "ip -6 neigh"))
    case("v6_fwd_toggle", "forwarding switched on and off at run time", routed6(forward=False),
         cmds("a", SETTLE) + cmds("r", "sysctl -w net.ipv6.conf.all.forwarding=1")
         + cmds("a", "ping -c 1 -W 1 2001:db8:2::2") + cmds("r", "sysctl -w net.ipv6.conf.all.forwarding=0",
                                                             "sysctl net.ipv6.conf.eth1.forwarding")
         + cmds("a", "ping -c 1 -W 1 2001:db8:2::2") + cmds("r", "sysctl -w net.ipv6.conf.eth0.forwarding=1")
         + cmds("a", "ping -c 1 -W 1 2001:db8:2::2"))
    case("v6_fwd_no_back_route", "the far host has no route back", routed6(back=False),
         cmds("a", SETTLE, "ping -c 1 -W 1 2001:db8:2::2") + cmds("b", "ip -6 route", "ip -6 neigh"))
    case("v6_fwd_errors", "ICMPv6 errors from the router: no route, hop limit, address unreachable, prohibit",
         routed6(r_extra=["ip -6 route add prohibit 2001:db8:7::/64", "ip -6 route add unreachable 2001:db8:5::/64",
                          "ip -6 route add blackhole 2001:db8:6::/64"]),
         cmds("a", SETTLE, "ping -c 1 -W 1 2001:db8:9::1", "ping -c 1 -W 1 -t 1 2001:db8:2::2",
              "ping -c 1 -W 5 2001:db8:2::9", "ping -c 1 -W 1 2001:db8:7::1", "ping -c 1 -W 1 2001:db8:5::1",
              "ping -c 1 -W 1 2001:db8:6::1", "ping -c 2 -i 0.3 -W 1 -t 1 2001:db8:2::2"))
    case("v6_fwd_packet_too_big", "a smaller link behind the router: Packet too big", routed6(
        r_extra=["ip link set eth1 mtu 1280"]),
         cmds("b", "ip link set eth0 mtu 1280") + cmds("a", SETTLE, "ping -c 1 -W 1 -s 1300 2001:db8:2::2",
                                                        "ping -c 1 -W 1 -s 1200 2001:db8:2::2"))

    conf = "/tmp/radvd-v6_slaac.conf"
    pid = "/tmp/radvd-v6_slaac.pid"
    router = {"ipv6": True, "nodes": {
        "r": {"interfaces": {"eth0": "lan"}, "startup": [
            "ip addr add 2001:db8:1::1/64 dev eth0", "sysctl -w net.ipv6.conf.all.forwarding=1",
            f"printf 'interface eth0 {{\\n\\tAdvSendAdvert on;\\n\\tprefix 2001:db8:1::/64 {{\\n\\t}};\\n}};\\n' > {conf}",
            f"printf 'interface eth0 {{\\n\\tAdvSendAdvert on\\n\\tprefix 2001:db8:1::/64 {{\\n\\t}};\\n}};\\n' > {conf}.bad"]},
        "a": {"interfaces": {"eth0": "lan"}}}}
    case("v6_slaac_radvd", "SLAAC: radvd advertises a prefix, the host builds its address and default route", router,
         cmds("r", SETTLE, f"radvd -c -C {conf}", f"radvd -c -C {conf}.bad", f"radvd -c -C {conf}.none",
              f"radvd -C {conf} -p {pid}")
         + cmds("a", "sleep 0.5", "ip -6 route", "sleep 2.5", "ip -6 addr show dev eth0", "ip -6 route", "ip -6 neigh",
                "ip -6 route get 2001:db8:5::1", "ping -c 1 -W 1 2001:db8:1::1", "ip -6 route get 2001:db8:1::1",
                "ip -br -6 addr")
         + cmds("r", "ip -6 neigh", f"radvd -C {conf} -p {pid}", f"kill $(cat {pid})")
         + cmds("a", "sleep 0.5", "ip -6 route", "ip -6 addr show dev eth0"))

    conf2, pid2 = "/tmp/radvd-v6_accept_ra.conf", "/tmp/radvd-v6_accept_ra.pid"
    rules = {"ipv6": True, "nodes": {
        "r": {"interfaces": {"eth0": "lan"}, "startup": [
            "ip addr add 2001:db8:1::1/64 dev eth0", "sysctl -w net.ipv6.conf.all.forwarding=1",
            f"printf 'interface eth0 {{\\n\\tAdvSendAdvert on;\\n\\tAdvDefaultLifetime 600;\\n\\tAdvCurHopLimit 32;\\n"
            f"\\tprefix 2001:db8:1::/64 {{\\n\\t\\tAdvValidLifetime 7200;\\n\\t\\tAdvPreferredLifetime 3600;\\n\\t}};\\n"
            f"\\tprefix 2001:db8:2::/64 {{\\n\\t\\tAdvAutonomous off;\\n\\t}};\\n}};\\n' > {conf2}"]},
        "a": {"interfaces": {"eth0": "lan"}, "startup": ["sysctl -w net.ipv6.conf.all.forwarding=1"]},
        "c": {"interfaces": {"eth0": "lan"}, "startup": ["sysctl -w net.ipv6.conf.all.forwarding=1",
                                                          "sysctl -w net.ipv6.conf.eth0.accept_ra=2"]},
        "d": {"interfaces": {"eth0": "lan"}, "startup": ["sysctl -w net.ipv6.conf.eth0.autoconf=0"]}}}
    case("v6_slaac_accept_ra", "forwarding=1 ignores advertisements unless accept_ra=2; autoconf=0; lifetimes",
         rules, cmds("r", SETTLE, f"radvd -C {conf2} -p {pid2}", "sleep 3")
         + cmds("a", "ip -6 addr show dev eth0", "ip -6 route", "ip -6 neigh")
         + cmds("c", "ip -6 addr show dev eth0", "ip -6 route")
         + cmds("d", "ip -6 addr show dev eth0", "ip -6 route")
         + cmds("r", f"kill $(cat {pid2})"))

    case("v6_traceroute", "traceroute -6 through a router: hops, the end, !N and stars",
         routed6(r_extra=["ip -6 route add prohibit 2001:db8:7::/64"]),
         # ICMPv6 errors are rate-limited per destination (a token bucket of 6, refilled every 62 ms at the
         # target, every 250 ms at the router): each trace starts with full buckets, two seconds later
         cmds("a", SETTLE, "traceroute -n 2001:db8:2::2", "sleep 2", "traceroute -6 -n -q 1 2001:db8:2::2", "sleep 2",
              "traceroute -n -q 1 -w 1 2001:db8:9::1", "sleep 2", "traceroute -n -q 1 -w 1 2001:db8:7::1", "sleep 2",
              "traceroute -n -q 1 -w 1 -m 3 2001:db8:2::9", "sleep 4", "traceroute -I -n -q 1 2001:db8:2::2",
              "sleep 2", "traceroute -n -q 1 2001:db8:1::1", "traceroute -4 -n 2001:db8:2::2", "sleep 2",
              "traceroute -n 2001:db9::1", "traceroute 2001:db8:2::2"))
    case("v6_traceroute_fwd_off", "traceroute -6 when the router does not forward", routed6(forward=False),
         cmds("a", SETTLE, "traceroute -n -q 1 -w 1 -m 3 2001:db8:2::2"))

    case("v6_neigh_static", "static IPv6 neighbours: add, get, del, flush, errors", lan6(),
         cmds("a", "ip -6 neigh add 2001:db8::1 lladdr 02:00:00:00:00:01 dev eth0",
              "ip neigh add fe80::1 dev eth0 lladdr 02:00:00:00:00:02 nud reachable", "ip -6 neigh",
              "ip neigh", "ip -6 neigh get 2001:db8::1 dev eth0", "ip neigh get fe80::9 dev eth0",
              "ip -6 neigh add 2001:db8::1 lladdr 02:00:00:00:00:03 dev eth0", "ip -6 neigh del 2001:db8::1 dev eth0",
              "ip -6 neigh del 2001:db8::1 dev eth0", "ip -6 neigh add 2001:db8::5 dev eth0",
              "ip -6 neigh replace 2001:db8::5 lladdr 02:00:00:00:00:05 dev eth0 nud stale", "ip -6 neigh show dev eth0",
              "ip -4 neigh", "ip -6 neigh flush dev eth0", "ip -6 neigh"))

    case("v6_ip6tables_forward", "ip6tables on the router: DROP, REJECT and its ICMPv6 answers", routed6(),
         cmds("a", SETTLE, "ping -c 1 -W 1 2001:db8:2::2")
         + cmds("r", "ip6tables -A FORWARD -d 2001:db8:2::2 -p ipv6-icmp -j DROP")
         + cmds("a", "ping -c 1 -W 1 2001:db8:2::2")
         + cmds("r", "ip6tables -F FORWARD", "ip6tables -A FORWARD -d 2001:db8:2::2 -j REJECT")
         + cmds("a", "ping -c 1 -W 1 2001:db8:2::2")
         + cmds("r", "ip6tables -F FORWARD",
                "ip6tables -A FORWARD -d 2001:db8:2::2 -j REJECT --reject-with icmp6-adm-prohibited")
         + cmds("a", "ping -c 1 -W 1 2001:db8:2::2")
         + cmds("r", "ip6tables -S FORWARD", "ip6tables -F FORWARD", "ip6tables -P FORWARD DROP")
         + cmds("a", "ping -c 1 -W 1 2001:db8:2::2")
         + cmds("r", "ip6tables -P FORWARD ACCEPT"))
    case("v6_ip6tables_input", "ip6tables INPUT on a host: neighbour discovery must pass", lan6(
        a=["ip addr add 2001:db8::2/64 dev eth0"], b=["ip addr add 2001:db8::1/64 dev eth0"]),
         cmds("a", SETTLE)
         + cmds("b", "ip6tables -A INPUT -p ipv6-icmp --icmpv6-type echo-request -j DROP")
         + cmds("a", "ping -c 1 -W 1 2001:db8::1", "ip -6 neigh")
         + cmds("b", "ip6tables -F INPUT", "ip6tables -A INPUT -s 2001:db8::2 -j REJECT")
         + cmds("a", "ping -c 1 -W 1 2001:db8::1")
         + cmds("b", "ip6tables -F INPUT", "ip6tables -L INPUT -n -v"))


def main() -> None:
    build()
    write_cases(CASES, "ipv6", stale="v6_*.yaml")


if __name__ == "__main__":
    main()
