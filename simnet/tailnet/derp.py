"""Headscale's embedded DERP relay (TCP 443) and STUN server (UDP 3478), and the
client side of a DERP connection.

DERP is the fallback of last resort: every client keeps one TCP connection to
its home region; a frame ``send(peer, message)`` is passed on to the peer's
connection as ``recv(sender, message)``. Because it is TCP from the inside
out, it passes every NAT and every firewall that lets HTTPS out. STUN tells a
client which address:port its UDP socket has after all NATs on the way.

Everything here travels as real packets through the simulated kernels, so
conntrack, MASQUERADE, NAT types and firewall rules on the way act on it. The
connection is the kernel's TCP (:mod:`simnet.kernel.tcp`): handshake with real
sequence numbers and options, every frame a data segment that the other side
acknowledges, FIN when tailscaled closes it; ``ss -tn`` lists it (tailscaled
on the client, nginx or headscale on the server). Simplification: TLS and the
HTTP upgrade are folded into the first frame (``hello``).
"""
from __future__ import annotations

from ipaddress import IPv4Address
from typing import TYPE_CHECKING, Any, Callable

from simnet.core.digest import sha256
from simnet.links.packet import IPv4Packet, Udp
from simnet.tailnet.wire import DERP_PORT, STUN_PORT, DerpFrame, Stun, fmt_ep
from simnet.trace import Disposition, Journey

if TYPE_CHECKING:
    from simnet.kernel.node import Node
    from simnet.kernel.tcp import Endpoint as TcpEndpoint
    from simnet.tailnet.control import Headscale

__all__ = ["RegionInfo", "region_of", "ensure_servers", "DerpServer", "DerpConnection"]

ANY = IPv4Address("0.0.0.0")
DIAL_TIMEOUT = 4.0              # the SYN, its retransmissions after 1 s and 3 s, then the region is given up
TAILSCALED_PID = 400 + sum(map(ord, "tailscaled")) % 500      # as simnet.tailnet.client lists it


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


HELD_MAX = 32                    # frames kept for a client still connecting (see DerpServer._hold)
HELLO_WINDOW = 5.0               # … whose connection was dialled this recently (not one the relay lost)


def _deliver(ep: "TcpEndpoint", sender: str, message: Any, journey: Journey | None) -> None:
    """The relay's ``recv`` frame to a connected client."""
    out = DerpFrame("recv", sender, message)
    ep.send_data(out, out.length, journey=journey)


class DerpServer:
    """The relay and STUN service inside headscale (``derp.server.enabled: true``)."""

    def __init__(self, hs: "Headscale") -> None:
        self.hs = hs
        self.node = hs.node
        self.clients: dict[str, TcpEndpoint] = {}    # client node -> its connection as seen here
        self._by_ep: dict[TcpEndpoint, str] = {}
        self._held: dict[str, list[tuple[float, str, Any, Any]]] = {}    # see _hold

    def bind(self, info: RegionInfo) -> None:
        self.node.stack.sockets[("udp", info.stun_port)] = self.on_stun
        self._listen()

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
    def _listen(self) -> None:
        """Without a reverse proxy headscale serves TLS (and /derp) on 443 itself: its socket there.
        Behind nginx, nginx's socket takes the connection and hands it over (:meth:`takes`)."""
        from simnet.kernel.tcp import tcp_of

        layer = tcp_of(self.node)
        if self._front_door() is not None or DERP_PORT in layer.listeners:
            return
        lst = layer.listen(DERP_PORT, 4096, "headscale", self.hs.main_pid, on_accept=self._accept)
        lst.listed = False                # ss: headscale's own rows (simnet.tailnet.control.listening)
        lst.admits = self._admits

    def _admits(self, pkt: Any) -> bool:
        return self.up and pkt.src.version == 4

    def _accept(self, ep: "TcpEndpoint") -> None:
        ep.on_data = self._on_data
        ep.on_change = self._changed

    def takes(self, ep: "TcpEndpoint", data: Any) -> bool:
        """nginx's (or headscale's HTTP) socket read a DERP frame: the upgraded connection is ours now."""
        if not isinstance(data, DerpFrame) or ep.remote.version != 4:
            return False
        self._accept(ep)
        self._on_data(ep, data)
        return True

    def _changed(self, ep: "TcpEndpoint") -> None:
        if ep.state in ("CLOSED", "TIME-WAIT", "LAST-ACK"):
            self._gone(ep)

    def _gone(self, ep: "TcpEndpoint") -> None:
        """The client's connection ended: it is no longer reachable through the relay."""
        name = self._by_ep.pop(ep, None)
        if name is not None and self.clients.get(name) is ep:
            del self.clients[name]

    def _on_data(self, ep: "TcpEndpoint", frame: Any) -> None:
        if frame is None:                      # the client closed: so do we
            self._gone(ep)
            ep.close()
            return
        if not isinstance(frame, DerpFrame):
            return
        pkt = ep.segment
        if frame.kind == "hello":
            front = self._front_door()
            refused = self._upgrade_refused(pkt) if front is True and self.up else None
            if not self.up or refused is not None:
                # the proxy answers 502 (headscale down) or the status it got, and closes
                _journey_step(pkt, self.node, "upgrade-refused", status=refused or 502)
                self._gone(ep)
                ep.close()
                return
            old = self.clients.get(frame.peer)
            if old is not None and old is not ep:
                self._by_ep.pop(old, None)
            self.clients[frame.peer] = ep
            self._by_ep[ep] = frame.peer
            now = self.node.sim.now
            for since, origin, message, journey in self._held.pop(frame.peer, ()):
                if now - since < HELLO_WINDOW:           # older ones the relay would long have dropped
                    _deliver(ep, origin, message, journey)
            return
        if frame.kind != "send":
            return
        sender = self._by_ep.get(ep)
        if sender is None:                     # no accepted hello on this connection
            if pkt.journey is not None:
                pkt.journey.finish(Disposition.FILTERED, self.node.name, derp=True, reason="derp-unreachable",
                                   server=str(pkt.dst))
            return
        dst = self.clients.get(frame.peer)
        if dst is None or dst.state not in ("ESTAB", "CLOSE-WAIT"):
            if self._hold(frame.peer, sender, frame.message, pkt):
                return
            _journey_step(pkt, self.node, "peer-gone", peer=frame.peer)
            if pkt.journey is not None:
                pkt.journey.finish(Disposition.TAILNET_PEER_OFFLINE, self.node.name, peer=frame.peer,
                                   derp=True)
            return
        _journey_step(pkt, self.node, "relay", sender=sender, peer=frame.peer, to=f"{dst.remote}:{dst.rport}")
        _deliver(dst, sender, frame.message, pkt.journey)

    def _hold(self, peer: str, sender: str, message: Any, pkt: IPv4Packet) -> bool:
        """A frame for a client whose connection to this relay is being set up right now (its hello not
        here yet) waits for it, for at most ``HELLO_WINDOW``. The real relay drops it (the peer is not
        connected); but a real ``tailscale up`` returns only once its DERP connection stands, while
        simnet's returns at once and connects as the clock runs. Two nodes that join together and talk at
        once (a first ping, WireGuard's handshake) then find each other connected, as on real machines.
        At most a few frames per peer, as a relay's send queue."""
        now = self.node.sim.now
        node = self.node.lab.nodes.get(peer)
        ts = node.services.get("tailscaled") if node is not None else None
        conn = getattr(getattr(ts, "magicsock", None), "derp", None)
        if conn is None or conn.server is None or not self.node.is_own_address(conn.server) or not (
                conn.state == "connecting" or conn.state == "up" and now - conn.dialed_at < HELLO_WINDOW):
            return False                         # not on its way here: dropped as the relay does
        held = self._held.setdefault(peer, [])
        held[:] = [h for h in held if now - h[0] < HELLO_WINDOW]      # what waited too long is gone
        if len(held) >= HELD_MAX:
            return False
        held.append((now, sender, message, pkt.journey))
        _journey_step(pkt, self.node, "held", peer=peer)
        return True

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
    """A client's TCP connection to its home DERP region, opened on first use: a socket of the
    node's kernel TCP (tailscaled's, marked 0x80000 so that it never routes into the tailnet)."""

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
        self.ep: "TcpEndpoint | None" = None
        self._timer: Any = None
        self.connected_at: float | None = None
        self.rtt: float | None = None          # SYN → SYN-ACK, what netcheck reports over HTTPS
        self._syn_at = 0.0

    @property
    def dialed_at(self) -> float:
        """When the current (or last) connection to the relay was dialled."""
        return self._syn_at

    def connect(self, server: IPv4Address) -> None:
        from simnet.kernel.tcp import tcp_of

        if self.state in ("connecting", "up") and self.server == server:
            return
        self._drop_socket()
        self.server = server
        self.state = "connecting"
        layer = tcp_of(self.node)
        # every connection gets its own ephemeral port, as connect() does
        while True:
            self.port = 32768 + (self._base_port - 32768 + 7 * self._connections) % 28000
            self._connections += 1
            if (self.port, server, DERP_PORT) not in layer.conns:
                break
        self._syn_at = self.node.sim.now
        self.ep = layer.connect(server, DERP_PORT, sport=self.port, process="tailscaled", pid=TAILSCALED_PID,
                                mark=0x80000, on_change=self._changed, on_data=self._on_data)
        if self.ep.state == "CLOSED":          # connect() failed at once (no route: ENETUNREACH)
            self.ep = None
            self._fail()
            return
        # tailscaled gives up on the region after the SYN and two retransmissions (1 s, then 2 s later)
        self._timer = self.node.sim.schedule(DIAL_TIMEOUT, self._give_up, self.ep)

    def _give_up(self, ep: "TcpEndpoint") -> None:
        if ep is self.ep and self.state == "connecting":
            self.ep = None
            ep.close()
            self._fail()

    def _changed(self, ep: "TcpEndpoint") -> None:
        if ep is not self.ep:
            return
        if ep.state == "ESTAB" and self.state == "connecting":
            if self._timer is not None:
                self._timer.cancel()
            self.state = "up"
            self.connected_at = self.node.sim.now
            self.rtt = self.connected_at - self._syn_at
            self._frame(DerpFrame("hello", self.name), None)
            queued, self.queue = self.queue, []
            for frame, journey in queued:
                self._frame(frame, journey)
        elif ep.state in ("CLOSED", "CLOSE-WAIT"):
            # refused (a reset, ICMP), no route, or the relay closed the connection
            self.ep = None
            if ep.state == "CLOSE-WAIT":
                ep.close()
            self._fail()

    def _on_data(self, ep: "TcpEndpoint", frame: Any) -> None:
        if isinstance(frame, DerpFrame) and frame.kind == "recv" and ep is self.ep:
            self.on_frame(frame, ep.segment)

    def _fail(self) -> None:
        """The relay cannot be reached: what waited for it is lost, and magicsock hears why."""
        if self._timer is not None:
            self._timer.cancel()
        self.state = "failed"
        for _, j in self.queue:
            if j is not None:
                j.finish(Disposition.FILTERED, self.node.name, derp=True, reason="derp-unreachable",
                         server=str(self.server))
        self.queue.clear()
        if self.on_failed is not None:
            self.on_failed(str(self.server))

    def _drop_socket(self) -> None:
        """close() of the socket: an established connection ends with our FIN."""
        ep, self.ep = self.ep, None
        if self._timer is not None:
            self._timer.cancel()
        if ep is not None:
            ep.close()

    def close(self) -> None:
        self._drop_socket()
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
        if self.ep is not None:
            self.ep.send_data(frame, frame.length, journey=journey)
