"""Routing tables, policy rules and the longest-prefix-match lookup.

Linux keeps several tables (255 local, 254 main, 253 default, any number in
between — tailscaled uses 52) and walks the ``ip rule`` list by priority.
The lookup here follows the kernel's fib_lookup: rules in order, in each table
the longest matching prefix, then the lowest metric.
"""
from __future__ import annotations

import bisect
from operator import attrgetter
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Network, IPv6Network

from simnet.core.errors import KernelError

__all__ = ["Route", "Rule", "RoutingTables", "LookupResult", "RouteError",
           "TABLE_NAMES", "table_name", "LOCAL", "MAIN", "DEFAULT"]

LOCAL, MAIN, DEFAULT = 255, 254, 253
TABLE_NAMES = {LOCAL: "local", MAIN: "main", DEFAULT: "default", 0: "unspec"}
UNICAST_LIKE = ("unicast", "local", "broadcast")


def table_name(table: int) -> str:
    return TABLE_NAMES.get(table, str(table))


class RouteError(KernelError):
    """A lookup failed; ``errno_text`` is the kernel's strerror, ``kind`` the cause."""

    def __init__(self, errno_text: str, kind: str, route: "Route | None" = None) -> None:
        super().__init__(errno_text)
        self.kind = kind          # no-route, blackhole, unreachable, prohibit
        self.route = route


@dataclass(frozen=True, slots=True)
class Route:
    """One FIB entry. ``type`` is unicast, local, broadcast, blackhole, unreachable,
    prohibit or throw."""

    dst: IPv4Network
    type: str = "unicast"
    gateway: IPv4Address | None = None
    dev: str | None = None
    table: int = MAIN
    proto: str = "boot"
    scope: str = "global"
    src: IPv4Address | None = None
    metric: int = 0
    onlink: bool = False

    @property
    def is_default(self) -> bool:
        return self.dst.prefixlen == 0

    def __str__(self) -> str:
        """Short iproute2-like form for traces (``default via 192.168.0.1 dev eth0``)."""
        parts = [] if self.type == "unicast" else [self.type]
        parts.append("default" if self.is_default else str(self.dst))
        if self.gateway is not None:
            parts.append(f"via {self.gateway}")
        if self.dev is not None:
            parts.append(f"dev {self.dev}")
        if self.table != MAIN:
            parts.append(f"table {table_name(self.table)}")
        if self.metric:
            parts.append(f"metric {self.metric}")
        return " ".join(parts)

    def same_key(self, other: "Route") -> bool:
        """Kernel identity of a route inside a table (what ``File exists`` is about)."""
        return (self.dst == other.dst and self.metric == other.metric
                and self.table == other.table and self.tos_key() == other.tos_key())

    def tos_key(self) -> int:
        return 0


@dataclass(frozen=True, slots=True)
class Rule:
    """An ``ip rule`` entry. ``action`` is lookup, blackhole, unreachable or prohibit."""

    priority: int
    table: int = MAIN
    action: str = "lookup"
    src: IPv4Network | IPv6Network | None = None      # IPv6 networks in ip -6 rule's list
    dst: IPv4Network | IPv6Network | None = None
    iif: str | None = None
    oif: str | None = None
    fwmark: int | None = None
    fwmask: int = 0xFFFFFFFF
    invert: bool = False
    suppress_prefixlength: int | None = None
    proto: str | None = None

    @property
    def catch_all(self) -> bool:
        """``from all lookup X``: no selector at all (the common case, checked first)."""
        return (self.src is None and self.dst is None and self.iif is None and self.oif is None
                and self.fwmark is None and not self.invert)

    def matches(self, dst: IPv4Address, src: IPv4Address | None, iif: str | None,
                oif: str | None, mark: int) -> bool:
        ok = True           # a zero-length prefix matches anything, like the kernel's zero mask
        if self.src is not None and self.src.prefixlen and (src is None or src not in self.src):
            ok = False
        elif self.dst is not None and self.dst.prefixlen and dst not in self.dst:
            ok = False
        elif self.iif is not None and self.iif != (iif or "lo"):
            ok = False
        elif self.oif is not None and self.oif != oif:
            ok = False
        elif self.fwmark is not None and (mark & self.fwmask) != self.fwmark:
            ok = False
        return ok != self.invert


@dataclass(frozen=True, slots=True)
class LookupResult:
    """The route a lookup found and the policy rule whose table held it."""

    route: Route
    rule: Rule


def default_rules() -> list[Rule]:
    return list(_DEFAULT_RULES)


_DEFAULT_RULES = (Rule(0, LOCAL), Rule(32766, MAIN), Rule(32767, DEFAULT))   # frozen: shared by every node


class _Table:
    """Routes of one table, bucketed by prefix length for a fast longest-prefix match."""

    __slots__ = ("routes", "_by_len", "_lengths", "version")

    def __init__(self) -> None:
        self.routes: list[Route] = []                      # insertion order, for listing
        # prefixlen -> network int -> routes (immutable: a tuple of one route may be shared by the
        # tables of many nodes, see add_many)
        self._by_len: dict[int, dict[int, tuple[Route, ...]]] = {}
        self._lengths: list[int] = []                      # sorted descending
        self.version = 0                                   # counts every change (tailscaled's memo)

    def add(self, route: Route, append: bool = True) -> None:
        self.version += 1
        if append:
            self.routes.append(route)
        else:
            self.routes.insert(0, route)
        bucket = self._by_len.setdefault(route.dst.prefixlen, {})
        key = int(route.dst.network_address)
        old = bucket.get(key, ())
        lst = old + (route,) if append else (route,) + old
        if len(lst) > 1:
            lst = tuple(sorted(lst, key=_metric))      # stable: same metric keeps the list order
        bucket[key] = lst
        if route.dst.prefixlen not in self._lengths:
            bisect.insort(self._lengths, route.dst.prefixlen)

    def add_many(self, routes: list[Route], singles: list[tuple[Route]] | None = None,
                 addrs: list[int] | None = None) -> None:
        """:meth:`add` (appending) for each route in turn, without its per-route overhead: tailscaled
        installs a route per peer, a million in a tailnet of a thousand nodes. ``singles`` are the
        ``(route,)`` tuples, if the caller shares them among nodes (no million new objects);
        ``addrs``, if the caller knows that all routes have one prefix length and different
        networks: those networks as ints."""
        self.version += 1
        self.routes.extend(routes)
        by_len, lengths = self._by_len, self._lengths
        if singles is not None and routes:
            # one prefix length, new and different networks (a netmap's /32s): one dict update
            plens = set(map(_DST_PLEN, routes)) if addrs is None else {routes[0].dst._prefixlen}  # type: ignore[attr-defined]
            if len(plens) == 1:
                if addrs is None:
                    addrs = list(map(_DST_ADDR, routes))
                    if len(set(addrs)) != len(addrs):
                        addrs = None
                plen = plens.pop()
                bucket = by_len.get(plen)
                if bucket is None:
                    bucket = by_len[plen] = {}
                    bisect.insort(lengths, plen)
                if addrs is not None and bucket.keys().isdisjoint(addrs):
                    bucket.update(zip(addrs, singles))
                    return
        for route, single in zip(routes, singles if singles is not None else [(r,) for r in routes]):
            dst = route.dst
            plen = dst._prefixlen  # type: ignore[attr-defined]
            bucket = by_len.get(plen)
            if bucket is None:
                bucket = by_len[plen] = {}
                bisect.insort(lengths, plen)
            key = dst.network_address._ip  # type: ignore[attr-defined]
            old = bucket.get(key)
            bucket[key] = single if old is None else tuple(sorted(old + single, key=_metric))  # as add

    def remove(self, route: Route) -> None:
        self.version += 1
        self.routes.remove(route)
        bucket = self._by_len[route.dst.prefixlen]
        key = int(route.dst.network_address)
        old = bucket[key]
        i = old.index(route)                  # the first equal one, as list.remove
        rest = old[:i] + old[i + 1:]
        if rest:
            bucket[key] = rest
        else:
            del bucket[key]
        if not bucket:
            del self._by_len[route.dst.prefixlen]
            self._lengths.remove(route.dst.prefixlen)

    def prefix(self, dst: IPv4Network) -> list[Route]:
        """Routes for exactly ``dst`` in dump order (metric, then list order) — one dict lookup,
        so adding the 100 000th route costs what adding the first did."""
        bucket = self._by_len.get(dst.prefixlen)
        return list(bucket.get(int(dst.network_address), ())) if bucket else []

    def candidates(self, dst: IPv4Address):
        """Routes matching ``dst``, longest prefix first, then by metric."""
        addr = int(dst)
        for plen in reversed(self._lengths):
            mask = ((1 << 32) - 1) ^ ((1 << (32 - plen)) - 1) if plen else 0
            routes = self._by_len[plen].get(addr & mask)
            if routes:
                yield from routes


_metric = attrgetter("metric")
_DST_PLEN = attrgetter("dst._prefixlen")
_DST_ADDR = attrgetter("dst.network_address._ip")


class RoutingTables:
    """All tables and rules of one node.

    Lookups are cached per (destination, source, interfaces, mark): a forwarded
    packet asks the same question on every hop, and the answer only changes
    when a route, a rule or an interface's state changes. Every such change goes
    through this class (``add``, ``remove``, ``add_rule``, ``remove_rule``,
    ``rules = …``, ``changed()``), which empties the cache.
    """

    _CACHE_LIMIT = 4096

    def __init__(self, tables: dict[int, _Table] | None = None, rules: list[Rule] | None = None) -> None:
        self.tables: dict[int, _Table] = tables if tables is not None else {}
        self._rules: list[Rule] = rules if rules is not None else default_rules()
        self._cache: dict[tuple, LookupResult | tuple[str, str, Route | None]] = {}
        # addresses (as ints) with a /32 local route in table local: the martian-source
        # check asks this for every received packet
        self.local_ips: dict[int, int] = {}

    @property
    def rules(self) -> list[Rule]:
        """The rule list in priority order (read it; change it with the methods below)."""
        return self._rules

    @rules.setter
    def rules(self, rules: list[Rule]) -> None:
        self._rules = list(rules)
        self._cache.clear()

    @property
    def has_source_rules(self) -> bool:
        """Does any rule select by source address? (Then a socket's route depends on the
        source it is given, and ip_route_connect looks up twice.)"""
        return any(r.src is not None for r in self._rules)

    def changed(self) -> None:
        """Something a lookup depends on changed outside the tables (an interface went up or down)."""
        self._cache.clear()

    def table(self, table: int) -> _Table:
        if table not in self.tables:
            self.tables[table] = _Table()
        return self.tables[table]

    def routes(self, table: int | None = None) -> list[Route]:
        """Routes in the kernel's dump order: tables by id, in each the trie order
        (network address; on one address the longest prefix first; then metric)."""
        ids = [table] if table is not None else sorted(self.tables)
        out: list[Route] = []
        for tid in ids:
            if tid in self.tables:
                out.extend(sorted(self.tables[tid].routes,
                                  key=lambda r: (int(r.dst.network_address), -r.dst.prefixlen, r.metric)))
        return out

    def find(self, route: Route) -> Route | None:
        for r in self.same_prefix(route.table, route.dst):
            if r.same_key(route):
                return r
        return None

    def same_prefix(self, table: int, dst: IPv4Network) -> list[Route]:
        """The routes of ``table`` for exactly ``dst``, in :meth:`routes` order."""
        tab = self.tables.get(table)
        return tab.prefix(dst) if tab is not None else []

    def add(self, route: Route, append: bool = True) -> None:
        self.table(route.table).add(route, append)
        self._cache.clear()
        if route.table == LOCAL and route.type == "local" and route.dst.prefixlen == 32:
            key = route.dst.network_address._ip  # type: ignore[attr-defined]
            self.local_ips[key] = self.local_ips.get(key, 0) + 1

    def add_many(self, table: int, routes: list[Route], singles: list[tuple[Route]] | None = None,
                 addrs: list[int] | None = None) -> None:
        """:meth:`add` for each route of ``table`` in order (appending), as one batch
        (see :meth:`_Table.add_many`)."""
        if table == LOCAL:
            for r in routes:
                self.add(r)
        else:
            self.table(table).add_many(routes, singles, addrs)
        self._cache.clear()

    def remove(self, route: Route) -> None:
        self.table(route.table).remove(route)
        self._cache.clear()
        if route.table == LOCAL and route.type == "local" and route.dst.prefixlen == 32:
            key = route.dst.network_address._ip  # type: ignore[attr-defined]
            if self.local_ips.get(key, 0) <= 1:
                self.local_ips.pop(key, None)
            else:
                self.local_ips[key] -= 1

    def is_local_address(self, ip: IPv4Address) -> bool:
        """inet_addr_type() == RTN_LOCAL: a /32 local route in table local (one dict lookup)."""
        return ip._ip in self.local_ips  # type: ignore[attr-defined]

    def add_rule(self, rule: Rule) -> None:
        self._rules.append(rule)
        self._rules.sort(key=lambda r: r.priority)
        self._cache.clear()

    def remove_rule(self, rule: Rule) -> None:
        self._rules.remove(rule)
        self._cache.clear()

    def lookup(self, dst: IPv4Address, src: IPv4Address | None = None, iif: str | None = None,
               oif: str | None = None, mark: int = 0, usable=None) -> LookupResult:
        """fib_lookup: walk the rules, take the first table with a match.

        ``usable(route)`` may veto routes whose device is down. Raises
        :class:`RouteError` for no match or for blackhole/unreachable/prohibit.
        """
        # addresses as ints: IPv4Address.__hash__ costs three Python calls per lookup
        key = (dst._ip, src._ip if src is not None else None, iif, oif, mark, usable is not None)  # type: ignore[attr-defined]
        hit = self._cache.get(key)
        if hit is None:
            if len(self._cache) >= self._CACHE_LIMIT:
                self._cache.clear()
            try:
                hit = self.lookup_uncached(dst, src, iif, oif, mark, usable)
            except RouteError as exc:
                self._cache[key] = (exc.errno_text, exc.kind, exc.route)
                raise
            self._cache[key] = hit
            return hit
        if type(hit) is tuple:
            raise RouteError(*hit)
        return hit  # type: ignore[return-value]

    def lookup_uncached(self, dst: IPv4Address, src: IPv4Address | None = None, iif: str | None = None,
                        oif: str | None = None, mark: int = 0, usable=None) -> LookupResult:
        """The rule walk and longest-prefix match itself, without the cache (what bench/ times)."""
        for rule in self._rules:
            if not (rule.src is None and rule.dst is None and rule.iif is None and rule.oif is None
                    and rule.fwmark is None and not rule.invert) and not rule.matches(dst, src, iif, oif, mark):
                continue
            if rule.action != "lookup":
                # rule actions fail like fib_rules: unreachable is ENETUNREACH here
                kind = "rule-unreachable" if rule.action == "unreachable" else rule.action
                raise RouteError(_RULE_ERRNO[rule.action], kind)
            table = self.tables.get(rule.table)
            if table is None:
                continue
            for route in table.candidates(dst):
                if oif is not None and route.dev not in (oif, None) and route.type in UNICAST_LIKE:
                    continue
                if usable is not None and not usable(route):
                    continue
                if rule.suppress_prefixlength is not None and route.dst.prefixlen <= rule.suppress_prefixlength:
                    break
                if route.type == "throw":
                    break
                if route.type in _ERRNO:
                    raise RouteError(_ERRNO[route.type], route.type, route)
                return LookupResult(route, rule)
        raise RouteError("Network is unreachable", "no-route")


_RULE_ERRNO = {
    "blackhole": "Invalid argument",
    "unreachable": "Network is unreachable",
    "prohibit": "Permission denied",
}
_ERRNO = {
    "blackhole": "Invalid argument",
    "unreachable": "No route to host",
    "prohibit": "Permission denied",
}
