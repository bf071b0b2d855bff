"""magicsock: how tailscaled finds a path to each peer — direct UDP or the DERP relay.

Modelled on tailscale's wgengine/magicsock (v1.90), in simulated time:

* One UDP socket (port 41641). STUN to the DERP region's server tells which
  public address:port that socket has; together with the local addresses
  these are the node's *endpoints*, published through the control server.
* Every connection starts on DERP. Alongside, disco pings go to every
  endpoint of the peer, and a call-me-maybe over DERP asks the peer to ping
  back at the same time — that is the hole punch. The first pong received
  over UDP makes that address the best path, trusted for 6.5 s and renewed
  by a heartbeat ping every 3 s while the session is active (45 s).
* With no trusted direct path, WireGuard packets go over DERP (and to the
  expired best address as well).
* IPv6: the global IPv6 addresses of the node are endpoints too (netmon's
  LocalAddresses), pinged over the IPv6 socket; among answering addresses
  :func:`better_addr` (endpoint.go betterAddr) prefers IPv6 by ten points and
  private addresses by twenty when the latencies are close.

Nothing here decides by NAT type: the NATs, firewalls and routes of the lab
drop or pass the real packets, and the outcome follows from that.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network
from typing import TYPE_CHECKING, Any

from simnet.links.packet import IPv4Packet, Udp
from simnet.tailnet.derp import DerpConnection, RegionInfo, ensure_servers, region_of
from simnet.tailnet.wire import WG_PORT, Disco, DerpFrame, Endpoint, Stun, WireGuard, fmt_ep
from simnet.trace import Journey

if TYPE_CHECKING:
    from simnet.tailnet.client import Tailscaled

__all__ = ["Magicsock", "PeerPath", "TRUST", "HEARTBEAT", "ACTIVE"]

ANY = IPv4Address("0.0.0.0")
TRUST = 6.5            # trustUDPAddrDuration
HEARTBEAT = 3.0        # heartbeatInterval
ACTIVE = 45.0          # sessionActiveTimeout
PING_INTERVAL = 5.0    # discoPingInterval: an endpoint is not pinged again sooner
FRESH = 27.0           # endpointsFreshEnoughDuration: re-STUN when older
PING_TIMEOUT = 5.0     # pingTimeoutDuration
KEEPALIVE = 10.0       # WireGuard passive keepalive
REKEY = 120.0          # WireGuard REKEY_AFTER_TIME
UPGRADE = 60.0         # upgradeUDPDirectInterval: a slow direct path looks for a better one this often
GOOD_ENOUGH = 0.005    # goodEnoughLatency: below it, no looking
# netip.Addr's IsPrivate and IsLinkLocalUnicast (Python's is_private also counts the documentation ranges)
PRIVATE = (IPv4Network("10.0.0.0/8"), IPv4Network("172.16.0.0/12"), IPv4Network("192.168.0.0/16"),
           IPv6Network("fc00::/7"))
LINK_LOCAL = (IPv4Network("169.254.0.0/16"), IPv6Network("fe80::/10"))
TAILSCALE = (IPv4Network("100.64.0.0/10"), IPv6Network("fd7a:115c:a1e0::/48"))


def _points(addr: IPv4Address | IPv6Address) -> int:
    if addr.is_loopback:
        bonus = 50
    elif any(addr in n for n in LINK_LOCAL):
        bonus = 30
    else:
        bonus = 20 if any(addr in n for n in PRIVATE) else 0
    return bonus + (10 if addr.version == 6 else 0)


def better_addr(a: Endpoint, a_latency: float, b: Endpoint | None, b_latency: float) -> bool:
    """endpoint.go betterAddr: points for being faster (percent), private (20), link-local (30),
    loopback (50) and IPv6 (10); below 1 % difference nothing changes (hysteresis)."""
    if b is None:
        return True
    if a == b:
        return False
    a_points = b_points = 0
    if a_latency > b_latency and a_latency > 0:
        b_points = int(100 - (b_latency * 100) / a_latency)
    elif b_latency > 0:
        a_points = int(100 - (a_latency * 100) / b_latency)
    a_points += _points(a[0])
    b_points += _points(b[0])
    if a_points <= 1 and b_points == 0:
        return False
    return a_points > b_points


@dataclass
class PeerPath:
    """What this node knows about the way to one peer (magicsock's endpoint)."""

    best: Endpoint | None = None
    best_latency: float = 0.0
    trust_until: float = -1.0
    last_ping: dict[Endpoint, float] = field(default_factory=dict)
    candidates: set[Endpoint] = field(default_factory=set)
    last_send: float = -1e9
    heartbeat: bool = False
    handshake_at: float | None = None      # when the WireGuard session was (last) established
    handshake_sent: float | None = None
    last_full_ping: float | None = None    # the last time every endpoint was pinged (sendDiscoPingsLocked)
    waiting: list[IPv4Packet] = field(default_factory=list)

    def trusted(self, now: float) -> bool:
        return self.best is not None and now <= self.trust_until


class Magicsock:
    """The per-node part of tailscaled that moves encrypted packets."""

    def __init__(self, ts: "Tailscaled") -> None:
        self.ts = ts
        self.node = ts.node
        self.started = False
        self.paths: dict[str, PeerPath] = {}          # peer node name -> path
        self.stun_endpoint: Endpoint | None = None
        self.stun_results: list[Endpoint] = []
        self.stun_at: float | None = None
        self.stun_latency: float | None = None
        self._stun_sent: dict[int, float] = {}
        self.stun_one_set = False     # netcheck: the probes to a region are one set, cancelled by its first answer
        self.probe6: Any = None       # netcheck's IPv6 STUN probe while it waits (netcheck6)
        self._tx = 0
        self._pending: dict[int, tuple[str, Endpoint | None, float, Any]] = {}   # tx -> (peer, ep, sent, waiter)
        self.derp = DerpConnection(self.node, self.node.name, self._on_derp, self._derp_failed)
        self.log: list[Journey] = []                  # traversal packets (STUN, disco, handshakes)
        self.recorder: list[Journey] | None = None    # a running command's journey list (tailscale ping)

    # --------------------------------------------------------------- plumbing
    @property
    def now(self) -> float:
        return self.node.sim.now

    @property
    def region(self) -> RegionInfo | None:
        return region_of(self.ts.server)

    def _next_tx(self) -> int:
        self._tx += 1
        return self._tx

    def _journey(self, flow: str) -> Journey:
        j = Journey(flow)
        self.log.append(j)
        if len(self.log) > 2000:
            del self.log[:1000]
        if self.recorder is not None:
            self.recorder.append(j)
        return j

    def _step(self, j: Journey | None, action: str, **detail: Any) -> None:
        if j is not None:
            j.step(self.node.name, "tailnet", action, t=round(self.now, 6), **detail)

    def local_endpoints(self) -> list[Endpoint]:
        """netmon.LocalAddresses: IPv4 addresses, then global IPv6 ones (two per prefix at most;
        link-local never; a ULA only when nothing else is there), tailnet addresses left out."""
        eps: list[Endpoint] = []
        v6: list[Endpoint] = []
        ula: list[Endpoint] = []
        per_prefix: dict[IPv6Network, int] = {}
        for iface in self.node.interfaces.values():
            if iface.is_loopback or iface.name == "tailscale0" or not iface.oper_up:
                continue
            for a in iface.primary_addresses():
                eps.append((a.ip, WG_PORT))
            for a6 in iface.addresses6:
                ip = a6.ip
                if ip.is_loopback or ip.is_link_local or "dadfailed" in a6.flags or any(ip in n for n in TAILSCALE):
                    continue
                if ip in PRIVATE[3]:
                    ula.append((ip, WG_PORT))
                    continue
                net = a6.interface.network
                if per_prefix.get(net, 0) < 2:
                    v6.append((ip, WG_PORT))
                per_prefix[net] = per_prefix.get(net, 0) + 1
        if not eps and not v6:
            v6 = ula
        return eps + sorted(v6, key=lambda e: int(e[0]))

    def endpoints(self) -> list[Endpoint]:
        """What the control server publishes for this node: STUN result first, then local ones."""
        eps = [self.stun_endpoint] if self.stun_endpoint is not None else []
        return eps + [e for e in self.local_endpoints() if e not in eps]

    # ---------------------------------------------------------------- life
    def start(self) -> None:
        """tailscaled came up: open the UDP socket, connect DERP, ask STUN."""
        if self.started:
            return
        self.started = True
        self.node.stack.sockets[("udp", WG_PORT)] = self._on_udp
        # like tailscaled, connect and probe in the background (the first event loop turn)
        self.node.sim.schedule(0.0, self._connect)

    def _connect(self) -> None:
        region = self.region
        if region is None or not self.started:
            return
        ensure_servers(region.hs)
        if region.address is not None:
            self.derp.connect(region.address)
        self.restun()

    def stop(self) -> None:
        if not self.started:
            return
        self.started = False
        self.node.stack.sockets.pop(("udp", WG_PORT), None)
        self.derp.close()
        self.paths.clear()
        self.stun_endpoint = None

    def network_changed(self) -> None:
        """A router on the way was changed: forget paths and mappings, ask STUN again."""
        self.paths.clear()
        self.stun_endpoint = None
        self.stun_results = []
        if self.started:
            self.derp.close()
            region = self.region
            if region is not None and region.address is not None:
                ensure_servers(region.hs)
                self.derp.connect(region.address)
            self.restun()

    def restun(self, probes: int = 2) -> None:
        """Send STUN binding requests from the WireGuard socket (netcheck does two)."""
        region = self.region
        if region is None or region.address is None:
            return
        self.stun_results = []
        for k in range(probes):
            self.node.sim.schedule(0.0 if k == 0 else 0.1 * k, self._stun_probe, region.address, region.stun_port)

    def _stun_probe(self, server: IPv4Address, port: int) -> None:
        if not self.started or (self.stun_one_set and self.stun_results):
            return
        tx = self._next_tx()
        self._stun_sent[tx] = self.now
        msg = Stun("request", tx)
        j = self._journey(f"stun {self.node.name} → {server}:{port}")
        self._step(j, "stun-request", server=f"{server}:{port}")
        self._udp((server, port), msg, j)

    def _udp(self, dst: Endpoint, msg: Any, journey: Journey | None) -> None:
        """From the WireGuard port, with the bypass mark; IPv6 goes out of the ``[::]`` socket
        (no route: sendto fails and the datagram is counted as lost, as magicsock does)."""
        from simnet.kernel.stack import SendError

        try:
            if dst[0].version == 6:
                from simnet.links.packet6 import IPv6Packet

                self.node.ip6.stack.send(IPv6Packet(IPv6Address(0), dst[0], Udp(WG_PORT, dst[1], msg.length, msg),
                                                    journey=journey), mark=0x80000)
            else:
                pkt = IPv4Packet(ANY, dst[0], Udp(WG_PORT, dst[1], msg.length, msg), journey=journey)
                self.node.stack.send(pkt, mark=0x80000)
        except SendError:
            pass

    # ------------------------------------------------------------ receiving
    def _on_udp(self, pkt: IPv4Packet, kind: str) -> None:
        if pkt.src.version == 6:
            from simnet.tailnet import netcheck6

            if netcheck6.on_packet(self, pkt, kind):
                return
        udp = pkt.payload
        if kind != "data" or not isinstance(udp, Udp):
            return
        msg = udp.content
        src = (pkt.src, udp.sport)
        if isinstance(msg, Stun) and msg.kind == "response":
            sent = self._stun_sent.pop(msg.tx, None)
            if msg.mapped is not None:
                self.stun_results.append(msg.mapped)
                if self.stun_endpoint is None or len(self.stun_results) == 1:
                    self.stun_endpoint = msg.mapped
                self.stun_at = self.now
                if sent is not None:
                    self.stun_latency = self.now - sent
            self._step(pkt.journey, "stun-mapped", mapped=fmt_ep(msg.mapped) if msg.mapped else "")
            return
        if isinstance(msg, Disco):
            self._on_disco(msg, src, pkt, via_derp=False)
        elif isinstance(msg, WireGuard):
            self._on_wireguard(msg, pkt, src)

    def _on_derp(self, frame: DerpFrame, pkt: IPv4Packet) -> None:
        msg = frame.message
        if isinstance(msg, Disco):
            self._on_disco(msg, None, pkt, via_derp=True)
        elif isinstance(msg, WireGuard):
            self._on_wireguard(msg, pkt, None)

    def _derp_failed(self, server: str) -> None:
        """No relay: packets waiting for a WireGuard handshake without a direct path are lost."""
        from simnet.trace import Disposition

        for path in self.paths.values():
            if path.trusted(self.now):
                continue
            for pkt in path.waiting:
                if pkt.journey is not None:
                    pkt.journey.finish(Disposition.FILTERED, self.node.name, derp=True,
                                       reason="derp-unreachable", server=server)
            path.waiting.clear()
            path.handshake_sent = None

    def _peer_ts(self, name: str) -> "Tailscaled | None":
        from simnet.tailnet.client import Tailscaled

        node = self.node.lab.nodes.get(name)
        ts = node.services.get("tailscaled") if node is not None else None
        return ts if isinstance(ts, Tailscaled) and ts.state == "Running" else None

    def _short_key(self, name: str) -> str:
        from simnet.tailnet.control import short_key

        peer = next((p for p in self.ts.peers() if p.client == name), None)
        return short_key(peer.node_key) if peer is not None else ""

    def _is_peer(self, name: str) -> bool:
        return any(p.client == name for p in self.ts.peers())

    def _on_disco(self, msg: Disco, src: Endpoint | None, pkt: IPv4Packet, via_derp: bool) -> None:
        if not self._is_peer(msg.sender):
            return
        path = self.paths.setdefault(msg.sender, PeerPath())
        if msg.kind == "ping":
            self._step(pkt.journey, "disco-ping-received", sender=msg.sender,
                       via="DERP" if via_derp else fmt_ep(src) if src else "")
            pong = Disco("pong", self.node.name, msg.tx, observed=src)
            j = self._journey(f"disco pong {self.node.name} → {msg.sender}")
            self._step(j, "disco-pong", to=msg.sender, via="DERP" if via_derp else fmt_ep(src) if src else "")
            if via_derp or src is None:
                self._derp_send(msg.sender, pong, j)
            else:
                path.candidates.add(src)
                self._udp(src, pong, j)
                if not path.trusted(self.now):
                    # the peer got through from there: its hole in our NAT is open now, so ping
                    # back at once (the rate limit is for guesses, not for proven addresses)
                    self._ping(msg.sender, src, force=True)
            return
        if msg.kind == "pong":
            pending = self._pending.pop(msg.tx, None)
            if pending is None:
                return
            peer, ep, sent, waiter = pending
            latency = self.now - sent
            self._step(pkt.journey, "disco-pong-received", sender=msg.sender,
                       via="DERP" if via_derp else fmt_ep(src) if src else "", latency=round(latency * 1000, 3))
            if not via_derp and src is not None:
                # handlePongConnLocked: a better address becomes the best (compared with the best one
                # even when its trust ran out); only the best address's pong extends the trust
                if better_addr(src, latency, path.best, path.best_latency):
                    if path.best != src or not path.trusted(self.now):
                        # magicsock logs "disco: node [AbCdE] … now using IP:PORT" with the short node key
                        self._step(pkt.journey, "now-using", peer=msg.sender, endpoint=fmt_ep(src),
                                   node_key=self._short_key(msg.sender))
                    path.best = src
                if src == path.best:
                    path.best_latency = latency
                    path.trust_until = self.now + TRUST
            if waiter is not None:
                waiter(msg.sender, None if via_derp else src, latency)
            return
        if msg.kind == "call-me-maybe":
            self._step(pkt.journey, "call-me-maybe-received", sender=msg.sender,
                       endpoints=",".join(fmt_ep(e) for e in msg.endpoints))
            path.last_ping.clear()
            path.last_full_ping = self.now             # handleCallMeMaybe → sendDiscoPingsLocked
            path.candidates.update(msg.endpoints)
            for ep in msg.endpoints:
                self._ping(msg.sender, ep)

    # ------------------------------------------------------------- sending
    def _derp_send(self, peer: str, msg: Any, journey: Journey | None) -> bool:
        region = self.region
        if region is None or region.address is None:
            if journey is not None:
                from simnet.trace import Disposition

                journey.finish(Disposition.TAILNET_NO_PEER, self.node.name, reason="no-derp", peer=peer)
            return False
        if self.derp.state != "up":          # the relay must listen before we connect to it
            ensure_servers(region.hs)
        self.derp.send(peer, msg, journey, region.address)
        return True

    def _ping(self, peer: str, ep: Endpoint | None, waiter: Any = None, force: bool = False) -> int:
        """A disco ping to ``ep`` (None: over DERP)."""
        path = self.paths.setdefault(peer, PeerPath())
        if ep is not None and not force and self.now - path.last_ping.get(ep, -1e9) < PING_INTERVAL:
            return 0
        tx = self._next_tx()
        self._pending[tx] = (peer, ep, self.now, waiter)
        if len(self._pending) > 512:
            for k in list(self._pending)[:256]:
                self._pending.pop(k, None)
        msg = Disco("ping", self.node.name, tx)
        where = fmt_ep(ep) if ep is not None else "DERP"
        j = self._journey(f"disco ping {self.node.name} → {peer} via {where}")
        self._step(j, "disco-ping", to=peer, via=where)
        if ep is None:
            self._derp_send(peer, msg, j)
        else:
            path.last_ping[ep] = self.now
            self._udp(ep, msg, j)
        return tx

    def discover(self, peer: str, waiter: Any = None) -> None:
        """sendDiscoPingsLocked + call-me-maybe: punch from both sides at once. A ``waiter`` is
        ``tailscale ping``'s callback: discoPing pings every candidate for the CLI and the first pong
        from any of them answers (simnet keeps the rate limit, so a later CLI ping relies on DERP
        until the path is trusted)."""
        other = self._peer_ts(peer)
        if other is None:
            return
        if self.stun_at is None or self.now - self.stun_at > FRESH:
            self.restun(1)
        path = self.paths.setdefault(peer, PeerPath())
        path.last_full_ping = self.now
        sent = 0
        for ep in other.magicsock.endpoints() + sorted(path.candidates - set(other.magicsock.endpoints())):
            if self._ping(peer, ep, waiter):
                sent += 1
        if sent:
            cmm = Disco("call-me-maybe", self.node.name, endpoints=tuple(self.endpoints()))
            j = self._journey(f"call-me-maybe {self.node.name} → {peer} via DERP")
            self._step(j, "call-me-maybe", to=peer, endpoints=",".join(fmt_ep(e) for e in cmm.endpoints))
            self._derp_send(peer, cmm, j)

    def _want_full_ping(self, path: PeerPath) -> bool:
        return not path.trusted(self.now)

    def _want_upgrade(self, path: PeerPath) -> bool:
        """wantFullPingLocked: no trusted path, or a slow one not looked past for a minute."""
        if not path.trusted(self.now) or path.last_full_ping is None:
            return True
        return path.best_latency > GOOD_ENOUGH and self.now - path.last_full_ping >= UPGRADE

    def send_data(self, peer: "Tailscaled", pkt: IPv4Packet) -> None:
        """WireGuard-encrypt ``pkt`` and send it on the best path to ``peer``."""
        self.start()
        name = peer.node.name
        path = self.paths.setdefault(name, PeerPath())
        now = self.now
        path.last_send = now
        if path.handshake_at is None or now - path.handshake_at > REKEY:
            path.waiting.append(pkt)
            if path.handshake_sent is None or now - path.handshake_sent > PING_TIMEOUT:
                path.handshake_sent = now
                j = self._journey(f"wireguard handshake {self.node.name} → {name}")
                self._step(j, "handshake-initiation", to=name)
                self._wg(name, path, WireGuard("init", self.node.name), j)
            if self._want_full_ping(path):
                self.discover(name)
            self._heartbeat_on(name, path)
            return
        self._wg(name, path, WireGuard("data", self.node.name, pkt), pkt.journey)
        if self._want_full_ping(path):
            self.discover(name)
        self._heartbeat_on(name, path)

    def _wg(self, name: str, path: PeerPath, msg: WireGuard, journey: Journey | None) -> None:
        inner = msg.kind == "data" and journey is not None
        if path.trusted(self.now):
            assert path.best is not None
            if journey is not None:
                self._step(journey, "wireguard", to=name, via=fmt_ep(path.best), kind=msg.kind)
                journey.underlay = inner
            self._udp(path.best, msg, journey)
            return
        if path.best is not None:
            self._udp(path.best, msg, None)     # expired best address: try it, too
        if journey is not None:
            self._step(journey, "wireguard", to=name, via="DERP", kind=msg.kind)
            journey.underlay = inner
        self._derp_send(name, msg, journey)

    def _on_wireguard(self, msg: WireGuard, pkt: IPv4Packet, src: Endpoint | None) -> None:
        sender = self._peer_ts(msg.sender)
        if sender is None or not self._is_peer(msg.sender):
            return
        path = self.paths.setdefault(msg.sender, PeerPath())
        now = self.now
        if src is not None and not path.trusted(now):
            path.candidates.add(src)
        if msg.kind == "init":
            path.handshake_at = now
            j = self._journey(f"wireguard handshake {self.node.name} → {msg.sender}")
            self._step(j, "handshake-response", to=msg.sender)
            self._wg(msg.sender, path, WireGuard("response", self.node.name), j)
            return
        if msg.kind == "response":
            path.handshake_at = now
            waiting, path.waiting = path.waiting, []
            for inner in waiting:
                self._wg(msg.sender, path, WireGuard("data", self.node.name, inner), inner.journey)
            return
        if msg.kind == "data" and msg.inner is not None:
            from simnet.tailnet.dataplane import receive

            self.node.sim.schedule(KEEPALIVE, self._keepalive, msg.sender, now)
            if msg.inner.journey is not None:
                msg.inner.journey.underlay = False
            receive(self.ts, sender, msg.inner)

    def _keepalive(self, peer: str, received_at: float) -> None:
        path = self.paths.get(peer)
        if path is None or not self.started or path.last_send >= received_at:
            return
        path.last_send = self.now
        self._wg(peer, path, WireGuard("keepalive", self.node.name), None)

    def _heartbeat_on(self, peer: str, path: PeerPath) -> None:
        if not path.heartbeat:
            path.heartbeat = True
            self.node.sim.schedule(HEARTBEAT, self._heartbeat, peer)

    def _heartbeat(self, peer: str) -> None:
        path = self.paths.get(peer)
        if path is None or not self.started:
            return
        if self.now - path.last_send > ACTIVE:
            path.heartbeat = False
            return
        if path.best is not None and path.trusted(self.now):
            self._ping(peer, path.best, force=True)
        if self._want_upgrade(path):
            self.discover(peer)
        self.node.sim.schedule(HEARTBEAT, self._heartbeat, peer)

    # -------------------------------------------------------------- status
    def cur_addr(self, peer: str) -> Endpoint | None:
        """The trusted direct address (``direct IP:PORT`` in status), else None (relay)."""
        path = self.paths.get(peer)
        return path.best if path is not None and path.trusted(self.now) else None
