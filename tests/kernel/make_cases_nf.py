"""Netfilter cases (prefix ``nf_``): iptables, iptables-save, nft, conntrack and sysctl.

    python3 -m tests.kernel.make_cases_nf

Writes only the ``nf_*`` YAML files (the shared corpus is left alone), so it can
run while others add their own batches. The labs come from the shared helpers.
"""
from __future__ import annotations

import copy


from tests.kernel.make_cases import chain, cmds, lan, routed, subnet_router, write_cases

P1 = "ping -c 1 -W 1"
NF: dict[str, tuple[str, dict, list[dict]]] = {}


def case(name: str, desc: str, lab: dict, commands: list[dict]) -> None:
    assert name.startswith("nf_"), name
    NF[name] = (desc, copy.deepcopy(lab), commands)


def masq_routed() -> dict:
    """Two-host router whose outside interface MASQUERADEs (no back-route needed)."""
    lab = routed(back=False)
    lab["nodes"]["r"]["startup"].append("iptables -t nat -A POSTROUTING -o eth1 -j MASQUERADE")
    return lab


# --- listing: empty tables, flag spellings, combined short flags
case("nf_list_empty", "listing a box without rules", lan(),
     cmds("a", "iptables -L", "iptables -L -n -v", "iptables -S", "iptables-save", "nft list ruleset",
          "iptables -t nat -L -n", "iptables -t mangle -S", "iptables -t raw -L -n -v"))
case("nf_list_combined_flags", "combined short flags learners type", lan(),
     cmds("a", "iptables -A INPUT -p icmp -j ACCEPT", "iptables -nvL", "iptables -vnL INPUT --line-numbers",
          "iptables -nL", "iptables -L -nvx", "iptables -t filter -nvL OUTPUT", "iptables -Ln"))
case("nf_list_nat_after_touch", "nat table exists after a listing? (nft creates on write only)", lan(),
     cmds("a", "iptables -t nat -L -n", "iptables-save", "iptables -t nat -A POSTROUTING -o eth0 -j MASQUERADE",
          "iptables-save", "iptables -t nat -D POSTROUTING 1", "iptables-save -t nat", "nft list tables"))
# --- counters
case("nf_counters_lan", "INPUT/OUTPUT counters after pings", lan(),
     cmds("a", "iptables -A INPUT -p icmp -j ACCEPT", "iptables -A OUTPUT -d 192.168.0.1 -j ACCEPT",
          "ping -c 3 -i 0.2 -W 1 192.168.0.1", "iptables -L -v -n", "iptables -L -v -n -x",
          "iptables -Z INPUT", "iptables -L INPUT -v -n", "iptables-save -c"))
case("nf_policy_drop_counters", "policy DROP counts what it drops", lan(),
     cmds("b", "iptables -P INPUT DROP") + cmds("a", "ping -c 2 -i 0.2 -W 1 192.168.0.1")
     + cmds("b", "iptables -L INPUT -v -n", "iptables -S", "iptables-save -c", "iptables -P INPUT ACCEPT",
            "iptables -L INPUT -n -v"))
case("nf_user_chain_return", "user chain with RETURN and references", lan(),
     cmds("b", "iptables -N icmp-in", "iptables -A INPUT -p icmp -j icmp-in", "iptables -A icmp-in -s 192.168.0.3 -j DROP",
          "iptables -A icmp-in -j RETURN", "iptables -A INPUT -j ACCEPT")
     + cmds("a", "ping -c 2 -i 0.2 -W 1 192.168.0.1")
     + cmds("b", "iptables -L -n -v", "iptables -X icmp-in", "iptables -L icmp-in -n --line-numbers"))
case("nf_goto_chain", "-g jumps without coming back", lan(),
     cmds("b", "iptables -N drops", "iptables -A drops -j DROP", "iptables -A INPUT -p icmp -g drops",
          "iptables -A INPUT -j ACCEPT", "iptables -S", "iptables -L INPUT -n")
     + cmds("a", P1 + " 192.168.0.1") + cmds("b", "iptables -L -v -n"))
# --- rule editing and its errors
case("nf_edit_rules", "insert, replace, check and delete by number", lan(),
     cmds("a", "iptables -A INPUT -s 10.1.0.0/16 -j DROP", "iptables -I INPUT -s 10.2.0.0/16 -j DROP",
          "iptables -I INPUT 3 -s 10.3.0.0/16 -j DROP", "iptables -R INPUT 2 -s 10.9.0.0/16 -j ACCEPT",
          "iptables -C INPUT -s 10.9.0.0/16 -j ACCEPT", "iptables -C INPUT -s 10.9.0.0/16 -j DROP",
          "iptables -D INPUT 3", "iptables -D INPUT 7", "iptables -R INPUT 9 -j DROP", "iptables -S INPUT"))
case("nf_bad_edit", "editing errors on empty chains", lan(),
     cmds("a", "iptables -I INPUT 0 -j DROP", "iptables -R INPUT 1 -j DROP", "iptables -D INPUT 1",
          "iptables -A input -j DROP", "iptables -D INPUT -j ACCEPT", "iptables -C INPUT -j ACCEPT",
          "iptables -I INPUT abc -j DROP", "iptables -D INPUT 1 2"))
case("nf_bad_options", "unknown options and missing arguments", lan(),
     cmds("a", "iptables -A INPUT --foo", "iptables -A INPUT --dport 22 -j ACCEPT", "iptables -A INPUT -i",
          "iptables -A INPUT -s 10.0.0.0/33 -j DROP", "iptables -A INPUT -m foo -j DROP",
          "iptables -A INPUT -p tcp --dport 22:10 -j ACCEPT", "iptables -A INPUT -p tcp --dport ssh -j ACCEPT",
          "iptables -S INPUT", "iptables", "iptables -L -A INPUT"))
case("nf_bad_chains", "chain management errors", lan(),
     cmds("a", "iptables -N INPUT", "iptables -X INPUT", "iptables -E INPUT x", "iptables -P foo DROP",
          "iptables -P INPUT REJECT", "iptables -N my-chain", "iptables -P my-chain DROP", "iptables -E my-chain other",
          "iptables -N other2", "iptables -E other other2", "iptables -F nope", "iptables -Z nope", "iptables -L -n"))
case("nf_bad_targets", "target errors", lan(),
     cmds("a", "iptables -A INPUT -j REJECT --reject-with foo", "iptables -A INPUT -j REJECT --reject-with tcp-reset",
          "iptables -A INPUT -p tcp -j REJECT --reject-with tcp-reset", "iptables -A INPUT -j DNAT --to-destination 1.2.3.4",
          "iptables -t nat -A PREROUTING -j DNAT", "iptables -t nat -A POSTROUTING -j SNAT --to-source 300.1.1.1",
          "iptables -t nat -A POSTROUTING -j MASQUERADE --to-ports 1024-2000", "iptables -A FORWARD -j LOG --log-level 9",
          "iptables -S", "iptables -t nat -S"))
# --- matches and how they print
case("nf_match_ports", "port ranges, negation, services and multiport", lan(),
     cmds("a", "iptables -A INPUT -p tcp --sport 1024:65535 --dport 22 -j ACCEPT",
          "iptables -A INPUT -p udp --dport :1023 -j DROP", "iptables -A INPUT -p tcp ! --dport 80 -j ACCEPT",
          "iptables -A INPUT -p tcp -m multiport --dports 22,80,443 -j ACCEPT",
          "iptables -A INPUT -p udp -m multiport --sports 53,123 -j ACCEPT", "iptables -A INPUT -p tcp --dport 8000: -j DROP",
          "iptables -S", "iptables -L -n", "iptables -L", "nft list ruleset"))
case("nf_match_state_comment", "state, conntrack, comment and icmp-type matches", lan(),
     cmds("a", "iptables -A INPUT -m state --state NEW,ESTABLISHED -j ACCEPT",
          "iptables -A INPUT -m conntrack --ctstate INVALID -j DROP",
          "iptables -A INPUT -m conntrack ! --ctstate NEW -j ACCEPT",
          "iptables -A INPUT -p icmp --icmp-type echo-request -m comment --comment \"ping erlauben\" -j ACCEPT",
          "iptables -A INPUT -p icmp --icmp-type 0 -j ACCEPT", "iptables -A INPUT -m comment --comment nur-ein-wort -j ACCEPT",
          "iptables -S", "iptables -L -n", "iptables-save", "nft list ruleset"))
case("nf_match_addr_iface", "address and interface matches with negation and wildcards", lan(),
     cmds("a", "iptables -A FORWARD -i eth+ -o eth0 -j ACCEPT", "iptables -A FORWARD ! -o lo -s 10.0.0.1 -j DROP",
          "iptables -A FORWARD -d 192.168.0.0/255.255.255.0 -j ACCEPT", "iptables -A FORWARD -s 10.0.0.7/8 -j DROP",
          "iptables -A FORWARD -p 17 -j ACCEPT", "iptables -A FORWARD ! -p tcp -j ACCEPT", "iptables -A FORWARD -p all -j ACCEPT",
          "iptables -S FORWARD", "iptables -L FORWARD -n -v", "iptables -L FORWARD"))
case("nf_log_target", "LOG options", lan(),
     cmds("a", "iptables -A INPUT -j LOG", "iptables -A INPUT -j LOG --log-prefix \"IN: \" --log-level 4",
          "iptables -A INPUT -j LOG --log-level info --log-tcp-options", "iptables -S INPUT", "iptables -L INPUT -n",
          "nft list chain ip filter INPUT"))
# --- nft views
case("nf_nft_views", "nft list table/chain/tables", subnet_router(masq=True),
     cmds("tailscale", "iptables -A FORWARD -i eth0 -o eth1 -j ACCEPT", "nft list tables", "nft list table ip filter",
          "nft list table ip nat", "nft list table filter", "nft list chain ip nat POSTROUTING", "nft list table ip mangle",
          "nft list table inet filter"))
case("nf_nft_errors", "nft errors", lan(),
     cmds("a", "nft list table ip filter", "nft list tables", "nft foo", "nft list chain ip filter INPUT",
          "iptables -P FORWARD DROP", "nft list ruleset"))
# --- NAT in a subnet router
case("nf_sr_masq_traceroute", "traceroute through MASQUERADE", subnet_router(masq=True),
     cmds("laptop", "traceroute -n -q 1 -w 1 -I 192.168.0.101")
     + cmds("tailscale", "conntrack -L -p icmp", "iptables -t nat -L POSTROUTING -n -v"))
case("nf_sr_snat_range", "SNAT to a source address on the router", subnet_router(),
     cmds("tailscale", "ip addr add 192.168.0.151/24 dev eth1",
          "iptables -t nat -A POSTROUTING -o eth1 -j SNAT --to-source 192.168.0.151", "iptables -t nat -S")
     + cmds("laptop", "ping -c 2 -i 0.2 -W 1 192.168.0.101")
     + cmds("tailscale", "conntrack -L", "conntrack -L --src-nat", "conntrack -L -n 192.168.0.151"))
case("nf_sr_snat_wrong_addr", "SNAT to an address nobody answers for", subnet_router(),
     cmds("tailscale", "iptables -t nat -A POSTROUTING -o eth1 -j SNAT --to-source 192.168.0.222")
     + cmds("laptop", P1 + " 192.168.0.101") + cmds("tailscale", "conntrack -L"))
case("nf_sr_dnat_port", "DNAT port forward seen by traceroute -T", subnet_router(masq=True),
     cmds("tailscale", "iptables -t nat -A PREROUTING -i eth0 -p tcp --dport 8080 -j DNAT --to-destination 192.168.0.101:22",
          "iptables -t nat -S", "iptables -t nat -L -n", "nft list table ip nat")
     + cmds("laptop", "traceroute -n -q 1 -w 1 -T -p 8080 10.0.5.1")
     + cmds("tailscale", "conntrack -L -p tcp", "iptables -t nat -L PREROUTING -n -v"))
case("nf_sr_dnat_ping_filters", "DNAT of a ping and conntrack NAT filters", subnet_router(masq=True),
     cmds("tailscale", "ip addr add 10.0.5.100/24 dev eth0",
          "iptables -t nat -A PREROUTING -d 10.0.5.100 -p icmp -j DNAT --to-destination 192.168.0.101")
     + cmds("laptop", P1 + " 10.0.5.100")
     + cmds("tailscale", "conntrack -L --dst-nat", "conntrack -L -g 192.168.0.101", "conntrack -L --any-nat",
            "conntrack -L -d 10.0.5.100", "conntrack -L -r 192.168.0.101", "conntrack -L -q 192.168.0.150"))
case("nf_sr_forward_reject_traceroute", "REJECT in FORWARD seen by ping and traceroute", subnet_router(masq=True),
     cmds("tailscale", "iptables -A FORWARD -d 192.168.0.101 -j REJECT --reject-with icmp-host-unreachable",
          "iptables -A FORWARD -p udp -j REJECT")
     # (no -I traceroute after this one and no counters: the router's ICMP rate limit and the
     # refill probes of traceroute would decide them; see the request in /tmp/requests/nf.md)
     + cmds("laptop", P1 + " 192.168.0.101", "traceroute -n -q 1 -w 1 192.168.0.101"))
case("nf_sr_forward_reject_net", "REJECT with net-unreachable and admin-prohibited", subnet_router(masq=True),
     cmds("tailscale", "iptables -A FORWARD -p icmp --icmp-type echo-request -j REJECT --reject-with icmp-net-unreachable")
     + cmds("laptop", P1 + " 192.168.0.101")
     + cmds("tailscale", "iptables -R FORWARD 1 -j REJECT --reject-with icmp-admin-prohibited", "iptables -S FORWARD")
     + cmds("laptop", P1 + " 192.168.0.101", "traceroute -n -q 1 -w 1 192.168.0.101"))
case("nf_sr_forward_drop_traceroute", "FORWARD DROP seen by traceroute", subnet_router(masq=True),
     cmds("tailscale", "iptables -P FORWARD DROP")
     + cmds("laptop", "traceroute -n -q 1 -w 1 -m 3 192.168.0.101")
     + cmds("tailscale", "iptables -L FORWARD -v -n", "conntrack -C"))
case("nf_sr_policy_drop_state_back", "policy DROP + ESTABLISHED with back-route, no NAT", subnet_router(back=True),
     cmds("tailscale", "iptables -P FORWARD DROP", "iptables -A FORWARD -m state --state ESTABLISHED,RELATED -j ACCEPT",
          "iptables -A FORWARD -s 10.0.5.0/24 -j ACCEPT")
     + cmds("laptop", "ping -c 2 -i 0.2 -W 1 192.168.0.101") + cmds("proxmox", P1 + " 10.0.5.23")
     + cmds("tailscale", "iptables -L FORWARD -n -v --line-numbers", "conntrack -L -p icmp"))
case("nf_sr_masq_no_forward_rule", "MASQUERADE without ip_forward and FORWARD ACCEPT rule", subnet_router(forward=False, masq=True),
     cmds("tailscale", "iptables -A FORWARD -j ACCEPT") + cmds("laptop", P1 + " 192.168.0.101")
     + cmds("tailscale", "iptables -L FORWARD -n -v", "conntrack -L", "sysctl -w net.ipv4.ip_forward=1")
     + cmds("laptop", P1 + " 192.168.0.101") + cmds("tailscale", "iptables -L FORWARD -n -v"))
case("nf_routed_masq_ttl", "MASQUERADE router and TTL", masq_routed(),
     cmds("a", "ping -c 1 -W 1 -t 1 10.0.2.2", "ping -c 1 -W 1 -t 2 10.0.2.2", "traceroute -n -q 1 -w 1 -m 3 10.0.2.2")
     + cmds("r", "conntrack -L -p icmp", "conntrack -L -p udp -o extended"))
case("nf_chain_masq_second", "MASQUERADE on the second router of a chain", chain(),
     cmds("r2", "iptables -t nat -A POSTROUTING -o eth1 -j MASQUERADE", "ip route del 10.0.1.0/24 via 10.0.12.1")
     + cmds("b", "ip route del default") + cmds("a", P1 + " 10.0.2.2")
     + cmds("r2", "conntrack -L"))
# --- conntrack command
case("nf_conntrack_filters", "conntrack list options", subnet_router(masq=True),
     cmds("laptop", "ping -c 2 -i 0.2 -W 1 192.168.0.101")
     + cmds("tailscale", "conntrack -L --orig-src 10.0.5.23", "conntrack -L --orig-dst 192.168.0.101",
            "conntrack -L --reply-src 192.168.0.101", "conntrack -L --reply-dst 192.168.0.150", "conntrack -L -s 10.9.9.9",
            "conntrack -L -p icmp -s 10.0.5.23", "conntrack -L -o extended", "conntrack -L conntrack", "conntrack -C"))
case("nf_conntrack_delete", "deleting flows", subnet_router(masq=True),
     cmds("laptop", P1 + " 192.168.0.101")
     + cmds("tailscale", "conntrack -D -s 10.9.9.9", "conntrack -D -s 10.0.5.23", "conntrack -L", "conntrack -D -s 10.0.5.23",
            "conntrack -F", "conntrack -F", "conntrack -C"))
case("nf_conntrack_errors", "malformed conntrack commands", subnet_router(masq=True),
     cmds("tailscale", "conntrack", "conntrack -L -s 300.1.1.1", "conntrack -X", "conntrack -L --orig-src",
            "conntrack -L -p tcp --dport 80", "conntrack -L --dport 80", "conntrack -L -f ipv6", "conntrack -L -o foo",
            "conntrack -L -L", "conntrack -C expect"))
case("nf_conntrack_no_nat", "conntrack on a box without NAT or state rules", routed(),
     cmds("a", P1 + " 10.0.2.2") + cmds("r", "conntrack -L", "conntrack -C",
                                         "iptables -A FORWARD -m conntrack --ctstate NEW -j ACCEPT")
     + cmds("a", P1 + " 10.0.2.2") + cmds("r", "conntrack -L", "conntrack -L -p icmp --icmp-type 8"))
case("nf_raw_notrack", "NOTRACK in the raw table keeps flows out of conntrack", subnet_router(back=True),
     cmds("tailscale", "iptables -t raw -A PREROUTING -p icmp -j NOTRACK", "iptables -A FORWARD -m state --state UNTRACKED -j ACCEPT",
          "iptables -t raw -S", "iptables -S FORWARD")
     + cmds("laptop", P1 + " 192.168.0.101") + cmds("tailscale", "conntrack -L", "iptables -L FORWARD -n -v"))
# --- sysctl
case("nf_sysctl_errors", "sysctl error messages", lan(),
     cmds("a", "sysctl net.ipv4.ip_forwardx", "sysctl -n net.ipv4.nope", "sysctl -e net.ipv4.nope",
          "sysctl -w net.ipv4.conf.eth9.forwarding=1", "sysctl -x", "sysctl -w foo.bar=1", "sysctl -q net.ipv4.nope",
          "sysctl -w net.ipv4.ip_forward=", "sysctl net.ipv4.ip_forward=1"))
case("nf_sysctl_write_forms", "several keys, spaces and -p", routed(forward=False),
     cmds("r", "sysctl -w net.ipv4.ip_forward=1 net.ipv4.conf.all.rp_filter=0", "sysctl net.ipv4.ip_forward",
          "sysctl -w net.ipv4.ip_forward=2", "sysctl -n net.ipv4.ip_forward net.ipv4.conf.all.rp_filter",
          "sysctl -w net.ipv4.conf.all.forwarding=0", "sysctl net.ipv4.conf.eth1.forwarding net.ipv4.ip_forward",
          "sysctl net.ipv4.ip_default_ttl", "sysctl -w net.ipv4.ip_default_ttl=3", "sysctl net.ipv4.icmp_echo_ignore_all")
     + cmds("a", P1 + " 10.0.2.2", "traceroute -n -q 1 -w 1 -m 2 10.0.2.2"))
case("nf_sysctl_ttl_effect", "ip_default_ttl changes the TTL of replies and probes", routed(),
     cmds("b", "sysctl -w net.ipv4.ip_default_ttl=1") + cmds("a", P1 + " 10.0.2.2", P1 + " 10.0.2.1")
     + cmds("r", "sysctl -w net.ipv4.ip_default_ttl=64"))


# --- second batch: verbose forms, renderings, more NAT and conntrack
def batch2() -> None:
    case("nf_render_mix", "how -S, -L and nft show many rule forms", lan(),
         cmds("a", "iptables -A INPUT -i eth0 -p icmp -j DROP", "iptables -A INPUT ! -i eth0 ! -p icmp -j DROP",
              "iptables -A INPUT -p tcp ! --dport 1:1023 -j DROP", "iptables -A INPUT -p udp --sport 1024: -j DROP",
              "iptables -A INPUT -p icmp --icmp-type 3/1 -j ACCEPT", "iptables -A INPUT -p icmp ! --icmp-type echo-reply -j ACCEPT",
              "iptables -A INPUT -p icmp --icmp-type any -j ACCEPT", "iptables -A INPUT -p tcp --syn -j ACCEPT",
              "iptables -A INPUT -p tcp --tcp-flags SYN,ACK SYN -j ACCEPT", "iptables -S", "iptables -L -n", "iptables -L",
              "nft list ruleset"))
    case("nf_render_nat", "NAT targets in -S, -L and nft", lan(),
         cmds("a", "iptables -t nat -A POSTROUTING -p tcp -j MASQUERADE --to-ports 1024-2000",
              "iptables -t nat -A POSTROUTING -s 10.0.0.0/8 -j SNAT --to-source 1.2.3.4-1.2.3.9",
              "iptables -t nat -A PREROUTING -p udp --dport 53 -j DNAT --to-destination 10.0.0.1",
              "iptables -t nat -A PREROUTING -p tcp --dport 80 -j REDIRECT --to-ports 8080",
              "iptables -t nat -A POSTROUTING -j MASQUERADE --random", "iptables -t nat -S", "iptables -t nat -L",
              "iptables -t nat -L -n", "nft list table ip nat", "iptables-save -t nat"))
    case("nf_verbose_commands", "-v with editing commands", lan(),
         cmds("a", "iptables -A INPUT -j DROP -v", "iptables -I INPUT -s 1.2.3.0/24 -p tcp --dport 22 -j ACCEPT -v",
              "iptables -N x", "iptables -S -v", "iptables -S INPUT 1", "iptables -L INPUT 2 -n", "iptables -Z -v",
              "iptables -F INPUT -v", "iptables -X -v", "iptables -F -v"))
    case("nf_multi_addr", "comma-separated addresses make several rules", lan(),
         cmds("a", "iptables -A INPUT -s 10.0.0.1,10.0.0.2 -j DROP", "iptables -A OUTPUT -d 10.1.0.0/16,10.2.0.0/16 -p udp -j REJECT",
              "iptables -S", "iptables -D INPUT -s 10.0.0.1,10.0.0.2 -j DROP", "iptables -S INPUT"))
    case("nf_save_tables", "iptables-save with several tables and counters", lan(),
         cmds("a", "iptables -t mangle -A OUTPUT -p icmp -j MARK --set-mark 0x5", "iptables -A OUTPUT -p icmp -j ACCEPT",
              "iptables -t raw -A OUTPUT -p udp -j NOTRACK", "iptables -t nat -A OUTPUT -d 10.9.9.9 -j DNAT --to-destination 192.168.0.1",
              "ping -c 2 -i 0.2 -W 1 192.168.0.1", "iptables-save", "iptables-save -c", "iptables-save -t mangle",
              "iptables-save -t bogus", "iptables -t mangle -L OUTPUT -n -v"))
    case("nf_long_options", "long options and their abbreviations", lan(),
         cmds("a", "iptables --append INPUT --proto tcp --dport 22 --jump ACCEPT", "iptables --insert INPUT 1 --src 10.0.0.0/8 --jump DROP",
              "iptables --list-r", "iptables --list INPUT --numeric --line", "iptables --in INPUT -j DROP",
              "iptables --delete INPUT 1", "iptables --new-chain foo", "iptables --rename-chain foo bar",
              "iptables --delete-chain bar", "iptables --policy FORWARD DROP", "iptables --list-rules FORWARD",
              "iptables --flush", "iptables --zero", "iptables -L --verb"))
    case("nf_tables_chains", "chains that a table does not have", lan(),
         cmds("a", "iptables -t nat -L FORWARD", "iptables -t raw -A INPUT -j DROP", "iptables -t mangle -P FORWARD DROP",
              "iptables -t mangle -S FORWARD", "iptables -L PREROUTING", "iptables -t security -L -n", "iptables -t nat -P POSTROUTING DROP",
              "iptables -t nat -S", "iptables-save -t nat"))
    case("nf_versions", "version options", lan(),
         cmds("a", "iptables -V", "iptables --version", "iptables-save -V", "conntrack -V", "conntrack --version",
              "nft --version", "nft -v", "sysctl -V", "sysctl --version"))
    case("nf_delete_by_spec_forms", "delete/check with other spellings of the same rule", lan(),
         cmds("a", "iptables -A INPUT -p tcp --dport 22 -j ACCEPT", "iptables -C INPUT -p tcp --dport ssh -j ACCEPT",
              "iptables -C INPUT -p tcp -m tcp --dport 22 -j ACCEPT", "iptables -C INPUT -p tcp --sport 22 -j ACCEPT",
              "iptables -A INPUT -s 10.0.0.5/8 -j DROP", "iptables -D INPUT -s 10.0.0.0/8 -j DROP",
              "iptables -A INPUT -m state --state ESTABLISHED,RELATED -j ACCEPT",
              "iptables -D INPUT -m state --state RELATED,ESTABLISHED -j ACCEPT", "iptables -D INPUT -p tcp --dport 22",
              "iptables -S INPUT"))
    case("nf_input_tcp_reset", "REJECT tcp-reset seen by traceroute -T", lan(),
         cmds("b", "iptables -A INPUT -p tcp --dport 80 -j REJECT --reject-with tcp-reset",
              "iptables -A INPUT -p udp -j REJECT --reject-with icmp-host-prohibited")
         + cmds("a", "traceroute -n -q 1 -w 1 -T -p 80 192.168.0.1", "traceroute -n -q 1 -w 1 192.168.0.1")
         + cmds("b", "iptables -L INPUT -n -v"))
    case("nf_output_reject_variants", "REJECT in OUTPUT with other ICMP codes", lan(),
         cmds("a", "iptables -A OUTPUT -p icmp -j REJECT --reject-with icmp-admin-prohibited", P1 + " 192.168.0.1",
              "iptables -R OUTPUT 1 -p icmp -j REJECT --reject-with icmp-host-unreachable", P1 + " 192.168.0.1",
              "iptables -R OUTPUT 1 -p icmp -j REJECT --reject-with icmp-net-unreachable", P1 + " 192.168.0.1",
              "iptables -L OUTPUT -n -v"))
    case("nf_input_policy_drop_stateful", "INPUT policy DROP with lo, state and icmp rules", lan(),
         cmds("b", "iptables -A INPUT -i lo -j ACCEPT", "iptables -A INPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT",
              "iptables -P INPUT DROP", P1 + " 192.168.0.2", P1 + " 127.0.0.1")
         + cmds("a", P1 + " 192.168.0.1")
         + cmds("b", "iptables -L INPUT -n -v --line-numbers", "conntrack -L -p icmp"))
    local_dnat = lan()
    local_dnat["nodes"]["a"]["startup"].append("ip route add default via 192.168.0.1")
    case("nf_dnat_output_local", "DNAT in nat OUTPUT for locally sent pings", local_dnat,
         cmds("a", "iptables -t nat -A OUTPUT -d 10.9.9.9 -j DNAT --to-destination 192.168.0.1", P1 + " 10.9.9.9",
              "conntrack -L", "iptables -t nat -L OUTPUT -n -v", "traceroute -n -q 1 -w 1 -I 10.9.9.9"))
    case("nf_masq_counters_per_flow", "nat rules count only the first packet of a flow", subnet_router(masq=True),
         cmds("laptop", "ping -c 3 -i 0.2 -W 1 192.168.0.101", "traceroute -n -q 1 -w 1 -m 3 192.168.0.101")
         + cmds("tailscale", "iptables -t nat -L POSTROUTING -n -v", "iptables -t nat -L PREROUTING -n -v", "conntrack -C"))
    case("nf_forward_counters_iface", "FORWARD rules per direction with counters", subnet_router(back=True),
         cmds("tailscale", "iptables -A FORWARD -i eth0 -o eth1 -j ACCEPT", "iptables -A FORWARD -i eth1 -o eth0 -p icmp -j ACCEPT",
              "iptables -A FORWARD -j LOG --log-prefix 'FWD-DROP: '", "iptables -P FORWARD DROP")
         + cmds("laptop", "ping -c 2 -i 0.2 -W 1 192.168.0.101", "traceroute -n -q 1 -w 1 -m 3 192.168.0.101")
         + cmds("tailscale", "iptables -L FORWARD -n -v", "iptables -L FORWARD -v"))
    case("nf_conntrack_more", "conntrack status, mark and zero options", subnet_router(masq=True),
         cmds("laptop", "ping -c 2 -i 0.2 -W 1 192.168.0.101")
         + cmds("tailscale", "conntrack -L -u SEEN_REPLY", "conntrack -L --status ASSURED", "conntrack -L -m 0",
                "conntrack -L --mark 5", "conntrack -L -p icmp --icmp-type 8", "conntrack -L -p icmp --icmp-type 0",
                "conntrack -L -u FOO", "conntrack -L -z", "conntrack -L -f ipv4"))
    case("nf_exit_node_firewall", "exit node with FORWARD policy DROP, state rule and MASQUERADE", routed(back=False),
         cmds("r", "iptables -P FORWARD DROP", "iptables -A FORWARD -i eth0 -o eth1 -j ACCEPT",
              "iptables -A FORWARD -i eth1 -o eth0 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT",
              "iptables -t nat -A POSTROUTING -s 10.0.1.0/24 -o eth1 -j MASQUERADE")
         + cmds("a", P1 + " 10.0.2.2", "traceroute -n -q 1 -w 1 -m 3 10.0.2.2")
         + cmds("b", P1 + " 10.0.1.2") + cmds("r", "iptables -L FORWARD -n -v", "conntrack -L -p icmp"))

    case("nf_sr_reject_ratelimit", "REJECT in FORWARD: the router's ICMP rate limit empties after a traceroute",
         subnet_router(masq=True),
         cmds("tailscale", "iptables -A FORWARD -d 192.168.0.101 -j REJECT --reject-with icmp-host-unreachable")
         + cmds("laptop", P1 + " 192.168.0.101", "traceroute -n -q 1 -w 1 192.168.0.101",
                "traceroute -n -q 1 -w 1 -I 192.168.0.101"))   # (rule counters: traceroute sends 46 probes, real 45)


batch2()


# --- third batch: what learners get wrong, firewall on the path, sysctl files
def batch3() -> None:
    case("nf_bad_learner_typos", "typical typos in iptables commands", lan(),
         cmds("a", "iptables -A INPUT -p tcp --dport 22 ACCEPT", "iptables -A INPUT -j accept", "iptables -a INPUT -j DROP",
              "iptables -t NAT -L", "iptables -L -t nat -n", "iptables -A INPUT -p icmp --icmp-type foo -j DROP",
              "iptables -A INPUT -j ACCEPT --foo", "iptables -A INPUT -p tcp --dport 22 -j", "iptables -A FORWARD -o", 
              "iptables -A INPUT -s -j DROP", "iptables -S"))
    case("nf_bad_nat_targets", "NAT targets in the wrong place or with wrong options", subnet_router(),
         cmds("tailscale", "iptables -A FORWARD -o eth1 -j MASQUERADE", "iptables -t nat -A PREROUTING -j MASQUERADE",
              "iptables -t nat -A POSTROUTING -j DNAT --to-destination 1.2.3.4", "iptables -t nat -A POSTROUTING -o eth1 -j SNAT --to-source eth1",
              "iptables -t nat -A POSTROUTING -j MASQUERADE --to-source 1.2.3.4", "iptables -t nat -A PREROUTING -j DNAT --to 192.168.0.101:80",
              "iptables -t nat -A POSTROUTING -o eth1 -j SNAT --to 192.168.0.150", "iptables -t nat -A POSTROUTING -o eth1 -j MASQUERADE",
              "iptables -t nat -A POSTROUTING -o eth1 -j MASQUERADE", "iptables -t nat -S", "iptables -t nat -D POSTROUTING -o eth1 -j MASQUERADE",
              "iptables -t nat -L POSTROUTING -n --line-numbers"))
    case("nf_forward_icmp_type_drop", "FORWARD drops echo requests only: ping fails, traceroute works", subnet_router(masq=True),
         cmds("tailscale", "iptables -A FORWARD -p icmp --icmp-type echo-request -j DROP")
         + cmds("laptop", P1 + " 192.168.0.101", "traceroute -n -q 1 -w 1 -m 3 192.168.0.101", "traceroute -n -q 1 -w 1 -m 3 -I 192.168.0.101")
         + cmds("tailscale", "iptables -L FORWARD -n -v", "conntrack -L -p udp -d 192.168.0.101 --dport 33434"))
    case("nf_input_echo_reject", "INPUT rejects echo requests; OUTPUT drops echo replies", lan(),
         cmds("b", "iptables -A INPUT -p icmp --icmp-type echo-request -j REJECT") + cmds("a", P1 + " 192.168.0.1")
         + cmds("b", "iptables -F INPUT", "iptables -A OUTPUT -p icmp --icmp-type echo-reply -j DROP")
         + cmds("a", P1 + " 192.168.0.1") + cmds("b", "iptables -L -n -v"))
    case("nf_router_input_drop", "router drops traffic to itself but still forwards", subnet_router(masq=True),
         cmds("tailscale", "iptables -A INPUT -i eth0 -j DROP", "iptables -A FORWARD -m conntrack --ctstate INVALID -j DROP")
         + cmds("laptop", P1 + " 10.0.5.1", P1 + " 192.168.0.150", P1 + " 192.168.0.101", "traceroute -n -q 1 -w 1 -m 3 192.168.0.101")
         + cmds("tailscale", "iptables -L INPUT -n -v", "iptables -L FORWARD -n -v"))
    case("nf_forward_insert_block", "insert a DROP for one host before the ACCEPT rules", subnet_router(back=True),
         cmds("tailscale", "iptables -A FORWARD -i eth0 -o eth1 -m state --state NEW,ESTABLISHED,RELATED -j ACCEPT",
              "iptables -A FORWARD -i eth1 -o eth0 -m state --state ESTABLISHED,RELATED -j ACCEPT", "iptables -P FORWARD DROP",
              "iptables -I FORWARD 1 -s 10.0.5.23 -d 192.168.0.101 -j DROP", "iptables -L FORWARD -n --line-numbers")
         + cmds("laptop", P1 + " 192.168.0.101") + cmds("tailscale", "iptables -D FORWARD 1", "iptables -P FORWARD ACCEPT")
         + cmds("laptop", P1 + " 192.168.0.101") + cmds("proxmox", P1 + " 10.0.5.23")
         + cmds("tailscale", "iptables -L FORWARD -n -v"))
    case("nf_conntrack_output_formats", "conntrack -o variants", subnet_router(masq=True),
         cmds("laptop", P1 + " 192.168.0.101")
         + cmds("tailscale", "conntrack -L -o extended", "conntrack -L -o id", "conntrack -L -n",
                "conntrack -L -g", "conntrack -L -j", "conntrack -L -o extended,id"))
    case("nf_sysctl_file_errors", "sysctl -p with comments, bad keys and bad lines", lan(),
         cmds("a", "echo 'net.ipv4.ip_forward=1' > /etc/sysctl.d/50-test.conf",
              "echo '# comment' >> /etc/sysctl.d/50-test.conf; echo '; other' >> /etc/sysctl.d/50-test.conf",
              "echo 'net.ipv4.nope = 1' >> /etc/sysctl.d/50-test.conf; echo foo >> /etc/sysctl.d/50-test.conf",
              "echo '  net.ipv4.conf.all.rp_filter = 2  ' >> /etc/sysctl.d/50-test.conf",
              "echo '-net.ipv4.gone = 1' >> /etc/sysctl.d/50-test.conf",
              "sysctl -p /etc/sysctl.d/50-test.conf", "sysctl -q -p /etc/sysctl.d/50-test.conf",
              "sysctl net.ipv4.ip_forward net.ipv4.conf.all.rp_filter", "sysctl -p /etc/sysctl.d/missing.conf"))
    case("nf_sysctl_grep_proc", "sysctl through grep and /proc", routed(forward=False),
         cmds("r", "sysctl -a 2>/dev/null | grep 'ipv4.ip_forward'", "sysctl -a 2>/dev/null | grep -c '\\.forwarding = 0'",
              "cat /proc/sys/net/ipv4/conf/all/forwarding", "echo 1 > /proc/sys/net/ipv4/conf/all/forwarding",
              "sysctl net.ipv4.ip_forward net.ipv4.conf.eth0.forwarding", "sysctl -w net.ipv6.conf.all.forwarding=1",
              "sysctl net.ipv4.conf.default.forwarding"))
    case("nf_masq_twice_cleanup", "MASQUERADE typed twice, then removed again", subnet_router(),
         cmds("tailscale", "iptables -t nat -A POSTROUTING -o eth1 -j MASQUERADE", "iptables -t nat -A POSTROUTING -o eth1 -j MASQUERADE")
         + cmds("laptop", P1 + " 192.168.0.101")
         + cmds("tailscale", "iptables -t nat -L -n -v", "iptables -t nat -F", "conntrack -F")
         + cmds("laptop", P1 + " 192.168.0.101") + cmds("tailscale", "iptables -t nat -L POSTROUTING -n -v", "nft list ruleset"))
    case("nf_dnat_to_other_subnet_router", "DNAT to a host behind the router without MASQUERADE (no route back)",
         subnet_router(),
         cmds("tailscale", "iptables -t nat -A PREROUTING -i eth0 -d 10.0.5.1 -p icmp -j DNAT --to-destination 192.168.0.101")
         + cmds("laptop", P1 + " 10.0.5.1") + cmds("tailscale", "conntrack -L"))


batch3()


# --- fourth batch: match modules, names, marks and policy routing, nft after traffic
def batch4() -> None:
    case("nf_match_modules_render", "more match modules in -S, -L and nft", lan(),
         cmds("a", "iptables -A INPUT -p icmp -m limit --limit 5/min --limit-burst 10 -j LOG --log-prefix 'ICMP: '",
              "iptables -A INPUT -m iprange --src-range 10.0.0.1-10.0.0.9 -j DROP",
              "iptables -A INPUT -m addrtype --dst-type LOCAL -j ACCEPT", "iptables -A INPUT -m mac --mac-source 02:00:00:00:00:01 -j DROP",
              "iptables -A INPUT -m mark --mark 0x1/0xff -j ACCEPT", "iptables -A INPUT -m connmark --mark 0x2 -j ACCEPT",
              "iptables -A INPUT -m length --length 0:100 -j ACCEPT", "iptables -A INPUT -m ttl --ttl-lt 5 -j DROP",
              "iptables -A INPUT -m pkttype --pkt-type broadcast -j DROP", "iptables -A OUTPUT -m owner --uid-owner 0 -j ACCEPT",
              "iptables -S", "iptables -L -n", "iptables -L", "nft list ruleset"))
    case("nf_list_names", "iptables -L names for well-known addresses", lan(),
         cmds("a", "iptables -A INPUT -s 127.0.0.1 -j ACCEPT", "iptables -A INPUT -s 169.254.0.0/16 -j DROP",
              "iptables -A INPUT -d 224.0.0.0/4 -j DROP", "iptables -A INPUT -s 192.168.0.1 -j ACCEPT", "iptables -L INPUT",
              "iptables -L INPUT -v"))
    two_up = routed()
    two_up["nodes"]["r"]["startup"] += ["ip route add unreachable default table 100", "ip rule add fwmark 0x1 table 100"]
    case("nf_mark_policy_routing", "mangle MARK steers packets into another routing table", two_up,
         cmds("r", "iptables -t mangle -A PREROUTING -i eth0 -p icmp -j MARK --set-mark 1")
         + cmds("a", P1 + " 10.0.2.2", "traceroute -n -q 1 -w 1 -m 3 10.0.2.2")
         + cmds("r", "iptables -t mangle -L PREROUTING -n -v", "iptables -t mangle -S", "nft list table ip mangle",
                "iptables -t mangle -R PREROUTING 1 -i eth0 -p icmp -j MARK --set-mark 2")
         + cmds("a", P1 + " 10.0.2.2"))
    case("nf_reject_proto_unreach", "REJECT with protocol unreachable and host prohibited in FORWARD", routed(),
         cmds("r", "iptables -A FORWARD -p icmp -j REJECT --reject-with icmp-proto-unreachable")
         + cmds("a", P1 + " 10.0.2.2")
         + cmds("r", "iptables -R FORWARD 1 -p icmp -j REJECT --reject-with icmp-host-prohibited")
         + cmds("a", P1 + " 10.0.2.2", "traceroute -n -q 1 -w 1 -m 3 -I 10.0.2.2"))
    case("nf_forward_off_counters", "forwarding off: FORWARD rules never see the packets", routed(forward=False),
         cmds("r", "iptables -A FORWARD -j ACCEPT", "iptables -A INPUT -p icmp -j ACCEPT")
         + cmds("a", P1 + " 10.0.2.2", P1 + " 10.0.2.1") + cmds("r", "iptables -L -n -v"))
    case("nf_nft_after_traffic", "nft counters, user chains and policies after traffic", subnet_router(masq=True),
         cmds("tailscale", "iptables -N ts-forward", "iptables -A FORWARD -j ts-forward",
              "iptables -A ts-forward -i eth0 -j ACCEPT", "iptables -A ts-forward -o eth0 -m state --state ESTABLISHED -j ACCEPT",
              "iptables -P FORWARD DROP")
         + cmds("laptop", "ping -c 2 -i 0.2 -W 1 192.168.0.101")
         + cmds("tailscale", "nft list ruleset", "nft list chain ip filter ts-forward", "iptables-save -c"))

    case("nf_ttl_length_traffic", "ttl and length matches decide on real packets", lan(),
         cmds("b", "iptables -A INPUT -p icmp -m ttl --ttl-lt 20 -j DROP", "iptables -A INPUT -p icmp -m length --length 1000:65535 -j REJECT")
         + cmds("a", "ping -c 1 -W 1 -t 10 192.168.0.1", P1 + " 192.168.0.1", "ping -c 1 -W 1 -s 1200 192.168.0.1")
         + cmds("b", "iptables -L INPUT -n -v"))


batch4()


# --- fifth batch: conntrack corners, unanswered flows, TCP through NAT
def batch5() -> None:
    case("nf_conntrack_unreplied", "flows nobody answers stay [UNREPLIED]", subnet_router(masq=True),
         cmds("laptop", P1 + " 192.168.0.77", "traceroute -n -q 1 -w 1 -m 2 192.168.0.77")
         + cmds("tailscale", "conntrack -L", "conntrack -L -u SEEN_REPLY", "conntrack -C", "conntrack -L -p udp --dport 33435"))
    case("nf_conntrack_cli_errors", "conntrack get/create/update and more option errors", subnet_router(masq=True),
         cmds("laptop", P1 + " 192.168.0.101")
         + cmds("tailscale", "conntrack -L -s 10.0.5.0/24", "conntrack -L -s 10.0.5.0/33", "conntrack -G -s 1.2.3.4",
                "conntrack -G -p icmp -s 1.2.3.4 -d 1.2.3.5", "conntrack -I -p icmp -s 1.2.3.4",
                "conntrack -L --orig-port-src 1", "conntrack -C -p icmp", "conntrack -F -s 1.2.3.4", "conntrack -L -e NEW"))
    case("nf_tcp_through_masq", "TCP SYN through MASQUERADE to a closed port", subnet_router(masq=True),
         cmds("laptop", "traceroute -n -q 1 -w 1 -T -p 80 -m 3 192.168.0.101")
         + cmds("tailscale", "conntrack -L -p tcp", "iptables -t nat -L POSTROUTING -n -v"))
    case("nf_dnat_masq_hairpin_free", "DNAT port forward plus MASQUERADE: the target sees the router", subnet_router(masq=True),
         cmds("tailscale", "iptables -t nat -A PREROUTING -i eth0 -p udp --dport 5353 -j DNAT --to-destination 192.168.0.101:33434")
         + cmds("laptop", "traceroute -n -q 1 -w 1 -U -p 5353 -m 3 10.0.5.1")
         + cmds("tailscale", "conntrack -L -p udp", "iptables -t nat -L -n -v"))
    case("nf_conntrack_two_clients", "two clients behind one MASQUERADE router", {"nodes": {
        "pc1": {"interfaces": {"eth0": "lan"}, "startup": ["ip addr add 192.168.1.10/24 dev eth0", "ip route add default via 192.168.1.1"]},
        "pc2": {"interfaces": {"eth0": "lan"}, "startup": ["ip addr add 192.168.1.11/24 dev eth0", "ip route add default via 192.168.1.1"]},
        "gw": {"interfaces": {"eth0": "lan", "eth1": "wan"}, "startup": [
            "ip addr add 192.168.1.1/24 dev eth0", "ip addr add 203.0.113.2/24 dev eth1", "sysctl -w net.ipv4.ip_forward=1",
            "iptables -t nat -A POSTROUTING -s 192.168.1.0/24 -o eth1 -j MASQUERADE"]},
        "srv": {"interfaces": {"eth0": "wan"}, "startup": ["ip addr add 203.0.113.10/24 dev eth0"]}}},
        cmds("pc1", "ping -c 1 -W 1 203.0.113.10") + cmds("pc2", "ping -c 1 -W 1 203.0.113.10")
        + cmds("gw", "conntrack -L", "conntrack -L -s 192.168.1.11", "conntrack -C", "iptables -t nat -L POSTROUTING -n -v")
        + cmds("srv", "ip neigh show dev eth0"))


batch5()


# --- sixth batch: long names in the columns, TCP resets on the path
def batch6() -> None:
    ts = {"nodes": {
        "laptop": {"interfaces": {"tailscale0": "tun"}, "startup": ["ip addr add 100.64.0.2/10 dev tailscale0",
                                                                     "ip route add default via 100.64.0.1"]},
        "exit": {"interfaces": {"tailscale0": "tun", "enp1s0": "lan"}, "startup": [
            "ip addr add 100.64.0.1/10 dev tailscale0", "ip addr add 192.168.0.150/24 dev enp1s0",
            "sysctl -w net.ipv4.ip_forward=1"]},
        "web": {"interfaces": {"eth0": "lan"}, "startup": ["ip addr add 192.168.0.80/24 dev eth0"]}}}
    case("nf_long_names_columns", "long interface and chain names in -L columns", ts,
         cmds("exit", "iptables -N ts-forward-long-name", "iptables -A FORWARD -j ts-forward-long-name",
              "iptables -A ts-forward-long-name -i tailscale0 -o enp1s0 -j ACCEPT",
              "iptables -A ts-forward-long-name ! -i tailscale0 -o tailscale0 -j ACCEPT",
              "iptables -t nat -N ts-postrouting", "iptables -t nat -A POSTROUTING -j ts-postrouting",
              "iptables -t nat -A ts-postrouting -o enp1s0 -j MASQUERADE")
         + cmds("laptop", P1 + " 192.168.0.80")
         + cmds("exit", "iptables -L -v -n", "iptables -L FORWARD -v", "iptables -t nat -L -v -n", "iptables -S", "nft list ruleset"))
    case("nf_forward_tcp_reset", "FORWARD REJECT with tcp-reset and port-unreachable seen by traceroute -T", routed(),
         cmds("r", "iptables -A FORWARD -p tcp --dport 80 -j REJECT --reject-with tcp-reset",
              "iptables -A FORWARD -p tcp --dport 443 -j REJECT")
         + cmds("a", "traceroute -n -q 1 -w 1 -T -p 80 -m 3 10.0.2.2", "traceroute -n -q 1 -w 1 -T -p 443 -m 3 10.0.2.2")
         + cmds("r", "iptables -L FORWARD -n -v"))


batch6()


# --- seventh batch: INVALID packets on asymmetric paths
def batch7() -> None:
    asym = {"nodes": {
        "laptop": {"interfaces": {"eth0": "cafe"}, "startup": ["ip addr add 10.0.5.23/24 dev eth0", "ip route add default via 10.0.5.1"]},
        "tailscale": {"interfaces": {"eth0": "cafe", "eth1": "heimnetz"}, "startup": [
            "ip addr add 10.0.5.1/24 dev eth0", "ip addr add 192.168.0.150/24 dev eth1", "sysctl -w net.ipv4.ip_forward=1"]},
        "router": {"interfaces": {"eth0": "heimnetz"}, "startup": [
            "ip addr add 192.168.0.1/24 dev eth0", "sysctl -w net.ipv4.ip_forward=1", "ip route add 10.0.5.0/24 via 192.168.0.150",
            "iptables -A FORWARD -m conntrack --ctstate INVALID -j DROP"]},
        "proxmox": {"interfaces": {"eth0": "heimnetz"}, "startup": ["ip addr add 192.168.0.101/24 dev eth0",
                                                                    "ip route add default via 192.168.0.1"]}}}
    case("nf_invalid_asymmetric", "replies through a router that never saw the request are INVALID", asym,
         cmds("laptop", "ping -c 3 -i 0.3 -W 1 192.168.0.101", "traceroute -n -q 1 -w 1 -m 3 -T -p 22 192.168.0.101")
         + cmds("router", "iptables -L FORWARD -n -v", "conntrack -L") + cmds("proxmox", "ip route get 10.0.5.23"))


batch7()


# --- eighth batch: what differential fuzzing against the real tools turned up
def batch8() -> None:
    case("nf_getopt_order", "iptables reports the first problem in command-line order", lan(),
         cmds("a", "iptables -N -s 1.2.3.4", "iptables -R --log-prefix X: -t mangle", "iptables -A INPUT -j DROP -j ACCEPT",
              "iptables -A INPUT -s 10.0.0.0/8 ! -s 10.1.0.0/16 -j DROP", "iptables -A INPUT ! ! -s 1.2.3.4",
              "iptables -A INPUT -s 1.2.3.4 !", "iptables -A INPUT ! -m state --state NEW", "iptables -R INPUT -j DROP",
              "iptables -E INPUT", "iptables -L INPUT -I", "iptables -S -P -S INPUT", "iptables -p tcp -j LOG -V",
              "iptables -A INPUT -p tcp --dport --dport 22 -j DROP", "iptables -n -n -L", "iptables -w abc -L",
              "iptables -A INPUT -p icmp -m multiport --dports 1,2 -j DROP", "iptables -A INPUT -j mychain --log-prefix x"))
    case("nf_list_zero_combined", "-L and -Z together; deleting by number in existing and new chains", lan(),
         cmds("a", "iptables -A INPUT -p icmp -j ACCEPT", P1 + " 192.168.0.1", "ping -c 1 -W 1 192.168.0.2",
              "iptables -L INPUT -n -v -Z", "iptables -L INPUT -n -v", "iptables -Z INPUT -L -v -n", "iptables -D INPUT 5",
              "iptables -D OUTPUT 1", "iptables -A OUTPUT -j ACCEPT", "iptables -D OUTPUT 3", "iptables -D INPUT 1 --"))
    case("nf_conntrack_option_matrix", "conntrack checks options per command in its own order", subnet_router(masq=True),
         cmds("laptop", P1 + " 192.168.0.101")
         + cmds("tailscale", "conntrack -p icmp", "conntrack -s 10.0.5.23", "conntrack -o xml -m 1 -p tcp", "conntrack -F -o extended",
                "conntrack -L -j -n", "conntrack -L -q 2.2.2.2 -z", "conntrack -L -p icmp icmp", "conntrack expect",
                "conntrack -G -z -s 1.2.3.4 -p icmp", "conntrack -D -s 10.0.5.23 10.0.5.23"))
    case("nf_sysctl_exit_codes", "sysctl adds up failed reads, writes only fail once", lan(),
         cmds("a", "sysctl net.ipv4.nope net.ipv4.ip_forward=0 net.ipv4.nope", "sysctl net.ipv4.ip_default_ttl=0 net.ipv4.nope",
              "sysctl net.ipv4.ip_forward=abc net.ipv4.ip_forward=abc", "sysctl -N net.ipv4.ip_forward=1",
              "sysctl -n -N net.ipv4.ip_forward", "sysctl -N -q net.ipv4.ip_forward", "sysctl --", "sysctl -- net.ipv4.ip_forward"))

    case("nf_render_fuzz_findings", "rendering details found by random rules: quoting, /0, negated mark, compat warnings", lan(),
         cmds("a", "iptables -A INPUT -j LOG --log-prefix y", "iptables -A INPUT -j LOG --log-prefix x-y_1",
              "iptables -A INPUT -m comment --comment 'a:b' -j ACCEPT", "iptables -A INPUT -s 0.0.0.0/0 -d 0/0 -j ACCEPT",
              "iptables -A INPUT ! -s 0.0.0.0/0 -j DROP", "iptables -t mangle -A PREROUTING ! -d 0.0.0.0/0 -j ACCEPT",
              "iptables -A INPUT -m mark ! --mark 0x4/0xf -j DROP", "iptables -A INPUT -p tcp --dport 22 -j ACCEPT",
              "iptables -S", "iptables -L -n", "nft list ruleset", "iptables -t mangle -S"))
    case("nf_nft_compat_warning", "which tables nft warns about", lan(),
         cmds("a", "iptables -A INPUT -p tcp --dport 22 -j ACCEPT", "iptables -A INPUT -m limit --limit 1/s -j ACCEPT",
              "nft list ruleset", "iptables -t nat -A PREROUTING -p udp --dport 53 -j DNAT --to-destination 1.2.3.4",
              "nft list ruleset", "iptables -A INPUT -p icmp --icmp-type 8 -j ACCEPT", "nft list table ip filter",
              "iptables -A INPUT -j REJECT --reject-with icmp-admin-prohibited", "nft list chain ip filter INPUT"))

    case("nf_counters_kilo", "big counters print rounded K values", lan(),
         cmds("b", "iptables -A INPUT -p icmp -j ACCEPT", "iptables -A OUTPUT -p icmp -j ACCEPT")
         + cmds("a", "ping -c 3 -i 0.2 -W 1 -s 50000 192.168.0.1")
         + cmds("b", "iptables -L -n -v", "iptables -L -n -v -x", "iptables-save -c"))

    case("nf_output_reject_echo_reply", "REJECT in OUTPUT drops the kernel's echo replies without an error", routed(),
         cmds("r", "iptables -A OUTPUT -s 10.0.2.0/24 -p icmp -j REJECT --reject-with icmp-host-prohibited",
              "iptables -A OUTPUT -p icmp -j ACCEPT")
         + cmds("a", P1 + " 10.0.2.1", P1 + " 10.0.1.1", "ping -c 1 -W 1 -t 1 10.0.2.2") + cmds("r", "iptables -L OUTPUT -n -v"))

    case("nf_help_texts", "help options of the netfilter tools", lan(),
         cmds("a", "iptables -h", "iptables --help", "iptables -L -h", "nft -h", "nft --help", "sysctl -h", "sysctl --help",
              "conntrack -h"))

    dn = chain()
    dn["nodes"]["r1"]["startup"] += ["ip addr add 10.0.1.100/24 dev eth0",
                                     "iptables -t nat -A PREROUTING -d 10.0.1.100 -j DNAT --to-destination 10.0.2.2"]
    case("nf_dnat_errors_look_like_replies", "ICMP errors about DNATed packets carry the DNAT address outside", dn,
         cmds("a", "traceroute -n -q 1 -w 1 -m 4 -I 10.0.1.100", "traceroute -n -q 1 -w 1 -m 4 10.0.1.100", P1 + " 10.0.1.100",
              "ping -c 1 -W 1 -t 2 10.0.1.100") + cmds("r1", "conntrack -L -p icmp"))

    case("nf_nft_l4proto_order", "nft puts meta l4proto before the addresses", lan(),
         cmds("a", "iptables -A INPUT -s 192.168.0.158 -p icmp -j ACCEPT", "iptables -A INPUT -i eth0 ! -p udp -d 10.0.0.0/8 -j DROP",
              "iptables -A INPUT -p tcp -s 10.1.0.0/16 --dport 22 -j ACCEPT", "iptables -A OUTPUT -p 47 -d 1.2.3.4 -j DROP",
              "nft list ruleset"))

    case("nf_chain_loops", "jump loops are refused once a base chain reaches them", lan(),
         cmds("a", "iptables -N u", "iptables -A u -j u", "iptables -A FORWARD -g u", "iptables -N v", "iptables -A u -j v",
              "iptables -A v -j u", "iptables -D u 1", "iptables -D u 1", "iptables -A INPUT -j v", "iptables -A v -j u",
              "iptables -A u -j v", "iptables -I u 1 -g u", "iptables -S"))


batch8()


def main() -> None:
    write_cases(NF, "nf", stale="nf_*.yaml")

if __name__ == "__main__":
    main()
