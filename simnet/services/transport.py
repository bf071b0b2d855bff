"""Synchronous little conversations through the simulated data plane.

A resolver asking UDP port 53, curl opening TCP 443, Let's Encrypt fetching
port 80: each sends real packets through every kernel on the way (routing,
NAT, conntrack, ufw's iptables chains) and lets simulated time run until the
answer arrives or the timeout passes. The first packet of each step carries
a journey, so the command's trace shows where it got stuck.

TCP requests (curl, ssh, tailscale's control connection, Let's Encrypt's check) run over the
node's real TCP (:mod:`simnet.kernel.tcp`): handshake, the request, the answer, the FIN/ACK close;
the daemons answer through :mod:`simnet.services.tcpserve`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from ipaddress import IPv4Address, IPv6Address
TYPE_CHECKING = False    # typing.TYPE_CHECKING without importing typing (issue 20: cold start)

from simnet.core.digest import sha256
from simnet.links.packet import DEST_UNREACH, Icmp, IPv4Packet, Udp
from simnet.services.wire import answer_bytes
from simnet.trace import Disposition, Journey

if TYPE_CHECKING:
    from typing import Any, Callable
    from simnet.kernel.node import Node
    from simnet.links.packet6 import IPv6Packet

__all__ = ["refinish", "mark_ufw", "udp_ask", "UdpAsk", "TcpOutcome", "UdpOutcome",
           "ephemeral_port", "answer_udp", "kernel_request"]

ANY = IPv4Address("0.0.0.0")
# Linux: tcp_syn_retries = 6 -> connect() fails at 127 s (simnet.kernel.tcp retransmits the SYN)
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
    src: IPv4Address | IPv6Address | None = None
    sport: int = 0
    journeys: list[Journey] = field(default_factory=list)


@dataclass
class TcpOutcome:
    """How a TCP conversation went: ``status`` is ok, refused, timeout, unreachable
    (no route at the sender), hostunreach (ICMP on the way) or closed (reset after
    the handshake)."""

    status: str = "timeout"      # also netunreach / hostunreach (ICMP errors during the handshake)
    response: Any = None
    src: IPv4Address | IPv6Address | None = None
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
                 on_done: Callable[[UdpOutcome], None] | None = None, dont_fragment: bool = True) -> None:
        self.node, self.dst, self.dport, self.message, self.flow = node, dst, dport, message, flow
        self.timeout, self.tries, self.mark, self.on_done = timeout, max(1, tries), mark, on_done
        self.dont_fragment = dont_fragment      # False: IP_PMTUDISC_OMIT, as BIND's tools set it
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
                                           journey=journey, dont_fragment=self.dont_fragment), self.mark)
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
            timeout: float = 5.0, tries: int = 1, mark: int = 0, dont_fragment: bool = True) -> UdpOutcome:
    """Blocking :class:`UdpAsk`: simulated time runs until the answer or the last timeout."""
    ask = UdpAsk(node, dst, dport, message, flow, timeout, tries, mark, dont_fragment=dont_fragment)
    ask.start()
    node.sim.run(until=node.sim.now + timeout * ask.tries + 0.001, stop=lambda: ask.done)
    if not ask.done:
        ask._finish("timeout")
    return ask.out


def answer_udp(node: "Node", pkt: "IPv4Packet | IPv6Packet", content: Any) -> None:
    p = pkt.payload
    assert isinstance(p, Udp)
    _answer(node, pkt, Udp(p.dport, p.sport, getattr(content, "length", 40), content))


def _answer(node: "Node", pkt: "IPv4Packet | IPv6Packet", payload: Any) -> None:
    """Send ``payload`` back to where ``pkt`` came from, over IPv4 or IPv6 like the question."""
    if not isinstance(pkt, IPv4Packet):
        from simnet.links.packet6 import IPv6Packet

        reply6 = IPv6Packet(pkt.dst, pkt.src, payload, journey=pkt.journey)
        if reply6.journey is not None:
            reply6.journey.leg = "back"
        node.ip6.stack.send_quiet(reply6)
        return
    reply = IPv4Packet(pkt.dst, pkt.src, payload, journey=pkt.journey)
    if reply.journey is not None:
        reply.journey.leg = "back"
    node.stack.send_local_error(reply)


CLOSE_DELAY = 0.0001           # curl's time from the last byte to close()
ERRNO_STATUS = {"Connection refused": "refused", "No route to host": "hostunreach",
                "Network is unreachable": "netunreach", "Connection timed out": "timeout",
                "Connection reset by peer": "closed"}


def kernel_request(node: "Node", dst: IPv4Address | IPv6Address, dport: int, request: Any, length: int, flow: str,
                   connect_timeout: float = SYN_GIVE_UP, answer_timeout: float = 10.0,
                   process: str = "curl") -> TcpOutcome:
    """A request over the node's real TCP (:mod:`simnet.kernel.tcp`), as curl does it: handshake with
    the kernel's ISN and options, the request in segments of ``length`` bytes in all, the answer, and
    the client's FIN once the answer is complete (HTTP/1.1 keep-alive: the client closes first; an
    HTTP/1.0 server closes first and the client's FIN answers it)."""
    from simnet.kernel.tcp import tcp_of
    from simnet.services.tcpserve import send_answer

    out = TcpOutcome()
    sim = node.sim
    start = sim.now
    syn_journey = Journey(f"{flow} (Verbindungsaufbau TCP {dst}:{dport})")
    out.journeys.append(syn_journey)
    reader = _Reader(request)
    ep = tcp_of(node).connect(dst, dport, process=process, pid=0, journey=syn_journey)
    out.sport = ep.lport
    limit = min(connect_timeout, SYN_GIVE_UP)
    # connect() gives up at the limit: a SYN retransmission due at that very moment is not sent
    sim.run(until=start + limit - 1e-9, stop=lambda: ep.state != "SYN-SENT")
    if ep.state != "ESTAB":
        if ep.state == "SYN-SENT":
            ep.close()
            sim.run(until=start + limit)           # what else happens at that moment still happens
        out.status = ERRNO_STATUS.get(ep.error or "", "timeout")
        if ep.error is None and ep.state == "CLOSED" and not ep.local.is_unspecified:
            out.status = "timeout"
        out.src = None if ep.local.is_unspecified else ep.local
        out.elapsed = sim.now - start
        mark_ufw(node, out.journeys)
        return out
    out.src = ep.local
    rtt = sim.now - start
    journey = Journey(flow)
    out.journeys.append(journey)
    ep.on_data = reader.on_data
    reader.start = ep.rcv_nxt
    send_answer(ep, request, length, journey)
    got = reader.got
    sim.run(until=sim.now + answer_timeout, stop=lambda: ep.state != "ESTAB")
    if got:
        out.status, out.response = "ok", got[0]
        out.answer_journey = journey          # the caller judges the answer and finishes it
        sim.run(until=sim.now + 1.0, stop=lambda: ep.state in ("TIME-WAIT", "CLOSED"))
        # the last ACK is on its way when the client's socket enters TIME-WAIT: let it land, so that
        # the server's socket is closed when the next command looks (curl has exited by then)
        sim.run(until=sim.now + rtt)
    else:
        out.status = "closed" if ep.state == "CLOSED" else "timeout"
        if ep.state == "ESTAB":
            ep.close()                 # curl gives up: close() sends its FIN
    out.elapsed = sim.now - start
    mark_ufw(node, out.journeys)
    return out


class _Reader:
    """The client's side of one request: keeps the answer, closes once it is complete (a plain
    object, not a closure: the endpoint outlives the command in TIME-WAIT, and a lab is pickled)."""

    def __init__(self, request: Any) -> None:
        self.request = request
        self.got: list[Any] = []
        self.start = 0

    def on_data(self, ep: Any, data: Any) -> None:
        if data is None:
            ep.close()                 # EOF: our FIN carries the ACK of theirs
            return
        if not self.got:
            self.got.append(data)
        if ep.rcv_nxt - self.start >= answer_bytes(self.got[0], self.request) and ep.state == "ESTAB":
            # the answer is complete: curl closes with FIN, a moment after the kernel's ACK
            ep.node.sim.schedule(CLOSE_DELAY, ep.close)
