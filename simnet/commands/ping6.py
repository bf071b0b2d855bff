"""ping for IPv6 destinations (iputils 20221126 ping6_run): the same main loop as
:mod:`simnet.commands.ping`, ICMPv6 echo on the IPv6 stack, iputils' IPv6 wording.

The header has no space before the parenthesis and no "(84)":
``PING 2001:db8::1(2001:db8::1) 56 data bytes``; a link-local peer is printed
with its zone (``fe80::1%eth0``); errors read ``Destination unreachable:
Address unreachable`` and so on (print_icmp in ping6_common.c).
"""
from __future__ import annotations

from ipaddress import IPv6Address

from simnet.commands.base import Context
from simnet.commands.ping import _Run, _Socket, bind_option
from simnet.commands.ping_options import PingOptions
from simnet.kernel.ipv6.addr import ntop
from simnet.kernel.ipv6.source import ROUTE_ERRNO, RouteError6
from simnet.kernel.ipv6.stack6 import ROUTE_DISPOSITION, _flowlabel
from simnet.links.packet6 import DST_UNREACH, ECHO_REPLY, ECHO_REQUEST, PKT_TOOBIG, TIME_EXCEED, Icmp6, IPv6Packet
from simnet.trace import Journey

__all__ = ["main6", "icmp6_text"]

UNREACH = {0: "No route", 1: "Administratively prohibited", 2: "Beyond scope of source address",
           3: "Address unreachable", 4: "Port unreachable"}


def icmp6_text(p: Icmp6) -> str:
    """print_icmp(): the words after ``From X icmp_seq=N``."""
    if p.type == DST_UNREACH:
        return "Destination unreachable: " + UNREACH.get(p.code, f"Unknown code {p.code}")
    if p.type == PKT_TOOBIG:
        return f"Packet too big: mtu={p.mtu}" + (f", code={p.code}" if p.code else "")
    if p.type == TIME_EXCEED:
        return "Time exceeded: " + {0: "Hop limit", 1: "Defragmentation failure"}.get(p.code, f"code {p.code}")
    if p.type == 4:
        return f"Parameter problem: code {p.code}"
    return f"Unknown icmp type: {p.type}"


def main6(ctx: Context, o: PingOptions, resolved: IPv6Address | None = None) -> int:
    """ping6_run for an IPv6 literal, or for a name whose AAAA record getaddrinfo chose."""
    sock = _open6(ctx, o, resolved)
    if isinstance(sock, int):
        return sock
    return _Run6(ctx, o, sock).run()


def _open6(ctx: Context, o: PingOptions, resolved: IPv6Address | None = None) -> _Socket[IPv6Address] | int:
    node = ctx.node
    assert o.target is not None
    text, _, zone = o.target.partition("%") if resolved is None else (o.target, "", "")
    try:
        dst = resolved or IPv6Address(text)
    except ValueError:
        ctx.eprint(f"ping: {o.target}: Name or service not known")
        return 2
    if o.family == "4":
        ctx.eprint(f"ping: {o.target}: Address family for hostname not supported")
        return 2
    if zone and zone not in node.interfaces:
        ctx.eprint(f"ping: {o.target}: Name or service not known")
        return 2
    binding = bind_option(ctx, o, IPv6Address, zone or None)
    if isinstance(binding, int):
        return binding
    src, device = binding
    try:
        route, chosen = node.ip6.stack.route(dst, device)
    except RouteError6 as exc:
        text_err = ROUTE_ERRNO[exc.kind]
        j = ctx.journey(f"icmp6 ? → {dst}")
        j.step(node.name, "routing", "no-route", dst=str(dst), error=text_err, kind=exc.kind)
        j.finish(ROUTE_DISPOSITION[exc.kind], node.name, dst=str(dst), local=True, ipv6=True,
                 **node.ip6.stack.unroutable(dst, j))
        ctx.eprint(f"ping: connect: {text_err}")
        return 2
    if src is not None and node.ip6.local_address(src) is None:
        ctx.eprint("ping: bind icmp socket: Cannot assign requested address")
        return 2
    shown = ntop(dst) + (f"%{zone}" if zone else "")
    via = ""
    if o.iface is not None:
        via = f"from {ntop(src) if src is not None else '::'} {device + ': ' if device else ': '}"
        if src is None:
            ctx.eprint(f"ping: Warning: source address might be selected on device other than: {device}")
    if route.dev in node.interfaces:
        mtu = node.interfaces[route.dev].mtu
    else:
        mtu = 1500
    numeric = resolved is None or o.numeric
    if not numeric:          # getnameinfo without a PTR record falls back to the number
        shown = f"{shown} ({shown})"
    ctx.print(f"PING {o.target}({shown}) {via}{o.size} data bytes")
    return _Socket(dst, src, device or (route.dev if dst.is_link_local else None), o.target, numeric, mtu)


class _Run6(_Run[IPv6Address, IPv6Packet]):
    """ping6_run(): ICMPv6 echo on the IPv6 stack; link-local peers printed with their zone."""

    KEY = "icmp6"
    MTU_TEXT = "mtu: "

    def __init__(self, ctx: Context, o: PingOptions, sock: _Socket[IPv6Address]) -> None:
        super().__init__(ctx, o, sock)
        if o.ttl is None:
            self.ttl = 64

    def pr_addr(self, addr: IPv6Address) -> str:
        text = ntop(addr)
        if not self.sock.numeric:        # a name was pinged: getnameinfo's number in both places
            return f"{text} ({text})"
        if addr.is_link_local:
            dev = self.sock.oif
            if dev is None:
                try:
                    dev, _ = self.node.ip6.stack.route(addr)[0].dev, None
                except RouteError6:
                    dev = None
            if dev:
                text += f"%{dev}"
        return text

    def transmit(self, seq: int, journey: Journey) -> None:
        src = self.sock.src or IPv6Address(0)
        pkt = IPv6Packet(src, self.sock.dst, Icmp6(ECHO_REQUEST, 0, self.ident, seq, self.o.size),
                         hlim=self.ttl, flowlabel=_flowlabel(src, self.sock.dst), journey=journey)
        self.node.ip6.stack.send(pkt, oif=self.sock.oif, pmtudisc=self.o.pmtudisc)

    def on_packet(self, pkt: IPv6Packet, kind: str) -> None:
        p = pkt.payload
        assert isinstance(p, Icmp6)
        if kind == "data":
            if p.type == ECHO_REPLY and p.seq in self.sent:
                self._reply(pkt.src, pkt.hlim, p)
            return
        inner = p.inner
        if inner is None or not isinstance(inner.payload, Icmp6) or inner.dst != self.sock.dst:
            return
        seq = inner.payload.seq
        self.icmp_error(pkt.src, seq, icmp6_text(p))   # ping6 counts it without moving the pipe
