"""Differential cases for nft's leftovers (prefix ``nft2_``): limit metering, ``-e``, every error, options.

    python3 -m tests.kernel.make_cases_nft2

``limit rate`` is a token bucket in the kernel (nft_limit.c): the cases ping faster than the
rate and count which requests pass. ``-e`` echoes what was added with nft's generation line
(normalised). A file with several mistakes shows every one of them, as nft does.
"""
from __future__ import annotations

from tests.kernel.make_cases import CASES, case, cmds, lan, routed, write_cases

PREFIX = "nft2_"
B = "192.168.0.1"
INPUT = "nft 'add chain ip t c { type filter hook input priority 0; policy accept; }'"


def build() -> None:
    case("nft2_limit_meter", "limit rate 1/second burst 2 packets: two requests at once, then one a second", lan(),
         cmds("b", "nft add table ip t", INPUT,
              "nft add rule ip t c icmp type echo-request limit rate 1/second burst 2 packets counter accept",
              "nft add rule ip t c icmp type echo-request counter drop")
         + cmds("a", f"ping -c 6 -i 0.3 -W 1 {B}") + cmds("b", "nft list ruleset"))
    case("nft2_limit_over", "limit rate over 1/second burst 1 packets drop: only the first request passes", lan(),
         cmds("b", "nft add table ip t", INPUT,
              "nft add rule ip t c icmp type echo-request limit rate over 1/second burst 1 packets counter drop")
         + cmds("a", f"ping -c 4 -i 0.3 -W 1 {B}") + cmds("b", "nft list ruleset"))
    case("nft2_limit_default_burst", "limit rate 2/second (burst 5): five pass at once, then two a second", lan(),
         cmds("b", "nft add table ip t", INPUT,
              "nft add rule ip t c icmp type echo-request limit rate 2/second counter accept",
              "nft add rule ip t c icmp type echo-request drop")
         + cmds("a", f"ping -c 8 -i 0.2 -W 1 -q {B}") + cmds("b", "nft list chain ip t c"))
    case("nft2_echo", "nft -e echoes added tables, chains and rules with the generation line", lan(),
         cmds("b", "nft add table ip t",
              "nft -a -e add chain ip t c '{ type filter hook input priority 0; policy accept; }'",
              "nft -ae add rule ip t c tcp dport 22 accept", "nft -e add rule ip t c counter",
              "nft -e add chain ip t d", "nft -e add table inet f", "nft -e add table ip t",
              "nft -e create table ip x", "nft -e delete table ip x", "nft -e -c add rule ip t c accept",
              "nft -e insert rule ip t c udp dport 53 counter drop",
              "nft --echo replace rule ip t c handle 2 tcp dport 23 accept",
              "nft -e add set ip t s '{ type ipv4_addr; }'", "nft -e add element ip t s '{ 10.0.0.1, 10.0.0.2 }'",
              "nft -e add element ip t s '{ 10.0.0.1 }'", "nft -e add set ip t s '{ type ipv4_addr; }'",
              "nft -e add set ip t r '{ type ipv4_addr; flags interval; }'",
              "nft -e add map ip t m '{ type ipv4_addr : inet_service; }'", "nft -e add element ip t m '{ 10.0.0.1 : 22 }'",
              "nft -a list ruleset"))
    f1, f2 = "/tmp/nft2-syntax.nft", "/tmp/nft2-eval.nft"
    case("nft2_all_errors", "every error of one input, not only the first", lan(),
         cmds("b", f"printf 'add table ip t\\nadd chain ip t c {{ type filter hook input priority 0; }}\\n"
                   f"add rule ip t c tcp dport 22 acept\\nadd rule ip t c udp dport 53 dorp\\nadd rule ip t x accept\\n' > {f1}",
              f"nft -f {f1}", "nft list ruleset",
              f"printf 'add table ip t\\nadd rule ip t nochain accept\\nadd rule ip t nochain2 drop\\n' > {f2}",
              f"nft -f {f2}", f"nft -c -f {f2}", "nft list ruleset",
              "nft 'add rule ip t c tcp dport 22 acept; add rule ip t c udp dport 53 dorp'",
              f"rm -f {f1} {f2}"))
    inc = "/tmp/nft2-inc"
    case("nft2_include", "include \"FILE\" in nft -f: spliced in, missing files, errors inside", lan(),
         cmds("b", f"mkdir -p {inc}", f"printf 'add table ip t\\nadd chain ip t c1\\n' > {inc}/a.nft",
              f"printf 'include \"a.nft\"\\n' > {inc}/rel.nft", f"nft -f {inc}/rel.nft",
              f"printf 'add table ip q\\ninclude \"{inc}/a.nft\"\\nadd chain ip t zz\\n' > {inc}/main.nft",
              f"nft -f {inc}/main.nft", "nft list ruleset",
              f"printf 'add rule ip t c1 acept\\n' > {inc}/bad.nft", f"printf 'include \"{inc}/bad.nft\"\\n' > {inc}/b.nft",
              f"nft -f {inc}/b.nft", f"printf 'include \"{inc}/none.nft\"\\n' > {inc}/n.nft", f"nft -f {inc}/n.nft",
              f"nft 'include \"{inc}/a.nft\"'", f"rm -rf {inc}"))
    case("nft2_vmap", "anonymous verdict maps: the element decides, no element means the next rule", lan(),
         cmds("b", "nft add table ip t", INPUT, "nft add chain ip t other",
              "nft add rule ip t c ip saddr vmap '{ 192.168.0.2 : drop, 192.168.0.3 : accept }'")
         + cmds("a", f"ping -c 1 -W 1 {B}")
         + cmds("b", "nft flush chain ip t c",
                "nft -e add rule ip t c ip saddr vmap '{ 192.168.0.9 : drop, 192.168.0.0/24 : jump other }'",
                "nft add rule ip t c ip saddr vmap '{ 192.168.0.0/24 : jump other, 192.168.0.9 : drop }'",
                "nft -e add rule ip t c ip saddr vmap '{ 192.168.0.9 : drop, 192.168.0.10-192.168.0.255 : jump other }'",
                "nft add rule ip t other counter",
                "nft add rule ip t c tcp dport vmap '{ 22 : accept, 80-90 : drop, 23 : jump other }'",
                "nft add rule ip t c iifname vmap '{ \"lo\" : accept }'",
                "nft add rule ip t c ip saddr vmap '{ 192.168.0.0/24 : continue }'",
                "nft add rule ip t c counter")
         + cmds("a", f"ping -c 1 -W 1 {B}")
         + cmds("b", "nft -a list ruleset", "nft add rule ip t c ip daddr vmap '{ 10.0.0.1 : acept }'",
                "nft add rule ip t c ip daddr vmap '{ 10.0.0.1 accept }'"))
    case("nft2_json", "nft -j list ruleset: tables, sets, chains and rules as nft 1.0.6 prints JSON", lan(),
         cmds("b", "nft add table ip t", "nft 'add chain ip t c { type filter hook input priority 0; policy accept; }'",
              "nft add chain ip t d", "nft 'add chain ip t p { type nat hook postrouting priority srcnat; }'",
              "nft 'add set ip t blocked { type ipv4_addr; flags interval; }'",
              "nft add element ip t blocked '{ 10.9.0.0/16, 10.8.0.1 }'",
              "nft add rule ip t c ip saddr 10.0.0.0/8 tcp dport '{ 22, 80 }' ct state established,related counter accept",
              "nft add rule ip t c iifname eth0 icmp type echo-request counter jump d",
              "nft add rule ip t c tcp dport 1000-2000 reject with tcp reset",
              "nft add rule ip t c ip daddr != 10.0.0.1 ip saddr @blocked reject",
              "nft add rule ip t c log prefix '\"x: \"' drop comment '\"hi\"'",
              "nft add rule ip t c meta l4proto udp udp dport 53 accept",
              "nft add rule ip t c ip saddr vmap '{ 10.0.0.1 : accept, 10.0.0.2 : drop }'",
              "nft add rule ip t c limit rate over 10/minute burst 3 packets drop",
              "nft add rule ip t c limit rate 5/second accept",
              "nft add rule ip t p oifname eth1 masquerade",
              "nft add rule ip t p ip saddr 10.0.0.0/24 snat to 198.51.100.4",
              "nft add rule ip t d tcp dport 8080 return",
              "nft add table inet f", "nft 'add chain inet f i { type filter hook forward priority filter; policy drop; }'",
              "nft add rule inet f i ct state established accept",
              "iptables -A INPUT -s 10.1.1.1 -j DROP", "iptables -A FORWARD -p tcp --dport 22 -j ACCEPT")
         + cmds("a", f"ping -c 1 -W 1 {B}")
         + cmds("b", "nft -j list ruleset", "nft -j list ruleset inet", "nft --json list ruleset ip6"))
    mf = "/tmp/nft2-map.nft"
    case("nft2_named_maps", "named maps: add map, elements KEY : DATA, vmap @map deciding, listings and JSON", lan(),
         cmds("b", "nft add table ip t", INPUT, "nft add chain ip t other", "nft add rule ip t other counter",
              "nft add map ip t m '{ type ipv4_addr : verdict; }'",
              "nft add element ip t m '{ 192.168.0.2 : jump other, 10.0.0.2 : accept }'",
              "nft add map ip t ports '{ type ipv4_addr : inet_service; }'",
              "nft add element ip t ports '{ 10.0.0.1 : 22, 10.0.0.3 : 443 }'",
              "nft add rule ip t c ip saddr vmap @m", "nft add rule ip t c ip saddr vmap @nope",
              "nft add set ip t plain '{ type ipv4_addr; }'")
         + cmds("a", f"ping -c 1 -W 1 {B}")
         + cmds("b", "nft -a list ruleset", "nft -j list ruleset", "nft list map ip t m", "nft list maps", "nft list sets",
                "nft delete element ip t m '{ 192.168.0.2 }'", "nft flush map ip t ports", "nft list ruleset",
                "nft delete map ip t ports",
                f"printf 'table ip f {{\\n\\tmap v {{\\n\\t\\ttype inet_service : verdict\\n\\t\\telements = {{ 22 : accept, 80 : drop }}\\n\\t}}\\n}}\\n' > {mf}",
                f"nft -f {mf}", "nft list table ip f", f"rm -f {mf}"))
    case("nft2_dnat_map", "dnat to udp dport map { PORT : ADDR } and map @NAME: the address comes from the map",
         routed(),
         cmds("r", "nft add table ip n", "nft 'add chain ip n pre { type nat hook prerouting priority dstnat; }'",
              "nft add map ip n fw '{ type inet_service : ipv4_addr; }'",
              "nft add element ip n fw '{ 6000 : 10.0.2.2 }'",
              "nft add rule ip n pre iifname eth0 udp dport 5000 dnat to udp dport map '{ 5000 : 10.0.2.2, 5001 : 10.0.2.9 }'",
              "nft add rule ip n pre iifname eth0 dnat ip to udp dport map @fw")
         + [{"node": "b", "cmd": "tcpdump -i eth0 -n -c 2 udp", "bg": "t1"}]
         + cmds("a", "echo hi | nc -u -w1 10.0.1.1 5000", "echo ho | nc -u -w1 10.0.1.1 6000")
         + [{"collect": "t1"}]
         + cmds("r", "nft -a list ruleset", "nft -j list ruleset", "nft list map ip n fw"))
    case("nft2_options", "nft's getopt_long: ambiguous prefixes, missing arguments, no permutation", lan(),
         cmds("b", "nft --n", "nft --s", "nft --f", "nft -x", "nft --e", "nft --version=1", "nft --i", "nft -f",
              "nft --h", "nft --x", "nft --ver", "nft --nu list ruleset", "nft --hand list ruleset",
              "nft list ruleset -a", "nft -I"))


if __name__ == "__main__":
    build()
    write_cases({n: spec for n, spec in CASES.items() if n.startswith(PREFIX)}, "nft2", stale=f"{PREFIX}*.yaml")
