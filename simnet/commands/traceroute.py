"""traceroute 2.1.2 ("Modern traceroute for Linux", Debian), driven by simulated time.

Probes are sent like the real tool does: up to ``-N`` (16) at once, each with
its own TTL (hop ``n // nqueries + 1``), and the results are printed strictly
in probe order. A probe is given up after ``-w MAX,HERE,NEAR`` (5,3,10): at
most MAX seconds, HERE times the round trip of an answered probe of the same
hop, NEAR times one of a later hop. Any ICMP unreachable ends the trace at
that hop (``!N``/``!H``/``!X``/``!P``; a port unreachable from the target is
the normal end without a mark).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from ipaddress import IPv4Address, IPv6Address
from typing import TYPE_CHECKING, Any, Union

from simnet.commands.base import Context
from simnet.commands.resolve import lan_reverse, resolve_host, reverse_name
from simnet.commands.traceroute_args import VERSION, ArgError, Opts, parse
from simnet.kernel.routing import RouteError
from simnet.kernel.stack import ROUTE_ERRORS, SendError
from simnet.links.packet import DEST_UNREACH, ECHO_REPLY, ECHO_REQUEST, TIME_EXCEEDED, Icmp, IPv4Packet, Tcp, Udp
from simnet.trace import Disposition, Journey

if TYPE_CHECKING:
    from simnet.kernel.node import Node
    from simnet.links.packet6 import Icmp6, IPv6Packet

Address = Union[IPv4Address, IPv6Address]
Packet = Union[IPv4Packet, "IPv6Packet"]

__all__ = ["main"]

UNREACH_MARK = {0: "!N", 6: "!N", 8: "!N", 11: "!N", 1: "!H", 7: "!H", 12: "!H", 9: "!X", 10: "!X", 13: "!X",
                3: "", 2: "!P", 5: "!S", 14: "!V", 15: "!C"}
DEF_WAIT_PREC = 0.001
POLL_BATCH = 0.0005   # answers this close together reach one poll() round (UDP methods only, see _wait)


@dataclass(eq=False)
class _Probe:
    """One probe packet of traceroute: its TTL, when it left, and what came back."""

    idx: int
    ttl: int
    send_time: float = 0.0
    sent: bool = False
    done: bool = False
    final: bool = False
    addr: Address | None = None
    recv_time: float = 0.0
    mark: str = ""
    key: Any = None
    journey: Any = field(default=None, repr=False)


# ----------------------------------------------------------------------- main
def main(ctx: Context) -> int:
    try:
        parsed = parse(ctx.args, lambda host: resolve_host(ctx.node, host) or _ipv6(host))
    except ArgError as exc:
        ctx.eprint(str(exc))
        return 2
    if parsed == "version":
        ctx.err.append(VERSION)
        return 0
    if parsed == "usage":
        from simnet.commands.traceroute_usage import USAGE

        ctx.err.append(USAGE)
        return 0
    assert isinstance(parsed, Opts)
    o = parsed
    node = ctx.node
    assert o.host is not None
    dst6 = _ipv6(o.host)
    if dst6 is not None or (o.family == "6" and resolve_host(node, o.host) is not None):
        if o.family == "4" or dst6 is None:
            ctx.eprint(f"{o.host}: Address family for hostname not supported")
            ctx.eprint(f'Cannot handle "host" cmdline arg `{o.host}\' on position 1 (argc {o.host_argc})')
            return 2
        from simnet.commands.traceroute6 import INET6

        return _trace(ctx, o, dst6, INET6)
    dst = resolve_host(node, o.host)
    if dst is None:
        ctx.eprint(f"{o.host}: Name or service not known")
        ctx.eprint(f'Cannot handle "host" cmdline arg `{o.host}\' on position 1 (argc {o.host_argc})')
        return 2
    return _trace(ctx, o, dst, INET)


def _trace(ctx: Context, o: Opts, dst: Address, fam: "Family") -> int:
    """Check the source, the interface and the route as traceroute.c does before its first
    probe (each failure prints the header first where the UDP methods would), then trace."""
    node = ctx.node
    src = None
    if o.source is not None:
        try:
            src = fam.address(o.source)
        except ValueError:
            ctx.eprint(f'Cannot handle "-s" option with arg `{o.source}\'')
            return 2
    size = fam.size(o)
    header = f"traceroute to {o.host} ({dst}), {o.max_hops} hops max, {size} byte packets"
    if o.iface is not None and o.iface not in node.interfaces:
        # the UDP methods open their socket after printing the header; raw sockets before
        if o.method in ("default", "udp"):
            ctx.print(header, end="")
        ctx.eprint("\nsetsockopt SO_BINDTODEVICE: No such device")
        return 1
    if src is not None and not fam.is_local(node, src):
        if o.method in ("default", "udp"):
            ctx.print(header, end="")
        ctx.eprint("\nbind: Cannot assign requested address")
        return 1
    try:
        chosen = fam.route(node, dst, src, o.iface)
    except NoRoute as exc:
        # no probe leaves, yet the trace names why (as ping's failed connect() does): warum explains it
        j = ctx.journey(f"{_probe_proto(o, fam)} ? → {dst} (traceroute)")
        j.step(node.name, "routing", "no-route", dst=str(dst), error=str(exc), kind=exc.kind)
        fam.no_route(node, dst, exc.kind, j)
        if o.method in ("default", "udp"):
            ctx.print(header, end="")
        ctx.eprint("")
        ctx.eprint(f"connect: {exc}")
        return 1
    ctx.print(header, end="")           # its newline comes with the first hop line
    tracer = _Tracer(ctx, o, fam, dst, src or chosen, size)
    try:
        tracer.run()
    except _SendFailed as exc:
        ctx.eprint(f"\nsend: {exc}")      # traceroute.c: error("send") ends the run
        return 1
    return 0


def _ipv6(host: str) -> IPv6Address | None:
    if ":" not in host:
        return None
    try:
        return IPv6Address(host)
    except ValueError:
        return None


def _probe_proto(o: Opts, fam: "Family") -> str:
    """The protocol of the probes a method sends (TCP over IPv6 is not modelled: UDP)."""
    if o.method == "icmp":
        return fam.icmp_key
    return "tcp" if o.method == "tcp" and fam is INET else "udp"


class _SendFailed(Exception):
    """A probe's send() failed (netfilter OUTPUT said DROP or REJECT: EPERM)."""


class NoRoute(Exception):
    """connect() found no route: the message is its strerror, ``kind`` the route error's kind
    (no-route, unreachable, prohibit, ...) that decides the trace's disposition."""

    def __init__(self, text: str, kind: str = "no-route") -> None:
        super().__init__(text)
        self.kind = kind


class Family:
    """What the probe loop needs of an address family: the address type, the headers a probe
    carries, the ICMP type numbers and marks, and the stack's route and send calls.
    IPv4 is :data:`INET` below; IPv6 is :data:`simnet.commands.traceroute6.INET6`."""

    address: type[IPv4Address] | type[IPv6Address]
    icmp: type[Icmp] | type["Icmp6"]
    icmp_key: str                   # the socket key of the ICMP method (and its journey's protocol)
    hops_field: str                 # the TTL's name in a probe's journey: ttl, hlim
    headers: int                    # IP + UDP/ICMP header bytes: the least packetlen
    echo_request: int
    echo_reply: int
    time_exceeded: int
    dest_unreach: int
    unreach_marks: dict[int, str]   # the code of an unreachable -> traceroute's mark

    def size(self, o: Opts) -> int:
        """The packet length traceroute announces and sends."""
        raise NotImplementedError

    def is_local(self, node: "Node", src: Any) -> bool:
        """Whether ``-s`` names one of the node's own addresses (else bind() fails)."""
        raise NotImplementedError

    def route(self, node: "Node", dst: Any, src: Any, iface: str | None) -> Address | None:
        """connect()'s route lookup: the chosen source address; raises NoRoute."""
        raise NotImplementedError

    def no_route(self, node: "Node", dst: Any, kind: str, journey: Journey) -> None:
        """End the journey of a route lookup that failed with the disposition of ``kind``."""
        raise NotImplementedError

    def probe(self, src: Any, dst: Any, payload: Any, ttl: int, journey: Journey) -> Packet:
        raise NotImplementedError

    def send(self, node: "Node", pkt: Any, oif: str | None) -> None:
        """Hand a probe to the stack; raises SendError like sendmsg()."""
        raise NotImplementedError

    def mark_probe(self, journey: Journey, ttl: int) -> None:
        """Tell the journey it is a traceroute probe, whose expired TTL is an answer."""

    def reset(self, node: "Node", pkt: Any, tcp: Tcp) -> None:
        """The kernel's RST for the SYN-ACK a TCP probe drew (no socket holds that connection)."""


class _Inet(Family):
    address = IPv4Address
    icmp = Icmp
    icmp_key = "icmp"
    hops_field = "ttl"
    headers = 28
    echo_request, echo_reply = ECHO_REQUEST, ECHO_REPLY
    time_exceeded, dest_unreach = TIME_EXCEEDED, DEST_UNREACH
    unreach_marks = UNREACH_MARK

    def size(self, o: Opts) -> int:
        # the tcp module ignores packetlen; the others need at least the IP and UDP/ICMP headers
        return 60 if o.method == "tcp" or o.packetlen is None else max(o.packetlen, self.headers)

    def is_local(self, node: "Node", src: IPv4Address) -> bool:
        return src in node.local_addresses()

    def route(self, node: "Node", dst: IPv4Address, src: IPv4Address | None, iface: str | None) -> IPv4Address | None:
        try:
            return node.stack.route_output(dst, src, iface)[1]
        except RouteError as exc:
            raise NoRoute(exc.errno_text, exc.kind) from None

    def no_route(self, node: "Node", dst: IPv4Address, kind: str, journey: Journey) -> None:
        journey.finish(ROUTE_ERRORS.get(kind, (Disposition.NO_ROUTE,))[0], node.name, dst=str(dst), local=True)

    def probe(self, src: IPv4Address | None, dst: IPv4Address, payload: Any, ttl: int, journey: Journey) -> IPv4Packet:
        return IPv4Packet(src or IPv4Address(0), dst, payload, ttl=ttl, dont_fragment=False, journey=journey)

    def send(self, node: "Node", pkt: IPv4Packet, oif: str | None) -> None:
        node.stack.send(pkt, oif=oif)

    def mark_probe(self, journey: Journey, ttl: int) -> None:
        journey.probe_ttl = ttl

    def reset(self, node: "Node", pkt: IPv4Packet, tcp: Tcp) -> None:
        rst = IPv4Packet(pkt.dst, pkt.src, Tcp(tcp.dport, tcp.sport, "R", seq=tcp.ack, window=0))
        try:
            node.stack.send(rst)
        except SendError:
            pass


INET = _Inet()


class _Tracer:
    """The probe loop of traceroute.c, on simulated time."""

    def __init__(self, ctx: Context, o: Opts, fam: Family, dst: Address, src: Address | None, size: int) -> None:
        self.ctx, self.o, self.fam, self.dst, self.src, self.size = ctx, o, fam, dst, src, size
        self.node = ctx.node
        self.sim = ctx.sim
        self.ident = ctx.lab.traceroute_ident
        ctx.lab.traceroute_ident = (self.ident + 1) & 0xFFFF
        total = o.max_hops * o.nqueries
        self.probes = [_Probe(n, n // o.nqueries + 1) for n in range(total)]
        self.by_key: dict[Any, _Probe] = {}
        # the target's PTR name from a LAN's dnsmasq, asked before the first probe
        self.names: dict[Address, str] = {}
        if not o.numeric and isinstance(dst, IPv4Address):    # no ip6.arpa lookups are modelled
            name = lan_reverse(self.node, dst)
            if name is not None:
                self.names[dst] = name
        self.keys: set[tuple] = set()
        self.answered = False
        self.line = ""

    # ------------------------------------------------------------- sending
    def _ephemeral(self) -> int:
        port = self.ctx.lab.ephemeral_port
        while ("udp", port) in self.node.stack.sockets or ("tcp", port) in self.node.stack.sockets:
            port += 1
        self.ctx.lab.ephemeral_port = port + 1 if port < 60999 else 32768
        return port

    def _send(self, pb: _Probe) -> None:
        o, fam = self.o, self.fam
        data = max(0, self.size - fam.headers)
        if o.method == "icmp":
            seq = (o.port or 1) + pb.idx
            payload: Any = fam.icmp(fam.echo_request, 0, self.ident, seq, data)
            key: tuple[str, int] = (fam.icmp_key, self.ident)
            pb.key = seq
            proto = fam.icmp_key
        elif o.method == "tcp" and fam is INET:        # TCP probes over IPv6 are not modelled: UDP
            sport = self._ephemeral()
            payload = Tcp(sport, o.port or 80, "S", seq=(sport * 2654435761) & 0xFFFFFFFF)
            key = ("tcp", sport)
            pb.key = key
            proto = "tcp"
        else:
            sport = self._ephemeral()
            dport = (o.port or 53) if o.method == "udp" else (o.port or 33434) + pb.idx
            payload = Udp(sport, dport, data)
            key = ("udp", sport)
            pb.key = key
            proto = "udp"
        pb.journey = self.ctx.journey(f"{proto} {self.src} → {self.dst} (traceroute {fam.hops_field}={pb.ttl})")
        fam.mark_probe(pb.journey, pb.ttl)
        self.by_key[pb.key] = pb
        if key not in self.keys:
            self.keys.add(key)
            self.node.register(key, self._on_packet)
        pkt = fam.probe(self.src, self.dst, payload, pb.ttl, pb.journey)
        pb.sent = True
        pb.send_time = self.sim.now
        try:
            fam.send(self.node, pkt, o.iface)
        except SendError as exc:
            if exc.stage == "sendmsg":
                raise _SendFailed(exc.errno_text) from None

    # ----------------------------------------------------------- receiving
    def _probe_for(self, pkt: Packet, kind: str) -> _Probe | None:
        p = pkt.payload
        icmp = self.fam.icmp
        if kind == "error":
            if not isinstance(p, icmp) or p.inner is None:
                return None
            inner = p.inner
            q = inner.payload
            if isinstance(q, icmp):
                return self.by_key.get(q.seq) if q.ident == self.ident else None
            if isinstance(q, (Udp, Tcp)):
                key = ("udp" if isinstance(q, Udp) else "tcp", q.sport)
                pb = self.by_key.get(key)
                return pb if pb is not None and inner.dst == self.dst else None
            return None
        if isinstance(p, icmp):
            return self.by_key.get(p.seq) if p.type == self.fam.echo_reply and p.ident == self.ident else None
        if isinstance(p, Tcp):
            return self.by_key.get(("tcp", p.dport)) if pkt.src == self.dst else None
        return None

    def _on_packet(self, pkt: Packet, kind: str) -> None:
        pb = self._probe_for(pkt, kind)
        if pb is None or pb.done:
            return
        p = pkt.payload
        fam = self.fam
        if kind == "error":
            assert isinstance(p, fam.icmp)
            if p.type == fam.time_exceeded:
                if p.code != 0:
                    return
            elif p.type == fam.dest_unreach:
                pb.mark = fam.unreach_marks.get(p.code, f"!<{p.code}>")
                pb.final = True
            else:
                return
        else:
            pb.final = True
            if isinstance(p, Tcp) and "S" in p.flags:
                fam.reset(self.node, pkt, p)
        self._answered(pb, pkt)

    def _answered(self, pb: _Probe, pkt: Any) -> None:
        """The probe's answer came from ``pkt.src``: note it and close the probe's journey."""
        pb.done = True
        pb.addr = pkt.src
        pb.recv_time = self.sim.now
        self.answered = True
        if pb.journey is not None:
            pb.journey.step(self.node.name, "deliver", "traceroute", src=str(pkt.src), mark=pb.mark or None)
            if not pb.journey.finished:
                pb.journey.finish(Disposition.DELIVERED, self.node.name)

    # -------------------------------------------------------------- timing
    def _timeout(self, pb: _Probe) -> float:
        wait_max, here, near = self.o.wait
        q = self.o.nqueries
        first = pb.idx - pb.idx % q
        if here:
            for p in self.probes[first:first + q]:
                if p.done and p.recv_time - p.send_time > 0 and p.addr is not None:
                    return min(wait_max, (p.recv_time - p.send_time + DEF_WAIT_PREC) * here)
        if near:
            for p in self.probes[pb.idx + 1:]:
                if not p.sent:
                    break
                if p.done and p.addr is not None and p.recv_time - p.send_time > 0:
                    return min(wait_max, (p.recv_time - p.send_time + DEF_WAIT_PREC) * near)
        return wait_max

    # ---------------------------------------------------------------- loop
    def run(self) -> None:
        o = self.o
        q = o.nqueries
        start = (o.first - 1) * q
        end = len(self.probes)
        try:
            while start < end:
                now = self.sim.now
                num = 0
                n = start
                while n < end:
                    pb = self.probes[n]
                    if pb.sent and not pb.done and now - pb.send_time >= self._timeout(pb) - 1e-12:
                        pb.done = True
                    if pb.done:
                        if n == start:
                            self._print(pb)
                            start += 1
                        if pb.final:
                            end = (n // q + 1) * q
                        n += 1
                        continue
                    if not pb.sent:
                        self._send(pb)
                    num += 1
                    if num >= o.sim:
                        break
                    n += 1
                if start >= end:
                    break
                self._wait()
        finally:
            for key in self.keys:
                self.node.unregister(key)
            for pb in self.probes:
                if pb.journey is not None and not pb.journey.finished:
                    pb.journey.finish(Disposition.IN_FLIGHT, None)
        if self.line:
            self.ctx.print("\n" + self.line, end="")
        self.ctx.print("")

    def _wait(self) -> None:
        """Run simulated time until an answer arrives or the earliest probe times out."""
        pending = [pb for pb in self.probes if pb.sent and not pb.done]
        if not pending:
            return
        deadline = min(pb.send_time + self._timeout(pb) for pb in pending)
        self.answered = False
        while not self.answered:
            nxt = self.sim.peek()
            if nxt is None or nxt > deadline:
                self.sim.run(until=deadline)
                return
            self.sim.step()
        # poll() returns with every socket that has an answer by now, and do_poll() reads one message
        # per socket: the UDP methods give each probe its own socket, so answers arriving while the
        # first wakes traceroute up are all handled before new probes go out; -I/-T share one raw
        # socket and read a single answer per round (checked: v_masq_udp_conntrack, nf_sr_dnat_port)
        if self.o.method not in ("default", "udp"):
            return
        batch_end = self.sim.now + POLL_BATCH
        while True:
            nxt = self.sim.peek()
            if nxt is None or nxt > batch_end:
                return
            self.sim.step()

    def _print(self, pb: _Probe) -> None:
        q = self.o.nqueries
        np = pb.idx % q
        if np == 0:
            if self.line:
                self.ctx.print("\n" + self.line, end="")     # traceroute.c starts each hop with "\n"
            self.line = f"{pb.ttl:2d} "
        if pb.addr is None:
            self.line += " *"
            return
        prn = np == 0
        if np:
            k = np
            p = self.probes[pb.idx - 1]
            while k and p.addr is None:
                k -= 1
                p = self.probes[p.idx - 1]
            if not k or p.addr != pb.addr:
                prn = True
        if prn:
            self.line += f" {pb.addr}" if self.o.numeric else f" {self._name(pb.addr)} ({pb.addr})"
        self.line += f"  {(pb.recv_time - pb.send_time) * 1000:.3f} ms"
        if pb.mark:
            self.line += f" {pb.mark}"

    def _name(self, addr: Address) -> str:
        """getnameinfo(): an ``/etc/hosts`` name (localhost for 127.0.0.1), else the address
        (IPv6 addresses are printed as they are: no reverse lookup is modelled for them)."""
        if isinstance(addr, IPv6Address):
            return str(addr)
        return self.names.get(addr) or reverse_name(self.node, addr) or str(addr)
