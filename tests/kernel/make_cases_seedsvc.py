"""Differential cases for the clients of the seed's services (prefix ``sv_``):
``python3 -m tests.kernel.make_cases_seedsvc``.

ssh (OpenSSH 9.2p1) and curl (7.88.1) meeting a closed port, a silent drop,
no route and an unknown name: their error lines and exit codes. Writes only
tests/kernel/cases/sv_*.yaml.
"""
from __future__ import annotations

import copy

from tests.kernel.make_cases import cmds, routed, write_cases

CASES: dict[str, tuple[str, dict, list[dict]]] = {}
SSH = "ssh -o BatchMode=yes"


def case(name: str, desc: str, lab: dict, commands: list[dict]) -> None:
    assert name.startswith("sv_"), name
    CASES[name] = (desc, copy.deepcopy(lab), commands)


def build() -> None:
    case("sv_refused", "nothing listens on 22 or 8006: ssh and curl are refused at once", routed(),
         cmds("a", f"{SSH} root@10.0.2.2 hostname", f"{SSH} -p 2222 root@10.0.2.2 hostname",
              "curl -sS http://10.0.2.2:8006/", "curl -sS -k https://10.0.2.2:8006/", "curl -s http://10.0.2.2:8006/"))
    dropped = routed()
    dropped["nodes"]["b"]["startup"].append("iptables -A INPUT -p tcp -j DROP")
    case("sv_dropped", "a firewall drops the SYN: ssh and curl wait for their timeouts", dropped,
         cmds("a", f"{SSH} -o ConnectTimeout=2 root@10.0.2.2 hostname", "curl -sS -m 2 http://10.0.2.2:8006/",
              "curl -sS --connect-timeout 2 https://10.0.2.2:8006/"))
    rejected = routed()
    rejected["nodes"]["b"]["startup"].append("iptables -A INPUT -p tcp -j REJECT")
    case("sv_rejected", "an ICMP port unreachable during the handshake ends connect() at once", rejected,
         cmds("a", f"{SSH} root@10.0.2.2 hostname", "curl -sS http://10.0.2.2:8006/"))
    case("sv_no_route", "the router has no route: ICMP net unreachable ends the handshake", routed(),
         cmds("a", f"{SSH} root@10.0.9.9 hostname", "curl -sS http://10.0.9.9:8006/"))
    case("sv_unknown_name", "a name nobody can resolve", routed(),
         cmds("a", f"{SSH} root@nosuch.invalid hostname", "curl -sS http://nosuch.invalid/"))


if __name__ == "__main__":
    build()
    write_cases(CASES, "seed client", stale="sv_*.yaml")
