"""nf_tables cases (prefix ``xt_``): iptables-nft as a translator onto nf_tables.

    python3 -m tests.kernel.make_cases_nftables

iptables-save | iptables-restore round trips, iptables-restore's flags (``--test``,
``-n``, ``-c``, ``-v``) and its line-numbered errors, ip6tables / ip6tables-save /
ip6tables-restore in family ip6, and what ``nft list`` shows of all iptables tables.
Hand-written nft cases live in make_cases_nftcli.py. Files a case writes carry the case's
name (the recorder runs four cases at a time in one file system).
"""
from __future__ import annotations

import copy

from tests.kernel.make_cases import cmds, lan, routed, write_cases

XT: dict[str, tuple[str, dict, list[dict]]] = {}


def case(name: str, desc: str, lab: dict, commands: list[dict]) -> None:
    assert name.startswith("xt_"), name
    XT[name] = (desc, copy.deepcopy(lab), commands)


def restore(text: str, flags: str = "", prog: str = "iptables-restore") -> str:
    """``printf '…' | iptables-restore FLAGS`` (printf turns the \\n into lines)."""
    return f"printf '{text}' | {prog}{' ' + flags if flags else ''}"


RULES = ["iptables -N web", "iptables -N audit", "iptables -A INPUT -i lo -j ACCEPT",
         "iptables -A INPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT",
         "iptables -A INPUT -p tcp -m multiport --dports 80,443 -j web",
         "iptables -A INPUT -p icmp --icmp-type echo-request -m limit --limit 5/second -j ACCEPT",
         "iptables -A web -s 10.0.0.0/8 -m comment --comment 'intern ok' -j ACCEPT",
         "iptables -A web -j LOG --log-prefix 'web: ' --log-level info", "iptables -A web -j audit",
         "iptables -A audit -p tcp -j REJECT --reject-with tcp-reset", "iptables -P INPUT DROP",
         "iptables -t nat -A POSTROUTING -o eth0 -j MASQUERADE",
         "iptables -t nat -A PREROUTING -i eth0 -p tcp --dport 8080 -j DNAT --to-destination 192.168.0.1:80",
         "iptables -t mangle -A PREROUTING -p udp -j MARK --set-mark 7"]

# --- iptables-save | iptables-restore
case("xt_save_restore_roundtrip", "a ruleset saved, wiped and restored is the same ruleset", lan(),
     cmds("a", *RULES, "iptables-save > /tmp/xt_roundtrip.rules", "iptables -F", "iptables -X",
          "iptables -t nat -F", "iptables -S", "iptables-restore < /tmp/xt_roundtrip.rules", "iptables -S",
          "iptables -t nat -S", "iptables -t mangle -S", "iptables -L -n -v", "iptables-save",
          "nft list ruleset"))
case("xt_save_pipe_restore", "iptables-save | iptables-restore keeps rules, policies and user chains", lan(),
     cmds("a", *RULES[:6], "iptables-save | iptables-restore", "iptables-save", "iptables -L -n --line-numbers",
          "iptables-save -t filter | iptables-restore -n", "iptables -S INPUT", "nft list ruleset"))
case("xt_restore_flush_or_not", "without -n a table section replaces the table, with -n it adds", lan(),
     cmds("a", "iptables -N keep", "iptables -A keep -j RETURN", "iptables -A FORWARD -j keep",
          "iptables -A INPUT -s 10.0.0.9 -j ACCEPT",
          restore("*filter\\n:INPUT ACCEPT [0:0]\\n-A INPUT -s 10.0.0.2 -j ACCEPT\\nCOMMIT\\n", "-n"),
          "iptables -S",
          restore("*filter\\n:keep - [0:0]\\n-A keep -j ACCEPT\\nCOMMIT\\n", "--noflush"), "iptables -S",
          restore("*filter\\n-A OUTPUT -j ACCEPT\\nCOMMIT\\n"), "iptables -S", "nft list ruleset",
          restore("*filter\\n-A INPUT -j ACCEPT\\nCOMMIT\\n*filter\\n-A OUTPUT -j DROP\\nCOMMIT\\n"),
          "iptables-save"))
case("xt_restore_test", "--test checks the file and changes nothing", lan(),
     cmds("a", "iptables -A INPUT -j ACCEPT", restore("*filter\\n:INPUT DROP [0:0]\\n-A INPUT -j DROP\\nCOMMIT\\n",
                                                      "--test"),
          "iptables -S", restore("*filter\\n-A INPUT -j NOPE\\nCOMMIT\\n", "-t"),
          restore("*filter\\n-N x\\n-N x\\nCOMMIT\\n", "-t"), restore("*filter\\n-A INPUT -j ACCEPT\\n", "-t"),
          "iptables -S", "nft list ruleset"))
case("xt_restore_counters", "-c sets rule and policy counters from [packets:bytes]", lan(),
     cmds("a", restore("*filter\\n:INPUT ACCEPT [5:300]\\n:FOO - [0:0]\\n[7:420] -A INPUT -j FOO\\n"
                       "[1:60] -A FOO -j ACCEPT\\nCOMMIT\\n", "-c"),
          "iptables -S -v", "iptables-save -c", "iptables -L -v -n -x",
          restore("*filter\\n:INPUT ACCEPT [9:900]\\n[3:3] -A INPUT -j ACCEPT\\nCOMMIT\\n"), "iptables-save -c"))
case("xt_restore_verbose", "-v names the flushed chains and echoes each rule", lan(),
     cmds("a", restore("*filter\\n:INPUT ACCEPT [0:0]\\n-A INPUT -s 10.0.0.1 -p tcp --dport 22 -j ACCEPT\\n"
                       "COMMIT\\n", "-v"),
          restore("*nat\\n-A POSTROUTING -o eth0 -j MASQUERADE\\nCOMMIT\\n", "--verbose --test"),
          "iptables-save"))
case("xt_restore_parse_errors", "lines iptables cannot parse: 'Error occurred at line: N', exit 2", lan(),
     cmds("a", restore("*filter\\n-A INPUT -s 10.0.0.3 -j BOGUS\\nCOMMIT\\n"),
          restore("*filter\\n-A INPUT -x\\nCOMMIT\\n"), restore("*bogus\\n-A INPUT -j ACCEPT\\nCOMMIT\\n"),
          restore("# kommentar\\n\\n*filter\\n-A INPUT -p tcp --dport 99999 -j ACCEPT\\nCOMMIT\\n"),
          restore("*filter\\nbogus line\\nCOMMIT\\n"), restore("*filter\\n*nat\\nCOMMIT\\n"),
          restore("*filter\\n:INPUT\\nCOMMIT\\n"), restore("*filter\\n:\\nCOMMIT\\n"),
          restore("*filter\\n-A INPUT -j ACCEPT\\nCOMMIT\\n*nat\\n-A POSTROUTING -j DROP\\nCOMMIT\\n"),
          "iptables -S", "iptables -t nat -S"))
case("xt_restore_kernel_errors", "what the kernel refuses: 'line N failed', the batch is undone", lan(),
     cmds("a", "iptables -A OUTPUT -j ACCEPT",
          restore("*filter\\n-A INPUT -j ACCEPT\\n-N FOO\\n-N FOO\\nCOMMIT\\n"),
          restore("*filter\\n:INPUT BOGUS [0:0]\\nCOMMIT\\n"), restore("*filter\\n-A NOPE -j ACCEPT\\nCOMMIT\\n"),
          restore("*filter\\n-X INPUT\\nCOMMIT\\n"), restore("*filter\\n-D INPUT -j DROP\\nCOMMIT\\n"),
          restore("# comment\\n\\n*filter\\n-D INPUT 5\\nCOMMIT\\n"),
          restore("*filter\\n-A INPUT -j MASQUERADE\\nCOMMIT\\n"),
          restore("*filter\\n-A INPUT -j ACCEPT\\n"), restore("COMMIT\\n"), restore(":INPUT ACCEPT\\n"),
          restore("\\n-A INPUT -j ACCEPT\\nCOMMIT\\n"), "iptables -S"))
case("xt_restore_options", "iptables-restore's own options, files and usage", lan(),
     cmds("a", "iptables-restore -V", "iptables-restore -h", "iptables-restore --bogus", "iptables-restore -x",
          "iptables-restore /tmp/xt_no_such_file", "printf '*filter\\n-A INPUT -j ACCEPT\\nCOMMIT\\n' > /tmp/xt_opt.rules",
          "iptables-restore /tmp/xt_opt.rules", "iptables -S INPUT",
          restore("*filter\\n-A INPUT -j DROP\\nCOMMIT\\n*nat\\n-A INPUT -j ACCEPT\\nCOMMIT\\n", "-T nat"),
          "iptables-save", "iptables-restore --table=filter /tmp/xt_opt.rules", "iptables -S INPUT"))
# --- all iptables tables as nft sees them
case("xt_nft_all_tables", "nft list shows each iptables table with its hooks, types and priorities", lan(),
     cmds("a", "iptables -t raw -A PREROUTING -p udp -j NOTRACK", "iptables -t security -A INPUT -j ACCEPT",
          "iptables -t mangle -A OUTPUT -j MARK --set-mark 1", "iptables -t mangle -A FORWARD -j ACCEPT",
          "iptables -t nat -A OUTPUT -d 10.9.9.9 -j DNAT --to-destination 192.168.0.1",
          "iptables -t nat -A INPUT -j ACCEPT", "iptables -A FORWARD -j DROP", "nft list ruleset",
          "nft list tables", "nft list chains", "nft -a list table ip mangle", "iptables-save"))
# --- ip6tables
V6 = ["ip6tables -A INPUT -s 2001:db8::1 -p tcp --dport 22 -j ACCEPT",
      "ip6tables -A INPUT -p ipv6-icmp --icmpv6-type echo-request -j ACCEPT",
      "ip6tables -A INPUT -d 2001:db8:1::/48 -i eth0 -j DROP", "ip6tables -A INPUT -j REJECT",
      "ip6tables -A INPUT -p tcp -j REJECT --reject-with tcp-reset",
      "ip6tables -A INPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT", "ip6tables -N foo",
      "ip6tables -A FORWARD -j foo", "ip6tables -A INPUT -p icmpv6 -j ACCEPT",
      "ip6tables -A INPUT -p udp -m multiport --dports 53,123 -j ACCEPT",
      "ip6tables -A foo -s 2001:db8::/32 -d ::1 -p udp --dport 53 -j ACCEPT"]
case("xt_ip6_list", "ip6tables rules as -S, -L, -L -n -v, ip6tables-save and nft show them", lan(),
     cmds("a", *V6, "ip6tables -S", "ip6tables -L", "ip6tables -L -n -v --line-numbers", "ip6tables-save",
          "nft list ruleset", "ip6tables -L INPUT 2 -n", "ip6tables -S INPUT 1", "iptables -S", "ip6tables -V"))
case("xt_ip6_icmpv6_types", "ICMPv6 types by name and number, with codes and negated", lan(),
     cmds("a", *[f"ip6tables -A INPUT -p icmpv6 --icmpv6-type {t} -j ACCEPT" for t in
                 ("destination-unreachable", "no-route", "packet-too-big", "time-exceeded", "ttl-zero-during-transit",
                  "parameter-problem", "echo-reply", "router-solicitation", "neighbour-solicitation",
                  "neighbor-advertisement", "redirect", "135", "1/3", "bogus")],
          "ip6tables -A INPUT -p icmpv6 -m icmp6 ! --icmpv6-type 1/3 -j ACCEPT",
          "ip6tables -S INPUT", "ip6tables -L INPUT", "ip6tables -L INPUT -n", "nft list chain ip6 filter INPUT"))
case("xt_ip6_reject_and_addresses", "REJECT types and address forms of ip6tables", lan(),
     cmds("a", *[f"ip6tables -A OUTPUT -p tcp -j REJECT --reject-with {r}" for r in
                 ("icmp6-no-route", "no-route", "icmp6-adm-prohibited", "adm-prohibited", "icmp6-addr-unreachable",
                  "addr-unreach", "icmp6-port-unreachable", "port-unreach", "tcp-reset", "icmp6-policy-fail",
                  "icmp6-reject-route", "icmp-port-unreachable")],
          "ip6tables -A INPUT -s 2001:db8::1/ffff:ffff:: -j ACCEPT", "ip6tables -A INPUT -s 2001:db8::1/129 -j ACCEPT",
          "ip6tables -A INPUT -s fe80::1%eth0 -j ACCEPT", "ip6tables -A INPUT -s 10.0.0.1 -j ACCEPT",
          "ip6tables -A INPUT -s ::/0 -j ACCEPT", "ip6tables -A INPUT ! -s ::/0 -j ACCEPT",
          "ip6tables -A INPUT -s 2001:db8::1,2001:db8::2 -j DROP", "ip6tables -A INPUT -p icmp -j ACCEPT",
          "ip6tables -S", "ip6tables -L -n", "nft list table ip6 filter"))
case("xt_ip6_errors_and_nat", "ip6tables errors name ip6tables; nat exists for IPv6 too", lan(),
     cmds("a", "ip6tables -X bogus", "ip6tables -A INPUT --foo", "ip6tables -N INPUT", "ip6tables -P INPUT REJECT",
          "ip6tables -t nat -A POSTROUTING -o eth0 -j MASQUERADE", "ip6tables -t nat -A INPUT -j DROP",
          "ip6tables -t nat -S", "ip6tables -t nat -L -n", "ip6tables -t bogus -L", "ip6tables-save -t nat",
          "ip6tables-save -t bogus", "nft list tables"))
case("xt_ip6_restore", "ip6tables-save | ip6tables-restore, and its errors under its own name", lan(),
     cmds("a", *V6[:6], "ip6tables-save | ip6tables-restore", "ip6tables-save",
          restore("*filter\\n-A INPUT -s 10.0.0.1 -j ACCEPT\\nCOMMIT\\n", prog="ip6tables-restore"),
          restore("*filter\\n-N x\\n-N x\\nCOMMIT\\n", prog="ip6tables-restore"),
          restore("*filter\\n:INPUT DROP [0:0]\\n-A INPUT -s 2001:db8::5 -j ACCEPT\\nCOMMIT\\n", "-n",
                  prog="ip6tables-restore"),
          "ip6tables -S INPUT", "ip6tables-restore -V", "iptables-save"))
case("xt_both_families", "iptables and ip6tables side by side in nf_tables", lan(),
     cmds("a", "iptables -A INPUT -s 10.0.0.1 -j ACCEPT", "ip6tables -A INPUT -s 2001:db8::1 -j ACCEPT",
          "iptables -t nat -A POSTROUTING -o eth0 -j MASQUERADE", "ip6tables -P FORWARD DROP",
          "nft list tables", "nft list ruleset", "nft list table ip6 filter", "nft list chain ip6 filter FORWARD",
          "iptables-save", "ip6tables-save", "ip6tables -F", "ip6tables -X", "nft list ruleset"))
case("xt_delete_chain_all", "iptables -X also removes the base chains nothing needs (empty, policy ACCEPT)", lan(),
     cmds("a", "iptables -A INPUT -j ACCEPT", "iptables -P OUTPUT ACCEPT", "iptables -P FORWARD DROP", "iptables -N u",
          "iptables -F INPUT", "iptables -v -X", "nft list ruleset", "iptables -S", "iptables -A INPUT -j ACCEPT",
          "iptables -N u2", "iptables -A INPUT -j u2", "iptables -F", "iptables -X", "nft list ruleset",
          "iptables -t nat -A POSTROUTING -j MASQUERADE", "iptables -t nat -F", "iptables -t nat -X",
          "nft list ruleset", "iptables -X INPUT", "iptables -t nat -S"))
case("xt_restore_odd_lines", "odd counter brackets, empty table names, odd ICMPv6 types and masks", lan(),
     cmds("a", restore("*filter\\n[abc -A INPUT -j ACCEPT\\nCOMMIT\\n"),
          restore("*filter\\n[1:2 -A INPUT -j ACCEPT\\nCOMMIT\\n", "-c"), restore("*\\nCOMMIT\\n"),
          restore("*filter\\n:INPUT ACCEPT [1:2:3]\\nCOMMIT\\n", "-c"), "iptables -v -S INPUT",
          "iptables-restore -T", "iptables-restore --table", "ip6tables -A INPUT -s ::1/ffff:: -j ACCEPT",
          "ip6tables -A INPUT -p icmpv6 --icmpv6-type 300 -j ACCEPT",
          "ip6tables -A INPUT -p icmpv6 --icmpv6-type 200 -j ACCEPT", "ip6tables -A INPUT -s '' -j ACCEPT",
          "ip6tables -L -n", "ip6tables-save -t bogus", "ip6tables-save -V"))
# --- a forwarding box: both families' tables and the packet path
case("xt_forward_restored", "a restored FORWARD policy and rules decide forwarded pings", routed(),
     cmds("r", restore("*filter\\n:FORWARD DROP [0:0]\\n-A FORWARD -s 10.0.1.2 -p icmp -j ACCEPT\\n"
                       "-A FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\\nCOMMIT\\n"))
     + cmds("a", "ping -c 2 -i 0.2 -W 1 10.0.2.2") + cmds("b", "ping -c 1 -W 1 10.0.1.2")
     + cmds("r", "iptables -L FORWARD -v -n", "iptables-save -c"))


def main() -> None:
    write_cases(XT, "xt", stale="xt_*.yaml")


if __name__ == "__main__":
    main()
