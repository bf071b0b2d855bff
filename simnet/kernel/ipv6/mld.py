"""MLD (net/ipv6/mcast.c): the IPv6 multicast groups an interface has joined and the MLDv2
reports it sends about them, as ``ip maddr`` and ``tcpdump`` show them.

An interface with IPv6 joins ff01::1 and ff02::1, the solicited-node group ff02::1:ffXX:XXXX of
each of its addresses (not on lo or a NOARP device), with forwarding on the all-routers groups
ff02::2, ff01::2, ff05::2 and the solicited-node group of each prefix's subnet-router anycast
address; the list is newest first, a group shared by several addresses counts its ``users``.

Reports go to ff02::16 behind a hop-by-hop header (tcpdump: ``HBH ICMP6, multicast listener
report v2``), each twice (robustness 2: at once and after a random delay below the unsolicited
report interval, 1 s), from the link-local address or, while that is tentative, from ``::``.
Groups of interface-local scope and ff02::1 are never reported. What the recording kernel (6.1)
does and simnet follows: a link that comes up reports its groups from ``::`` and again from its
link-local address once DAD made that valid (initial reports, which leave the groups' change
counters alone); a later change — an address added or removed, forwarding switched — sends
state-change reports (twice, the same records) that carry every group whose counter is left —
so the first change after link-up names the link-local's group too, the second change the first
one's group — and count each down once per change; a left group's record goes out twice.
"""
from __future__ import annotations

import zlib
from ipaddress import IPv6Address
TYPE_CHECKING = False      # typing's, without importing typing (tests/test_cold_imports.py)

from simnet.links.packet6 import (ALL_MLDV2_ROUTERS, ALL_NODES, ALL_ROUTERS, MLD2_REPORT, Icmp6, IPv6Packet,
                                  multicast_mac, solicited_node)

if TYPE_CHECKING:
    from simnet.core.events import Timer
    from simnet.kernel.interface import Interface
    from simnet.kernel.node import Node

__all__ = ["Mld", "wanted", "observed"]

INTERFACE_ALL_NODES = IPv6Address("ff01::1")
INTERFACE_ALL_ROUTERS = IPv6Address("ff01::2")
SITE_ALL_ROUTERS = IPv6Address("ff05::2")
ROBUSTNESS = 2                 # mc_qrv
REPORT_INTERVAL = 1.0          # mld_unsolicited_report_interval (MLDv2)


def reportable(group: IPv6Address) -> bool:
    """igmp6_join_group/mld_send_cr skip ff02::1 and groups of interface-local scope."""
    return group != ALL_NODES and (int(group) >> 112) & 0xF >= 2


def wanted(node: "Node", iface: "Interface") -> list[tuple[IPv6Address, int]]:
    """The groups ``iface`` is in, in the order the kernel joins them, with their users."""
    ip6 = node.ip6
    if not ip6.enabled(iface.name) or iface.name in ip6.no_idev or iface.mtu < 1280:
        return []
    users: dict[IPv6Address, int] = {INTERFACE_ALL_NODES: 1, ALL_NODES: 1}
    noarp = iface.is_loopback or iface.kind == "tun"
    # join order: by when each address came (at one instant dev_up's link-local is the first)
    ordered = sorted(iface.addresses6, key=lambda a: (a.added, a.scope != "link"))
    if not noarp:
        for a in ordered:
            g = solicited_node(a.ip)
            users[g] = users.get(g, 0) + 1
    if not iface.is_loopback and node.sysctl.get_int(f"net.ipv6.conf.{iface.name}.forwarding"):
        for g in (ALL_ROUTERS, INTERFACE_ALL_ROUTERS, SITE_ALL_ROUTERS):
            users[g] = users.get(g, 0) + 1
        anycast = []
        for a in ordered:
            net = a.network.network_address
            if a.network.prefixlen < 127 and net not in anycast:
                anycast.append(net)
        if not noarp:
            for net in anycast:
                g = solicited_node(net)
                users[g] = users.get(g, 0) + 1
    stack = ip6._stack                   # groups sockets joined; no packet path yet, no sockets
    for g in sorted(stack.joined.get(iface.name, ()) if stack is not None else ()):
        users[g] = users.get(g, 0) + 1
    return list(users.items())


class Mld:
    """One node's memberships (per device, newest first) and the reports still to send."""

    def __init__(self, node: "Node") -> None:
        self.node = node
        self.groups: dict[str, list[tuple[IPv6Address, int]]] = {}
        self.pending: dict[str, dict[IPv6Address, tuple[str, int]]] = {}    # group -> (mode, reports left)
        self.timers: list["Timer"] = []
        self.sent = 0

    def listing(self, iface: "Interface") -> list[tuple[IPv6Address, int]]:
        """``ip maddr``'s inet6 lines of ``iface``: (group, users), newest first."""
        self.sync(iface)
        return list(self.groups.get(iface.name, []))

    def sync(self, iface: "Interface") -> bool:
        """Bring the membership list up to date; True if a reportable group came or went."""
        now = dict(wanted(self.node, iface))
        old = self.groups.get(iface.name, [])
        have = {g for g, _ in old}
        kept = [(g, now[g]) for g, _ in old if g in now]
        fresh = [g for g in now if g not in have]
        for g in fresh:                      # each join goes to the front of the list
            kept.insert(0, (g, now[g]))
        self.groups[iface.name] = kept
        pending = self.pending.setdefault(iface.name, {})
        changed = False
        for g in fresh:
            if reportable(g):
                pending[g] = ("to_ex", ROBUSTNESS)
                changed = True
        for g in have - set(now):
            if reportable(g):
                pending[g] = ("to_in", ROBUSTNESS)
                changed = True
        return changed

    # --------------------------------------------------------------- events
    def link_up(self, iface: "Interface") -> None:
        """ipv6_mc_up: the groups are joined (their change counters set); initial reports from ::."""
        if self._silent(iface):
            return
        self.sync(iface)
        self._twice(iface, initial=True)

    def dad_done(self, iface: "Interface") -> None:
        """ipv6_mc_dad_complete: the first link-local is valid; the initial reports again, from it."""
        if not self._silent(iface):
            self._twice(iface, initial=True)

    def changed(self, iface: "Interface") -> None:
        """An address or forwarding changed: state-change reports if a reportable group came or went."""
        if self.sync(iface) and not self._silent(iface) and iface.admin_up:
            self._twice(iface, initial=False)

    def socket_changed(self, iface: "Interface") -> None:
        """A socket joined or left a group (radvd's IPV6_ADD/DROP_MEMBERSHIP of ff02::2): if the
        group came or went, the two reports name only it (the recording kernel leaves the other
        groups' counters alone here, unlike an address change)."""
        before = {g for g, _ in self.groups.get(iface.name, [])}
        if not self.sync(iface) or self._silent(iface) or not iface.admin_up:
            return
        pending = self.pending.setdefault(iface.name, {})
        came = tuple(g for g, _ in self.groups.get(iface.name, []) if g not in before and reportable(g))
        for g in came:
            pending[g] = ("to_ex", pending[g][1] - 1)
        self._twice(iface, initial=False, joins=came)

    def quiet(self) -> None:
        """A box that has been up for a while: its reports went out long ago."""
        for t in self.timers:
            t.cancel()
        self.timers.clear()
        for iface in self.node.interfaces.values():
            self.sync(iface)
        self.pending.clear()

    def _silent(self, iface: "Interface") -> bool:
        return iface.is_loopback or iface.kind == "tun" or not iface.admin_up

    def _twice(self, iface: "Interface", initial: bool, joins: "tuple[IPv6Address, ...] | None" = None) -> None:
        """Now, and once more after a random delay below the report interval (a hash stands in
        for the kernel's random number, so a lab runs the same every time). A state-change cycle
        names every joined group whose change counter is left, in both reports, and counts each
        down once; a leave record is counted down by every report (as the recording kernel does)."""
        self.sent += 1
        seed = zlib.crc32(f"{self.node.name}/{iface.name}/mld/{self.sent}".encode()) / 2**32
        if not initial and joins is None:
            pending = self.pending.setdefault(iface.name, {})
            joins = tuple(g for g, _ in self.groups.get(iface.name, [])
                          if pending.get(g, ("", 0))[0] == "to_ex" and pending[g][1])
            for g in joins:
                pending[g] = ("to_ex", pending[g][1] - 1)
        sim = self.node.sim
        self.timers = [t for t in self.timers if not t.cancelled and t.when >= sim.now]
        self.timers.append(sim.schedule(0.0, self._report, iface, joins))
        self.timers.append(sim.schedule(seed * REPORT_INTERVAL, self._report, iface, joins))

    def _report(self, iface: "Interface", joins: tuple[IPv6Address, ...] | None) -> None:
        """One report: the initial one (``joins`` None) names every reportable group."""
        if self._silent(iface) or self.node.interfaces.get(iface.name) is not iface:
            return
        pending = self.pending.setdefault(iface.name, {})
        if joins is None:
            records = [("to_ex", g) for g, _ in self.groups.get(iface.name, []) if reportable(g)]
        else:
            records = [("to_ex", g) for g in joins]
        for g, (mode, left) in list(pending.items()):
            if mode == "to_in" and left:
                records.insert(0, ("to_in", g))
                pending[g] = (mode, left - 1)
        if not records:
            return
        if not self._observed(iface):
            return
        ll = next((a.ip for a in iface.addresses6 if a.scope == "link" and not a.tentative), IPv6Address(0))
        pkt = IPv6Packet(ll, ALL_MLDV2_ROUTERS, Icmp6(MLD2_REPORT, records=tuple(records)), hlim=1)
        self.node.ip6.stack.emit(iface, multicast_mac(ALL_MLDV2_ROUTERS), pkt)

    def _observed(self, iface: "Interface") -> bool:
        return observed(self.node, iface)


def observed(node: "Node", iface: "Interface") -> bool:
    """Could anyone see a packet the kernel sends by itself to a group nobody else acts on? No
    simnet node joins ff02::16, so every receiver drops an MLD report at its multicast filter;
    only a capture (here or on the segment) or a bridge or VLAN that passes it on can show it.
    Unseen ones are not sent: on a LAN of a thousand hosts they would cost millions of
    deliveries nobody can observe."""
    if iface.bridge is not None or iface.lower is not None or iface.master is not None or node.captures:
        return True
    seg = iface.segment
    return seg is not None and seg.observed(iface)
