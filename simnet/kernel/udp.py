"""UDP sockets with an address family, as ``ss -u`` and the receive path see them.

A program binds a UDP port as AF_INET (``0.0.0.0``, IPv4 only) or AF_INET6 (``::``). An AF_INET6
socket takes IPv4 datagrams too unless IPV6_V6ONLY is set — which is what
``net.ipv6.bindv6only`` makes the default — and then sees its IPv4 peers as ``::ffff:a.b.c.d``.
``ss`` prints the three kinds as ``0.0.0.0:P``, ``*:P`` and ``[::]:P``. A socket that connect()s
(nc -u -l after its first datagram, every nc -u client) takes datagrams of that peer only and is
ESTAB in ``ss``; the kernel answers a datagram no socket takes with "port unreachable".

The receive path (:mod:`simnet.kernel.sockets`, :mod:`simnet.kernel.ipv6.stack6`) still finds a
handler by ``("udp", port)``; it asks :func:`accepts` whether the handler takes the datagram. Plain
functions (the daemons, which listen on both families) take everything.
"""
from __future__ import annotations

from dataclasses import dataclass
from ipaddress import IPv4Address, IPv6Address
TYPE_CHECKING = False    # typing.TYPE_CHECKING without importing typing (issue 20: cold start)

if TYPE_CHECKING:
    from typing import Any, Callable

__all__ = ["UdpSocket", "accepts", "mapped_text"]

Addr = IPv4Address | IPv6Address


@dataclass(eq=False)
class UdpSocket:
    """One bound UDP socket; calling it hands a packet to the program (the ``stack.sockets`` contract)."""

    port: int
    on_packet: Callable[..., None]
    addr: Addr = IPv4Address(0)           # the bound address: 0.0.0.0 (AF_INET) or :: (AF_INET6)
    v6only: bool = False                  # IPV6_V6ONLY: an AF_INET6 socket that takes no IPv4
    process: str = ""
    pid: int = 0
    local: Addr | None = None             # after connect(): the local address the peer used
    peer: tuple[Addr, int] | None = None  # after connect(): (address, port)

    @property
    def family(self) -> int:
        return self.addr.version

    @property
    def state(self) -> str:
        """``ss``'s word: UNCONN (TCP_CLOSE) until connect(), then ESTAB."""
        return "ESTAB" if self.peer is not None else "UNCONN"

    def takes(self, pkt: Any) -> bool:
        """__udp4_lib_lookup / __udp6_lib_lookup: the family first, then a connected socket's peer."""
        version = pkt.src.version
        if self.family == 4 and version != 4 or self.family == 6 and version == 4 and self.v6only:
            return False
        if self.peer is not None:
            return pkt.src == self.peer[0] and getattr(pkt.payload, "sport", None) == self.peer[1]
        return True

    def connect(self, local: Addr, peer: Addr, port: int) -> None:
        self.local, self.peer = local, (peer, port)

    def __call__(self, pkt: Any, kind: str, *rest: Any) -> None:
        self.on_packet(pkt, kind, *rest)


def accepts(handler: Any, pkt: Any) -> bool:
    """Does the handler found for a datagram's port take it? (a daemon's plain function always does)"""
    return not isinstance(handler, UdpSocket) or handler.takes(pkt)


def mapped_text(addr: Addr, family: int) -> str:
    """An address as a socket of ``family`` holds it: IPv4 in an AF_INET6 socket is ::ffff:a.b.c.d."""
    from simnet.kernel.ipv6.addr import ntop

    if family == 6 and addr.version == 4:
        return f"::ffff:{addr}"
    return ntop(addr) if isinstance(addr, IPv6Address) else str(addr)
