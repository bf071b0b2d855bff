"""tailscaled on one node: preferences, login state, and the Linux integration
it performs (tailscale0, table 52, ip rules 5210–5270, ts-* netfilter chains).

:meth:`Tailscaled.apply` makes the kernel match the current netmap; it runs
after every change on the control server or in the prefs, like the map
long-poll does on a real machine.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from bisect import bisect_left
from functools import lru_cache
from operator import attrgetter
from ipaddress import IPv4Address, IPv4Interface, IPv4Network, IPv6Address, IPv6Network
from typing import TYPE_CHECKING, Any

from simnet.core.digest import sha256
from simnet.kernel.routing import DEFAULT, MAIN, Route, Rule as IpRule
from simnet.tailnet import linuxfw
from simnet.tailnet.magicdns import sync_resolv_conf
from simnet.tailnet.control import EXIT_V4, EXIT_V6, Headscale, HsNode, tailnet_of

if TYPE_CHECKING:
    from simnet.kernel.node import Node

__all__ = ["Tailscaled", "Prefs", "TABLE", "DEFAULT_CONTROL"]

TABLE = 52
TUN = "tailscale0"
DEFAULT_CONTROL = "https://controlplane.tailscale.com"
QUAD100 = IPv4Network("100.100.100.100/32")
TAILNET_V6 = IPv6Network("fd7a:115c:a1e0::/48")
DEFAULT_V6 = IPv6Network("::/0")
CGNAT = IPv4Network("100.64.0.0/10")
# tailscaled's policy rules, the same for IPv4 and IPv6 (fib6's Rule6 is this frozen Rule): one tuple for all nodes
OUR_RULES = (IpRule(5210, MAIN, fwmark=0x80000, fwmask=0xFF0000),
             IpRule(5230, DEFAULT, fwmark=0x80000, fwmask=0xFF0000),
             IpRule(5250, 0, action="unreachable", fwmark=0x80000, fwmask=0xFF0000),
             IpRule(5270, TABLE))
OUR_PRIORITIES = frozenset(r.priority for r in OUR_RULES)


@dataclass
class Prefs:
    """ipn.Prefs, the part the CLI flags set."""

    control_url: str = DEFAULT_CONTROL
    route_all: bool = False
    exit_node_ip: str = ""
    exit_node_allow_lan: bool = False
    advertise_routes: list[str] = field(default_factory=list)
    snat: bool = True
    hostname: str = ""
    want_running: bool = False
    netfilter_mode: str = "on"
    stateful_filtering: bool = False
    corp_dns: bool = True              # --accept-dns: use the tailnet's DNS settings (MagicDNS)

    def copy(self) -> "Prefs":
        return replace(self, advertise_routes=list(self.advertise_routes))


@lru_cache(maxsize=4096)
def _host_net(ip: int) -> IPv4Network:
    """A peer's /32 (immutable, so every node's netmap shares one object per peer)."""
    return IPv4Network((ip, 32))


@lru_cache(maxsize=65536)
def _tun_entry(key: int) -> tuple[Route]:
    """The table-52 route to the prefix with :func:`_net_key` ``key``, as a tuple of one (frozen: one
    object per prefix for every node of the tailnet, so a netmap of a thousand peers builds no
    routes after the first node, and the routing tables share the tuple)."""
    net = _host_net(key >> 6) if key & 63 == 32 else IPv4Network((key >> 6, key & 63))
    return (Route(net, dev=TUN, table=TABLE, proto="boot", scope="global"),)


# a netmap's /32 routes, their 1-tuples and addresses, in order (RoutingTables.add_many's arguments)
_Rows = tuple[list[Route], list[tuple[Route]], list[int]]


def _tun_route(key: int) -> Route:
    return _tun_entry(key)[0]


def _net_key(net: IPv4Network) -> int:
    """(network address, prefix length) as one int with the same order: sets and sorts of ints need
    no Python-level __hash__/__lt__ of IPv4Network (a million of them in a 1 000-node tailnet)."""
    return (net.network_address._ip << 6) | net._prefixlen  # type: ignore[attr-defined]


_QUAD100_KEY = _net_key(QUAD100)
_EXIT_KEY = _net_key(IPv4Network(EXIT_V4))
_ip_int = attrgetter("ipv4._ip")


@lru_cache(maxsize=4096)
def _host_net6(ip: int) -> IPv6Network:
    """A peer's /128 from fd7a:115c:a1e0::/48."""
    return IPv6Network((ip, 128))


class Tailscaled:
    """The daemon's state on one node (``node.services["tailscaled"]``)."""

    def __init__(self, node: "Node") -> None:
        self.node = node
        self.running = False
        self.started_at = 0.0
        self.unit_failed_at: float | None = None    # when tailscaled.service last failed (no TUN device)
        self.prefs = Prefs()
        self.logged_in = False          # has a node key the server accepted
        self.server_node: str | None = None   # simnet node running headscale
        self.node_id: int | None = None
        self.auth_url: str | None = None
        self.machine_key = sha256(f"machine/{node.lab.name}/{node.name}".encode()).digest()
        self.flows: dict[tuple, float] = {}
        self.tx: dict[int, int] = {}
        self.rx: dict[int, int] = {}
        self.last_tx: dict[int, float] = {}
        self.configured = False          # `tailscale up` has set prefs before (reset check applies)
        # table 52 as the last _sync_routes left it: (table, its version, net key -> our routes there)
        self._routes_memo: tuple[Any, int, dict[int, tuple[Route, ...]]] | None = None
        # the netfilter ruleset as the last linuxfw.install left it: (ruleset, its edits, arguments)
        self._fw_memo: tuple[Any, int, tuple] | None = None
        self._magicsock = None
        self._dirty = True
        self.dirty = False               # the netmap changed; the kernel side is applied on next use

    @property
    def dirty(self) -> bool:
        return self._dirty

    @dirty.setter
    def dirty(self, value: bool) -> None:
        """The tailnet keeps the clients that are not marked, so that a change marks only those."""
        if value != self._dirty:
            self._dirty = value
            clean = tailnet_of(self.node.lab).clean
            if value:
                clean.discard(self)
            else:
                clean.add(self)

    def listening(self) -> list[tuple[str, str, int, str, int]]:
        """magicsock's UDP port, on IPv4 and IPv6."""
        if not self.running:
            return []
        pid = 400 + sum(map(ord, "tailscaled")) % 500
        return [("udp", "0.0.0.0", 41641, "tailscaled", pid), ("udp", "[::]", 41641, "tailscaled", pid)]

    @property
    def magicsock(self):
        """The path finder (direct UDP or DERP); created on first use."""
        if self._magicsock is None:
            from simnet.tailnet.magicsock import Magicsock

            self._magicsock = Magicsock(self)
        return self._magicsock

    # ------------------------------------------------------------ control
    def registered(self, node: HsNode) -> None:
        """The server accepted our node key (auth key or `headscale nodes register`)."""
        self.logged_in, self.node_id, self.auth_url = True, node.id, None
        self.push_hostinfo()
        # now Running: report presence (and connect to DERP) even if an earlier netmap change
        # already marked this client dirty while it waited for the registration
        self._presence()

    def push_hostinfo(self) -> None:
        """Send hostname and RoutableIPs to the server; the server pushes netmaps back."""
        hs, me = self.server, self.me
        if hs is not None and me is not None and self.logged_in:
            me.hostname = self.hostname
            hs.set_online(me, self.state == "Running")
            hs.announce(me, list(self.prefs.advertise_routes))
        else:
            self.apply()

    # ----------------------------------------------------------- lookups
    @property
    def server(self) -> Headscale | None:
        if self.server_node is None:
            return None
        hs = self.node.lab.nodes[self.server_node].services.get("headscale")
        return hs if isinstance(hs, Headscale) else None

    @property
    def me(self) -> HsNode | None:
        hs = self.server
        if hs is None or self.node_id is None:
            return None
        return hs.nodes.get(self.node_id)

    @property
    def state(self) -> str:
        """ipn.State: NoState, NeedsLogin, NeedsMachineAuth, Stopped, Running."""
        if not self.running:
            return "NoState"
        me = self.me
        if not self.logged_in or me is None or me.expired(self.server.now if self.server else 0):
            return "NeedsLogin"
        if not self.prefs.want_running:
            return "Stopped"
        return "Running"

    @property
    def hostname(self) -> str:
        return self.prefs.hostname or self.node.hostname

    def peers(self) -> list[HsNode]:
        hs, me = self.server, self.me
        if hs is None or me is None:
            return []
        policy = hs.policy
        if policy is not None and policy.rules is not None:
            return [n for n in hs.nodes.values() if n.id != me.id and policy.can_see(me, n)]
        return [n for n in hs.nodes.values() if n.id != me.id]

    def peer_client(self, peer: HsNode) -> "Tailscaled | None":
        node = self.node.lab.nodes.get(peer.client)
        c = node.services.get("tailscaled") if node else None
        return c if isinstance(c, Tailscaled) else None

    def exit_peer(self) -> HsNode | None:
        if not self.prefs.exit_node_ip:
            return None
        for p in self.peers():
            if str(p.ipv4) == self.prefs.exit_node_ip and p.is_exit:
                return p
        return None

    def exit_peer_v6(self) -> HsNode | None:
        """The chosen exit node, if it serves ``::/0`` too (Headscale approves both defaults at once)."""
        peer = self.exit_peer()
        return peer if peer is not None and EXIT_V6 in peer.effective_routes else None

    def allowed_ips(self, peer: HsNode) -> list[IPv4Network]:
        """The peer's WireGuard AllowedIPs as this node configures them."""
        return self._allowed_ips(peer, *self._netmap_routes())

    def _netmap_routes(self) -> tuple[dict[str, int] | None, HsNode | None]:
        """(primary routes if this node accepts them, its exit node): the same for every peer."""
        hs = self.server
        return (hs.primary_routes() if self.prefs.route_all and hs is not None else None), self.exit_peer()

    def _allowed_ips(self, peer: HsNode, prim: dict[str, int] | None, exit_peer: HsNode | None) -> list[IPv4Network]:
        nets = [_host_net(int(peer.ipv4))]
        if prim is not None:
            nets += [IPv4Network(r) for r, nid in prim.items() if nid == peer.id and ":" not in r]
        if exit_peer is peer:
            nets.append(IPv4Network(EXIT_V4))
        return nets

    def allowed_ips6(self, peer: HsNode) -> list[IPv6Network]:
        """The peer's IPv6 AllowedIPs: its /128, its accepted IPv6 subnet routes, ``::/0`` as exit node."""
        return self._allowed_ips6(peer, *self._netmap_routes())

    def _allowed_ips6(self, peer: HsNode, prim: dict[str, int] | None,
                      exit_peer: HsNode | None) -> list[IPv6Network]:
        nets = [_host_net6(int(peer.ipv6))]
        if prim is not None:
            nets += [IPv6Network(r) for r, nid in prim.items() if nid == peer.id and ":" in r]
        if exit_peer is peer and EXIT_V6 in peer.effective_routes:
            nets.append(DEFAULT_V6)
        return nets

    def peer_for(self, dst: IPv4Address | IPv6Address) -> HsNode | None:
        """WireGuard's cryptokey routing: the peer whose AllowedIPs hold ``dst`` most specifically.
        A tailnet address nobody has stays without a peer (not the exit node's ``::/0``)."""
        best: tuple[int, HsNode] | None = None
        shared = self._netmap_routes()
        v6 = dst.version == 6
        for p in self.peers():
            for net in (self._allowed_ips6(p, *shared) if v6 else self._allowed_ips(p, *shared)):
                if dst in net and (best is None or net.prefixlen > best[0]):
                    best = (net.prefixlen, p)
        if v6 and best is not None and best[0] < 128 and dst in TAILNET_V6:
            return None
        return best[1] if best else None

    # ------------------------------------------------------------- apply
    def desired_routes(self) -> list[IPv4Network]:
        """Table 52's prefixes for the netmap, in the kernel's dump order."""
        return [_tun_route(k).dst for k in self._want_sorted()[0]]

    def _want_sorted(self) -> tuple[list[int], _Rows | None]:
        """:meth:`_desired_keys` in order. In the common netmap (no policy, no subnet or exit routes
        to take) that is every node's /32 but ours, from the server's sorted list of them; then also
        their routes as :meth:`_sync_routes` installs them (sliced from lists all clients share)."""
        hs, me = self.server, self.me
        if hs is not None and me is not None and (hs.policy is None or hs.policy.rules is None):
            prim, exit_peer = self._netmap_routes()
            hosts, unique, derived = hs.host_keys()
            mine = (me.ipv4._ip << 6) | 32  # type: ignore[attr-defined]
            at = bisect_left(hosts, mine)
            if (not prim and exit_peer is None and unique and at < len(hosts) and hosts[at] == mine
                    and hs.nodes.get(me.id) is me):
                rows = derived.get("tun")
                if rows is None:
                    singles = list(map(_tun_entry, hosts))
                    rows = derived["tun"] = ([r for r, in singles], singles, [k >> 6 for k in hosts])
                want = hosts[:at] + hosts[at + 1:]
                routes = rows[0][:at] + rows[0][at + 1:]
                singles = rows[1][:at] + rows[1][at + 1:]
                addrs = rows[2][:at] + rows[2][at + 1:]
                at = bisect_left(want, _QUAD100_KEY)
                if at == len(want) or want[at] != _QUAD100_KEY:
                    quad = _tun_entry(_QUAD100_KEY)
                    want.insert(at, _QUAD100_KEY)
                    routes.insert(at, quad[0])
                    singles.insert(at, quad)
                    addrs.insert(at, _QUAD100_KEY >> 6)
                return want, (routes, singles, addrs)
        return sorted(self._desired_keys()), None

    def _desired_keys(self) -> set[int]:
        """Every peer's AllowedIPs and 100.100.100.100/32 as :func:`_net_key` ints (what
        :meth:`_allowed_ips` gives per peer, taken for all peers at once)."""
        peers = self.peers()
        keys = {(ip << 6) | 32 for ip in map(_ip_int, peers)}
        prim, exit_peer = self._netmap_routes()
        if prim:
            ids = {p.id for p in peers}
            keys.update(_net_key(IPv4Network(r)) for r, nid in prim.items() if nid in ids and ":" not in r)
        if exit_peer is not None and any(p is exit_peer for p in peers):
            keys.add(_EXIT_KEY)
        keys.add(_QUAD100_KEY)
        return keys

    def mark_dirty(self) -> None:
        """The control server's state changed: report presence now, fix the kernel later
        (routes, rules and netfilter wait for the node's next packet or command)."""
        if self.dirty:
            return          # presence was reported when it was marked; its own commands apply() directly
        self._presence()
        self.dirty = True
        self.node.stack.refresh = self.apply_if_dirty

    def _presence(self) -> None:
        hs, me = self.server, self.me
        if me is not None and hs is not None:
            hs.set_online(me, self.state == "Running")
            if me.online:
                me.last_seen = hs.now
                # a running tailscaled connects to DERP and asks STUN at once (only scheduled here)
                self.magicsock.start()

    def apply_if_dirty(self) -> None:
        if self.dirty:
            self.apply()

    def apply(self) -> None:
        """Make tailscale0, table 52, ip rules and netfilter match the netmap."""
        self.dirty = False
        self._presence()
        me = self.me
        if self.state != "Running" or me is None:
            self.teardown(keep_tun=self.running)
            return
        node = self.node
        iface = node.interfaces.get(TUN)
        if iface is None:
            iface = node.add_interface(TUN, kind="tun", mtu=1280)
            node.link_set(TUN, True)
        elif not iface.admin_up:
            node.link_set(TUN, True)
        want = IPv4Interface(f"{me.ipv4}/32")
        for a in list(iface.addresses):
            if a.interface != want:
                node.addr_del(TUN, a.ip)
        if iface.find_address(want.ip) is None:
            node.addr_add(TUN, want)
        # the /128 from fd7a:115c:a1e0::/48 beside the kernel's own link-local address
        from ipaddress import IPv6Interface

        if node.ip6.enabled(TUN):
            for a6 in list(iface.addresses6):
                if a6.scope == "global" and a6.ip != me.ipv6:
                    node.ip6.delete(TUN, a6.ip, None)
            if node.ip6.local_address(me.ipv6) is None:
                node.ip6.add(TUN, IPv6Interface(f"{me.ipv6}/128"))
        self._sync_v6(node.ip6.enabled(TUN))
        node.stack.tun_handlers[TUN] = self.on_output
        self._sync_routes(*self._want_sorted())
        self._sync_rules(True)
        if self.prefs.netfilter_mode != "off":
            args = (me.ipv4, self.prefs.snat, self.prefs.netfilter_mode == "on", self.prefs.stateful_filtering,
                    me.ipv6 if node.ip6.enabled(TUN) else None)
            nf, memo = node.netfilter, self._fw_memo
            key = (*args, linuxfw.has_ipv6(node))
            # install is idempotent: on the ruleset it left, with the same arguments, it changes nothing
            if memo is None or memo[0] is not nf or memo[1] != nf.edits or memo[2] != key:
                linuxfw.install(node, args[0], args[1], hooks=args[2], stateful=args[3], own6=args[4])
                self._fw_memo = (nf, nf.edits, key)
        else:
            linuxfw.remove(node)
        if self.on_route not in node.stack.output_hooks:
            node.stack.output_hooks.append(self.on_route)
        sync_resolv_conf(self, True)
        self.magicsock.start()

    def advertised_v4(self) -> list[str]:
        return [r for r in self.prefs.advertise_routes if ":" not in r and r != EXIT_V4]

    def _sync_routes(self, want_sorted: list[int], rows: _Rows | None = None) -> None:
        """Table 52 holds a route via tailscale0 for each prefix in ``want_sorted`` (:func:`_net_key`
        ints, sorted): the stale ones go, the missing ones are added in dump order as one batch. What
        is there is read from the table, or, if nothing changed it since the last sync, from the memo.
        ``rows`` (/32s only): the routes, their 1-tuples and addresses for ``want_sorted``."""
        rt = self.node.routing
        tab = rt.tables.get(TABLE)
        memo = self._routes_memo
        if tab is not None and memo is not None and memo[0] is tab and memo[1] == tab.version:
            ours = memo[2]
        else:
            ours = {}
            for r in (tab.routes if tab is not None else ()):
                if r.dev == TUN:
                    k = _net_key(r.dst)
                    ours[k] = ours.get(k, ()) + (r,)
        if ours:
            want = set(want_sorted)
            for k in ours.keys() - want:
                for r in ours.pop(k):
                    rt.remove(r)
            new = sorted(want - ours.keys())
        elif rows is not None:                  # an empty table and a netmap of hosts: one batch as it is
            routes, singles, addrs = rows
            if routes:
                rt.add_many(TABLE, routes, singles, addrs)
                ours.update(zip(want_sorted, singles))
            new = []
        else:
            new = want_sorted
        if new:
            singles = list(map(_tun_entry, new))
            rt.add_many(TABLE, [r for r, in singles], singles)
            ours.update(zip(new, singles))
        tab = rt.tables.get(TABLE)
        self._routes_memo = (tab, tab.version, ours) if tab is not None else None

    def _sync_rules(self, present: bool) -> None:
        rt = self.node.routing
        if not present and not any(r.priority in OUR_PRIORITIES for r in rt.rules):
            return                               # nothing of ours there (compared field by field below)
        for rule in OUR_RULES:
            if present and rule not in rt.rules:
                rt.add_rule(rule)
            elif not present and rule in rt.rules:
                rt.remove_rule(rule)

    def desired_routes6(self) -> set[IPv6Network]:
        """Table 52 for IPv6 (peerRoutes): the tailnet range fd7a:115c:a1e0::/48 for every peer's
        /128, the IPv6 subnet routes this node accepts, ``::/0`` from an exit node that serves it."""
        want = {TAILNET_V6}
        prim, exit_peer = self._netmap_routes()
        if prim and any(":" in r for r in prim):            # (a thousand peers: no walk without IPv6 routes)
            ids = {p.id for p in self.peers()}
            want.update(IPv6Network(r) for r, nid in prim.items() if ":" in r and nid in ids)
        if exit_peer is not None and EXIT_V6 in exit_peer.effective_routes:
            want.add(DEFAULT_V6)
        return want

    def _sync_v6(self, present: bool) -> None:
        """IPv6: the routes of :meth:`desired_routes6` in table 52 (``ip route add PREFIX dev
        tailscale0 table 52``), and the same four rules as for IPv4."""
        from simnet.kernel.ipv6.fib6 import Route6

        fib = self.node.ip6.fib
        want = self.desired_routes6() if present else set()
        have = {r.dst for r in fib.routes(TABLE) if r.dev == TUN}
        for r in [r for r in fib.routes(TABLE) if r.dev == TUN and r.dst not in want]:
            fib.remove(r)
        if present or any(r.priority in OUR_PRIORITIES for r in fib.rules):
            for rule in OUR_RULES:
                (fib.add_rule if present else fib.remove_rule)(rule)
        for net in sorted(want - have, key=lambda n: (int(n.network_address), n.prefixlen)):
            fib.add(Route6(net, TUN, table=TABLE))

    def teardown(self, keep_tun: bool) -> None:
        """What tailscaled does on down/logout (keep_tun) or exit (tun deleted)."""
        node = self.node
        if self._magicsock is not None:
            self._magicsock.stop()
        self._sync_routes([])
        self._sync_rules(False)
        self._sync_v6(False)
        linuxfw.remove(node)
        sync_resolv_conf(self, False)
        iface = node.interfaces.get(TUN)
        if iface is not None:
            if keep_tun:
                for a in list(iface.addresses):
                    node.addr_del(TUN, a.ip)
                for a6 in list(iface.addresses6):
                    if a6.scope == "global":
                        node.ip6.delete(TUN, a6.ip, None)
            else:
                node.remove_interface(TUN)
                node.stack.tun_handlers.pop(TUN, None)

    # ---------------------------------------------------------- data path
    def on_output(self, pkt) -> None:
        from simnet.tailnet.dataplane import send

        send(self, pkt)

    def on_route(self, pkt, route: Route) -> None:
        from simnet.tailnet.dataplane import note_bypass

        note_bypass(self, pkt, route)


def tailscaled_of(node: "Node", create: bool = False) -> Tailscaled | None:
    svc = node.services.get("tailscaled")
    if isinstance(svc, Tailscaled):
        return svc
    if create:
        svc = Tailscaled(node)
        node.services["tailscaled"] = svc
        tailnet_of(node.lab).invalidate(node)
        return svc
    return None

