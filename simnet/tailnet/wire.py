"""What tailscaled puts into UDP datagrams and DERP frames.

The payloads are values, not bytes: the simulator only needs who sent what
to whom and how long it is on the wire. Lengths follow the real formats so
that ``tcpdump`` shows the lengths a learner sees on a real machine:
WireGuard data = 16 header + the inner packet padded to a multiple of 16 + 16 tag (84 bytes of ICMP
become 128), handshake initiation
148, response 92, keepalive 32; a disco message = 6 magic + 32 key + 24 nonce
+ 16 box tag + 2 type/version + its body; STUN binding request 20 + 12
(SOFTWARE "tailnode") + 8 (FINGERPRINT), response 20 + 12 (XOR-MAPPED-ADDRESS).
"""
from __future__ import annotations

from dataclasses import dataclass
from ipaddress import IPv4Address, IPv6Address
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from simnet.links.packet import IPv4Packet

__all__ = ["WireGuard", "Disco", "Stun", "DerpFrame", "Endpoint", "fmt_ep",
           "WG_PORT", "STUN_PORT", "DERP_PORT", "DERP_MAGIC_IP"]

WG_PORT = 41641
STUN_PORT = 3478
DERP_PORT = 443
DERP_MAGIC_IP = "127.3.3.40"

Endpoint = tuple[IPv4Address | IPv6Address, int]


def fmt_ep(ep: Endpoint) -> str:
    """netip.AddrPort's String: ``IP:PORT``, an IPv6 address in brackets."""
    return f"[{ep[0]}]:{ep[1]}" if ep[0].version == 6 else f"{ep[0]}:{ep[1]}"


@dataclass(frozen=True, slots=True)
class WireGuard:
    """A WireGuard message: ``init``, ``response``, ``data`` (carrying ``inner``) or ``keepalive``."""

    kind: str
    sender: str                      # the sending node (stands in for its public key)
    inner: "IPv4Packet | None" = None

    @property
    def length(self) -> int:
        if self.kind == "data" and self.inner is not None:
            return 16 + -(-self.inner.length // 16) * 16 + 16     # the plaintext is zero-padded to 16
        return {"init": 148, "response": 92}.get(self.kind, 32)


@dataclass(frozen=True, slots=True)
class Disco:
    """A disco message: ``ping``, ``pong`` (with the address the pinger was seen from)
    or ``call-me-maybe`` (with the sender's endpoints)."""

    kind: str
    sender: str
    tx: int = 0
    observed: Endpoint | None = None
    endpoints: tuple[Endpoint, ...] = ()

    @property
    def length(self) -> int:
        body = {"ping": 12 + 32, "pong": 12 + 18}.get(self.kind, 18 * len(self.endpoints))
        return 6 + 32 + 24 + 16 + 2 + body


@dataclass(frozen=True, slots=True)
class Stun:
    """STUN binding ``request`` / ``response`` (the response carries the mapped address)."""

    kind: str
    tx: int
    mapped: Endpoint | None = None

    @property
    def length(self) -> int:
        return 40 if self.kind == "request" else 32


@dataclass(frozen=True, slots=True)
class DerpFrame:
    """A frame on a DERP connection: ``hello`` (client info), ``send`` (to ``peer``)
    or ``recv`` (from ``peer``), carrying a WireGuard or disco message."""

    kind: str
    peer: str = ""
    message: "WireGuard | Disco | None" = None

    @property
    def length(self) -> int:
        inner = self.message.length if self.message is not None else 0
        return 5 + (32 if self.kind != "hello" else 64) + inner
