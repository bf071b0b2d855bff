"""Malformed commands made by mutating good ones (prefix ``mut_``): ``python3 -m tests.kernel.make_cases_mutants``.

Learners mistype: a digit too many in an address, a missing ``via``, a device
that does not exist, an option without its value. Each case takes a handful of
correct commands for ``ip``, ``iptables``, ``sysctl``, ``ping``, ``traceroute``
and ``conntrack`` and breaks one token per command (replace, drop, duplicate,
append). The kernel's and tools' answers are recorded like every other case;
simnet must print the same error text and exit code. The seed is fixed.
"""
from __future__ import annotations

import random

from tests.kernel.make_cases import routed, write_cases

SEED = 4711
COUNT = 24
IP_COUNT = 16          # more of ip alone: the tool learners type most
PER_CASE = 8

GOOD = [
    "ip addr add 10.0.1.50/24 dev eth0",
    "ip addr del 10.0.1.2/24 dev eth0",
    "ip route add 10.9.0.0/16 via 10.0.1.1 dev eth0 metric 10",
    "ip route del default via 10.0.1.1",
    "ip route replace 10.8.0.0/24 dev eth0 scope link",
    "ip route get 10.0.2.2 from 10.0.1.2",
    "ip route show table main",
    "ip rule add from 10.0.1.2 lookup 52 pref 5270",
    "ip rule del pref 5270",
    "ip neigh add 10.0.1.77 lladdr 02:00:00:00:00:77 dev eth0 nud permanent",
    "ip link set dev eth0 mtu 1400",
    "ip -4 addr show dev eth0",
    "iptables -A INPUT -s 10.0.1.0/24 -p icmp -j ACCEPT",
    "iptables -t nat -A POSTROUTING -o eth0 -j MASQUERADE",
    "iptables -I FORWARD 1 -i eth0 -o eth0 -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT",
    "iptables -A FORWARD -p tcp --dport 22 -j REJECT --reject-with tcp-reset",
    "iptables -D INPUT 1",
    "iptables -P FORWARD DROP",
    "iptables -L INPUT -n -v --line-numbers",
    "iptables -N MYCHAIN",
    "sysctl -w net.ipv4.ip_forward=1",
    "sysctl net.ipv4.conf.eth0.rp_filter",
    "ping -c 1 -W 1 10.0.1.1",
    "ping -c 1 -W 1 -t 5 -s 100 10.0.1.1",
    "traceroute -n -q 1 -w 1 -m 3 10.0.1.1",
    "conntrack -L -p icmp",
    "conntrack -D -s 10.0.1.2",
]
BAD_VALUES = ["10.0.1.300/24", "10.0.1", "10.0.1.0/33", "eth9", "abc", "-1", "999999", "dev", "via", "",
              "0x10", "10.0.1.2/24/8", "lookupp", "--dport", "all", "DROPP", "65536", "-", "--", "::1"]


def mutate(rng: random.Random, cmd: str) -> str:
    words = cmd.split()
    k = rng.randrange(1, len(words))            # never the program name
    how = rng.random()
    if how < 0.45:
        words[k] = rng.choice(BAD_VALUES)
    elif how < 0.7 and len(words) > 2:
        del words[k]
    elif how < 0.85:
        words.insert(k, words[k])
    else:
        words.append(rng.choice(BAD_VALUES + ["extra"]))
    return " ".join(w for w in words if w != "")


IP_GOOD = [c for c in GOOD if c.startswith("ip ")] + [
    "ip addr add 10.0.1.60/24 brd + dev eth0 label eth0:1",
    "ip addr show to 10.0.1.0/24",
    "ip route add 10.7.0.0/16 via 10.0.1.1 proto static metric 100 table 52",
    "ip route add blackhole 10.6.0.0/16",
    "ip route flush table 52",
    "ip route show table all type unicast",
    "ip route get 203.0.113.88 oif eth0",
    "ip -br -4 addr show up",
    "ip -s link show dev eth0",
    "ip -d link show eth0",
    "ip link set eth0 down",
    "ip neigh show dev eth0 nud reachable",
    "ip neigh del 10.0.1.1 dev eth0",
    "ip rule add fwmark 0x80000/0xff0000 lookup main pref 5210",
    "ip rule show table 52",
]


def main() -> None:
    rng = random.Random(SEED)
    cases = {}
    for k in range(COUNT + IP_COUNT):
        picks = rng.sample(GOOD if k < COUNT else IP_GOOD, PER_CASE)
        commands = [{"node": "a", "cmd": mutate(rng, c)} for c in picks]
        cases[f"mut_{k:02d}"] = ("mistyped commands (one token broken each)", routed(), commands)
    write_cases(cases, "mutant", stale="mut_*.yaml")


if __name__ == "__main__":
    main()
