"""Differential cases for the command-line scanners (prefix ``opt_``).

    python3 -m tests.kernel.make_cases_opts

ping, nc and tcpdump parse argv with glibc's getopt/getopt_long, traceroute with CLIF;
simnet has one scanner for all of them (simnet/commands/getopt.py). These cases hold the
error texts, exit codes, clustering, permutation and long-option abbreviation to the real tools.
"""
from __future__ import annotations

from tests.kernel.make_cases import CASES, case, cmds, lan, write_cases

PREFIX = "opt_"
B = "192.168.0.1"


def build() -> None:
    case("opt_ping_getopt", "ping's getopt: errors, clusters, permutation, --", lan(),
         cmds("a", "ping -?", "ping -c", f"ping --count 1 {B}", "ping -qc", f"ping -nqc 1 -W1 {B}",
              f"ping -c 1 -W 1 -Z {B}", f"ping {B} -W1 -qc1", f"ping -c 1 -W 1 -- {B}", f"ping -c1 -W1 -i",
              f"ping -W 1 -c -- {B}", f"ping -h {B}", "ping -4c1"))
    case("opt_tr_clif", "traceroute's CLIF: long options need '=', no abbreviations", lan(),
         cmds("a", f"traceroute --icmp=3 {B}", f"traceroute -m -n {B}", "traceroute -nIm", f"traceroute --max-hops= {B}",
              f"traceroute --max=3 {B}", f"traceroute --max-hops 3 {B}", "traceroute --sport", "traceroute -Y",
              "traceroute --foo", "traceroute --help=3", "traceroute --", f"traceroute -n -q 1 -w 1 --max-hops=1 {B}",
              f"traceroute -nq1 -w1 {B} -m 1", f"traceroute -n -q 1 -w 1 -- {B} 40", f"traceroute -nq 1 -w1 -x {B}"))
    case("opt_tcpdump_getopt", "tcpdump's getopt_long: ambiguous prefixes, missing arguments, usage", lan(),
         cmds("a", "tcpdump --n", "tcpdump --no=3", "tcpdump --vers=1", "tcpdump --foo=bar", "tcpdump -x -Z",
              "tcpdump -c", "tcpdump --interface", "tcpdump -i eth0 -c abc", "tcpdump --li", "tcpdump -g",
              "tcpdump --version", "tcpdump --vers", "tcpdump -Y", "tcpdump -h", "tcpdump --help", "tcpdump --i",
              "tcpdump --c=1", "tcpdump -i eth0 -c 0"))
    case("opt_tcpdump_long", "tcpdump with abbreviated long options and the filter before the options", lan(),
         [{"node": "b", "cmd": "tcpdump --interf=eth0 -nc 1 icmp", "bg": "t1"},
          {"node": "b", "cmd": "tcpdump icmp -n -c 1 --interface eth0", "bg": "t2"}]
         + cmds("a", f"ping -c 1 -W 1 {B}") + [{"collect": "t1"}, {"collect": "t2"}])
    case("opt_nc_getopt", "nc's getopt: errors with the usage, clusters and permutation", lan(),
         cmds("a", "nc -x", "nc -Y", "nc -w", "nc -lv -p", "nc --foo", f"nc -zvw1 {B} 9", f"nc {B} 9 -zv -w 1",
              f"nc -z -v -- {B} 9", "nc -zv"))


if __name__ == "__main__":
    build()
    write_cases({n: spec for n, spec in CASES.items() if n.startswith(PREFIX)}, "opts", stale=f"{PREFIX}*.yaml")
