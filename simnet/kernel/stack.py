"""The IPv4 packet path of one node, in the kernel's order of work.

receive → PREROUTING (conntrack, DNAT) → routing decision → INPUT → socket
                                                          ↘ FORWARD → POSTROUTING (SNAT) → ARP → wire
local process → routing decision → OUTPUT → POSTROUTING → ARP → wire

Each decision is recorded as a step in the packet's journey, and each drop
finishes the journey with a :class:`~simnet.trace.Disposition` and the facts
the German explanation needs. Packets bigger than a link's MTU travel whole
but are counted and checked as the fragments the kernel would send
(:func:`~simnet.links.packet.refragment`). Beside this module: ICMP errors and
path MTU in :mod:`simnet.kernel.icmp`, local delivery in
:mod:`simnet.kernel.sockets`, source addresses in :mod:`simnet.kernel.source`,
ARP in :mod:`simnet.kernel.arp`, the reverse-path filter in :mod:`simnet.kernel.rpfilter`.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from ipaddress import IPv4Address, IPv4Network
TYPE_CHECKING = False      # typing's, without importing typing: ~4 ms of every cold start (issue 20)

from simnet.core.errors import KernelError
from simnet.kernel import nat, nfhook, redirect
from simnet.kernel import arp, icmp, rpfilter, sockets, source
from simnet.kernel.icmplimit import IcmpRateLimiter
from simnet.kernel.netfilter import PacketContext
from simnet.kernel.routing import Route, RouteError
from simnet.links.mac import BROADCAST, MacAddress
from simnet.links.packet import (DEST_UNREACH, FRAG_NEEDED, HOST_UNREACH, NET_UNREACH, PKT_FILTERED,
                                 TIME_EXCEEDED, ArpPacket, Frame, IPv4Packet, refragment)
from simnet.trace import Disposition

if TYPE_CHECKING:
    from typing import Any, Callable
    from simnet.kernel.interface import Interface
    from simnet.kernel.neighbour import NeighbourEntry
    from simnet.kernel.node import Node
    from simnet.links.packet6 import IPv6Packet

__all__ = ["Stack", "SendError"]

_LOADED: "dict[str, Any]" = {}


def _lazy(name: str) -> "Any":
    """simnet.kernel.bridge or .vlan: loaded with the first frame they carry, not with every kernel
    (issue 20), then kept here, so a switched LAN's frames pay a dict lookup, not an import."""
    module = _LOADED.get(name)
    if module is None:
        module = _LOADED[name] = __import__(f"simnet.kernel.{name}", fromlist=[name])
    return module

LOOPBACK_DELAY = 0.000005
CARRIER_ALWAYS = ("loopback", "dummy", "tun")    # Interface.has_carrier, inlined on the hot path
# The forwarding path records its steps as (kind, action, keys, values): a tuple of values is
# cheaper to build than a dict, and Journey.freeze zips them into the same Step as _step's.
_RECEIVE_KEYS = ("dev", "src", "dst", "ttl")
_ROUTE_KEYS = ("dst", "route", "table", "dev", "gateway")
_FORWARD_KEYS = ("ttl", "dev_in", "dev_out")
_ARP_KEYS = ("ip", "mac", "dev", "state")
_SEND_KEYS = ("dev", "nexthop")
ANY = IPv4Address(0)
ROUTE_ERRORS = {
    "no-route": (Disposition.NO_ROUTE, NET_UNREACH),
    "unreachable": (Disposition.UNREACHABLE_ROUTE, HOST_UNREACH),
    "rule-unreachable": (Disposition.UNREACHABLE_ROUTE, NET_UNREACH),
    "prohibit": (Disposition.PROHIBIT_ROUTE, PKT_FILTERED),
    "blackhole": (Disposition.BLACKHOLE, None),
}


class SendError(KernelError):
    """A local send failed before the packet left (errno text as the tools print it)."""

    def __init__(self, errno_text: str, stage: str, packet: "IPv4Packet | None" = None, mtu: int = 0) -> None:
        super().__init__(errno_text)
        self.stage = stage     # connect (routing) or sendmsg (netfilter, or the path MTU)
        self.packet = packet   # for sendmsg: the packet as it was when netfilter stopped it
        self.mtu = mtu         # EMSGSIZE: the path MTU the packet did not fit (ee_info)


@dataclass(slots=True)
class _Path:
    """Per-packet state while it travels through one node."""

    ctx: PacketContext
    ct: "nat.CtRef | None" = None
    route: Route | None = None
    steps: list | None = None      # this node's step list in the packet's journey (hot path)


_NO_CONTEXT = PacketContext()     # shared by packets on nodes without netfilter tables (never read)


class Stack:
    def __init__(self, node: "Node") -> None:
        self.node = node
        self.sockets: dict[tuple, Callable[..., Any]] = {}
        # AF_PACKET sockets (dhclient's LPF) per device: they see an IPv4 frame before the IP
        # layer does; a handler that returns True has taken it (an address we do not have yet)
        self.packet_sockets: dict[str, Callable[[Any, "Interface"], bool]] = {}
        self.tun_handlers: dict[str, Callable[[IPv4Packet], None]] = {}
        # set by services whose kernel state is brought up to date lazily (tailscaled)
        self.refresh: Callable[[], None] | None = None
        # observers of local output routing decisions (tailscaled notes bypassed tailnet routes)
        self.output_hooks: list[Callable[[IPv4Packet, Route], None]] = []
        self._ident = 0
        self.icmp_limiter = IcmpRateLimiter()
        self.pmtu = icmp.PathMtu(self)
        self.redirects = redirect.Redirects()

    # ------------------------------------------------------------------ helpers
    @property
    def name(self) -> str:
        return self.node.name

    def next_ident(self) -> int:
        self._ident = (self._ident + 1) & 0xFFFF
        return self._ident

    def _hop_steps(self, pkt: IPv4Packet) -> list | None:
        """The list this node appends its steps to (Journey.step without the call per step).

        The forwarding path fetches it once and appends (kind, action, keys, values) tuples:
        a hop records five steps, and keyword arguments for each were a fifth of its cost.
        """
        journey = pkt.journey
        if journey is None:
            return None
        hops = journey.hops
        name = self.node.name
        if hops:
            last = hops[-1]
            if last[0] == name and last[1] == journey.leg and last[3] == journey.underlay:
                return last[2]
        steps: list = []
        hops.append((name, journey.leg, steps, journey.underlay))
        return steps

    def _step(self, pkt: Any, kind: str, action: str, /, **detail: Any) -> None:   # IPv4, IPv6 or ARP
        steps = self._hop_steps(pkt)
        if steps is not None:
            steps.append((kind, action, detail))

    def _finish(self, pkt: "IPv4Packet | IPv6Packet", disposition: Disposition, **reason: Any) -> None:
        if pkt.journey is not None:
            pkt.journey.finish(disposition, self.name, **reason)

    def _tap(self, iface: "Interface", direction: str, frame: Any) -> None:
        for cap in self.node.captures:
            if cap.dev in (iface.name, "any"):
                cap.record(self.node.sim.now, direction, iface, frame)

    def _context(self, in_iface: str | None, out_iface: str | None) -> PacketContext:
        return PacketContext(in_iface, out_iface, locals_fn=self.node.local_addresses, now=self.node.sim.now)

    def _usable(self, route: Route) -> bool:
        """A route through a device that is down is skipped (fib_sync_down_dev marks its nexthop
        dead), except the host-scope local routes, which stay usable."""
        if route.dev is None or route.type == "local":
            return True
        iface = self.node.interfaces.get(route.dev)
        return iface is not None and iface.admin_up

    def select_source(self, dev: str | None, target: IPv4Address | None, scope: str = "global") -> IPv4Address | None:
        """inet_select_addr (see :func:`simnet.kernel.source.select_source`)."""
        return source.select_source(self.node, dev, target, scope)

    def route_output(self, dst: IPv4Address, src: IPv4Address | None = None, oif: str | None = None,
                     mark: int = 0) -> tuple[Route, IPv4Address | None]:
        """Route a locally generated packet; raises RouteError.

        With an output device (``ping -I eth0``, SO_BINDTODEVICE) a failed lookup is not
        an error: the kernel "assumes that the destination is on link" and sends it
        out of that device (ip_route_output_key_hash_rcu), unless the device is down.
        """
        if self.refresh is not None:
            self.refresh()
        if oif is not None:
            dev = self.node.interfaces.get(oif)
            if dev is None:
                raise RouteError("No such device", "no-route")
            if not dev.admin_up:
                raise RouteError("Network is unreachable", "no-route")
        try:
            res = self.node.routing.lookup(dst, src=src, oif=oif, mark=mark, usable=self._usable)
        except RouteError:
            if oif is None:
                raise
            route = Route(IPv4Network(dst), dev=oif, scope="link", proto="kernel")
            return route, src if src is not None else self.select_source(oif, None, "link")
        route = redirect.apply_exception(self, dst, res.route)
        if src is None:
            src = source.route_source(self.node, route, dst)
        return route, src

    def route_connect(self, dst: IPv4Address, src: IPv4Address | None = None, oif: str | None = None,
                      mark: int = 0) -> tuple[Route, IPv4Address | None]:
        """ip_route_connect (connect() on a socket): like :meth:`route_output`, but a socket
        without a source looks up a second time with the source it got, so a ``from`` rule
        with blackhole/unreachable/prohibit fails the connect. (Packets sent later without
        a bound source are routed once, without it: ``ip rule … from … lookup`` does not
        steer an unbound ping.)"""
        route, chosen = self.route_output(dst, src, oif, mark)
        if src is None and chosen is not None and self.node.routing.has_source_rules:
            res = self.node.routing.lookup(dst, src=chosen, oif=oif, mark=mark, usable=self._usable)
            route = redirect.apply_exception(self, dst, res.route)
        return route, chosen

    # ------------------------------------------------------------ local output
    def send(self, pkt: IPv4Packet, oif: str | None = None, mark: int = 0, pmtudisc: str = "want") -> IPv4Packet:
        """Send a packet from a local process. Returns it with the source filled in.

        ``pmtudisc`` is the socket's IP_MTU_DISCOVER mode: ``want`` (the default) sets DF
        only on what fits the path MTU and fragments the rest here; ``do`` and ``probe``
        always set DF, and ``do`` refuses a packet above the path MTU with EMSGSIZE;
        ``dont`` never sets DF, so routers fragment. Raises :class:`SendError` like
        connect()/sendmsg() would fail.
        """
        if self.refresh is not None:
            self.refresh()
        try:
            route, src = self.route_output(pkt.dst, pkt.src if pkt.src != ANY else None, oif, mark)
        except RouteError as exc:
            self._step(pkt, "routing", "no-route", dst=pkt.dst, error=exc.errno_text, kind=exc.kind)
            disposition = ROUTE_ERRORS[exc.kind][0]
            self._finish(pkt, disposition, dst=pkt.dst, local=True)
            raise SendError(exc.errno_text, "connect") from None
        if src is None:
            src = ANY
        # IP_PMTUDISC_WANT (the default): DF only on what fits the route's MTU, the rest
        # is fragmented here (ip_make_skb)
        if pmtudisc == "want":
            dont_fragment = pkt.dont_fragment and pkt.length <= self.path_mtu(pkt.dst, route.dev)
        elif pmtudisc == "dont":
            dont_fragment = False
        else:
            dont_fragment = True
            mtu = self.path_mtu(pkt.dst, route.dev)
            if pmtudisc == "do" and pkt.length > mtu:
                self._step(pkt, "routing", "too-big", length=pkt.length, mtu=mtu, dev=route.dev)
                self._finish(pkt, Disposition.FRAG_NEEDED, length=pkt.length, mtu=mtu, dev=route.dev, local=True)
                raise SendError("Message too long", "sendmsg", mtu=mtu)
        pkt = replace(pkt, src=src, ident=pkt.ident or self.next_ident(), dont_fragment=dont_fragment)
        self._step(pkt, "routing", "route", dst=pkt.dst, route=route, table=route.table,
                   dev=route.dev, gateway=route.gateway, src=src)
        for hook in self.output_hooks:
            hook(pkt, route)
        path = _Path(self._context(None, route.dev), route=route)
        path.ctx.mark = mark
        pkt, path.ct = nat.ct_in(self.node, pkt, path.ctx)
        # NF_DROP (DROP, and REJECT after its answer) fails the sendmsg with EPERM; the
        # journey already records where and why, the tools decide what they print
        pre, _, post = self.node.netfilter.split_at("ipv4", "output")
        if pre and nfhook.run(self, pre, pkt, path) is not None:
            raise SendError("Operation not permitted", "sendmsg", pkt)
        dst_before = pkt.dst
        pkt = self._nat_pre(pkt, path, "OUTPUT")  # type: ignore[assignment]
        if pkt is None:
            raise SendError("Operation not permitted", "sendmsg")
        if pkt.dst != dst_before:
            self._reroute(pkt, path, mark)
        if post and nfhook.run(self, post, pkt, path) is not None:
            raise SendError("Operation not permitted", "sendmsg", pkt)
        self._postrouting(pkt, path)
        return pkt

    def _reroute(self, pkt: IPv4Packet, path: _Path, mark: int) -> None:
        """ip_route_me_harder: nat OUTPUT changed the destination (a DNAT rule, or conntrack
        turning an ICMP error about a masqueraded packet back to the original sender), so
        the packet is routed again, keeping its source."""
        try:
            route, _ = self.route_output(pkt.dst, pkt.src, None, mark)
        except RouteError:
            return            # the old route stays, as ip_route_me_harder leaves the skb's dst on failure
        self._step(pkt, "routing", "route", dst=pkt.dst, route=route, table=route.table,
                   dev=route.dev, gateway=route.gateway, src=pkt.src)
        path.route = route
        path.ctx.out_iface = route.dev

    def send_local_error(self, pkt: IPv4Packet) -> None:
        """Send a kernel-generated packet (ICMP error or reply); failures are recorded, not raised."""
        try:
            self.send(pkt)
        except SendError:
            pass

    def _nat_pre(self, pkt: IPv4Packet, path: _Path, hook: str) -> IPv4Packet | None:
        """nat PREROUTING/OUTPUT: DNAT for new connections (rules), else from conntrack."""
        return nat.nat_hook(self, pkt, path, hook)

    def _postrouting(self, pkt: IPv4Packet, path: _Path) -> None:
        route = path.route
        assert route is not None
        if self.node.netfilter.tables:
            pre = self.node.netfilter.split_at("ipv4", "postrouting")[0]
            if pre and nfhook.run(self, pre, pkt, path) is not None:
                return
            out = self._nat_confirm(pkt, path, "POSTROUTING")
            if out is None:
                return
            pkt = out
        self.dst_output(pkt, route)

    def _nat_confirm(self, pkt: IPv4Packet, path: _Path, hook: str) -> IPv4Packet | None:
        """The last hook of a packet's way through this node: source NAT (POSTROUTING) or
        the INPUT nat chain, then the conntrack entry is confirmed (__nf_conntrack_confirm)."""
        out = nat.nat_hook(self, pkt, path, hook)
        post = self.node.netfilter.split_at("ipv4", hook.lower())[2]
        if out is not None and post and nfhook.run(self, post, out, path) is not None:
            return None
        if out is not None:
            nat.ct_confirm(self.node, out, path.ct)
        return out

    def dst_output(self, pkt: IPv4Packet, route: Route) -> None:
        """Hand the packet to its device: loopback, a tun driver, or ARP + Ethernet."""
        iface = self.node.interfaces.get(route.dev or "lo")
        # lo is NOARP and hands back everything it is given, also a unicast sent "on link" there
        if route.type == "local" or iface is not None and iface.kind == "loopback" or \
                route.type == "broadcast" and iface is None:
            lo = self.node.interfaces["lo"]
            self._step(pkt, "transmit", "loopback", dev="lo")
            # loopback_xmit counts the IP packet (no Ethernet header) once out and once in
            length = pkt.length
            lo.counters.tx_packets += 1
            lo.counters.tx_bytes += length
            lo.counters.rx_packets += 1
            lo.counters.rx_bytes += length
            if self.node.captures:
                # lo hands each packet to packet sockets twice: going out and coming in
                self._tap(lo, "out", pkt)
                self._tap(lo, "in", pkt)
            self.node.sim.post(LOOPBACK_DELAY, self.ip_rcv, pkt, lo)
            return
        if iface is None or not iface.admin_up or iface.segment is None and iface.kind not in CARRIER_ALWAYS \
                and iface.bridge is None and iface.lower is None:
            self._step(pkt, "transmit", "down", dev=route.dev)
            self._finish(pkt, Disposition.INTERFACE_DOWN, dev=route.dev)
            return
        handler = self.tun_handlers.get(iface.name)
        if iface.kind == "tun" or handler is not None:
            iface.counters.tx_packets += 1
            iface.counters.tx_bytes += pkt.length
            self._tap(iface, "out", pkt)
            if handler is None:
                self._finish(pkt, Disposition.INTERFACE_DOWN, dev=iface.name)
                return
            self._step(pkt, "transmit", "tunnel", dev=iface.name)
            handler(pkt)
            return
        nexthop = route.gateway or pkt.dst
        if route.type == "broadcast" or pkt.dst._ip == 0xFFFFFFFF:  # type: ignore[attr-defined]  # 255.255.255.255
            self._emit(iface, BROADCAST, pkt)
            return
        self.node.neigh.resolve(iface.name, nexthop, pkt)

    def emit_raw(self, iface: "Interface", dst_mac: MacAddress, pkt: IPv4Packet) -> None:
        """Send a frame the way an AF_PACKET socket does (dhclient's LPF): no routing, no
        netfilter, straight to the device."""
        self._step(pkt, "transmit", "packet-socket", dev=iface.name)
        self._emit(iface, dst_mac, pkt)

    def _emit(self, iface: "Interface", dst_mac: MacAddress, payload: Any) -> None:
        if type(payload) is ArpPacket:
            size = 42
        else:
            length = payload._length            # IPv4Packet.length without the call once known
            size = 14 + (length if length >= 0 else payload.length)
        if type(payload) is IPv4Packet and (size - 14 > iface.mtu or payload.frags or payload.frag_max) \
                and (frags := refragment(payload, iface.mtu)):
            payload = replace(payload, frags=frags, frag_max=0)
            frame = Frame(iface.mac, dst_mac, payload, sum(frags) + 14 * len(frags), frags)
            self._step(payload, "transmit", "fragment", dev=iface.name, mtu=iface.mtu, fragments=len(frags))
            iface.counters.tx_packets += len(frags)
            iface.counters.tx_bytes += frame.size
            if self.node.captures:
                self._tap(iface, "out", frame)
            self._wire(iface, frame)
            return
        frame = Frame(iface.mac, dst_mac, payload, size)
        counters = iface.counters
        counters.tx_packets += 1
        counters.tx_bytes += size
        if self.node.captures:
            self._tap(iface, "out", frame)
        if iface.segment is not None:
            iface.segment.transmit(frame, iface)
        else:
            self._wire(iface, frame)

    def _wire(self, iface: "Interface", frame: Frame) -> None:
        """Where a frame goes after the device: its segment, the bridge behind br0, or the
        lower device of a VLAN device (tagged)."""
        if iface.segment is not None:
            iface.segment.transmit(frame, iface)
        elif iface.bridge is not None:
            iface.bridge.transmit(frame)
        elif iface.lower is not None:
            _lazy("vlan").transmit(self.node, iface, frame)

    # ------------------------------------------------------------ neighbours
    def neigh_transmit(self, entry: "NeighbourEntry", pkt: IPv4Packet) -> None:
        iface = self.node.interfaces.get(entry.dev)
        if iface is None or entry.mac is None:
            return
        steps = self._hop_steps(pkt)
        if steps is not None:
            steps.append(("arp", "resolved", _ARP_KEYS, (entry.ip, entry.mac, entry.dev, entry.state)))
            steps.append(("transmit", "send", _SEND_KEYS, (entry.dev, entry.ip)))
        self._emit(iface, entry.mac, pkt)

    def neigh_failed(self, entry: "NeighbourEntry", pkt: IPv4Packet) -> None:
        self._step(pkt, "arp", "failed", ip=entry.ip, dev=entry.dev)
        self._finish(pkt, Disposition.ARP_FAILED, ip=entry.ip, dev=entry.dev)
        self.icmp_error(pkt, DEST_UNREACH, HOST_UNREACH)

    def send_arp_request(self, dev: str, ip: IPv4Address, unicast: MacAddress | None) -> None:
        """The neighbour table's solicit: see :func:`simnet.kernel.arp.send_request`."""
        arp.send_request(self, dev, ip, unicast)

    # ----------------------------------------------------------------- input
    def receive_flooded(self, frame: Frame, iface: "Interface") -> None:
        """A unicast frame for a MAC the segment does not know reached everyone: a bridge
        port takes it, a host's NIC shows it to tcpdump and drops it (PACKET_OTHERHOST)."""
        if iface.master is not None or frame.dst.value == iface.mac.value:
            self.receive_frame(frame, iface)
            return
        if iface.admin_up and iface.segment is not None and self.node.captures:
            self._tap(iface, "in", frame)

    def receive_frame(self, frame: Frame, iface: "Interface") -> None:
        # the frame came over a segment, so carrier means "still plugged in"
        if not iface.admin_up or iface.name not in self.node.interfaces:
            return
        if iface.segment is None:
            if iface.bridge is None and iface.lower is None:
                return
        elif iface.master is not None:
            _lazy("bridge").port_receive(self.node, frame, iface)
            return
        if frame.vlan:
            _lazy("vlan").receive(self.node, frame, iface)
            return
        payload = frame.payload
        if type(payload) is ArpPacket:
            iface.counters.rx_packets += 1
            iface.counters.rx_bytes += frame.size
            if self.node.captures:
                self._tap(iface, "in", frame)
            arp.receive(self, payload, iface)
            return
        if type(payload) is not IPv4Packet:
            self.node.ip6.stack.receive(frame, iface)      # IPv6: simnet.kernel.ipv6.stack6
            return
        frags = frame.frags
        length = max(frags) if frags else frame.size - 14
        if length > iface.mtu:
            # a veth drops frames bigger than its MTU before anyone sees them
            self._step(payload, "receive", "too-big", dev=iface.name, length=length, mtu=iface.mtu)
            self._finish(payload, Disposition.MTU_EXCEEDED, dev=iface.name, length=length, mtu=iface.mtu)
            return
        iface.counters.rx_packets += len(frags) if frags else 1
        iface.counters.rx_bytes += frame.size
        if self.node.captures:
            self._tap(iface, "in", frame)
        if self.packet_sockets:
            lpf = self.packet_sockets.get(iface.name)
            if lpf is not None and lpf(payload, iface):
                return
        self.ip_rcv(payload, iface)

    def receive_tunnel(self, pkt: IPv4Packet, iface: "Interface") -> None:
        """A decapsulated packet appears on a tun device (tailscale0)."""
        iface.counters.rx_packets += 1
        iface.counters.rx_bytes += pkt.length
        self._tap(iface, "in", pkt)
        if type(pkt) is not IPv4Packet:
            self.node.ip6.stack.rcv(pkt, iface)  # type: ignore[arg-type]  # an IPv6Packet
            return
        self.ip_rcv(pkt, iface)

    def ip_rcv(self, pkt: IPv4Packet, iface: "Interface") -> None:
        if self.refresh is not None:
            self.refresh()
        steps = self._hop_steps(pkt)
        if steps is not None:
            steps.append(("receive", "in", _RECEIVE_KEYS, (iface.name, pkt.src, pkt.dst, pkt.ttl)))
        if not self.node.netfilter.tables:
            # no tables, no hooks: nobody reads the packet context, so skip building one
            self._route_input(pkt, iface, _Path(_NO_CONTEXT, steps=steps))
            return
        if pkt.frags:
            # nf_defrag_ipv4: with netfilter in use the router reassembles before conntrack
            pkt = replace(pkt, frags=(), frag_max=max(pkt.frags))
        path = _Path(self._context(iface.name, None), steps=steps)
        pkt, path.ct = nat.ct_in(self.node, pkt, path.ctx)
        pre, _, post = self.node.netfilter.split_at("ipv4", "prerouting")
        if pre and nfhook.run(self, pre, pkt, path) is not None:
            return
        out = self._nat_pre(pkt, path, "PREROUTING")
        if out is None or post and nfhook.run(self, post, out, path) is not None:
            return
        self._route_input(out, iface, path)

    def _route_input(self, pkt: IPv4Packet, iface: "Interface", path: _Path) -> None:
        node = self.node
        forwarding, rp_mode = node.sysctl.input_flags(iface.name)
        if pkt.dst._ip == 0xFFFFFFFF and not iface.is_loopback:  # type: ignore[attr-defined]
            # ip_route_input_slow: the limited broadcast is ours before any FIB lookup (brd_input);
            # a zero source (a DHCP client without an address) skips the source check
            if pkt.src._ip and not rpfilter.source_valid(self, pkt, iface, True, rp_mode):  # type: ignore[attr-defined]
                return
            self._step(pkt, "routing", "local", dst=pkt.dst, table="broadcast")
            self._local_in(pkt, iface, path)
            return
        try:
            res = node.routing.lookup(pkt.dst, src=pkt.src, iif=iface.name, mark=path.ctx.mark,
                                      usable=self._usable)
        except RouteError as exc:
            if not forwarding and not iface.is_loopback:
                self._step(pkt, "forwarding", "disabled", dev=iface.name)
                self._finish(pkt, Disposition.FORWARDING_DISABLED, dev=iface.name, dst=pkt.dst)
                return
            disposition, code = ROUTE_ERRORS[exc.kind]
            self._step(pkt, "routing", "no-route", dst=pkt.dst, kind=exc.kind,
                       route=exc.route)
            self._finish(pkt, disposition, dst=pkt.dst, route=exc.route)
            if code is not None and icmp.route_error_allowed(self, pkt):
                self.icmp_error(pkt, DEST_UNREACH, code)
            return
        route = res.route
        path.route = route
        if route.type in ("local", "broadcast"):
            if not rpfilter.source_valid(self, pkt, iface, True, rp_mode):
                return
            self._step(pkt, "routing", "local", dst=pkt.dst, table=route.table)
            self._local_in(pkt, iface, path)
            return
        steps = path.steps
        if steps is not None:
            steps.append(("routing", "route", _ROUTE_KEYS, (pkt.dst, route, route.table, route.dev, route.gateway)))
        if not forwarding:
            self._step(pkt, "forwarding", "disabled", dev=iface.name)
            self._finish(pkt, Disposition.FORWARDING_DISABLED, dev=iface.name, dst=pkt.dst)
            return
        if not rpfilter.source_valid(self, pkt, iface, False, rp_mode):
            return
        self._forward(pkt, iface, path)

    def _forward(self, pkt: IPv4Packet, iface: "Interface", path: _Path) -> None:
        route = path.route
        assert route is not None
        if pkt.ttl <= 1:
            self._step(pkt, "ttl", "exceeded", ttl=pkt.ttl)
            self._finish(pkt, Disposition.TTL_EXCEEDED, ttl=pkt.ttl)
            self.icmp_error(pkt, TIME_EXCEEDED, 0, in_iface=iface)
            return
        out = self.node.interfaces.get(route.dev) if pkt.dont_fragment else None  # type: ignore[arg-type]
        if out is not None and (pkt._length if pkt._length >= 0 else pkt.length) > out.mtu:
            # ip_forward: a DF packet that does not fit is not fragmented but refused (PMTU discovery)
            mtu = out.mtu
            self._step(pkt, "forwarding", "frag-needed", length=pkt.length, mtu=mtu, dev=route.dev)
            self._finish(pkt, Disposition.FRAG_NEEDED, length=pkt.length, mtu=mtu, dev=route.dev)
            self.icmp_error(pkt, DEST_UNREACH, FRAG_NEEDED, mtu=mtu)
            return
        if route.dev == iface.name and redirect.should_redirect(self, pkt, iface, route):
            self._step(pkt, "icmp", "redirect", gateway=route.gateway or pkt.dst, to=pkt.src)
            redirect.send_redirect(self, pkt, route)
        pkt = pkt.with_ttl(pkt.ttl - 1)
        steps = path.steps
        if steps is not None:
            steps.append(("forwarding", "forward", _FORWARD_KEYS, (pkt.ttl, iface.name, route.dev)))
        if self.node.netfilter.tables:
            path.ctx.out_iface = route.dev
            chains = self.node.netfilter.split_at("ipv4", "forward")[0]
            if chains and nfhook.run(self, chains, pkt, path) is not None:
                return
            self._postrouting(pkt, path)
            return
        self.dst_output(pkt, route)

    def _local_in(self, pkt: IPv4Packet, iface: "Interface", path: _Path) -> None:
        pre = self.node.netfilter.split_at("ipv4", "input")[0]
        if pre and nfhook.run(self, pre, pkt, path) is not None:
            return
        out = self._nat_confirm(pkt, path, "INPUT")
        if out is not None:
            self.deliver(out, iface)


    # ---------------------------------------------------- delivery and ICMP
    def deliver(self, pkt: IPv4Packet, iface: "Interface") -> None:
        """Hand a packet for us to its socket, or answer it (echo, port unreachable, RST)."""
        sockets.deliver(self, pkt, iface)

    def icmp_error(self, offending: IPv4Packet, icmp_type: int, code: int,
                   in_iface: "Interface | None" = None, force_src: IPv4Address | None = None,
                   gateway: IPv4Address | None = None, mtu: int = 0) -> None:
        """icmp_send (rate-limited); see :func:`simnet.kernel.icmp.send_error`."""
        icmp.send_error(self, offending, icmp_type, code, force_src=force_src, gateway=gateway, mtu=mtu)

    def path_mtu(self, dst: IPv4Address, dev: str | None) -> int:
        """The device's MTU, or less if a "fragmentation needed" taught us so."""
        return self.pmtu.path_mtu(dst, dev)

    def pmtu_exception(self, dst: IPv4Address) -> tuple[int, float] | None:
        """(mtu, expires) learned for ``dst``, as ``ip route get`` shows it in its cache line."""
        return self.pmtu.exception(dst)
