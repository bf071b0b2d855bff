"""Differential cases for IPv6 destination NAT and neighbour discovery leftovers (prefix
``v6nat_``), recorded with IPv6 left on: ``python3 -m tests.kernel.make_cases_v6nat``.

ip6tables -t nat DNAT and REDIRECT at PREROUTING and OUTPUT on a router between two /64s
(a – r – b): the answers translated back, conntrack's tuples, ICMPv6 errors about a
translated packet, the listings (``-L``, ``-S``, ``ip6tables-save``, ``nft list ruleset``)
and ip6tables' refusals; ``ip maddr add/del`` and the MLDv2 report when radvd joins ff02::2.

Writes only tests/kernel/cases/v6nat_*.yaml.
"""
from __future__ import annotations

import copy

from tests.kernel.make_cases import cmds, write_cases
from tests.kernel.make_cases_ipv6 import SETTLE, routed6
from tests.kernel.make_cases_v6sock import ll, redirected

CASES: dict[str, tuple[str, dict, list[dict]]] = {}
NAT = "ip6tables -t nat"


def case(name: str, desc: str, lab: dict, commands: list[dict]) -> None:
    assert name.startswith("v6nat_"), name
    CASES[name] = (desc, copy.deepcopy(lab), commands)


def build_redirects() -> None:
    red = redirected()
    ping = "ping -c 1 -W 1 2001:db8:9::1"
    cache = "ip -6 route show cache"
    case("v6nat_rdx_route_change", "a redirect exception belongs to the route it came from: replacing or deleting "
                                   "that route drops it, a more specific route hides it", red,
         cmds("a", SETTLE, ping, cache, f"ip -6 route replace default via {ll('r')} dev eth0", cache,
              "ip -6 route get 2001:db8:9::1", "sleep 1.1", ping, cache,
              f"ip -6 route add 2001:db8:9::/64 via {ll('r')} dev eth0", cache, "ip -6 route get 2001:db8:9::1",
              "sleep 1.1", ping, cache, "ip -6 route get 2001:db8:9::1",
              f"ip -6 route del 2001:db8:9::/64 via {ll('r')} dev eth0", cache, "ip -6 route get 2001:db8:9::1",
              f"ip -6 route del default via {ll('r')} dev eth0", cache,
              f"ip -6 route add default via {ll('r')} dev eth0", cache, "ip -6 route get 2001:db8:9::1"))
    case("v6nat_rdx_age_get", "an unused redirect exception goes at the route garbage collector's next run "
                              "(every 30 s) once 30 s passed since it was last used; does ip -6 route get use it?",
         red, cmds("a", SETTLE, ping, cache, "sleep 20", "ip -6 route get 2001:db8:9::1", "sleep 20", cache,
                   "sleep 30", cache, "ip -6 route get 2001:db8:9::1"))
    case("v6nat_rdx_age_ping", "a redirect exception a packet used 20 s after it came survives the garbage "
                               "collector's first run, not the one 30 s after the last use",
         red, cmds("a", SETTLE, ping, cache, "sleep 20", ping, "sleep 20", cache, "sleep 30", cache))


def build_mld() -> None:
    conf = "/tmp/radvd-{name}.conf"
    rad = "printf 'interface eth0 {{\\n\\tAdvSendAdvert on;\\n\\tprefix 2001:db8:1::/64 {{\\n\\t}};\\n}};\\n' > {conf}"
    for name, fwd, what in (("v6nat_radvd_mld_fwd", 1, "forwarding on: ff02::2 is joined already, radvd only adds a user"),
                            ("v6nat_radvd_mld_nofwd", 0, "forwarding off: radvd's join of ff02::2 is a new group, "
                                                         "reported (and left again when radvd stops)")):
        c = conf.format(name=name)
        lab = {"ipv6": True, "nodes": {
            "r": {"interfaces": {"eth0": "lan"}, "startup": [
                "ip addr add 2001:db8:1::1/64 dev eth0", f"sysctl -w net.ipv6.conf.all.forwarding={fwd}",
                "sysctl -w net.ipv6.conf.eth0.accept_ra=0",          # not its own advertisements' SLAAC
                rad.format(conf=c)]},
            "a": {"interfaces": {"eth0": "lan"}, "startup": ["sysctl -w net.ipv6.conf.all.accept_ra=0"]}}}
        pid = f"/tmp/{name}.pid"
        case(name, f"radvd starts on a router, {what}", lab,
             cmds("r", SETTLE, "sleep 1", "ip -6 maddr show dev eth0")
             + [{"node": "a", "cmd": "tcpdump -n -vv -i eth0 dst ff02::16", "bg": "t1"}]
             + cmds("r", f"radvd -C {c} -p {pid}", "sleep 2.5", "ip -6 maddr show dev eth0")
             + [{"collect": "t1"}]
             + [{"node": "a", "cmd": "tcpdump -n -i eth0 dst ff02::16", "bg": "t2"}]
             + cmds("r", f"kill $(cat {pid})", "sleep 2.5", "ip -6 maddr show dev eth0")
             + [{"collect": "t2"}])
    lab = {"ipv6": True, "nodes": {"a": {"interfaces": {"eth0": "lan"}}, "b": {"interfaces": {"eth0": "lan"}}}}
    case("v6nat_maddr_add", "ip maddr add/del of link-layer multicast addresses: static entries, iproute2 6.1's "
                            "errors", lab,
         cmds("a", SETTLE, "ip maddr add 33:33:00:00:00:fb dev eth0", "ip maddr show dev eth0",
              "ip -0 maddr show dev eth0", "ip -6 maddr show dev eth0",
              "ip maddr add 33:33:00:00:00:fb dev eth0", "ip maddr add 01:00:5e:00:00:fb dev eth0",
              "ip maddr add 33:33:00:00:00:01 dev eth0", "ip maddr show dev eth0",
              "ip maddr del 33:33:00:00:00:01 dev eth0", "ip maddr show dev eth0",
              "ip maddr del 33:33:00:00:00:fb dev eth0", "ip maddr del 33:33:00:00:00:fb dev eth0",
              "ip maddr delete 01:00:5e:00:00:fb dev eth0", "ip maddr show dev eth0",
              "ip maddr add 33:33:00:00:00:fb", "ip maddr add dev eth0", "ip maddr add 33:33:00:00:00:fb dev eth9",
              "ip maddr add ff02::fb dev eth0", "ip maddr add 224.0.0.251 dev eth0", "ip maddr add bogus dev eth0",
              "ip maddr add 33:33:00:00:00:fb dev eth0 dev eth0", "ip maddr add 33:33:00:00:00:fb eth0",
              "ip maddr add 33:33:00:00:00:fb 33:33:00:00:00:fc dev eth0", "ip maddr a 33:33:00:00:00:fc dev eth0",
              "ip maddr show dev eth0", "ip maddr add 33:33:00:00:00:fd dev lo", "ip maddr show dev lo",
              "ip maddr add 33:33:00:00:00:fb dev eth0 foo", "ip maddr del 33:33:00:00:00:fc dev eth0",
              "ip maddr show dev eth0", "ip link set eth0 down", "ip maddr add 33:33:00:00:00:fe dev eth0",
              "ip maddr show dev eth0"))


def build() -> None:
    dnat = routed6(r_extra=[
        f"{NAT} -A PREROUTING -i eth0 -p tcp --dport 80 -j DNAT --to-destination [2001:db8:2::2]:8080",
        f"{NAT} -A PREROUTING -i eth0 -p tcp --dport 81 -j DNAT --to-destination [2001:db8:2::2]:8081"])
    case("v6nat_dnat_tcp", "a port forward over IPv6: the answer comes back from the router's address, a closed "
                           "target port answers with a RST translated back", dnat,
         cmds("a", SETTLE) + [{"node": "b", "cmd": "nc -6 -l 8080", "bg": "l1"}]
         + cmds("a", "sleep 1", "nc -6 -zv 2001:db8:1::1 80", "nc -6 -zv 2001:db8:1::1 81")
         + cmds("r", "conntrack -L -f ipv6", "conntrack -L -p tcp -f ipv6 --dport 80", "conntrack -L -f ipv6 -o extended",
                "conntrack -L -f ipv6 --dst-nat", "conntrack -L -f ipv6 --src-nat", "conntrack -L -d 2001:db8:1::1",
                "conntrack -L -f ipv6 --reply-src 2001:db8:2::2", "conntrack -L -f ipv6 --dst-nat 2001:db8:2::2",
                f"{NAT} -L -n -v",
                f"{NAT} -L PREROUTING -n -v -x --line-numbers", f"{NAT} -L -n", f"{NAT} -S", "ip6tables-save -t nat",
                "nft list ruleset", "nft list table ip6 nat")
         + [{"collect": "l1"}])
    ping = routed6(r_extra=[
        "ip addr add 2001:db8:1::100/64 dev eth0", "ip addr add 2001:db8:1::101/64 dev eth0",
        f"{NAT} -A PREROUTING -d 2001:db8:1::1 -p icmpv6 --icmpv6-type echo-request -j DNAT "
        "--to-destination 2001:db8:2::2",
        f"{NAT} -A PREROUTING -d 2001:db8:1::100 -j DNAT --to-destination 2001:db8:2::9",
        f"{NAT} -A PREROUTING -d 2001:db8:1::101 -j DNAT --to-destination 2001:db8:7::7"])
    case("v6nat_dnat_ping", "DNAT of a ping: the answer carries the address a pinged; errors about translated "
                            "packets come back translated", ping,
         cmds("a", SETTLE, "ping -c 2 -i 0.2 -W 1 2001:db8:1::1", "ping -c 1 -W 4 2001:db8:1::100",
              "ping -c 1 -W 1 2001:db8:1::101", "ping -c 1 -W 1 -t 1 2001:db8:1::1")
         + cmds("r", "conntrack -L", "conntrack -L -f ipv6 --dst-nat", "conntrack -L -f ipv6 --src-nat",
                f"{NAT} -L PREROUTING -n -v -x")
         + cmds("b", "ip -6 neigh show dev eth0"))
    udp = routed6(r_extra=[f"{NAT} -A PREROUTING -i eth0 -p udp --dport 53 -j DNAT --to-destination [2001:db8:2::2]:5353"])
    case("v6nat_dnat_udp_errors", "UDP through DNAT: the target's port unreachable and the router's hop limit "
                                  "error come back as from the forwarded address", udp,
         cmds("a", SETTLE, "traceroute -n -U -p 53 -q 1 -N 1 2001:db8:1::1")
         + cmds("r", "conntrack -L -p udp"))
    redir = routed6(r_extra=[
        "ip addr add 2001:db8:1::5/64 dev eth0",
        f"{NAT} -A PREROUTING -i eth0 -p tcp --dport 80 -j REDIRECT --to-ports 8080",
        f"{NAT} -A PREROUTING -i eth0 -p tcp --dport 81 -j REDIRECT"])
    case("v6nat_redirect", "REDIRECT on the router: a connection to b's port 80 ends at the router's 8080",
         redir,
         cmds("a", SETTLE) + [{"node": "r", "cmd": "nc -6 -l 8080", "bg": "l1"}]
         + cmds("a", "sleep 1", "nc -6 -zv 2001:db8:2::2 80", "nc -6 -zv 2001:db8:2::2 81")
         + cmds("r", "conntrack -L -f ipv6", f"{NAT} -S", f"{NAT} -L PREROUTING -n -v", "ip6tables-save -t nat",
                "nft list chain ip6 nat PREROUTING")
         + [{"collect": "l1"}])
    out = routed6(r_extra=[])
    out["nodes"]["a"]["startup"] += [
        f"{NAT} -A OUTPUT -d 2001:db8:9::9 -p icmpv6 -j DNAT --to-destination 2001:db8:2::2",
        f"{NAT} -A OUTPUT -d 2001:db8:2::2 -p tcp --dport 80 -j REDIRECT --to-ports 8080"]
    case("v6nat_output", "nat OUTPUT on a host: a ping to an address nobody has goes to b; a connection to b's "
                         "port 80 stays on the host (::1)", out,
         cmds("a", SETTLE) + [{"node": "a", "cmd": "nc -6 -l 8080", "bg": "l1"}]
         + cmds("a", "sleep 1", "ping -c 1 -W 1 2001:db8:9::9", "nc -6 -zv 2001:db8:2::2 80", "conntrack -L",
                f"{NAT} -L OUTPUT -n -v -x", f"{NAT} -S OUTPUT")
         + [{"collect": "l1"}])
    fw = routed6(r_extra=[
        "ip6tables -P FORWARD DROP", "ip6tables -A FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT",
        "ip6tables -A FORWARD -m conntrack --ctstate DNAT -j ACCEPT",
        f"{NAT} -A PREROUTING -i eth0 -p tcp --dport 80 -j DNAT --to-destination [2001:db8:2::2]:8080",
        f"{NAT} -A PREROUTING -i eth0 -p udp --dport 53 -j DNAT --to-destination [2001:db8:2::2]:5353"])
    case("v6nat_dnat_forward_drop", "FORWARD policy DROP: --ctstate DNAT lets the forwarded port in, the answers "
                                    "and the ICMPv6 errors pass as ESTABLISHED/RELATED, the rest stays out", fw,
         cmds("a", SETTLE) + [{"node": "b", "cmd": "nc -6 -l 8080", "bg": "l1"}]
         + cmds("a", "sleep 1", "nc -6 -zv 2001:db8:1::1 80", "traceroute -n -U -p 53 -q 1 -N 1 2001:db8:1::1",
                "ping -c 1 -W 1 2001:db8:2::2")
         + cmds("r", "ip6tables -L FORWARD -n -v -x", "conntrack -L -f ipv6 -p udp")
         + [{"collect": "l1"}])
    nft = routed6(r_extra=[
        "nft add table ip6 pf", "nft 'add chain ip6 pf pre { type nat hook prerouting priority dstnat; }'",
        "nft add rule ip6 pf pre iifname eth0 tcp dport 80 dnat to [2001:db8:2::2]:8080",
        "nft add rule ip6 pf pre iifname eth0 tcp dport 81 redirect to :8081",
        "nft add rule ip6 pf pre iifname eth0 meta l4proto ipv6-icmp dnat to 2001:db8:2::2"])
    case("v6nat_nft_dnat", "the same port forward written with nft (table ip6): dnat to [addr]:port, redirect", nft,
         cmds("a", SETTLE) + [{"node": "b", "cmd": "nc -6 -l 8080", "bg": "l1"},
                              {"node": "r", "cmd": "nc -6 -l 8081", "bg": "l2"}]
         + cmds("a", "sleep 1", "nc -6 -zv 2001:db8:1::1 80", "nc -6 -zv 2001:db8:1::1 81",
                "ping -c 1 -W 1 2001:db8:1::1")
         + cmds("r", "conntrack -L -f ipv6", "nft list table ip6 pf", "ip6tables -t nat -L -n")
         + [{"collect": "l1"}, {"collect": "l2"}])
    bad = routed6()
    case("v6nat_errors", "ip6tables' refusals of DNAT/REDIRECT and the forms it takes", bad,
         cmds("r", f"{NAT} -A PREROUTING -j DNAT", f"{NAT} -A PREROUTING -j DNAT --to-destination 10.0.0.1",
              f"{NAT} -A PREROUTING -j DNAT --to-destination 2001:db8::5:8080",
              f"{NAT} -A PREROUTING -j DNAT --to-destination [2001:db8::5]:8080",
              f"{NAT} -A PREROUTING -p tcp -j DNAT --to-destination [2001:db8::5]:8080",
              f"{NAT} -A PREROUTING -p tcp -j DNAT --to-destination [2001:db8::5]:80-90",
              f"{NAT} -A PREROUTING -p tcp -j DNAT --to-destination [2001:db8::5]",
              f"{NAT} -A PREROUTING -p tcp -j DNAT --to-destination 2001:db8::5-2001:db8::9",
              f"{NAT} -A PREROUTING -p udp -j DNAT --to-destination [2001:db8::zz]:53",
              f"{NAT} -A PREROUTING -j REDIRECT --to-ports 8080", f"{NAT} -A PREROUTING -p tcp -j REDIRECT --to-ports 70000",
              f"{NAT} -A PREROUTING -p tcp -j REDIRECT --to-ports 8080-8090", f"{NAT} -A OUTPUT -p udp -j REDIRECT",
              "ip6tables -A INPUT -p tcp -j DNAT --to-destination [2001:db8::5]:80",
              f"{NAT} -A POSTROUTING -p tcp -j DNAT --to-destination [2001:db8::5]:80",
              f"{NAT} -A POSTROUTING -p tcp -j REDIRECT --to-ports 80",
              f"{NAT} -S", f"{NAT} -L -n", "ip6tables-save -t nat"))


def main() -> None:
    build()
    build_redirects()
    build_mld()
    write_cases(CASES, "ipv6 nat and nd (v6nat)", stale="v6nat_*.yaml")


if __name__ == "__main__":
    main()
