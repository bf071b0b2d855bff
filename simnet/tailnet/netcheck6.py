"""netcheck's IPv6 half (net/netcheck, tailscale v1.90): one STUN probe over IPv6.

netcheck probes a DERP node over IPv6 only when the machine has a usable IPv6 address
(netmon's HaveV6: 2000::/3 or a ULA outside tailscale's fd7a:115c:a1e0::/48, on an
interface that is up and not tailscale0). The node's address is the DERP map's ``IPv6``
(headscale: ``derp.server.ipv6``), else the AAAA record of its host name (the server_url's).
An answer makes the report's IPv6 true with the mapped ``[addr]:port``; without one the line
reads "no, but OS has support" (a socket could bind ::1), or "no, unavailable in OS" when
IPv6 is switched off. Headscale's STUN socket follows ``stun_listen_addr``: the seed's
``0.0.0.0:3478`` is IPv4 only, ``:3478`` or ``[::]:3478`` takes IPv6 too (Go's dual-stack socket).
"""
from __future__ import annotations

TYPE_CHECKING = False      # typing's, without importing typing (issue 20: cold start)

from dataclasses import dataclass
from ipaddress import IPv6Address, IPv6Network, ip_address

from simnet.links.packet import Udp
from simnet.links.packet6 import IPv6Packet
from simnet.tailnet.wire import Stun

if TYPE_CHECKING:
    from typing import Any

    from simnet.commands.base import Context
    from simnet.kernel.node import Node
    from simnet.tailnet.derp import RegionInfo
    from simnet.tailnet.magicsock import Magicsock

__all__ = ["Probe6", "start", "have_v6", "stun_takes_v6", "line"]

GLOBAL = IPv6Network("2000::/3")
ULA = IPv6Network("fc00::/7")
TAILNET = IPv6Network("fd7a:115c:a1e0::/48")
WG_PORT = 41641


@dataclass
class Probe6:
    """One netcheck's IPv6 probe: ``state`` os (IPv6 off), none (no probe), unsendable, sent,
    answered, failed (an ICMPv6 error came back: sent, never answered)."""

    state: str
    mapped: tuple[IPv6Address, int] | None = None
    sent_at: float = 0.0
    latency: float | None = None

    @property
    def done(self) -> bool:
        return self.state != "sent"


def have_v6(node: "Node") -> bool:
    """netmon's HaveV6 (isUsableV6 on every interface that is up, tailscale0 left out)."""
    for iface in node.interfaces.values():
        if iface.is_loopback or iface.name == "tailscale0" or not iface.admin_up:
            continue
        for a in iface.addresses6:
            ip = a.ip
            if ip in GLOBAL or (ip in ULA and ip not in TAILNET):
                return True
    return False


def stun_takes_v6(listen: str) -> bool:
    """Does headscale's ``stun_listen_addr`` give a socket that IPv6 reaches?"""
    host = listen.rsplit(":", 1)[0].strip("[]") if ":" in listen else ""
    if host in ("", "::"):
        return True
    try:
        return ip_address(host).version == 6
    except ValueError:
        return False         # a host name: Go listens on what it resolves to; IPv4 here


def _target(ctx: "Context", region: "RegionInfo") -> IPv6Address | None:
    """The DERP node's IPv6 address: ``derp.server.ipv6`` or the AAAA record of its host name."""
    from urllib.parse import urlsplit

    from simnet.services.dns import lookup

    server = region.hs.config.get("derp", {}).get("server", {}) if isinstance(region.hs.config.get("derp"), dict) \
        else {}
    configured = server.get("ipv6") if isinstance(server, dict) else None
    if configured:
        try:
            addr = ip_address(str(configured))
        except ValueError:
            return None
        return addr if isinstance(addr, IPv6Address) else None
    host = urlsplit(str(region.hs.config.get("server_url", ""))).hostname
    if not host:
        return None
    look = lookup(ctx.node, host, qtype="AAAA")
    ctx.journeys.extend(look.journeys)
    answers: list[Any] = list(look.addresses) if look.ok else []
    found = [a for a in answers if isinstance(a, IPv6Address)]
    return found[0] if found else None


def start(ctx: "Context", ms: "Magicsock", region: "RegionInfo") -> Probe6:
    """Send the IPv6 STUN request (from the WireGuard port, with tailscaled's mark 0x80000)."""
    from simnet.kernel.stack import SendError

    node = ctx.node
    if node.sysctl.get_int("net.ipv6.conf.all.disable_ipv6"):
        return Probe6("os")
    if not have_v6(node):
        return Probe6("none")
    target = _target(ctx, region)
    if target is None:
        return Probe6("none")
    probe = Probe6("sent", sent_at=node.sim.now)
    tx = ms._next_tx()
    msg = Stun("request", tx)
    j = ms._journey(f"stun {node.name} → [{target}]:{region.stun_port}")
    ms._step(j, "stun-request", server=f"[{target}]:{region.stun_port}")
    ms.probe6 = (tx, probe)
    pkt = IPv6Packet(IPv6Address(0), target, Udp(WG_PORT, region.stun_port, msg.length, msg), journey=j)
    try:
        node.ip6.stack.send(pkt, mark=0x80000)
    except SendError:
        probe.state = "unsendable"          # no route: IPv6CanSend stays false
    return probe


def on_packet(ms: "Magicsock", pkt: Any, kind: str) -> bool:
    """magicsock's socket got an IPv6 packet: the STUN answer (or the error) of the probe."""
    waiting = getattr(ms, "probe6", None)
    if waiting is None:
        return False
    tx, probe = waiting
    if kind == "error":
        probe.state = "failed"
        ms.probe6 = None
        return True
    msg = pkt.payload.content if isinstance(pkt.payload, Udp) else None
    if not isinstance(msg, Stun) or msg.kind != "response" or msg.tx != tx:
        return False
    probe.state, probe.mapped = "answered", msg.mapped  # type: ignore[assignment]
    probe.latency = ms.now - probe.sent_at
    ms.probe6 = None
    ms._step(pkt.journey, "stun-mapped", mapped=f"[{msg.mapped[0]}]:{msg.mapped[1]}" if msg.mapped else "")
    return True


def line(probe: Probe6) -> str:
    """printReport's IPv6 line."""
    if probe.state == "answered" and probe.mapped is not None:
        return f"\t* IPv6: yes, [{probe.mapped[0]}]:{probe.mapped[1]}"
    if probe.state == "os":
        return "\t* IPv6: no, unavailable in OS"
    return "\t* IPv6: no, but OS has support"
