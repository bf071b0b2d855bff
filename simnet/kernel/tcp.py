"""TCP endpoints in the data plane: listen, connect, the three-way handshake, data, FIN and RST.

Each segment is a real packet through every kernel on the way (routing, netfilter,
conntrack, NAT), so tcpdump shows ``Flags [S]``, ``[S.]``, ``[.]``, ``[P.]``, ``[F.]`` with
sequence numbers, windows and timestamp options, and conntrack walks SYN_SENT →
ESTABLISHED → TIME_WAIT. The states are Linux's (``ss`` names them: SYN-SENT, ESTAB,
FIN-WAIT-1/2, CLOSE-WAIT, LAST-ACK, TIME-WAIT, LISTEN). The SYN is retransmitted after
1, 3, 7, 15, 31 and 63 s and connect() gives up at 127 s (tcp_syn_retries = 6); an
ICMP "destination unreachable" or a RST ends it at once.

What simnet leaves out: congestion control, SACK, delayed ACK timers (an answer that
the application sends at once carries the ACK, as on the wire). Windows, window scale
(10) and options are those the recording kernel uses.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from ipaddress import IPv4Address, IPv6Address
TYPE_CHECKING = False    # typing.TYPE_CHECKING without importing typing (issue 20: cold start)

from simnet.core.digest import sha256
from simnet.kernel.udp import UdpSocket
from simnet.links.packet import DEST_UNREACH, Icmp, IPv4Packet, Tcp

if TYPE_CHECKING:
    from typing import Any, Callable
    from simnet.kernel.node import Node
    from simnet.links.packet6 import IPv6Packet
    from simnet.trace import Journey

    Addr = IPv4Address | IPv6Address          # an endpoint's addresses: both of one family
    IPPacket = IPv4Packet | IPv6Packet        # a segment of either family

__all__ = ["TcpLayer", "Endpoint", "Listener", "tcp_of", "reset_for", "ERRNO_OF_ICMP", "SYN_SCHEDULE", "SYN_GIVE_UP"]

ANY = IPv4Address(0)
ANY6 = IPv6Address(0)
WSCALE = 10
SYN_WINDOW = 64240          # the SYN's window (before scaling applies)
SYNACK_WINDOW = 65160
# over IPv6 the MSS is 20 bytes smaller (1440), and so are the first windows the kernel offers
SYN_WINDOW6, SYNACK_WINDOW6 = 64800, 64260
TIME_WAIT_LEN = 60.0        # TCP_TIMEWAIT_LEN
SYN_SCHEDULE = (1.0, 3.0, 7.0, 15.0, 31.0, 63.0)     # retransmissions after the first SYN
SYN_GIVE_UP = 127.0
SYNACK_SCHEDULE = (1.0, 3.0, 7.0, 15.0, 31.0)        # tcp_synack_retries = 5
RTO_MIN, RTO_MAX, RETRIES2 = 0.2, 120.0, 15          # data: TCP_RTO_MIN, TCP_RTO_MAX, tcp_retries2
FIN_TIMEOUT = 60.0          # net.ipv4.tcp_fin_timeout
DELACK_MIN = 0.04           # TCP_DELACK_MIN: the delayed ACK of a FIN nobody answered at once
# icmp_err_convert for "destination unreachable" codes, as connect() reports them
ERRNO_OF_ICMP = {0: "Network is unreachable", 1: "No route to host", 2: "Protocol not available",
                 3: "Connection refused", 5: "Operation not supported", 6: "Network is unreachable",
                 7: "Host is down", 8: "Machine is not on the network", 9: "Network is unreachable",
                 10: "No route to host", 11: "Network is unreachable", 12: "No route to host",
                 13: "No route to host", 14: "No route to host", 15: "No route to host"}


def _hash32(*parts: object) -> int:
    return int.from_bytes(sha256("/".join(map(str, parts)).encode()).digest()[:4], "big")


def reset_for(seg: Tcp) -> Tcp:
    """tcp_v4_send_reset / nf_send_reset: the RST for ``seg`` takes its sequence number from the
    segment's ACK; a segment without ACK is answered with ``R.`` acknowledging all it occupied."""
    if "." in seg.flags:
        return Tcp(seg.dport, seg.sport, "R", seg.ack, 0, window=0)
    occupied = seg.data_len + ("S" in seg.flags) + ("F" in seg.flags)
    return Tcp(seg.dport, seg.sport, "R.", 0, (seg.seq + occupied) & 0xFFFFFFFF, window=0)


def tcp_of(node: "Node") -> "TcpLayer":
    """The node's TCP layer, made on first use."""
    if node.tcp_layer is None:
        node.tcp_layer = TcpLayer(node)
    return node.tcp_layer


@dataclass(eq=False)
class Listener:
    """A listening socket (``ss``: LISTEN, Send-Q = backlog)."""

    layer: "TcpLayer"
    port: int
    addr: IPv4Address | IPv6Address = ANY     # 0.0.0.0 (IPv4 only) or :: (IPv4 and IPv6, ss: *)
    backlog: int = 1
    process: str = ""
    pid: int = 0
    on_accept: Callable[["Endpoint"], None] | None = None
    open: bool = True
    v6only: bool = False        # IPV6_V6ONLY: a [::] socket that takes no IPv4
    # a daemon's socket (nginx, sshd, pveproxy …): ss lists it from the daemon's own rows, and
    # ``admits`` may refuse a SYN with a reset (the daemon is stopped, or bound to another address)
    listed: bool = True
    admits: Callable[[Any], bool] | None = None
    # ``manual``: the program calls accept() itself (nc -lk, busy with one connection at a time); the
    # established connections wait in ``queue`` (ss: the listener's Recv-Q), their data unread in the
    # kernel, and ``on_accept`` only tells that one is waiting
    manual: bool = False
    queue: list["Endpoint"] = field(default_factory=list)

    def accept(self) -> "Endpoint | None":
        """accept(): the oldest established connection of the queue (one the peer reset is gone)."""
        while self.queue:
            ep = self.queue.pop(0)
            if ep.state != "CLOSED":
                return ep
        return None

    @property
    def waiting(self) -> int:
        """The accept queue's length (ss shows it as a listener's Recv-Q)."""
        return sum(1 for ep in self.queue if ep.state != "CLOSED")

    def takes(self, version: int) -> bool:
        if self.addr.version == 4:
            return version == 4
        return version == 6 or not self.v6only

    def takes_packet(self, pkt: Any) -> bool:
        """inet_lookup_listener: the family, the bound address (unless unspecified), the daemon."""
        if not self.takes(pkt.src.version):
            return False
        if not self.addr.is_unspecified and pkt.dst != self.addr:
            return False
        return self.admits is None or self.admits(pkt)


@dataclass(eq=False)
class Endpoint:
    """One end of a connection (struct tcp_sock, as far as a learner sees it)."""

    layer: "TcpLayer"
    local: "Addr"
    lport: int
    remote: "Addr"
    rport: int
    state: str = "CLOSED"
    iss: int = 0
    snd_nxt: int = 0
    snd_una: int = 0            # the oldest byte the peer has not acknowledged yet
    rcv_nxt: int = 0
    ts_offset: int = 0
    ts_recent: int = 0
    listener: Listener | None = None
    process: str = ""
    pid: int = 0
    error: str | None = None          # why connect() or the connection failed (strerror)
    received: list[Any] = field(default_factory=list)
    peer_closed: bool = False
    journey: "Journey | None" = None
    on_data: Callable[["Endpoint", Any], None] | None = None
    on_change: Callable[["Endpoint"], None] | None = None
    timers: list[Any] = field(default_factory=list)
    started: float = 0.0
    family: int = 0             # AF_INET6 (6) for an IPv4 peer of a dual-stack listener; 0: the peer's
    segment: Any = None               # the packet whose data on_data is reading (its journey, its source)
    unread: int = 0             # bytes (and a FIN) that arrived while no program reads (ss: Recv-Q)
    mark: int = 0               # SO_MARK (tailscaled's 0x80000: its own traffic bypasses table 52)

    # -------------------------------------------------------------- helpers
    @property
    def node(self) -> "Node":
        return self.layer.node

    def _ts(self) -> int:
        return (int(self.node.sim.now * 1000) + self.ts_offset) & 0xFFFFFFFF

    def _set(self, state: str) -> None:
        self.state = state
        if self.on_change is not None:
            self.on_change(self)

    def _cancel(self) -> None:
        for t in self.timers:
            t.cancel()
        self.timers.clear()

    @property
    def v6(self) -> bool:
        return self.remote.version == 6

    @property
    def sock_family(self) -> int:
        """The socket's address family: an AF_INET6 socket holds an IPv4 peer as ::ffff:a.b.c.d."""
        return self.family or self.remote.version

    def _first_window(self) -> int:
        if self.v6:
            return SYNACK_WINDOW6 if self.listener is not None else SYN_WINDOW6
        return SYNACK_WINDOW if self.listener is not None else SYN_WINDOW

    def _window(self) -> int:
        return -(-self._first_window() // (1 << WSCALE))       # the scaled window, rounded up

    def _send(self, flags: str, data: Any = None, length: int = 0, journey: "Journey | None" = None) -> bool:
        syn = "S" in flags
        window = self._first_window() if syn else self._window()
        ack = self.rcv_nxt if "." in flags else 0
        seg = Tcp(self.lport, self.rport, flags, self.snd_nxt, ack, length, window, content=data,
                  ts=(self._ts(), self.ts_recent), syn_opts=syn)
        from simnet.kernel.stack import SendError

        sent: IPPacket             # the IPv4 or IPv6 packet as it left
        local, remote = self.local, self.remote
        try:
            if isinstance(remote, IPv6Address):
                from simnet.links.packet6 import IPv6Packet

                assert isinstance(local, IPv6Address)       # an endpoint's addresses share the family
                sent = self.node.ip6.stack.send(IPv6Packet(local, remote, seg, journey=journey), mark=self.mark)
            else:
                assert isinstance(local, IPv4Address)
                sent = self.node.stack.send(IPv4Packet(local, remote, seg, journey=journey), mark=self.mark)
        except SendError as exc:
            if exc.stage == "connect":
                self.error = exc.errno_text
                self._drop()
                return False
            return True            # EPERM from OUTPUT: the segment is lost, the timers go on
        if self.local.is_unspecified:
            self.local = sent.src
        self.snd_nxt += length + (1 if syn or "F" in flags else 0)
        return True

    # -------------------------------------------------------------- client
    def connect(self) -> None:
        sim = self.node.sim
        self.started = sim.now
        self._set("SYN-SENT")
        if not self._send("S", journey=self.journey):
            return
        for at in SYN_SCHEDULE:
            self.timers.append(sim.schedule(at, self._resend_syn))
        self.timers.append(sim.schedule(SYN_GIVE_UP, self._give_up))

    def _resend_syn(self) -> None:
        if self.state == "SYN-SENT":
            self.snd_nxt = self.iss
            self._send("S")

    def _give_up(self) -> None:
        if self.state == "SYN-SENT":
            self.error = "Connection timed out"
            self._drop()

    # -------------------------------------------------------------- server
    def _answer_syn(self, pkt: "IPPacket") -> None:
        seg = pkt.payload
        if not isinstance(seg, Tcp):
            return
        self.rcv_nxt = seg.seq + 1
        self.ts_recent = seg.ts[0] if seg.ts else 0
        self._set("SYN-RECV")
        self._send("S.", journey=pkt.journey)
        for at in SYNACK_SCHEDULE:
            self.timers.append(self.node.sim.schedule(at, self._resend_synack))

    def _resend_synack(self) -> None:
        if self.state == "SYN-RECV":
            self.snd_nxt = self.iss
            self._send("S.")

    # -------------------------------------------------------------- segments
    def receive(self, pkt: "IPPacket") -> None:
        seg = pkt.payload
        if not isinstance(seg, Tcp):
            return
        if seg.ts:
            self.ts_recent = seg.ts[0]
        flags = seg.flags
        if "." in flags and (seg.ack - self.snd_una) & 0xFFFFFFFF <= (self.snd_nxt - self.snd_una) & 0xFFFFFFFF:
            self.snd_una = seg.ack
        if "R" in flags:
            self._cancel()
            if self.state == "SYN-SENT":
                self.error = "Connection refused"
            elif self.state not in ("TIME-WAIT", "CLOSED"):
                self.error = "Connection reset by peer"
            self._drop()
            return
        if self.state == "SYN-SENT":
            if "." in flags and seg.ack != self.snd_nxt:
                # an ACK for something we never sent (a challenge ACK of an old connection on the same
                # address pair): tcp_rcv_synsent_state_process answers with a reset, and the SYN is retried
                self.layer._reset(pkt)
                return
            if flags == "S." and seg.ack == self.snd_nxt:
                self._cancel()
                self.rcv_nxt = seg.seq + 1
                if pkt.journey is not None:
                    from simnet.trace import Disposition

                    pkt.journey.finish(Disposition.DELIVERED, self.node.name)
                self._send(".")
                self._set("ESTAB")
            return
        if "S" in flags and self.state not in ("SYN-RECV", "TIME-WAIT"):
            # a SYN on a synchronized connection (RFC 5961 4.2, tcp_send_challenge_ack): only an ACK answers
            self._send(".")
            return
        if self.state == "SYN-RECV":
            if "." in flags and seg.ack == self.snd_nxt:
                self._cancel()
                self._set("ESTAB")
                if self.listener is not None and self.listener.manual:
                    self.listener.queue.append(self)
                if self.listener is not None and self.listener.on_accept is not None:
                    self.listener.on_accept(self)
            else:
                return
        if seg.data_len and seg.seq == self.rcv_nxt:
            self.rcv_nxt += seg.data_len
            self.received.append(seg.content)
            self.segment = pkt
            if self.on_data is not None:
                self.on_data(self, seg.content)
            else:
                self.unread += seg.data_len
            if "F" not in flags and self.state in ("ESTAB", "FIN-WAIT-1", "FIN-WAIT-2"):
                self._send(".")
        if "F" in flags and seg.seq + seg.data_len == self.rcv_nxt:
            self.rcv_nxt += 1
            self.peer_closed = True
            if self.state == "ESTAB":
                self._set("CLOSE-WAIT")
                if self.on_data is not None:
                    self.on_data(self, None)          # EOF: the application reads 0 bytes
                else:
                    self.unread += 1                  # tcp_fin: the FIN takes a sequence number
                if self.state == "CLOSE-WAIT":
                    # tcp_fin enters delayed-ACK (pingpong) mode: a program that closes at once sends
                    # its FIN with the ACK; otherwise the delayed-ACK timer sends a plain one
                    self.timers.append(self.node.sim.schedule(DELACK_MIN, self._ack_fin))
            elif self.state in ("FIN-WAIT-1", "FIN-WAIT-2"):
                self._send(".")
                self._time_wait()
            return
        if "." in flags:
            if self.state == "FIN-WAIT-1" and seg.ack == self.snd_nxt:
                self._set("FIN-WAIT-2")
                # tcp_fin_timeout: a socket whose peer never closes is dropped after 60 s (simnet starts
                # the clock here, not when the program lets go of the socket)
                self.timers.append(self.node.sim.schedule(FIN_TIMEOUT, self._fin_timeout))
            elif self.state == "LAST-ACK" and seg.ack == self.snd_nxt:
                self._drop()

    # -------------------------------------------------------------- application
    def send_data(self, data: Any, length: int, journey: "Journey | None" = None) -> None:
        """Send one segment of data; it is sent again after 0.2, 0.4, 0.8 … s until acknowledged
        (RTO doubling from TCP_RTO_MIN), and after tcp_retries2 = 15 tries the connection dies."""
        if self.state in ("ESTAB", "CLOSE-WAIT") and length > 0:
            seq = self.snd_nxt
            self._send("P.", data, length, journey=journey)
            self.timers.append(self.node.sim.schedule(RTO_MIN, self._retransmit, seq, data, length, 1))

    def _retransmit(self, seq: int, data: Any, length: int, tries: int) -> None:
        acked = 0 < (self.snd_una - seq) & 0xFFFFFFFF < 0x80000000
        if acked or self.state not in ("ESTAB", "CLOSE-WAIT", "FIN-WAIT-1", "LAST-ACK"):
            return                          # acknowledged (or gone) meanwhile
        if tries > RETRIES2:
            self.error = "Connection timed out"
            self._drop()
            return
        after = self.snd_nxt
        self.snd_nxt = seq
        self._send("P.", data, length)
        self.snd_nxt = after
        self.timers.append(self.node.sim.schedule(min(RTO_MIN * 2 ** tries, RTO_MAX), self._retransmit,
                                                  seq, data, length, tries + 1))

    def close(self) -> None:
        """close()/shutdown(SHUT_WR): send our FIN (an established socket) or just go away."""
        if self.state in ("ESTAB", "SYN-RECV"):
            self._send("F.")
            self._set("FIN-WAIT-1")
        elif self.state == "CLOSE-WAIT":
            self._send("F.")
            self._set("LAST-ACK")
        elif self.state == "SYN-SENT":
            self._cancel()
            self._drop()

    def _fin_timeout(self) -> None:
        if self.state == "FIN-WAIT-2":
            self._drop()

    def _ack_fin(self) -> None:
        if self.state == "CLOSE-WAIT":
            self._send(".")

    def abort(self) -> None:
        """tcp_send_active_reset: ``R.`` with our next sequence number and what we acknowledge, then
        the socket is gone (a connection still in a closing listener's accept queue)."""
        if self.state not in ("CLOSED", "TIME-WAIT", "SYN-SENT", "SYN-RECV"):
            self._send("R.")
        self._drop()

    def _time_wait(self) -> None:
        self._cancel()
        self._set("TIME-WAIT")
        self.timers.append(self.node.sim.schedule(TIME_WAIT_LEN, self._drop))

    def _drop(self) -> None:
        self._cancel()
        self.layer.forget(self)
        self._set("CLOSED")


class TcpLayer:
    """The node's TCP sockets: listeners by port, connections by (local port, remote, remote port)."""

    def __init__(self, node: "Node") -> None:
        self.node = node
        self.listeners: dict[int, Listener] = {}
        self.conns: dict[tuple[int, Addr, int], Endpoint] = {}
        self.udp: dict[int, UdpSocket] = {}                 # UDP sockets of programs (nc), as ss lists them
        self._next_port = 0

    # ------------------------------------------------------------ sockets
    def listen(self, port: int, backlog: int = 1, process: str = "", pid: int = 0,
               on_accept: Callable[[Endpoint], None] | None = None, addr: IPv4Address | IPv6Address = ANY,
               v6only: bool = False) -> Listener:
        """bind() and listen() on 0.0.0.0:port (or [::]:port, which takes IPv4 too unless
        ``v6only``); raises OSError(EADDRINUSE) when taken."""
        sockets = self.node.stack.sockets
        if port in self.listeners or sockets.get(("tcp", port), self._handler) != self._handler:
            raise OSError("Address already in use")
        lst = Listener(self, port, addr, backlog, process, pid, on_accept, v6only=v6only)
        self.listeners[port] = lst
        sockets[("tcp", port)] = self._handler
        return lst

    def bind_udp(self, sock: UdpSocket) -> UdpSocket:
        """bind(): the port takes datagrams for ``sock``; raises OSError(EADDRINUSE) when taken."""
        if ("udp", sock.port) in self.node.stack.sockets:
            raise OSError("Address already in use")
        self.udp[sock.port] = sock
        self.node.stack.sockets[("udp", sock.port)] = sock
        return sock

    def close_udp(self, sock: UdpSocket) -> None:
        key = ("udp", sock.port)
        if self.udp.get(sock.port) is sock:
            del self.udp[sock.port]
        if self.node.stack.sockets.get(key) is sock:
            del self.node.stack.sockets[key]

    def unlisten(self, lst: Listener) -> None:
        """close() of a listening socket: connections nobody accepted yet are reset (inet_csk_listen_stop)."""
        lst.open = False
        for ep in lst.queue:
            ep.abort()
        lst.queue.clear()
        if self.listeners.get(lst.port) is lst:
            del self.listeners[lst.port]
            if not any(k[0] == lst.port for k in self.conns):
                self._release(lst.port)

    def _release(self, port: int) -> None:
        """No socket left on ``port``: take the layer's handler out."""
        if self.node.stack.sockets.get(("tcp", port)) == self._handler:
            del self.node.stack.sockets[("tcp", port)]

    def connect(self, dst: "Addr", dport: int, sport: int | None = None, process: str = "", pid: int = 0,
                journey: "Journey | None" = None, mark: int = 0,
                on_change: Callable[[Endpoint], None] | None = None,
                on_data: Callable[[Endpoint, Any], None] | None = None) -> Endpoint:
        """connect() to ``dst`` (either family; the source address is the family's unspecified one
        until the first segment's route picks it); the SYN leaves at once, ``on_change``/``on_data``
        are in place before it does."""
        port = sport or self.ephemeral_port()
        ep = Endpoint(self, ANY6 if isinstance(dst, IPv6Address) else ANY, port, dst, dport, process=process,
                      pid=pid, journey=journey, mark=mark, on_change=on_change, on_data=on_data)
        ep.iss = ep.snd_nxt = ep.snd_una = _hash32(self.node.name, port, dst, dport, "isn")
        ep.ts_offset = _hash32(self.node.name, port, "ts")
        self.conns[(port, dst, dport)] = ep
        self.node.stack.sockets[("tcp", port)] = self._handler
        ep.connect()
        return ep

    def ephemeral_port(self) -> int:
        """A free port from Linux's ephemeral range (32768-60999)."""
        for _ in range(28232):
            self._next_port += 1
            port = 32768 + (_hash32(self.node.name, "port", self._next_port) % 28232)
            if ("tcp", port) not in self.node.stack.sockets:
                return port
        raise OSError("Cannot assign requested address")

    def forget(self, ep: Endpoint) -> None:
        key = (ep.lport, ep.remote, ep.rport)
        if self.conns.get(key) is ep:
            del self.conns[key]
        if ep.lport not in self.listeners and not any(k[0] == ep.lport for k in self.conns):
            self._release(ep.lport)

    def sockets(self) -> list[Any]:
        return [*self.listeners.values(), *self.conns.values()]

    # ------------------------------------------------------------ packets
    def _handler(self, pkt: "IPPacket", kind: str) -> None:
        if kind == "error":
            self._icmp_error(pkt)
            return
        seg = pkt.payload
        if not isinstance(seg, Tcp):
            return
        ep = self.conns.get((seg.dport, pkt.src, seg.sport))
        if ep is not None:
            if "S" in seg.flags and "." not in seg.flags and ep.state == "TIME-WAIT":
                ep._drop()                # a new SYN reuses the pair (tcp_timewait_state_process)
            else:
                ep.receive(pkt)
                return
        lst = self.listeners.get(seg.dport)
        if lst is not None and seg.flags == "S" and lst.takes_packet(pkt):
            ep = Endpoint(self, pkt.dst, seg.dport, pkt.src, seg.sport, listener=lst, process=lst.process,
                          pid=lst.pid, family=lst.addr.version)
            ep.iss = ep.snd_nxt = ep.snd_una = _hash32(self.node.name, seg.dport, pkt.src, seg.sport, "isn")
            ep.ts_offset = _hash32(self.node.name, seg.dport, "ts")
            self.conns[(seg.dport, pkt.src, seg.sport)] = ep
            self.node.stack._step(pkt, "deliver", "socket", proto="tcp", port=seg.dport)
            ep._answer_syn(pkt)
            return
        if "R" not in seg.flags:
            if lst is not None and seg.flags == "S" and not lst.takes(pkt.src.version):
                # a socket on the port, but of the other family (nginx's `listen 443` is 0.0.0.0:443)
                from simnet.trace import Disposition

                stack = self.node.stack
                stack._step(pkt, "deliver", "closed-port", port=seg.dport, v4_only=True, process=lst.process)
                stack._finish(pkt, Disposition.PORT_UNREACHABLE, port=seg.dport, proto="tcp", ipv6=True,
                              v4_only=True, process=lst.process)
            self._reset(pkt)

    def _reset(self, pkt: "IPPacket") -> None:
        """tcp_v4_send_reset / tcp_v6_send_reset: no socket for this segment."""
        seg = pkt.payload
        if not isinstance(seg, Tcp):
            return
        rst = reset_for(seg)
        if not isinstance(pkt, IPv4Packet):
            from simnet.links.packet6 import IPv6Packet

            from simnet.kernel.sockets import answer_leg

            reply = IPv6Packet(pkt.dst, pkt.src, rst, journey=pkt.journey)
            answer_leg(reply)
            self.node.ip6.stack.send_quiet(reply)
            return
        self.node.stack.send_local_error(IPv4Packet(pkt.dst, pkt.src, rst))

    def _icmp_error(self, pkt: "IPPacket") -> None:
        icmp = pkt.payload
        if not isinstance(pkt, IPv4Packet):
            self._icmp6_error(pkt)
            return
        if not isinstance(icmp, Icmp) or icmp.inner is None or icmp.type != DEST_UNREACH:
            return
        inner = icmp.inner
        seg = inner.payload
        if not isinstance(seg, Tcp):
            return
        ep = self.conns.get((seg.sport, inner.dst, seg.dport))
        if ep is None or icmp.code == 4:
            return
        if ep.state in ("SYN-SENT", "SYN-RECV"):
            # tcp_v4_err: during the handshake every unreachable is fatal
            ep.error = ERRNO_OF_ICMP.get(icmp.code, "No route to host")
            ep._drop()

    def _icmp6_error(self, pkt: "IPv6Packet") -> None:
        """tcp_v6_err: a destination unreachable during the handshake ends connect() (icmpv6_err_convert)."""
        from simnet.links.packet6 import Icmp6

        icmp = pkt.payload
        if not isinstance(icmp, Icmp6) or icmp.inner is None or icmp.type != 1:
            return
        inner = icmp.inner
        if not isinstance(inner.payload, Tcp):
            return
        seg = inner.payload
        ep = self.conns.get((seg.sport, inner.dst, seg.dport))
        if ep is not None and ep.state in ("SYN-SENT", "SYN-RECV"):
            ep.error = ERRNO_OF_ICMP6.get(icmp.code, "No route to host")
            ep._drop()


# icmpv6_err_convert: no route, administratively prohibited, beyond scope, address and port unreachable
ERRNO_OF_ICMP6 = {0: "Network is unreachable", 1: "Permission denied", 2: "No route to host",
                  3: "No route to host", 4: "Connection refused"}
