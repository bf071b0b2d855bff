"""addrconf: IPv6 addresses of a node, as Linux manages them (net/ipv6/addrconf.c).

* An interface that comes up gets ``fe80::/64`` and ``multicast ff00::/8``
  routes and its EUI-64 link-local address; ``lo`` gets ``::1``.
* A new address is *tentative* while duplicate address detection runs: a
  random delay below ``rtr_solicit_delay`` (1 s), one neighbour solicitation,
  then ``retrans_time`` (1 s) of silence. Only then does its ``local`` route
  appear in table local. A neighbour that already holds the address answers,
  and the address stays ``tentative dadfailed``.
* A downed interface loses all its IPv6 addresses and routes
  (``keep_addr_on_down=0``); ``disable_ipv6`` does the same and refuses new ones.

An address remembers when its DAD ends; :meth:`Addrconf.settle` finishes
what is due in the whole lab, from a timer at that moment and before anything
reads IPv6 state. A box from a shipped lab has been up for a while: its DAD is
over without a router solicitation (:meth:`Addrconf.finish_dad`).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from ipaddress import IPv6Address, IPv6Interface, IPv6Network
TYPE_CHECKING = False      # typing's, without importing typing: ~4 ms of every cold start (issue 20)

from simnet.core.digest import sha256
from simnet.kernel.ipv6.addr import LINKLOCAL_NET, LOOPBACK, MULTICAST_NET, SCOPE_ORDER, addr_scope, eui64_linklocal
from simnet.kernel.ipv6.fib6 import LOCAL, MAIN, Fib6, Route6
from simnet.kernel.ipv6.mld import Mld
from simnet.links.packet6 import MIN_MTU

if TYPE_CHECKING:
    from simnet.kernel.interface import Interface
    from simnet.kernel.ipv6.stack6 import Stack6
    from simnet.kernel.node import Node

__all__ = ["Addr6", "Addrconf", "RETRANS_TIME", "PREFIX_METRIC"]

RETRANS_TIME = 1.0          # ndisc retrans_time: DAD waits this long after its solicitation
SOLICIT_DELAY = 1.0         # rtr_solicit_delay: upper bound of the random delay before it
PREFIX_METRIC = 256         # IP6_RT_PRIO_ADDRCONF
LOOPBACK_IF = IPv6Interface("::1/128")


@dataclass(eq=False)
class Addr6:
    """One inet6_ifaddr. ``dad_end`` is when DAD finishes (None: not running)."""

    interface: IPv6Interface
    scope: str
    flags: set[str] = field(default_factory=set)    # tentative, dadfailed, nodad, noprefixroute, …
    permanent: bool = True
    metric: int = 0
    added: float = 0.0
    dad_end: float | None = None
    valid_lft: int | None = None       # seconds from lft_stamp (None: forever)
    preferred_lft: int | None = None
    lft_stamp: float = 0.0
    secondary: bool = False        # IPv4's notion; ip addr's primary/secondary filter asks every address

    @property
    def ip(self) -> IPv6Address:
        return self.interface.ip

    @property
    def network(self) -> IPv6Network:
        return self.interface.network

    @property
    def tentative(self) -> bool:
        return "tentative" in self.flags

    def remaining(self, now: float) -> tuple[int | None, int | None]:
        """valid_lft and preferred_lft left (whole seconds), None for forever."""
        gone = int(now - self.lft_stamp)
        return (None if self.valid_lft is None else max(0, self.valid_lft - gone),
                None if self.preferred_lft is None else max(0, self.preferred_lft - gone))


def stable_linklocal(name: str) -> IPv6Address:
    """fe80::/64 plus an interface identifier derived from ``name`` (stands in for a random one)."""
    digest = sha256(f"fe80/{name}".encode()).digest()
    return IPv6Address(b"\xfe\x80" + bytes(6) + digest[:8])


class Addrconf:
    """IPv6 addresses and routes of one node (``node.ip6``)."""

    def __init__(self, node: "Node") -> None:
        self.node = node
        self.fib = Fib6()
        self.mld = Mld(node)
        self._stack: Stack6 | None = None
        self.no_idev: set[str] = set()     # devices whose inet6_dev an MTU below 1280 destroyed
        self._coming_up = False            # dev_up's own link-local is no state change for MLD

    @property
    def stack(self) -> Stack6:
        """The node's IPv6 packet path, made when something first sends, receives or asks it: a
        lab that only brings its links up (link-local addresses, DAD, MLD nobody hears) does not
        load it (issue 20). Making it has no effect of its own: nothing is scheduled, nothing sent."""
        stack = self._stack
        if stack is None:
            from simnet.kernel.ipv6.stack6 import Stack6

            stack = self._stack = Stack6(self.node)
        return stack

    def reset(self) -> None:
        """Power off: no IPv6 routes, rules or neighbours are left (addresses go with the NICs),
        and a router advertisement daemon dies with the machine."""
        daemon = self.node.services.get("radvd")
        if daemon is not None and daemon.running:
            daemon.stop()
        self.fib = Fib6()
        stack = self._stack
        if stack is not None:
            stack.limiter.clear()
            stack.redirects.exceptions.clear()
            for entry in stack.neigh.all():
                stack.neigh.remove(entry.dev, entry.ip)

    # ------------------------------------------------------------ state
    def enabled(self, dev: str) -> bool:
        return self.node.sysctl.get_int(f"net.ipv6.conf.{dev}.disable_ipv6") == 0

    def any_enabled(self) -> bool:
        return any(self.enabled(d) for d in self.node.interfaces)

    def addresses(self, iface: "Interface") -> list[Addr6]:
        return iface.addresses6

    def settle(self) -> None:
        """Finish every DAD in the lab whose time has come, in the order they end (a neighbour's
        finished DAD can matter here: its router solicitation, its answer to ours)."""
        lab = self.node.lab
        due_at = lab._dad_due
        now = self.node.sim.now
        if due_at is None or due_at > now:
            return
        lab._dad_due = None
        due: list[tuple[float, str, str, Addr6]] = []
        later: float | None = None            # the next end among the others: one walk over the lab, not two
        for n in lab.nodes.values():
            for i in n.interfaces.values():
                for a in i.addresses6:
                    end = a.dad_end
                    if end is None:
                        continue
                    if end <= now:
                        due.append((end, n.name, i.name, a))
                    elif later is None or end < later:
                        later = end
        due.sort(key=lambda t: t[0])
        for _end, node_name, dev, a in due:
            a.dad_end = None
            lab.nodes[node_name].ip6._dad_done(lab.nodes[node_name].interfaces[dev], a)
        # a DAD started meanwhile went through _due, which set lab._dad_due (None before the loop)
        started = lab._dad_due
        lab._dad_due = later if started is None else started if later is None else min(later, started)

    def _dad_done(self, iface: "Interface", a: Addr6) -> None:
        """addrconf_dad_completed: the address is valid; a host's first link-local asks for routers."""
        if self._duplicate(iface, a):
            a.flags.add("dadfailed")
            return
        a.flags.discard("tentative")
        self._add_local_route(iface, a)
        if a.scope == "link" and sum(b.scope == "link" for b in iface.addresses6) == 1:
            self.mld.dad_done(iface)
        if a.scope == "link" and self.accept_ra(iface.name) and iface.kind not in ("tun", "loopback"):
            self.stack.send_rs(iface, a.ip)

    def accept_ra(self, dev: str) -> bool:
        """ipv6_accept_ra: accept_ra=2 always, accept_ra=1 only while forwarding is off."""
        ra = self.node.sysctl.get_int(f"net.ipv6.conf.{dev}.accept_ra")
        return ra == 2 or (ra == 1 and not self.node.sysctl.get_int(f"net.ipv6.conf.{dev}.forwarding"))

    def expire(self) -> None:
        """Routes and autoconfigured addresses whose lifetime ran out disappear (the kernel's gc)."""
        now = self.node.sim.now
        for tid, table in self.fib.tables.items():
            if any(r.expires is not None and r.expires <= now for r in table):
                self.fib.tables[tid] = [r for r in table if r.expires is None or r.expires > now]
        for iface in self.node.interfaces.values():
            for a in list(iface.addresses6):
                if a.valid_lft is not None and a.remaining(now)[0] == 0:
                    iface.addresses6.remove(a)
                    _touch(iface)
                    self._remove_routes(iface, a)
                    self.mld.changed(iface)
                elif a.preferred_lft is not None and a.remaining(now)[1] == 0:
                    a.flags.add("deprecated")

    def finish_dad(self) -> None:
        """End every running DAD now, as on a box that has been up for a while (its router
        solicitation went out long ago)."""
        for iface in self.node.interfaces.values():
            for a in iface.addresses6:
                if a.dad_end is not None:
                    a.dad_end = None
                    if not self._duplicate(iface, a):
                        a.flags.discard("tentative")
                        self._add_local_route(iface, a)
                    else:
                        a.flags.add("dadfailed")
        self.mld.quiet()

    def _duplicate(self, iface: "Interface", a: Addr6) -> bool:
        """Did a neighbour on the segment answer our solicitation (it held the address first)?"""
        seg = iface.segment
        if seg is None:
            return False
        target = a.interface._ip        # type: ignore[attr-defined]  # ints: .ip builds an address per call
        for node, other in seg.neighbours(iface):
            for b in other.addresses6:
                if b.interface._ip == target and "dadfailed" not in b.flags and b.added <= a.added:  # type: ignore[attr-defined]
                    return True
        return False

    # ---------------------------------------------------------- device events
    def dev_up(self, iface: "Interface") -> None:
        """NETDEV_UP: routes of the device, link-local, DAD for addresses added while it was down."""
        if not self.enabled(iface.name) or not iface.admin_up or iface.mtu < MIN_MTU:
            return                      # ipv6_add_dev: no IPv6 on a link below 1280 bytes
        if iface.is_loopback:
            if not any(a.ip == LOOPBACK for a in iface.addresses6):
                addr = Addr6(LOOPBACK_IF, "host", added=self.node.sim.now)
                iface.addresses6.append(addr)
                _touch(iface)
                self._add_local_route(iface, addr)
            for a in iface.addresses6:
                self._add_prefix_route(iface, a)
            return
        self.fib.add(Route6(LINKLOCAL_NET, iface.name, proto="kernel", metric=PREFIX_METRIC))
        self.fib.add(Route6(MULTICAST_NET, iface.name, type="multicast", proto="kernel", metric=PREFIX_METRIC,
                            table=LOCAL))
        for a in iface.addresses6:
            self._add_prefix_route(iface, a)
            if iface.kind == "tun":
                self._add_local_route(iface, a)
            else:
                self._start_dad(iface, a)
        if iface.kind == "tun":
            # no hardware address: addr_gen_mode falls back to random, shown as stable-privacy
            # (a hash of the node's name stands in for the random secret, so a lab stays the same)
            ll, flags = stable_linklocal(self.node.name), {"stable-privacy"}
        else:
            ll, flags = eui64_linklocal(iface.mac), set()
        if not any(a.ip == ll for a in iface.addresses6):
            self._coming_up = True
            try:
                self._insert(iface, Addr6(IPv6Interface((int(ll), 64)), "link", flags, added=self.node.sim.now))
            finally:
                self._coming_up = False
        self.mld.link_up(iface)

    def dev_down(self, iface: "Interface") -> None:
        """NETDEV_DOWN (keep_addr_on_down=0) and disable_ipv6: every address and route goes."""
        name = iface.name
        iface.addresses6.clear()
        _touch(iface)
        self.mld.sync(iface)          # the leave records wait for the link to come back
        self.stack.neigh.flush_dev(name)
        self.fib.drop(lambda r: r.dev == name and not (r.dev == "lo" and r.type in ("unreachable", "blackhole",
                                                                                   "prohibit", "throw")))

    def mtu_changed(self, iface: "Interface") -> None:
        """NETDEV_CHANGEMTU: below 1280 the device loses IPv6 altogether, back above it starts
        over with a fresh (tentative) link-local address."""
        if iface.mtu < MIN_MTU:
            self.dev_down(iface)
            self.no_idev.add(iface.name)
        elif iface.name in self.no_idev:
            self.no_idev.discard(iface.name)
            self.dev_up(iface)

    def sysctl_changed(self, key: str) -> None:
        """disable_ipv6 written: the devices whose value flipped go down or come up for IPv6;
        forwarding written: the all-routers and anycast groups come or go."""
        if key.startswith("net.ipv6.conf.") and key.endswith(".forwarding"):
            for iface in self.node.interfaces.values():
                self.mld.changed(iface)
            if key != "net.ipv6.conf.default.forwarding" and self.node.sysctl.get_int(key):
                self._purge_default_routers()
            return
        if not key.startswith("net.ipv6.conf.") or not key.endswith(".disable_ipv6"):
            return
        for iface in self.node.interfaces.values():
            if self.enabled(iface.name):
                if not iface.addresses6 and iface.admin_up:
                    self.dev_up(iface)
            elif iface.addresses6 or any(r.dev == iface.name for t in self.fib.tables.values() for r in t):
                self.dev_down(iface)

    def _purge_default_routers(self) -> None:
        """rt6_purge_dflt_routers, after every write of a non-zero ``forwarding`` (all or a device,
        even 1 over 1): default routes that router advertisements gave go at once, except on
        devices with accept_ra=2. Addresses and prefix routes stay until their lifetimes end."""
        sysctl = self.node.sysctl
        for table in self.fib.tables.values():
            for r in [r for r in table if r.proto == "ra" and r.dst.prefixlen == 0
                      and sysctl.get_int(f"net.ipv6.conf.{r.dev}.accept_ra") != 2]:
                self.fib.remove(r)

    # ------------------------------------------------------------ addresses
    def add(self, dev: str, ifaddr: IPv6Interface, flags: set[str] | None = None, metric: int = 0,
            slaac: tuple[int, int] | None = None) -> Addr6:
        """inet6_addr_add; raises KernelError with the kernel's extack. ``slaac`` = (valid, preferred):
        an autoconfigured address (dynamic, its prefix route comes from the advertisement)."""
        from simnet.kernel.node import KernelError

        iface = self.node.interfaces[dev]
        if not self.enabled(dev):
            raise KernelError("Permission denied", "ipv6: IPv6 is disabled on this device")
        ip = ifaddr.ip
        if ip.is_unspecified or ip.is_multicast:
            raise KernelError("Invalid argument", "ipv6: Invalid address")
        if any(a.ip == ip for a in iface.addresses6):
            raise KernelError("File exists", "ipv6: address already assigned")
        addr = Addr6(ifaddr, addr_scope(ip), set(flags or ()), metric=metric, added=self.node.sim.now)
        if slaac is not None:
            addr.permanent = False
            addr.valid_lft, addr.preferred_lft = slaac
            addr.lft_stamp = self.node.sim.now
        self._insert(iface, addr)
        if (iface.admin_up or iface.is_loopback) and slaac is None:
            self._add_prefix_route(iface, addr)
        return addr

    def delete(self, dev: str, ip: IPv6Address, prefixlen: int | None) -> Addr6:
        from simnet.kernel.node import KernelError

        iface = self.node.interfaces[dev]
        for a in iface.addresses6:
            if a.ip == ip and (prefixlen is None or a.network.prefixlen == prefixlen):
                iface.addresses6.remove(a)
                _touch(iface)
                self._remove_routes(iface, a)
                self.mld.changed(iface)
                return a
        raise KernelError("Cannot assign requested address", "ipv6: address not found")

    def _insert(self, iface: "Interface", addr: Addr6) -> None:
        """ipv6_link_dev_addr: before the first address of the same or a narrower scope; then DAD."""
        order = SCOPE_ORDER[addr.scope]
        pos = len(iface.addresses6)
        for i, a in enumerate(iface.addresses6):
            if order >= SCOPE_ORDER[a.scope]:
                pos = i
                break
        iface.addresses6.insert(pos, addr)
        _touch(iface)
        if not self._coming_up:
            self.mld.changed(iface)
        if iface.is_loopback or iface.kind == "tun":      # IFF_LOOPBACK/IFF_NOARP: no DAD
            if iface.admin_up or iface.is_loopback:
                self._add_local_route(iface, addr)
            return
        if "nodad" in addr.flags:
            if iface.admin_up:
                self._add_local_route(iface, addr)
            return
        addr.flags.add("tentative")
        if iface.admin_up:
            self._start_dad(iface, addr)

    def _start_dad(self, iface: "Interface", addr: Addr6) -> None:
        if "nodad" in addr.flags:
            self._add_local_route(iface, addr)
            return
        addr.flags.discard("dadfailed")
        addr.flags.add("tentative")
        # the kernel draws the delay at random; a hash keeps every run of a lab the same
        import zlib        # here, not at the top: a lab that never runs DAD does not load it (issue 20)

        seed = zlib.crc32(f"{self.node.name}/{iface.name}/{addr.ip}".encode()) / 2**32
        addr.dad_end = self.node.sim.now + seed * SOLICIT_DELAY + RETRANS_TIME
        self.node.sim.schedule(seed * SOLICIT_DELAY, self._dad_solicit, iface, addr, addr.dad_end)
        self._due(addr.dad_end)

    def _dad_solicit(self, iface: "Interface", addr: Addr6, dad_end: float) -> None:
        """ndisc_send_ns for DAD: from ::, to the address's solicited-node group, with a nonce. The
        holder of the address answers to all nodes; simnet decides the outcome from the segment
        (:meth:`_duplicate`), so a solicitation nobody could see or answer is not sent."""
        from simnet.kernel.ipv6.mld import observed
        from simnet.links.packet6 import NEIGH_SOLICIT, Icmp6, IPv6Packet, multicast_mac, solicited_node

        if addr.dad_end != dad_end or addr not in iface.addresses6 or not iface.admin_up:
            return                          # finished (a shipped box) or gone meanwhile
        seg = iface.segment
        holder = seg is not None and seg.holds_ip6(iface, addr.interface._ip)  # type: ignore[attr-defined]
        if not holder and not observed(self.node, iface):
            return
        group = solicited_node(addr.ip)
        ns = IPv6Packet(IPv6Address(0), group, Icmp6(NEIGH_SOLICIT, target=addr.ip, nonce=True), hlim=255)
        self.stack.emit(iface, multicast_mac(group), ns)

    def _due(self, when: float) -> None:
        lab = self.node.lab
        due_at = lab._dad_due
        lab._dad_due = when if due_at is None else min(due_at, when)
        # DAD ends on time (its router solicitation starts SLAAC); reading the state settles it too
        self.node.sim.schedule(max(0.0, when - self.node.sim.now), self.settle)

    # --------------------------------------------------------------- routes
    def _add_prefix_route(self, iface: "Interface", addr: Addr6) -> None:
        if "noprefixroute" in addr.flags or addr.ip == LOOPBACK:
            return
        net = addr.network
        metric = addr.metric or PREFIX_METRIC
        if not self.fib.find(MAIN, net, dev=iface.name, metric=metric, proto="kernel"):
            self.fib.add(Route6(net, iface.name, proto="kernel", metric=metric))

    def _add_local_route(self, iface: "Interface", addr: Addr6) -> None:
        host = IPv6Network((int(addr.ip), 128))
        if not self.fib.find(LOCAL, host, type="local"):
            self.fib.add(Route6(host, iface.name, type="local", proto="kernel", metric=0, table=LOCAL))

    def _remove_routes(self, iface: "Interface", addr: Addr6) -> None:
        host = IPv6Network(addr.ip)
        still = any(a.ip == addr.ip for i in self.node.interfaces.values() for a in i.addresses6)
        if not still:
            for r in self.fib.find(LOCAL, host, type="local"):
                self.fib.remove(r)
        same_prefix = any(a.network == addr.network for a in iface.addresses6)
        if not same_prefix:
            for r in self.fib.find(MAIN, addr.network, dev=iface.name, proto="kernel"):
                self.fib.remove(r)

    def local_ips(self) -> list[IPv6Address]:
        return [a.ip for i in self.node.interfaces.values() for a in i.addresses6]

    def local_address(self, ip: IPv6Address) -> Addr6 | None:
        for i in self.node.interfaces.values():
            for a in i.addresses6:
                if a.ip == ip:
                    return a
        return None


def _touch(iface: "Interface") -> None:
    """The IPv6 addresses of a port changed: its segment's index (who holds which address) is stale."""
    if iface.segment is not None:
        iface.segment.touch()
