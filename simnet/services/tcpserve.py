"""A daemon's listening socket on the kernel's TCP (:mod:`simnet.kernel.tcp`).

nginx, pveproxy, sshd, headscale's own HTTP port, certbot's standalone server and the
provider's HTTPS services all answer the same way: the kernel does the three-way handshake,
the request arrives as data, the daemon writes its answer a moment later (the kernel has
acknowledged the request by then, as Linux in quick-ACK mode does at the start of a
connection), in segments that fit the path, and the connection ends as HTTP/1.1 keep-alive
ends it: the client closes first, the daemon answers the client's FIN with its own
(``close_after``: the daemon closes first, as sshd does after refusing or an HTTP/1.0 server).
So tcpdump shows real sequence numbers and the FIN/ACK close, conntrack TIME_WAIT, and ss the
TIME-WAIT socket on the side that closed first.

The answer travels with the request's journey (leg "back"), so a firewall or a NAT that stops
it on the way back is named in the client's explanation.
"""
from __future__ import annotations

from ipaddress import IPv4Address, IPv6Address
TYPE_CHECKING = False      # typing's, without importing typing: ~4 ms of every cold start (issue 20)

from simnet.services.wire import Closed, HttpResponse, answer_bytes

if TYPE_CHECKING:
    from typing import Any, Protocol

    from simnet.kernel.node import Node
    from simnet.kernel.tcp import Endpoint, Listener
else:
    Protocol = object           # TcpApp is only a type hint's protocol; run time needs no typing

__all__ = ["ServiceSocket", "send_answer", "segment_size", "ANSWER_DELAY"]

ANSWER_DELAY = 0.0005        # the daemon's time from reading the request to writing the answer
ANY4 = IPv4Address(0)
ANY6 = IPv6Address(0)



class TcpApp(Protocol):
    """The daemon behind a :class:`ServiceSocket` (a plain object, so that a lab can be pickled)."""

    def tcp_answer(self, pkt: Any, request: Any, port: int) -> Any:
        """The answer to ``request`` that arrived in ``pkt`` on ``port`` (None: no answer)."""
        ...


def segment_size(ep: "Endpoint") -> int:
    """The largest payload per segment: the MTU of the device towards the peer minus the IP and
    TCP headers and the 12 bytes of the timestamp option (1448 on Ethernet)."""
    from simnet.kernel.ipv6.source import RouteError6
    from simnet.kernel.routing import RouteError

    node = ep.node
    remote = ep.remote
    try:
        if isinstance(remote, IPv6Address):
            route6, _ = node.ip6.stack.route(remote)
            dev = node.interfaces.get(route6.dev or "")
            return (dev.mtu if dev is not None else 1500) - 72
        route, _ = node.stack.route_output(remote)
    except (RouteError, RouteError6):      # no route back: the answer is lost anyway
        return 1448
    dev = node.interfaces.get(route.dev or "")
    return max(536, (dev.mtu if dev is not None else 1500) - 52)


def send_answer(ep: "Endpoint", answer: Any, size: int, journey: Any = None) -> None:
    """Write ``size`` bytes of ``answer``: the first segment carries the answer, the others the rest
    of the bytes (the client counts them, see :func:`simnet.services.wire.answer_bytes`)."""
    mss = segment_size(ep)
    first = True
    while size > 0:
        chunk = min(size, mss)
        ep.send_data(answer if first else ("more", chunk), chunk, journey=journey if first else None)
        first = False
        size -= chunk


class ServiceSocket:
    """One listening port of a daemon; ``app.tcp_answer(pkt, request, port)`` answers each request
    (or ``app.tcp_serve(pkt, request, port, reply)`` calls ``reply(answer)`` when it has one), and
    ``app.tcp_admits(pkt, port)``, where the app has it, may refuse a SYN with a reset."""

    def __init__(self, node: "Node", port: int, app: "TcpApp | Any", process: str = "", pid: int = 0,
                 backlog: int = 511, stack: str = "v4", close_after: bool = False) -> None:
        self.node, self.port, self.app = node, port, app
        self.process, self.pid, self.backlog, self.stack = process, pid, backlog, stack
        # v4: 0.0.0.0 only; dual: one [::] socket that takes IPv4 too (peers as ::ffff:a.b.c.d, pveproxy);
        # both: 0.0.0.0 and a v6-only [::] (sshd, dnsmasq, nginx with listen [::]:PORT)
        self.addr: IPv4Address | IPv6Address = ANY4 if stack == "v4" else ANY6
        self.close_after = close_after
        self.listener: "Listener | None" = None

    @property
    def bound(self) -> bool:
        return self.listener is not None and self.listener.open

    def bind(self) -> None:
        """listen(): idempotent; raises OSError(EADDRINUSE) while a program (nc -l, http.server) holds the port."""
        from simnet.kernel.tcp import tcp_of

        if self.bound:
            return
        layer = tcp_of(self.node)
        old = layer.listeners.get(self.port)
        if old is not None and old.listed:  # a program's socket (nc -l, http.server): EADDRINUSE
            raise OSError("Address already in use")
        if old is not None:                 # another daemon's socket on the port gives way (reload)
            layer.unlisten(old)
        self.listener = layer.listen(self.port, self.backlog, self.process, self.pid, on_accept=self._accept,
                                     addr=self.addr)
        self.listener.listed = False
        if hasattr(self.app, "tcp_admits"):
            self.listener.admits = self._admits

    def _admits(self, pkt: Any) -> bool:
        return bool(self.app.tcp_admits(pkt, self.port))  # type: ignore[union-attr]

    def unbind(self) -> None:
        """close() of the listening socket: new SYNs get a reset, open connections finish."""
        from simnet.kernel.tcp import tcp_of

        if self.listener is not None:
            tcp_of(self.node).unlisten(self.listener)
            self.listener = None

    def _accept(self, ep: "Endpoint") -> None:
        ep.on_data = self._data
        if self.stack == "both":            # the IPv4 socket took it: a plain IPv4 connection
            ep.family = 0

    def _data(self, ep: "Endpoint", data: Any) -> None:
        if data is None:                   # the client closed (keep-alive ends): our FIN follows
            ep.close()
            return
        # a protocol the daemon hands on after an HTTP upgrade (DERP behind nginx, headscale's /derp):
        # from its first frame on, the connection belongs to that service
        upgrade = self.node.services.get("derp")
        if upgrade is not None and upgrade.takes(ep, data):
            return
        if isinstance(data, tuple) and data[:1] == ("more",):
            return                          # the rest of a request that filled more than one segment
        pkt = ep.segment
        self.node.sim.schedule(ANSWER_DELAY, self._reply, ep, pkt, data)

    def _reply(self, ep: "Endpoint", pkt: Any, request: Any) -> None:
        if ep.state not in ("ESTAB", "CLOSE-WAIT"):
            return
        if hasattr(self.app, "tcp_serve"):      # the answer may come later (dnsmasq asks upstream first)
            self.app.tcp_serve(pkt, request, self.port, _Later(self, ep, pkt, request))
            return
        self.write(ep, pkt, request, self.app.tcp_answer(pkt, request, self.port))

    def write(self, ep: "Endpoint", pkt: Any, request: Any, answer: Any) -> None:
        """Write the answer to ``request`` on ``ep`` (nothing for None) and close if the daemon does."""
        if answer is None or ep.state not in ("ESTAB", "CLOSE-WAIT"):
            return
        if isinstance(answer, Closed):     # the daemon drops the connection without an answer
            ep.close()
            return
        journey = pkt.journey if pkt is not None else None
        if journey is not None:
            journey.leg = "back"
        send_answer(ep, answer, answer_bytes(answer, request), journey)
        if self.close_after or (isinstance(answer, HttpResponse) and answer.tls_alert):
            ep.close()


class _Later:
    """The way back for an answer the daemon gives later (``app.tcp_serve``)."""

    def __init__(self, sock: ServiceSocket, ep: "Endpoint", pkt: Any, request: Any) -> None:
        self.sock, self.ep, self.pkt, self.request = sock, ep, pkt, request

    def __call__(self, answer: Any) -> None:
        self.sock.write(self.ep, self.pkt, self.request, answer)
