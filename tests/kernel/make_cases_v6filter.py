"""Differential cases for IPv6 prefixes given to ``ip route`` without ``-6`` (prefix ``v6f_``):
``python3 -m tests.kernel.make_cases_v6filter``.

iproute2 reads the prefix in either family, but a plain ``ip route show/flush`` dumps AF_INET only
(AF_UNSPEC for ``table all``), so an IPv6 filter matches nothing there and the answer is empty with
exit 0; ``ip route del`` and ``ip route get`` take their family from the address.

Writes only tests/kernel/cases/v6f_*.yaml.
"""
from __future__ import annotations

from tests.kernel.make_cases import cmds, write_cases
from tests.kernel.make_cases_ipv6 import SETTLE

CASES: dict[str, tuple[str, dict, list[dict]]] = {}


def build() -> None:
    lab = {"ipv6": True, "nodes": {
        "a": {"interfaces": {"eth0": "lan"}, "startup": [
            "ip addr add 10.0.1.2/24 dev eth0", "ip -6 addr add 2001:db8::2/64 dev eth0"]},
        "b": {"interfaces": {"eth0": "lan"}, "startup": [
            "ip addr add 10.0.1.3/24 dev eth0", "ip -6 addr add 2001:db8::3/64 dev eth0"]}}}
    CASES["v6f_route_show"] = (
        "ip route show/list/flush/del with an IPv6 prefix and no -6", lab,
        cmds("a", SETTLE, "ip route show 2001:db8::/64", "ip route show match 2001:db8::1",
             "ip route show root 2001:db8::/48", "ip route list exact 2001:db8::/64",
             "ip -4 route show 2001:db8::/64", "ip route show table all 2001:db8::/64",
             "ip route show table all root 2001:db8::/32", "ip route show table 99 2001:db8::/64",
             "ip route show via fe80::1", "ip route flush 2001:db8::/64", "ip -6 route show 2001:db8::/64",
             "ip route show 10.0.1.0/24", "ip route show match 10.0.1.9", "ip route del 2001:db8::/64",
             "ip -6 route", "ip route del 2001:db8::/64"))


def main() -> None:
    build()
    write_cases(CASES, "IPv6 prefixes without -6", stale="v6f_*.yaml")


if __name__ == "__main__":
    main()
