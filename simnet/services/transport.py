"""Synchronous little conversations through the simulated data plane.

A resolver asking UDP port 53, curl opening TCP 443, Let's Encrypt fetching
port 80: each sends real packets through every kernel on the way (routing,
NAT, conntrack, ufw's iptables chains) and lets simulated time run until the
answer arrives or the timeout passes. The first packet of each step carries
a journey, so the command's trace shows where it got stuck.

Simplification: TCP is a handshake plus one request segment and one answer
segment (no ACK-only segments, no FIN); enough for every firewall decision.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from ipaddress import IPv4Address, IPv6Address
from typing import TYPE_CHECKING, Any, Callable

from simnet.core.digest import sha256
from simnet.links.packet import DEST_UNREACH, Icmp, IPv4Packet, Tcp, Udp
from simnet.trace import Disposition, Journey

if TYPE_CHECKING:
    from simnet.kernel.node import Node

__all__ = ["refinish", "mark_ufw", "udp_ask", "tcp_request", "UdpAsk", "TcpConversation", "TcpOutcome", "UdpOutcome", "SYN_SCHEDULE",
           "ephemeral_port", "answer_tcp", "answer_udp"]

ANY = IPv4Address("0.0.0.0")
# Linux: tcp_syn_retries = 6 -> SYNs at 0, 1, 3, 7, 15, 31, 63 s, connect() fails at 127 s
SYN_SCHEDULE = (0.0, 1.0, 3.0, 7.0, 15.0, 31.0, 63.0)
SYN_GIVE_UP = 127.0


def ephemeral_port(node: "Node", purpose: str) -> int:
    """A port from the Linux ephemeral range, different for each conversation."""
    node.serials["road"] += 1
    n = node.serials["road"]
    digest = sha256(f"{node.name}/{purpose}/{n}".encode()).digest()
    return 32768 + int.from_bytes(digest[:2], "big") % 28232


@dataclass
class UdpOutcome:
    """How a UDP request went: the reply (if any), the status and the packets' journeys."""

    reply: Any = None
    status: str = "timeout"          # ok, timeout, unreachable (no route), refused (ICMP port unreachable)
    src: IPv4Address | None = None
    sport: int = 0
    journeys: list[Journey] = field(default_factory=list)


@dataclass
class TcpOutcome:
    """How a TCP conversation went: ``status`` is ok, refused, timeout, unreachable
    (no route at the sender), hostunreach (ICMP on the way) or closed (reset after
    the handshake)."""

    status: str = "timeout"      # also netunreach / hostunreach (ICMP errors during the handshake)
    response: Any = None
    src: IPv4Address | None = None
    sport: int = 0
    elapsed: float = 0.0
    journeys: list[Journey] = field(default_factory=list)
    answer_journey: Journey | None = None


def refinish(journey: Journey, disposition: Disposition, where: str | None, **reason: Any) -> None:
    """Replace a journey's verdict: the packets arrived, but the program judged the answer
    (an NXDOMAIN, a certificate, an HTTP error) and gave up."""
    journey.disposition = None
    journey.finish(disposition, where, **reason)


def mark_ufw(node: "Node", journeys: list[Journey]) -> None:
    """Note in a dropped journey that ufw's policy dropped it (for the German explanation)."""
    for j in journeys:
        if j.disposition in (Disposition.FILTERED, Disposition.REJECTED) and j.where in node.lab.nodes:
            ufw = node.lab.nodes[j.where].services.get("ufw")
            by_ufw = j.reason.get("policy") or str(j.reason.get("chain") or "").startswith("ufw-")
            if ufw is not None and ufw.enabled and by_ufw:
                j.reason["ufw"] = True


def _send(node: "Node", pkt: IPv4Packet, mark: int) -> IPv4Packet | None:
    from simnet.kernel.stack import SendError

    try:
        if pkt.dst.version == 6:               # an IPv6 peer: the packet goes out through the IPv6 stack
            from simnet.links.packet6 import IPv6Packet

            return node.ip6.stack.send(IPv6Packet(IPv6Address(0), pkt.dst, pkt.payload, journey=pkt.journey))
        return node.stack.send(pkt, mark=mark)
    except SendError as exc:
        # netfilter's EPERM: dig's UDP query and curl's SYN are simply lost, the client
        # waits and times out (checked with the real dig and curl)
        return exc.packet if exc.stage == "sendmsg" else None


class UdpAsk:
    """Send one datagram and wait for one answer, retrying ``tries`` times; event driven.

    ``start()`` sends; ``on_done(outcome)`` runs when an answer or the last timeout came.
    :func:`udp_ask` is the blocking form for commands."""

    def __init__(self, node: "Node", dst: IPv4Address, dport: int, message: Any, flow: str,
                 timeout: float = 5.0, tries: int = 1, mark: int = 0,
                 on_done: Callable[[UdpOutcome], None] | None = None) -> None:
        self.node, self.dst, self.dport, self.message, self.flow = node, dst, dport, message, flow
        self.timeout, self.tries, self.mark, self.on_done = timeout, max(1, tries), mark, on_done
        self.out = UdpOutcome()
        self.done = False
        self._attempt = 0
        self._timer: Any = None

    def start(self) -> None:
        self.out.sport = ephemeral_port(self.node, "udp")
        self.node.stack.sockets[("udp", self.out.sport)] = self._on_packet
        self._send()

    def _send(self) -> None:
        if self.done:
            return
        if self._attempt >= self.tries:
            self._finish("timeout")
            return
        journey = Journey(self.flow) if self._attempt == 0 else None
        if journey is not None:
            self.out.journeys.append(journey)
        self._attempt += 1
        length = getattr(self.message, "length", 40)
        sent = _send(self.node, IPv4Packet(ANY, self.dst, Udp(self.out.sport, self.dport, length, self.message),
                                           journey=journey), self.mark)
        if sent is None:
            self._finish("unreachable")
            return
        self.out.src = sent.src
        self._timer = self.node.sim.schedule(self.timeout, self._send)

    def _on_packet(self, pkt: IPv4Packet, kind: str) -> None:
        if self.done:
            return
        if kind == "error":
            p = pkt.payload
            if isinstance(p, Icmp) and p.type == DEST_UNREACH and p.code == 3:
                self._finish("refused")
            return
        if isinstance(pkt.payload, Udp) and pkt.src == self.dst:
            if pkt.journey is not None:
                pkt.journey.finish(Disposition.DELIVERED, self.node.name)
            self.out.reply = pkt.payload.content
            self._finish("ok")

    def _finish(self, status: str) -> None:
        if self.done:
            return
        self.done = True
        self.out.status = status
        if self._timer is not None:
            self._timer.cancel()
        self.node.stack.sockets.pop(("udp", self.out.sport), None)
        mark_ufw(self.node, self.out.journeys)
        if self.on_done is not None:
            self.on_done(self.out)


def udp_ask(node: "Node", dst: IPv4Address, dport: int, message: Any, flow: str,
            timeout: float = 5.0, tries: int = 1, mark: int = 0) -> UdpOutcome:
    """Blocking :class:`UdpAsk`: simulated time runs until the answer or the last timeout."""
    ask = UdpAsk(node, dst, dport, message, flow, timeout, tries, mark)
    ask.start()
    node.sim.run(until=node.sim.now + timeout * ask.tries + 0.001, stop=lambda: ask.done)
    if not ask.done:
        ask._finish("timeout")
    return ask.out


class TcpConversation:
    """Handshake, one request segment, one answer; event driven like :class:`UdpAsk`."""

    def __init__(self, node: "Node", dst: IPv4Address, dport: int, request: Any, flow: str,
                 connect_timeout: float = SYN_GIVE_UP, answer_timeout: float = 10.0, mark: int = 0,
                 on_done: Callable[[TcpOutcome], None] | None = None) -> None:
        self.node, self.dst, self.dport, self.request, self.flow = node, dst, dport, request, flow
        self.connect_timeout = min(connect_timeout, SYN_GIVE_UP)
        self.answer_timeout, self.mark, self.on_done = answer_timeout, mark, on_done
        self.out = TcpOutcome()
        self.done = False
        self.phase = "syn"
        self.soft: str | None = None
        self._timers: list[Any] = []
        self._start = 0.0
        self._syn_journey = Journey(f"{flow} (Verbindungsaufbau TCP {dst}:{dport})")
        self.mss = 0

    def start(self) -> None:
        sim = self.node.sim
        self._start = sim.now
        self.out.sport = ephemeral_port(self.node, "tcp")
        self.out.journeys.append(self._syn_journey)
        self.node.stack.sockets[("tcp", self.out.sport)] = self._on_packet
        for k, at in enumerate(SYN_SCHEDULE):
            if at < self.connect_timeout:
                self._timers.append(sim.schedule(at, self._syn, k))
        self._timers.append(sim.schedule(self.connect_timeout, self._connect_expired))

    def _mss(self) -> int:
        """tcp_advertise_mss: the MTU of the device the route leaves by, minus 40."""
        from simnet.kernel.routing import RouteError

        if self.dst.version == 6:
            from simnet.kernel.ipv6.source import RouteError6

            try:
                route6, _ = self.node.ip6.stack.route(self.dst)
            except RouteError6:
                return 0
            dev6 = self.node.interfaces.get(route6.dev or "")
            return max(0, (dev6.mtu if dev6 is not None else 1500) - 60)
        try:
            route, _ = self.node.stack.route_output(self.dst, mark=self.mark)
        except RouteError:
            return 0
        dev = self.node.interfaces.get(route.dev or "")
        return max(0, (dev.mtu if dev is not None else 1500) - 40)

    def _syn(self, k: int) -> None:
        if self.phase != "syn" or self.done:
            return
        if k == 0:
            self.mss = self._mss()
        sent = _send(self.node, IPv4Packet(ANY, self.dst, Tcp(self.out.sport, self.dport, "S", 0, 0, mss=self.mss),
                                           journey=self._syn_journey if k == 0 else None), self.mark)
        if sent is None:
            self._finish("unreachable")
            return
        self.out.src = sent.src

    def _connect_expired(self) -> None:
        if self.phase == "syn":
            self._finish(self.soft or "timeout")

    def _on_packet(self, pkt: IPv4Packet, kind: str) -> None:
        if self.done:
            return
        p = pkt.payload
        if kind == "error":
            # in SYN_SENT every "destination unreachable" ends connect() at once (tcp_v4_err)
            if isinstance(p, Icmp) and p.type == DEST_UNREACH and self.phase == "syn":
                self._finish({0: "netunreach", 3: "refused"}.get(p.code, "hostunreach"))
            elif pkt.src.version == 6 and getattr(p, "type", 0) == 1 and self.phase == "syn":   # ICMPv6
                self._finish({0: "netunreach", 4: "refused"}.get(p.code, "hostunreach"))
            return
        if not isinstance(p, Tcp) or pkt.src != self.dst or p.sport != self.dport:
            return
        if "R" in p.flags:
            self._finish("refused" if self.phase == "syn" else "closed")
            return
        if p.flags == "S." and self.phase == "syn":
            self.phase = "sent"
            self._syn_journey.finish(Disposition.DELIVERED, self.node.name)
            journey = Journey(self.flow)
            self.out.journeys.append(journey)
            length = getattr(self.request, "length", 100)
            if self.mss:
                length = min(length, self.mss)
            _send(self.node, IPv4Packet(ANY, self.dst, Tcp(self.out.sport, self.dport, "P.", 1, 1, length,
                                                           content=self.request, mss=self.mss),
                                        journey=journey), self.mark)
            self._timers.append(self.node.sim.schedule(self.answer_timeout, self._answer_expired))
            return
        if self.phase == "sent" and p.content is not None:
            self.out.answer_journey = pkt.journey      # the caller judges the answer and finishes it
            self.out.response = p.content
            self._finish("ok")

    def _answer_expired(self) -> None:
        if self.phase == "sent":
            self._finish("timeout")

    def _finish(self, status: str) -> None:
        if self.done:
            return
        self.done = True
        self.out.status = status
        self.out.elapsed = self.node.sim.now - self._start
        for t in self._timers:
            t.cancel()
        self.node.stack.sockets.pop(("tcp", self.out.sport), None)
        mark_ufw(self.node, self.out.journeys)
        if self.on_done is not None:
            self.on_done(self.out)


def tcp_request(node: "Node", dst: IPv4Address, dport: int, request: Any, flow: str,
                connect_timeout: float = SYN_GIVE_UP, answer_timeout: float = 10.0,
                mark: int = 0) -> TcpOutcome:
    """Blocking :class:`TcpConversation` for commands."""
    conv = TcpConversation(node, dst, dport, request, flow, connect_timeout, answer_timeout, mark)
    conv.start()
    node.sim.run(until=node.sim.now + conv.connect_timeout + answer_timeout + 0.001, stop=lambda: conv.done)
    if not conv.done:
        conv._finish("timeout")
    return conv.out


def answer_tcp(node: "Node", pkt: IPv4Packet, content: Any = None, flags: str = "P.",
               length: int | None = None) -> None:
    """Server side: answer a received segment (SYN-ACK, data or reset) on the way back."""
    p = pkt.payload
    assert isinstance(p, Tcp)
    data_len = length if length is not None else (getattr(content, "length", 0) if content is not None else 0)
    if p.mss:                      # the segment fits the MSS the client announced
        data_len = min(data_len, p.mss)
    seg = Tcp(p.dport, p.sport, flags, 1, p.seq + max(1, p.data_len), data_len, content=content)
    _answer(node, pkt, seg)


def _answer(node: "Node", pkt: IPv4Packet, payload: Any) -> None:
    """Send ``payload`` back to where ``pkt`` came from, over IPv4 or IPv6 like the question."""
    if pkt.src.version == 6:
        from simnet.links.packet6 import IPv6Packet

        reply6 = IPv6Packet(pkt.dst, pkt.src, payload, journey=pkt.journey)  # type: ignore[arg-type]
        if reply6.journey is not None:
            reply6.journey.leg = "back"
        node.ip6.stack.send_quiet(reply6)
        return
    reply = IPv4Packet(pkt.dst, pkt.src, payload, journey=pkt.journey)
    if reply.journey is not None:
        reply.journey.leg = "back"
    node.stack.send_local_error(reply)


def answer_udp(node: "Node", pkt: IPv4Packet, content: Any) -> None:
    p = pkt.payload
    assert isinstance(p, Udp)
    _answer(node, pkt, Udp(p.dport, p.sport, getattr(content, "length", 40), content))


CLOSE_DELAY = 0.0001           # curl's time from the last byte to close()
ERRNO_STATUS = {"Connection refused": "refused", "No route to host": "hostunreach",
                "Network is unreachable": "netunreach", "Connection timed out": "timeout",
                "Connection reset by peer": "closed"}


def kernel_request(node: "Node", dst: IPv4Address, dport: int, request: Any, length: int, flow: str,
                   connect_timeout: float = SYN_GIVE_UP, answer_timeout: float = 10.0,
                   process: str = "curl") -> TcpOutcome:
    """A request over the node's real TCP (:mod:`simnet.kernel.tcp`), as curl does it: handshake with
    the kernel's ISN and options, the request as one [P.] segment of ``length`` bytes, the answer, and
    the client's FIN once the answer is complete. Used when the server is a kernel TCP socket."""
    from simnet.kernel.tcp import tcp_of

    out = TcpOutcome()
    sim = node.sim
    start = sim.now
    syn_journey = Journey(f"{flow} (Verbindungsaufbau TCP {dst}:{dport})")
    out.journeys.append(syn_journey)
    got: list[Any] = []
    mark: list[int] = []

    def on_data(ep: Any, data: Any) -> None:
        if data is not None and not got:
            got.append(data)
            mark.append(ep.rcv_nxt)
        if data is None:
            ep.close()                 # EOF: our FIN carries the ACK of theirs
        elif _complete(ep, got[0], ep.rcv_nxt - mark[0], request):
            # the answer is complete: curl closes with FIN, a moment after the kernel's ACK
            sim.schedule(CLOSE_DELAY, ep.close)

    ep = tcp_of(node).connect(dst, dport, process=process, pid=0, journey=syn_journey)
    out.sport = ep.lport
    limit = min(connect_timeout, SYN_GIVE_UP)
    sim.run(until=start + limit + 0.001, stop=lambda: ep.state != "SYN-SENT")
    if ep.state != "ESTAB":
        if ep.state == "SYN-SENT":
            ep.close()
        out.status = ERRNO_STATUS.get(ep.error or "", "timeout")
        if ep.error is None and ep.state == "CLOSED" and not ep.local.is_unspecified:
            out.status = "timeout"
        out.src = None if ep.local.is_unspecified else ep.local
        out.elapsed = sim.now - start
        mark_ufw(node, out.journeys)
        return out
    out.src = ep.local
    journey = Journey(flow)
    out.journeys.append(journey)
    ep.on_data = on_data
    ep.send_data(request, length, journey=journey)
    sim.run(until=sim.now + answer_timeout, stop=lambda: ep.state not in ("ESTAB",))
    if got:
        out.status, out.response = "ok", got[0]
        out.answer_journey = journey          # the caller judges the answer and finishes it
        sim.run(until=sim.now + 1.0, stop=lambda: ep.state in ("TIME-WAIT", "CLOSED"))
    else:
        out.status = "closed" if ep.state == "CLOSED" else "timeout"
    out.elapsed = sim.now - start
    mark_ufw(node, out.journeys)
    return out


def _complete(ep: Any, answer: Any, body_bytes: int, request: Any) -> bool:
    """Has the whole answer arrived? The header segment, then Content-Length bytes (none for HEAD)."""
    if getattr(request, "method", "") == "HEAD":
        return True
    header = getattr(answer, "header", None)
    length = header("Content-Length") if header is not None else None
    try:
        return body_bytes >= int(length or 0)
    except ValueError:
        return True
