"""A node is one Linux network namespace: interfaces, tables, sysctl, netfilter,
conntrack, local sockets and a tiny file system for ``/etc`` and ``/tmp``.

The methods here are the kernel's administrative API (what netlink offers);
the commands in :mod:`simnet.commands` are thin parsers over it and print the
errors exactly as the real tools word them.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace
from ipaddress import IPv4Address, IPv4Interface, IPv4Network
TYPE_CHECKING = False      # typing's, without importing typing: ~4 ms of every cold start (issue 20)

from simnet.core.errors import KernelError
from simnet.kernel.conntrack import Conntrack
from simnet.kernel.interface import Address, Interface
from simnet.kernel.nftables import Ruleset
from simnet.kernel.routing import LOCAL, MAIN, Route, RoutingTables
from simnet.kernel.source import SCOPE_NUM
from simnet.kernel.sysctl import Sysctl
from simnet.kernel.vfs import Vfs
from simnet.links.mac import MacAddress, mac_for

if TYPE_CHECKING:
    from typing import Any, Callable
    from simnet.core.events import Simulator
    from simnet.kernel.natbehaviour import NatTable, NatType
    from simnet.kernel.service import Service
    from simnet.kernel.tcp import TcpLayer
    from simnet.lab import Lab

__all__ = ["Node", "NatSettings", "KernelError", "DEFAULT_EPOCH"]

LOOPBACK = IPv4Interface("127.0.0.1/8")     # immutable: one object for every node's lo
ALL_ONES = IPv4Address("255.255.255.255")
DEFAULT_EPOCH = 1768730400.0    # 2026-01-18 10:00:00 UTC, the day of the seed: Lab.epoch for labs without meta.epoch


@dataclass(slots=True)
class NatSettings:
    """How a router translates, beyond its iptables rules (:mod:`simnet.kernel.natbehaviour`)."""

    outside: str | None = None          # the interface it translates on (lab file's nat.interface, set_nat)
    kind: "NatType | None" = None       # the preset Lab.set_nat chose; None = never chosen
    table: "NatTable | None" = None     # bindings of a non-Linux preset; None = Linux's own MASQUERADE


class Node:
    """One simulated Linux host (or router, container, VPS)."""

    def __init__(self, name: str, lab: "Lab") -> None:
        from simnet.kernel.ipv6.addrconf import Addrconf
        from simnet.kernel.neighbour import NeighbourTable
        from simnet.kernel.stack import Stack

        self.name = name
        self.lab = lab
        self.hostname = name
        self.interfaces: dict[str, Interface] = {}
        self.routing = RoutingTables()
        self.sysctl = Sysctl()
        self.netfilter = Ruleset()
        self.conntrack = Conntrack()
        self.files: dict[str, str] = {"/etc/hostname": name + "\n"}
        self.fs = Vfs()
        self.services: dict[str, Any] = {}
        self.captures: list[Any] = []       # after a change: segments_changed()
        self._own4: frozenset[int] | None = None      # own_ips(); None after an address change
        self.history: list[str] = []
        self.role: str | None = None
        self.kind = "host"           # lab file: host, router, switch (a bridge over all ports) or hub
        self.nat = NatSettings()
        self._next_index = 1
        # fib_has_custom_rules: set by the first `ip rule add`/`del`, never cleared; from then on the
        # local table is no longer merged into main and `ip route get` names it
        self.custom_rules = False
        self.stack = Stack(self)
        self.ip6 = Addrconf(self)
        self.sysctl.hooks.append(self.ip6.sysctl_changed)
        self.ipv6_off = False          # the lab file switched IPv6 off for this node (survives a reboot)
        self.tcp_layer: TcpLayer | None = None      # made on first use (simnet.kernel.tcp.tcp_of)
        self.tun_problem: str | None = None         # why /dev/net/tun cannot be opened (a Proxmox guest's conf)
        # running numbers per purpose (nc's pids, nginx's request ids, the road's conversations)
        self.serials: Counter[str] = Counter()
        self.neigh = NeighbourTable(self.sim, self.stack.send_arp_request,
                                    self.stack.neigh_transmit, self.stack.neigh_failed)
        lo = self.add_interface("lo", kind="loopback", mac=MacAddress(0), mtu=65536)
        lo.admin_up = True
        self.addr_add("lo", LOOPBACK, scope="host")
        self.ip6.dev_up(lo)
        from simnet.kernel.rootfs import install_debian

        install_debian(self)

    def power_off(self) -> None:
        """Everything the kernel keeps in memory is gone: addresses, routes and rules, sysctl
        values, netfilter rules, conntrack, neighbours, virtual links (tailscale0); the NICs stay,
        down and with their defaults. The files (``node.files``, ``node.fs``) are the disk and stay."""
        from dataclasses import fields

        from simnet.kernel.icmp import PathMtu
        from simnet.kernel.icmplimit import IcmpRateLimiter

        for name, iface in list(self.interfaces.items()):
            if not iface.is_loopback and iface.segment is None:
                self.remove_interface(name)
        for name, iface in self.interfaces.items():
            self.neigh.flush_dev(name)
            fresh = Interface(name, iface.index, mac_for(self.name, name) if not iface.is_loopback else iface.mac,
                              kind=iface.kind, mtu=65536 if iface.is_loopback else 1500)
            for f in fields(Interface):
                if f.name not in ("name", "index", "kind", "segment", "peer_index", "carrier_changes"):
                    setattr(iface, f.name, getattr(fresh, f.name))
        self.routing = RoutingTables()
        self.sysctl = Sysctl()
        for name in self.interfaces:
            self.sysctl.add_interface(name)
        self.netfilter = Ruleset()
        self.conntrack = Conntrack()
        self.nat.table = None
        self.custom_rules = False
        self.captures.clear()
        self.segments_changed()             # fresh MACs, no addresses, no captures, no masters
        stack = self.stack
        stack.tun_handlers.clear()
        stack.output_hooks.clear()
        stack.icmp_limiter = IcmpRateLimiter()
        stack.pmtu = PathMtu(stack)
        self.ip6.reset()
        self.sysctl.hooks.append(self.ip6.sysctl_changed)

    def power_on(self) -> None:
        """The kernel comes up: lo with 127.0.0.1/8, the NICs up (what the lab wires, the boot
        scripts configure)."""
        lo = self.interfaces["lo"]
        lo.admin_up = True
        self.addr_add("lo", LOOPBACK, scope="host")
        if self.ipv6_off:                      # the lab file's ``ipv6: false`` is part of the machine
            self.sysctl.set("net.ipv6.conf.all.disable_ipv6", "1")
        self.ip6.dev_up(lo)
        for name, iface in self.interfaces.items():
            if not iface.is_loopback:
                self.link_set(name, True)

    def wallclock(self) -> float:
        """Seconds since 1970 on this node's clock: the lab's (:attr:`simnet.lab.Lab.epoch`)."""
        return self.lab.wallclock()

    @property
    def sim(self) -> "Simulator":
        return self.lab.sim

    def __repr__(self) -> str:
        return f"<Node {self.name}>"

    # ----------------------------------------------------------------- links
    def add_interface(self, name: str, kind: str = "veth", mac: MacAddress | None = None,
                      mtu: int = 1500) -> Interface:
        if name in self.interfaces:
            raise KernelError("File exists")
        iface = Interface(name, self._next_index, mac or mac_for(self.name, name), kind=kind, mtu=mtu)
        if kind == "veth":
            iface.carrier_changes = 1           # veth_newlink switches the carrier off once
        self._next_index += 1
        self.interfaces[name] = iface
        self._own4 = None
        self.routing.changed()
        self.sysctl.add_interface(name)
        return iface

    def add_bridge(self, name: str) -> Interface:
        """ip link add NAME type bridge: a bridge device without ports (simnet.kernel.bridge)."""
        from simnet.kernel.bridge import Bridge

        iface = self.add_interface(name, kind="bridge")
        iface.bridge = Bridge(self, iface)
        return iface

    def set_master(self, name: str, master: str | None) -> None:
        """ip link set NAME master BR / nomaster: enslave a port to a bridge or release it."""
        iface = self.interfaces[name]
        if iface.master is not None and iface.master != master:
            old = self.interfaces.get(iface.master)
            if old is not None and old.bridge is not None:
                old.bridge.remove_port(iface)
            iface.master = None
            if iface.segment is not None:
                iface.segment.touch()
        if master is None or iface.master == master:
            return
        br = self.interfaces.get(master)
        if br is None or br.bridge is None:
            raise KernelError("Operation not supported")
        if iface.is_loopback or iface.bridge is not None or iface is br:
            raise KernelError("Invalid argument")
        br.bridge.add_port(iface)

    def remove_interface(self, name: str) -> None:
        iface = self.interfaces[name]
        self.ip6.dev_down(iface)
        if iface.master is not None:
            self.set_master(name, None)
        if iface.bridge is not None:
            for port in iface.bridge.port_ifaces():
                self.set_master(port.name, None)
        for vif in [i for i in self.interfaces.values() if i.lower is iface]:
            self.remove_interface(vif.name)        # unregistering a device takes its VLANs along
        del self.interfaces[name]
        self._own4 = None
        if iface.segment is not None:
            iface.segment.detach(iface)
        self._drop_routes_of(name, everything=True)
        self.routing.changed()
        self.neigh.flush_dev(name)
        self.sysctl.remove_interface(name)

    def iface(self, name: str) -> Interface | None:
        return self.interfaces.get(name)

    def iface_by_index(self, index: int) -> Interface | None:
        for i in self.interfaces.values():
            if i.index == index:
                return i
        return None

    def link_set(self, name: str, up: bool) -> None:
        iface = self.interfaces[name]
        if iface.admin_up == up:
            return
        iface.admin_up = up
        if iface.segment is not None:
            iface.segment.touch()
        self.routing.changed()
        if up:
            for addr in iface.addresses:
                self._add_address_routes(iface, addr)
            self.ip6.dev_up(iface)
        else:
            self._drop_routes_of(name, everything=False)
            self.neigh.flush_dev(name)
            self.ip6.dev_down(iface)
        if iface.kind == "veth" and iface.segment is not None:
            iface.carrier_changes += 1
        for vif in [i for i in self.interfaces.values() if i.lower is iface]:
            self.link_set(vif.name, up)      # vlan_device_event: VLAN devices follow their lower device
        if up:
            iface.ever_up = True
            if iface.port_of is not None:
                iface.port_of.enable([name])
            elif iface.bridge is not None:
                iface.bridge.enable()
        elif iface.master is not None:        # a disabled port forgets what it learned
            master = self.interfaces.get(iface.master)
            if master is not None and master.bridge is not None:
                master.bridge.flush_port(name)
        elif iface.bridge is not None:        # br_stp_disable_bridge disables every port
            for port in iface.bridge.ports:
                iface.bridge.flush_port(port)

    # ------------------------------------------------------------- addresses
    def local_addresses(self) -> list[IPv4Address]:
        return [a.ip for i in self.interfaces.values() for a in i.addresses]

    def own_ips(self) -> frozenset[int]:
        """The IPv4 addresses on all interfaces, as ints (an ARP request on a segment of a thousand
        hosts asks every receiver); rebuilt after any address change."""
        own = self._own4
        if own is None:
            own = self._own4 = frozenset([a._ip._ip for i in self.interfaces.values()  # type: ignore[attr-defined]
                                          for a in i.addresses])
        return own

    def segments_changed(self) -> None:
        """The captures of this node (or everything, at power-off) changed: the indexes of its
        segments and :meth:`own_ips` are rebuilt on next use."""
        self._own4 = None
        for i in self.interfaces.values():
            if i.segment is not None:
                i.segment.touch()

    def is_own_address(self, ip: IPv4Address) -> bool:
        """Is ``ip`` configured on any interface? (cheap check for the hot path: every node on a
        segment asks it for every ARP request; compared as ints, as routing's lookups do)"""
        if type(ip) is not IPv4Address:          # anything else compares as IPv4Address.__eq__ does
            return any(a.ip == ip for i in self.interfaces.values() for a in i.addresses)
        target = ip._ip  # type: ignore[attr-defined]
        for i in self.interfaces.values():
            for a in i.addresses:
                if a._ip._ip == target:  # type: ignore[attr-defined]
                    return True
        return False

    def is_local(self, ip: IPv4Address) -> bool:
        try:
            res = self.routing.lookup(ip, usable=None)
        except Exception:
            return False
        return res.route.type == "local"

    def addr_add(self, dev: str, ifaddr: IPv4Interface, scope: str = "global",
                 broadcast: IPv4Address | None = None, label: str = "",
                 peer: IPv4Interface | None = None, metric: int = 0, noprefixroute: bool = False,
                 lifetimes: tuple[int | None, int | None] = (None, None)) -> Address:
        iface = self.interfaces[dev]
        if any(a.ip == ifaddr.ip and a.network == ifaddr.network for a in iface.addresses):
            raise KernelError("File exists", "ipv4: Address already assigned")
        secondary = False
        last_primary = 0
        for i, a in enumerate(iface.addresses):          # __inet_insert_ifa
            if not a.secondary and SCOPE_NUM.get(scope, 0) <= SCOPE_NUM.get(a.scope, 0):
                last_primary = i + 1
            if a.network == ifaddr.network:
                if a.scope != scope:
                    raise KernelError("Invalid argument", "ipv4: Invalid scope value")
                secondary = True
        addr = Address(ifaddr, scope, broadcast, label or dev, secondary, peer, metric, noprefixroute,
                       lifetimes[0], lifetimes[1], self.sim.now)
        # a secondary goes to the end, a primary after the last primary of the same or a wider scope
        iface.addresses.insert(len(iface.addresses) if secondary else last_primary, addr)
        self._own4 = None
        self._add_address_routes(iface, addr, local_only=not iface.admin_up)
        self._watch_lifetime(dev, addr)
        return addr

    def addr_set_lifetimes(self, dev: str, ip: IPv4Address, valid: int | None, preferred: int | None) -> None:
        """ip addr change/replace of an existing address: new lifetimes from now (inet_rtm_newaddr)."""
        iface = self.interfaces[dev]
        for i, a in enumerate(iface.addresses):
            if a.ip == ip:
                iface.addresses[i] = replace(a, valid_lft=valid, preferred_lft=preferred, lft_stamp=self.sim.now)
                self._watch_lifetime(dev, iface.addresses[i])
                return

    def _watch_lifetime(self, dev: str, addr: Address) -> None:
        """check_lifetime: the kernel deletes an address whose valid lifetime has run out."""
        if addr.valid_lft is None or addr.valid_lft >= 0xFFFFFFFF:
            return

        def expire() -> None:
            iface = self.interfaces.get(dev)
            if iface is not None and any(a is addr for a in iface.addresses):
                self.addr_del(dev, addr.ip, addr.network.prefixlen)
        self.sim.schedule(float(addr.valid_lft), expire)

    def addr_del(self, dev: str, ip: IPv4Address, prefixlen: int | None = None) -> Address:
        iface = self.interfaces[dev]
        addr = iface.find_address(ip)
        if addr is None or (prefixlen is not None and addr.network.prefixlen != prefixlen):
            raise KernelError("Cannot assign requested address", "ipv4: Address not found")
        iface.addresses.remove(addr)
        self._own4 = None
        promote = None
        if not addr.secondary:
            same = [o for o in iface.addresses if o.secondary and o.network == addr.network]
            if self.sysctl.get_int(f"net.ipv4.conf.{dev}.promote_secondaries") or \
                    self.sysctl.get_int("net.ipv4.conf.all.promote_secondaries"):
                promote = same[0] if same else None   # a secondary takes over
            else:
                for other in same:                     # the kernel deletes them with the primary
                    iface.addresses.remove(other)
                    self._remove_address_routes(iface, other)
        others = [o for o in iface.addresses if o.secondary and o.network == addr.network] if promote else []
        for other in others:                  # their routes carry the old primary as prefsrc: rebuilt below
            self._remove_address_routes(iface, other)
            for r in self.routing.routes(LOCAL):
                if r.dev == dev and r.type == "local" and r.dst == IPv4Network(other.ip):
                    self.routing.remove(r)
        self._remove_address_routes(iface, addr)
        if promote is not None:
            idx = iface.addresses.index(promote)
            promoted = replace(promote, secondary=False)
            del iface.addresses[idx]
            last_primary = max((i + 1 for i, a in enumerate(iface.addresses) if not a.secondary), default=0)
            iface.addresses.insert(last_primary, promoted)
            if iface.admin_up:
                self._add_address_routes(iface, promoted)
                for other in iface.addresses:
                    if other.secondary and other.network == addr.network:
                        self._add_address_routes(iface, other)
        return addr

    def addr_flush(self, dev: str) -> None:
        iface = self.interfaces[dev]
        self._own4 = None
        for addr in list(iface.addresses):
            iface.addresses.remove(addr)
            self._remove_address_routes(iface, addr)

    def _add_address_routes(self, iface: Interface, addr: Address, local_only: bool = False) -> None:
        """fib_add_ifaddr: local route, network broadcast route and prefix route
        (on a downed device only the local route)."""
        ip = addr.ip
        src = ip
        if addr.secondary:
            src = next((a.ip for a in iface.addresses if not a.secondary and a.network == addr.network), ip)
        # host networks from ints: IPv4Network(address) goes through str() and parses it again
        self._add_route(Route(IPv4Network((int(ip), 32)), "local", dev=iface.name, table=LOCAL, proto="kernel",
                              scope="host", src=src))
        if local_only:
            return
        net = addr.network
        if addr.broadcast is not None and addr.broadcast != ALL_ONES:
            self._add_route(Route(IPv4Network((int(addr.broadcast), 32)), "broadcast", dev=iface.name, table=LOCAL,
                                  proto="kernel", scope="link", src=src))
        if addr.secondary or net.prefixlen == 32:
            return
        if iface.is_loopback:
            self._add_route(Route(net, "local", dev=iface.name, table=LOCAL, proto="kernel",
                                  scope="host", src=ip))
        elif not addr.noprefixroute:
            self._add_route(Route(net, dev=iface.name, table=MAIN, proto="kernel", scope="link", src=ip,
                                  metric=addr.metric))
        if net.prefixlen < 31:
            self._add_route(Route(IPv4Network((int(net.broadcast_address), 32)), "broadcast", dev=iface.name,
                                  table=LOCAL, proto="kernel", scope="link", src=ip))

    def _add_route(self, route: Route) -> None:
        """fib_magic appends: the same broadcast route may exist once per device."""
        if route not in self.routing.routes(route.table):
            self.routing.add(route)

    def _remove_address_routes(self, iface: Interface, addr: Address) -> None:
        ip = addr.ip
        still_local = any(a.ip == ip for i in self.interfaces.values() for a in i.addresses)
        for r in list(self.routing.routes(LOCAL)):
            if r.dev == iface.name and (r.dst == IPv4Network(ip) and not still_local and r.type == "local"
                                        or r.src == ip and (r.type == "broadcast" or r.dst == addr.network)):
                self.routing.remove(r)
        for table in list(self.routing.tables):
            for r in list(self.routing.routes(table)):
                if r.proto == "kernel" and r.dev == iface.name and r.dst == addr.network and r.src == ip:
                    self.routing.remove(r)
        # routes whose gateway is no longer reachable die with the address, and so do routes that
        # named the address as their source once no device holds it any more (fib_sync_down_addr)
        if not still_local:                    # fib_sync_down_addr looks at table main only
            for r in list(self.routing.routes(MAIN)):
                if r.src == ip:
                    self.routing.remove(r)
        if not iface.addresses:
            # the last IPv4 address is gone: fib_disable_ip kills every route through the device
            # and arp_ifdown empties its neighbour table; gateway routes survive otherwise
            self._drop_routes_of(iface.name, everything=True)
            self.neigh.flush_dev(iface.name)

    def _drop_routes_of(self, dev: str, everything: bool) -> None:
        """fib_sync_down_dev: a downed link loses its routes except the host-scope
        local ones (their nexthop scope is "nowhere"); unregistering loses all."""
        for table in list(self.routing.tables):
            for r in list(self.routing.routes(table)):
                if r.dev == dev and (everything or not (r.type == "local" and r.scope == "host")):
                    self.routing.remove(r)

    # ---------------------------------------------------------------- routes
    def gateway_onlink(self, gw: IPv4Address, dev: str | None) -> bool:
        """Is ``gw`` reachable by a link-scope route (on ``dev`` if given)?"""
        for r in self.routing.routes(MAIN) + self.routing.routes(LOCAL):
            if gw in r.dst and r.scope in ("link", "host") and r.type in ("unicast",) and r.gateway is None:
                if dev is None or r.dev == dev:
                    return True
        return False

    def local_type(self, ip: IPv4Address) -> str | None:
        """inet_addr_type: the type of the best match in table local (``local`` for an own address,
        also for anything inside a prefix configured on lo)."""
        tab = self.routing.tables.get(LOCAL)
        if tab is None:
            return None
        for r in tab.candidates(ip):
            return r.type
        return None

    def table_exists(self, table: int) -> bool:
        """The kernel creates tables on the first route and never frees them; local and main always exist."""
        return table in (LOCAL, MAIN) or table in self.routing.tables

    def nexthop_lookup(self, gw: IPv4Address, dev: str | None, table: int, scope: int) -> Route | None:
        """fib_check_nh_v4_gw: the route that reaches a gateway.

        The kernel looks the gateway up with scope ``route scope + 1`` (at
        least link), so only link- and host-scope routes qualify: a gateway
        must sit in a connected subnet (or be an own address). The given table
        is asked first, then the whole rule list; ``dev`` limits the routes.
        """
        want = max(scope + 1, 253)
        order: list[int | None] = [table] if table not in (MAIN, 0) and table in self.routing.tables else []
        for rule in self.routing.rules:        # then fib_lookup: the rules as for a packet from lo
            if not rule.catch_all and not rule.matches(gw, None, None, dev, 0):
                continue
            order.append(rule.table if rule.action == "lookup" else None)
        for tid in order:
            if tid is None:                   # an unreachable/blackhole/prohibit rule ends the lookup
                return None
            tab = self.routing.tables.get(tid)
            if tab is None:
                continue
            for r in tab.candidates(gw):
                if SCOPE_NUM.get(r.scope, 0) < want:
                    continue
                if dev is not None and r.dev != dev and r.type in ("unicast", "local", "broadcast"):
                    continue
                if r.type == "throw":
                    break
                if r.type not in ("unicast", "local"):
                    return None
                return r
        return None

    def gateway_device(self, gw: IPv4Address) -> str | None:
        best: Route | None = None
        for r in self.routing.routes(MAIN):
            if gw in r.dst and r.gateway is None and r.type == "unicast" and r.scope == "link":
                if best is None or r.dst.prefixlen > best.dst.prefixlen:
                    best = r
        return best.dev if best else None

    # ----------------------------------------------------------------- files
    def read_file(self, path: str) -> str:
        """Contents of a file, ``/proc/sys`` included; raises FileNotFoundError/IsADirectoryError."""
        from simnet.kernel.procfs import read_path

        return read_path(self, path)

    def service(self, unit: str) -> Service | None:
        """The daemon behind ``unit`` (``nginx``, ``headscale`` …) if it is installed and one."""
        svc = self.services.get(unit)
        if svc is None:              # the common answer, without the Protocol's slow isinstance
            return None
        from simnet.kernel.service import Service     # a typing.Protocol: typing only when asked (issue 20)

        return svc if isinstance(svc, Service) else None

    def write_file(self, path: str, data: str, append: bool = False) -> None:
        from simnet.kernel.procfs import write_path

        write_path(self, path, data, append)

    # --------------------------------------------------------------- sockets
    def register(self, key: tuple, handler: Callable[..., None]) -> None:
        self.stack.sockets[key] = handler

    def unregister(self, key: tuple) -> None:
        self.stack.sockets.pop(key, None)
