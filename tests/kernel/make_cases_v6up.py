"""Differential cases for IPv6 source NAT (prefix ``v6up_``), recorded with IPv6 left on:
``python3 -m tests.kernel.make_cases_v6up``.

ip6tables -t nat MASQUERADE on a router between two /64s (a – r – b, b without a route
back), the way tailscale's exit node does it (ts-postrouting with the mark that ts-forward
sets), conntrack's reply tuple, ``ip -6 route get`` through the router, and what happens to
an ICMPv6 error about a masqueraded packet.

Writes only tests/kernel/cases/v6up_*.yaml.
"""
from __future__ import annotations

import copy

from tests.kernel.make_cases import cmds, write_cases
from tests.kernel.make_cases_ipv6 import SETTLE, routed6

CASES: dict[str, tuple[str, dict, list[dict]]] = {}
MARK = "0x40000/0xff0000"
# tailscaled's chains (util/linuxfw addBase6 + AddSNATRule) with eth0 standing in for tailscale0
TS_RULES = ["ip6tables -N ts-forward", "ip6tables -t nat -N ts-postrouting",
            "ip6tables -I FORWARD 1 -j ts-forward", "ip6tables -t nat -I POSTROUTING 1 -j ts-postrouting",
            f"ip6tables -A ts-forward -i eth0 -j MARK --set-mark {MARK}",
            f"ip6tables -A ts-forward -m mark --mark {MARK} -j ACCEPT",
            "ip6tables -A ts-forward -o eth0 -j ACCEPT",
            f"ip6tables -t nat -A ts-postrouting -m mark --mark {MARK} -j MASQUERADE"]


def case(name: str, desc: str, lab: dict, commands: list[dict]) -> None:
    assert name.startswith("v6up_"), name
    CASES[name] = (desc, copy.deepcopy(lab), commands)


def build() -> None:
    masq = routed6(back=False, r_extra=["ip6tables -t nat -A POSTROUTING -o eth1 -j MASQUERADE"])
    case("v6up_masq", "ip6tables MASQUERADE: b has no route back, yet a's ping is answered (to the router)", masq,
         cmds("a", SETTLE, "ip -6 route get 2001:db8:2::2", "ping -c 2 -i 0.2 -W 1 2001:db8:2::2")
         + cmds("r", "conntrack -L", "conntrack -L -f ipv6 -o extended", "ip6tables -t nat -S",
                "ip6tables -t nat -L POSTROUTING -n -v -x", "ip -6 route get 2001:db8:2::2 from 2001:db8:1::2 iif eth0",
                "ip -6 route get 2001:db8:1::2", "ip -6 route get 2001:db8:2::2 iif eth0",
                "ip -6 route get 2001:db8:2::1 from 2001:db8:1::2 iif eth0")
         + cmds("b", "ip -6 route", "ping -c 1 -W 1 2001:db8:1::2"))
    plain = routed6(back=False)
    case("v6up_nomasq", "the same router without MASQUERADE: b cannot answer, a's ping stays unanswered", plain,
         cmds("a", SETTLE, "ping -c 1 -W 1 2001:db8:2::2") + cmds("r", "conntrack -L", "ip6tables -t nat -S"))
    ts = routed6(r_extra=TS_RULES)
    case("v6up_tsmark", "tailscale's ts-forward MARK and ts-postrouting MASQUERADE: only what came in on eth0 is "
                        "masqueraded", ts,
         cmds("a", SETTLE, "ping -c 1 -W 1 2001:db8:2::2")
         + cmds("b", "ping -c 1 -W 1 2001:db8:1::2")
         + cmds("r", "conntrack -L", "ip6tables -S", "ip6tables -t nat -S ts-postrouting",
                "ip6tables -t nat -L ts-postrouting -n -v -x", "ip6tables -L ts-forward -n -v -x"))
    tcp = routed6(back=False, r_extra=["ip6tables -t nat -A POSTROUTING -o eth1 -j MASQUERADE"])
    case("v6up_masq_tcp", "TCP through IPv6 MASQUERADE: nc connects, conntrack shows the translated reply", tcp,
         cmds("a", SETTLE) + [{"node": "b", "cmd": "nc -6 -l 8080", "bg": "l1"}]
         + cmds("a", "sleep 1", "nc -6 -zv 2001:db8:2::2 8080", "nc -6 -zv 2001:db8:2::2 8081")
         + cmds("r", "conntrack -L -p tcp") + [{"collect": "l1"}])
    case("v6up_masq_errors", "errors around a masqueraded flow: no route at the router, unknown neighbour behind it",
         masq,
         cmds("a", SETTLE, "ping -c 1 -W 1 2001:db8:3::1", "ping -c 1 -W 4 2001:db8:2::9")
         + cmds("r", "conntrack -L", "ip -6 neigh show dev eth1"))


def main() -> None:
    build()
    write_cases(CASES, "ipv6 nat (v6up)", stale="v6up_*.yaml")


if __name__ == "__main__":
    main()
