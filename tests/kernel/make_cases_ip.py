"""Differential cases for the ``ip`` tool (prefix ``ip_``): ``python3 -m tests.kernel.make_cases_ip``.

Writes only tests/kernel/cases/ip_*.yaml, so it can run next to the other
case modules. Covers addresses, links, routes (metrics, LPM, tables, types),
``ip route get``, ``ip rule``, neighbours and the error texts of bad input.
"""
from __future__ import annotations

import copy


from tests.kernel.make_cases import cmds, lan, P1, routed, subnet_router, write_cases

CASES: dict[str, tuple[str, dict, list[dict]]] = {}


def case(name: str, desc: str, lab: dict, commands: list[dict]) -> None:
    assert name.startswith("ip_"), name
    CASES[name] = (desc, copy.deepcopy(lab), commands)


def batch1() -> None:
    """Routes: metrics, LPM, tables, types."""
    case("ip_route_metrics", "several metrics for one prefix, del picks the first", routed(),
         cmds("a", "ip route add 10.0.2.0/24 via 10.0.1.1 metric 200", "ip route add 10.0.2.0/24 via 10.0.1.1 metric 100",
              "ip route add 10.0.2.0/24 dev eth0 metric 300", "ip r", "ip route get 10.0.2.9",
              "ip route del 10.0.2.0/24", "ip ro sh", "ip route del 10.0.2.0/24 metric 300", "ip route list"))
    case("ip_route_lpm_host", "a /32 beats a /24 beats default", routed(),
         cmds("a", "ip route add 10.0.2.0/24 via 10.0.1.1", "ip route add 10.0.2.2/32 via 10.0.1.1 metric 5",
              "ip route add 10.0.0.0/16 dev eth0", "ip route", "ip route get 10.0.2.2", "ip route get 10.0.2.3",
              "ip route get 10.0.77.1", "ip route get 198.51.100.11", "ip route show 10.0.2.2"))
    case("ip_route_tables", "routes in table 52, main, all", routed(),
         cmds("a", "ip route add 10.0.2.0/24 via 10.0.1.1 table 52", "ip route add default dev eth0 table 52",
              "ip route show table 52", "ip route show table main", "ip route show table all",
              "ip route show table 99", "ip -4 r s t 52", "ip route flush table 52", "ip route show table 52"))
    case("ip_route_types", "blackhole, unreachable, prohibit, throw in main and table 52", lan(),
         cmds("a", "ip route add blackhole 10.1.0.0/16", "ip route add unreachable 10.2.0.0/16 metric 7",
              "ip route add prohibit 10.3.0.0/16", "ip route add throw 10.4.0.0/16",
              "ip route add type blackhole 10.5.0.0/16 table 52", "ip route", "ip route show table 52",
              "ip route show type unreachable", "ip route get 10.1.1.1", "ip route get 10.4.1.1"))
    case("ip_route_get_types", "ip route get on special routes", lan(),
         cmds("a", "ip route add unreachable 10.2.0.0/16", "ip route add prohibit 10.3.0.0/16",
              "ip route add throw 10.4.0.0/16", "ip route add blackhole 10.1.0.0/16",
              "ip route get 10.2.0.1", "ip route get 10.3.0.1", "ip route get 10.4.0.1", "ip route get 10.1.0.1",
              "ip route get 10.1.0.1 from 192.168.0.2"))
    case("ip_route_throw_table", "throw in table 52 falls back to main", routed(),
         cmds("a", "ip route add default via 10.0.1.1 table 52", "ip route add throw 10.0.2.0/24 table 52",
              "ip rule add pref 100 table 52", "ip route get 10.0.2.2", "ip route get 203.0.113.88",
              "ip route show table 52", f"{P1} 10.0.2.2"))
    case("ip_route_get_opts", "ip route get with from, iif, oif, mark", routed(),
         cmds("r", "ip route get 10.0.2.2 from 10.0.1.2 iif eth0", "ip route get 10.0.2.2 oif eth1",
              "ip route get 10.0.2.2 oif eth0", "ip route get 10.0.2.2 mark 7", "ip route get 10.0.2.2 from 10.0.2.1",
              "ip route get 10.0.2.2 from 10.0.9.9", "ip route get 10.0.2.2 iif eth0",
              "ip route get 203.0.113.88 from 10.0.1.2 iif eth0", "ip route get 10.0.1.1 from 10.0.1.2 iif eth0"))
    case("ip_route_get_errors", "ip route get with bad input", lan(),
         cmds("a", "ip route get", "ip route get 300.1.1.1", "ip route get 10.0.0.0/8", "ip route get 203.0.113.88 oif eth9",
              "ip route get 203.0.113.88 iif eth9", "ip route get foo", "ip route get 203.0.113.88 mark foo",
              "ip route get 203.0.113.88 from bar"))
    case("ip_route_mark_rule", "fwmark rule steers route get", routed(),
         cmds("a", "ip route add 10.0.2.0/24 dev eth0 table 100", "ip rule add fwmark 0x10 table 100 pref 500",
              "ip rule add fwmark 0x20/0xf0 lookup 100", "ip rule", "ip route get 10.0.2.2",
              "ip route get 10.0.2.2 mark 0x10", "ip route get 10.0.2.2 mark 0x25", "ip route get 10.0.2.2 mark 16"))


def batch2() -> None:
    """Rules."""
    case("ip_rule_prios", "rules with and without priorities", lan(),
         cmds("a", "ip rule add table 10", "ip rule add table 11", "ip rule add pref 300 table 12",
              "ip rule add priority 200 from 192.168.0.0/24 table 13", "ip rule add to 10.0.0.0/8 lookup main pref 250",
              "ip rule add iif eth0 table 14", "ip rule add oif eth0 table 15 pref 30000", "ip rule", "ip ru ls"))
    case("ip_rule_del", "ip rule del variants and errors", lan(),
         cmds("a", "ip rule add pref 100 table 10", "ip rule add pref 101 fwmark 3 table 10",
              "ip rule add pref 102 from 10.0.0.1 table 11", "ip rule del table 10", "ip rule",
              "ip rule del fwmark 3", "ip rule del from 10.0.0.1", "ip rule del pref 999", "ip rule", "ip rule del"))
    case("ip_rule_errors", "malformed ip rule input", lan(),
         cmds("a", "ip rule add pref foo table 10", "ip rule add table foo", "ip rule add from 10.0.0.300 table 5",
              "ip rule add fwmark bar table 5", "ip rule add table", "ip rule frob", "ip rule add pref 5 table 5",
              "ip rule add pref 5 table 5", "ip rule add iif eth9 table 7", "ip rule"))
    case("ip_rule_show_filters", "ip rule show with filters, flush", lan(),
         cmds("a", "ip rule add pref 100 table 52", "ip rule add pref 110 fwmark 0x80000/0xff0000 table main",
              "ip rule add pref 120 not from 192.168.0.0/24 unreachable", "ip rule add pref 130 from all blackhole",
              "ip rule show table 52", "ip rule list pref 110", "ip rule flush", "ip rule"))


def batch3() -> None:
    """Links and addresses."""
    case("ip_link_stats", "ip -s link and ip -s -s link after a ping", lan(),
         cmds("a", f"{P1} 192.168.0.1", "ip -s link show eth0", "ip -s -s link show dev eth0", "ip -s a show eth0"))
    case("ip_link_details", "ip -d link", lan(), cmds("a", "ip -d link show lo", "ip -d link show eth0", "ip -d a show eth0"))
    case("ip_brief", "brief and oneline forms", lan(),
         cmds("a", "ip addr add 192.168.0.3/24 dev eth0", "ip -br a", "ip -br -4 addr show", "ip -br l", "ip -o addr",
              "ip -o -4 a", "ip -o link", "ip -o l show eth0", "ip -br a show dev eth0"))
    case("ip_link_updown", "down/up removes and restores routes", routed(),
         cmds("r", "ip route add 172.16.0.0/12 via 10.0.2.2", "ip route add 172.20.0.0/16 dev eth1 table 52",
              "ip link set dev eth1 down", "ip route", "ip route show table all", "ip -br link",
              "ip link set dev eth1 up", "ip route", "ip route show table 52", "ip link set eth1 up"))
    case("ip_addr_del", "address deletion forms and errors", lan(),
         cmds("a", "ip addr add 192.168.0.3/24 dev eth0", "ip addr add 10.5.0.1/16 dev eth0", "ip addr del 10.5.0.1/24 dev eth0",
              "ip addr del 10.5.0.1/16 dev eth0", "ip addr del 192.168.0.9/24 dev eth0", "ip addr del 192.168.0.3 dev eth0",
              "ip addr del 192.168.0.2/24 dev eth9", "ip addr del 192.168.0.2/24", "ip a"))
    case("ip_addr_secondary_promote", "secondaries with promote_secondaries", lan(),
         cmds("a", "ip addr add 192.168.0.3/24 dev eth0", "ip addr add 192.168.0.4/24 dev eth0",
              "sysctl -w net.ipv4.conf.eth0.promote_secondaries=1", "ip addr del 192.168.0.2/24 dev eth0",
              "ip a show eth0", "ip route", "ip route show table local"))
    case("ip_addr_secondary_nopromote", "secondaries die with the primary", lan(),
         cmds("a", "ip addr add 192.168.0.3/24 dev eth0", "ip addr add 192.168.0.4/25 dev eth0",
              "ip addr add 10.1.1.1/8 dev eth0", "ip addr show eth0", "ip addr del 192.168.0.2/24 dev eth0",
              "ip addr show eth0", "ip route"))
    case("ip_addr_errors", "malformed address commands", lan(),
         cmds("a", "ip addr add 192.168.0.2/24 dev eth0", "ip addr add 192.168.0.5/33 dev eth0",
              "ip addr add 192.168.0.256/24 dev eth0", "ip addr add 192.168.0.5/24 dev eth9", "ip addr add 192.168.0.5/24",
              "ip addr add dev eth0", "ip addr add 10.0.0.1/8 dev eth0 foo", "ip addr show eth9", "ip addr frob",
              "ip addr add 10.0.0.1/8 dev eth0 scope bogus"))
    case("ip_link_errors", "malformed link commands", lan(),
         cmds("a", "ip link set eth9 up", "ip link set dev eth0 mtu 50", "ip link set eth0 mtu abc", "ip link set up",
              "ip link show eth9", "ip link frob", "ip link set eth0 foo", "ip link set dev eth0 mtu 1400",
              "ip link show eth0"))


def batch4() -> None:
    """Route errors and neighbours."""
    case("ip_route_errors", "malformed route commands", lan(),
         cmds("a", "ip route add 10.0.0.0/33 via 192.168.0.1", "ip route add 10.0.0.1/8 via 192.168.0.1",
              "ip route add 10.0.0.0/8 via 10.9.9.9", "ip route add 10.0.0.0/8 via 192.168.0.1 dev eth9",
              "ip route add 10.0.0.0/8 via 192.168.0.1 10.1.0.0/16", "ip route add 10.0.0.0/8 via foo",
              "ip route add 10.0.0.0/8", "ip route add default via 192.168.0.2",
              "ip route add 10.0.0.0/8 via 192.168.0.1 metric foo", "ip route frob"))
    case("ip_route_del_errors", "route deletion errors and exists", lan(),
         cmds("a", "ip route add 10.0.0.0/8 via 192.168.0.1", "ip route add 10.0.0.0/8 via 192.168.0.1",
              "ip route del 10.0.0.0/8 via 192.168.0.7", "ip route del 10.9.0.0/16", "ip route del 10.0.0.0/8 dev lo",
              "ip route del 10.0.0.0/8 table 52", "ip route change 10.8.0.0/16 via 192.168.0.1",
              "ip route del 10.0.0.0/8", "ip route del default"))
    case("ip_route_replace_append", "replace, append, change", lan(),
         cmds("a", "ip route replace 10.0.0.0/8 via 192.168.0.1", "ip route replace 10.0.0.0/8 via 192.168.0.5",
              "ip route append 10.0.0.0/8 via 192.168.0.6", "ip route", "ip route change 10.0.0.0/8 via 192.168.0.7",
              "ip route", "ip route prepend 10.0.0.0/8 via 192.168.0.8", "ip route"))
    case("ip_neigh_states", "neighbour states after pings", routed(),
         cmds("a", f"{P1} 10.0.2.2", f"{P1} 10.0.1.77", "ip neigh", "ip -4 neigh show dev eth0", "ip neigh show nud reachable",
              "ip neigh show nud failed") + cmds("r", "ip n", "ip neigh show dev eth1"))
    case("ip_neigh_errors", "ip neigh add/del and errors", lan(),
         cmds("a", "ip neigh add 192.168.0.50 lladdr 02:00:00:00:00:50 dev eth0", "ip neigh add 192.168.0.50 lladdr 02:00:00:00:00:51 dev eth0",
              "ip neigh replace 192.168.0.50 lladdr 02:00:00:00:00:52 dev eth0", "ip neigh add 192.168.0.51 dev eth0",
              "ip neigh add 192.168.0.52 lladdr zz dev eth0", "ip neigh add 192.168.0.53 lladdr 02:00:00:00:00:53",
              "ip neigh del 192.168.0.99 dev eth0", "ip neigh show dev eth9", "ip neigh", "ip neigh del 192.168.0.50 dev eth0"))
    case("ip_options", "global options and abbreviations", lan(),
         cmds("a", "ip -c=never a s eth0", "ip -color=never -br a", "ip -4 -o a s eth0", "ip -family inet r",
              "ip -x a", "ip frob", "ip", "ip -6 route", "ip -s -br link"))
    case("ip_linkdown_gateway", "routes via a gateway on a downed link", routed(),
         cmds("a", "ip route add 10.9.0.0/16 via 10.0.1.1 metric 5", "ip link set eth0 down", "ip route",
              "ip route add 10.8.0.0/16 via 10.0.1.1", "ip route add 10.8.0.0/16 dev eth0", "ip route get 10.9.0.1",
              "ip link set eth0 up", "ip route", "ip route get 10.9.0.1"))


def batch5() -> None:
    """Abbreviations, address forms, show filters."""
    case("ip_abbrev", "abbreviations iproute2 accepts", routed(),
         cmds("a", "ip r a 10.9.0.0/16 via 10.0.1.1", "ip ro", "ip r d 10.9.0.0/16", "ip a a 10.0.1.50/24 dev eth0",
              "ip a s dev eth0", "ip a d 10.0.1.50/24 dev eth0", "ip l s eth0 mtu 1400", "ip l sh eth0",
              "ip n s", "ip ru l"))
    case("ip_addr_forms", "address spellings: masks, short forms, brd, label", lan(),
         cmds("a", "ip addr add 10.1.1.1/255.255.255.0 dev eth0", "ip addr add 10.2/16 dev eth0",
              "ip addr add 10.3.3.3 dev eth0", "ip addr add 10.4.4.4/24 brd + dev eth0 label eth0:1",
              "ip addr add 10.5.5.5/24 broadcast 10.5.5.255 dev eth0", "ip addr show dev eth0", "ip -br a",
              "ip route", "ip addr show label eth0:1"))
    case("ip_addr_replace_change", "replace and change an address", lan(),
         cmds("a", "ip addr replace 192.168.0.2/24 dev eth0", "ip addr replace 192.168.0.7/24 dev eth0",
              "ip addr change 192.168.0.8/24 dev eth0", "ip addr change 192.168.0.7/24 dev eth0 label eth0:x",
              "ip a show eth0", "ip -4 addr del dev eth0", "ip a show eth0", "ip addr del dev eth0"))
    case("ip_route_show_filters", "ip route show selectors", routed(),
         cmds("a", "ip route add 10.9.0.0/16 via 10.0.1.1 proto static metric 20", "ip route add 10.9.8.0/24 dev eth0",
              "ip route show dev eth0", "ip route show proto kernel", "ip route show scope link",
              "ip route show root 10.9.0.0/16", "ip route show match 10.9.8.7", "ip route show exact 10.9.0.0/16",
              "ip route show via 10.0.1.1", "ip route show default"))
    case("ip_route_show_more", "more selectors and -d", routed(),
         cmds("a", "ip route add 10.9.0.0/16 via 10.0.1.1 src 10.0.1.2", "ip route show src 10.0.1.2",
              "ip -4 route show all", "ip route show all", "ip route list table local type local", "ip -d route",
              "ip route show metric 0", "ip route show table local 127.0.0.1", "ip route show 10.9/16"))
    case("ip_route_syntax_errors", "route syntax learners try", lan(),
         cmds("a", "ip route add 10.0.0.0 255.0.0.0 via 192.168.0.1", "ip route add 10.0.0.0/8 gw 192.168.0.1",
              "ip route add default gw 192.168.0.1", "ip route add 10.0.0.0/8 via 192.168.0.1 via 192.168.0.2",
              "ip route add 10.0.0.0/8 via", "ip route add 10.0.0.0/8 via 192.168.0.1 table",
              "ip route add 10.0.0.0/8 via 192.168.0.1 table foo", "ip route add 10.0.0.0/8 via 192.168.0.1 proto foo",
              "ip route add 10.0.0.0/8 via 192.168.0.1 scope foo", "ip route"))
    case("ip_route_add_errors2", "kernel refusals on route add", lan(),
         cmds("a", "ip route add 192.168.0.0/24 dev eth0", "ip route add 192.168.0.0/24 dev eth0 metric 100",
              "ip route add 10.0.0.0/8 via 192.168.0.1 dev eth0 onlink", "ip route add 10.1.0.0/16 via 10.9.9.9 dev eth0 onlink",
              "ip route add 10.2.0.0/16 dev eth0 onlink", "ip route add blackhole 10.3.0.0/16 via 192.168.0.1",
              "ip route add 10.4.0.0/16 via 192.168.0.1 src 192.168.0.9", "ip route add local 10.5.5.5 dev eth0",
              "ip route add 10.6.0.0/16 via 192.168.0.1 scope link", "ip route show table all"))
    case("ip_route_flush_forms", "flush variants and cache", routed(),
         cmds("a", "ip route add 10.9.0.0/16 via 10.0.1.1", "ip route add 10.8.0.0/16 via 10.0.1.1 proto static",
              "ip route flush cache", "ip route show cache", "ip route flush proto static", "ip route",
              "ip -s route flush 10.9.0.0/16", "ip route flush", "ip route flush dev eth0", "ip route"))
    case("ip_local_route_link_down", "own address on a downed link stays local", routed(),
         cmds("r", "ip link set eth1 down", "ip route show table local", "ip route get 10.0.2.1", f"{P1} 10.0.2.1",
              "ip addr show eth1", "ip link set eth1 up", "ip route show table local"))
    case("ip_rule_from_iif", "rules by source and input interface", routed(),
         cmds("r", "ip route add 10.0.2.0/24 dev eth1 table 100", "ip route add blackhole 10.0.2.0/24 table 101",
              "ip rule add from 10.0.1.2 table 101 pref 100", "ip rule add iif eth0 table 100 pref 200",
              "ip route get 10.0.2.2 from 10.0.1.2 iif eth0", "ip route get 10.0.2.2 from 10.0.1.3 iif eth0",
              "ip route get 10.0.2.2", "ip rule del pref 0", "ip rule del table local", "ip rule")
         + cmds("a", f"{P1} 10.0.2.2"))
    case("ip_neigh_flush", "neighbour flush forms", routed(),
         cmds("a", f"{P1} 10.0.2.2", f"{P1} 10.0.1.99", "ip neigh flush", "ip -s neigh flush dev eth0",
              "ip neigh", "ip -s neigh flush all", "ip neigh flush dev eth9"))
    case("ip_link_set_forms", "ip link set variants", lan(),
         cmds("a", "ip link set eth0", "ip link set eth0 upp", "ip link set dev eth0 txqueuelen 500",
              "ip link set eth0 address 02:00:00:00:00:aa", "ip link show eth0", "ip link show up",
              "ip link set eth0 down", "ip link show up", "ip link show dev eth9", "ip link set lo down"))


def batch6() -> None:
    """Route get corners, metrics, policy routing like VPN tools."""
    case("ip_route_get_corners", "route get to broadcast, multicast, martian sources", routed(),
         cmds("r", "ip route get 10.0.1.255", "ip route get 255.255.255.255", "ip route get 224.0.0.1",
              "ip route get 0.0.0.0", "ip route get 10.0.2.2 from 127.0.0.1 iif eth0",
              "ip route get 10.0.2.2 from 10.0.2.5 iif eth0", "ip route get fibmatch 10.0.2.2",
              "ip route get fibmatch 10.0.1.1", "ip route get 10.0.2.2 connected", "ip route get to 10.0.2.2"))
    case("ip_route_get_fwd_off", "route get with iif on a host that does not forward", routed(forward=False),
         cmds("r", "ip route get 10.0.2.2 from 10.0.1.2 iif eth0", "ip route get 203.0.113.88 from 10.0.1.2 iif eth0",
              "ip route get 10.0.2.1 from 10.0.1.2 iif eth0", "ip route get 10.0.1.1 from 10.0.1.2 iif eth0"))
    case("ip_route_two_defaults", "two default routes with metrics", routed(),
         cmds("a", "ip route add default via 10.0.1.1 metric 100", "ip route replace default via 10.0.1.1 metric 50",
              "ip route", "ip route get 203.0.113.88", "ip route del default", "ip route", "ip route del default",
              "ip route", "ip route del default", "ip route get 203.0.113.88"))
    case("ip_route_split_default", "VPN style 0/1 and 128/1 routes beat default", routed(),
         cmds("a", "ip route add 0.0.0.0/1 via 10.0.1.1 dev eth0", "ip route add 128.0.0.0/1 via 10.0.1.1",
              "ip route", "ip route get 203.0.113.88", "ip route get 200.1.1.1", "ip route show root 0.0.0.0/0",
              "ip route show match 203.0.113.88"))
    case("ip_rule_suppress", "wg-quick style suppress_prefixlength", routed(),
         cmds("a", "ip route add default dev eth0 table 51820", "ip rule add not fwmark 51820 table 51820",
              "ip rule add table main suppress_prefixlength 0", "ip rule", "ip route get 203.0.113.88",
              "ip route get 10.0.1.1", "ip route get 203.0.113.88 mark 51820", "ip rule show table main"))
    case("ip_rule_to_and_prio", "rules by destination, priorities and defaults", routed(),
         cmds("a", "ip route add 10.0.2.0/24 via 10.0.1.1 table 7", "ip rule add to 10.0.2.0/25 table 7",
              "ip rule add to 10.0.2.128/25 prohibit", "ip rule", "ip route get 10.0.2.2", "ip route get 10.0.2.200",
              f"{P1} 10.0.2.200", "ip rule del to 10.0.2.128/25", "ip rule del to 10.0.2.0/25 table 7", "ip rule"))
    case("ip_link_transns", "carrier changes and counters after down/up", lan(),
         cmds("a", "ip link set eth0 down", "ip link set eth0 up", "ip -s -s link show eth0", "ip link show eth0",
              "ip -br link show dev eth0") + cmds("b", "ip -br link"))
    case("ip_addr_scope_link", "link-scope address and scope filters", lan(),
         cmds("a", "ip addr add 169.254.7.7/16 dev eth0 scope link", "ip addr show scope link", "ip -4 a show scope global",
              "ip route", "ip route get 169.254.1.1", "ip addr show to 169.254.0.0/16", "ip -o a show primary",
              "ip addr add 169.254.7.8/16 dev eth0", "ip addr show secondary"))
    case("ip_neigh_static_forms", "static neighbours with nud states", lan(),
         cmds("a", "ip neigh add 192.168.0.60 lladdr 02:00:00:00:00:60 dev eth0 nud permanent",
              "ip neigh add 192.168.0.61 lladdr 02:00:00:00:00:61 dev eth0 nud reachable",
              "ip neigh add 192.168.0.62 lladdr 02:00:00:00:00:62 dev eth0 nud stale",
              "ip neigh add 192.168.0.63 lladdr 02:00:00:00:00:63 dev eth0 nud noarp",
              "ip neigh show", "ip neigh show nud permanent", "ip neigh show nud all",
              "ip neigh change 192.168.0.62 lladdr 02:00:00:00:00:99 dev eth0", "ip neigh show 192.168.0.62",
              "ip neigh add 192.168.0.64 lladdr 02:00:00:00:00:64 dev eth0 nud bogus"))
    case("ip_route_table_names", "table names, default table, big ids", routed(),
         cmds("a", "ip route add 10.0.2.0/24 via 10.0.1.1 table default", "ip route show table default",
              "ip route add 10.0.3.0/24 via 10.0.1.1 table 1000", "ip route add 10.0.4.0/24 via 10.0.1.1 table 300",
              "ip route show table all", "ip route get 10.0.2.9", "ip rule add pref 10 lookup 1000",
              "ip route get 10.0.3.9", "ip rule", "ip route show table 4294967295"))


def batch7() -> None:
    """Malformed commands learners type."""
    case("ip_bad_route_forms", "route commands with missing or misplaced words", subnet_router(),
         cmds("proxmox", "ip route add 10.0.5.0/24 192.168.0.150", "ip route add via 192.168.0.150 10.0.5.0/24",
              "ip route add 10.0.5.0/24 via 192.168.0.150 dev", "ip route add 10.0.5.0./24 via 192.168.0.150",
              "ip route ADD 10.0.5.0/24 via 192.168.0.150", "ip route add 10.0.6.0/24 via 192.168.0.150 metric 10 metric 20",
              "ip -4 route add 2001:db8::/32 dev eth0", "ip route del 10.0.5.0/24 via", "ip route show dev eth9", "ip route"))
    case("ip_bad_addr_forms", "address commands with missing or misplaced words", subnet_router(),
         cmds("proxmox", "ip addr add 192.168.0.101/24 dev eth0", "ip addr del 192.168.0.99/24 dev eth0",
              "ip addr show dev", "ip a add 192.168.0.5/24 dev eth0 brd", "ip addr add 192.168.0.5 255.255.255.0 dev eth0",
              "ip addr add 192.168.0.5/24 eth0", "ip addr add 192.168.0.5/24 dev eth0 dev eth0", "ip address flush",
              "ip -6 addr", "ip addr sho"))
    case("ip_bad_link_rule_neigh", "link, rule and neigh commands with missing words", lan(),
         cmds("a", "ip link set eth0 mtu", "ip link set eth0 up down", "ip link show", "ip rule add fwmark 0x1 lookup",
              "ip rule add from 10.0.0.0/8", "ip rule", "ip neigh show dev", "ip neigh add 192.168.0.9 dev eth0",
              "ip neigh add 192.168.0.9 lladdr 02:00:00:00:00:09", "ip neigh del 192.168.0.9"))
    case("ip_router_views", "a router's addresses and routes in all forms", subnet_router(masq=True),
         cmds("tailscale", "ip a", "ip -br a", "ip -4 -br a", "ip -o -4 addr show", "ip r", "ip -br l",
              "ip route get 10.0.5.23", "ip route get 192.168.0.101 from 10.0.5.23 iif eth0")
         + cmds("laptop", "ip r", "ip route get 192.168.0.101"))
    case("ip_route_via_wrong_dev", "gateway on the other interface", routed(),
         cmds("r", "ip route add 172.16.0.0/16 via 10.0.2.2 dev eth0", "ip route add 172.16.0.0/16 via 10.0.2.2 dev eth1",
              "ip route add 172.17.0.0/16 via 10.0.2.2 dev eth0 onlink", "ip route", "ip route get 172.17.1.1",
              "ip route del 172.17.0.0/16"))
    # source address for a route over lo (the kernel skips lo's host-scope 127.0.0.1)
    case("ip_route_dev_lo_src", "a route over lo takes its source from another device", routed(),
         cmds("r", "ip route add 10.10.0.0/16 dev lo", "ip route get 10.10.0.1", f"{P1} 10.10.0.1"))


def batch8() -> None:
    """Counters, rp_filter, metric bookkeeping."""
    case("ip_stats_router", "interface counters on a router after forwarding", routed(),
         cmds("a", "ping -c 2 -i 0.2 -W 1 10.0.2.2") + cmds("r", "ip -s link", "ip -s -s link show eth1")
         + cmds("a", "ip -s -br link"))
    # loopback traffic is counted on lo (84 bytes per ICMP packet, no Ethernet header)
    case("ip_stats_lo", "lo counts what is sent to own addresses", lan(),
         cmds("a", f"{P1} 127.0.0.1", f"{P1} 192.168.0.2", "ip -s link show lo"))
    case("ip_route_get_rpfilter", "route get with iif under rp_filter", routed(),
         cmds("r", "sysctl -w net.ipv4.conf.all.rp_filter=1", "ip route get 10.0.2.2 from 10.0.2.77 iif eth0",
              "ip route get 10.0.2.2 from 10.0.1.77 iif eth0", "sysctl -w net.ipv4.conf.all.rp_filter=2",
              "ip route get 10.0.2.2 from 10.0.2.77 iif eth0", "ip route get 10.0.2.2 from 172.16.0.1 iif eth0"))
    case("ip_route_metric_bookkeeping", "change, replace and delete pick routes by metric", routed(),
         cmds("a", "ip route add 10.0.2.0/24 via 10.0.1.1 metric 10", "ip route add 10.0.2.0/24 dev eth0 metric 20",
              "ip route change 10.0.2.0/24 via 10.0.1.1 metric 30", "ip route change 10.0.2.0/24 dev eth0 metric 20",
              "ip route", "ip route del 10.0.2.0/24 dev eth0", "ip route", "ip route del 10.0.2.0/24 via 10.0.1.1 metric 20",
              "ip route del 10.0.2.0/24 via 10.0.1.1 metric 10", "ip route"))
    case("ip_route_details", "-d shows type, table, proto and scope", routed(),
         cmds("a", "ip route add blackhole 10.9.0.0/16", "ip -d route", "ip -d route show table local",
              "ip -d route get 10.0.2.2", "ip -s route", "ip -d -4 route show table all type blackhole"))
    case("ip_addr_loopback_extra", "addresses on lo and a /32 service address", lan(),
         cmds("b", "ip addr add 10.99.0.1/32 dev lo", "ip addr show lo", "ip route show table local",
              "ip addr add 127.0.0.2/8 dev lo", "ip addr show dev lo")
         + cmds("a", "ip route add 10.99.0.1 via 192.168.0.1", f"{P1} 10.99.0.1", "ip route get 10.99.0.1"))


def batch9() -> None:
    """Kernel bookkeeping found by random sequences against the real kernel."""
    case("ip_addr_removal_routes", "what dies with an address: prefsrc routes, and all when the last goes", routed(),
         cmds("a", "ip addr add 10.5.0.1/24 dev eth0", "ip route add 10.7.0.0/16 via 10.5.0.9",
              "ip route add 10.8.0.0/16 dev eth0 src 10.5.0.1", "ip route add 10.9.0.0/16 dev eth0 src 10.5.0.1 table 52",
              "ip addr del 10.5.0.1/24 dev eth0", "ip route show table all", f"{P1} 10.0.1.1",
              "ip addr del 10.0.1.2/24 dev eth0", "ip route show table all", "ip neigh"))
    case("ip_addr_on_down_link", "an address added to a downed link gets only its local route", routed(),
         cmds("r", "ip link set eth0 down", "ip addr add 10.0.1.5/24 dev eth0", "ip addr add 10.0.7.1/24 dev eth0",
              "ip route show table all", "ip link set eth0 up", "ip route show table all"))
    case("ip_broadcast_two_devices", "the same broadcast address on two devices", routed(),
         cmds("r", "ip addr add 10.0.1.7/24 dev lo", "ip route show table local", "ip addr del 10.0.1.7/24 dev lo",
              "ip route show table local"))
    case("ip_rule_action_with_table", "rules that name a table and an action", lan(),
         cmds("a", "ip rule add pref 100 unreachable lookup 100", "ip rule add table 52 lookup 100 blackhole",
              "ip rule add pref 300 goto 32766", "ip rule add pref 400 nop", "ip rule", "ip route get 203.0.113.88",
              "ip rule del pref 100", "ip route get 203.0.113.88"))
    case("ip_route_error_types_src", "error-type routes take any src; change creates the table", routed(),
         cmds("r", "ip route replace throw 10.0.2.128/25 src 10.0.1.2 scope link", "ip route add prohibit 10.0.2.0/24 src 10.0.9.9",
              "ip route change blackhole 10.0.3.0/24 table 77 metric 10", "ip route show table 77",
              "ip route show table all type throw", "ip rule add prohibit",
              "ip route append 10.0.2.0/25 via 10.0.2.2 dev eth1 table 100", "ip rule del prohibit",
              "ip route append 10.0.2.0/25 via 10.0.2.2 dev eth1 table 100", "ip route show table 100"))
    case("ip_route_get_host_errors", "a host answers failed input lookups with No route to host", routed(),
         cmds("a", "ip route change prohibit 10.0.1.0/24", "ip route get 10.0.1.1 from 10.0.1.2 iif eth0",
              "ip route get 10.0.1.1", "ip route get 10.0.9.1 from 10.0.1.9 iif eth0")
         + cmds("r", "ip route add prohibit 10.0.9.0/24", "ip route get 10.0.9.1 from 10.0.1.2 iif eth0",
                "ip route add blackhole 10.0.8.0/24", "ip route get 10.0.8.1 from 10.0.1.2 iif eth0"))


def batch10() -> None:
    """Counters after different kinds of traffic."""
    # counters after seconds of waiting are left out: the recorder's switch bridge sends IGMPv3 reports
    # (224.0.0.106) at times of its own, which a learner's lab does not have
    case("ip_neigh_get", "ip neigh get", routed(),
         cmds("a", f"{P1} 10.0.2.2", "ip neigh get 10.0.1.1 dev eth0", "ip neigh get 10.0.1.9 dev eth0",
              "ip neigh get 10.0.1.1", "ip neigh get dev eth0", "ip neigh get 10.0.1.1 dev eth9", "ip n g to 10.0.1.1 dev eth0"))


def batch11() -> None:
    """Route get flags seen on routers."""
    case("ip_route_get_redirect", "route get marks a packet that leaves where it came in", routed(),
         cmds("r", "ip route get 10.0.2.200 from 10.0.2.2 iif eth1", "ip route get 10.0.1.2 from 10.0.2.2 iif eth1",
              "sysctl -w net.ipv4.conf.all.send_redirects=0", "ip route get 10.0.2.200 from 10.0.2.2 iif eth1",
              "sysctl -w net.ipv4.conf.eth1.send_redirects=0", "ip route get 10.0.2.200 from 10.0.2.2 iif eth1",
              "ip route add 10.0.3.0/24 via 10.0.2.2", "sysctl -w net.ipv4.conf.eth1.send_redirects=1",
              "ip route get 10.0.3.1 from 10.0.2.2 iif eth1"))


def batch12() -> None:
    """Link flags a learner can switch."""
    case("ip_link_flags", "promisc, arp, allmulticast, multicast and alias", lan(),
         cmds("a", 'ip link set eth0 promisc on arp off allmulticast on alias "uplink to b"', "ip link show eth0",
              "ip -br link show eth0", "ip -d link show eth0", "ip a show eth0", "ip -d a show eth0",
              "ip link set eth0 multicast off", "ip link show eth0", "ip link set eth0 arp maybe",
              'ip link set eth0 promisc off arp on allmulticast off multicast on alias ""', "ip link show eth0"))


def batch13() -> None:
    """Once a rule was added the local table shows up in route get."""
    case("ip_route_get_custom_rules", "route get names table local after any ip rule change", routed(),
         cmds("a", "ip route get 10.0.1.2", "ip rule add pref 100 table 100", "ip route get 10.0.1.2",
              "ip route get 10.0.1.2 from 10.0.1.1 iif eth0", "ip rule del pref 100", "ip route get 10.0.1.2",
              "ip route get 127.0.0.1", "ip -d route get 10.0.1.2", "ip route get 10.0.2.2"))
    case("ip_rule_iif_names", "iif and oif names are checked by iproute2, missing ones are detached", lan(),
         cmds("a", "ip rule add iif 192.168.0.0/24 table 100", "ip rule add oif eth0/1 table 100",
              "ip rule add iif eth0 oif eth7 table 100 pref 50", "ip rule", "ip rule show iif eth0",
              "ip rule show oif eth7", "ip route get 203.0.113.88 from 192.168.0.9/24 iif eth0"))


def batch14() -> None:
    """Abbreviations resolved in iproute2's keyword order."""
    case("ip_abbrev_order", "which keyword a short word means", routed(),
         cmds("a", "ip link set eth0 d", "ip link set eth0 m", "ip link set eth0 a", "ip link set eth0 t 500",
              "ip link show eth0", "ip route add 10.9.0.0/16 via 10.0.1.1 p 7", "ip route add 10.8.0.0/16 via 10.0.1.1 pro 7",
              "ip route add 10.7.0.0/16 via 10.0.1.1 t 52", "ip route show table all", "ip route show p 7",
              "ip route get 10.9.0.1 f 10.0.1.2", "ip route get 10.9.0.1 m 3", "ip route s t all"))


def batch15() -> None:
    """ip -c colours even into a pipe."""
    case("ip_color", "ip -c output for addresses, links, routes and neighbours", routed(),
         cmds("a", f"{P1} 10.0.1.1", "ip -c a", "ip -c l", "ip -c -br a", "ip -c -br l", "ip -color r",
              "ip -c route get 10.0.2.2", "ip -c route get 10.0.2.2 from 10.0.1.2", "ip -c n", "ip -c n show dev eth0",
              "ip -c=always -4 -o a", "ip -c=auto a show lo", "ip -c rule", "ip -c route show table local")
         + cmds("r", "ip link set eth1 down", "ip -c -br a", "ip -c link show eth1", "ip -c=bogus a",
                "ip addr add 10.0.2.50/24 brd + dev eth1", "ip -c a show eth1"))


def batch16() -> None:
    """Address options that shape the prefix route."""
    case("ip_addr_metric_noprefixroute", "metric and noprefixroute on addresses", lan(),
         cmds("a", "ip addr add 10.0.40.1/24 dev eth0 metric 100", "ip addr add 10.0.41.1/24 dev eth0 noprefixroute",
              "ip addr add 10.0.42.1/24 brd + dev eth0 metric 5", "ip addr show dev eth0", "ip route", "ip route show table local",
              "ip addr add 10.0.41.2/24 dev eth0 secondary", "ip addr del 10.0.40.1/24 dev eth0", "ip route"))


def main() -> None:
    for fn in (batch1, batch2, batch3, batch4, batch5, batch6, batch7, batch8, batch9, batch10, batch11, batch12, batch13, batch14, batch15, batch16):
        fn()
    write_cases(CASES, "ip")

if __name__ == "__main__":
    main()
