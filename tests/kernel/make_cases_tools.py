"""Differential cases for the tools area: ping, traceroute, tcpdump and the shell (prefix ``tl_``).

    python3 -m tests.kernel.make_cases_tools

Writes only tests/kernel/cases/tl_*.yaml (other areas own the rest). Each case
is what a learner types: option spellings, combined flags, every error line
the real tools print, and the bash forms pasted from lessons.
"""
from __future__ import annotations

import re


from tests.kernel.make_cases import case, CASES, chain, cmds, lan, routed, subnet_router, write_cases

PREFIX = "tl_"
W1 = "-c 1 -W 1"


def bg(node: str, cmd: str, ident: str = "t1") -> list[dict]:
    """A background capture started before the traffic (collected with :func:`collect`)."""
    return [{"node": node, "cmd": cmd, "bg": ident}]


def collect(ident: str = "t1") -> list[dict]:
    return [{"collect": ident}]


def lan_gw() -> dict:
    """Two hosts on one segment; ``a`` has a default route via ``b`` (which does not forward)."""
    lab = lan()
    lab["nodes"]["a"]["startup"].append("ip route add default via 192.168.0.1")
    return lab


# --- ping: option spellings
def ping_cases() -> None:
    case("tl_ping_combined_flags", "combined short options as learners type them", lan(),
         cmds("a", "ping -c1 -W1 192.168.0.1", "ping -nc 2 -i 0.2 192.168.0.1", "ping -qc1 192.168.0.1",
              "ping -c 1 -W1 -n 192.168.0.1", "ping -4 -c 1 192.168.0.1", "ping 192.168.0.1 -c 1",
              "ping -c2 -i0.2 -q 192.168.0.1"))
    case("tl_ping_sizes", "-s sizes and the byte counts", lan(),
         cmds("a", "ping -c 1 -s 0 192.168.0.1", "ping -c 1 -s 7 192.168.0.1", "ping -c 1 -s 8 192.168.0.1",
              "ping -c 1 -s 16 192.168.0.1", "ping -c 1 -s 1472 192.168.0.1", "ping -c 1 -s 65508 192.168.0.1",
              "ping -c 1 -s 65527 -q 192.168.0.1", "ping -c 1 -W 1 -s 65528 192.168.0.1"))
    # needs local fragmentation in the stack (requested from the lead): no fixture until then
    case("tl_ping_fragments", "payloads beyond the MTU are fragmented", lan(),
         cmds("a", "ping -c 1 -s 1473 -W 1 192.168.0.1", "ping -c 1 -s 65507 -W 1 192.168.0.1"))
    case("tl_ping_iface", "-I with a device and with an address", lan(),
         cmds("a", "ping -c 1 -I eth0 192.168.0.1", "ping -c 1 -I 192.168.0.2 192.168.0.1", "ping -c 1 -I eth9 192.168.0.1",
              "ping -c 1 -I 10.9.9.9 192.168.0.1", "ping -c 1 -I lo 127.0.0.1", "ping -c1 -Ieth0 -q 192.168.0.1"))
    # needs the on-link fallback for a bound device in route_output (requested from the lead)
    case("tl_ping_bind_onlink", "-I DEV without a matching route", lan(),
         cmds("a", "ping -c 1 -W 1 -I lo 192.168.0.1", "ping -c 1 -I eth0 10.1.1.1", "ping -c 2 -i 0.5 -I eth0 192.168.0.99"))
    case("tl_ping_bad_options", "malformed ping options", lan(),
         cmds("a", "ping -x 192.168.0.1", "ping -c abc 192.168.0.1", "ping -c 1 -i abc 192.168.0.1", "ping -c 1 -W abc 192.168.0.1", "ping -c 1 -i 0.2x 192.168.0.1",
              "ping -w abc 192.168.0.1", "ping -t 256 192.168.0.1", "ping -c 1 -W 1 -s 70000 192.168.0.1", "ping -w -1 192.168.0.1", "ping -c 1 -W -1 192.168.0.1", "ping -c -1 192.168.0.1",
              "ping -I", "ping -c 1 --foo 192.168.0.1"))
    case("tl_ping_more_hosts", "more than one host: a source route", routed(),
         # unknown names last: the recorder's resolver sends DNS queries through the lab's router,
         # which spends the router's ICMP tokens for this host
         cmds("a", "ping -c 1 10.0.1.1 10.0.2.2", "ping -c 1 1 2 3 4 5 6 7 8 9 10 11", "ping -c 1 0x0a000101",
              "ping -c 1 010.0.1.1", "ping -c 1 10.0.1.1 -W", "ping -c 1 nosuch.invalid 10.0.2.2",
              "ping -c 1 10.0.2.2 nosuch.invalid"))
    case("tl_tr_arg_order", "traceroute checks options, then the argument count, then the host", lan(),
         cmds("a", "traceroute nosuch.invalid -x", "traceroute nosuch.invalid abc", "traceroute 192.168.0.1 abc def",
              "traceroute 192.168.0.1 100 def", "traceroute -n -q 1 -w 1 192.168.0.1 100"))
    case("tl_ping_rare_options", "options learners copy from man pages", lan(),
         cmds("a", "ping -c 1 -B 192.168.0.1", "ping -c 1 -p ff 192.168.0.1", "ping -c 1 -p abc -q 192.168.0.1",
              "ping -c 1 -p zz 192.168.0.1", "ping -c 1 -M foo 192.168.0.1", "ping -c 1 -M do 192.168.0.1",
              "ping -c 1 -Q 300 192.168.0.1", "ping -c 1 -Q 0x10 192.168.0.1", "ping -c 1 -T foo 192.168.0.1",
              "ping -c 1 -6 192.168.0.1", "ping -4 -6 192.168.0.1", "ping -c 1 -Q 1x 192.168.0.1"))
    case("tl_ping_typos", "typical typos (unknown names last: the recorder's DNS queries cross the lab)", lan(),
         cmds("a", "pign 192.168.0.1", "ping -c 1 -W 1 192.168.0.1 -t", "ping -c1 -W1 -q", "ping --help",
              "ping -c 1 192.168.0.256", "ping -c 1 192.168.0.1/24", "ping -c 1 192.168.0", "ping -c 1 -W 1 192.168.1"))
    case("tl_ping_outstanding_bell", "-O reports missing answers, -a rings", routed(),
         cmds("r", "iptables -A FORWARD -d 10.0.2.2 -j DROP") + cmds("a", "ping -O -c 3 -i 0.3 -W 1 10.0.2.2",
                                                                      "ping -a -c 1 -W 1 10.0.2.1", "ping -O -q -c 2 -i 0.3 -W 1 10.0.2.2"))
    case("tl_ping_flood", "-f and -i 0 (ipg/ewma timing normalised)", lan(),
         cmds("a", "ping -f -c 3 192.168.0.1", "ping -c 3 -i 0 192.168.0.1", "ping -q -f -c 2 192.168.0.1",
              "ping -f -c 2 -W 1 192.168.0.77", "ping -f -c 2 -i 0.2 192.168.0.1"))
    case("tl_ping_help_version", "ping -h and -V", lan(), cmds("a", "ping -h", "ping -V", "ping -c 1 -V 192.168.0.1"))
    case("tl_ping_unknown_host", "names that do not resolve", lan(),
         cmds("a", "ping -c 1 nosuchhost.invalid", "ping -c 1 192.168.0.", "ping -c 1 1.2.3.4.5", "ping -c 1 localhost",
              "ping -c 1 127.1", "ping -c 1 0"))
    case("tl_ping_net_unreach_local", "no route on the pinging host", lan(),
         cmds("a", "ping -c 1 10.1.1.1", "ping -c 1 -I 192.168.0.2 -W 1 10.1.1.1", "ping -q -c 1 10.1.1.1; echo rc=$?"))
    case("tl_ping_sendmsg_eperm", "OUTPUT DROP on the pinging host", lan(),
         cmds("a", "iptables -A OUTPUT -p icmp -j DROP", "ping -c 2 -i 0.2 -W 1 192.168.0.1",
              "iptables -F OUTPUT", "iptables -A OUTPUT -p icmp -j REJECT", "ping -c 1 -W 1 192.168.0.1"))
    case("tl_ping_host_unreach_errors", "ARP failure: errors and +N errors in the summary", lan(),
         cmds("a", "ping -c 4 -i 0.5 -W 1 192.168.0.77", "ping -c 2 -i 0.5 -q 192.168.0.78"))
    case("tl_ping_reject_kinds", "REJECT variants as ping prints them", routed(),
         cmds("r", "iptables -A FORWARD -d 10.0.2.2 -j REJECT --reject-with icmp-port-unreachable",
              "iptables -A FORWARD -d 10.0.2.3 -j REJECT --reject-with icmp-admin-prohibited",
              "iptables -A FORWARD -d 10.0.2.4 -j REJECT --reject-with icmp-host-unreachable",
              "iptables -A FORWARD -d 10.0.2.5 -j REJECT --reject-with icmp-net-unreachable",
              "iptables -A FORWARD -d 10.0.2.6 -j REJECT --reject-with icmp-proto-unreachable",
              "iptables -A FORWARD -d 10.0.2.7 -j REJECT --reject-with icmp-host-prohibited")
         + cmds("a", *(f"ping -c 1 -W 1 10.0.2.{n}" for n in range(2, 8))))
    case("tl_ping_ttl_exceeded", "Time to live exceeded along a chain", chain(),
         cmds("a", "ping -c 2 -i 0.2 -W 1 -t 1 10.0.2.2", "ping -c 1 -W 1 -t 2 10.0.2.2", "ping -c 1 -t 3 10.0.2.2",
              "ping -c 1 -t 255 10.0.2.2"))
    case("tl_ping_deadline_forms", "-w with and without -c", lan(),
         cmds("a", "ping -w 1 192.168.0.1", "ping -c 5 -w 1 -i 0.3 192.168.0.1", "ping -w 1 -W 1 192.168.0.88",
              "ping -c 1 -w 2 192.168.0.88"))
    case("tl_ping_exit_codes", "exit codes as scripts test them", routed(),
         cmds("a", "ping -c 1 -W 1 10.0.2.2; echo $?", "ping -c 1 -W 1 10.0.2.99; echo $?",
              "ping -c 1 -W 1 -t 1 10.0.2.2 >/dev/null; echo $?", "ping -c 1 nosuch.invalid 2>/dev/null; echo $?",
              "ping -c 1 -W 1 10.0.2.2 | grep -c ttl"))


# --- traceroute
def traceroute_cases() -> None:
    case("tl_tr_default_probes", "three probes per hop and the header", chain(),
         cmds("a", "traceroute -n -w 1 10.0.2.2", "traceroute -n -w 1 -q 2 -m 2 10.0.2.2"))
    case("tl_tr_wait_specs", "-w MAX,HERE,NEAR spellings", lan(),
         cmds("a", "traceroute -n -q 1 -w 1/2/3 192.168.0.1",
              "traceroute -n -q 1 -w abc 192.168.0.1", "traceroute -n -w -1,2 192.168.0.1",
              "traceroute -n -q 1 -w 1,2,3,4 192.168.0.1", "traceroute -n -q 1x 192.168.0.1",
              "traceroute -m 0 192.168.0.1"))
    # one answered traceroute per target and case: the target's ICMP rate limit (6, then 1/s) is shared
    case("tl_tr_hex_max", "-m in hex and -w with two values", lan(),
         cmds("a", "traceroute -n -m 0x2 -q 1 -w 1,2 192.168.0.1"))
    case("tl_tr_first_ttl", "-f first TTL", chain(), cmds("a", "traceroute -n -q 1 -w 1 -f 2 10.0.2.2"))
    case("tl_tr_first_ttl_far", "-f beyond the target", chain(), cmds("a", "traceroute -n -q 1 -w 1 -f 3 10.0.2.2"))
    case("tl_tr_port", "-p start port", chain(), cmds("a", "traceroute -n -q 1 -w 1 -p 40000 10.0.2.2"))
    case("tl_tr_stars", "a silent router: * * *", routed(),
         cmds("r", "iptables -A OUTPUT -p icmp -j DROP") + cmds("a", "traceroute -n -w 1 -m 3 10.0.2.2",
                                                                  "traceroute -n -q 1 -w 1 -m 3 -I 10.0.2.2"))
    for name, reject in (("admin", "icmp-admin-prohibited"), ("host", "icmp-host-unreachable"),
                         ("net", "icmp-net-unreachable"), ("proto", "icmp-proto-unreachable"),
                         ("hostprohib", "icmp-host-prohibited")):
        case(f"tl_tr_mark_{name}", f"traceroute annotation for REJECT --reject-with {reject}", routed(),
             cmds("r", f"iptables -A FORWARD -d 10.0.2.2 -j REJECT --reject-with {reject}")
             + cmds("a", "traceroute -n -q 1 -w 1 -m 3 10.0.2.2"))
    case("tl_tr_mark_three_probes", "three probes per hop against a REJECT", routed(),
         cmds("r", "iptables -A FORWARD -d 10.0.2.2 -j REJECT --reject-with icmp-admin-prohibited")
         + cmds("a", "traceroute -n -w 1 -m 3 10.0.2.2"))
    case("tl_tr_icmp_reject", "traceroute -I against a REJECT", routed(),
         cmds("r", "iptables -A FORWARD -p icmp -j REJECT --reject-with icmp-host-prohibited")
         + cmds("a", "traceroute -n -q 1 -w 1 -m 3 -I 10.0.2.2"))
    case("tl_tr_usage_errors", "malformed traceroute commands", lan(),
         cmds("a", "traceroute -m", "traceroute -x 192.168.0.1", "traceroute -n", "traceroute -w -1 192.168.0.1",
              "traceroute -f 5 -m 3 192.168.0.1", "traceroute -n 192.168.0.1 abc", "traceroute nosuch.invalid",
              "traceroute -q 0 192.168.0.1", "traceroute -m 256 192.168.0.1", "traceroute --help | head -3"))
    case("tl_tr_long_opts", "GNU-style long options and joined values", routed(),
         cmds("a", "traceroute -n --queries=1 --max-hops=2 --wait=1 10.0.2.2", "traceroute -n -q1 -m2 -w1 --icmp 10.0.2.2",
              "traceroute --max-hops 2 -n -q 1 -w 1 10.0.2.2", "traceroute -n -q 1 -w 1 -m 2 -i eth0 10.0.2.2",
              "traceroute -n -q 1 -w 1 -m 2 -s 10.0.1.2 10.0.2.2", "traceroute -n -q 1 -w 1 -m 2 -i eth9 10.0.2.2",
              "traceroute -n -q 1 -w 1 -m 2 -s 10.9.9.9 10.0.2.2", "traceroute -n -q 1 -w 1 -m 2 10.0.2.2 1000",
              "traceroute -n -q 1 -w 1 -m 2 10.0.2.2 20", "traceroute -n -q 1 -w 1 -m 2 -I 10.0.2.2 100"))
    case("tl_tr_names", "traceroute without -n: reverse lookups", lan(),
         cmds("a", "traceroute -q 1 -w 1 127.0.0.1", "traceroute -q 1 -w 1 localhost", "ping -c 1 127.0.0.1",
              "ping -c 1 localhost"))
    case("tl_tr_local_errors", "traceroute without a route", lan(),
         cmds("a", "traceroute -n -q 1 -w 1 10.1.1.1", "traceroute -n -q 1 -w 1 192.168.0.2",
              "traceroute -n -q 1 -w 1 127.0.0.1"))
    case("tl_tr_lan_hostdown", "a neighbour nobody has", lan(),
         cmds("a", "traceroute -n -q 1 -w 1 -m 2 192.168.0.77"))


# --- tcpdump
def tcpdump_cases() -> None:
    case("tl_tcpdump_net_filter", "net filter on a router", routed(),
         bg("r", "tcpdump -n -i eth0 -c 2 net 10.0.2.0/24") + cmds("a", f"ping {W1} 10.0.2.2") + collect())
    case("tl_tcpdump_and_not", "icmp and not host", routed(),
         bg("r", "tcpdump -n -i eth1 -c 2 icmp and not host 10.0.1.1") + cmds("a", f"ping {W1} 10.0.2.2") + collect())
    case("tl_tcpdump_udp", "udp probes of traceroute", routed(),
         bg("b", "tcpdump -n -i eth0 -c 2 udp") + cmds("a", "traceroute -n -q 1 -w 1 -m 2 -p 33434 10.0.2.2") + collect())
    case("tl_tcpdump_udp_e", "udp with -e", routed(),
         bg("b", "tcpdump -n -e -i eth0 -c 2 udp") + cmds("a", "traceroute -n -q 1 -w 1 -m 2 10.0.2.2") + collect())
    case("tl_tcpdump_or", "arp or icmp", lan(),
         bg("b", "tcpdump -n -i eth0 -c 4 arp or icmp") + cmds("a", f"ping {W1} 192.168.0.1") + collect())
    case("tl_tcpdump_src_dst", "src and dst host", routed(),
         bg("r", "tcpdump -n -i eth0 -c 1 src host 10.0.1.2 and dst host 10.0.2.2")
         + cmds("a", f"ping {W1} 10.0.2.2") + collect())


# --- shell
def shell_cases() -> None:
    case("tl_shell_files", "redirections and cat", lan(),
         cmds("a", "echo eins > /tmp/tl-f; echo zwei >> /tmp/tl-f; cat /tmp/tl-f", "cat /tmp/tl-f | wc -l",
              "ip route > /tmp/tl-r && cat /tmp/tl-r", "cat /tmp/tl-none", "cat /tmp/tl-none 2>/dev/null || echo fehlt",
              "echo > /tmp/tl-e; cat /tmp/tl-e | wc -c"))
    case("tl_shell_fd_redirects", ">&2, 1>, here-strings and redirect order", lan(),
         cmds("a", "echo fehler >&2", "echo fehler 1>&2", "echo a >&2 | wc -l", "ls /nonexist 2>&1 >/dev/null | wc -l",
              "cat <<< hallo", "echo 1>/tmp/tl-b x; cat /tmp/tl-b", "grep -c x <<< 'x y'",
              "ping -c 1 -W 1 192.168.0.77 2>&1 >/dev/null | wc -l", "ping -c 1 nosuch.invalid 2>&1 | head -1"))
    case("tl_shell_unknown", "unknown commands and $?", lan(),
         cmds("a", "foo", "foo; echo $?", "foo bar baz", "ipp a", "/usr/bin/nosuch", "sudo foo", "sudo",
              "ip rout"))
    case("tl_shell_quotes", "quoting and echo", lan(),
         cmds("a", "echo 'a  b'", "echo \"a  b\"", "echo a  b", "echo 'x'\"y\"z", "echo -n ohne; echo", "echo \"it's\"",
              "echo $HOME", "echo '$HOME'", "echo \"ip: $(echo x)\""))
    case("tl_shell_filters", "grep/head/tail/wc in pipes", routed(),
         cmds("r", "ip route | grep -v eth0", "ip route | grep -c dev", "ip addr | grep inet | head -n 2",
              "ip addr | grep inet | tail -n 1", "ip route | tail -1", "ip link | wc -l", "ip route | grep nothing",
              "ip route | grep nothing; echo $?", "ip route | grep -i SCOPE | wc -l", "ip route | head -n1"))
    case("tl_shell_proc", "/proc/sys with echo and cat", routed(forward=False),
         cmds("r", "cat /proc/sys/net/ipv4/ip_forward", "echo 1 > /proc/sys/net/ipv4/ip_forward",
              "cat /proc/sys/net/ipv4/ip_forward", "cat /proc/sys/net/ipv4/conf/eth0/forwarding",
              "cat /proc/sys/net/ipv4/conf/all/rp_filter", "cat /proc/sys/net/ipv4/ip_default_ttl",
              "echo 0 >/proc/sys/net/ipv4/ip_forward; cat /proc/sys/net/ipv4/ip_forward",
              "echo abc > /proc/sys/net/ipv4/ip_forward"))
    case("tl_shell_proc_writes", "writes into /proc/sys and their coupling", routed(forward=False),
         cmds("r", "echo 1 > /proc/sys/net/ipv4/conf/all/forwarding; cat /proc/sys/net/ipv4/ip_forward",
              "cat /proc/sys/net/ipv4/conf/eth0/forwarding", "echo > /proc/sys/net/ipv4/ip_forward",
              "echo 0 >> /proc/sys/net/ipv4/ip_forward; cat /proc/sys/net/ipv4/ip_forward",
              "echo 2 > /proc/sys/net/ipv4/conf/eth0/rp_filter && cat /proc/sys/net/ipv4/conf/eth0/rp_filter",
              "echo 1 > /proc/sys/net/ipv4/conf/eth9/forwarding", "echo -n 1 > /proc/sys/net/ipv4/ip_forward; echo $?",
              "echo ' 1' > /proc/sys/net/ipv4/ip_forward; cat /proc/sys/net/ipv4/ip_forward",
              "printf 0 > /proc/sys/net/ipv4/ip_forward; cat /proc/sys/net/ipv4/ip_forward"))
    case("tl_shell_globs", "globs over /proc/sys: every interface at once", routed(),
         cmds("r", "cat /proc/sys/net/ipv4/conf/*/rp_filter", "grep . /proc/sys/net/ipv4/conf/*/forwarding",
              "echo /proc/sys/net/ipv4/conf/e*", "echo \"*\" '*'", "echo /nonexist/*",
              "ls /proc/sys/net/ipv4/conf/eth?/rp_filter", "sysctl -w net.ipv4.conf.all.rp_filter=2",
              "for f in /proc/sys/net/ipv4/conf/eth*/rp_filter; do echo $f $(cat $f); done",
              "grep -H . /proc/sys/net/ipv4/conf/eth[01]/accept_redirects"))
    case("tl_shell_chains", "; && || with comments", lan(),
         cmds("a", "true && echo ja || echo nein", "false && echo ja || echo nein", "false; echo $?",
              "ip link set eth9 up && echo ok", "# nur ein Kommentar", "echo a # kommentar", "echo a#b",
              "sudo ip -br link | grep eth0", "sudo -E ip -4 -br a"))


# --- second batch: text tools in pipes and bash builtins
def text_cases() -> None:
    case("tl_text_grep_opts", "grep options on ip output", routed(),
         cmds("r", "ip route | grep -o 'dev [a-z0-9]*'", "ip addr | grep -E 'inet |link/ether'", "ip route | grep -n eth",
              "ip route | grep -w eth0", "ip addr show eth1 | grep -A1 'eth1:'", "ip link | grep -B1 ether | head -3",
              "ip route | grep -c ''", "ip route | grep -x nothing; echo $?", "grep foo /nonexistent", "grep",
              "ip route | grep -v -e eth0 -e eth1", "ip route | grep -F 10.0.1."))
    case("tl_text_head_tail_wc", "head/tail/wc spellings", routed(),
         cmds("r", "ip link | head -c 20", "ip link | tail -n +3", "ip link | head -n -2", "ip addr | tail -n 2",
              "ip route | wc", "ip route | wc -c", "ip link | wc -w", "echo a b c | wc -w", "ip route | head -n abc",
              "ip route | tail -x", "ip route | head -1 | wc -c", "ip -br a | sort", "ip -br a | sort -r"))
    case("tl_text_builtins", "bash builtins learners use", lan(),
         cmds("a", "cd /proc/sys/net/ipv4 && cat ip_forward", "cd /tmp && pwd", "cd /nonexistent", "exit 3",
              "echo a; exit 4; echo b", "exit abc", "cd /etc/hostname", "echo ~ ~/x a~", "cd ~ && pwd",
              "printf '%s\\n' eins zwei", "printf 'ip=%s\\n' 192.168.0.2", "type ping", "which ping",
              "ls /proc/sys/net/ipv4/conf", "echo -e 'a\\tb'", "true; echo $?"))
    case("tl_text_cut_awk", "cut and awk on ip output", lan(),
         cmds("a", "ip -br a | cut -d' ' -f1", "ip route | awk '{print $1}'", "ip -4 -o addr | awk '{print $4}'",
              "ip route | cut -c1-10", "ip -br link | awk '{print $1, $2}'"))
    case("tl_text_proc_sys", "/proc/sys files read with cat", lan(),
         cmds("a", "cat /proc/sys/net/ipv4/conf/eth0/forwarding", "cat /proc/sys/net/ipv4/conf/all/accept_redirects",
              "cat /proc/sys/net/ipv4/ip_default_ttl", "cat /proc/sys/net/ipv4/conf/eth0/rp_filter",
              "head -n1 /proc/sys/net/ipv4/ip_forward", "cat /proc/sys/net/ipv4/conf/eth9/forwarding"))
    # /proc/net/arp and /proc/net/route are not rendered yet (requested): no fixture until then
    case("tl_text_proc_net", "/proc/net files", lan(),
         cmds("a", "ping -c 1 -W 1 192.168.0.1 > /dev/null", "cat /proc/net/arp", "cat /proc/net/route"))


# --- third batch: tcpdump spellings and what it shows of errors
def tcpdump_more() -> None:
    P = "ping -c 1 -W 1"
    case("tl_tcpdump_any", "-i any with direction columns", routed(),
         bg("r", "tcpdump -i any -n -c 4 icmp") + cmds("a", f"{P} 10.0.2.2") + collect())
    case("tl_tcpdump_verbose", "-v shows the IP header", routed(),
         bg("b", "tcpdump -v -n -i eth0 -c 2 icmp") + cmds("a", f"{P} 10.0.2.2") + collect())
    case("tl_tcpdump_t_nn", "-t -nn without timestamps", lan(),
         bg("b", "tcpdump -t -nn -i eth0 -c 2 icmp") + cmds("a", f"{P} 192.168.0.1") + collect())
    case("tl_tcpdump_joined", "-ni joined, dst host", routed(),
         bg("r", "tcpdump -ni eth1 -c 1 dst host 10.0.2.2") + cmds("a", f"{P} 10.0.2.2") + collect())
    case("tl_tcpdump_parens", "parentheses and src net", routed(),
         bg("r", "tcpdump -n -i eth0 -c 2 '(icmp or udp) and src net 10.0.1.0/24'")
         + cmds("a", f"{P} 10.0.2.2") + collect())
    case("tl_tcpdump_ttl_exceeded", "time exceeded on the wire", routed(),
         bg("a", "tcpdump -n -i eth0 -c 2 icmp") + cmds("a", "ping -c 1 -W 1 -t 1 10.0.2.2") + collect())
    case("tl_tcpdump_port_unreach", "udp port unreachable on the wire", routed(),
         bg("b", "tcpdump -n -i eth0 -c 2") + cmds("a", "traceroute -n -q 1 -w 1 -f 2 -m 2 10.0.2.2") + collect())
    case("tl_tcpdump_masq_both", "MASQUERADE seen on the outside", subnet_router(masq=True),
         bg("proxmox", "tcpdump -n -i eth0 -c 2 icmp") + cmds("laptop", f"{P} 192.168.0.101") + collect())
    case("tl_tcpdump_arp_only", "arp filter with -e", lan(),
         bg("b", "tcpdump -n -e -i eth0 -c 2 arp") + cmds("a", f"{P} 192.168.0.1") + collect())
    case("tl_tcpdump_write_read", "-w into a file, -r back out", lan(),
         bg("b", "tcpdump -i eth0 -n -c 2 -w /tmp/tl.pcap icmp") + cmds("a", f"{P} 192.168.0.1") + collect()
         + cmds("b", "tcpdump -n -r /tmp/tl.pcap", "tcpdump -n -e -r /tmp/tl.pcap -c 1", "tcpdump -r /nonexist.pcap",
                "tcpdump -n -r /tmp/tl.pcap 'icmp and'", "echo hallo > /tmp/tl.txt; tcpdump -r /tmp/tl.txt",
                "tcpdump -t -n -r /tmp/tl.pcap host 192.168.0.1"))
    case("tl_tcpdump_lo", "capture on lo", lan(),
         bg("a", "tcpdump -i lo -n -c 2 icmp") + cmds("a", "ping -c 1 -W 1 127.0.0.1") + collect())
    case("tl_tcpdump_own_address", "ping to the own address goes over lo, not eth0", lan(),
         bg("a", "tcpdump -i lo -n -c 2") + cmds("a", "ping -c 1 -W 1 192.168.0.2") + collect())
    case("tl_tcpdump_bad_filter", "filter typos", lan(),
         cmds("a", "tcpdump -n -i eth0 -c 1 hostt 1.2.3.4", "tcpdump -n -i eth0 -c 1 host", "tcpdump -c abc",
              "tcpdump -n -i eth0 -c 1 'icmp and'", "tcpdump -i eth0 -Z", "tcpdump --foo"))


# --- fourth batch: TTL chains where the ICMP rate limit shows
def chain_cases() -> None:
    case("tl_tr_chain_default", "default traceroute (3 probes) along a chain", chain(),
         cmds("a", "traceroute -n -w 1 10.0.2.2"))
    case("tl_tr_rate_limited", "a second traceroute right after the first finds the target's tokens spent", chain(),
         cmds("a", "traceroute -n -q 1 -w 1 -f 2 10.0.2.2", "traceroute -n -q 1 -w 1 -f 3 10.0.2.2"))
    case("tl_tr_router_rate_limited", "REJECT answers from one router run out", routed(),
         cmds("r", "iptables -A FORWARD -d 10.0.2.3 -j REJECT --reject-with icmp-admin-prohibited",
              "iptables -A FORWARD -d 10.0.2.4 -j REJECT --reject-with icmp-host-unreachable",
              "iptables -A FORWARD -d 10.0.2.5 -j REJECT --reject-with icmp-net-unreachable")
         + cmds("a", "traceroute -n -q 1 -w 1 -m 3 10.0.2.3", "traceroute -n -q 1 -w 1 -m 3 10.0.2.4",
                "traceroute -n -q 1 -w 1 -m 3 10.0.2.5"))
    case("tl_ping_net_unreach_burst", "the router's net unreachable costs two tokens", routed(),
         cmds("a", "ping -c 1 -W 1 172.16.0.1", "ping -c 1 -W 1 172.16.0.2", "ping -c 1 -W 1 172.16.0.3",
              "ping -c 3 -i 0.5 -W 1 172.16.0.4"))
    case("tl_tr_router_far_side", "traceroute to a router's other interface", chain(),
         cmds("a", "traceroute -n -q 1 -w 1 10.0.12.2", "ping -c 1 -W 1 10.0.12.2", "ping -c 1 -W 1 10.0.2.1"))
    case("tl_tr_from_router", "traceroute and ping started on a router", chain(),
         cmds("r1", "traceroute -n -q 1 -w 1 10.0.2.2", "ping -c 1 -W 1 10.0.1.2", "traceroute -n -q 1 -w 1 -I 10.0.1.2"))
    case("tl_tr_no_back_route", "the target has no route back", routed(back=False),
         cmds("a", "traceroute -n -q 1 -w 1 -m 4 10.0.2.2", "ping -c 2 -i 0.3 -W 1 10.0.2.2"))
    case("tl_source_policy", "ping -I / traceroute -s with a source-based rule (exit-node style)", routed(),
         cmds("a", "ip route del default", "ip addr add 10.0.3.5/24 dev eth0", "ip route add default via 10.0.1.1 table 100",
              "ip rule add from 10.0.3.5 lookup 100", "ping -c 1 -W 1 10.0.2.2", "ping -c 1 -W 1 -I 10.0.3.5 10.0.2.2",
              "traceroute -n -q 1 -w 1 -s 10.0.3.5 10.0.2.2", "traceroute -n -q 1 -w 1 10.0.2.2")
         + cmds("b", "ip route add 10.0.3.0/24 via 10.0.2.1") + cmds("r", "ip route add 10.0.3.0/24 via 10.0.1.2")
         + cmds("a", "ping -c 1 -W 1 -I 10.0.3.5 10.0.2.2", "traceroute -n -q 1 -w 1 -s 10.0.3.5 10.0.2.2"))
    case("tl_shell_loops", "for-loops and if on one line", chain(),
         cmds("a", "for t in 1 2 3; do ping -c 1 -W 1 -t $t 10.0.2.2 | grep -E 'From|bytes from'; done",
              "for h in 10.0.1.1 10.0.12.2 10.0.2.2; do ping -c 1 -W 1 $h > /dev/null && echo \"$h ok\"; done",
              "if ping -c 1 -W 1 10.0.2.2 > /dev/null; then echo erreichbar; else echo weg; fi",
              "if ping -c 1 -W 1 10.0.2.99 > /dev/null; then echo erreichbar; else echo weg; fi",
              "for i in $(seq 1 3); do echo Runde $i; done", "seq 3", "seq 2 2 6", "seq", "seq 1 x"))
    case("tl_sr_traceroute_masq", "default traceroute through a MASQUERADE subnet router", subnet_router(masq=True),
         cmds("laptop", "traceroute -n -w 1 192.168.0.101", "ping -c 2 -i 0.3 -W 1 192.168.0.101"))
    case("tl_sr_traceroute_no_back", "neither NAT nor back-route: the answers get lost", subnet_router(),
         cmds("laptop", "traceroute -n -q 1 -w 1 -m 4 192.168.0.101", "ping -c 2 -i 0.3 -W 1 192.168.0.101"))
    case("tl_sr_traceroute_icmp_back", "back-route, ICMP traceroute", subnet_router(back=True),
         cmds("laptop", "traceroute -I -n -q 2 -w 1 192.168.0.101", "traceroute -T -n -q 1 -w 1 -p 22 192.168.0.101"))
    case("tl_sr_fwd_off_traceroute", "forwarding off: where traceroute stops", subnet_router(forward=False, masq=True),
         cmds("laptop", "traceroute -n -q 1 -w 1 -m 3 192.168.0.101", "ping -c 1 -W 1 -t 1 192.168.0.101"))
    case("tl_ping_ttl_walk", "ping -t 1..4 along a chain", chain(),
         cmds("a", *(f"ping -c 1 -W 1 -t {t} 10.0.2.2" for t in range(1, 5))))


# --- fifth batch: the shell forms tutorials use for /proc and checks
def tutorial_shell() -> None:
    case("tl_shell_tee_proc", "tee and sh -c into /proc", routed(forward=False),
         cmds("r", "echo 1 | sudo tee /proc/sys/net/ipv4/ip_forward", "cat /proc/sys/net/ipv4/ip_forward",
              "echo 0 | tee /proc/sys/net/ipv4/ip_forward > /dev/null && cat /proc/sys/net/ipv4/ip_forward",
              "sudo sh -c 'echo 1 > /proc/sys/net/ipv4/ip_forward'", "sysctl net.ipv4.ip_forward",
              "bash -c 'exit 3'; echo $?", "sh -c", "echo 2 | tee /proc/sys/net/ipv4/ip_forward"))
    case("tl_shell_checks", "reachability checks in one line", routed(),
         cmds("a", "ping -c 1 -W 1 10.0.2.2 &>/dev/null && echo ok || echo fail",
              "ping -c 1 -W 1 10.0.2.99 >/dev/null 2>&1 && echo ok || echo fail",
              "ping -c 1 -W 1 10.0.2.2 | grep -q ttl && echo erreichbar", "sleep 1; ip neigh | wc -l",
              "true | false; echo $?", "ip route | sort -k3", "ip -br a | sort -k2 -r", "ip route | uniq | wc -l"))


# --- sixth batch: mutants of good commands (one token dropped, doubled, replaced or appended)
def routed_no_default() -> dict:
    """routed(), but ``a`` reaches 10.0.2.0/24 by a specific route: a name lookup cannot leave the
    host (the recorder's resolver would otherwise send DNS through the router)."""
    lab = routed()
    lab["nodes"]["a"]["startup"][1] = "ip route add 10.0.2.0/24 via 10.0.1.1"
    return lab


EDITS = ("drop", "double", "replace", "append")


def _mutate(rng, tokens: list[str], words: list[str], edits: tuple[str, ...] = EDITS, first: int = 1,
            skip=None) -> list[str] | None:
    """One random edit of ``tokens``, the step every mutant generator shares: the random draws come
    in this order (position from ``first`` on, kind of edit, word), so that a seed always gives the
    same cases. None where ``skip`` refuses the token at the drawn position; a drop that would
    leave nothing appends instead."""
    t = list(tokens)
    k = rng.randrange(first, len(t))
    if skip is not None and skip(t[k]):
        return None
    how = rng.choice(edits)
    if how == "drop" and len(t) > 1:
        del t[k]
    elif how == "double":
        t.insert(k, t[k])
    elif how == "replace":
        t[k] = rng.choice(words)
    elif how == "insert":
        t.insert(k, rng.choice(words))
    else:
        t.append(rng.choice(words))
    return t


def _mutants(cmd: str, seed: int, count: int) -> list[str]:
    import random

    rng = random.Random(seed)
    words = ["via", "5", "-x", "10.0.2", "eth0", "-c", "0", "-1", "300", "10.0.2.2", "--", "-n", "1.5", "-W", "abc"]
    tokens = cmd.split()
    out: list[str] = []
    while len(out) < count:
        t = _mutate(rng, tokens, words)
        assert t is not None
        text = " ".join(t)
        if t[0] == "ping" and "-c" not in t:
            continue        # would ping until Ctrl-C
        if t[0] == "ping" and any(w.isdigit() and int(w) > 5 and t[k - 1] == "-c" for k, w in enumerate(t)):
            continue        # a long run (one probe per second)
        if "-i" in t and t.index("-i") + 1 < len(t) and not re.fullmatch(r"0*[1-9][0-9.]*|0\.[0-9]*[1-9]",
                                                                          t[t.index("-i") + 1]):
            continue        # -i 0 floods: its ipg/ewma times are not normalised
        if text not in out and text != cmd:
            out.append(text)
    return out


def shell_mutant_cases() -> None:
    import random

    bases = ["ip route | grep -c eth0", "echo 1 > /proc/sys/net/ipv4/ip_forward && cat /proc/sys/net/ipv4/ip_forward",
             "ping -c 1 -W 1 10.0.2.2 | tail -2", "sysctl net.ipv4.ip_forward; ip -br a | head -n 2",
             "cat /proc/sys/net/ipv4/ip_forward || echo kaputt"]
    words = ["|", ";", "&&", "||", ">", ">>", "'", '"', "#", "&", "2>&1", "<", "sudo", "-n", "$?", "\\"]
    for n, base in enumerate(bases):
        rng = random.Random(2000 + n)
        tokens = base.split()
        muts: list[str] = []
        while len(muts) < 8:
            t = _mutate(rng, tokens, words, EDITS + ("insert",), first=0)
            assert t is not None
            text = " ".join(t)
            # no background jobs (their output races the foreground), no cat reading the terminal
            reads_tty = any(w == "cat" and (i + 1 == len(t) or not t[i + 1].startswith("/")) for i, w in enumerate(t))
            # (a line starting with '-' would be an option of the recorder's own ``bash -c``)
            # and no leading $? (simnet keeps $? between a terminal's lines, bash -c starts at 0)
            if text not in muts and text != base and "&" not in t and not reads_tty and not text.startswith("-") \
                    and not text.startswith("$?"):
                muts.append(text)
        case(f"tl_mut_shell_{n + 1}", f"shell mutants of `{base}`", routed_no_default(), cmds("a", *muts))


def tcpdump_mutant_cases() -> None:
    import random

    base = "tcpdump -n -i eth1 -c 2 icmp and host 10.0.2.2"
    words = ["eth9", "-c", "0", "udp", "or", "not", "host", "-e", "-v", "-t", "10.0.2", "port", "abc"]   # no -x: hex dumps hold ids
    rng = random.Random(4242)
    tokens = base.split()
    muts: list[str] = []
    while len(muts) < 8:
        t = _mutate(rng, tokens, words)
        assert t is not None
        text = " ".join(t)
        if "-c" in t and text not in muts and text != base:
            muts.append(text)
    for n, m in enumerate(muts):
        case(f"tl_mut_tcpdump_{n + 1}", f"tcpdump mutant `{m}`", routed_no_default(),
             bg("r", m) + cmds("a", "ping -c 1 -W 1 10.0.2.2") + collect())


def text_mutant_cases() -> None:
    import random

    bases = ["ip route | grep -c eth0", "ip -br a | awk '{print $1}'", "ip route | head -n 1",
             "ip -br a | cut -d ' ' -f 1", "ip route | sort -r | uniq -c", "seq 1 3 | tail -n 2",
             "printf '%s\\n' a b | wc -l"]
    words = ["-n", "-c", "-x", "-v", "1", "0", "-1", "abc", "-f", "-d", "--", "2", "-k", "-w"]
    for n, base in enumerate(bases):
        rng = random.Random(5000 + n)
        tokens = base.split(" ")
        muts: list[str] = []
        tries = 0
        while len(muts) < 8 and tries < 500:
            tries += 1
            t = _mutate(rng, tokens, words, skip=lambda w: w == "|" or "'" in w)
            if t is None:
                continue
            text = " ".join(t)
            # a filter left without input file or pipe would read the terminal
            if text not in muts and text != base and "| --" not in text:
                muts.append(text)
        case(f"tl_mut_text_{n + 1}", f"text tool mutants of `{base}`", lan(), cmds("a", *muts))


def mutant_cases() -> None:
    shell_mutant_cases()
    text_mutant_cases()
    tcpdump_mutant_cases()
    bases = [("ping", "ping -c 1 -W 1 -t 5 10.0.2.2"), ("ping_i", "ping -c 2 -i 0.2 -W 1 -s 100 10.0.2.2"),
             ("tr", "traceroute -n -q 1 -w 1 -m 3 10.0.2.2"), ("tr_i", "traceroute -I -n -q 1 -w 1 -f 2 -m 3 10.0.2.2")]
    bases += [("ping_q", "ping -q -c 3 -i 0.2 -W 1 10.0.2.2"), ("ping_I", "ping -I eth0 -c 1 -W 1 10.0.2.2"),
              ("tr_T", "traceroute -T -p 80 -n -q 1 -w 1 -m 3 10.0.2.2"),
              ("tr_dead", "traceroute -n -w 1 -q 2 -m 2 10.0.2.99")]
    for n, (name, base) in enumerate(bases):
        muts = _mutants(base, 1000 + n, 16)
        for part in range(2):
            case(f"tl_mut_{name}_{part + 1}", f"mutants of `{base}`", routed_no_default(),
                 cmds("a", *muts[part * 8:(part + 1) * 8]))
        second = [m for m in _mutants(base, 3000 + n, 24) if m not in muts][:8]
        case(f"tl_mut_{name}_3", f"more mutants of `{base}`", routed_no_default(), cmds("a", *second))
        third = [m for m in _mutants(base, 7000 + n, 40) if m not in muts and m not in second][:8]
        case(f"tl_mut_{name}_4", f"a fourth round of mutants of `{base}`", routed_no_default(), cmds("a", *third))


BATCHES = (ping_cases, traceroute_cases, tcpdump_cases, shell_cases, text_cases, tcpdump_more, chain_cases, tutorial_shell, mutant_cases)


def main() -> None:
    """Rewrite this module's YAML files only (tl_*.yaml)."""
    for batch in BATCHES:
        batch()
    write_cases({name: spec for name, spec in CASES.items() if name.startswith(PREFIX)}, "tools",
                stale=f"{PREFIX}*.yaml")

if __name__ == "__main__":
    main()
