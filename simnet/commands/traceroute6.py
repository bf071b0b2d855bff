"""traceroute 2.1.2 to an IPv6 address: the probe loop of :mod:`simnet.commands.traceroute`
with IPv6 probes (80 bytes by default: 40 of IPv6 header, 8 of UDP, 32 of data).

ICMPv6 answers end a probe: "time exceeded" names a hop, "port unreachable"
from the target ends the trace, and the other unreachables mark it as
traceroute does for IPv6 (no route ``!N``, administratively prohibited ``!X``,
address unreachable or beyond scope ``!H``).
"""
from __future__ import annotations

from ipaddress import IPv6Address
from typing import Any

from simnet.commands.base import Context
from simnet.commands.traceroute import _Opts, _Probe, _SendFailed, _Tracer
from simnet.kernel.ipv6.source import ROUTE_ERRNO, RouteError6
from simnet.kernel.stack import SendError
from simnet.links.packet import Udp
from simnet.links.packet6 import DST_UNREACH, ECHO_REPLY, ECHO_REQUEST, TIME_EXCEED, Icmp6, IPv6Packet

__all__ = ["main6"]

UNREACH6 = {0: "!N", 1: "!X", 2: "!H", 3: "!H", 4: ""}


def main6(ctx: Context, o: _Opts, dst: IPv6Address) -> int:
    node = ctx.node
    src = None
    if o.source is not None:
        try:
            src = IPv6Address(o.source)
        except ValueError:
            ctx.eprint(f'Cannot handle "-s" option with arg `{o.source}\'')
            return 2
    size = 80 if o.packetlen is None else max(o.packetlen, 48)
    header = f"traceroute to {o.host} ({dst}), {o.max_hops} hops max, {size} byte packets"
    if o.iface is not None and o.iface not in node.interfaces:
        if o.method in ("default", "udp"):
            ctx.print(header, end="")
        ctx.eprint("\nsetsockopt SO_BINDTODEVICE: No such device")
        return 1
    if src is not None and node.ip6.local_address(src) is None:
        if o.method in ("default", "udp"):
            ctx.print(header, end="")
        ctx.eprint("\nbind: Cannot assign requested address")
        return 1
    try:
        _route, chosen = node.ip6.stack.route(dst, o.iface)
    except RouteError6 as exc:
        if o.method in ("default", "udp"):
            ctx.print(header, end="")
        ctx.eprint("")
        ctx.eprint(f"connect: {ROUTE_ERRNO[exc.kind]}")
        return 1
    ctx.print(header, end="")
    tracer = _Tracer6(ctx, o, dst, src or chosen, size)    # type: ignore[arg-type]
    try:
        tracer.run()
    except _SendFailed as exc:
        ctx.eprint(f"\nsend: {exc}")
        return 1
    return 0


class _Tracer6(_Tracer):
    def _send(self, pb: _Probe) -> None:
        o = self.o
        data = max(0, self.size - 48)
        if o.method == "icmp":
            seq = (o.port or 1) + pb.idx
            payload: Any = Icmp6(ECHO_REQUEST, 0, self.ident, seq, data)
            key: tuple = ("icmp6", self.ident)
            pb.key = seq
        else:
            sport = self._ephemeral()
            dport = (o.port or 53) if o.method == "udp" else (o.port or 33434) + pb.idx
            payload = Udp(sport, dport, data)
            key = ("udp", sport)
            pb.key = key
        proto = "icmp6" if o.method == "icmp" else "udp"
        pb.journey = self.ctx.journey(f"{proto} {self.src} → {self.dst} (traceroute hlim={pb.ttl})")
        self.by_key[pb.key] = pb
        if key not in self.keys:
            self.keys.add(key)
            self.node.register(key, self._on_packet)
        pkt = IPv6Packet(self.src or IPv6Address(0), self.dst, payload, hlim=pb.ttl,  # type: ignore[arg-type]
                         journey=pb.journey)
        pb.sent = True
        pb.send_time = self.sim.now
        try:
            self.node.ip6.stack.send(pkt, oif=o.iface)
        except SendError as exc:
            if exc.stage == "sendmsg":
                raise _SendFailed(exc.errno_text) from None

    def _probe_for(self, pkt: IPv6Packet, kind: str) -> _Probe | None:  # type: ignore[override]
        p = pkt.payload
        if kind == "error":
            if not isinstance(p, Icmp6) or p.inner is None:
                return None
            q = p.inner.payload
            if isinstance(q, Icmp6):
                return self.by_key.get(q.seq) if q.ident == self.ident else None
            if isinstance(q, Udp):
                pb = self.by_key.get(("udp", q.sport))
                return pb if pb is not None and p.inner.dst == self.dst else None
            return None
        if isinstance(p, Icmp6):
            return self.by_key.get(p.seq) if p.type == ECHO_REPLY and p.ident == self.ident else None
        return None

    def _on_packet(self, pkt: IPv6Packet, kind: str) -> None:  # type: ignore[override]
        pb = self._probe_for(pkt, kind)
        if pb is None or pb.done:
            return
        p = pkt.payload
        if kind == "error":
            assert isinstance(p, Icmp6)
            if p.type == TIME_EXCEED:
                if p.code != 0:
                    return
            elif p.type == DST_UNREACH:
                pb.mark = UNREACH6.get(p.code, f"!<{p.code}>")
                pb.final = True
            else:
                return
        else:
            pb.final = True
        self._answered(pb, pkt)

    def _name(self, addr: Any) -> str:
        return str(addr)
