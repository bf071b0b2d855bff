"""The IPv6 packet path of one node (``node.ip6.stack``): output, neighbour
discovery (its messages in :mod:`simnet.kernel.ipv6.ndisc`), input and the kernel's own
ICMPv6 answers.

local process → route (fib6) → source address → ND → wire
wire → address check (own, tentative, multicast group) → ICMPv6: echo, NS/NA, errors to sockets

Neighbour discovery uses the same state machine as ARP
(:class:`~simnet.kernel.neighbour.NeighbourTable`, its own instance): a
solicitation goes to the target's solicited-node group, the answer is a
unicast advertisement; three unanswered solicitations one second apart make
the entry FAILED and the sender gets "Address unreachable". The IPv4 path in
:mod:`simnet.kernel.stack` only hands IPv6 frames over.
"""
from __future__ import annotations

from ipaddress import IPv6Address
TYPE_CHECKING = False      # typing's, without importing typing: ~4 ms of every cold start (issue 20)

from simnet.kernel.ipv6.addr import LOOPBACK
from simnet.kernel.ipv6.fib6 import Route6
from simnet.kernel.ipv6.ndisc import Ndisc
from simnet.kernel.ipv6 import redirect6
from simnet.kernel.ipv6.redirect6 import Redirects6
from simnet.kernel.ipv6.source import ROUTE_ERRNO, RouteError6, route_local, route_output, select_source
from simnet.kernel.icmplimit import IcmpRateLimiter
from simnet.kernel import udp
from simnet.kernel.ipv6 import nat6, nf6
from simnet.kernel.neighbour import NeighbourTable
from simnet.links.mac import MacAddress
from simnet.links.packet import Frame, Tcp, Udp
from simnet.links.packet6 import (ADM_PROHIBITED, ALL_NODES, ALL_ROUTERS, DST_UNREACH, ECHO_REPLY,
                                  ECHO_REQUEST, NEIGH_ADVERT, NEIGH_SOLICIT, NOROUTE, PKT_TOOBIG, PORT_UNREACH,
                                  REDIRECT, ROUTER_ADVERT, ROUTER_SOLICIT,
                                  TIME_EXCEED, MIN_MTU, Icmp6, IPv6Packet, multicast_mac, solicited_node)
from simnet.trace import Disposition

if TYPE_CHECKING:
    from typing import Any
    from simnet.kernel.interface import Interface
    from simnet.kernel.ipv6.mld import Mld
    from simnet.kernel.node import Node

__all__ = ["Stack6", "ROUTE_DISPOSITION"]

LOOPBACK_DELAY = 0.000005
UNSPECIFIED = IPv6Address(0)
ROUTE_DISPOSITION = {"no-route": Disposition.NO_ROUTE, "unreachable": Disposition.UNREACHABLE_ROUTE,
                     "prohibit": Disposition.PROHIBIT_ROUTE, "blackhole": Disposition.BLACKHOLE}


class Stack6:
    def __init__(self, node: "Node") -> None:
        self.node = node
        self.ndisc = Ndisc(self)
        self.neigh = NeighbourTable(node.sim, self.ndisc.send_ns, self.ndisc.transmit, self.ndisc.failed)
        self._resolving: IPv6Packet | None = None
        self.limiter = IcmpRateLimiter()
        # rt6_exception: the path MTU learned from "Packet too big" per destination, (mtu, expires)
        self.pmtu: dict[IPv6Address, tuple[int, float]] = {}
        self.rs_listeners: list[Any] = []          # callables (iface, rs packet): radvd
        self.joined: dict[str, set[IPv6Address]] = {}    # groups a daemon joined per device (radvd: ff02::2)
        self.skb_ct: tuple | None = None         # (key after NAT, entry, direction) of the packet in hand (nat6)
        self.mark = 0                            # the skb mark the last netfilter hook left (for POSTROUTING)
        self.mld: Mld = node.ip6.mld              # addrconf's: it runs before there is a packet path
        self.redirects = Redirects6()

    # ----------------------------------------------------------------- helpers
    def _step(self, pkt: IPv6Packet, kind: str, action: str, /, **detail: Any) -> None:
        self.node.stack._step(pkt, kind, action, **detail)  # type: ignore[arg-type]

    def _finish(self, pkt: IPv6Packet, disposition: Disposition, **reason: Any) -> None:
        self.node.stack._finish(pkt, disposition, **reason)  # type: ignore[arg-type]

    def route(self, dst: IPv6Address, oif: str | None = None,
              src: IPv6Address | None = None, mark: int = 0) -> tuple[Route6, IPv6Address | None]:
        """Route and source for a local sender (``src`` when the socket is bound); raises
        RouteError6. The source is None when every candidate is still tentative (the packet
        then cannot leave)."""
        node = self.node
        node.ip6.settle()
        node.ip6.expire()
        if oif is not None and (oif not in node.interfaces or not node.interfaces[oif].admin_up):
            raise RouteError6("no-route")
        route, bound = route_local(node, dst, oif, src, mark)
        src = bound if bound is not None else select_source(node, dst, route)
        if src == LOOPBACK and route.type != "local" and not dst == LOOPBACK:
            return route, None
        return route, src

    # ------------------------------------------------------------------ output
    def send(self, pkt: IPv6Packet, oif: str | None = None, pmtudisc: str = "want", mark: int = 0) -> IPv6Packet:
        """Send from a local process; raises SendError like connect()/sendmsg(). Above the path
        MTU the packet is fragmented, or refused with EMSGSIZE for ``pmtudisc="do"``."""
        held = self.skb_ct          # a packet sent while another is in hand (an echo reply, an error)
        try:
            return self._send(pkt, oif, pmtudisc, mark)
        finally:
            self.skb_ct = held

    def _send(self, pkt: IPv6Packet, oif: str | None, pmtudisc: str, mark: int) -> IPv6Packet:
        from simnet.kernel.stack import SendError

        try:
            route, src = self.route(pkt.dst, oif, None if pkt.src.is_unspecified else pkt.src, mark)
        except RouteError6 as exc:
            text = ROUTE_ERRNO[exc.kind]
            self._step(pkt, "routing", "no-route", dst=pkt.dst, error=text, kind=exc.kind)
            self._finish(pkt, ROUTE_DISPOSITION[exc.kind], dst=pkt.dst, local=True, ipv6=True,
                         **self.unroutable(pkt.dst, pkt.journey))
            raise SendError(text, "connect") from None
        if not pkt.src.is_unspecified:
            src = pkt.src
        if src is None:
            self._step(pkt, "routing", "no-source", dst=pkt.dst, dev=route.dev)
            self._finish(pkt, Disposition.NO_SOURCE, dst=pkt.dst, dev=route.dev)
            return pkt
        pkt = pkt.with_(src=src)
        mtu = self.path_mtu(pkt.dst, route)
        if pkt.length > mtu:
            if pmtudisc == "do":
                self._step(pkt, "transmit", "too-big", length=pkt.length, mtu=mtu, dev=route.dev)
                self._finish(pkt, Disposition.FRAG_NEEDED, length=pkt.length, mtu=mtu, dev=route.dev, ipv6=True)
                raise SendError("Message too long", "sendmsg", mtu=mtu)
            pkt = pkt.with_(frag=mtu)
            self._step(pkt, "transmit", "fragment", length=pkt.length, mtu=mtu, dev=route.dev)
        self._step(pkt, "routing", "route", dst=pkt.dst, route=route, table=route.table, dev=route.dev,
                   gateway=route.gateway, src=src)
        for hook in self.node.stack.output_hooks:      # tailscaled notes a subnet route it could have offered
            hook(pkt, route)  # type: ignore[arg-type]
        if self.node.netfilter.tables:
            nat = nat6.output(self, pkt)            # nat OUTPUT: DNAT, REDIRECT (then routed anew)
            if nat is None:
                return pkt
            if nat.dst != pkt.dst:
                try:
                    route = route_output(self.node, nat.dst, src=nat.src, mark=mark)
                except RouteError6 as exc:
                    self._route_error(nat, exc)
                    raise SendError(ROUTE_ERRNO[exc.kind], "connect") from None
            pkt = nat
            if nf6.hook(self, "output", pkt, None, route.dev):
                raise SendError("Operation not permitted", "sendmsg", pkt)   # type: ignore[arg-type]
            nat = nat6.postrouting(self, pkt, route, None, self.mark)
            if nat is None:
                return pkt
            pkt = nat
        self.dst_output(pkt, route)
        return pkt

    def send_quiet(self, pkt: IPv6Packet) -> None:
        """A packet the kernel makes itself (echo reply, error): failures are recorded, not raised."""
        from simnet.kernel.stack import SendError

        try:
            self.send(pkt)
        except SendError:
            pass

    def dst_output(self, pkt: IPv6Packet, route: Route6) -> None:
        node = self.node
        if route.type == "local" or route.dev == "lo":
            lo = node.interfaces["lo"]
            self._step(pkt, "transmit", "loopback", dev="lo")
            lo.counters.tx_packets += 1
            lo.counters.tx_bytes += pkt.length
            lo.counters.rx_packets += 1
            lo.counters.rx_bytes += pkt.length
            if node.captures:
                node.stack._tap(lo, "out", pkt)
                node.stack._tap(lo, "in", pkt)
            node.sim.post(LOOPBACK_DELAY, self.rcv, pkt, lo)
            return
        iface = node.interfaces.get(route.dev or "")
        handler = node.stack.tun_handlers.get(route.dev or "")
        if iface is not None and iface.admin_up and handler is not None:      # tailscale0: tailscaled reads it
            iface.counters.tx_packets += 1
            iface.counters.tx_bytes += pkt.length
            node.stack._tap(iface, "out", pkt)
            self._step(pkt, "transmit", "tunnel", dev=iface.name)
            handler(pkt)  # type: ignore[arg-type]  # Frame and tun handlers are typed for IPv4
            return
        if iface is None or not iface.admin_up or \
                iface.segment is None and iface.bridge is None and iface.lower is None:
            self._step(pkt, "transmit", "down", dev=route.dev)
            self._finish(pkt, Disposition.INTERFACE_DOWN, dev=route.dev)
            return
        if pkt.dst.is_multicast:
            self.emit(iface, multicast_mac(pkt.dst), pkt)
            return
        self._resolving = pkt        # the kernel queues the packet before it solicits: its source counts
        try:
            self.neigh.resolve(iface.name, route.gateway or pkt.dst, pkt)
        finally:
            self._resolving = None

    def dst_output_via(self, pkt: IPv6Packet, iface: "Interface") -> None:
        """A unicast to a neighbour on ``iface`` (radvd's answer to a link-local asker)."""
        self._resolving = pkt
        try:
            self.neigh.resolve(iface.name, pkt.dst, pkt)
        finally:
            self._resolving = None

    def emit(self, iface: "Interface", dst_mac: MacAddress, pkt: IPv6Packet) -> None:
        size = 14 + pkt.length
        frame = Frame(iface.mac, dst_mac, pkt, size)  # type: ignore[arg-type]  # Frame and tun handlers are typed for IPv4
        iface.counters.tx_packets += 1
        iface.counters.tx_bytes += size
        if self.node.captures:
            self.node.stack._tap(iface, "out", frame)
        self.node.stack._wire(iface, frame)       # segment, the bridge behind br0, or a VLAN's lower device

    # ------------------------------------------------------------------- input
    def receive(self, frame: Frame, iface: "Interface") -> None:
        """An IPv6 frame from the wire (Stack.receive_frame hands it over)."""
        node = self.node
        if not node.ip6.enabled(iface.name):
            return
        # the bridge floods multicast: the veth counts it and tcpdump sees it, joined or not
        iface.counters.rx_packets += 1
        iface.counters.rx_bytes += frame.size
        if node.captures:
            node.stack._tap(iface, "in", frame)
        dst = frame.dst.value
        if dst != iface.mac.value and dst >> 32 == 0x3333 and not self._listens(iface, dst & 0xFFFFFFFF):
            return                      # a multicast group this interface has not joined
        self.rcv(frame.payload, iface)  # type: ignore[arg-type]  # Frame and tun handlers are typed for IPv4

    def _listens(self, iface: "Interface", low: int) -> bool:
        """Has ``iface`` joined a group whose low 32 bits (what its multicast MAC keeps) are ``low``?
        The test over :meth:`groups` without building them: every node on a segment asks it for
        every multicast frame (a thousand nodes' DAD and router solicitations)."""
        if low == 1:                                        # ff02::1
            return True
        if low >> 24 == 0xFF and any(int(a.interface) & 0xFFFFFF == low & 0xFFFFFF for a in iface.addresses6):
            return True                                     # a solicited-node group ff02::1:ffXX:XXXX
        if low == 2 and self._forwarding(iface.name):      # ff02::2
            return True
        return any(int(g) & 0xFFFFFFFF == low for g in self.joined.get(iface.name, ()))

    def groups(self, iface: "Interface") -> set[IPv6Address]:
        """Multicast groups joined on ``iface``: all-nodes, all-routers when forwarding, and the
        solicited-node group of every address (tentative ones included, for DAD)."""
        out = {ALL_NODES} | {solicited_node(a.ip) for a in iface.addresses6}
        if self._forwarding(iface.name):
            out.add(ALL_ROUTERS)
        return out | self.joined.get(iface.name, set())

    def rcv(self, pkt: IPv6Packet, iface: "Interface") -> None:
        node = self.node
        node.ip6.settle()
        self._step(pkt, "receive", "in", dev=iface.name, src=pkt.src, dst=pkt.dst, ttl=pkt.hlim)
        self.skb_ct = None
        if not iface.is_loopback and node.netfilter.tables:
            nat = nat6.prerouting(self, pkt, iface.name)   # DNAT, REDIRECT; answers to translated connections
            if nat is None:
                return
            pkt = nat
        dst = pkt.dst
        if dst.is_multicast:
            if iface.is_loopback or dst in self.groups(iface):
                self._local_in(pkt, iface)
            return
        own = node.ip6.local_address(dst)
        if own is not None:
            if own.tentative or "dadfailed" in own.flags:
                self._step(pkt, "receive", "tentative", dst=dst)
                self._finish(pkt, Disposition.NO_SOURCE, dst=dst, tentative=True)
                return
            self._step(pkt, "routing", "local", dst=dst, table=255)
            self._local_in(pkt, iface)
            return
        if not self._forwarding("all") or iface.is_loopback:
            # ip6_route_input comes first: without a route even a host answers "no route"
            if not iface.is_loopback and not pkt.src.is_link_local and not dst.is_link_local:
                try:
                    route_output(node, dst, src=pkt.src, iif=iface.name)
                except RouteError6 as exc:
                    self._route_error(pkt, exc)
                    return
            self._step(pkt, "forwarding", "disabled", dev=iface.name)
            self._finish(pkt, Disposition.FORWARDING_DISABLED, dev=iface.name, dst=dst, ipv6=True)
            return
        self._forward(pkt, iface)

    def _forward(self, pkt: IPv6Packet, iface: "Interface") -> None:
        """ip6_forward: route, hop limit, MTU (routers never fragment IPv6), then ND and out."""
        node = self.node
        if pkt.src.is_link_local or pkt.dst.is_link_local:
            self._step(pkt, "forwarding", "scope", src=pkt.src, dst=pkt.dst)
            self._finish(pkt, Disposition.NO_ROUTE, dst=pkt.dst, scope=True)
            return
        try:
            route = route_output(node, pkt.dst, src=pkt.src, iif=iface.name)
        except RouteError6 as exc:
            self._route_error(pkt, exc)
            return
        self._step(pkt, "routing", "route", dst=pkt.dst, route=route, table=route.table, dev=route.dev,
                   gateway=route.gateway)
        if pkt.hlim <= 1:
            self._step(pkt, "ttl", "exceeded", ttl=pkt.hlim)
            self._finish(pkt, Disposition.TTL_EXCEEDED, ttl=pkt.hlim, ipv6=True)
            self.icmp_error(pkt, TIME_EXCEED, 0)
            return
        redirect6.maybe_send(self, pkt, iface, route)      # out where it came in: tell the sender
        out = node.interfaces.get(route.dev or "")
        if out is not None and (pkt.frag or pkt.length) > out.mtu:
            self._step(pkt, "forwarding", "too-big", length=pkt.length, mtu=out.mtu, dev=route.dev)
            self._finish(pkt, Disposition.FRAG_NEEDED, length=pkt.length, mtu=out.mtu, dev=route.dev, ipv6=True)
            self.icmp_error(pkt, PKT_TOOBIG, 0, mtu=out.mtu)
            return
        pkt = pkt.with_(hlim=pkt.hlim - 1)
        self._step(pkt, "forwarding", "forward", ttl=pkt.hlim, dev_in=iface.name, dev_out=route.dev)
        if node.netfilter.tables:
            if nf6.hook(self, "forward", pkt, iface.name, route.dev):
                return
            nat = nat6.postrouting(self, pkt, route, iface.name, self.mark)
            if nat is None:
                return
            pkt = nat
        self.dst_output(pkt, route)

    # ---------------------------------------------------------------- path MTU
    def path_mtu(self, dst: IPv6Address, route: Route6) -> int:
        """The device's MTU, or less once a "Packet too big" taught it (until the entry expires)."""
        iface = self.node.interfaces.get(route.dev or "")
        mtu = iface.mtu if iface is not None and route.type != "local" else 65535
        learned = self.learned_mtu(dst)
        return min(mtu, learned[0]) if learned is not None else mtu

    def learned_mtu(self, dst: IPv6Address) -> tuple[int, float] | None:
        hit = self.pmtu.get(dst)
        if hit is not None and hit[1] <= self.node.sim.now:
            del self.pmtu[dst]
            return None
        return hit

    def _learn_pmtu(self, err: IPv6Packet, p: Icmp6) -> None:
        """rt6_do_update_pmtu: never below 1280, only ever smaller, for mtu_expires (600 s)."""
        inner = p.inner
        if inner is None or self.node.ip6.local_address(inner.src) is None:
            return
        mtu = max(p.mtu, MIN_MTU)
        try:
            route = route_output(self.node, inner.dst)
        except RouteError6:
            return
        if mtu >= self.path_mtu(inner.dst, route):
            return
        expires = self.node.sim.now + (self.node.sysctl.get_int("net.ipv6.route.mtu_expires") or 600)
        self.pmtu[inner.dst] = (mtu, expires)
        self._step(err, "icmp", "pmtu", dst=inner.dst, mtu=mtu)

    def _route_error(self, pkt: IPv6Packet, exc: RouteError6) -> None:
        """ip6_pkt_discard / ip6_pkt_prohibit: the error entry's answer (a blackhole stays silent)."""
        self._step(pkt, "routing", "no-route", dst=pkt.dst, kind=exc.kind, route=exc.route)
        self._finish(pkt, ROUTE_DISPOSITION[exc.kind], dst=pkt.dst, route=exc.route, ipv6=True)
        code = {"no-route": NOROUTE, "unreachable": NOROUTE, "prohibit": ADM_PROHIBITED}.get(exc.kind)
        if code is not None:
            self.icmp_error(pkt, DST_UNREACH, code)

    def _local_in(self, pkt: IPv6Packet, iface: "Interface") -> None:
        if self.node.netfilter.tables and not iface.is_loopback:
            if nf6.hook(self, "input", pkt, iface.name, None):
                return
            if self.skb_ct is not None:
                pkt = nat6.local_in(self, pkt)       # nat INPUT: answers to this host's own DNAT
        p = pkt.payload
        if isinstance(p, Tcp):
            self._tcp_in(pkt, p)
            return
        if isinstance(p, Udp):
            handler = self.node.stack.sockets.get(("udp", p.dport))
            if handler is not None and udp.accepts(handler, pkt):
                self._step(pkt, "deliver", "socket", proto="udp", port=p.dport)
                handler(pkt, "data")
                return
            if pkt.dst.is_multicast:
                return
            self._step(pkt, "deliver", "closed-port", port=p.dport)
            self._finish(pkt, Disposition.PORT_UNREACHABLE, port=p.dport, proto="udp", ipv6=True)
            self.icmp_error(pkt, DST_UNREACH, PORT_UNREACH)
            return
        if not isinstance(p, Icmp6):
            return
        if p.type == ECHO_REQUEST:
            self._step(pkt, "deliver", "echo-request", dst=pkt.dst)
            src = pkt.dst if not pkt.dst.is_multicast else UNSPECIFIED
            reply = IPv6Packet(src, pkt.src, Icmp6(ECHO_REPLY, 0, p.ident, p.seq, p.data_len),
                               hlim=self._hop_limit(iface), flowlabel=_flowlabel(pkt.dst, pkt.src),
                               journey=pkt.journey)
            _back(reply)
            self.send_quiet(reply)
        elif p.type == ECHO_REPLY:
            handler = self.node.stack.sockets.get(("icmp6", p.ident))
            if handler is not None:
                self._step(pkt, "deliver", "socket", proto="icmp6", port=p.ident)
                handler(pkt, "data")
        elif p.type == NEIGH_SOLICIT:
            self.ndisc.ns_rcv(pkt, p, iface)
        elif p.type == NEIGH_ADVERT and p.target is not None and self.node.ip6.local_address(p.target) is None:
            self.ndisc.na_rcv(p, iface)     # (an advertisement of our own address is DAD's business)
        elif p.type == ROUTER_SOLICIT:
            # ndisc_recv_rs: only a router listens; it notes the asker's link-layer address
            if self._forwarding(iface.name) and p.lladdr is not None and not pkt.src.is_unspecified:
                self.neigh.learn(iface.name, pkt.src, p.lladdr, solicited=False)
            for listener in list(self.rs_listeners):      # radvd's raw socket
                listener(iface, pkt)
        elif p.type == REDIRECT:
            redirect6.receive(self, pkt, p, iface)
        elif p.type == ROUTER_ADVERT:
            from simnet.kernel.ipv6.ndisc_ra import router_discovery

            router_discovery(self.node, iface, pkt, p)
        elif p.is_error and p.inner is not None and isinstance(p.inner.payload, (Icmp6, Udp, Tcp)):
            if p.type == PKT_TOOBIG:
                self._learn_pmtu(pkt, p)
            q = p.inner.payload
            key = ("icmp6", q.ident) if isinstance(q, Icmp6) else ("udp" if isinstance(q, Udp) else "tcp", q.sport)
            handler = self.node.stack.sockets.get(key)
            self._step(pkt, "deliver", "icmp-error", type=p.type, code=p.code, src=pkt.src)
            if handler is not None:
                handler(pkt, "error")

    def _tcp_in(self, pkt: IPv6Packet, p: Tcp) -> None:
        """tcp_v6_rcv: the port's socket (a dual-stack listener included), else a RST."""
        handler = self.node.stack.sockets.get(("tcp", p.dport))
        if handler is not None:
            handler(pkt, "data")
            return
        if "R" in p.flags:
            return
        self._step(pkt, "deliver", "closed-port", port=p.dport)
        self._finish(pkt, Disposition.PORT_UNREACHABLE, port=p.dport, proto="tcp", ipv6=True)
        from simnet.kernel.tcp import tcp_of

        tcp_of(self.node)._reset(pkt)

    def send_rs(self, iface: "Interface", src: IPv6Address) -> None:
        """A router solicitation (addrconf, the loader): see :meth:`Ndisc.send_rs`."""
        self.ndisc.send_rs(iface, src)

    def unroutable(self, dst: IPv6Address, journey: "Any") -> dict[str, str]:
        """A local sender found no route (connect() fails): the output hooks may note a route
        they could have offered (tailscaled's subnet routes); the answer is what the journey's
        reason adds: the devices whose router advertisements the kernel ignores."""
        if journey is not None and self.node.stack.output_hooks:
            probe = IPv6Packet(UNSPECIFIED, dst, Icmp6(ECHO_REQUEST), journey=journey)
            for hook in self.node.stack.output_hooks:
                hook(probe, None)  # type: ignore[arg-type]
        ignored = self.ra_ignored()
        return {"ra_ignored": " ".join(ignored)} if ignored else {}

    def ra_ignored(self) -> list[str]:
        """Devices with a SLAAC address whose router advertisements the kernel ignores now
        (accept_ra=1 while forwarding is on): their RA default route ran out or will."""
        node = self.node
        return [i.name for i in node.interfaces.values()
                if any("mngtmpaddr" in a.flags for a in i.addresses6) and not node.ip6.accept_ra(i.name)]

    def _forwarding(self, dev: str) -> bool:
        return self.node.sysctl.get_int(f"net.ipv6.conf.{dev}.forwarding") != 0

    def _hop_limit(self, iface: "Interface") -> int:
        return self.node.sysctl.get_int(f"net.ipv6.conf.{iface.name}.hop_limit") or 64

    # ------------------------------------------------------------ ICMPv6 errors
    def icmp_error(self, pkt: IPv6Packet, type_: int, code: int, mtu: int = 0) -> None:
        """icmp6_send: never about an error, a multicast or an unspecified source."""
        p = pkt.payload
        if isinstance(p, Icmp6) and (p.is_error or p.type in (NEIGH_SOLICIT, NEIGH_ADVERT)):
            return
        if pkt.src.is_unspecified or pkt.src.is_multicast:
            return
        try:
            route, src = self.route(pkt.src)
        except RouteError6:
            return
        if self.node.ip6.local_address(pkt.src) is not None:
            src = pkt.src
        if src is None:
            return
        if type_ != PKT_TOOBIG and route.type != "local" and route.dev != "lo":
            # icmpv6_xrlim_allow: a token bucket per destination; a wider route buys more errors
            tmo = self.node.sysctl.get_int("net.ipv6.icmp.ratelimit") >> ((128 - route.dst.prefixlen) >> 5)
            if not self.limiter.allow(pkt.src, self.node.sim.now * 1000.0, tmo):
                self._step(pkt, "icmp", "ratelimited", type=type_, code=code, to=pkt.src, ratelimit=tmo)
                return
        err = IPv6Packet(src, pkt.src, Icmp6(type_, code, inner=pkt, mtu=mtu), hlim=64, journey=pkt.journey)
        _back(err)
        if nat6.active(self):
            # an error about a translated packet: conntrack sends it to the real sender (RELATED)
            moved = nat6.local_error(self, err)
            if moved.dst != err.dst:
                try:
                    route, _ = self.route(moved.dst)
                except RouteError6:
                    return
            err = moved
        self._step(err, "icmp", "error", type=type_, code=code, to=pkt.src)
        self.dst_output(err, route)


def _host(ip: IPv6Address):  # type: ignore[no-untyped-def]
    from ipaddress import IPv6Network

    return IPv6Network(ip)


def _back(pkt: IPv6Packet) -> None:
    if pkt.journey is not None:
        pkt.journey.leg = "back"


def _flowlabel(a: IPv6Address, b: IPv6Address) -> int:
    """auto_flowlabels: a hash of the flow (only tcpdump -v shows it)."""
    return (hash((int(a), int(b))) & 0xFFFFF) or 1
