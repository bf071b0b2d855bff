"""Hand-written nftables (prefix ``nft_``): ``python3 -m tests.kernel.make_cases_nftcli``.

The nft language as learners type it: tables, base chains with ``policy drop``,
rules with handles, ``delete rule … handle N``, NAT, sets, ``nft -f`` files,
``flush ruleset``, nft's error output with carets and "did you mean" hints, and
nft mixed with iptables-nft. Files for ``-f`` go to /tmp/nftcli_<case>.nft (one
per case, the recorder runs cases in parallel). Writes only tests/kernel/cases/nft_*.yaml.
"""
from __future__ import annotations

import copy

from simnet.kernel.rootfs import NFTABLES_CONF as DEBIAN_CONF
from tests.kernel.make_cases import cmds, lan, routed, subnet_router, write_cases

CASES: dict[str, tuple[str, dict, list[dict]]] = {}
P1 = "ping -c 1 -W 1"


def case(name: str, desc: str, lab: dict, commands: list[dict]) -> None:
    assert name.startswith("nft_"), name
    CASES[name] = (desc, copy.deepcopy(lab), commands)


def nft_file(name: str, text: str) -> str:
    """A printf that writes ``text`` to the case's own file (tabs and newlines escaped)."""
    body = text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("'", "'\\''")
    return f"printf '{body}' > /tmp/nftcli_{name}.nft"


SEED_NAT = ["nft add table ip nat",
            "nft add chain ip nat postrouting { type nat hook postrouting priority 100 \\; }",
            "nft add rule ip nat postrouting oifname \"eth1\" ip saddr 10.0.5.0/24 masquerade"]

FORWARD_DROP = """flush ruleset
table inet filter {
\tchain input {
\t\ttype filter hook input priority 0; policy accept;
\t}
\tchain forward {
\t\ttype filter hook forward priority 0; policy drop;
\t\tct state established,related accept
\t\tiifname "eth0" oifname "eth1" icmp type echo-request counter accept
\t}
}
"""


DEFINES = """#!/usr/sbin/nft -f
define LAN = 10.0.1.0/24
define WEB = { 80, 443 }
flush ruleset
table inet filter {
\tchain forward {
\t\ttype filter hook forward priority filter; policy drop;
\t\tct state established,related accept
\t\tip saddr $LAN icmp type echo-request accept
\t\tip saddr $LAN tcp dport $WEB accept
\t}
}
"""

BAD_FILE = """table ip t {
\tchain c {
\t\ttype filter hook input priority 0; policy drop;
\t\ttcp dport 22 acept
\t}
}
"""

BAD_FILE2 = """table ip t {
\tchain c {
\t\ttype filter hook input priority 0; policy drop;
\t\ttcp dport 70000 accept
\t}
}
"""


def build() -> None:
    # --- the seed's NAT section, then traffic through it
    case("nft_seed_masquerade", "the seed's nft NAT: table, postrouting chain, masquerade rule, traffic",
         subnet_router(),
         cmds("tailscale", *SEED_NAT, "nft list ruleset", "nft -a list ruleset", "nft list table ip nat")
         + cmds("laptop", P1 + " 192.168.0.101")
         + cmds("tailscale", "nft list chain ip nat postrouting", "conntrack -L -p icmp"))
    case("nft_forward_policy_drop", "forward chain with policy drop and an accept for pings", routed(),
         cmds("r", "nft add table inet filter",
              "nft 'add chain inet filter forward { type filter hook forward priority 0; policy drop; }'")
         + cmds("a", P1 + " 10.0.2.2")
         + cmds("r", "nft add rule inet filter forward ct state established,related accept",
                "nft add rule inet filter forward iifname eth0 oifname eth1 icmp type echo-request counter accept")
         + cmds("a", P1 + " 10.0.2.2", "traceroute -n -q 1 -w 1 10.0.2.2")
         + cmds("r", "nft list ruleset", "nft -a list chain inet filter forward", "nft -s list ruleset",
                "nft -n list ruleset"))
    case("nft_handles_delete", "handles, insert/add position, replace and delete rule … handle N", lan(),
         cmds("a", "nft add table ip filter",
              "nft 'add chain ip filter input { type filter hook input priority 0; policy accept; }'",
              "nft add rule ip filter input ip saddr 10.0.0.1 drop",
              "nft add rule ip filter input tcp dport 22 accept",
              "nft insert rule ip filter input ip saddr 10.0.0.2 drop",
              "nft -a list chain ip filter input",
              "nft insert rule ip filter input position 3 ip saddr 10.0.0.3 drop",
              "nft add rule ip filter input position 3 ip saddr 10.0.0.4 drop",
              "nft replace rule ip filter input handle 2 ip saddr 10.0.0.9 counter drop",
              "nft -a list chain ip filter input", "nft delete rule ip filter input handle 3",
              "nft delete rule ip filter input handle 3", "nft delete rule ip filter input handle 99",
              "nft delete rule ip filter input", "nft insert rule ip filter input position 42 accept",
              "nft -a list ruleset"))
    case("nft_drop_ping", "an input rule that drops pings from one host", lan(),
         cmds("b", "nft add table ip filter",
              "nft 'add chain ip filter input { type filter hook input priority 0; }'",
              "nft add rule ip filter input ip saddr 192.168.0.2 icmp type echo-request counter drop")
         + cmds("a", P1 + " 192.168.0.1")
         + cmds("b", "nft list ruleset", "nft flush chain ip filter input", "nft list chain ip filter input")
         + cmds("a", P1 + " 192.168.0.1"))
    case("nft_reject_forms", "reject with its variants, how nft lists them", lan(),
         cmds("b", "nft add table ip filter",
              "nft 'add chain ip filter input { type filter hook input priority 0; }'",
              "nft add rule ip filter input ip saddr 192.168.0.2 reject with icmp type host-unreachable",
              "nft add rule ip filter input tcp dport 22 reject with tcp reset",
              "nft add rule ip filter input udp dport 53 reject",
              "nft add rule ip filter input reject with icmp type port-unreachable")
         + cmds("a", P1 + " 192.168.0.1")
         + cmds("b", "nft list ruleset")
         + cmds("b", "nft add table inet f", "nft 'add chain inet f c { type filter hook output priority 0; }'",
                "nft add rule inet f c reject with tcp reset", "nft add rule inet f c reject",
                "nft add rule inet f c reject with icmpx type admin-prohibited",
                "nft add rule ip filter input reject with icmpx type admin-prohibited", "nft list table inet f"))
    case("nft_expressions", "many match and statement forms and how nft prints them back", lan(),
         cmds("a", "nft add table ip t", "nft add chain ip t c",
              "nft add rule ip t c tcp dport { 443, 22, 80 } accept",
              "nft add rule ip t c tcp dport { https, ssh }",
              "nft add rule ip t c meta l4proto tcp tcp dport 22",
              "nft add rule ip t c ip protocol tcp",
              "nft add rule ip t c ip saddr 10.0.0.1/32 ip daddr 10.0.0.5/24",
              "nft add rule ip t c tcp sport 1024-65535 udp dport != 53",
              "nft add rule ip t c tcp dport '> 1024' counter packets 5 bytes 10",
              "nft add rule ip t c iifname eth0 oifname != eth1",
              "nft add rule ip t c iifname '\"eth*\"' meta oifname '{ \"eth1\", \"eth0\" }'",
              "nft add rule ip t c ct state new,invalid drop",
              "nft add rule ip t c ct state '{ related, established }' accept",
              "nft add rule ip t c icmp type '{ echo-request, echo-reply }' accept",
              "nft add rule ip t c icmp type 3", "nft add rule ip t c ip protocol icmp icmp type 8 accept",
              "nft add rule ip t c meta l4proto '{ tcp, udp }'", "nft add rule ip t c meta l4proto icmp",
              "nft add rule ip t c ip daddr != '{ 10.0.0.1, 10.0.0.2 }'",
              "nft add rule ip t c ip saddr '{ 10.0.0.1, 10.0.0.0/24 }' accept",
              "nft add rule ip t c ip saddr 10.0.0.1-10.0.0.9",
              "nft add rule ip t c log", "nft add rule ip t c log prefix '\"in: \"' level warn",
              "nft add rule ip t c tcp sport 1-1023 log prefix '\"low \"' level info",
              "nft add rule ip t c limit rate 10/second burst 20 packets accept",
              "nft add rule ip t c limit rate 5/minute drop", "nft add rule ip t c limit rate over 1/hour",
              "nft add rule ip t c udp dport 53 counter accept comment '\"dns\"'",
              "nft add rule ip t c iif lo accept", "nft add rule ip t c continue",
              "nft add rule ip t c icmpv6 type echo-request",
              "nft list ruleset", "nft -n list ruleset", "nft -s list ruleset"))
    case("nft_nat_forms", "snat, dnat, redirect, masquerade: forms and the chains they need", lan(),
         cmds("a", "nft add table ip nat",
              "nft 'add chain ip nat pre { type nat hook prerouting priority dstnat; }'",
              "nft 'add chain ip nat post { type nat hook postrouting priority srcnat; policy accept; }'",
              "nft add chain ip nat plain",
              "nft add rule ip nat pre ip daddr 203.0.113.1 dnat to 10.0.2.2",
              "nft add rule ip nat pre tcp dport 8080 dnat to 10.0.2.2:80",
              "nft add rule ip nat pre tcp dport 80 redirect to :8080",
              "nft add rule ip nat post ip saddr 10.0.1.0/24 snat to 203.0.113.1",
              "nft add rule ip nat post counter masquerade random",
              "nft add rule ip nat post meta l4proto tcp snat to 203.0.113.1:1000-2000",
              "nft add rule ip nat post snat to 10.0.0.1-10.0.0.5",
              "nft add rule ip nat plain masquerade",
              "nft add rule ip nat pre masquerade", "nft add rule ip nat post ip daddr 1.2.3.4 dnat to 10.0.0.1",
              "nft add rule ip nat pre ip daddr 10.0.0.1 dnat to 10.0.0.2:8080",
              "nft add rule ip nat post masquerade to :1024-2048",
              "nft add table inet f", "nft 'add chain inet f c { type filter hook input priority 0; }'",
              "nft add rule inet f c masquerade", "nft add rule inet f c dnat to 10.0.0.2",
              "nft list ruleset"))
    # --- errors: syntax with carets, kernel refusals, hints
    case("nft_syntax_errors", "syntax errors and nft's carets", lan(),
         cmds("a", "nft add table ip t", "nft 'add chain ip t c { type filter hook input priority 0; }'",
              "nft add rule ip t c tcp dport", "nft add rule ip t c tcp dport accept",
              "nft add rule ip t c ip addr 1.2.3.4", "nft add rule ip t c tcp port 22 accept",
              "nft add rule ip t c foo bar", "nft add rule ip t c drop accept",
              "nft add rule ip t c counter accept counter", "nft add rule ip t c", "nft add table",
              "nft add", "nft ad table x", "nft add table ip t extra", "nft list rulesets", "nft list",
              "nft flush rulset", "nft add rule ip t c jump", "nft add rule ip t c ,",
              "nft add rule ip t c '}'", "nft 'add rule ip t c {'",
              "nft add rule ip t c tcp dport 22 accept comment",
              "nft add rule ip t c limit rate 10/sec", "nft list ruleset -a", "nft list -a ruleset",
              "nft --foo list ruleset", "nft -x list ruleset", "nft", "nft -a", "nft ''", "nft list ruleset"))
    case("nft_value_errors", "values nft refuses, with the marks under them", lan(),
         cmds("a", "nft add table ip t", "nft 'add chain ip t c { type filter hook input priority 0; }'",
              "nft add rule ip t c tcp dport 70000 accept", "nft add rule ip t c tcp dport foo",
              "nft add rule ip t c ip saddr 10.0.0.0/33", "nft add rule ip t c ip saddr 10.0.0.300 accept",
              "nft add rule ip t c ip saddr 2001:db8::1", "nft add rule ip t c ip6 saddr 10.0.0.1",
              "nft add rule ip t c ct state foo accept", "nft add rule ip t c icmp type echo accept",
              "nft add rule ip t c meta l4proto foo", "nft add rule ip t c tcp dport 22-10 accept",
              "nft add rule ip t c reject with icmp type foo", "nft add rule ip t c iif eth9 accept",
              "nft add rule ip t c oif eth0 accept",
              "nft 'add chain ip t d { type filter hook input; }'",
              "nft 'add chain ip t d { type filter hook foo priority 0; }'",
              "nft 'add chain ip t d { type foo hook input priority 0; }'",
              "nft 'add chain ip t d { type filter hook input priority foo; }'",
              "nft 'add chain ip t d { type filter hook input priority 0; policy foo; }'",
              "nft list ruleset"))
    case("nft_missing_objects", "missing tables and chains: plain errors and 'did you mean'", lan(),
         cmds("a", "nft list table ip filter", "nft add table ip nat", "nft add chain ip nat postrouting",
              "nft list chain ip nat foo", "nft list table ip natt", "nft list table inet nat",
              "nft add rule ip nat postroutin accept", "nft add rule ip nata postrouting accept",
              "nft add rule ip6 nat postrouting accept", "nft add rule ip filter forward accept",
              "nft delete table ip natt", "nft flush table ip natt", "nft delete chain ip nat postroutng",
              "nft add chain ip natt x", "nft add chain ip foo x", "nft add rule ip nat postrouting jump nowhere",
              "nft delete rule ip nat postroutng handle 5", "nft list set ip nat foo",
              "nft add element ip nat foo '{ 1.2.3.4 }'", "nft create table ip nat",
              "nft create chain ip nat postrouting", "nft list ruleset"))
    case("nft_chain_busy", "deleting a chain still jumped to, and after the jump is gone", lan(),
         cmds("a", "nft add table ip t", "nft 'add chain ip t in { type filter hook input priority 0; }'",
              "nft add chain ip t sub", "nft add rule ip t sub counter return", "nft add rule ip t in jump sub",
              "nft delete chain ip t sub", "nft -a list table ip t", "nft delete rule ip t in handle 4",
              "nft delete chain ip t sub", "nft list tables", "nft delete table ip t", "nft list ruleset"))
    case("nft_sets", "named sets, elements and rules that look them up", lan(),
         cmds("b", "nft add table ip filter",
              "nft 'add chain ip filter input { type filter hook input priority 0; }'",
              "nft 'add set ip filter blocked { type ipv4_addr; }'",
              "nft add element ip filter blocked '{ 192.168.0.2, 10.2.2.2 }'",
              "nft add rule ip filter input ip saddr @blocked counter drop",
              "nft add rule ip filter input ip saddr @blokced drop",
              "nft add rule ip filter input ip saddr @nothing drop",
              "nft list set ip filter blocked", "nft list sets", "nft -a list ruleset")
         + cmds("a", P1 + " 192.168.0.1")
         + cmds("b", "nft delete element ip filter blocked '{ 192.168.0.2 }'")
         + cmds("a", P1 + " 192.168.0.1")
         + cmds("b", "nft 'add set ip filter ports { type inet_service; flags interval; elements = { 22, 1000-2000 }; }'",
                "nft list set ip filter ports", "nft delete set ip filter blocked",
                "nft 'add set ip filter ports { type ipv4_addr; }'", "nft list ruleset"))
    # --- files, flush ruleset, check mode
    case("nft_file_forward", "nft -f with flush ruleset and a table block, then traffic", routed(),
         cmds("r", nft_file("nft_file_forward", FORWARD_DROP), "nft -f /tmp/nftcli_nft_file_forward.nft",
              "nft list ruleset")
         + cmds("a", P1 + " 10.0.2.2")
         + cmds("r", "nft list chain inet filter forward", "nft flush ruleset", "nft list ruleset")
         + cmds("a", P1 + " 10.0.2.2"))
    case("nft_file_debian_default", "Debian's /etc/nftables.conf as a file", lan(),
         cmds("a", nft_file("nft_file_debian_default", DEBIAN_CONF),
              "nft -f /tmp/nftcli_nft_file_debian_default.nft", "nft list ruleset", "nft -a list ruleset",
              "nft -f /tmp/nftcli_nft_file_debian_default.nft", "nft list tables"))
    case("nft_file_errors", "errors in files: FILE:LINE:COLS prefixes, missing files, -c", lan(),
         cmds("a", nft_file("nft_file_errors", BAD_FILE), "nft -f /tmp/nftcli_nft_file_errors.nft",
              "nft list ruleset", "nft -f /tmp/nftcli_nope_missing.nft",
              nft_file("nft_file_errors2", BAD_FILE2), "nft -f /tmp/nftcli_nft_file_errors2.nft",
              nft_file("nft_file_errors3", FORWARD_DROP), "nft -c -f /tmp/nftcli_nft_file_errors3.nft",
              "nft list ruleset", "nft -f /tmp/nftcli_nft_file_errors3.nft", "nft list tables",
              "nft -c add rule inet filter forward accept", "nft -c add rule inet filter forwad accept",
              "nft -a list chain inet filter forward"))
    case("nft_file_define", "a file with define and $variables, and an unknown variable", routed(),
         cmds("r", nft_file("nft_file_define", DEFINES), "nft -f /tmp/nftcli_nft_file_define.nft", "nft list ruleset")
         + cmds("a", P1 + " 10.0.2.2")
         + cmds("r", "nft add rule inet filter forward ip daddr '$nowhere' drop", "nft -a list chain inet filter forward"))
    case("nft_etc_conf", "Debian's /etc/nftables.conf: the file, a check and loading it", lan(),
         cmds("a", "cat /etc/nftables.conf", "ls -l /etc/nftables.conf", "nft -c -f /etc/nftables.conf",
              "nft list ruleset", "nft -f /etc/nftables.conf", "nft list ruleset"))
    case("nft_flush_index_family", "flush table, rules by index, listings and flush per family", lan(),
         cmds("a", "nft add table ip t", "nft add table inet t", "nft add chain ip t c", "nft add chain inet t c",
              "nft add rule ip t c ip saddr 10.0.0.1 drop", "nft add rule ip t c ip saddr 10.0.0.2 drop",
              "nft insert rule ip t c index 1 ip saddr 10.0.0.3 drop", "nft add rule ip t c index 0 ip saddr 10.0.0.4 drop",
              "nft add rule ip t c index 9 accept", "nft add rule inet t c tcp dport 22 accept",
              "nft -a list ruleset ip", "nft list tables inet", "nft list chains ip", "nft flush table ip t",
              "nft list table ip t", "nft flush ruleset ip", "nft list ruleset", "nft delete chain inet t c",
              "nft delete chain inet t c", "nft list table inet t"))
    case("nft_rename_chain", "renaming chains (regular and base), jumps follow", lan(),
         cmds("a", "nft add table ip t", "nft add chain ip t c", "nft 'add chain ip t b { type filter hook input priority 0; }'",
              "nft add chain ip t x", "nft add rule ip t b jump c", "nft rename chain ip t c d",
              "nft rename chain ip t b e", "nft rename chain ip t d x", "nft rename chain ip t zz y",
              "nft rename chain ip t d", "nft rename table ip t u", "nft list ruleset"))
    case("nft_batch_line", "several commands in one line, one batch", lan(),
         cmds("a", "nft 'add table x; add chain x y; list ruleset'",
              "nft 'add table z; add chain z y; add rule z nope accept'", "nft list tables",
              "nft flush ruleset", "nft list ruleset"))
    # --- nft and iptables-nft together
    case("nft_with_iptables", "iptables-nft rules seen and extended by nft, nft tables seen by iptables", lan(),
         cmds("a", "iptables -A INPUT -s 10.0.0.1 -j DROP", "nft add rule ip filter INPUT ip saddr 10.0.0.2 drop",
              "nft -a list ruleset", "iptables -S", "iptables -L INPUT -n", "nft add rule ip filter input accept",
              "nft add table inet mine", "nft 'add chain inet mine input { type filter hook input priority 10; }'",
              "nft add rule inet mine input tcp dport 22 accept", "iptables -S", "nft list tables",
              "nft delete chain ip filter INPUT", "nft flush chain ip filter INPUT", "iptables -S INPUT",
              "nft list ruleset"))
    case("nft_inet_and_iptables_forward", "an inet forward chain with drop beside iptables' FORWARD ACCEPT", routed(),
         cmds("r", "iptables -A FORWARD -j ACCEPT", "nft add table inet f",
              "nft 'add chain inet f forward { type filter hook forward priority 0; policy drop; }'")
         + cmds("a", P1 + " 10.0.2.2")
         + cmds("r", "iptables -L FORWARD -v -n", "nft list table inet f", "nft delete table inet f")
         + cmds("a", P1 + " 10.0.2.2"))


build()


def main() -> None:
    write_cases(CASES, "nft", stale="nft_*.yaml")


if __name__ == "__main__":
    main()
