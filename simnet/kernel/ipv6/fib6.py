"""The IPv6 FIB: tables of routes, longest-prefix match and the kernel's dump order.

Linux keeps IPv6 routes in a radix tree per table (fib6_node); a dump walks it
children first, so a more specific route is listed before the one that
contains it and ``default`` comes last. Routes with the same prefix sit in one
leaf ordered by metric (equal metrics in insertion order).
"""
from __future__ import annotations

from dataclasses import dataclass
from ipaddress import IPv6Address, IPv6Network

from simnet.kernel.routing import Rule

__all__ = ["Route6", "Rule6", "Fib6", "MAIN", "LOCAL", "dump_key"]

MAIN, LOCAL = 254, 255
ERROR_TYPES = ("unreachable", "blackhole", "prohibit", "throw")


@dataclass(frozen=True, eq=False)
class Route6:
    """One fib6_info. ``dev`` is ``lo`` for the error types, as the kernel shows them."""

    dst: IPv6Network
    dev: str | None
    type: str = "unicast"          # unicast, local, multicast, unreachable, blackhole, prohibit, throw
    gateway: IPv6Address | None = None
    proto: str = "boot"
    metric: int = 1024
    table: int = MAIN
    src: IPv6Address | None = None     # preferred source (ip route add … src)
    pref: str = "medium"
    expires: float | None = None       # absolute simulation time (proto ra)
    hoplimit: int = 0


def dump_key(net: IPv6Network) -> str:
    """Post-order position in a binary trie: the prefix bits, then a marker that sorts after 0 and 1."""
    bits = format(int(net.network_address), "0128b")[:net.prefixlen]
    return bits + "2"


# one rule type for both families: ``ip -6 rule`` selectors and actions are IPv4's
Rule6 = Rule


# fib6_default_rules_init: no rule for table default, and none is permanent (``del pref 0`` works)
DEFAULT_RULES = (Rule6(0, LOCAL), Rule6(32766, MAIN))


class Fib6:
    """All IPv6 tables of a node, and its policy rules."""

    def __init__(self) -> None:
        self.tables: dict[int, list[Route6]] = {LOCAL: [], MAIN: []}
        self.rules: list[Rule6] = list(DEFAULT_RULES)

    def add_rule(self, rule: Rule6) -> None:
        if rule not in self.rules:
            self.rules.append(rule)
            self.rules.sort(key=lambda r: r.priority)      # stable: a new rule goes after its equals

    def remove_rule(self, rule: Rule6) -> None:
        if rule in self.rules:
            self.rules.remove(rule)

    def routes(self, table: int) -> list[Route6]:
        """The routes of ``table`` in the kernel's dump order."""
        return sorted(self.tables.get(table, ()), key=lambda r: dump_key(r.dst))

    def table_ids(self) -> list[int]:
        """Tables in dump order (the fib6 table hash: id modulo 256)."""
        return sorted(self.tables, key=lambda t: (t & 0xFF, t))

    def add(self, route: Route6) -> None:
        table = self.tables.setdefault(route.table, [])
        pos = len(table)
        for i, r in enumerate(table):              # fib6_add_rt2node: by metric within a prefix
            if r.dst == route.dst and r.metric > route.metric:
                pos = i
                break
        table.insert(pos, route)

    def remove(self, route: Route6) -> None:
        for table in self.tables.values():
            if route in table:
                table.remove(route)
                return

    def find(self, table: int, dst: IPv6Network, **attrs: object) -> list[Route6]:
        return [r for r in self.tables.get(table, ()) if r.dst == dst
                and all(getattr(r, k) == v for k, v in attrs.items() if v is not None)]

    def drop(self, pred) -> None:  # type: ignore[no-untyped-def]
        """Remove every route for which ``pred(route)`` holds."""
        for tid, table in self.tables.items():
            self.tables[tid] = [r for r in table if not pred(r)]

    def lookup(self, table: int, dst: IPv6Address, oif: str | None = None) -> Route6 | None:
        """Longest prefix match in one table (lowest metric among equals); ``oif`` limits devices."""
        best: Route6 | None = None
        for r in self.tables.get(table, ()):
            if dst not in r.dst:
                continue
            if oif is not None and r.dev != oif and r.type not in ERROR_TYPES:
                continue
            if best is None or r.dst.prefixlen > best.dst.prefixlen or \
                    (r.dst.prefixlen == best.dst.prefixlen and r.metric < best.metric):
                best = r
        return best
