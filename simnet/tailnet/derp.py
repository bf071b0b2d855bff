"""Headscale's embedded DERP relay (TCP 443) and STUN server (UDP 3478), and the
client side of a DERP connection.

DERP is the fallback of last resort: every client keeps one TCP connection to
its home region; a frame ``send(peer, message)`` is passed on to the peer's
connection as ``recv(sender, message)``. Because it is TCP from the inside
out, it passes every NAT and every firewall that lets HTTPS out. STUN tells a
client which address:port its UDP socket has after all NATs on the way.

Everything here travels as real packets through the simulated kernels, so
conntrack, MASQUERADE, NAT types and firewall rules on the way act on it.
Simplification: TCP segments are not acknowledged one by one (no ACK-only
segments after the handshake); ``tcpdump`` therefore shows fewer packets
than on a real machine, but the same kinds.
"""
from __future__ import annotations

from ipaddress import IPv4Address
from typing import TYPE_CHECKING, Any, Callable

from simnet.core.digest import sha256
from simnet.links.packet import IPv4Packet, Tcp, Udp
from simnet.tailnet.wire import DERP_PORT, STUN_PORT, DerpFrame, Stun, fmt_ep
from simnet.trace import Disposition, Journey

if TYPE_CHECKING:
    from simnet.kernel.node import Node
    from simnet.tailnet.control import Headscale

__all__ = ["RegionInfo", "region_of", "ensure_servers", "DerpServer", "DerpConnection"]

ANY = IPv4Address("0.0.0.0")
V4Endpoint = tuple[IPv4Address, int]      # DERP runs over IPv4 TCP here: its connections are IPv4
SYN_RETRIES = (1.0, 2.0)        # Linux retransmits a SYN after 1 s, then 2 s later (then gives up here)


class RegionInfo:
    """The embedded DERP region as the DERP map describes it."""

    def __init__(self, hs: "Headscale") -> None:
        derp = hs.config.get("derp")
        server = derp.get("server") if isinstance(derp, dict) else None
        server = server if isinstance(server, dict) else {}      # a learner may have broken the file
        self.enabled = bool(server.get("enabled", False))
        self.region_id = _int(server.get("region_id"), 999)
        self.code = str(server.get("region_code", "headscale"))
        self.name = str(server.get("region_name", "Headscale Embedded DERP"))
        self.stun_port = _int(str(server.get("stun_listen_addr", "")).rsplit(":", 1)[-1], STUN_PORT)
        self.stun_listen = str(server.get("stun_listen_addr", "0.0.0.0:3478"))
        self.hs = hs

    @property
    def address(self) -> IPv4Address | None:
        """Where clients reach the region: the server's public address."""
        node = self.hs.node
        for iface in node.interfaces.values():
            if iface.is_loopback or iface.name == "tailscale0":
                continue
            for a in iface.primary_addresses():
                return a.ip
        return None


def _int(value: Any, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def region_of(hs: "Headscale | None") -> RegionInfo | None:
    """The DERP region the clients of ``hs`` use, or None (no DERP server configured)."""
    if hs is None:
        return None
    info = RegionInfo(hs)
    return info if info.enabled else None


def ensure_servers(hs: "Headscale") -> "DerpServer | None":
    """Bind the DERP and STUN sockets on the server's node (once)."""
    info = region_of(hs)
    if info is None:
        return None
    server = hs.node.services.get("derp")
    if not isinstance(server, DerpServer):
        server = DerpServer(hs)
        hs.node.services["derp"] = server
    server.bind(info)
    return server


def _journey_step(pkt: IPv4Packet, node: "Node", action: str, **detail: Any) -> None:
    if pkt.journey is not None:
        pkt.journey.step(node.name, "derp", action, t=round(node.sim.now, 6), **detail)


class DerpServer:
    """The relay and STUN service inside headscale (``derp.server.enabled: true``)."""

    def __init__(self, hs: "Headscale") -> None:
        self.hs = hs
        self.node = hs.node
        self.clients: dict[str, V4Endpoint] = {}       # client node -> its connection as seen here
        self._by_ep: dict[V4Endpoint, str] = {}
        self._seq: dict[V4Endpoint, int] = {}

    def bind(self, info: RegionInfo) -> None:
        sockets = self.node.stack.sockets
        # in front of the kernel's TCP on 443 (nginx's HTTPS): other segments are passed on to it
        sockets[("tcp", DERP_PORT)] = self.on_tcp
        sockets[("udp", info.stun_port)] = self.on_stun

    def _on_stun6(self, pkt: Any, msg: Stun, mapped: Any) -> None:
        """STUN over IPv6: answered only by a socket that takes IPv6 (``stun_listen_addr``);
        the seed's 0.0.0.0:3478 is IPv4 only, so the kernel answers "port unreachable"."""
        from simnet.links.packet6 import DST_UNREACH, PORT_UNREACH, IPv6Packet
        from simnet.tailnet.netcheck6 import stun_takes_v6

        info = region_of(self.hs)
        stack6 = self.node.ip6.stack
        if info is None or not stun_takes_v6(info.stun_listen):
            port = pkt.payload.dport
            stack6._step(pkt, "deliver", "closed-port", port=port)
            stack6._finish(pkt, Disposition.PORT_UNREACHABLE, port=port, proto="udp", ipv6=True)
            stack6.icmp_error(pkt, DST_UNREACH, PORT_UNREACH)
            return
        _journey_step(pkt, self.node, "stun-answer", mapped=f"[{mapped[0]}]:{mapped[1]}")
        reply = Stun("response", msg.tx, mapped)
        out = IPv6Packet(pkt.dst, pkt.src, Udp(pkt.payload.dport, pkt.payload.sport, reply.length, reply),
                         journey=pkt.journey)
        if out.journey is not None:
            out.journey.leg = "back"
        stack6.send_quiet(out)

    @property
    def up(self) -> bool:
        return bool(self.hs.running) and region_of(self.hs) is not None

    # ------------------------------------------------------------------ STUN
    def on_stun(self, pkt: IPv4Packet, kind: str) -> None:
        udp = pkt.payload
        if kind != "data" or not isinstance(udp, Udp) or not self.up:
            return
        msg = udp.content
        if not isinstance(msg, Stun) or msg.kind != "request":
            return
        mapped = (pkt.src, udp.sport)
        if pkt.src.version == 6:
            self._on_stun6(pkt, msg, mapped)
            return
        _journey_step(pkt, self.node, "stun-answer", mapped=fmt_ep(mapped))
        reply = Stun("response", msg.tx, mapped)
        out = IPv4Packet(pkt.dst, pkt.src, Udp(udp.dport, udp.sport, reply.length, reply),
                         journey=pkt.journey)
        if out.journey is not None:
            out.journey.leg = "back"
        self.node.stack.send_local_error(out)

    # ------------------------------------------------------------------- DERP
    def _pass_on(self, pkt: IPv4Packet, kind: str) -> None:
        """Not a DERP client's segment: the kernel's TCP takes it (nginx's HTTPS, or its reset)."""
        from simnet.kernel.tcp import tcp_of

        tcp_of(self.node).receive(pkt, kind)

    def on_tcp(self, pkt: IPv4Packet, kind: str) -> None:
        p = pkt.payload
        if kind != "data" or not isinstance(p, Tcp):
            self._pass_on(pkt, kind)
            return
        if pkt.src.version == 6:
            # the DERP map gives the region's IPv4 address (derp.server.ipv4): IPv6 on port 443 is
            # the kernel's and nginx's business (with the seed's `listen 443` no IPv6 socket)
            self._pass_on(pkt, kind)
            return
        frame = p.content
        peer_ep = (pkt.src, p.sport)
        # simnet's DERP clients speak the older TCP (no timestamps); curl & co. use the kernel's
        if not self.up or p.ts is not None or (p.flags != "S" and peer_ep not in self._seq):
            self._pass_on(pkt, kind)
            return
        front = self._front_door()
        if p.flags == "S":
            gone = self._by_ep.pop(peer_ep, None)         # a new connection on an old address
            if gone is not None and self.clients.get(gone) == peer_ep:
                del self.clients[gone]
            if front is False:                 # nginx in front of headscale is stopped: nobody listens
                self._send(peer_ep, Tcp(DERP_PORT, p.sport, "R.", 0, 1), pkt.journey)
                return
            self._seq[peer_ep] = 1
            self._send(peer_ep, Tcp(DERP_PORT, p.sport, "S.", 0, 1), pkt.journey)
            return
        if not isinstance(frame, DerpFrame):
            return
        if frame.kind == "hello":
            refused = self._upgrade_refused(pkt) if front is True else None
            if refused is not None:
                _journey_step(pkt, self.node, "upgrade-refused", status=refused)
                self._send(peer_ep, Tcp(DERP_PORT, p.sport, "R.", 0, 1), None)
                return
            old = self.clients.get(frame.peer)
            if old is not None:
                self._by_ep.pop(old, None)
            self.clients[frame.peer] = peer_ep
            self._by_ep[peer_ep] = frame.peer
            return
        if frame.kind != "send":
            return
        sender = self._by_ep.get(peer_ep)
        if sender is None:                     # no accepted hello on this connection
            if pkt.journey is not None:
                pkt.journey.finish(Disposition.FILTERED, self.node.name, derp=True, reason="derp-unreachable",
                                   server=str(pkt.dst))
            return
        dst = self.clients.get(frame.peer)
        if dst is None:
            _journey_step(pkt, self.node, "peer-gone", peer=frame.peer)
            if pkt.journey is not None:
                pkt.journey.finish(Disposition.TAILNET_PEER_OFFLINE, self.node.name, peer=frame.peer,
                                   derp=True)
            return
        _journey_step(pkt, self.node, "relay", sender=sender, peer=frame.peer, to=fmt_ep(dst))
        out = DerpFrame("recv", sender, frame.message)
        self._send(dst, Tcp(DERP_PORT, dst[1], "P.", self._seq.get(dst, 1), 1, out.length, content=out),
                   pkt.journey)
        self._seq[dst] = self._seq.get(dst, 1) + out.length

    def _send(self, dst: V4Endpoint, seg: Tcp, journey: Journey | None) -> None:
        self.node.stack.send_local_error(IPv4Packet(ANY, dst[0], seg, journey=journey))

    def _front_door(self) -> bool | None:
        """Is a reverse proxy (nginx) in front of headscale, and does it listen on 443?
        None: no proxy, headscale serves TLS itself."""
        nginx = self.node.service("nginx")
        if nginx is None:
            return None
        return nginx.running and any(port == DERP_PORT for _p, _a, port, _n, _pid in nginx.listening())

    def _upgrade_refused(self, pkt: IPv4Packet) -> int | None:
        """DERP starts as ``GET /derp`` with ``Upgrade: DERP`` through the proxy; the
        status if the proxy or headscale do not switch protocols, else None."""
        try:
            from simnet.services.httpd import serve
            from simnet.services.wire import HttpRequest
        except ImportError:
            return None
        host = self.hs.server_url.split("://", 1)[-1].split("/", 1)[0].split(":")[0]
        req = HttpRequest("GET", host, "/derp", (("Upgrade", "DERP"), ("Connection", "Upgrade")), True, host)
        resp = serve(self.node, pkt, req, DERP_PORT)
        status = getattr(resp, "status", 0)
        return None if status == 101 else status


class DerpConnection:
    """A client's TCP connection to its home DERP region, opened on first use."""

    def __init__(self, node: "Node", name: str, on_frame: Callable[[DerpFrame, IPv4Packet], None],
                 on_failed: Callable[[str], None] | None = None) -> None:
        self.on_failed = on_failed
        self.node = node
        self.name = name
        self.on_frame = on_frame
        self.state = "idle"             # idle, connecting, up, failed
        self.server: IPv4Address | None = None
        digest = sha256(f"derp/{node.name}".encode()).digest()
        self._base_port = 32768 + int.from_bytes(digest[:2], "big") % 28000
        self._connections = 0
        self.port = self._base_port
        self.queue: list[tuple[DerpFrame, Journey | None]] = []
        self._seq = 1
        self._attempt = 0
        self.connected_at: float | None = None
        self.rtt: float | None = None          # SYN → SYN-ACK, what netcheck reports over HTTPS
        self._syn_at = 0.0

    def connect(self, server: IPv4Address) -> None:
        if self.state in ("connecting", "up") and self.server == server:
            return
        self.server = server
        self.state = "connecting"
        self._attempt = 0
        self.node.stack.sockets.pop(("tcp", self.port), None)
        # every connection gets its own ephemeral port, as connect() does
        self.port = 32768 + (self._base_port - 32768 + 7 * self._connections) % 28000
        self._connections += 1
        self._seq = 1
        self.node.stack.sockets[("tcp", self.port)] = self.on_tcp
        self._syn()

    def _syn(self) -> None:
        if self.state != "connecting" or self.server is None:
            return
        if self._attempt > len(SYN_RETRIES):
            self._fail()
            return
        delay = SYN_RETRIES[self._attempt] if self._attempt < len(SYN_RETRIES) else 1.0
        self._attempt += 1
        self._syn_at = self.node.sim.now
        self._send(Tcp(self.port, DERP_PORT, "S", 0, 0), None)
        self.node.sim.schedule(delay, self._syn)

    def _fail(self) -> None:
        """The relay cannot be reached: what waited for it is lost, and magicsock hears why."""
        self.state = "failed"
        for _, j in self.queue:
            if j is not None:
                j.finish(Disposition.FILTERED, self.node.name, derp=True, reason="derp-unreachable",
                         server=str(self.server))
        self.queue.clear()
        if self.on_failed is not None:
            self.on_failed(str(self.server))

    def close(self) -> None:
        self.node.stack.sockets.pop(("tcp", self.port), None)
        self.state = "idle"
        self.queue.clear()

    def send(self, peer: str, message: Any, journey: Journey | None, server: IPv4Address) -> None:
        frame = DerpFrame("send", peer, message)
        if self.state != "up" or self.server != server:
            self.queue.append((frame, journey))
            if self.state != "connecting" or self.server != server:
                self.connect(server)
            return
        self._frame(frame, journey)

    def _frame(self, frame: DerpFrame, journey: Journey | None) -> None:
        self._send(Tcp(self.port, DERP_PORT, "P.", self._seq, 1, frame.length, content=frame), journey)
        self._seq += frame.length

    def _send(self, seg: Tcp, journey: Journey | None) -> None:
        assert self.server is not None
        from simnet.kernel.stack import SendError

        try:
            self.node.stack.send(IPv4Packet(ANY, self.server, seg, journey=journey), mark=0x80000)
        except SendError:
            pass

    def on_tcp(self, pkt: IPv4Packet, kind: str) -> None:
        p = pkt.payload
        if kind == "error" or not isinstance(p, Tcp):
            if kind == "error" and self.state == "connecting":
                self._fail()
            return
        if "R" in p.flags:
            self._fail()
            return
        if p.flags == "S.":
            if self.state != "connecting":
                return
            self._send(Tcp(self.port, DERP_PORT, ".", 1, 1), None)
            self.state = "up"
            self.connected_at = self.node.sim.now
            self.rtt = self.connected_at - self._syn_at
            self._frame(DerpFrame("hello", self.name), None)
            queued, self.queue = self.queue, []
            for frame, journey in queued:
                self._frame(frame, journey)
            return
        frame = p.content
        if isinstance(frame, DerpFrame) and frame.kind == "recv":
            self.on_frame(frame, pkt)
